"""The admin 数据管理 screen: a people CSV with one broken row, validated in dry-run mode, shows that row in
the report (row · column · value · reason) and writes nothing."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(body17: str) -> str:
    """A GB 11643 number: the 17 digits and their check character."""
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True)) % 11]


def test_admin_dry_run_shows_the_broken_row(desktop, known):
    address = known["resident"]["address"]
    good = id_number("11010119900307123")  # Beijing Dongcheng: a region the demo seed does not use
    broken = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    csv = (f"姓名,公民身份号码,地址,单元,楼层,房号\n"
           f"张三,{good},{address},1,1,101\n"
           f"李四,{broken},{address},1,1,102\n").encode()
    desktop.login("admin")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据管理").click()
    form = page.locator("form.people-import")
    form.locator("input[name=file]").set_input_files({"name": "people.csv", "mimeType": "text/csv", "buffer": csv})
    form.locator("input[name=mode][value=dry_run]").check()
    form.locator("button[type=submit]").click()
    report = page.locator(".import-report")
    expect(report).to_have_attribute("data-written", "false")
    row = report.locator("tr.report-row[data-row='3']")
    expect(row).to_contain_text("公民身份号码")
    expect(row).to_contain_text("校验")
    expect(report.locator("tr.report-row")).to_have_count(1)
    desktop.screenshot("admin-import-dry-run")
    page.locator(".seg-btn[data-tab=audit]").click()
    expect(page.locator(".audit-table, .audit-missing").first).to_be_visible()
    desktop.screenshot("admin-audit")
    assert not desktop.errors, desktop.errors
