"""Issuing the weekly report: `holomap weekly-report` (the scheduled job, owner connection, no request user) and
concurrent first requests for the same week (one row, every caller answers it). Real commits on the demo data,
removed afterwards."""
import json
import threading
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.clock import china_today
from api.reports import service

CLI_WEEK = date(2026, 11, 16)
RACE_WEEK = date(2026, 11, 9)


@pytest.fixture()
def clean_weeks(owner_engine):
    def delete() -> None:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM weekly_report WHERE week IN (:a, :b)"), {"a": CLI_WEEK, "b": RACE_WEEK})

    delete()
    yield
    delete()


def test_the_weekly_report_command_issues_every_station_and_the_bureau_once(owner_engine, settings, clean_weeks,
                                                                            capsys):
    from api import cli

    stations = owner_engine.connect().execute(text("SELECT count(*) FROM station")).scalar()
    cli.main(["weekly-report", "--week", "2026-11-18", "--url", settings.owner_url])
    out = capsys.readouterr().out
    assert f"weekly report 2026-11-16: {stations + 1} issued, 0 already issued" in out
    with owner_engine.connect() as conn:
        rows = conn.execute(text("SELECT station_id, body FROM weekly_report WHERE week = :w"), {"w": CLI_WEEK}).all()
    assert len(rows) == stations + 1 and sum(r.station_id is None for r in rows) == 1
    bureau = next(r.body for r in rows if r.station_id is None)
    assert bureau["status"] == "issued" and bureau["incidents"]["total"]["week"] > 0  # the demo data's last weeks
    assert bureau["visits"]["officers"] > 0  # counted without a request user (the owner's path)
    cli.main(["weekly-report", "--week", "2026-11-16", "--url", settings.owner_url])
    assert f"0 issued, {stations + 1} already issued" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_status:  # this week is not over: nothing to issue yet
        cli.main(["weekly-report", "--week", china_today().isoformat(), "--url", settings.owner_url])
    assert exit_status.value.code == 1 and "is not over yet" in capsys.readouterr().err


def test_concurrent_first_requests_issue_one_report(owner_engine, settings, clean_weeks):
    scope = service.ReportScope(station_id=None, code=None, name=None)
    barrier, answers, new, errors = threading.Barrier(3), [None] * 3, [None] * 3, []

    def issue(i: int) -> None:
        try:
            with Session(owner_engine) as session:
                barrier.wait()
                answers[i], new[i] = service.issue(session, start=RACE_WEEK, scope=scope, settings=settings,
                                                   user_id=None)
                session.commit()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(new) == [False, False, True]  # one insert won; the others answer its row
    assert answers[0] == answers[1] == answers[2]
    with owner_engine.connect() as conn:
        stored = conn.execute(text("SELECT body FROM weekly_report WHERE week = :w"), {"w": RACE_WEEK}).scalars().all()
    assert len(stored) == 1 and stored[0] == json.loads(answers[0])
