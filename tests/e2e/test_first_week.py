"""Issue 19, an officer's first week: a click in a building's middle opens the building even where a dispute
dot sits; disputes, their timeline and incidents nearby read in Chinese.

The dispute is made through the real API in the browser and deleted afterwards (found by its title).
"""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.test_fieldwork import marker, open_household  # noqa: F401 (marker is a fixture)
from tests.e2e.test_map import click_at

pytestmark = pytest.mark.e2e

ENGLISH_CODES = re.compile(r"\b(open|mediating|resolved|escalated|closed|village|station|county|theft|fraud|"
                           r"fight|traffic|dispute|disturbance|fire|missing|other)\b")




def test_click_on_a_building_with_a_dispute_opens_the_building(desktop, known, marker):  # noqa: F811
    resident = known["resident"]
    open_household(desktop, resident)
    page = desktop.page
    card = page.locator(f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=dispute]").click()
    form = page.locator("form.dispute-form")
    form.locator("input[name=title]").fill(marker)
    form.locator(".grade-choice.grade-red").click()
    form.locator("button[type=submit]").click()
    detail = page.locator(".dispute-detail")
    detail.locator("textarea[name=text]").fill("双方同意调解")
    detail.locator("[data-status=mediating]").click()
    expect(detail.locator(".badge-status")).to_have_text("调解中")
    # the timeline: statuses by their Chinese names, the note after them
    timeline = detail.locator(".timeline")
    expect(timeline.locator(".timeline-text").first).to_have_text("待处理 → 调解中：双方同意调解")
    expect(timeline.locator(".timeline-text").last).to_have_text("待处理")
    assert not ENGLISH_CODES.search(detail.inner_text()), detail.inner_text()
    desktop.screenshot("first-week-dispute-timeline")

    # the red dot now sits on the building's centroid: a click there opens the building, listing the dispute
    page.locator(".panel-close").first.click()
    page.wait_for_function("() => { let n = 0; window.holomap.map.eachLayer((l) => { "
                           "if (l.options && l.options.fillColor === '#e03131') n++; }); return n > 0; }")
    click_at(page, resident["lon"], resident["lat"])
    panel = page.locator(".panel-body")
    expect(page.locator(".panel-title")).to_have_text(resident["address"])
    expect(panel.locator(".building")).to_be_visible()
    here = panel.locator(".disputes-here li.dispute", has_text=marker)
    expect(here).to_be_visible()
    expect(here).to_contain_text("调解中")
    # incidents nearby: categories in Chinese
    for category in panel.locator(".incident-category").all_inner_texts():
        assert not ENGLISH_CODES.search(category), category
    desktop.screenshot("first-week-building-with-dispute")
    here.click()
    expect(page.locator(".dispute-detail .dispute-head")).to_contain_text(marker)
    assert not desktop.errors, desktop.errors


def test_visit_history_shows_the_items_done_and_the_author_corrects_it(desktop, known, marker):  # noqa: F811
    resident = known["resident"]
    open_household(desktop, resident)
    page = desktop.page
    household = f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]'
    page.locator(f"{household} [data-action=visit]").click()
    form = page.locator("form.visit-form")
    form.locator("input[name=verify_hukou]").check()
    form.locator("input[name=explain_fraud]").check()
    form.locator("textarea[name=notes]").fill(marker)
    form.locator("button[type=submit]").click()
    mine = page.locator(f"{household} .visits-detailed li.visit", has_text=marker)
    expect(mine.locator(".visit-checklist")).to_contain_text("三必核 核户籍信息")
    expect(mine.locator(".visit-checklist")).to_contain_text("五必宣 宣防范电信诈骗")
    assert "四必访" not in mine.locator(".visit-checklist").inner_text()
    # older visits (seeded, more than 24 h ago) show what was done but offer no 更正
    others = page.locator(f"{household} .visits-detailed li.visit").filter(has_not_text=marker)
    assert others.locator("[data-action=correct-visit]").count() == 0
    desktop.screenshot("first-week-visit-history")
    mine.locator("[data-action=correct-visit]").click()
    form = page.locator("form.visit-correct-form")
    expect(form.locator("input[name=verify_hukou]")).to_be_checked()
    expect(form.locator("textarea[name=notes]")).to_have_value(marker)
    form.locator("input[name=explain_fraud]").uncheck()
    form.locator("input[name=ask_minors]").check()
    form.locator("button[type=submit]").click()
    mine = page.locator(f"{household} .visits-detailed li.visit", has_text=marker)
    expect(mine.locator(".visit-checklist")).to_contain_text("四必访 访未成年人教育")
    expect(mine.locator(".visit-checklist")).not_to_contain_text("宣防范电信诈骗")
    expect(page.locator(f"{household} .visits-detailed li.visit", has_text=marker)).to_have_count(1)
    assert not desktop.errors, desktop.errors


