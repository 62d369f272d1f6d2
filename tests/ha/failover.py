"""The failover test of the rehearsal cluster (`make test-ha`; scripts/ha-up.sh must have run).

Under a mixed load through nginx — officers writing visits (each with its own Idempotency-Key, re-sent
until acknowledged, as the offline outbox does) and map reads (OGC items, served from the standby) — the
Patroni leader's postgres is killed with SIGKILL. Then:
  * writes must resume within 30 s (goal 15 s), counted from the kill to the first acknowledged write;
  * no acknowledged write may be lost: every visit id answered 201 is read back from the new primary;
  * reads keep answering during the switch (they are on the standby, which is then promoted);
  * the old leader rejoins as a replica and streams from the new one;
  * one app host is stopped: nginx keeps serving every request from the other.
Figures are printed; the exit status is 0 only when every check holds. Not part of `make test` (pytest):
it needs the cluster, and kills part of it.
"""
import json
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from api.db import libpq_url

ROOT = Path(__file__).resolve().parents[2]
HA_DIR = Path(os.environ.get("HOLOMAP_HA_DIR", ROOT / ".holomap-ha"))
NGINX = f"http://127.0.0.1:{os.environ.get('HOLOMAP_HA_NGINX_PORT', '8110')}"
API_PORTS = os.environ.get("HOLOMAP_HA_API_PORTS", "8441 8442").split()
APP_PORTS = os.environ.get("HOLOMAP_HA_APP_PORTS", "8111 8112").split()
RESUME_LIMIT_S, RESUME_GOAL_S = 30.0, 15.0
WRITERS, READERS = 4, 4


def env() -> dict:
    values = {}
    for line in (HA_DIR / "holomap_ha.env").read_text().splitlines():
        key, _, value = line.partition("=")
        values[key] = value
    return values


def patroni(port: str) -> dict:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return {}


def leader_node() -> tuple[int, str] | None:
    for i, port in enumerate(API_PORTS):
        if patroni(port).get("role") in ("master", "primary"):
            return i + 1, port
    return None


