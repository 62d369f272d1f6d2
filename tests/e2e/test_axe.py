"""axe-core on each main screen of each role, desktop (1366×850) and phone (390×844): 0 serious or critical
violations (issue 19). Screens: sign-in; officer: map with the building panel and its 楼盘表, visit form,
dispute form, 我的任务; leader: dashboard; planner: plan screen; chief: 1+1+N members; admin: import,
boundaries, accounts, audit log, settings."""
import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible, describe, violations
from tests.e2e.conftest import Visit
from tests.e2e.test_fieldwork import open_household

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
    card.locator("[data-action=visit]").click()
    expect(page.locator("form.visit-form")).to_be_visible()
    _check(visit, problems, "visit form")
    page.locator(".panel-back").click()
    card.locator("[data-action=dispute]").click()
    expect(page.locator("form.dispute-form")).to_be_visible()
    _check(visit, problems, "dispute form")
    visit.screenshot(f"axe-{visit.size}-dispute-form")
    page.locator(".panel-back").click()
    page.click("button.tool-btn:has-text('我的任务')")
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
    _report(visit, problems)


def test_planner_plan_screen(visit):
    problems: dict[str, str] = {}
    visit.login("planner")
    visit.page.goto(visit.base + "/#/plan")
    visit.page.wait_for_load_state("networkidle")
    _check(visit, problems, "plan")
    _report(visit, problems)


def test_chief_members_screen(visit):
    problems: dict[str, str] = {}
    visit.login("chief")
    visit.page.goto(visit.base + "/#/members")
    visit.page.wait_for_load_state("networkidle")
    _check(visit, problems, "members")
    _report(visit, problems)


@pytest.mark.parametrize("tab", ["people", "boundaries", "accounts", "audit", "settings"])
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
