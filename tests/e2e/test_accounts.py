"""账户管理 and 警务区成员 (issue 19) in headless Chromium.

- The admin creates an account, resets its password (a one-time password shown once), and the new user
  signs in with it and must set a new password before anything else.
- The station chief adds a grid member to officer1's beat; that grid member then sees the beat's
  residents (the very next request). Both write through the real server: the account is deleted and the
  beat's members are restored afterwards.
"""
import secrets

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import Visit
from tests.e2e.test_map import click_point

pytestmark = pytest.mark.e2e

SHOTS = "/tmp/holomap-accounts"


@pytest.fixture()
def owner(e2e_settings):
    engine = create_engine(e2e_settings.owner_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def new_username(owner):
    name = f"e2e{secrets.token_hex(3)}"
    yield name
    with owner.begin() as conn:
        conn.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": name})


def shot(visit: Visit, name: str) -> None:
    import pathlib
    pathlib.Path(SHOTS).mkdir(exist_ok=True)
    visit.page.screenshot(path=f"{SHOTS}/{name}.png")
    visit.screenshot(name)


def test_admin_creates_and_resets_an_account_and_the_user_must_set_a_new_password(desktop, browser, server,
                                                                                   new_username):
    desktop.login("admin")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据管理").click()
    page.locator(".seg-btn[data-tab=accounts]").click()
    expect(page.locator(".accounts-table")).to_be_visible()
    page.locator("button.account-new").click()
    form = page.locator("form.account-form[data-mode=create]")
    form.locator("input[name=username]").fill(new_username)
    form.locator("input[name=display_name]").fill("测试网格员")
    form.locator("select[name=role]").select_option("grid_member")
    form.locator("button[type=submit]").click()
    first = page.locator(".one-time-password")
    expect(first).to_be_visible()
    created_password = first.inner_text()
    assert len(created_password) >= 12
    shot(desktop, "accounts-created")
    row = page.locator(f"tr.account-row[data-username={new_username}]")
    expect(row).to_contain_text("待改密码")
    row.locator("button.account-reset").click()
    page.locator("button.account-reset-confirm").click()
    expect(page.locator(".one-time-password")).not_to_have_text(created_password)
    password = page.locator(".one-time-password").inner_text()
    shot(desktop, "accounts-reset")
    assert not desktop.errors, desktop.errors

    user = Visit(browser, server, {"width": 1366, "height": 850})
    try:
        p = user.page
        p.goto(server + "/")
        p.fill("input[name=username]", new_username)
        p.fill("input[name=password]", created_password)  # the reset replaced it
        p.click("button[type=submit]")
        expect(p.locator(".login-error")).not_to_be_empty()
        p.fill("input[name=password]", password)
        p.click("button[type=submit]")
        change = p.locator("form.password-change")
        expect(change).to_be_visible()
        shot(user, "accounts-must-change")
        change.locator("input[name=new_password]").fill("short1")
        change.locator("input[name=new_password_again]").fill("short1")
        change.locator("button[type=submit]").click()
        expect(change.locator(".login-error")).to_contain_text("新密码太弱")
        change.locator("input[name=new_password]").fill("Neues-Pass-2026")
        change.locator("input[name=new_password_again]").fill("Neues-Pass-2026")
        change.locator("button[type=submit]").click()
        p.wait_for_selector("body[data-ready]")
        expect(p.locator(".user-name")).to_have_text("测试网格员")
        assert not user.errors, user.errors
    finally:
        user.close()


MEMBERS = "SELECT duty, user_id FROM beat_member WHERE beat_id = :b"
BEAT = """
SELECT b.id, b.code FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
JOIN beat_member m ON m.beat_id = b.id JOIN app_user u ON u.id = m.user_id
WHERE u.username = 'officer1' AND m.duty = 'officer'
"""


@pytest.fixture()
def officer1_beat(owner):
    with owner.connect() as conn:
        beat = conn.execute(text(BEAT)).one()
        saved = conn.execute(text(MEMBERS), {"b": beat.id}).all()
        grid3 = conn.execute(text("SELECT id FROM app_user WHERE username = 'grid3'")).scalar_one()
    assert grid3 not in [u for _, u in saved]
    yield beat
    with owner.begin() as conn:
        conn.execute(text("DELETE FROM beat_member WHERE beat_id = :b"), {"b": beat.id})
        for duty, user_id in saved:
            conn.execute(text("INSERT INTO beat_member (beat_id, user_id, duty) VALUES (:b, :u, :d)"),
                         {"b": beat.id, "u": user_id, "d": duty})


def test_chief_assigns_a_grid_member_who_then_sees_the_beat(desktop, browser, server, known, officer1_beat):
    grid = Visit(browser, server, {"width": 1366, "height": 850})
    try:
        grid.login("grid3")  # signed in before the change: the same session sees it on its next request
        assert officer1_beat.code not in grid.page.evaluate("window.holomap.user.beats")
        resident = known["resident"]
        with grid.page.expect_response(lambda r: "/api/lookup" in r.url) as before:
            click_point(grid.page, resident["lon"], resident["lat"])
        assert before.value.status == 404  # not in grid3's beats yet

        desktop.login("chief")
        page = desktop.page
        page.locator(".nav-tab", has_text="警务区成员").click()
        card = page.locator(f"form.beat-card[data-code='{officer1_beat.code}']")
        expect(card).to_be_visible()
        card.locator(".member-group[data-duty=grid_members] label", has_text="grid3").locator("input").check()
        shot(desktop, "members-editor")
        card.locator("button[type=submit]").click()
        expect(page.locator(".toast")).to_contain_text("成员已保存")
        assert not desktop.errors, desktop.errors

        with grid.page.expect_response(lambda r: "/api/lookup" in r.url) as after:
            click_point(grid.page, resident["lon"], resident["lat"])
        assert after.value.status == 200
        panel = grid.page.locator(".panel")
        expect(panel.locator(".hh-card").first).to_be_visible()
        expect(panel).to_contain_text(resident["name"])
        shot(grid, "members-grid-sees-beat")
        assert not grid.errors, grid.errors
    finally:
        grid.close()
