"""axe-core in the e2e suite: the npm package (a devDependency of frontend/package.json) is injected into the
page under test by the test itself — the app never serves it (api/vendor.py allowlists only what the web app
loads) — then run on the whole document; serious and critical violations fail the test.

The file's content is evaluated through the DevTools protocol (page.evaluate), not page.add_script_tag: the
app's Content-Security-Policy (script-src 'self') rightly refuses an inline <script>, and the tests keep it in
force (no bypass_csp) so that they see the page as users get it.
"""
from functools import cache
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")

RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) }));
}"""


@cache
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): run `npm ci` in frontend/ (scripts/setup.sh does)")
    return AXE.read_text(encoding="utf-8")


def violations(page, impacts: tuple[str, ...] = FAILING) -> list[dict]:
    """axe's violations of the page as it is now, of the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return [v for v in page.evaluate(RUN) if v["impact"] in impacts]


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['impact']} {v['id']}: {v['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
    return "\n".join(lines)


def assert_accessible(visit, screen: str, problems: dict[str, str]) -> None:
    """Run axe on the page; collect a screen's serious/critical violations into `problems` (screen → text)."""
    found = violations(visit.page)
    if found:
        problems[screen] = describe(found)
