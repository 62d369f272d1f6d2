"""Helpers shared by the benchmarks: a real uvicorn on 127.0.0.1, tokens, timing and figures."""
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from types import SimpleNamespace

import httpx
from sqlalchemy import create_engine, text

from api.auth.service import create_token
from api.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def uvicorn_server(*, env: dict | None = None, app: str = "api.main:create_app", factory: bool = True,
                   python: str = sys.executable, health: str = "/api/health"):
    """Start uvicorn (uvloop + httptools, one worker) on a free 127.0.0.1 port; yield its base URL."""
    port = free_port()
    cmd = [python, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
           "--no-access-log", "--loop", "uvloop", "--http", "httptools"]
    if factory:
        cmd.append("--factory")
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + health, timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{app} did not start on {base}")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def owner_engine(settings: Settings):
    return create_engine(settings.owner_url)


def token_for(settings: Settings, username: str) -> str:
    """A signed token for a user (minted locally, as a login would, without writing a login row)."""
    with owner_engine(settings).connect() as conn:
        row = conn.execute(text("SELECT id, username, role FROM app_user WHERE username = :u"),
                           {"u": username}).mappings().one()
    return create_token(SimpleNamespace(**row), settings)[0]


def timed(client: httpx.Client, urls: list[str], *, check: Callable[[httpx.Response], None],
          headers: dict | None = None, warmup: int = 50) -> tuple[list[float], list[int]]:
    """Sequential GETs: latencies in ms and body sizes, after a warm-up round."""
    for url in urls[:warmup]:
        check(client.get(url, headers=headers))
    lat, sizes = [], []
    for url in urls:
        t0 = time.perf_counter()
        r = client.get(url, headers=headers)
        lat.append((time.perf_counter() - t0) * 1000)
        check(r)
        sizes.append(len(r.content))
    return lat, sizes


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(name: str, lat: list[float], sizes: list[int] | None = None) -> dict:
    total_s = sum(lat) / 1000
    row = {"name": name, "n": len(lat), "p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99),
           "mean": statistics.fmean(lat), "rps": len(lat) / total_s if total_s else 0.0}
    if sizes:
        row["kb"] = statistics.fmean(sizes) / 1024
    return row


def print_rows(rows: list[dict]) -> None:
    heads = ("n", "p50 ms", "p90 ms", "p99 ms", "mean", "req/s", "KB")
    print(f"{'case':44} {heads[0]:>6} " + " ".join(f"{h:>8}" for h in heads[1:]))
    for r in rows:
        kb = f"{r['kb']:8.1f}" if "kb" in r else f"{'':8}"
        print(f"{r['name']:44} {r['n']:6d} {r['p50']:8.2f} {r['p90']:8.2f} {r['p99']:8.2f} {r['mean']:8.2f}"
              f" {r['rps']:8.0f} {kb}")