def owner_rows(sql: str, params: dict) -> list[tuple]:
    with psycopg.connect(libpq_url(env()["HOLOMAP_OWNER_DATABASE_URL"]), connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()


class Load:
    """Writers and readers through nginx, recording every answer with its time."""

    def __init__(self, token: str, households: list[int]):
        self.headers = {"Authorization": f"Bearer {token}"}
        self.households = households
        self.stop = threading.Event()
        self.acked: list[tuple[float, float, int]] = []  # (time sent, time acknowledged, visit id)
        self.write_errors: list[tuple[float, int]] = []  # (time, status; 0 = no answer)
        self.reads: list[tuple[float, int, float]] = []  # (time, status, seconds)
        self.lock = threading.Lock()

    def writer(self, n: int) -> None:
        with httpx.Client(base_url=NGINX, headers=self.headers, timeout=10) as client:
            i = 0
            while not self.stop.is_set():
                key = uuid.uuid4().hex
                body = {"household_id": self.households[(n + i) % len(self.households)],
                        "notes": f"failover drill {n}-{i}", "checklist": {}}
                i += 1
                while not self.stop.is_set():  # the same write, the same key, until acknowledged
                    sent = time.monotonic()
                    try:
                        r = client.post("/api/visits", json=body, headers={"Idempotency-Key": key})
                    except httpx.HTTPError:
                        r = None
                    now = time.monotonic()
                    if r is not None and r.status_code == 201:
                        with self.lock:
                            self.acked.append((sent, now, r.json()["id"]))
                        break
                    with self.lock:
                        self.write_errors.append((now, r.status_code if r is not None else 0))
                    time.sleep(0.2)

    def reader(self, n: int) -> None:
        with httpx.Client(base_url=NGINX, headers=self.headers, timeout=10) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get("/ogc/collections/beats/items", params={"limit": 5}).status_code
                except httpx.HTTPError:
                    status = 0
                with self.lock:
                    self.reads.append((started, status, time.monotonic() - started))
                time.sleep(0.05)


def main() -> int:
    checks: list[tuple[str, bool]] = []
    figures: dict = {}
    token = httpx.post(f"{NGINX}/api/auth/token", timeout=10,
                       data={"username": "officer1", "password": os.environ.get("HOLOMAP_DEMO_PASSWORD",
                                                                                "demo-password")}).json()["access_token"]
    households = [r[0] for r in owner_rows(
        "SELECT h.id FROM household h JOIN beat_member m ON m.beat_id = h.beat_id JOIN app_user u ON "
        "u.id = m.user_id WHERE u.username = 'officer1' ORDER BY h.id LIMIT 20", {})]
    assert households, "officer1 has households (demo seed)"
    old = leader_node()
    assert old, "a Patroni leader"
    old_n, old_api = old
    figures["leader_before"] = f"pg{old_n}"

    load = Load(token, households)
    threads = [threading.Thread(target=load.writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=load.reader, args=(n,)) for n in range(READERS)]
    for t in threads:
        t.start()
    time.sleep(5)
    postmaster = int((HA_DIR / f"pg{old_n}" / "data" / "postmaster.pid").read_text().split()[0])
    with load.lock:
        acked_before = len(load.acked)
    killed_at = time.monotonic()
    os.kill(postmaster, signal.SIGKILL)
    print(f"[ha] kill -9 postgres of the leader pg{old_n} (pid {postmaster}) with {acked_before} writes acknowledged")
    # writes resume: the first acknowledged write sent after the last failed attempt of the outage (no
    # failed attempt at all: the first write sent after the kill)
    resumed_at = None
    while time.monotonic() - killed_at < 90:
        with load.lock:
            failed = [t for t, _ in load.write_errors if t > killed_at]
            since = max(failed) if failed else killed_at
            after = [done for sent, done, _ in load.acked if sent >= since]
        if after and time.monotonic() - min(after) > 10:
            resumed_at = min(after)
            break
        time.sleep(0.2)
    load.stop.set()
    for t in threads:
        t.join(timeout=30)

    resume_s = None if resumed_at is None else resumed_at - killed_at
    figures["writes_resumed_s"] = None if resume_s is None else round(resume_s, 1)
    checks.append((f"writes resume within {RESUME_LIMIT_S:.0f} s (goal {RESUME_GOAL_S:.0f} s)",
                   resume_s is not None and resume_s <= RESUME_LIMIT_S))
    ids = [i for _, _, i in load.acked]
    found = {r[0] for r in owner_rows("SELECT id FROM visit WHERE id = ANY(%(ids)s)", {"ids": ids})}
    lost = sorted(set(ids) - found)
    figures.update(writes_acknowledged=len(ids), writes_lost=len(lost),
                   write_retries=len(load.write_errors),
                   write_error_statuses=sorted({s for _, s in load.write_errors}))
    checks.append(("0 acknowledged writes lost", not lost and len(ids) > acked_before))
    window = [r for r in load.reads if killed_at <= r[0] <= (resumed_at or killed_at + 30)]
    figures["read_statuses_during_switch"] = sorted({r[1] for r in window})
    ok = [r for r in window if r[1] == 200]
    figures.update(reads_during_switch=len(window), reads_ok_during_switch=len(ok),
                   read_max_s_during_switch=round(max((r[2] for r in window), default=0), 2),
                   reads_total=len(load.reads), reads_ok_total=sum(1 for r in load.reads if r[1] == 200))
    checks.append(("reads keep answering during the switch", bool(window) and len(ok) == len(window)))
    new = leader_node()
    figures["leader_after"] = f"pg{new[0]}" if new else None
    checks.append(("a new leader on the other node", new is not None and new[0] != old_n))

    rejoined = None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = patroni(old_api)
        if state.get("role") == "replica" and state.get("state") == "running" and new:
            streaming = [r for r in patroni(new[1]).get("replication", []) if r.get("application_name") == f"pg{old_n}"]
            if streaming and streaming[0].get("state") == "streaming":
                rejoined = time.monotonic() - killed_at
                break
        time.sleep(1)
    figures["old_leader_rejoined_as_replica_s"] = None if rejoined is None else round(rejoined, 1)
    checks.append(("the old leader rejoins as a replica, streaming", rejoined is not None))

    # one app host down: nginx keeps answering from the other
    pidfile = HA_DIR / f"app-{APP_PORTS[0]}.pid"
    os.kill(int(pidfile.read_text()), signal.SIGTERM)
    time.sleep(1)
    statuses = []
    with httpx.Client(base_url=NGINX, headers=load.headers, timeout=10) as client:
        for _ in range(20):
            statuses.append(client.get("/ogc/collections/beats/items", params={"limit": 5}).status_code)
            statuses.append(client.get("/config.json").status_code)
    figures["one_app_host_down_answers_ok"] = f"{statuses.count(200)}/{len(statuses)}"
    checks.append(("one app host stopped: nginx keeps serving", statuses.count(200) == len(statuses)))

    print("[ha] figures: " + json.dumps(figures, ensure_ascii=False))
    for name, passed in checks:
        print(f"[ha] {'PASS' if passed else 'FAIL'}  {name}")
    return 0 if all(p for _, p in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
