"""数据质量 in Chromium (issue 17): officer1 opens the board, lists a check's items, clicks one → the map flies
there; "在地图中处理" opens the building with that household's card in focus; the officer fixes it there (the
出租屋 form: landlord and lease) and, back on the board, the check's count has dropped by one. The household's
facts are restored afterwards."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from api.clock import china_today
from api.quality.queries import ITEMS

pytestmark = pytest.mark.e2e

FACTS = "SELECT kind, landlord_name, landlord_phone, lease_start, lease_end, updated_by FROM household WHERE id = :h"
BEATS = ("SELECT array_agg(m.beat_id) FROM beat_member m JOIN app_user u ON u.id = m.user_id "
         "WHERE u.username = 'officer1'")


@pytest.fixture()
def rental(e2e_settings):
    """The first rental of officer1's beats without landlord or lease (as the board lists them); restored."""
    engine = create_engine(e2e_settings.owner_url)
    with engine.connect() as conn:
        beats = conn.execute(text(BEATS)).scalar()
        item = conn.execute(text(ITEMS["rental_incomplete"]), {"beats": beats, "today": china_today(),
                                                               "limit": 1, "offset": 0}).mappings().first()
        if item is None:
            pytest.fail("the seed has no rental without landlord or lease in officer1's beats (reseed)")
        before = conn.execute(text(FACTS), {"h": item["id"]}).mappings().one()
    try:
        yield dict(item)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE household SET kind = :kind, landlord_name = :landlord_name, "
                              "landlord_phone = :landlord_phone, lease_start = :lease_start, lease_end = :lease_end, "
                              "updated_by = :updated_by WHERE id = :h"), {**before, "h": item["id"]})
        engine.dispose()


def _count(page, check: str) -> int:
    row = page.locator(f'.quality-check[data-check="{check}"]')
    expect(row).to_be_visible()
    return int(row.locator(".check-count").inner_text().split("/")[0].strip())


def test_officer_flies_to_a_rental_item_fixes_it_and_the_count_drops(desktop, rental):
    desktop.login("officer1")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据质量").click()
    before = _count(page, "rental_incomplete")
    assert before >= 1
    page.locator('.quality-check[data-check="rental_incomplete"] button').click()
    item = page.locator(f'.quality-item[data-item="{rental["id"]}"]')
    expect(item).to_be_visible()
    item.locator(".item-label").click()  # the map flies there
    centre = page.evaluate("() => { const c = window.holomap.map.getCenter(); return [c.lng, c.lat]; }")
    assert abs(centre[0] - float(rental["lon"])) < 1e-4 and abs(centre[1] - float(rental["lat"])) < 1e-4
    desktop.screenshot("quality-rental-item")
    item.locator("button").click()  # 在地图中处理: the building, the household in focus
    card = page.locator(f'.hh-card.hh-focus[data-household="{rental["id"]}"]')
    expect(card).to_be_visible()
    card.locator("[data-action=rental]").click()
    form = page.locator("form.rental-form")
    expect(form.locator("select[name=kind]")).to_have_value("rental")
    form.locator("input[name=landlord_name]").fill("整改房东")
    form.locator("input[name=lease_start]").fill("2026-01-01")
    form.locator("input[name=lease_end]").fill("2027-12-31")
    form.locator("button[type=submit]").click()
    expect(page.locator(f'.hh-card[data-household="{rental["id"]}"] .hh-facts')).to_contain_text("整改房东")
    desktop.screenshot("quality-rental-fixed")
    page.locator(".nav-tab", has_text="数据质量").click()
    row = page.locator('.quality-check[data-check="rental_incomplete"]')
    expect(row.locator(".check-count")).to_contain_text(f"{before - 1} /")
    page.locator('.quality-check[data-check="rental_incomplete"] button').click()
    expect(page.locator(".quality-item").first).to_be_visible()
    expect(page.locator(f'.quality-item[data-item="{rental["id"]}"]')).to_have_count(0)
    desktop.screenshot("quality-rental-count-dropped")
    assert not desktop.errors, desktop.errors


def test_admin_switches_a_check_off_and_sets_a_threshold_the_board_follows(desktop, e2e_settings):
    """系统设置 › 数据质量检查设置: a check switched off and a threshold changed; an out-of-range threshold is
    refused in Chinese; the officer's board leaves the check out and says the new threshold."""
    desktop.login("admin")
    page = desktop.page
    page.goto(desktop.base + "/#/admin")
    page.click("button[data-tab=settings]")
    form = page.locator("[data-testid=quality-checks]")
    form.locator("input[name=check][value=person_duplicate]").wait_for()
    status = form.locator("[role=status]")
    try:
        form.locator("input[name=check][value=person_duplicate]").uncheck()
        form.locator("input[name=days-expiring]").fill("60")
        form.locator("button[type=submit]").click()
        expect(status).to_have_text("已保存")
        form.locator("input[name=days-visit]").fill("5")
        form.locator("button[type=submit]").click()
        expect(status).to_contain_text("走访核实期限应为 30–1095 天")
        desktop.screenshot("settings-quality-checks")
        page.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")  # sign the admin out
        desktop.login("officer1")
        page.locator(".nav-tab", has_text="数据质量").click()
        expect(page.locator('.quality-check[data-check="person_permit_expiring"]')).to_contain_text("60 天内到期")
        expect(page.locator('.quality-check[data-check="person_duplicate"]')).to_have_count(0)
    finally:  # the seeded database is shared by the e2e tests: back to the default
        engine = create_engine(e2e_settings.owner_url)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM app_setting WHERE key = 'quality.checks'"))
        engine.dispose()
    assert not desktop.errors, desktop.errors
