"""Configuration: every default is declared once, in config.py."""
from __future__ import annotations

import ast
from pathlib import Path

from feedback_service.config import from_environment

ROOT = Path(__file__).resolve().parents[2]
CODE = [*ROOT.joinpath("feedback_service").rglob("*.py"), *ROOT.joinpath("worker").rglob("*.py"),
        *ROOT.joinpath("migrations").rglob("*.py")]


def _config_reads_with_a_fallback():
    """`config.get("KEY", default)`, `config.get("KEY") or default` and `config.setdefault("KEY", …)`."""
    for source in CODE:
        tree = ast.parse(source.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"get", "setdefault"} and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                continue
            if "config" not in ast.unparse(node.func.value):
                continue
            parent = parents.get(node)
            with_or = isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or) and parent.values[0] is node
            if len(node.args) > 1 or with_or:
                yield source.relative_to(ROOT), node.lineno, node.args[0].value


def test_no_setting_has_a_second_default_outside_config_py():
    declared = set(from_environment())
    twice = [f"{path}:{line} {key}" for path, line, key in _config_reads_with_a_fallback() if key in declared]
    assert twice == [], "defaults written again outside config.py: " + ", ".join(twice)
