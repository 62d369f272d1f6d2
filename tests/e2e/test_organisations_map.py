"""Issue 17 in Chromium: an officer clicks a shop of the own beat → the panel opens with the organisation
and its employees (masked), and the 楼盘表 lists it — no "not in your beats" for buildings without households."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.test_map import click_point

pytestmark = pytest.mark.e2e

# a seeded organisation with employees in a building without households of officer1's beats
SHOP = """
SELECT o.id, o.name, o.unit, o.floor, b.address, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat,
       (SELECT e.name FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL
        ORDER BY e.since NULLS LAST, e.id LIMIT 1) AS employee,
       (SELECT e.id_number FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL
        ORDER BY e.since NULLS LAST, e.id LIMIT 1) AS id_number
FROM organisation o JOIN building b ON b.id = o.building_id
WHERE o.beat_id IN (SELECT m.beat_id FROM beat_member m JOIN app_user u ON u.id = m.user_id
                    WHERE u.username = 'officer1')
  AND NOT EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id)
  AND EXISTS (SELECT 1 FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL
              AND e.id_number IS NOT NULL)
ORDER BY b.id, o.id
LIMIT 1
"""


@pytest.fixture()
def shop(e2e_settings):
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text(SHOP)).mappings().first()
    finally:
        engine.dispose()
    if row is None:
        pytest.fail("the seed has no organisation with employees in officer1's beats (reseed: holomap seed)")
    return dict(row)


def test_officer_clicks_a_shop_and_sees_the_organisation_and_employees(desktop, shop):
    desktop.login("officer1")
    page = desktop.page
    click_point(page, shop["lon"], shop["lat"])
    panel = page.locator(".panel-body")
    expect(page.locator(".panel-title")).to_have_text(shop["address"])
    card = panel.locator(f'.org-card[data-organisation="{shop["id"]}"]')
    expect(card).to_be_visible()
    if card.get_attribute("open") is None:
        card.locator("summary").click()
    expect(card.locator(".org-name")).to_have_text(shop["name"])
    employee = card.locator(".org-employee", has_text=shop["employee"]).first
    expect(employee).to_be_visible()
    masked = shop["id_number"][:6] + "********" + shop["id_number"][-4:]
    expect(employee).to_contain_text(masked)
    expect(panel).not_to_contain_text(shop["id_number"])
    expect(panel).not_to_contain_text("不在您负责的警务区内")
    # the 楼盘表 of a building without households lists its organisations
    expect(panel.locator(f'.fp-organisation[data-organisation="{shop["id"]}"]')).to_be_visible()
    if shop["floor"] is not None and shop["unit"] is not None:  # and shows it in its cell of the grid
        expect(panel.locator(f'.fp-org-cell[data-organisation="{shop["id"]}"]').first).to_contain_text(shop["name"])
    desktop.screenshot("map-shop-organisations")
    assert not desktop.errors, desktop.errors


@pytest.fixture()
def defect(e2e_settings, shop):
    """The shop's person in charge removed (committed; restored afterwards)."""
    engine = create_engine(e2e_settings.owner_url)
    with engine.begin() as conn:
        before = conn.execute(text("SELECT person_in_charge FROM organisation WHERE id = :id"),
                              {"id": shop["id"]}).scalar()
        conn.execute(text("UPDATE organisation SET person_in_charge = NULL WHERE id = :id"), {"id": shop["id"]})
    try:
        yield shop
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE organisation SET person_in_charge = :p WHERE id = :id"),
                         {"p": before, "id": shop["id"]})
        engine.dispose()


def test_quality_board_item_flies_to_the_shop_and_the_fix_drops_the_count(desktop, defect):
    desktop.login("officer1")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据质量").click()
    row = page.locator('.quality-check[data-check="organisation_no_person_in_charge"]')
    expect(row).to_be_visible()
    count_before = int(row.locator(".check-count").inner_text().split("/")[0].strip())
    assert count_before >= 1
    row.locator("button").click()
    item = page.locator(f'.quality-item[data-item="{defect["id"]}"]')
    expect(item).to_be_visible()
    item.locator(".item-label").click()
    centre = page.evaluate("() => { const c = window.holomap.map.getCenter(); return [c.lng, c.lat]; }")
    assert abs(centre[0] - defect["lon"]) < 1e-4 and abs(centre[1] - defect["lat"]) < 1e-4
    desktop.screenshot("quality-board")
    # fix it on the map screen: the building opens with the organisation
    item.locator("button").click()
    expect(page.locator(f'.org-card[data-organisation="{defect["id"]}"]')).to_be_visible()
    token = page.evaluate("() => sessionStorage.getItem('holomap.token')")
    r = page.request.patch(f"{desktop.base}/api/organisations/{defect['id']}", data={"person_in_charge": "整改后"},
                           headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200, r.text()
    page.locator(".nav-tab", has_text="数据质量").click()
    row = page.locator('.quality-check[data-check="organisation_no_person_in_charge"]')
    expect(row.locator(".check-count")).to_contain_text(f"{count_before - 1} /")
    assert not desktop.errors, desktop.errors
