"""我的任务 in a real browser (issue 19): every due item reachable by paging and sorting, why each row is
listed, the page's items on the map, the keyboard opens a row, and the way back to the list; the
administrator chooses which tags count as key persons."""
from sqlalchemy import create_engine, text

SECTIONS = 6  # frontend/js/ui/worklist.js SECTIONS


def _wait_loaded(page, count: int) -> None:
    page.wait_for_function(f"() => window.holomap.worklist && window.holomap.worklist.loaded >= {count}",
                           timeout=20_000)


def _wait_all_sections(page) -> None:
    """Every section's first page arrived (a later load counted before that would be another section's)."""
    page.wait_for_function(f"() => window.holomap.worklist && window.holomap.worklist.loaded >= {SECTIONS}"
                           f" && Object.keys(window.holomap.worklist.pages).length === {SECTIONS}", timeout=20_000)


def test_officer_pages_sorts_maps_and_comes_back(desktop):
    desktop.login("officer1")
    page = desktop.page
    page.click("button.tool-btn:has-text('我的任务')")
    _wait_all_sections(page)
    assert page.locator("section.wl-section").count() == SECTIONS
    households = page.locator("section[data-section=households_due]")
    total = int(households.locator(".count").inner_text())
    assert total > 30  # not the first 30 only
    assert households.locator(".wl-item").count() == 20
    assert "共 " in households.locator(".wl-pager").inner_text()
    why = households.locator(".wl-why").first.inner_text()
    assert "走访" in why, why  # 从未走访 / 已 N 天未走访
    first_page = households.locator(".wl-item strong").all_inner_texts()

    loaded = page.evaluate("window.holomap.worklist.loaded")
    households.locator("[data-page=next]").click()
    _wait_loaded(page, loaded + 1)
    assert page.evaluate("window.holomap.worklist.pages.households_due.offset") == 20
    assert households.locator(".wl-item strong").all_inner_texts() != first_page
    assert "第 21–40 条" in households.locator(".wl-pager").inner_text()

    loaded = page.evaluate("window.holomap.worklist.loaded")
    households.locator("select.wl-sort").select_option("address")
    _wait_loaded(page, loaded + 1)
    state = page.evaluate("window.holomap.worklist.pages.households_due")
    assert state["sort"] == "address" and state["offset"] == 0 and state["total"] == total

    keys = page.locator("section[data-section=key_persons_due]")
    if keys.locator(".wl-item").count():
        assert "重点人员标签：" in keys.locator(".wl-why").first.inner_text()

    # 数据质量 items to fix (issue 17): each row says which check it fails
    quality = page.locator("section[data-section=quality]")
    assert int(quality.locator(".count").inner_text()) > 20
    assert quality.locator(".wl-item").count() == 20
    assert "签证" in quality.locator(".wl-why").first.inner_text()  # visas first (most urgent)

    households.locator("button.wl-map").click()
    page.wait_for_function("() => window.holomap.worklistMarkers === 20")
    assert page.locator(".wl-marker").count() == 20
    desktop.screenshot("worklist-map")

    # the keyboard opens a row; the back button returns to the same list, page and sort
    households.locator(".wl-item").nth(2).focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".panel-body .wl-back", timeout=20_000)
    desktop.screenshot("worklist-item")
    page.click(".panel-body .wl-back")
    page.wait_for_selector("section[data-section=households_due]")
    assert page.locator("section[data-section=households_due] select.wl-sort").input_value() == "address"
    assert not desktop.errors, desktop.errors


def test_admin_chooses_the_key_person_tags(desktop, e2e_settings):
    desktop.login("admin")
    page = desktop.page
    page.goto(desktop.base + "/#/admin")
    page.click("button[data-tab=settings]")
    form = page.locator("[data-testid=key-person-tags]")
    form.locator("input[value=disabled]").wait_for()
    try:
        form.locator("input[value=disabled]").check()
        form.locator("button[type=submit]").click()
        page.wait_for_function("() => document.querySelector('[data-testid=key-person-tags] [role=status]')"
                               ".textContent.includes('残疾')")
        # none chosen: the server's message in Chinese
        checked = form.locator("input[name=tag]:checked")
        while checked.count():
            checked.first.uncheck()
        form.locator("button[type=submit]").click()
        page.wait_for_function("() => document.querySelector('[data-testid=key-person-tags] [role=status]')"
                               ".textContent.includes('请至少选择一个标签')")
        desktop.screenshot("settings-key-person-tags")
    finally:  # the seeded database is shared by the e2e tests: back to the default
        engine = create_engine(e2e_settings.owner_url)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM app_setting WHERE key = 'worklist.key_person_tags'"))
        engine.dispose()
    assert not desktop.errors, desktop.errors
