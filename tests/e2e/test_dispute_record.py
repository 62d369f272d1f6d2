"""The dispute record in a real browser (issue 19): add an applicant from search and a respondent from
outside the register (name + phone), correct grade (keyboard-operable radios) and title, and read the
history on the timeline in Chinese. The test reports its own dispute and deletes it afterwards."""
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.test_capabilities import report_dispute

CLEANUP = ["DELETE FROM dispute_event WHERE dispute_id = :id", "DELETE FROM dispute_party WHERE dispute_id = :id",
           "DELETE FROM dispute WHERE id = :id"]


@pytest.fixture()
def dispute_id(server, e2e_settings):
    found = report_dispute(server, e2e_settings, "officer1", f"e2e-record-{uuid.uuid4().hex[:8]}")
    yield found
    engine = create_engine(e2e_settings.owner_url)
    with engine.begin() as conn:
        for sql in CLEANUP:
            conn.execute(text(sql), {"id": found})
    engine.dispose()


def test_parties_grade_and_title_with_history(desktop, dispute_id, known):
    desktop.login("officer1")
    page = desktop.page
    page.wait_for_function("() => window.holomap.showDispute")
    page.evaluate("(id) => window.holomap.showDispute(id)", dispute_id)
    detail = page.locator(".dispute-detail")
    detail.wait_for()

    parties = detail.locator("[data-testid=dispute-parties]")
    parties.locator("summary").click()
    parties.locator("select[name=side]").select_option("applicant")
    parties.locator("input[name=q]").fill(known["resident"]["name"])
    parties.locator("button:has-text('查找')").click()
    parties.locator(".party-results button").first.click()
    page.wait_for_selector(".dispute-detail [data-testid=dispute-parties] li[data-side=applicant]")

    parties = page.locator(".dispute-detail [data-testid=dispute-parties]")
    parties.locator("summary").click()
    parties.locator("select[name=side]").select_option("respondent")
    parties.locator("input[name=name]").fill("外村王五")
    parties.locator("input[name=phone]").fill("13800001111")
    parties.locator("button:has-text('添加外来人员')").click()
    page.wait_for_selector(".dispute-detail li[data-side=respondent]:has-text('外村王五')")
    assert "138****1111" in page.locator(".dispute-detail li[data-side=respondent]").inner_text()

    edit = page.locator(".dispute-detail details.dispute-edit")
    edit.locator("summary").click()
    edit.locator("input[value=yellow]").focus()  # the grade radios work from the keyboard
    page.keyboard.press("ArrowRight")
    assert edit.locator("input[value=orange]").is_checked()
    edit.locator("input[name=title]").fill("邻里纠纷（更正后）")
    edit.locator("[data-action=save-edit]").click()
    page.wait_for_selector(".dispute-detail .dispute-head:has-text('邻里纠纷（更正后）')")
    timeline = page.locator(".dispute-detail ol.timeline").inner_text()
    assert "等级：黄色 → 橙色" in timeline and "标题：" in timeline and "添加当事人（被申请人）" in timeline
    assert "correction" not in timeline and "open" not in timeline
    desktop.screenshot("dispute-record")
    assert not desktop.errors, desktop.errors
