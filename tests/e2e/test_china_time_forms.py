"""Date and time fields are China time whatever the device's zone: a browser in Los Angeles (16 hours behind
Beijing in winter) records a visit — the form shows Beijing's time and the visit is stored at that time —, filters
the 审计日志 from a China time, and opens the dashboard on Beijing's today. Before, the visit form and the audit
filter used the device's zone (the incident form already did not)."""
import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import Visit

pytestmark = pytest.mark.e2e

CHINA = ZoneInfo("Asia/Shanghai")
ELSEWHERE = "America/Los_Angeles"


@pytest.fixture()
def abroad(browser, server):
    visit = Visit(browser, server, {"width": 1366, "height": 850}, timezone_id=ELSEWHERE)
    yield visit
    visit.close()


def _minutes_apart(shown: str, at: datetime) -> float:
    return abs((datetime.strptime(shown, "%Y-%m-%dT%H:%M").replace(tzinfo=CHINA) - at).total_seconds()) / 60


def test_visit_form_shows_and_stores_china_time_on_a_device_abroad(abroad, known, e2e_settings):
    resident = known["resident"]
    marker = f"e2e-tz-{uuid.uuid4().hex[:10]}"
    engine = create_engine(e2e_settings.owner_url)
    try:
        page = abroad.page
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == ELSEWHERE
        abroad.context.grant_permissions(["geolocation"])
        abroad.context.set_geolocation({"latitude": resident["lat"], "longitude": resident["lon"], "accuracy": 12})
        abroad.officer_on_map()
        page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                      [resident["lon"], resident["lat"], resident["household_id"]])
        card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
        card.locator("[data-action=visit]").click()
        form = page.locator("form.visit-form")
        when = form.locator("input[name=visited_at]")
        shown = when.input_value()
        assert _minutes_apart(shown, datetime.now(CHINA)) < 3, shown  # Beijing's now, not the device's
        assert _minutes_apart(when.get_attribute("max"), datetime.now(CHINA)) < 3
        # an earlier time typed in: read as China time too
        earlier = (datetime.strptime(shown, "%Y-%m-%dT%H:%M") - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        when.fill(earlier)
        form.locator("textarea[name=notes]").fill(marker)
        expect(form.locator(".geo-status")).to_contain_text("已定位")
        with page.expect_request(lambda r: r.url.endswith("/api/visits") and r.method == "POST") as sent:
            form.locator("button[type=submit]").click()
        assert sent.value.post_data_json["visited_at"] == f"{earlier}:00+08:00"
        expect(page.locator(".hh-card.hh-focus li.visit").first).to_contain_text(marker)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT timezone('Asia/Shanghai', visited_at) FROM visit WHERE notes = :m"),
                                  {"m": marker}).scalar_one()
        assert stored.strftime("%Y-%m-%dT%H:%M") == earlier
        assert not abroad.errors, abroad.errors
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM visit WHERE notes = :m"), {"m": marker})
        engine.dispose()


def test_audit_filter_is_china_time_on_a_device_abroad(abroad):
    page = abroad.page
    abroad.login("admin")
    page.locator(".nav-tab", has_text="数据管理").click()
    page.locator(".seg-btn[data-tab=audit]").click()
    form = page.locator("form.audit-filters")
    form.locator("input[name=since]").fill("2026-01-05T08:30")
    with page.expect_request(lambda r: "/api/audit" in r.url and "since=" in r.url) as sent:
        form.locator("button[type=submit]").click()
    assert parse_qs(urlsplit(sent.value.url).query)["since"] == ["2026-01-05T08:30:00+08:00"]
    assert not abroad.errors, abroad.errors


def test_dashboard_opens_on_beijings_today_on_a_device_abroad(abroad):
    page = abroad.page
    abroad.login("leader")
    page.goto(abroad.base + "/#/dashboard")
    page.wait_for_selector("body[data-dashboard=ready]", timeout=20_000)
    end = page.locator("input[name=end]").input_value()
    assert end == datetime.now(CHINA).date().isoformat(), end
    start = page.locator("input[name=start]").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", start)
    assert (datetime.fromisoformat(end) - datetime.fromisoformat(start)).days == 364  # a year, ends included
