"""The admin 数据管理 screen: a people CSV with one broken row, validated in dry-run mode, shows that row in
the report (row · column · value · reason) and writes nothing; a boundary file with one self-intersecting
building writes nothing unless 只导入有效要素 is chosen, and then writes the valid ones and lists the skipped one.

The boundary test writes through the real API; the buildings it made are deleted afterwards (found by their
standard address code).
"""
import json
import re
import secrets

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

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
    # the file button and the file's name in Chinese whatever the browser's language (was "Choose File")
    expect(form.locator(".file-pick")).to_have_text("选择文件")
    expect(form.locator(".file-name")).to_have_text("未选择文件")
    form.locator("input[name=file]").set_input_files({"name": "people.csv", "mimeType": "text/csv", "buffer": csv})
    expect(form.locator(".file-name")).to_have_text("people.csv")
    form.locator("input[name=mode][value=dry_run]").check()
    form.locator("button[type=submit]").click()
    report = page.locator(".import-report")
    expect(report).to_have_attribute("data-written", "false")
    row = report.locator("tr.report-row[data-row='3']")
    expect(row).to_contain_text("公民身份号码")
    expect(row).to_contain_text("身份证号校验位错误")
    assert not re.search(r"[A-Za-z]{4,}", row.inner_text()), row.inner_text()  # no English server text
    expect(report.locator("tr.report-row")).to_have_count(1)
    # the tally by problem name, in Chinese (it was keyed by the first word of the bilingual reason)
    expect(report.locator(".report-tally")).to_have_text("问题分类：身份证号校验位错误 1")
    assert not re.search(r"[A-Za-z]{4,}", report.inner_text()), report.inner_text()  # nowhere in the report
    assert row.locator("td").last.get_attribute("title") is None  # no bilingual reason on hover either
    desktop.screenshot("admin-import-dry-run")
    page.locator(".seg-btn[data-tab=audit]").click()
    expect(page.locator(".audit-table, .audit-missing").first).to_be_visible()
    desktop.screenshot("admin-audit")
    assert not desktop.errors, desktop.errors


# Three points well inside the village around officer1's known building (deterministic: seeded generator).
POINTS_IN_VILLAGE = """
SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
FROM village v,
     LATERAL ST_Dump(ST_GeneratePoints(ST_Buffer(v.geom, -0.0002), 3, 7)) d
WHERE ST_Covers(v.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY d.path
"""


@pytest.fixture()
def boundary_marker(e2e_settings, known):
    """A unique standard-address-code prefix and three points in a village; its buildings are deleted after."""
    marker = f"E2EBND{secrets.token_hex(3).upper()}"
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            points = conn.execute(text(POINTS_IN_VILLAGE), {"lon": known["resident"]["lon"],
                                                            "lat": known["resident"]["lat"]}).all()
        if len(points) < 3:
            pytest.fail("no village with room for three test buildings around officer1's building")
        yield {"marker": marker, "points": [(p.lon, p.lat) for p in points], "engine": engine}
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM building WHERE std_address_code LIKE :m"), {"m": f"{marker}%"})
    finally:
        engine.dispose()


def boundary_file(marker: str, points: list[tuple[float, float]]) -> bytes:
    """Two small square footprints and, third, a self-intersecting (bow-tie) one."""
    d = 0.00004  # ≈ 4 m
    features = []
    for i, (lon, lat) in enumerate(points):
        ring = ([[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]] if i == 2
                else [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]])
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"地址": f"边界端到端测试路{i + 1}号", "标准地址编码": f"{marker}{i + 1}",
                                        "层数": 2}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def test_admin_boundaries_valid_features_only(desktop, boundary_marker):
    marker, engine = boundary_marker["marker"], boundary_marker["engine"]

    def stored() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM building WHERE std_address_code LIKE :m"),
                                {"m": f"{marker}%"}).scalar_one()

    desktop.login("admin")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据管理").click()
    page.locator(".seg-btn[data-tab=boundaries]").click()
    form = page.locator("form.boundary-import")
    expect(form.locator("label.check", has=page.locator("input[name=repair]"))).to_contain_text("修复")
    valid_only = form.locator("input[name=valid_only]")
    expect(form.locator("label.check", has=page.locator("input[name=valid_only]"))).to_contain_text("只导入有效要素")
    expect(valid_only).not_to_be_checked()
    form.locator("input[name=file]").set_input_files({
        "name": "e2e-buildings.geojson", "mimeType": "application/geo+json",
        "buffer": boundary_file(marker, boundary_marker["points"])})
    form.locator("select[name=layer]").select_option("buildings")
    form.locator("button[type=submit]").click()

    # All or nothing (the default): nothing written, the bow-tie reported with its reason.
    report = page.locator(".import-report")
    expect(report).to_have_attribute("data-written", "false")
    expect(report.locator("tr.report-row")).to_have_count(1)
    bad = report.locator("tr.report-row[data-row='3']")
    expect(report.locator(".report-message")).to_have_text("未导入：3 个要素中有 1 个要素有问题")
    expect(bad).to_contain_text("几何图形")
    expect(bad).to_contain_text("边界自相交")  # GEOS's "Self-intersection", in words
    assert not re.search(r"[A-Za-z]{4,}", bad.inner_text()), bad.inner_text()
    expect(report.locator(".report-skipped")).to_have_count(0)
    assert stored() == 0
    desktop.screenshot("admin-boundaries-all-or-nothing")

    # Valid features only: the two squares are written, the bow-tie is skipped and still listed.
    valid_only.check()
    form.locator("button[type=submit]").click()
    expect(report).to_have_attribute("data-written", "true")
    expect(report).to_have_attribute("data-mode", "valid_only")
    expect(report.locator(".report-skipped")).to_contain_text("1 个有问题的要素")
    expect(report.locator("tr.report-row")).to_have_count(1)
    expect(report.locator("tr.report-row[data-row='3']")).to_contain_text("边界自相交")
    counts = report.locator(".report-counts tbody tr")
    expect(counts).to_have_count(1)
    expect(counts.first.locator("td")).to_have_text(["房屋", "2", "0", "0"])
    expect(report.locator(".report-figures")).to_contain_text("问题要素")
    assert stored() == 2
    report.locator(".report-errors").scroll_into_view_if_needed()
    desktop.screenshot("admin-boundaries-valid-only")
    assert not desktop.errors, desktop.errors


