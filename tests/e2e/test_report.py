"""研判周报 in a real browser: the leader opens the bureau's weekly report, picks a week, sees the tables (no axe
violation), and the print layout gives A4 pages (a PDF by Chromium's print-to-PDF). Reports it issues are
removed afterwards."""
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.axe import describe, violations
from tests.e2e.conftest import ARTIFACTS


@pytest.fixture()
def issued_reports_removed(e2e_settings):
    engine = create_engine(e2e_settings.owner_url)
    with engine.connect() as conn:
        last = conn.execute(text("SELECT coalesce(max(id), 0) FROM weekly_report")).scalar()
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM weekly_report WHERE id > :last"), {"last": last})
    engine.dispose()


def test_leader_opens_a_week_and_prints_it_on_a4(desktop, issued_reports_removed):
    desktop.login("leader")
    page = desktop.page
    page.goto(desktop.base + "/#/report")
    page.wait_for_selector("body[data-report=ready]", timeout=20_000)
    assert "全局（分局）研判周报" in page.locator("[data-testid=report-doc] h1").inner_text()
    page.fill("input[name=week]", "2026-11-18")  # a Wednesday: the week of Monday 16 November
    page.dispatch_event("input[name=week]", "change")
    page.wait_for_function("() => window.holomap.report.body?.week.start === '2026-11-16' "
                           "&& document.body.dataset.report === 'ready'", timeout=20_000)
    body = page.evaluate("() => window.holomap.report.body")
    assert body["status"] == "issued" and body["incidents"]["total"]["week"] > 0
    assert page.locator("[data-testid=report-incidents] tbody tr").count() == len(body["incidents"]["categories"])
    assert page.locator("[data-testid=report-trend] .report-day").count() == 28
    assert page.locator("[data-testid=report-visits] tbody tr").count() == len(body["visits"]["stations"])
    assert "2026年11月16日 至 2026年11月22日" in page.locator(".report-week").inner_text()
    desktop.screenshot("report-week")
    found = violations(page)
    assert not found, describe(found)
    page.emulate_media(media="print")
    assert page.locator(".report-controls").is_hidden() and page.locator(".topbar").is_hidden()
    desktop.screenshot("report-print")
    pdf = page.pdf(format="A4", print_background=True)
    (ARTIFACTS / "report-week.pdf").write_bytes(pdf)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 4, pages
    assert desktop.errors == [] and desktop.outside_requests() == []
