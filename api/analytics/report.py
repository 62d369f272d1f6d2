"""The dashboard's current view as a spreadsheet (GET /api/analytics/report.xlsx): one sheet per table.

The same figures as the screen for the same filters (period, categories, hours, weekdays, station): the
comparison with 环比 and 同比 and the dates of the three periods, the monthly series, the hour × weekday
matrix, the beats and, for users holding `analytics.officers`, the officer table summed over the period.
Aggregates only; every text cell goes through api.exports.formulas (no formula injection via a beat name).
The labels are Chinese here because the file is what the user reads (the screen's come from zh-CN.js).
"""
from io import BytesIO

from sqlalchemy.orm import Session

from api.analytics import service, staffing
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import IncidentFilter
from api.config import Settings
from api.exports.formulas import inert_row

CATEGORY_NAMES = {
    "theft": "盗窃", "fraud": "诈骗", "fight": "打架斗殴", "traffic": "交通", "dispute": "纠纷",
    "disturbance": "扰乱秩序", "fire": "火情", "missing": "走失", "other": "其他",
}
ROLE_NAMES = {"officer": "社区民警", "auxiliary": "辅警", "grid_member": "网格员"}
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
OFFICER_EXPORT_LIMIT = 5_000  # the whole bureau's officers fit; more would be a different report


def _period(p: dict) -> str:
    return f"{p['start']} 至 {p['end']}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _filters_text(flt: IncidentFilter) -> str:
    parts = [f"时间：{flt.start.isoformat()} 至 {flt.end.isoformat()}"]
    if flt.categories:
        parts.append("类别：" + "、".join(CATEGORY_NAMES.get(c, c) for c in flt.categories))
    if flt.hours:
        parts.append("时段：" + ",".join(map(str, flt.hours)) + " 时")
    if flt.weekdays:
        parts.append("星期：" + "、".join(WEEKDAY_NAMES[d - 1] for d in flt.weekdays))
    return "；".join(parts)


def sheets(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, officer_scope: AnalyticsScope | None,
           settings: Settings) -> list[tuple[str, list[list]]]:
    """The report's sheets as (title, rows), the first row of each its header."""
    compare = service.comparison(session=session, flt=flt, scope=scope)
    matrix = service.hour_weekday(session=session, flt=flt, scope=scope)
    beats = staffing.beats(session, flt=flt, scope=scope)
    summary = [
        ["项目", "时间段", "警情数", "变化"],
        ["本期", _period(compare["current"]), compare["current"]["total"], ""],
        ["环比（上一周期）", _period(compare["previous"]), compare["previous"]["total"], _pct(compare["change_pct"])],
        ["同比（去年同期）", _period(compare["year_ago"]), compare["year_ago"]["total"],
         _pct(compare["year_change_pct"])],
        ["筛选条件", _filters_text(flt), "", ""],
    ]
    categories = [["警情类别", "本期", "上期（环比）", "环比", "去年同期（同比）", "同比"]] + [
        [CATEGORY_NAMES.get(c["category"], c["category"]), c["current"], c["previous"], _pct(c["change_pct"]),
         c["year_ago"], _pct(c["year_change_pct"])] for c in compare["categories"]]
    monthly = [["月份", "警情数"]] + [[m["month"], m["count"]] for m in compare["monthly"]]
    hours = [["星期 \\ 时", *[f"{h}时" for h in matrix["hours"]], "合计"]] + [
        [WEEKDAY_NAMES[k], *row, sum(row)] for k, row in enumerate(matrix["counts"])]
    hours.append(["合计", *matrix["by_hour"], matrix["total"]])
    beat_rows = [["警务区", "编号", "派出所", "警情", "上期警情", "环比", "常住人口", "每千人警情",
                  "纠纷（绿）", "纠纷（黄）", "纠纷（橙）", "纠纷（红）", "化解率"]]
    for f in beats["features"]:
        p = f["properties"]
        beat_rows.append([p["beat_name"], p["code"], p["station"], p["incidents"], p["incidents_previous"],
                          _pct(p["change_pct"]), p["residents"], p["rate_per_1000"],
                          *(p["disputes"][g] for g in staffing.GRADES),
                          None if p["resolution_rate"] is None else f"{round(p['resolution_rate'] * 100)}%"])
    result = [("概况", summary), ("分类对比", categories), ("月度", monthly), ("时段×星期", hours),
              ("警务区", beat_rows)]
    if officer_scope is not None:
        stats = staffing.officers(session, flt=flt, scope=officer_scope, settings=settings,
                                  limit=OFFICER_EXPORT_LIMIT)
        months = len(stats["months"])
        rows = [["姓名", "职责", "派出所", "警务区", "走访（次）", "走访户数（按月合计）", "重点人员户（按月合计）",
                 "走访达标月数", "调解纠纷", "信息采集", "90天覆盖率"]]
        for o in stats["officers"]:
            t = o["totals"]
            rows.append([o["officer_name"], ROLE_NAMES.get(o["role"], o["role"]), o["station"], "、".join(o["beats"]),
                         t["visits"], t["households_visited"], t["key_persons_visited"],
                         f"{t['visits_met_months']}/{months}", t["disputes_mediated"], t["information_collected"],
                         None if o["coverage_90d"] is None else f"{round(o['coverage_90d'] * 100)}%"])
        result.append(("民警工作", rows))
    return result


def workbook(sheet_rows: list[tuple[str, list[list]]]) -> bytes:
    """An .xlsx of the sheets (write-only: no formulas, text cells made inert)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in sheet_rows:
        sheet = book.create_sheet(title=title)
        for row in rows:
            sheet.append(inert_row(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
