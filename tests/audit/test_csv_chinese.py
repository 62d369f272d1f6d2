"""The audit CSV speaks Chinese: 操作, 对象类型, 结果 and 说明 are worded on the server exactly as the web app
words them (the same rows rendered by node from frontend/js give the same text), with the codes kept."""
import csv
import io
import json
import re
import subprocess
import uuid
from pathlib import Path

from sqlalchemy import text

from api.audit import reason_text
from api.labels import labels

ROOT = Path(__file__).resolve().parents[2]

ROWS = [  # (reason_code, reason_params, reason typed by a person)
    ("audit.page", {"rows": 88, "offset": 1200, "filters": {"action": "login", "user": "admin",
                                                           "outcome": "denied", "object_type": "person"}}, None),
    ("audit.page", {"rows": 0, "offset": 0, "filters": {}}, None),
    ("audit.export", {"rows": 12345, "filters": {"since": "2026-12-01T00:00:00+08:00"}}, None),
    ("export.rows", {"rows": 12}, "核查户籍"),
    ("plan.step", {"seq": 3, "label": "划入村"}, None),
    ("incident.warning_issued", {"warning_id": 17}, None),
    ("plan.published", {"archived_plan_id": 4, "households": 120}, None),
    ("plan.published", {"archived_plan_id": None, "households": 9}, "首次发布"),
    ("plan.beat_updated", {"from_version": 1, "to_version": 2, "fields": ["geometry", "name", "odd"]}, None),
    ("plan.assigned", {"villages": 2, "buildings": 40}, None),
    ("plan.diff_households", {"buildings": 7}, None),
    ("plan.proposed", {"balance_on": "workload", "ratio": 1.25}, None),
    ("user.created", {"username": "grid9", "role": "grid_member", "station_id": 3}, None),
    ("user.created", {"username": "lead2", "role": "leader", "station_id": None}, None),
    ("user.changed", {"changes": [{"field": "role", "old": "grid_member", "new": "auxiliary"},
                                  {"field": "active", "old": True, "new": False},
                                  {"field": "station_id", "old": 1, "new": None},
                                  {"field": "display_name", "old": "张三", "new": "张三丰"}],
                      "memberships_removed": 2}, None),
    ("user.password_reset", {"username": "grid9"}, None),
    ("beat.members_changed", {"changes": [{"field": "grid_member", "old": ["g1", "g2"], "new": ["g1", "g3"]},
                                          {"field": "auxiliary", "old": [], "new": ["aux1"]}]}, None),
    ("no_change", {}, None),
    ("photo.subject", {"subject": "household", "subject_id": 17}, None),
    ("request.denied", {"status": 403, "code": "auth.capability_missing", "params": {"capability": "audit.read"}},
     None),
    ("request.denied", {"status": 404, "code": "no.such.code", "params": {}}, None),
    ("request.denied", {"status": 404}, None),
    ("session.refused", {"code": "auth.session_expired"}, None),
    ("settings.key_person_tags", {"tags": ["elderly_alone", "left_behind_child", "unknown_tag"]}, None),
    ("settings.quality_checks", {"disabled": ["person_duplicate", "rental_no_tenants"],
                                 "days": {"expiring": 60, "visit": 180, "fire_check": 365}}, None),
    ("settings.quality_checks", {"disabled": [], "days": {"expiring": 30, "visit": 365, "fire_check": 365}}, None),
    ("import.result", {"kind": "people", "mode": "all_or_nothing", "dry_run": False, "written": True, "rows": 2500,
                       "valid_rows": 2500, "invalid_rows": 0,
                       "counts": {"person": {"inserted": 2400, "updated": 100, "unchanged": 0},
                                  "household": {"inserted": 0, "updated": 0, "unchanged": 0}}}, None),
    ("import.result", {"kind": "boundaries:buildings", "mode": "valid_only", "dry_run": True, "written": False,
                       "rows": 10, "valid_rows": 8, "invalid_rows": 2,
                       "counts": {"buildings": {"inserted": 8}, "repaired": {"n": 1}}}, None),
    ("import.result", {"kind": "people", "mode": "all_or_nothing", "rows": 10, "invalid_rows": 3}, None),
    ("import.result", {"kind": "people", "rows": 0}, None),
    ("import.summary_legacy", {"summary": "旧的导入说明"}, None),
    ("login.wrong_password", {}, None),
    ("login.locked", None, None),
    ("not.known.yet", {}, "自由文字"),
    (None, None, "只有自由文字"),
    (None, None, None),
]
ACTIONS = [*labels()["admin"]["audit_actions"], "GET /api/people/{person_id}", "DELETE /api/x",
           "dispute.status.resolved", "dispute.event.return_visit", "made_up", ""]

