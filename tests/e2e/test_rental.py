"""出租屋管理 in the browser (issue 17): officer1 records a household's landlord and lease from its card and
sees them there; the household's facts are restored afterwards."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e

FACTS = "SELECT kind, landlord_name, landlord_phone, lease_start, lease_end, updated_by FROM household WHERE id = :h"


@pytest.fixture()
def restored(e2e_settings, known):
    engine = create_engine(e2e_settings.owner_url)
    household = known["resident"]["household_id"]
    with engine.connect() as conn:
        before = conn.execute(text(FACTS), {"h": household}).mappings().one()
    try:
        yield household
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE household SET kind = :kind, landlord_name = :landlord_name, "
                              "landlord_phone = :landlord_phone, lease_start = :lease_start, lease_end = :lease_end, "
                              "updated_by = :updated_by WHERE id = :h"), {**before, "h": household})
        engine.dispose()


def test_officer_records_a_rental_and_sees_landlord_and_lease(desktop, known, restored):
    resident = known["resident"]
    desktop.login("officer1")
    desktop.page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                          [resident["lon"], resident["lat"], restored])
    page = desktop.page
    household = f'.hh-card.hh-focus[data-household="{restored}"]'
    page.locator(household).locator("[data-action=rental]").click()
    form = page.locator("form.rental-form")
    form.locator("select[name=kind]").select_option("rental")
    form.locator("input[name=landlord_name]").fill("测房东")
    form.locator("input[name=landlord_phone]").fill("13900001234")
    form.locator("input[name=lease_start]").fill("2026-09-01")
    form.locator("input[name=lease_end]").fill("2026-03-01")
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-error")).to_contain_text("租期")  # the end before the start is explained
    form.locator("input[name=lease_end]").fill("2027-08-31")
    form.locator("button[type=submit]").click()
    facts = page.locator(f"{household} .hh-facts")
    expect(facts).to_contain_text("测房东 139****1234")
    expect(facts).to_contain_text("2026-09-01 至 2027-08-31")
    desktop.screenshot("rental-facts")
    assert not desktop.errors, desktop.errors


def test_leader_picks_a_station_on_the_quality_board(desktop):
    """Leaders see scores only, of the station they pick (issue 17)."""
    desktop.login("leader")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据质量").click()
    picker = page.locator(".quality-station select")
    expect(picker).to_be_visible()
    expect(page.locator(".quality-score")).to_contain_text("综合得分")
    expect(page.locator('.quality-check[data-check="person_permit_expiring"]')).to_be_visible()
    assert page.locator(".quality-check button").count() == 0  # no items for aggregate-only roles
    picker.select_option(index=0)
    expect(page.locator(".quality-score")).to_contain_text("综合得分")
    desktop.screenshot("quality-leader")
    assert not desktop.errors, desktop.errors
