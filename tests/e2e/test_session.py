"""Sessions that never lose typed work (issue 16): an ended session while a visit is typed opens the
sign-in dialog over the form and the visit is saved once after signing in; a renewable session is renewed
without asking; a reload mid-form restores the draft; a missing or invalid token leads to the sign-in page
with a Chinese message."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.test_fieldwork import CLEANUP, marked_rows, open_household

pytestmark = pytest.mark.e2e

VISITS = "SELECT count(*) FROM visit WHERE notes = :marker"


@pytest.fixture()
def marker(e2e_settings):
    yield from marked_rows(e2e_settings, "session", CLEANUP)


def count(settings, marker: str) -> int:
    engine = create_engine(settings.owner_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(VISITS), {"marker": marker}).scalar()
    finally:
        engine.dispose()


def open_visit_form(visit, resident):
    open_household(visit, resident)
    card = visit.page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=visit]").click()
    return visit.page.locator("form.visit-form")


def test_an_ended_session_while_typing_signs_in_again_in_place_and_saves_once(desktop, known, marker,
                                                                             e2e_settings):
    resident = known["resident"]
    form = open_visit_form(desktop, resident)
    page = desktop.page
    form.locator("input[name=verify_hukou]").check()
    form.locator("textarea[name=notes]").fill(marker)
    # the session ends while the officer types: the access token is no longer valid and the refresh token
    # is refused (as after the idle lock or the maximum)
    page.evaluate("""() => { sessionStorage.setItem('holomap.token', 'expired.token.value');
                             sessionStorage.setItem('holomap.refresh', 'a-refresh-token-the-server-never-made'); }""")
    form.locator("button[type=submit]").click()
    dialog = page.locator("dialog.signin-again")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("请重新登录")
    expect(dialog).to_contain_text("不会丢失")
    expect(dialog.locator("input[name=username]")).to_have_value("officer1")
    expect(form.locator("textarea[name=notes]")).to_have_value(marker)  # the form is still there, filled
    desktop.screenshot("session-signin-dialog")
    dialog.locator("input[name=password]").fill("wrong-password-1")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".form-error")).to_contain_text("用户名或密码错误")
    dialog.locator("input[name=password]").fill("demo-password")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0)
    household = f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]'
    expect(page.locator(f"{household} li.visit").first).to_contain_text(marker)
    assert count(e2e_settings, marker) == 1
    assert page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('holomap.draft.')"
                         " && localStorage.getItem(k).includes('" + marker + "')).length") == 0
    assert not desktop.errors, desktop.errors


def test_an_expired_access_token_is_renewed_without_asking(desktop, known, marker, e2e_settings):
    resident = known["resident"]
    form = open_visit_form(desktop, resident)
    page = desktop.page
    form.locator("textarea[name=notes]").fill(marker)
    page.evaluate("() => sessionStorage.setItem('holomap.token', 'expired.token.value')")
    refreshes = []
    page.on("request", lambda r: refreshes.append(r.url) if r.url.endswith("/api/auth/refresh") else None)
    form.locator("button[type=submit]").click()
    household = f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]'
    expect(page.locator(f"{household} li.visit").first).to_contain_text(marker)
    assert page.locator("dialog.signin-again").count() == 0
    assert len(refreshes) == 1
    assert count(e2e_settings, marker) == 1


def test_a_reload_mid_form_restores_the_draft(desktop, known, marker, e2e_settings):
    resident = known["resident"]
    form = open_visit_form(desktop, resident)
    page = desktop.page
    form.locator("input[name=explain_fraud]").check()
    form.locator("textarea[name=notes]").fill(marker)
    page.reload()
    page.wait_for_selector("body[data-ready]")
    page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                  [resident["lon"], resident["lat"], resident["household_id"]])
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=visit]").click()
    form = page.locator("form.visit-form")
    expect(form.locator("textarea[name=notes]")).to_have_value(marker)
    expect(form.locator("input[name=explain_fraud]")).to_be_checked()
    desktop.screenshot("session-draft-restored")
    expect(form.locator(".geo-status")).to_contain_text("已定位")
    form.locator("button[type=submit]").click()
    expect(page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"] li.visit').first
           ).to_contain_text(marker)
    assert count(e2e_settings, marker) == 1
    # saved: the draft is gone, the next form starts empty
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=visit]").click()
    expect(page.locator("form.visit-form textarea[name=notes]")).to_have_value("")


def test_an_invalid_token_at_start_leads_to_the_sign_in_page_in_chinese(desktop):
    page = desktop.page
    page.goto(desktop.base + "/")
    page.evaluate("() => sessionStorage.setItem('holomap.token', 'not-a-valid-token')")
    page.reload()
    page.wait_for_selector(".login-page")
    expect(page.locator(".login-error")).to_contain_text("登录")
    assert not page.locator("body[data-ready]").count()
