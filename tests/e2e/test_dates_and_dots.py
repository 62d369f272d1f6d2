"""Issue 19: dates read in Chinese whatever the browser's language, and colour dots on the map stand out.

- A native <input type=date> shows the browser's own format (12/06/2025 in an en-US Chromium) even under
  lang="zh-CN": the chosen day is written beside it in Chinese (2026年12月4日), kept up to date.
- A yellow dispute dot on a building was 1.2:1 against its fill: it now has a dark outline and a white
  halo, so it reaches 3:1 against the map whatever the grade's colour (WCAG 1.4.11).
"""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DEMO_PASSWORD
from tests.e2e.test_fieldwork import marker, open_household  # noqa: F401 (marker is a fixture)

pytestmark = pytest.mark.e2e

BUILDING_FILLS = ("#f3d7a6", "#c9d7f2", "#e7cde8", "#cfe8d3", "#d9d4cc", "#ead9b8", "#eed9b6", "#ffffff")


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        hex6 = colour.lstrip("#")
        hex6 = "".join(c * 2 for c in hex6) if len(hex6) == 3 else hex6
        rgb = [int(hex6[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_date_inputs_show_the_chinese_date_in_an_english_browser(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 850}, locale="en-US",
                                  timezone_id="Asia/Shanghai")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + "/")
        assert page.evaluate("navigator.language") == "en-US"
        page.fill("input[name=username]", "leader")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("body[data-ready]")
        page.goto(server + "/#/dashboard")
        start = page.locator("input[type=date][name=start]")
        expect(start).to_be_visible()
        assert start.get_attribute("lang") == "zh-CN" and page.evaluate("document.documentElement.lang") == "zh-CN"
        echo = page.locator("input[name=start] + .date-zh")
        y, m, d = start.input_value().split("-")
        expect(echo).to_have_text(f"{y}年{int(m)}月{int(d)}日")
        start.fill("2026-12-04")  # typed
        expect(echo).to_have_text("2026年12月4日")
        page.locator("button.dash-chip[data-days='30']").click()  # set by code (a quick range)
        y, m, d = start.input_value().split("-")
        expect(echo).to_have_text(f"{y}年{int(m)}月{int(d)}日")
        # what the native input shows itself in this browser (looked at: en-US order, hence the echo)
        page.locator("form.dash-filters").screenshot(path=str(ARTIFACTS / "dates-en-us.png"))
        assert not errors, errors
    finally:
        context.close()


def test_a_yellow_dispute_dot_stands_out_against_the_buildings(desktop, known, marker):  # noqa: F811
    resident = known["resident"]
    open_household(desktop, resident)
    page = desktop.page
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=dispute]").click()
    form = page.locator("form.dispute-form")
    form.locator("input[name=title]").fill(marker)
    form.locator(".grade-choice.grade-yellow").click()
    form.locator("button[type=submit]").click()
    expect(page.locator(".dispute-detail .dispute-head")).to_contain_text(marker)
    page.locator(".panel-close").first.click()
    rings = page.wait_for_function(
        """() => { const found = []; window.holomap.map.eachLayer((l) => {
             if (l instanceof window.L.CircleMarker && l.options.pane === 'selection')
               found.push({ fill: l.options.fill !== false ? l.options.fillColor : null, stroke: l.options.color,
                            weight: l.options.weight, radius: l.options.radius,
                            at: [l.getLatLng().lat, l.getLatLng().lng],
                            interactive: l.options.interactive !== false }); });
           const dot = found.find((f) => f.fill === '#f2c200');
           return dot ? found.filter((f) => f.at[0] === dot.at[0] && f.at[1] === dot.at[1]) : null; }""").json_value()
    dot = next(r for r in rings if r["fill"] == "#f2c200")
    halo = next(r for r in rings if r["fill"] is None)
    assert dot["interactive"] and not halo["interactive"] and halo["radius"] > dot["radius"]
    assert contrast(dot["fill"], "#eed9b6") < 3  # the colour alone does not stand out ...
    for fill in BUILDING_FILLS:  # ... its outline does, against every building fill and the white map
        assert contrast(dot["stroke"], fill) >= 3, (dot["stroke"], fill)
    assert contrast(halo["stroke"], dot["stroke"]) >= 3  # the halo separates the outline from dark lines
    page.evaluate("([lon, lat]) => window.holomap.map.setView([lat, lon], 19, { animate: false })",
                  [resident["lon"], resident["lat"]])
    page.wait_for_timeout(500)
    desktop.screenshot("yellow-dispute-dot")
    assert not desktop.errors, desktop.errors
