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
    assert "户" in live.inner_text() or "无效" in live.inner_text()
    desktop.screenshot("plan-draft")
    assert desktop.errors == []
    assert desktop.outside_requests() == []
