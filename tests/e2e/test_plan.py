"""Plan screen in a real browser: a planner creates a draft, sees the rule checks, drags a vertex and
the live stats change. Drafts made here are deleted afterwards (the e2e server commits)."""

import re

import pytest
from sqlalchemy import create_engine, text

MARK = "e2e-plan"


@pytest.fixture()
def planner_ready(e2e_settings):
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM app_user WHERE username = 'planner'")).first():
                pytest.fail("the test database is not seeded (no planner account)")
            start = conn.execute(text("SELECT coalesce(max(id), 0) FROM beat_plan")).scalar()
        yield
        with engine.begin() as conn:  # remove the drafts this test made
            conn.execute(
                text("DELETE FROM beat_plan WHERE id > :start AND status = 'draft'"), {"start": start}
            )
    finally:
        engine.dispose()


def test_planner_creates_a_draft_and_sees_checks_and_live_stats(desktop, planner_ready):
    desktop.login("planner")
    page = desktop.page
    page.goto(desktop.base + "/#/plan")
    page.wait_for_selector("[data-testid=plan-list]")
    page.click("[data-testid=plan-create]")
    check = page.wait_for_selector("[data-testid=plan-check] .check-head", timeout=20_000)
    assert re.search(r"通过|问题", check.inner_text())
    assert page.locator("[data-testid=plan-beats] tbody tr").count() >= 2

    page.click("[data-testid=plan-edit]")
    page.wait_for_selector(".marker-icon", timeout=10_000)
    live = page.locator("[data-testid=plan-live-stats]")
    before = live.inner_text()
    marker = page.locator(".marker-icon:not(.marker-icon-middle)").first
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(x + step * 6, y + step * 4)
    page.wait_for_function(
        "(old) => document.querySelector('[data-testid=plan-live-stats]').innerText !== old",
        arg=before,
        timeout=10_000,
    )
    page.mouse.up()
    shown = live.inner_text()  # read once: the figures keep changing while the edit settles
    assert "户" in shown or "无效" in shown
    desktop.screenshot("plan-draft")
    assert desktop.errors == []
    assert desktop.outside_requests() == []


# a village of the demo station that borders another beat, whose own beat keeps other villages
PAINTABLE = """
WITH owner AS (
  SELECT u.village_id, u.beat_id, b.code FROM plan_unit u JOIN beat b ON b.id = u.beat_id WHERE u.plan_id = :p
)
SELECT v.id, v.name, o.code AS from_code, n.code AS to_code,
       ST_X(ST_PointOnSurface(v.geom)) AS lon, ST_Y(ST_PointOnSurface(v.geom)) AS lat
FROM village v JOIN owner o ON o.village_id = v.id
JOIN village w ON w.id <> v.id AND ST_Dimension(ST_Intersection(w.geom, v.geom)) = 1
JOIN owner n ON n.village_id = w.id AND n.beat_id <> o.beat_id
WHERE (SELECT count(*) FROM owner x WHERE x.beat_id = o.beat_id) >= 3
ORDER BY v.id LIMIT 1
"""


def _map_click(page, lon, lat, zoom=15):
    page.evaluate("""([lon, lat, z]) => { const m = window.holomap.map; m.holomapFocused = true;
        m.setView([lat, lon], z, {animate: false}); }""", [lon, lat, zoom])
    x, y = page.evaluate("""([lon, lat]) => { const m = window.holomap.map;
        const p = m.latLngToContainerPoint([lat, lon]); const b = m.getContainer().getBoundingClientRect();
        return [b.left + p.x, b.top + p.y]; }""", [lon, lat])
    page.mouse.click(x, y)


def test_planner_paints_a_village_undo_survives_a_reload_and_the_draft_is_submitted(
    desktop, planner_ready, e2e_settings
):
    desktop.login("planner")
    page = desktop.page
    page.on("dialog", lambda d: d.accept("请所长审批") if d.type == "prompt" else d.accept())
    page.goto(desktop.base + "/#/plan")
    page.wait_for_selector("[data-testid=plan-list]")
    page.click("[data-testid=plan-create]")
    page.wait_for_selector("[data-testid=plan-check] .check-head", timeout=20_000)
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            plan_id = conn.execute(text("SELECT max(id) FROM beat_plan WHERE status = 'draft'")).scalar()
            v = conn.execute(text(PAINTABLE), {"p": plan_id}).first()
    finally:
        engine.dispose()
    assert v is not None
    assert page.locator(f"[data-beat-label='{v.to_code}']").count() == 1  # codes drawn while editing
    stats = {c: page.locator(f"[data-beat-stats='{c}']").inner_text() for c in (v.from_code, v.to_code)}
    page.click(f"[data-testid=plan-beats] tr[data-beat='{v.to_code}']")
    page.click("button:has-text('点选指派村')")
    page.wait_for_timeout(1500)  # the village layer loads
    _map_click(page, v.lon, v.lat)
    history = page.wait_for_selector("[data-testid=plan-history]", timeout=20_000)
    assert v.name in history.inner_text()
    for code in (v.from_code, v.to_code):  # both beats changed
        page.wait_for_function("([c, old]) => { const e = document.querySelector(`[data-beat-stats='${c}']`);"
                               " return e && e.innerText !== old; }", arg=[code, stats[code]], timeout=20_000)
    check = page.wait_for_selector("[data-testid=plan-check] .check-head", timeout=20_000)
    assert "通过" in check.inner_text()
    desktop.screenshot("plan-painted")

    page.reload()
    page.wait_for_selector("[data-testid=plan-list]")
    page.click(f"[data-plan-id='{plan_id}']")
    history = page.wait_for_selector("[data-testid=plan-history]", timeout=20_000)
    assert v.name in history.inner_text()  # the step is kept on the server
    page.click("[data-testid=plan-undo]")
    page.wait_for_selector("[data-testid=plan-history] li.undone", timeout=20_000)
    page.click("[data-testid=plan-redo]")
    page.wait_for_function("() => !document.querySelector('[data-testid=plan-history] li.undone')", timeout=20_000)
    page.click("[data-testid=plan-submit]")
    state = page.wait_for_selector("[data-testid=plan-review-state]", timeout=20_000)
    assert "待所长审批" in state.inner_text()
    assert page.locator("[data-testid=plan-undo]").count() == 0  # frozen while submitted
    desktop.screenshot("plan-submitted")
    assert desktop.errors == []
