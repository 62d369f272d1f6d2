"""Issue 19 on a 390×844 phone: the × of a full-height form is tapped, not the map's layer buttons over it."""
import pytest
from playwright.sync_api import expect

from tests.e2e.test_fieldwork import open_household

pytestmark = pytest.mark.e2e

VIEW = "() => { const m = window.holomap.map; const c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }"


def test_phone_close_button_of_a_full_height_form_closes_it(phone, known):
    resident = known["resident"]
    open_household(phone, resident)
    page = phone.page
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=visit]").click()
    form = page.locator("form.visit-form")
    expect(form).to_be_visible()
    page.wait_for_timeout(400)  # the sheet grows to full height (a .22 s transition)
    phone.screenshot("phone-full-height-form")
    before = page.evaluate(VIEW)
    box = page.locator(".panel-close").bounding_box()
    # a real tap at the button's centre: whatever is drawn on top there gets it
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".panel-open")).to_have_count(0)  # the sheet slides away (its content stays)
    page.wait_for_timeout(400)
    expect(form).not_to_be_in_viewport()
    assert page.evaluate(VIEW) == before, "the tap moved the map (it hit 我的警务区)"
    assert not phone.errors, phone.errors
