"""axe-core on each main screen of each role, desktop (1366×850) and phone (390×844): 0 serious or critical
violations (issue 19). Screens: sign-in; officer: map with the building panel and its 楼盘表, the reveal-ID
dialog, visit form, dispute form, the sign-in-again dialog, 我的任务; leader: dashboard and its print view
(the exported report); planner: plan screen, a draft and its two editing modes (vertex edit, 点选指派村);
chief: 1+1+N members; admin: import, organisations import, boundaries, accounts, audit log, settings."""
import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible, describe, violations
from tests.e2e.conftest import Visit
from tests.e2e.test_fieldwork import open_household
from tests.e2e.test_plan import planner_ready  # noqa: F401  (a fixture: deletes the drafts made here)

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1366, "height": 850}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SIZES))
def visit(request, browser, server):
    v = Visit(browser, server, SIZES[request.param])
    v.size = request.param
    yield v
    v.close()


def _check(visit, problems: dict, screen: str) -> None:
    visit.page.wait_for_timeout(300)  # transitions (the sheet, fades) end before axe reads colours
    assert_accessible(visit, screen, problems)


def _report(visit, problems: dict) -> None:
    assert not problems, "\n".join(f"[{visit.size}] {s}:\n{text}" for s, text in problems.items())
    assert not visit.errors, visit.errors


def test_sign_in(visit):
    assert visit.page.request.get(visit.base + "/vendor/axe-core/axe.min.js").status == 404  # tests only
    visit.page.goto(visit.base + "/")
    visit.page.wait_for_selector("input[name=username]")
    found = violations(visit.page)
    assert not found, describe(found)
    # every control reached by Tab shows where the focus is (an outline or a ring)
    unmarked = []
    for _ in range(4):
        visit.page.keyboard.press("Tab")
        unmarked += visit.page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
            return shown || e === document.body ? [] : [e.outerHTML.slice(0, 80)]; }""")
    assert not unmarked, unmarked


def test_officer_screens(visit, known):
    problems: dict[str, str] = {}
    resident = known["resident"]
    open_household(visit, resident)
    page = visit.page
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    expect(card).to_be_visible()
    page.wait_for_selector(".floorplan .fp-cell")
    _check(visit, problems, "map + building panel + 楼盘表")
    visit.screenshot(f"axe-{visit.size}-building")
    card.locator("li.person [data-action=reveal]").first.click()
    reveal = page.locator("dialog.reveal-dialog[open]")
    reveal.locator("button[type=submit]").click()  # empty: the dialog shows its message
    expect(reveal.locator(".form-error")).to_be_visible()
    _check(visit, problems, "reveal-ID dialog")
    visit.screenshot(f"axe-{visit.size}-reveal-dialog")
    page.keyboard.press("Escape")
    expect(page.locator("dialog.reveal-dialog[open]")).to_have_count(0)
    card.locator("[data-action=visit]").click()
    expect(page.locator("form.visit-form")).to_be_visible()
    _check(visit, problems, "visit form")
    page.locator(".panel-back").click()
    card.locator("[data-action=dispute]").click()
    expect(page.locator("form.dispute-form")).to_be_visible()
    _check(visit, problems, "dispute form")
    visit.screenshot(f"axe-{visit.size}-dispute-form")
    page.locator(".panel-back").click()
    # the session ends: the next call opens the sign-in dialog over the screen, then goes on
    page.evaluate("""() => { sessionStorage.setItem('holomap.token', 'expired.token.value');
                             sessionStorage.setItem('holomap.refresh', 'a-refresh-token-the-server-never-made'); }""")
    page.click("button.tool-btn:has-text('我的任务')")
    signin = page.locator("dialog.signin-again")
    expect(signin).to_be_visible()
    _check(visit, problems, "sign-in-again dialog")
    visit.screenshot(f"axe-{visit.size}-signin-dialog")
    signin.locator("input[name=password]").fill("demo-password")
    signin.locator("button[type=submit]").click()
    expect(signin).to_be_hidden()
    page.wait_for_function("() => window.holomap.worklist && window.holomap.worklist.loaded >= 4", timeout=20_000)
    _check(visit, problems, "我的任务")
    _report(visit, problems)


def test_leader_dashboard(visit):
    problems: dict[str, str] = {}
    visit.login("leader")
    visit.page.goto(visit.base + "/#/dashboard")
    visit.page.wait_for_selector(".dash-legend, .legend", timeout=20_000)
    visit.page.wait_for_load_state("networkidle")
    _check(visit, problems, "dashboard")
    visit.screenshot(f"axe-{visit.size}-dashboard")
    visit.page.emulate_media(media="print")  # the printable report (导出: print / PDF with the map)
    _check(visit, problems, "dashboard print view")
    visit.page.emulate_media(media="screen")
    _report(visit, problems)


def test_planner_plan_screen(visit, planner_ready):  # noqa: F811
    problems: dict[str, str] = {}
    visit.login("planner")
    page = visit.page
    page.goto(visit.base + "/#/plan")
    page.wait_for_load_state("networkidle")
    _check(visit, problems, "plan")
    page.click("[data-testid=plan-create]")
    page.wait_for_selector("[data-testid=plan-check] .check-head", timeout=20_000)
    _check(visit, problems, "plan draft")
    page.click("[data-testid=plan-edit]")
    page.wait_for_selector(".marker-icon", timeout=10_000)
    _check(visit, problems, "plan draft: vertex editing")
    visit.screenshot(f"axe-{visit.size}-plan-edit")
    page.click("[data-testid=plan-edit]")  # off again
    page.click("button:has-text('点选指派村')")
    page.wait_for_selector(".plan-hint", timeout=10_000)
    page.wait_for_timeout(1000)  # the village layer loads
    _check(visit, problems, "plan draft: 点选指派村")
    visit.screenshot(f"axe-{visit.size}-plan-assign")
    _report(visit, problems)


def test_chief_members_screen(visit):
    problems: dict[str, str] = {}
    visit.login("chief")
    visit.page.goto(visit.base + "/#/members")
    visit.page.wait_for_load_state("networkidle")
    _check(visit, problems, "members")
    _report(visit, problems)


@pytest.mark.parametrize("tab", ["people", "organisations", "boundaries", "accounts", "audit", "settings"])
def test_admin_screens(visit, tab):
    problems: dict[str, str] = {}
    visit.login("admin")
    page = visit.page
    page.goto(visit.base + "/#/admin")
    page.locator(f".seg-btn[data-tab={tab}]").click()
    page.wait_for_load_state("networkidle")
    _check(visit, problems, f"admin {tab}")
    if tab in ("accounts", "audit"):
        visit.screenshot(f"axe-{visit.size}-admin-{tab}")
    _report(visit, problems)
