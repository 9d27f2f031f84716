"""`make audit`: check the pinned dependencies against known vulnerabilities.

pip-audit asks an advisory service about each package. It can fail to answer in
two ways that its own exit status hides or overstates:
- the service is unreachable (no network to osv.dev or pypi.org's JSON API): it
  crashes with a traceback, exit 1, as if something were vulnerable;
- the package index answers but does not know a package or version (a mirror,
  a yanked release): the package is *skipped*, and it still prints "No known
  vulnerabilities found" and exits 0 even when every package was skipped.

This wrapper tells the outcomes apart. Exit 1 for a known vulnerability, 2 when
pip-audit itself fails for another reason (a requirement that does not resolve);
a service that cannot answer is reported
loudly, with what was not checked, and exits 0, so CI does not fail on the
network but is never silently green either. Services are tried in turn: the
first that audits at least one package is used.

Usage: `.venv-audit/bin/python scripts/audit.py [requirements.txt …]`.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("pypi", "osv")
TIMEOUT_SECONDS = 600
# What a traceback says when the advisory service (or the index) is out of reach.
_NETWORK_SIGNS = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "Timeout", "timed out",
                  "Temporary failure in name resolution", "Connection refused", "Network is unreachable")


@dataclass
class Result:
    service: str
    answered: bool  # did the service answer at all (JSON came back)?
    audited: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    vulnerable: dict[str, list[str]] = field(default_factory=dict)
    problem: str = ""
    broken: bool = False  # pip-audit failed for another reason than the network


def parse(service: str, returncode: int, stdout: str, stderr: str) -> Result:
    """One pip-audit run (`--format json`) read into a Result."""
    try:
        report = json.loads(stdout)
    except ValueError:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        problem = lines[-1] if lines else f"pip-audit exited {returncode}"
        unreachable = any(sign in stderr for sign in _NETWORK_SIGNS)
        return Result(service, answered=False, problem=problem, broken=not unreachable)
    result = Result(service, answered=True)
    for dependency in report.get("dependencies", []):
        name = f"{dependency['name']} {dependency.get('version', '')}".strip()
        if "skip_reason" in dependency:
            result.skipped[dependency["name"]] = dependency["skip_reason"]
            continue
        result.audited.append(name)
        ids = [vuln["id"] + (f" (fixed in {', '.join(vuln['fix_versions'])})" if vuln.get("fix_versions") else "")
               for vuln in dependency.get("vulns", [])]
        if ids:
            result.vulnerable[name] = ids
    return result


def run_pip_audit(service: str, requirements: list[Path]) -> Result:
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off",
               "--vulnerability-service", service]
    for path in requirements:
        command += ["-r", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return Result(service, answered=False, problem=f"no answer within {TIMEOUT_SECONDS} s")
    return parse(service, done.returncode, done.stdout, done.stderr)


def verdict(results: list[Result]) -> tuple[int, list[str]]:
    """Exit status and report lines for the runs made (the last one is the one used)."""
    lines = []
    for result in results[:-1]:
        lines.append(f"audit: {result.service}: could not answer ({result.problem or 'every package skipped'});"
                     " trying the next service")
    result = results[-1]
    if any(run.broken for run in results):
        broken = next(run for run in results if run.broken)
        lines.append(f"audit: pip-audit failed ({broken.service}): {broken.problem}")
        return 2, lines
    if result.vulnerable:
        lines.append(f"audit: {result.service}: KNOWN VULNERABILITIES in {len(result.vulnerable)} package(s):")
        lines += [f"  {name}: {', '.join(ids)}" for name, ids in sorted(result.vulnerable.items())]
        return 1, lines
    if not result.answered or not result.audited:
        why = result.problem or f"all {len(result.skipped)} packages skipped (unknown to the service)"
        lines.append(f"audit: NOTHING WAS CHECKED: no advisory service could answer ({why}).")
        lines.append("audit: not failing the build for that; run `make audit` where osv.dev or pypi.org is reachable.")
        return 0, lines
    lines.append(f"audit: {result.service}: no known vulnerabilities in {len(result.audited)} audited package(s).")
    if result.skipped:
        lines.append(f"audit: {len(result.skipped)} package(s) NOT checked: {', '.join(sorted(result.skipped))}")
    return 0, lines


def main(argv: list[str]) -> int:
    requirements = [Path(arg) for arg in argv] or [ROOT / "requirements.txt"]
    results = []
    for service in SERVICES:
        results.append(run_pip_audit(service, requirements))
        if results[-1].vulnerable or results[-1].audited or results[-1].broken:
            break
    status, lines = verdict(results)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
