"""楼盘表 in a real browser (issue 19): legend first, units side by side (scrolling sideways when wide),
one tab stop for all the rooms (arrow keys move inside), and a skip link to the household list."""
import pytest

from tests.e2e.test_fieldwork import open_household

pytestmark = pytest.mark.e2e


def test_floorplan_units_side_by_side_legend_first_one_tab_stop(desktop, known):
    open_household(desktop, known["resident"])
    page = desktop.page
    page.wait_for_selector(".floorplan .fp-cell")
    block = page.locator(".floorplan-block")
    order = block.evaluate("b => [...b.children].map(c => c.className)")
    assert order[0] == "fp-legend" and order[-1] == "floorplan-wrap", order
    units = page.locator(".fp-unit")
    if units.count() > 1:
        tops = {round(units.nth(k).bounding_box()["y"]) for k in range(units.count())}
        assert len(tops) == 1, tops  # side by side, not stacked
    cells = page.locator(".fp-cell")
    assert page.locator(".fp-cell[tabindex='0']").count() == 1
    assert page.locator(".fp-cell[tabindex='-1']").count() == cells.count() - 1

    first = page.locator(".fp-cell[tabindex='0']")
    first.focus()
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement === [...document.querySelectorAll('.fp-cell')].at(-1)")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement === document.querySelectorAll('.fp-cell')[1]")
    page.keyboard.press("Tab")  # out of the grid in one step, not 162
    assert page.evaluate("!document.activeElement.classList.contains('fp-cell')")

    page.locator(".fp-skip").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "households-heading"
    desktop.screenshot("floorplan-issue19")
    assert not desktop.errors, desktop.errors
