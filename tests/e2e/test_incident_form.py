"""登记警情 in a real browser (issue 21): officer1 opens a building of the own beat, records a burglary of one
of its households from the household card — a time in the future is refused in Chinese first —, sees it saved
with the near-repeat warning zone it issued (the seed's burglary pattern) on the map and in the panel; then
one offline, queued in the outbox and sent when the connection is back."""
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e

OUTBOX = "() => window.holomap.module('offline/db.js').then((m) => m.idb.all('outbox'))"


def test_officer_records_an_incident_and_sees_its_warning_zone(desktop, e2e_settings, officer_place):
    engine = create_engine(e2e_settings.owner_url)
    marker = f"e2e-incident-{uuid.uuid4().hex[:8]}"
    place = officer_place
    try:
        desktop.officer_on_map()
        page = desktop.page
        page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                      [place.lon, place.lat, place.household_id])
        card = page.locator(f'.hh-card[data-household="{place.household_id}"]')
        card.locator("[data-action=incident]").click()
        form = page.locator("form.incident-form")
        expect(form.locator("[data-testid=incident-place]")).to_contain_text("所选建筑")
        assert form.locator("select[name=household_id]").input_value() == str(place.household_id)
        form.locator("select[name=category]").select_option("theft")
        form.locator("textarea[name=summary]").fill(marker)
        when = form.locator("input[name=occurred_at]")
        now = when.input_value()
        when.fill("2099-01-01T10:00")
        form.locator("button[type=submit]").click()
        expect(form.locator(".field-error")).to_contain_text("发生时间不能晚于现在")
        when.fill(now)
        form.locator("button[type=submit]").click()

        saved = page.locator("[data-testid=incident-saved]")
        expect(saved).to_contain_text("警情已登记", timeout=30_000)
        incident = page.evaluate("window.holomap.lastIncident")
        assert incident["household_id"] == place.household_id and incident["summary"] == marker
        warning = incident["warning"]
        assert warning is not None, incident  # the seed's near-repeat burglaries: a significant theft pattern
        expect(saved.locator("[data-testid=warning-reminder]")).to_contain_text("走访提醒")
        page.wait_for_function("(id) => window.holomap.warnings.ids.includes(id)", arg=warning["id"],
                               timeout=20_000)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT household_id, category, timezone('Asia/Shanghai', occurred_at) AS at "
                                       "FROM incident WHERE summary = :m"), {"m": marker}).one()
        assert stored.household_id == place.household_id and stored.category == "theft"
        assert stored.at.strftime("%Y-%m-%dT%H:%M") == now  # the form's time is China time
        desktop.screenshot("incident-recorded")

        # offline: the toolbar's 登记警情 (the selected building is the place) is queued in the outbox with its
        # Idempotency-Key and sent when the connection is back
        page.context.set_offline(True)
        page.locator("button.tool-btn[data-action=incident]").click()
        form = page.locator("form.incident-form")
        form.locator("select[name=category]").select_option("fraud")
        form.locator("textarea[name=summary]").fill(marker + "-offline")
        form.locator("button[type=submit]").click()
        expect(page.locator(".toast").last).to_contain_text("已离线保存")
        queued = page.evaluate(OUTBOX)
        assert [(i["path"], i["body"]["category"]) for i in queued] == [("/api/incidents", "fraud")]
        page.context.set_offline(False)  # the `online` event starts the sync
        for _ in range(100):
            if not page.evaluate(OUTBOX):
                break
            page.wait_for_timeout(200)
        assert page.evaluate(OUTBOX) == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM incident WHERE summary = :m"),
                                {"m": marker + "-offline"}).scalar() == 1
        assert not desktop.errors, desktop.errors
        assert not desktop.outside_requests(), desktop.outside_requests()
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM incident WHERE summary LIKE :m"), {"m": marker + "%"})  # zones cascade
        engine.dispose()
