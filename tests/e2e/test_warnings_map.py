"""近重复预警 in a real browser (issue 21): an incident of a category with a significant near-repeat pattern is
recorded in officer1's beat; officer1 sees the warning zone on the map (its own layer) and in 我的任务, with
the 走访提醒; the zone goes away when it expires."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from tests.conftest import DEMO_PASSWORD


def test_officer_sees_the_zone_after_an_incident_is_recorded_in_the_beat(desktop, e2e_settings, officer_place):
    engine = create_engine(e2e_settings.owner_url)
    incident = None
    place = officer_place
    try:
        desktop.officer_on_map()
        page = desktop.page
        before = page.evaluate("window.holomap.warnings.count")
        # the incident is recorded (through the API, as the 接警 system or another officer would)
        api = page.request
        token = api.post(desktop.base + "/api/auth/token",
                         form={"username": "officer1", "password": DEMO_PASSWORD}).json()["access_token"]
        r = api.post(desktop.base + "/api/incidents", headers={"Authorization": f"Bearer {token}"}, data={
            "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(), "category": "theft",
            "source": "110", "location": {"lon": place.lon, "lat": place.lat}, "summary": "家中财物被盗（测试）"})
        assert r.status == 201, r.text()
        incident = r.json()
        warning = incident["warning"]
        assert warning is not None, incident  # the seed's near-repeat burglaries make the theft pattern significant
        assert warning["beats"] and place.code in warning["beats"]

        page.reload()
        page.wait_for_function("(id) => window.holomap.warnings && window.holomap.warnings.ids.includes(id)",
                               arg=warning["id"], timeout=20_000)
        assert page.evaluate("window.holomap.warnings.count") == before + 1
        assert page.evaluate("window.holomap.warnings.drawn") == before + 1  # one drawn zone each (canvas)
        assert page.get_by_text("近重复预警区").count() >= 1  # the layer control names the layer

        page.click("button.tool-btn:has-text('我的任务')")
        section = page.locator("section[data-section=warnings]")
        section.locator(".wl-item").first.wait_for(timeout=20_000)
        text_ = section.inner_text()
        assert "近重复预警（走访提醒）" in text_ and "盗窃近重复预警" in text_ and "关好门窗" in text_
        assert f"{warning['radius_m']:g} 米内" in text_
        section.locator(".wl-item").first.click()
        reminder = page.locator("[data-testid=warning-reminder]")
        reminder.wait_for(timeout=10_000)
        assert "走访提醒：" in reminder.inner_text() and f"区内 {warning['households']} 户" in reminder.inner_text()
        desktop.screenshot("warning-zone-officer")

        # expired: the zone disappears from the map
        with engine.begin() as conn:
            conn.execute(text("UPDATE near_repeat_warning SET starts_at = starts_at - interval '60 days', "
                              "expires_at = now() - interval '1 second' WHERE id = :id"), {"id": warning["id"]})
        page.reload()
        page.wait_for_function("() => window.holomap.warnings && window.holomap.warnings.loaded", timeout=20_000)
        assert warning["id"] not in page.evaluate("window.holomap.warnings.ids")
        assert not desktop.errors, desktop.errors
        assert not desktop.outside_requests(), desktop.outside_requests()
    finally:
        if incident is not None:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM incident WHERE id = :id"), {"id": incident["id"]})  # zone cascades
        engine.dispose()
