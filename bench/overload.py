"""Overload drill (issue 15.2 and 14.2): a real uvicorn (one worker, 127.0.0.1) on the database of the
environment, then

1. a burst of N concurrent clients of a slow request (default 200 × /api/analytics/hotspots as the
   leader, each request with its own cell size so none is a cached answer), released together and
   asking again for --seconds (after a 503, once Retry-After has passed): time to the first 503,
   answers by status, latency per status, /api/health latency p50/p99 polled during the burst,
   server RSS before, at its peak during and 3 s after the burst;
2. chunked bodies: 400 MB to POST /api/visits without a token and with one (RSS before/after, time to
   the refusal, bytes the server let in).

Bounded: loopback only, N clients for at most 60 s plus the health polls, every request timeout 60 s.
The baseline is the same request alone, measured first in the same run (ratios against it).

    . .holomap/testenv.sh && .venv/bin/python bench/overload.py [--n 200] [--path …] [--env K=V …]
"""
import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from bench._server import pct, rss_mb, start_server, stop_server, token_for  # noqa: E402
from tests.edge.rawhttp import send_chunked  # noqa: E402

MB = 1024 * 1024
# polls /api/health every 50 ms until terminated; prints "<status>,<ms>" per poll
HEALTH_POLLER = """
import sys, time, httpx
with httpx.Client(timeout=10) as c:
    while True:
        t0 = time.perf_counter()
        try:
            r = c.get(sys.argv[1] + "/api/health")
            status = "ok" if r.status_code == 200 and r.json().get("database") == "ok" else str(r.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        print(f"{status},{(time.perf_counter() - t0) * 1000:.2f}", flush=True)
        time.sleep(0.05)
"""


