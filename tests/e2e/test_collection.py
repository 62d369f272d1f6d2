"""信息采集 in the browser: officer1 registers a floating resident from the household card and sees them there.

The test writes through the real API; the person it made is deleted afterwards (found by its ID number).
"""
import secrets
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from geo import idnumber

pytestmark = pytest.mark.e2e


@pytest.fixture()
def new_person(e2e_settings):
    """An ID number nobody has, and a name; the row is deleted after the test."""
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            while True:
                number = idnumber.make("370102", date(1995, 3, 8), secrets.randbelow(500), "M")
                if not conn.execute(text("SELECT 1 FROM person WHERE id_number = :n"), {"n": number}).first():
                    break
        yield {"id_number": number, "name": f"测流动{secrets.token_hex(2)}"}
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM person WHERE id_number = :n"), {"n": number})
    finally:
        engine.dispose()


def test_officer_registers_a_floating_resident_and_sees_them_in_the_card(desktop, known, new_person):
    resident = known["resident"]
    desktop.login("officer1")
    desktop.page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                          [resident["lon"], resident["lat"], resident["household_id"]])
    page = desktop.page
    household = f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]'
    page.locator(household).locator("[data-action=register-person]").click()
    form = page.locator("form.person-form")
    form.locator("input[name=name]").fill(new_person["name"])
    form.locator("input[name=id_number]").fill(new_person["id_number"][:-1] + "0"
                                               if new_person["id_number"][-1] != "0"
                                               else new_person["id_number"][:-1] + "1")
    form.locator("select[name=residency]").select_option("floating")
    form.locator("input[name=relation_to_head]").fill("租客")
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-error")).to_contain_text("校验位")  # a wrong check digit is explained
    form.locator("input[name=id_number]").fill(new_person["id_number"])
    form.locator("button[type=submit]").click()
    row = page.locator(f"{household} li.person", has_text=new_person["name"])
    expect(row).to_be_visible()
    expect(row).to_contain_text("流动")
    expect(row.locator(".person-id")).to_contain_text(idnumber.mask(new_person["id_number"]))
    expect(row.locator("[data-action=correct]")).to_be_visible()
    desktop.screenshot("collection-person")
    assert not desktop.errors, desktop.errors
