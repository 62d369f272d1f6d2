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


def _drag(page, to_y: float) -> None:
    grip = page.locator(".panel-grip").bounding_box()
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 9):  # a finger moving, not a jump
        page.mouse.move(x, y + (to_y - y) * k / 8)
    page.mouse.up()
    page.wait_for_timeout(400)  # the sheet settles (a .22 s transition)


def test_phone_sheet_is_dragged_up_and_down(phone, known):
    """Issue 19: the bottom sheet follows a drag (pointer events) and settles at peek, half or full."""
    open_household(phone, known["resident"])
    page = phone.page
    sheet = page.locator(".panel")
    half = sheet.bounding_box()["height"]
    _drag(page, 90)
    full = sheet.bounding_box()
    assert full["height"] > half + 200 and full["y"] < 120, (half, full)
    assert page.locator(".workspace.panel-full, .panel-full").count() == 1
    phone.screenshot("phone-sheet-dragged-up")
    _drag(page, 830)
    expect(page.locator(".panel-collapsed")).to_have_count(1)
    peek = sheet.bounding_box()
    assert peek["y"] > 844 - 120, peek  # only the grip and title show
    _drag(page, 844 * 0.45)  # back to half height
    expect(page.locator(".panel-collapsed")).to_have_count(0)
    assert abs(sheet.bounding_box()["height"] - half) < 40
    assert not phone.errors, phone.errors
