"""Dashboard 数据研判 in a real browser: the leader opens it, changes the time range, the heat layer and
the counts change; everything is served locally."""
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import ARTIFACTS

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
    assert page.locator("[data-testid=hour-weekday] tbody td:not(.sum)").count() == 7 * 24
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


def test_dashboard_legends_comparisons_charts_and_report(desktop, tmp_path):
    """Issue 19: legends with class breaks and the measure, 同比 and 环比 with dates, bars with an axis and
    values, a readable matrix with a legend, the 1+1+N in the officer table, the XLSX of the view."""
    from openpyxl import load_workbook

    desktop.login("leader")
    page = desktop.page
    page.goto(desktop.base + "/#/dashboard")
    state = _state(page)
    assert len(state["legend"]) >= 2 and all(any(ch.isdigit() for ch in row) for row in state["legend"])
    legend = page.locator("[data-testid=map-legend]").inner_text()
    assert "每个网格" in legend and "起" in legend
    for testid in ("change-mom", "change-yoy"):
        figure = page.locator(f"[data-testid={testid}]").locator("xpath=..").inner_text()
        assert "年" in figure and "月" in figure and "日" in figure, figure  # the dates of the compared period
    assert "去年同期" in page.locator("[data-testid=comparison]").inner_text()
    bars = page.locator("[data-testid=monthly-bars] .dash-bar b")
    assert bars.count() >= 12 and all(t.strip().isdigit() for t in bars.all_inner_texts())
    assert page.locator("[data-testid=monthly-bars] .dash-axis span").count() >= 3
    matrix = page.locator("[data-testid=hour-weekday]")
    assert matrix.locator("tbody td:not(.sum)").count() == 7 * 24
    assert all(t.strip().isdigit() for t in matrix.locator("tbody td").all_inner_texts())
    cell = matrix.locator("tbody td").first.bounding_box()
    assert cell["width"] >= 24 and cell["height"] >= 14, cell  # readable, not 12 × 10 px
    assert page.locator("[data-testid=matrix-legend] i").count() >= 3
    roles = set(page.locator("[data-testid=officer-stats] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.role)"))
    assert {"officer", "auxiliary", "grid_member"} <= roles, roles
    desktop.screenshot("dashboard-issue19")

    page.select_option("select[name=layer]", "beats")
    page.wait_for_function("() => window.holomap.dashboard.layer === 'beats' "
                           "&& document.body.dataset.dashboard === 'ready'", timeout=20_000)
    beats = _state(page)
    # six beats with six different rates → six classes (natural breaks), not two shades
    assert len(beats["legend"]) >= 5, beats["legend"]
    assert "每千名常住人口" in page.locator("[data-testid=map-legend]").inner_text()
    desktop.screenshot("dashboard-issue19-beats")

    with page.expect_download() as info:
        page.click("[data-testid=dashboard-xlsx]")
    path = tmp_path / "report.xlsx"
    info.value.save_as(path)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames[:5] == ["概况", "分类对比", "月度", "时段×星期", "警务区"]
    page.emulate_media(media="print")
    assert page.locator(".dash-filters").is_hidden() and page.locator(".dash-print-title").is_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard-issue19-print.png"), full_page=True)
    page.pdf(path=str(tmp_path / "report.pdf"))
    assert (tmp_path / "report.pdf").stat().st_size > 10_000
    assert not desktop.errors, desktop.errors


NEW_THEFT = """
INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, beat_id, status, summary)
SELECT station_id, occurred_at, reported_at, category, source, location, beat_id, status, 'e2e 正在更新'
FROM incident WHERE category = 'theft' ORDER BY occurred_at DESC LIMIT 1
"""


def test_leader_runs_the_near_repeat_analysis_and_the_legend_explains_the_classes(desktop, e2e_settings):
    """Issue 21: the Knox table of the seeded thefts, its zone sentence and the legend of the classes; asked
    again after a new theft, the previous table is shown at once as 正在更新 until the new one replaces it."""
    desktop.login("leader")
    page = desktop.page
    page.goto(desktop.base + "/#/dashboard")
    _state(page)
    # 重复地点: the leader reads the concentration, never the buildings
    assert page.locator("[data-testid=repeat-concentration] li").first.inner_text().startswith("警情最多的前 1% 建筑")
    assert page.locator("[data-testid=repeat-locations]").count() == 0
    assert page.get_by_text("仅显示统计数和占比").count() == 2  # buildings, and the repeat victims
    assert page.locator("[data-testid=repeat-victims]").count() == 0
    victims = page.locator("[data-testid=repeat-victims-concentration] li").first.inner_text()
    assert victims.startswith("受害最多的前 1% 住户")
    page.click("[data-testid=near-repeat-run]")
    page.wait_for_function("() => window.holomap.dashboard.nearRepeat.status === 'done'", timeout=60_000)
    table = page.locator("[data-testid=near-repeat-table]")
    assert table.locator("tbody tr").count() == 7 and table.locator("thead th").count() == 6
    assert table.locator("tbody tr").first.locator("th").inner_text() == "同一地点"
    legend = page.locator("[data-testid=near-repeat-legend]").inner_text()
    assert "Knox 比值" in legend and "显著偏高" in legend and "p ≤ 0.05" in legend
    state = page.evaluate("() => window.holomap.dashboard.nearRepeat")
    zone = page.locator("[data-testid=near-repeat-zone]").inner_text()
    assert zone.startswith("盗窃：")
    if state["zone"]:  # the seed's near-repeat burglaries: the zone and a significant cell are shown
        assert f"{state['zone']['distance_m']:g} 米内" in zone and table.locator("td.nr-sig").count() > 0
    page.locator("[data-testid=near-repeat]").scroll_into_view_if_needed()
    desktop.screenshot("dashboard-near-repeat")
    # a new theft (a new data version): asked again, the table is there at once, marked 正在更新, then replaced
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(NEW_THEFT))
        page.click("[data-testid=near-repeat-run]")
        page.wait_for_function("() => window.holomap.dashboard.nearRepeat.status === 'done'", timeout=60_000)
        after = page.evaluate("() => window.holomap.dashboard.nearRepeat")
        assert after["staleShown"] >= 1 and after["staleNote"].startswith("正在更新：下表为 ")
        assert page.locator("[data-testid=near-repeat-stale]").count() == 0  # replaced by the new answer
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM incident WHERE summary = 'e2e 正在更新'"))
        engine.dispose()
    assert not desktop.errors, desktop.errors


