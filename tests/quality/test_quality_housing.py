"""数据质量 checks of housing and documents (issue 17, migration 0006): a defect made through the API is counted
and listed, fixed through the API and gone; the per-beat cache recounts only beats written to; boards read at
once by several connections agree; `holomap quality-snapshot` keeps the week's snapshot."""
import threading
from datetime import timedelta

from sqlalchemy import text

from api.clock import china_today
from tests.conftest import scalar
from tests.quality.test_quality import _cycle, _failing
from tests.visits.places import beat_of, household_in

PERSON_OF = """
SELECT p.id FROM person p JOIN household h ON h.id = p.household_id
WHERE h.beat_id = :b AND p.moved_out IS NULL AND p.residency = :r ORDER BY p.id LIMIT 1
"""


def _patch(client, headers, path, body):
    r = client.patch(path, headers=headers, json=body)
    assert r.status_code == 200, r.text


def test_permit_expiring(client, login, app_conn):
    beat = beat_of(app_conn, "officer1")
    headers = login("officer1")
    person = scalar(app_conn, PERSON_OF, b=beat, r="floating")
    today = china_today()
    _patch(client, headers, f"/api/persons/{person}", {"permit_no": "鲁居000011112222",
                                                        "permit_expires": (today + timedelta(days=300)).isoformat()})
    _cycle(client, login, beat, "person_permit_expiring", lambda: person,
           lambda: _patch(client, headers, f"/api/persons/{person}",
                          {"permit_expires": (today + timedelta(days=10)).isoformat()}),
           lambda: _patch(client, headers, f"/api/persons/{person}",
                          {"permit_expires": (today + timedelta(days=365)).isoformat()}))


def test_visa_expiring(client, login, app_conn):
    beat = beat_of(app_conn, "officer1")
    headers = login("officer1")
    person = scalar(app_conn, PERSON_OF, b=beat, r="floating")
    today = china_today()
    _patch(client, headers, f"/api/persons/{person}", {"document_kind": "passport", "document_no": "E99887766",
                                                        "visa_expires": (today + timedelta(days=90)).isoformat()})
    _cycle(client, login, beat, "person_visa_expiring", lambda: person,
           lambda: _patch(client, headers, f"/api/persons/{person}", {"visa_expires": today.isoformat()}),
           lambda: _patch(client, headers, f"/api/persons/{person}",
                          {"visa_expires": (today + timedelta(days=400)).isoformat()}))


def test_rental_without_landlord_or_lease_and_without_tenants(client, login, app_conn):
    beat = beat_of(app_conn, "officer1")
    headers = login("officer1")
    home = household_in(app_conn, beat)
    path = f"/api/households/{home.id}"
    complete = {"kind": "rental", "landlord_name": "赵房东", "lease_start": "2026-01-01", "lease_end": "2027-01-01"}
    _patch(client, headers, path, complete)
    _cycle(client, login, beat, "rental_incomplete", lambda: home.id,
           lambda: _patch(client, headers, path, {"landlord_name": None}),
           lambda: _patch(client, headers, path, {"landlord_name": "赵房东"}))
    _cycle(client, login, beat, "rental_no_tenants", lambda: home.id,
           lambda: app_conn.execute(text("UPDATE person SET moved_out = current_date WHERE household_id = :h "
                                         "AND moved_out IS NULL"), {"h": home.id}),
           lambda: _patch(client, headers, path, {"kind": "vacant"}))


def test_the_cache_recounts_only_the_beats_written_to(client, login, app_conn):
    headers = login("chief")
    board = client.get("/api/quality", headers=headers).json()
    beats = [b["id"] for b in board["beats"]]
    assert len(beats) >= 2
    counted = "SELECT beat_id, max(counted_at) FROM quality_count GROUP BY beat_id"
    first = dict(app_conn.execute(text(counted)).all())
    assert client.get("/api/quality", headers=headers).json() == board  # from the cache
    assert dict(app_conn.execute(text(counted)).all()) == first
    home = household_in(app_conn, beats[0])
    r = client.patch(f"/api/households/{home.id}", headers=headers, json={"kind": "rental"})
    assert r.status_code == 200, r.text
    # now() is the transaction's start inside the test's one transaction: compare by a marker instead
    app_conn.execute(text("UPDATE quality_count SET counted_at = counted_at - interval '1 hour'"))
    after = client.get("/api/quality", headers=headers).json()
    again = dict(app_conn.execute(text(counted)).all())
    assert [b for b in beats if again[b] != first[b] - timedelta(hours=1)] == [beats[0]]
    assert _failing(after, "rental_incomplete") == _failing(board, "rental_incomplete") + 1