async def raw_get(host: str, port: int, target: str, token: str) -> tuple[int, float]:
    """GET over a fresh connection with asyncio streams (far lighter than an HTTP client library, so
    200 of them measure the server, not the client): (status, Retry-After seconds)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                     "Connection: close\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()  # the server closes after the answer
    finally:
        writer.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    retry = next((float(h.split(":", 1)[1]) for h in head if h.lower().startswith("retry-after:")), 1.0)
    return int(head[0].split()[1]), retry


async def burst(base: str, path: str, token: str, n: int, pid: int, seconds: float) -> dict:
    """n concurrent clients released together, each asking again until `seconds` have passed (at least
    one request each); health polled every 50 ms meanwhile by another process, RSS sampled."""
    host, port = base.removeprefix("http://").split(":")
    answers: list[tuple[int | str, float]] = []
    first_503: list[float] = []
    health_ms: list[float] = []
    health_fail: list[str] = []
    peak = [rss_mb(pid)]
    done = asyncio.Event()
    start = time.perf_counter()

    async def one(i: int) -> None:
        """One client: asks again until the end of the drill, after Retry-After when refused."""
        sep = "&" if "?" in path else "?"
        k = 0
        while True:
            t0 = time.perf_counter()
            retry = 1.0
            try:
                status, retry = await asyncio.wait_for(
                    raw_get(host, int(port), f"{path}{sep}size_m={110 + (i + 200 * k) % 4890}", token), 60)
            except (OSError, TimeoutError, IndexError, ValueError) as exc:
                status = type(exc).__name__
            now = time.perf_counter()
            answers.append((status, now - t0))
            if status == 503 and not first_503:
                first_503.append(now - start)
            k += 1
            if now - start >= seconds:
                return
            if status == 503:
                await asyncio.sleep(retry)

    async def poll() -> None:
        # in a process of its own: this process's event loop is busy with the burst's clients
        poller = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HEALTH_POLLER, base, stdout=asyncio.subprocess.PIPE)
        while not done.is_set():
            peak.append(rss_mb(pid))
            await asyncio.sleep(0.05)
        poller.terminate()
        out, _ = await poller.communicate()
        for line in out.decode().split():
            status, ms = line.split(",")
            health_ms.append(float(ms))
            if status != "ok":
                health_fail.append(status)

    watcher = asyncio.create_task(poll())
    await asyncio.sleep(0.3)  # the poller is running
    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    total = time.perf_counter() - start
    done.set()
    await watcher
    by_status: dict = {}
    for status, took in answers:
        by_status.setdefault(status, []).append(took)
    return {"total_s": total, "first_503_s": first_503[0] if first_503 else None, "by_status": by_status,
            "health_ms": health_ms, "health_fail": health_fail, "rss_peak": max(peak)}


def chunked_drill(base: str, token: str, pid: int) -> list[tuple]:
    host, port = base.removeprefix("http://").split(":")
    rows = []
    for label, headers in (("no token", {}), ("leader token", {"Authorization": f"Bearer {token}"})):
        before = rss_mb(pid)
        answer = send_chunked(host, int(port), "/api/visits", total=400 * MB,
                              headers={"Content-Type": "application/json", **headers}, timeout=60)
        time.sleep(0.5)
        rows.append((label, answer.status, answer.json.get("code"), answer.seconds * 1000, answer.sent / MB,
                     before, rss_mb(pid)))
    return rows


def _status(call) -> int | str:
    try:
        return call().status_code
    except httpx.HTTPError as exc:
        return type(exc).__name__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="concurrent requests in the burst (max 500)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="the clients keep asking for this long (max 60; 0 = one request each)")
    parser.add_argument("--path", default="/api/analytics/hotspots?cell=hex")
    parser.add_argument("--user", default="leader")
    parser.add_argument("--env", action="append", default=[], help="server setting K=V (repeatable)")
    args = parser.parse_args()
    n = min(args.n, 500)
    settings = Settings()
    env = dict(kv.split("=", 1) for kv in args.env)
    token = token_for(settings, args.user)
    load_before = os.getloadavg()
    proc, base = start_server(env)
    try:
        with httpx.Client(base_url=base, timeout=60) as c:
            headers = {"Authorization": f"Bearer {token}"}
            sep = "&" if "?" in args.path else "?"
            c.get(f"{args.path}{sep}size_m=100", headers=headers)  # warm-up (plans, caches)
            alone = []
            for size in (101, 102, 103):
                t0 = time.perf_counter()
                r = c.get(f"{args.path}{sep}size_m={size}", headers=headers)
                alone.append(time.perf_counter() - t0)
                r.raise_for_status()
            health = c.get("/api/health").json()
        time.sleep(1)
        rss_before = rss_mb(proc.pid)
        result = asyncio.run(burst(base, args.path, token, n, proc.pid, min(args.seconds, 60.0)))
        time.sleep(3)
        rss_after = rss_mb(proc.pid)
        with httpx.Client(base_url=base, timeout=20) as c:
            after_ok = _status(lambda: c.get(f"{args.path}{sep}size_m=104", headers=headers))
            after_health = _status(lambda: c.get("/api/health"))
        chunked = chunked_drill(base, token, proc.pid)
    finally:
        stop_server(proc)

    base_s = statistics.median(alone)
    print(f"server: 1 worker, limit {health.get('limit')} in progress, settings {env or 'default'}")
    before, after = (" ".join(f"{x:.2f}" for x in la) for la in (load_before, os.getloadavg()))
    print(f"load average (1, 5, 15 min) before the run: {before}, after: {after}")
    print(f"baseline: {args.path} alone {base_s * 1000:.0f} ms (median of 3)")
    answered = sum(len(t) for t in result["by_status"].values())
    print(f"burst: {n} concurrent clients for {args.seconds:.0f} s (after a 503 each waits Retry-After): "
          f"{answered} answers, all done {result['total_s']:.1f} s after the start")
    first = result["first_503_s"]
    print(f"  first 503 after {first * 1000:.0f} ms" if first is not None else "  no 503")
    for status, times in sorted(result["by_status"].items(), key=lambda kv: str(kv[0])):
        print(f"  {status}: {len(times):5d}  p50 {pct(times, 50) * 1000:7.0f} ms  "
              f"p99 {pct(times, 99) * 1000:7.0f} ms  max {max(times) * 1000:7.0f} ms")
    hm = result["health_ms"]
    print(f"  /api/health during the burst: {len(hm)} polls, p50 {pct(hm, 50):.1f} ms, "
          f"p99 {pct(hm, 99):.1f} ms, max {max(hm):.1f} ms, not ok: {len(result['health_fail'])}")
    print(f"  RSS before {rss_before:.0f} MB, peak during {result['rss_peak']:.0f} MB, "
          f"3 s after {rss_after:.0f} MB "
          f"(+{rss_after - rss_before:.0f} MB)")
    print(f"  after the burst: {args.path} → {after_ok}, /api/health → {after_health}")
    print("chunked 400 MB to POST /api/visits:")
    for label, status, code, ms, sent, before, after in chunked:
        print(f"  {label:13} {status} {code:18} after {ms:6.0f} ms, {sent:6.1f} MB let in, "
              f"RSS {before:.0f} → {after:.0f} MB (+{after - before:.1f})")


if __name__ == "__main__":
    main()
