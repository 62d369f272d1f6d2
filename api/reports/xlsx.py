"""The weekly report as XLSX tables (GET /api/reports/weekly.xlsx): the same figures as the JSON, one sheet per
section, written by api.analytics.report.workbook (openpyxl write-only, text cells made inert). The labels are
Chinese here because the file is what the user reads (the screen's come from zh-CN.js)."""
from api.analytics.report import CATEGORY_NAMES, ROLE_NAMES, workbook

GRADE_NAMES = {"red": "红色", "orange": "橙色", "yellow": "黄色", "green": "绿色"}
STATUS_NAMES = {"new": "新出现", "persisting": "持续"}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def sheets(body: dict) -> list[tuple[str, list[list]]]:
    """The report's sheets as (title, rows), the first row of each its header."""
    week, inc = body["week"], body["incidents"]
    scope = "全局（分局）" if body["station"] is None else f"{body['station']['code']} {body['station']['name']}"
    periods = inc["periods"]
    summary = [
        ["项目", "内容"], ["范围", scope], ["周次", f"{week['iso']}（{week['start']} 至 {week['end']}）"],
        ["状态", "已签发" if body["status"] == "issued" else "本周未结束（临时）"], ["生成时间", body["generated_at"]],
        ["同比周", f"{periods['last_year']['start']} 至 {periods['last_year']['end']}"],
        ["环比（前4周）", f"{periods['previous_4w']['start']} 至 {periods['previous_4w']['end']}"],
    ]
    header = ["警情类别", "本周", "去年同周", "同比", "前4周合计", "前4周周均", "环比（对周均）"]

    def figures(name: str, f: dict) -> list:
        return [name, f["week"], f["last_year"], _pct(f["year_change_pct"]), f["previous_4w"],
                f["previous_4w_mean"], _pct(f["change_pct"])]

    incidents = [header, *[figures(CATEGORY_NAMES.get(c["category"], c["category"]), c) for c in inc["categories"]],
                 figures("合计", inc["total"])]
    trend = [["日期", "警情数"], *[[d["day"], d["count"]] for d in body["trend"]]]
    hot = body["hotspots"]
    hotspots = [["状态", "置信度", "Gi* z", "近28天警情", "前28天警情", "警务区", "经度", "纬度"],
                *[[STATUS_NAMES[c["status"]], "99%" if c["class"] == "hot99" else "95%", c["z"], c["count"],
                   c["count_before"], " ".join(filter(None, (c["beat_code"], c["beat_name"]))) or "—",
                   c["lon"], c["lat"]] for c in hot["cells"]],
                ["合计", f"新出现 {hot['new']}，持续 {hot['persisting']}，消失 {hot['ended']}", "", "", "", "", "", ""]]
    warn = body["warnings"]
    warnings = [["警情类别", "本周发布预警", "覆盖户数", "周末仍生效"],
                *[[CATEGORY_NAMES.get(g["category"], g["category"]), g["issued"], g["households"], g["active_at_end"]]
                  for g in warn["categories"]],
                ["合计", warn["issued"], warn["households"], warn["active_at_end"]]]
    dis = body["disputes"]
    disputes = [["等级", "本周受理", "周末未化解", "其中超期", "回访逾期"],
                # (reports issued before return_visits_late existed stay as issued: shown as —)
                *[[GRADE_NAMES[g["grade"]], g["reported"], g["open"], g["overdue"], g.get("return_visits_late", "—")]
                  for g in dis["grades"]],
                ["合计", dis["reported"], dis["open"], dis["overdue"], dis.get("return_visits_late", "—")]]
    v = body["visits"]
    target = (f"月目标 {v['target']} 户（截至 {v['as_of']} 应达 {v['pace_target']} 户），"
              f"重点人员 {v['key_person_target']} 户")
    if v["rows"] is not None:
        visits = [["姓名", "职责", "警务区", "本周走访（次）", "本周走访户数", "本月走访户数", "本月重点人员户",
                   "已达月目标", "进度达标", "重点人员达标"],
                  *[[o["name"], ROLE_NAMES.get(o["role"], o["role"]), "、".join(o["beats"]), o["week_visits"],
                     o["week_households"], o["month_households"], o["month_key_households"], _yes(o["met"]),
                     _yes(o["on_pace"]), _yes(o["key_met"])] for o in v["rows"]]]
    else:
        visits = [["派出所", "民警辅警人数", "本周走访（次）", "本周走访户数", "本月走访户数", "已达月目标",
                   "进度达标", "重点人员达标"],
                  *[[f"{s['station_code']} {s['station_name']}", s["officers"], s["week_visits"], s["week_households"],
                     s["month_households"], s["met"], s["on_pace"], s["key_met"]] for s in v["stations"]]]
    visits.append([target])
    return [("概况", summary), ("警情同比环比", incidents), ("28天趋势", trend), ("热点", hotspots),
            ("近重复预警", warnings), ("矛盾纠纷", disputes), ("走访", visits)]


def report_xlsx(body: dict) -> bytes:
    """The .xlsx of the report."""
    return workbook(sheets(body))
