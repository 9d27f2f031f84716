"""Accessibility checks with axe-core, injected into a page by the tests only.

Vendored: tests/browser/vendor/axe.min.js is axe-core 4.14.1 (npm `axe-core`, MPL-2.0,
© Deque Systems), copied unchanged from `npm pack axe-core@4`; no page links it.
"""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

# Kept beside the tests: it is injected by them, never served to users.
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# axe's impact levels, mildest first.
IMPACTS = ("minor", "moderate", "serious", "critical")
# What blocks a user outright: the floor for pages outside the dashboard proper.
BLOCKING_IMPACTS = ("serious", "critical")


def violations(page: Page) -> list[dict]:
    """axe's violations on the page as it stands (WCAG 2.x A/AA and best practice)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated rather than added as a <script>: no page CSP or network is involved.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
        }));
    }""")


def blocking(found: list[dict]) -> list[dict]:
    return [v for v in found if v["impact"] in BLOCKING_IMPACTS]


def at_least(impact: str, found: list[dict]) -> list[dict]:
    """The violations of `impact` or worse ("moderate" keeps moderate, serious, critical)."""
    floor = IMPACTS.index(impact)
    return [v for v in found if v["impact"] in IMPACTS[floor:]]


def describe(found: list[dict]) -> str:
    """One line per rule and element, readable in a failed assertion."""
    lines = []
    for v in found:
        for node in v["nodes"]:
            lines.append(f"[{v['impact']}] {v['id']} at {node['target']}: {v['help']}")
    return "\n".join(lines) or "none"
