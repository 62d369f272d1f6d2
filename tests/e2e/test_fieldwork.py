"""Field work in the browser: record a visit from the panel, move a dispute from open to mediating.

Both tests write through the real API; the rows they made are deleted afterwards (found by a unique text).
"""
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e

CLEANUP = [
    "DELETE FROM visit WHERE notes = :marker",
    "DELETE FROM dispute_event WHERE dispute_id IN (SELECT id FROM dispute WHERE title = :marker)",
    "DELETE FROM dispute_party WHERE dispute_id IN (SELECT id FROM dispute WHERE title = :marker)",
    "DELETE FROM dispute WHERE title = :marker",
]


def marked_rows(settings, prefix: str, cleanup: list[str]):
    """Yield a fresh marker for the rows a test writes; afterwards delete them with `cleanup` (:marker)."""
    value = f"{prefix}-{uuid.uuid4().hex[:10]}"
    yield value
    engine = create_engine(settings.owner_url)
    try:
        with engine.begin() as conn:
            for sql in cleanup:
                conn.execute(text(sql), {"marker": value})
    finally:
        engine.dispose()


@pytest.fixture()
def marker(e2e_settings):
    yield from marked_rows(e2e_settings, "e2e", CLEANUP)


def open_household(visit, resident) -> None:
    visit.context.grant_permissions(["geolocation"])
    visit.context.set_geolocation({"latitude": resident["lat"], "longitude": resident["lon"], "accuracy": 12})
    visit.login("officer1")
    visit.page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                        [resident["lon"], resident["lat"], resident["household_id"]])


def test_record_visit_shows_on_top_of_history(desktop, known, marker):
    resident = known["resident"]
    open_household(desktop, resident)
    page = desktop.page
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=visit]").click()
    form = page.locator("form.visit-form")
    expect(form.locator(".check", has_text="核户籍信息")).to_be_visible()
    form.locator("input[name=verify_hukou]").check()
    form.locator("input[name=explain_fraud]").check()
    form.locator("textarea[name=notes]").fill(marker)
    expect(form.locator(".geo-status")).to_contain_text("已定位")
    form.locator("button[type=submit]").click()
    household = f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]'
    first_visit = page.locator(f"{household} li.visit").first
    expect(first_visit).to_contain_text(marker)
    desktop.screenshot("fieldwork-visit")
    assert not desktop.errors, desktop.errors


def test_dispute_moves_from_open_to_mediating(desktop, known, marker):
    resident = known["resident"]
    open_household(desktop, resident)
    page = desktop.page
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=dispute]").click()
    form = page.locator("form.dispute-form")
    form.locator("input[name=title]").fill(marker)
    form.locator("select[name=category]").select_option("neighbour")
    form.locator(".grade-choice.grade-yellow").click()
    form.locator("button[type=submit]").click()
    detail = page.locator(".dispute-detail")
    expect(detail.locator(".dispute-head")).to_contain_text(marker)
    expect(detail.locator(".badge-status")).to_have_text("待处理")
    detail.locator("textarea[name=text]").fill("双方同意到村调委会调解")
    detail.locator("[data-status=mediating]").click()
    expect(detail.locator(".badge-status")).to_have_text("调解中")
    expect(detail.locator(".timeline")).to_contain_text("双方同意到村调委会调解")
    desktop.screenshot("fieldwork-dispute")
    assert not desktop.errors, desktop.errors


def test_phone_household_and_visit_form_fit(phone, known):
    """390×844: the bottom sheet with a household and the visit form, nothing wider than the screen."""
    resident = known["resident"]
    open_household(phone, resident)
    page = phone.page
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    expect(card.locator("[data-action=visit]")).to_be_visible()
    expect(page.locator(".fp-cell").first).to_be_attached()
    no_overflow = "() => { const b = document.querySelector('.panel-body'); return b.scrollWidth <= b.clientWidth; }"
    assert page.evaluate(no_overflow)
    phone.screenshot("phone-household")
    card.locator("[data-action=visit]").click()
    form = page.locator("form.visit-form")
    expect(form.locator(".geo-status")).to_contain_text("已定位")
    assert page.evaluate(no_overflow)
    phone.screenshot("phone-visit-form")
    form.locator("button[type=submit]").scroll_into_view_if_needed()
    expect(form.locator("button[type=submit]")).to_be_in_viewport()
    phone.screenshot("phone-visit-form-end")
    assert not phone.errors, phone.errors
