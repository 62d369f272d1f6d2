"""The audit log's 说明 is a code with values, rendered in Chinese by the web app: every code and action the
server writes has its Chinese text, and rows written before migration 0008 read back into the same codes."""
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from api.audit import legacy

ROOT = Path(__file__).resolve().parents[2]
CATALOG = (ROOT / "frontend/js/i18n/zh-CN/admin.js").read_text()  # the admin screens' labels
RENDERER = (ROOT / "frontend/js/ui/audit-reason.js").read_text()


def _api_literals(pattern: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "api").rglob("*.py"):
        found |= set(re.findall(pattern, path.read_text()))
    return found


def _block(name: str) -> str:
    start = CATALOG.index(f"\n    {name}: {{")
    return CATALOG[start:CATALOG.index("\n    },", start)]


def test_every_reason_code_the_server_writes_has_a_chinese_sentence():
    codes = _api_literals(r'reason_code="([a-z_.]+)"') | _api_literals(r'reason="(login\.[a-z_]+)"')
    codes |= {legacy.read(action, reason)["reason_code"] for action, reason, _ in OLD_ROWS}  # old rows' codes
    assert {"audit.page", "request.denied", "user.changed", "login.wrong_password", "import.result"} <= codes
    logins = _block("audit_reasons")
    missing = [c for c in codes if not (c.startswith("login.") and f"{c[6:]}:" in logins)
               and f"'{c}':" not in RENDERER and f"{c}:" not in RENDERER]
    assert not missing, f"add these codes to SENTENCES in frontend/js/ui/audit-reason.js: {missing}"


def test_every_action_the_server_writes_has_a_chinese_name():
    actions = {a for a in _api_literals(r'action="([a-z_.]+)"') if a not in ("store_true", "ignore")}
    names = _block("audit_actions")
    missing = sorted(a for a in actions if f"'{a}':" not in names and f" {a}:" not in names)
    assert not missing, f"add these actions to admin.audit_actions in frontend/js/i18n/zh-CN/admin.js: {missing}"


OLD_ROWS = [  # (action, reason as the server wrote it before 0008) → (code, params, typed text left)
    ("audit.read", "88 rows from 0; filters action=login, user=admin",
     ("audit.page", {"rows": 88, "offset": 0, "filters": {"action": "login", "user": "admin"}}, None)),
    ("audit.export", "3 rows; filters ", ("audit.export", {"rows": 3, "filters": {}}, None)),
    ("export_residents_revealed", "12 rows; 核查户籍", ("export.rows", {"rows": 12}, "核查户籍")),
    ("plan.undo", "step 4: 划入 2 个村", ("plan.step", {"seq": 4, "label": "划入 2 个村"}, None)),
    ("plan.approve", "同意; archived plan 3; 120 households reassigned",
     ("plan.published", {"archived_plan_id": 3, "households": 120}, "同意")),
    ("plan.publish", "archived plan None; 9 households reassigned",
     ("plan.published", {"archived_plan_id": None, "households": 9}, None)),
    ("plan.beat.update", "v1→v2: geometry,name",
     ("plan.beat_updated", {"from_version": 1, "to_version": 2, "fields": ["geometry", "name"]}, None)),
    ("plan.assign", "villages=[3, 4] buildings=0", ("plan.assigned", {"villages": 2, "buildings": 0}, None)),
    ("plan.diff.households", "buildings=[1, 2, 3]", ("plan.diff_households", {"buildings": 3}, None)),
    ("plan.propose", "balance_on=residents ratio=1.18",
     ("plan.proposed", {"balance_on": "residents", "ratio": "1.18"}, None)),
    ("user.create", "username: zhang; role: officer; station_id: 2",
     ("user.created", {"username": "zhang", "role": "officer", "station_id": "2"}, None)),
    ("user.update", "role: grid_member → auxiliary; beat memberships removed: 2",
     ("user.changed", {"changes": [{"field": "role", "old": "grid_member", "new": "auxiliary"}],
                       "memberships_removed": 2}, None)),
    ("user.update", "no change", ("no_change", {}, None)),
    ("user.password_reset", "one-time password issued for officer6; sessions ended",
     ("user.password_reset", {"username": "officer6"}, None)),
    ("beat.members", "grid_member: grid1, grid2 → grid1, grid3",
     ("beat.members_changed", {"changes": [{"field": "grid_member", "old": "grid1, grid2", "new": "grid1, grid3"}]},
      None)),
    ("photo.create", "visit 12", ("photo.subject", {"subject": "visit", "subject_id": 12}, None)),
    ("GET /api/lookup", "404: building 7 not found in your beats", ("request.denied", {"status": 404}, None)),
    ("login", "wrong password; locked now", ("login.wrong_password_locked", {}, None)),
    ("session.refresh", "auth.refresh_reused", ("session.refused", {"code": "auth.refresh_reused"}, None)),
    ("settings.key_person_tags", "elderly_alone,key_person",
     ("settings.key_person_tags", {"tags": ["elderly_alone", "key_person"]}, None)),
    ("import_people", "未导入 nothing imported: 2 of 88 rows have problems; fix them",
     ("import.summary_legacy", {"summary": "未导入"}, None)),
]


@pytest.mark.parametrize(("action", "reason", "expected"), OLD_ROWS, ids=[r[1][:30] for r in OLD_ROWS])
def test_an_old_rows_english_sentence_reads_back_into_its_code(action, reason, expected):
    code, params, typed = expected
    assert legacy.read(action, reason) == {"reason_code": code, "reason_params": params, "reason": typed}


def test_text_a_person_typed_is_left_as_it_is():
    assert legacy.read("reveal_id_number", "核查身份 rows") == {}
    assert legacy.read("plan.submit", "请审批") == {}


def test_the_log_shows_old_rows_by_their_codes(client, login, app_conn):
    who = f"t{uuid.uuid4().hex[:10]}"
    for action, reason, _ in OLD_ROWS:
        app_conn.execute(text("INSERT INTO audit_log (username, action, outcome, reason) VALUES (:u, :a, 'ok', :r)"),
                         {"u": who, "a": action, "r": reason})
    app_conn.execute(text("INSERT INTO audit_log (username, action, outcome, reason) VALUES (:u, 'reveal_id_number', "
                          "'ok', '核查 13812345678')"), {"u": who})
    body = client.get("/api/audit", params={"user": who, "limit": 50}, headers=login("admin")).json()
    rows = body["rows"]
    assert len(rows) == len(OLD_ROWS) + 1
    assert {r["reason_code"] for r in rows[1:]} == {code for _, _, (code, _, _) in OLD_ROWS}
    typed = rows[0]
    assert typed["reason_code"] is None and typed["reason"].startswith("核查 ") and "13812345678" not in typed["reason"]