def test_leader_maps_emerging_hot_spots_and_the_legend_explains_the_classes(desktop):
    """Issue 21: the 新兴热点 layer over the seeded weeks of thefts; the seed's planted spot is consecutive."""
    import seed

    desktop.login("leader")
    page = desktop.page
    page.goto(desktop.base + "/#/dashboard")
    first = _state(page)
    last = (seed.ANCHOR - timedelta(days=1)).isoformat()  # the seed's last day of incidents
    page.fill("input[name=end]", last)
    page.dispatch_event("input[name=end]", "change")
    page.select_option("select[name=category]", "theft")
    page.dispatch_event("select[name=category]", "change")
    assert page.locator("select[name=step]").is_hidden()
    page.select_option("select[name=layer]", "emerging")
    assert page.locator("select[name=step]").is_visible()
    page.wait_for_function(f"() => window.holomap.dashboard.layer === 'emerging' && window.holomap.dashboard.requests"
                           f" > {first['requests']} && document.body.dataset.dashboard === 'ready'", timeout=60_000)
    state = _state(page)
    assert state["emerging"]["consecutive"] >= 1 and state["mapFeatures"] == sum(state["emerging"].values())
    legend = page.locator("[data-testid=emerging-legend]")
    text_ = legend.inner_text()
    names = ("新增热点", "连续热点", "加剧热点", "持续热点", "减弱热点", "零散热点", "振荡热点", "历史热点", "无模式")
    for name in names:
        assert name in text_
    assert "仅在最后一个时段成为显著热点" in text_ and "九成以上时段" in text_
    row = legend.locator("tr[data-class=consecutive] td.num").inner_text()
    assert int(row) == state["emerging"]["consecutive"]
    map_legend = page.locator("[data-testid=map-legend]").inner_text()
    assert "新兴热点" in map_legend and "Mann-Kendall" in map_legend
    page.select_option("select[name=step]", "month")
    page.wait_for_function("() => window.holomap.dashboard.params.step === 'month' "
                           "&& document.body.dataset.dashboard === 'ready'", timeout=60_000)
    page.select_option("select[name=step]", "week")
    page.wait_for_function("() => window.holomap.dashboard.params.step === 'week' "
                           "&& document.body.dataset.dashboard === 'ready'", timeout=60_000)
    legend.scroll_into_view_if_needed()
    desktop.screenshot("dashboard-emerging")
    assert not desktop.errors, desktop.errors
    assert not desktop.outside_requests(), desktop.outside_requests()


def test_chief_pages_the_repeat_buildings_and_opens_one(desktop):
    """Issue 21: the chief's 重复地点 shows the first 20 repeat buildings of the station's beats, each with its
    latest 3 incidents; 更多 adds the next 20 below, 查看全部 lists every incident of one building."""
    desktop.login("chief")
    page = desktop.page
    page.goto(desktop.base + "/#/dashboard")
    _state(page)
    table = page.locator("[data-testid=repeat-locations]")
    rows = table.locator("tbody tr")
    assert rows.count() == 20
    count = page.locator("[data-testid=repeat-locations-count]").inner_text()
    assert count.startswith("已显示 20 栋，共 ") and count.endswith(" 栋")
    total = int(count.split("共 ")[1].split(" ")[0])
    assert total > 40  # the seed's chief: ~290 repeat buildings
    assert rows.first.locator("li").count() == 3
    first_rows = [rows.nth(k).get_attribute("data-building") for k in range(20)]
    page.click("[data-testid=repeat-locations-more]")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=repeat-locations] tbody tr').length === 40")
    assert page.locator("[data-testid=repeat-locations-count]").inner_text() == f"已显示 40 栋，共 {total} 栋"
    ids = [rows.nth(k).get_attribute("data-building") for k in range(40)]
    assert ids[:20] == first_rows and len(set(ids)) == 40  # appended, no building twice
    first = rows.first
    n = int(first.locator("td.num").inner_text())
    assert n > 3
    first.locator("[data-testid=repeat-location-open]").click()
    page.wait_for_function(f"() => document.querySelector('[data-testid=repeat-locations] tbody tr')"
                           f".querySelectorAll('li').length === {n}")
    assert first.locator("[data-testid=repeat-location-open]").count() == 0
    table.scroll_into_view_if_needed()
    desktop.screenshot("dashboard-repeat-locations-chief")
    assert not desktop.errors, desktop.errors