def test_admin_organisations_import_dry_run_shows_the_broken_row(desktop, known):
    """单位导入: the template downloads in Chinese; a sheet with a bad credit code, validated in dry-run mode,
    lists that row's problems in Chinese and writes nothing."""
    address = known["resident"]["address"]
    csv = ("统一社会信用代码,单位名称,单位类型,地址,楼层\n"
           f"91370000MA3C4XKG19,惠民便利店,商店,{address},1\n"
           f"91370000MA3C4XKG10,平安饭店,钢铁厂,{address},0\n").encode()
    desktop.login("admin")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据管理").click()
    page.locator(".seg-btn[data-tab=organisations]").click()
    form = page.locator("form.organisation-import")
    with page.expect_download() as download:
        form.locator("button.template-download").click()
    assert download.value.suggested_filename == "实有单位导入模板.csv"
    assert "统一社会信用代码,单位名称,单位类型" in open(download.value.path(), encoding="utf-8-sig").readline()
    form.locator("input[name=file]").set_input_files({"name": "单位.csv", "mimeType": "text/csv", "buffer": csv})
    form.locator("input[name=mode][value=dry_run]").check()
    form.locator("button[type=submit]").click()
    report = page.locator(".import-report")
    expect(report).to_have_attribute("data-written", "false")
    rows = report.locator("tr.report-row[data-row='3']")
    expect(rows).to_have_count(3)  # the row's three problems, in one pass
    expect(report.locator("tr.report-row")).to_have_count(3)
    for words in ("统一社会信用代码无效：校验位错误", "不是允许的值", "楼层不能为 0"):
        expect(rows.filter(has_text=words)).to_have_count(1)
    assert not re.search(r"[A-Za-z]{4,}", report.locator("table.report-errors").inner_text())
    desktop.screenshot("admin-organisations-import")
    assert not desktop.errors, desktop.errors


def test_admin_employees_sheet_template_and_report_in_chinese(desktop, known):
    """单位导入 › 从业人员: the employees template downloads in Chinese; a sheet naming an organisation that is not
    registered and a bad ID number, validated in dry-run mode, lists those problems in Chinese, writes nothing."""
    csv = ("统一社会信用代码,单位名称,地址,姓名,公民身份号码,岗位\n"
           "91370000MA3C4XKG19,,,李某,371602199001011234,店员\n"
           f",没有这个单位,{known['resident']['address']},王某,37160219900101123X,厨师\n").encode()
    desktop.login("admin")
    page = desktop.page
    page.locator(".nav-tab", has_text="数据管理").click()
    page.locator(".seg-btn[data-tab=organisations]").click()
    form = page.locator("form.organisation-import")
    form.locator("select[name=sheet]").select_option("employees")
    expect(form.locator(".sheet-hint")).to_contain_text("从业人员")
    with page.expect_download() as download:
        form.locator("button.template-download").click()
    assert download.value.suggested_filename == "从业人员导入模板.csv"
    assert "姓名,公民身份号码,岗位,入职日期" in open(download.value.path(), encoding="utf-8-sig").readline()
    form.locator("input[name=file]").set_input_files({"name": "从业人员.csv", "mimeType": "text/csv", "buffer": csv})
    form.locator("input[name=mode][value=dry_run]").check()
    form.locator("button[type=submit]").click()
    report = page.locator(".import-report")
    expect(report).to_have_attribute("data-written", "false")
    expect(report.locator("tr.report-row[data-row='3']").filter(has_text="找不到该单位")).to_have_count(1)
    expect(report.locator("tr.report-row[data-row='2']").filter(has_text="身份证号校验位错误")).to_have_count(1)
    assert not re.search(r"[A-Za-z]{4,}", report.locator("table.report-errors").inner_text())
    desktop.screenshot("admin-employees-import")
    assert not desktop.errors, desktop.errors
