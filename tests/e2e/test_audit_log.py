"""The 审计日志 tab: Chinese action and outcome names, pages, filters and a CSV export that is audited."""
import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e


def test_audit_log_pages_filters_and_exports_in_chinese(desktop, e2e_settings):
    who = f"e2e{uuid.uuid4().hex[:10]}"  # 130 rows of a user of its own, to page through
    engine = create_engine(e2e_settings.owner_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (username, action, object_type, object_id, outcome) "
                          "SELECT :who, 'GET /api/lookup', 'endpoint', g::text, 'denied' "
                          "FROM generate_series(1, 130) g"), {"who": who})
    desktop.login("admin")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据管理").click()
    page.locator(".seg-btn[data-tab=audit]").click()
    table = page.locator(".audit-table")
    expect(table).to_be_visible()
    # the admin's own sign-in is a row: its action and outcome in Chinese, not 'login' / 'ok'
    form = page.locator("form.audit-filters")
    form.locator("input[name=user]").fill("admin")
    form.locator("input[name=action]").fill("login")
    form.locator("button[type=submit]").click()
    expect(table.locator("td.audit-action").first).to_have_text("登录")
    expect(table.locator("td.audit-outcome").first).to_have_text("成功")
    assert table.locator("td.audit-action", has_text="login").count() == 0
    # 130 rows: 下一页 moves on and 上一页 comes back; a refused request reads as its verb and path
    form.locator("input[name=user]").fill(who)
    form.locator("input[name=action]").fill("")
    form.locator("button[type=submit]").click()
    expect(page.locator(".audit-range")).to_have_text("第 1–100 条，共 130 条（最新在前）")
    expect(table.locator("td.audit-action").first).to_have_text("读取：/api/lookup")
    expect(table.locator("td.audit-outcome").first).to_have_text("拒绝")
    page.locator(".audit-next").click()
    expect(page.locator(".audit-range")).to_have_text("第 101–130 条，共 130 条（最新在前）")
    expect(page.locator(".audit-next")).to_be_disabled()
    expect(page.locator(".audit-prev")).to_be_enabled()
    desktop.screenshot("admin-audit-page2")
    # filter and export: the browser saves a CSV, and the export is itself a row of the log
    form.locator("input[name=user]").fill("admin")
    form.locator("input[name=action]").fill("login")
    with page.expect_download() as info:
        page.locator(".audit-export").click()
    download = info.value
    assert download.suggested_filename.startswith("audit-") and download.suggested_filename.endswith(".csv")
    body = open(download.path(), encoding="utf-8-sig").read()
    assert body.startswith("时间,") and ",admin,登录,login," in body  # the Chinese name, then the code
    expect(page.locator(".audit-export-status")).to_contain_text("已导出")
    try:
        with engine.connect() as conn:
            reason = conn.execute(text("SELECT reason_params FROM audit_log WHERE action = 'audit.export' "
                                       "AND username = 'admin' ORDER BY id DESC LIMIT 1")).scalar_one()
    finally:
        engine.dispose()
    assert reason["filters"] == {"action": "login", "user": "admin"}
    page.locator(".audit-export").click()  # a second export, then the log shows the first by its Chinese name
    form.locator("input[name=action]").fill("audit.export")
    form.locator("button[type=submit]").click()
    expect(table.locator("td.audit-action").first).to_have_text("导出审计日志")
    # 说明 in Chinese from the row's code and values (was "13 rows; filters action=login, user=admin")
    expect(table.locator("td.reason").first).to_have_text(re.compile(r"^导出 \d+ 条；筛选：用户 admin、操作 登录$"))
    desktop.screenshot("admin-audit-export")
    assert not desktop.errors, desktop.errors
