"""Issue 17 in Chromium: an officer clicks a shop of the own beat → the panel opens with the organisation
and its employees (masked), and the 楼盘表 lists it — no "not in your beats" for buildings without households."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.test_map import click_point

pytestmark = pytest.mark.e2e

# a seeded organisation with employees in a building without households of officer1's beats
SHOP = """
SELECT o.id, o.name, b.address, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat,
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
    desktop.screenshot("map-shop-organisations")
    assert not desktop.errors, desktop.errors