def test_boards_read_at_once_agree_and_consume_the_invalidation_log(settings, owner_engine):
    """Four connections read the station's board together after writes landed in every beat: the same
    counts, no error or wait on one another, the log empty afterwards (real commits)."""
    with owner_engine.begin() as conn:
        chief = scalar(conn, "SELECT id FROM app_user WHERE username = 'chief'")
        beats = list(conn.execute(text("SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id "
                                       "AND p.status = 'published' ORDER BY b.id")).scalars())
        conn.execute(text("INSERT INTO quality_dirty (beat_id) SELECT unnest(CAST(:b AS integer[]))"), {"b": beats})
    barrier = threading.Barrier(4)
    answers: list = [None] * 4
    errors: list = []

    def read(i: int) -> None:
        try:
            _read(i)
        except Exception as e:  # noqa: BLE001 - reported below, with the thread's error
            errors.append(repr(e))

    def _read(i: int) -> None:
        with owner_engine.connect() as c, c.begin():
            c.execute(text("SELECT set_config('holomap.user_id', CAST(:u AS text), true)"), {"u": chief})
            barrier.wait()
            answers[i] = sorted(tuple(r) for r in c.execute(text(
                "SELECT * FROM holomap_quality_board(CAST(:b AS integer[]), :d)"), {"b": beats, "d": china_today()}))

    threads = [threading.Thread(target=read, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert answers[0] and all(a == answers[0] for a in answers)
    with owner_engine.connect() as conn:
        assert scalar(conn, "SELECT count(*) FROM quality_dirty WHERE beat_id = ANY(CAST(:b AS integer[]))",
                      b=beats) == 0


def test_the_snapshot_command_keeps_the_week_and_counts_the_day(owner_engine, settings, monkeypatch, capsys):
    """Run daily before work (README), it leaves every published beat counted for the day, so no board's first
    read of the day recounts (the county's all-stale first read: ~330 ms p50, the job: 17 s for 2,000 beats)."""
    from api import cli

    monkeypatch.setenv("HOLOMAP_OWNER_DATABASE_URL", settings.owner_url)
    week = china_today() - timedelta(days=china_today().weekday())
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM quality_snapshot WHERE week = :w"), {"w": week})
        conn.execute(text("DELETE FROM quality_count WHERE day = :d"), {"d": china_today()})
    cli.main(["quality-snapshot", "--url", settings.owner_url])
    assert "quality snapshot: 6 beats of 1 stations" in capsys.readouterr().out
    with owner_engine.connect() as conn:
        assert scalar(conn, "SELECT count(DISTINCT beat_id) FROM quality_snapshot WHERE week = :w", w=week) == 6
        assert scalar(conn, "SELECT count(*) FROM quality_snapshot WHERE week = :w AND check_code = "
                            "'person_permit_expiring'", w=week) > 0
        assert scalar(conn, "SELECT count(DISTINCT beat_id) FROM quality_count WHERE day = :d", d=china_today()) == 6


def test_leaders_get_the_new_checks_as_counts_only(client, login):
    r = client.get("/api/quality", headers=login("leader"), params={"station_id": 1})
    assert r.status_code == 200
    codes = {c["code"] for c in r.json()["checks"]}
    assert {"rental_incomplete", "rental_no_tenants", "person_permit_expiring", "person_visa_expiring"} <= codes
    r = client.get("/api/quality/person_permit_expiring", headers=login("leader"))
    assert r.status_code == 403


def test_quality_items_in_my_tasks_page_through_the_checks(client, login):
    from api.quality.service import TASK_ORDER

    headers = login("officer1")
    board = client.get("/api/quality", headers=headers).json()
    expected = sum(c["failing"] for c in board["checks"] if c["code"] in TASK_ORDER)
    first = client.get("/api/worklist", headers=headers, params={"section": "quality", "limit": 30}).json()
    assert "households_due" not in first and first["quality"]["total"] == expected > 30
    second = client.get("/api/worklist", headers=headers,
                        params={"section": "quality", "limit": 30, "offset": 30}).json()["quality"]["items"]
    items = first["quality"]["items"] + second
    assert len(items) == 60
    ranks = [TASK_ORDER.index(i["check"]) for i in items]
    assert ranks == sorted(ranks)  # most urgent checks first, each check's items in order
    assert len({(i["check"], i["id"]) for i in items}) == 60  # the second page continues the first
    assert "quality" not in client.get("/api/worklist", headers=headers).json()  # only when asked for
