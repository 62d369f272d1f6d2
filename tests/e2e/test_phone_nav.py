"""The top bar on a phone (390×844): a station chief sees five screens; every one must be reachable without the
bar overflowing the screen (it did: the tabs ran off the edge before 研判周报). On a phone the tabs are a menu
that names the current screen; on a desktop they stay tabs."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FITS = """() => {
  const bar = document.querySelector('.topbar');
  const out = [...bar.querySelectorAll('*')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && el.checkVisibility() && (r.right > window.innerWidth + 0.5 || r.left < -0.5);
  }).map((el) => el.className || el.tagName);
  return {overflow: bar.scrollWidth - bar.clientWidth, out};
}"""


def test_chief_reaches_every_screen_from_a_phone(phone):
    page = phone.page
    phone.login("chief")
    phone.screenshot("phone-nav-chief")
    fits = page.evaluate(FITS)
    assert fits == {"overflow": 0, "out": []}, fits
    menu = page.locator(".nav-menu")
    expect(menu).to_be_visible()
    expect(page.locator("nav.nav")).to_be_hidden()
    expect(menu.locator("summary")).to_contain_text("地图")
    menu.locator("summary").click()
    entries = menu.locator("a.nav-menu-item")
    names = entries.all_inner_texts()
    assert "研判周报" in names and len(names) >= 4, names
    for entry in entries.all():
        box = entry.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (entry.inner_text(), box)
    phone.screenshot("phone-nav-chief-menu")
    menu.locator("a.nav-menu-item", has_text="研判周报").click()
    page.wait_for_selector("body[data-ready=report]", timeout=20_000)
    expect(menu.locator("summary")).to_contain_text("研判周报")
    assert menu.get_attribute("open") is None  # closed after the choice
    assert page.evaluate(FITS) == {"overflow": 0, "out": []}
    assert not phone.errors, phone.errors


def test_desktop_keeps_the_tabs(desktop):
    page = desktop.page
    desktop.login("chief")
    expect(page.locator("nav.nav a.nav-tab", has_text="研判周报")).to_be_visible()
    expect(page.locator(".nav-menu")).to_be_hidden()