# A building with residents of other stations' beats (officer1 sees none of them), and its beat's officers.
FOREIGN_BUILDING = """
SELECT b.id, b.address, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, bt.code, s.name AS station,
       (SELECT string_agg(u.display_name, '、' ORDER BY u.display_name) FROM beat_member m
        JOIN app_user u ON u.id = m.user_id AND u.active WHERE m.beat_id = bt.id AND m.duty = 'officer') AS officers
FROM building b
JOIN beat bt ON ST_Covers(bt.geom, b.centroid)
JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published'
JOIN station s ON s.id = p.station_id
WHERE EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id)
  AND NOT EXISTS (SELECT 1 FROM household h JOIN beat_member m ON m.beat_id = h.beat_id
                  JOIN app_user u ON u.id = m.user_id AND u.username = 'officer1' WHERE h.building_id = b.id)
  AND EXISTS (SELECT 1 FROM beat_member m WHERE m.beat_id = bt.id AND m.duty = 'officer')
ORDER BY b.id
LIMIT 1
"""


def test_a_building_of_another_beat_shows_whom_to_ask(desktop, e2e_settings):
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            building = conn.execute(text(FOREIGN_BUILDING)).mappings().one()
    finally:
        engine.dispose()
    desktop.login("officer1")
    page = desktop.page
    page.evaluate("([lon, lat]) => window.holomap.lookupAt(lon, lat)", [building["lon"], building["lat"]])
    owner = page.locator(".panel-body .building-owner")
    expect(owner).to_be_visible()
    expect(page.locator(".panel-title")).to_have_text(building["address"])
    expect(owner.locator(".owner-beat h3").first).to_contain_text(building["code"])
    expect(owner.locator(".owner-officers").first).to_have_text(building["officers"])
    expect(owner).to_contain_text(building["station"])
    assert owner.locator(".hh-card").count() == 0
    desktop.screenshot("first-week-foreign-building")
    assert not desktop.errors, desktop.errors


def test_empty_submits_name_the_missing_field_in_chinese_without_a_request(desktop, known):
    page = desktop.page
    page.goto(desktop.base + "/")
    login = page.locator("form.login-card")
    login.locator("button[type=submit]").click()
    expect(login.locator(".field-error")).to_have_text(["请填写用户名", "请填写密码"])
    resident = known["resident"]
    open_household(desktop, resident)
    household = f'.hh-card.hh-focus[data-household="{resident["household_id"]}"]'
    sent: list[str] = []
    page.on("request", lambda r: r.method in ("POST", "PATCH") and sent.append(r.url))
    # 登记纠纷 without a title
    page.locator(f"{household} [data-action=dispute]").click()
    form = page.locator("form.dispute-form")
    form.locator("button[type=submit]").click()
    expect(form.locator(".field-missing .field-error")).to_have_text("请填写纠纷标题")
    expect(form.locator("input[name=title]")).to_be_focused()
    form.locator("input[name=title]").fill("x")
    expect(form.locator(".field-error")).to_have_count(0)  # typing clears it
    desktop.screenshot("first-week-empty-dispute")
    page.locator(".panel-back").click()
    # 记录走访 with nothing checked and no notes
    page.locator(f"{household} [data-action=visit]").click()
    form = page.locator("form.visit-form")
    form.locator("button[type=submit]").click()
    expect(form.locator(".field-error")).to_have_text("请至少勾选一项走访事项，或填写走访情况")
    page.locator(".panel-back").click()
    # 登记人员 with nothing filled in
    page.locator(f"{household} [data-action=register-person]").click()
    form = page.locator("form.person-form")
    form.locator("button[type=submit]").click()
    expect(form.locator(".field-error").first).to_contain_text("请填写")
    assert form.locator(".field-error").count() >= 2
    desktop.screenshot("first-week-empty-person")
    assert sent == [], sent
    assert not desktop.errors, desktop.errors
