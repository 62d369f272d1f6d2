"""Dashboard 数据研判 in a real browser: the leader opens it, changes the time range, the heat layer and
the counts change; everything is served locally."""
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

# A start date splitting the last year's incidents in two (local days), to change the range to.
SPLIT_DAY = """
SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY timezone('Asia/Shanghai', occurred_at)::date) AS split,
       min(timezone('Asia/Shanghai', occurred_at)::date) AS first
FROM incident WHERE occurred_at >= now() - interval '364 days'
"""


@pytest.fixture(scope="module")
def split_day(e2e_settings) -> str:
    """The day to start the range at: the median incident day, or (data all on one day) the day after it."""
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text(SPLIT_DAY)).one()
            leader = conn.execute(text("SELECT 1 FROM app_user WHERE username = 'leader'")).scalar()
    finally:
        engine.dispose()
    if row.split is None or not leader:
        pytest.fail("the test database is not seeded (no incidents in the last year or no leader account)")
    return (row.split if row.split > row.first else row.split + timedelta(days=1)).isoformat()


def _state(page) -> dict:
    page.wait_for_selector("body[data-dashboard=ready]", timeout=20_000)
    return page.evaluate("() => JSON.parse(JSON.stringify(window.holomap.dashboard))")


def test_leader_changes_the_time_range_and_the_heat_layer_follows(desktop, split_day):
    desktop.login("leader")
    page = desktop.page
    page.goto(desktop.base + "/#/dashboard")
    year = _state(page)
    assert year["total"] > 0 and year["mapFeatures"] > 0
    total_text = page.locator("[data-testid=incident-total]").inner_text()
    assert total_text == str(year["total"])
    assert page.locator("[data-testid=hour-weekday] td").count() == 7 * 24
    assert page.locator("[data-testid=officer-stats] tbody tr").count() > 0
    desktop.screenshot("dashboard-year")

    page.fill("input[name=start]", split_day)
    page.dispatch_event("input[name=start]", "change")
    page.wait_for_function(f"() => window.holomap.dashboard.requests > {year['requests']} "
                           "&& document.body.dataset.dashboard === 'ready'", timeout=20_000)
    month = _state(page)
    assert month["total"] < year["total"]
    assert month["params"]["start"] == split_day if "params" in month else True
    assert month["mapFeatures"] != year["mapFeatures"] or month["cells"] != year["cells"]
    assert page.locator("[data-testid=incident-total]").inner_text() == str(month["total"])
    assert page.locator("[data-testid=incident-total]").inner_text() != total_text

    page.select_option("select[name=layer]", "hotspots")
    page.wait_for_function("() => window.holomap.dashboard.layer === 'hotspots' "
                           "&& document.body.dataset.dashboard === 'ready'", timeout=20_000)
    page.select_option("select[name=layer]", "beats")
    page.wait_for_function("() => window.holomap.dashboard.layer === 'beats' "
                           "&& document.body.dataset.dashboard === 'ready'", timeout=20_000)
    desktop.screenshot("dashboard-beats")
    assert not desktop.errors, desktop.errors
    assert not desktop.outside_requests(), desktop.outside_requests()