NODE = """
import { auditReason } from './frontend/js/ui/audit-reason.js';
import { auditAction } from './frontend/js/screens/admin.js';
import { label, loadLabels } from './frontend/js/i18n/index.js';
import { SCREENS } from './frontend/js/screens/index.js';
await loadLabels(...SCREENS.find((s) => s.id === 'admin').labels); // as the 审计日志 screen has them
const input = JSON.parse(process.argv[1]);
console.log(JSON.stringify({
  reasons: input.rows.map(([reason_code, reason_params, reason]) =>
    auditReason({ reason_code, reason_params, reason })),
  actions: input.actions.map(auditAction),
  objects: input.objects.map((o) => label('admin.audit_objects', o)),
  outcomes: input.outcomes.map((o) => label('admin.audit_outcomes', o)),
}));
"""


def _node(script: str, *args: str) -> str:
    done = subprocess.run(["node", "--input-type=module", "-e", script, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout


def test_server_labels_are_the_web_apps():
    made = json.loads(subprocess.run(["node", "frontend/tools/server-labels.mjs"], cwd=ROOT, capture_output=True,
                                     text=True, timeout=60, check=True).stdout)
    assert made == labels(), "run: node frontend/tools/server-labels.mjs > api/labels_zh.json"


def test_every_sentence_of_the_web_app_has_its_server_twin():
    source = (ROOT / "frontend/js/ui/audit-reason.js").read_text()
    block = source[source.index("const SENTENCES = {"):source.index("\n};", source.index("const SENTENCES = {"))]
    web = set(re.findall(r"^  '?([a-z_.]+)'?: ", block, re.M))
    assert web and web == set(reason_text.SENTENCES)
    assert {code for code, _, _ in ROWS} >= web


def test_the_server_words_every_row_as_the_web_app_does():
    objects = [*labels()["admin"]["audit_objects"], "made_up"]
    outcomes = [*labels()["admin"]["audit_outcomes"], "made_up"]
    web = json.loads(_node(NODE, json.dumps({"rows": ROWS, "actions": ACTIONS, "objects": objects,
                                             "outcomes": outcomes}, ensure_ascii=False)))
    assert [reason_text.audit_reason(*row) for row in ROWS] == web["reasons"]
    assert [reason_text.audit_action(a) for a in ACTIONS] == web["actions"]
    assert [reason_text.audit_object(o) for o in objects] == web["objects"]
    assert [reason_text.audit_outcome(o) for o in outcomes] == web["outcomes"]
    assert web["reasons"][0] == "查看第 1,201–1,288 条（88 条）；筛选：操作 登录、用户 admin、结果 拒绝、对象类型 人员"
    assert web["actions"][-4:-2] == ["纠纷状态改为：已化解", "纠纷记事：回访"]


def test_csv_export_is_in_chinese_with_the_codes_kept(client, login, app_conn):
    who = f"t{uuid.uuid4().hex[:10]}"
    app_conn.execute(text(
        "INSERT INTO audit_log (at, username, action, object_type, object_id, outcome, reason_code, reason_params) "
        "VALUES (now(), :who, 'user.update', 'app_user', '42', 'ok', 'user.changed', CAST(:p AS jsonb)), "
        "(now() - interval '1 minute', :who, 'GET /api/people/{person_id}', 'endpoint', 'person_id=9', 'denied', "
        " 'request.denied', CAST(:d AS jsonb))"),
        {"who": who, "p": json.dumps({"changes": [{"field": "role", "old": "grid_member", "new": "auxiliary"}]}),
         "d": json.dumps({"status": 404, "code": "resource.not_found", "params": {}})})
    r = client.get("/api/audit.csv", params={"user": who}, headers=login("admin"))
    assert r.status_code == 200
    table = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    cells = ("操作", "操作代码", "对象类型", "结果", "说明", "说明代码")
    assert [tuple(row[c] for c in cells) for row in table] == [
        ("修改账户", "user.update", "账户", "成功", "角色：网格员 → 辅警", "user.changed"),
        ("读取：/api/people/{person_id}", "GET /api/people/{person_id}", "接口", "拒绝",
         reason_text.audit_reason("request.denied", {"status": 404, "code": "resource.not_found", "params": {}},
                                  None), "request.denied")]
    assert table[1]["说明"].startswith("拒绝（HTTP 404）：") and not re.search(r"[A-Za-z]{3,}", table[1]["说明"][12:])
    assert json.loads(table[0]["说明参数"])["changes"][0]["new"] == "auxiliary"
