"""Helpers shared by the benchmarks: a real uvicorn on 127.0.0.1, tokens, timing and figures."""
import asyncio
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
                   python: str = sys.executable, health: str = "/api/health", log=None):
    """Start uvicorn (uvloop + httptools, one worker) on a free 127.0.0.1 port; yield its base URL.
    `log`: a file for the server's stdout and stderr (default: this process's)."""
    port = free_port()
    cmd = [python, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
           "--no-access-log", "--loop", "uvloop", "--http", "httptools"]
    if factory:
        cmd.append("--factory")
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=log, stderr=log)
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
    """The owner's engine, JIT off as on the app's connections (api.db.server_options): work a bench times on it
    (a publish, a proposal) must not pay PostgreSQL's JIT compilation, which the app never does."""
    return create_engine(settings.owner_url, connect_args={"options": "-c jit=off"})


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


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (/proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (a uvicorn supervisor and its workers)."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except OSError:
            pass
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (/proc/PID/stat utime + stime)."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def start_server(env: dict | None = None, *, workers: int = 1, cli: bool = False,
                 health: str = "/api/health") -> tuple[subprocess.Popen, str]:
    """Start the app on a free 127.0.0.1 port and wait until `health` answers 200: (process, base URL).

    cli=False: uvicorn (uvloop + httptools, no access log); cli=True: `holomap serve --workers N` as
    deployed (uvicorn.run with its access log; stdout discarded). Stop it with stop_server."""
    port = free_port()
    if cli:
        cmd = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
        out = subprocess.DEVNULL
    else:
        cmd = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log", "--loop", "uvloop",
               "--http", "httptools", "--workers", str(workers)]
        out = None
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=out)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + health, timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError(f"the server did not start on {base}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


class KeepAlive:
    """A minimal HTTP/1.1 keep-alive GET client on asyncio streams (much lighter than an HTTP library, so
    50 of them in one process measure the server more than the client). One request at a time."""

    def __init__(self, base: str):
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        """(status, lower-cased headers, body); reconnects when the server closed the connection."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{extra}\r\n".encode())
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            hdrs = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
            if hdrs.get("transfer-encoding", "").lower() == "chunked":
                body = bytearray()
                while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    body += await self.reader.readexactly(size + 2)
                    del body[-2:]
                await self.reader.readuntil(b"\r\n")
            elif "content-length" in hdrs:
                body = await self.reader.readexactly(int(hdrs["content-length"]))
            elif status in (204, 304) or status < 200:
                body = b""
            else:
                body = await self.reader.read()
                hdrs["connection"] = "close"
        except BaseException:
            self.close()
            raise
        if hdrs.get("connection", "").lower() == "close":
            self.close()
        return status, hdrs, bytes(body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None
