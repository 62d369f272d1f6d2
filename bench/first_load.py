"""The frontend's first load as a browser makes it: requests and bytes from opening the page to the first screen.

    set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/first_load.py [--users officer1,chief,leader]

For each user, a fresh headless Chromium context (empty HTTP cache, no service worker yet) opens `/`, signs in
and waits until the landing screen is mounted (body[data-ready]) and the network has been quiet for a second.
Every request the page and its service worker made is counted by kind: the app's files (the page, js, css,
img, vendor, /sw.js, the manifest, /config.json), /api calls, and map tiles; bytes as read (decompressed)
and on the wire (the encoded body and the headers). The service worker's own downloads (its install caches
the offline app shell, api/offline/shell.py) are a separate column: they cross the network on a first visit
too. Issue 22's goal: the first load after sign-in at most half main's bytes, no more requests.
"""
import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import uvicorn_server  # noqa: E402

CHROMIUM = os.environ.get("HOLOMAP_CHROMIUM", "/usr/bin/chromium")
PASSWORD = os.environ.get("HOLOMAP_DEMO_PASSWORD", "demo-password")
QUIET_S = 1.0


def kind_of(url: str) -> str:
    path = urlsplit(url).path
    if path.startswith(("/api/", "/ogc/")):
        return "api"
    if path.startswith("/tiles/"):
        return "tiles"
    return "app files"


class Recorder:
    """Every finished request of a context: kind, bytes read and on the wire, whether the worker made it."""

    def __init__(self, context):
        self.rows: list[dict] = []
        self.last = time.monotonic()
        context.on("requestfinished", self._finished)
        context.on("request", lambda _r: self._touch())

    def _touch(self) -> None:
        self.last = time.monotonic()

    def _finished(self, request) -> None:
        self._touch()
        response = request.response()
        if response is None or urlsplit(request.url).scheme not in ("http", "https"):
            return
        if response.from_service_worker:
            return  # the page's side of a request the worker answered (from its cache, or by its own fetch below)
        worker = _by_worker(request)
        raw = None  # the worker's requests keep no body here: measured after the run
        if not worker:
            try:
                raw = len(response.body())
            except Exception:  # noqa: BLE001 — a body the browser did not keep
                raw = None
        sizes = request.sizes()
        self.rows.append({
            "url": request.url, "kind": kind_of(request.url), "raw": raw,
            "wire": max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0), "worker": worker,
        })

    def wait_quiet(self, page, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and time.monotonic() - self.last < QUIET_S:
            page.wait_for_timeout(100)


def _by_worker(request) -> bool:
    try:
        return request.service_worker is not None or request.frame is None
    except Exception:  # noqa: BLE001 — Playwright raises for a request without a frame (the worker's)
        return True


def _decoded_size(url: str, sizes: dict[str, int]) -> int:
    """The body of an app file as read (fetched again, uncompressed), for the worker's downloads."""
    if url not in sizes:
        import httpx
        sizes[url] = len(httpx.get(url, headers={"Accept-Encoding": "identity"}).content)
    return sizes[url]


def first_load(browser, base: str, username: str, *, worker: bool) -> dict:
    """One first load; `worker`: with the service worker (else blocked: the page's own requests only)."""
    context = browser.new_context(viewport={"width": 1366, "height": 850}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", service_workers="allow" if worker else "block")
    recorder = Recorder(context)
    page = context.new_page()
    page.goto(base + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready]", timeout=60_000)
    screen = page.evaluate("document.body.dataset.ready")
    recorder.wait_quiet(page)
    context.close()
    out: dict = {"user": username, "screen": screen, "by_kind": defaultdict(lambda: [0, 0, 0, 0, 0])}
    known: dict[str, int] = {}
    for row in recorder.rows:
        if row["raw"] is None:
            row["raw"] = _decoded_size(row["url"], known) if row["kind"] == "app files" else 0
        cell = out["by_kind"][row["kind"]]
        cell[0] += 1
        cell[1] += row["raw"]
        cell[2] += row["wire"]
        if row["worker"]:
            cell[3] += 1
            cell[4] += row["wire"]
    out["largest"] = sorted((r for r in recorder.rows if r["kind"] == "app files"),
                            key=lambda r: -r["raw"])[:5]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="officer1,chief,leader")
    parser.add_argument("--base", default="", help="an app already running (default: start one)")
    args = parser.parse_args()
    with open(os.devnull, "w") as quiet, (uvicorn_server(log=quiet) if not args.base else _given(args.base)) as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            results = [(first_load(browser, base, u, worker=False), first_load(browser, base, u, worker=True))
                       for u in args.users.split(",")]
            browser.close()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("page: the page's own requests (service worker blocked); +worker: the same first load with the worker,"
          " whose install caches the offline shell")
    print(f"{'user (screen)':20} {'kind':10} {'requests':>8} {'KB read':>9} {'KB wire':>9}"
          f" {'+worker: requests':>18} {'KB wire':>8} {'of which worker':>16} {'KB wire':>8}")
    for page, both in results:
        total = [0] * 7
        for kind in ("app files", "api", "tiles"):
            a = page["by_kind"].get(kind, [0] * 5)
            b = both["by_kind"].get(kind, [0] * 5)
            cell = [a[0], a[1], a[2], b[0], b[2], b[3], b[4]]
            print(f"{page['user'] + ' (' + page['screen'] + ')':20} {kind:10} {cell[0]:8d} {cell[1] / 1024:9.1f}"
                  f" {cell[2] / 1024:9.1f} {cell[3]:18d} {cell[4] / 1024:8.1f} {cell[5]:16d} {cell[6] / 1024:8.1f}")
            total = [x + y for x, y in zip(total, cell, strict=True)]
        print(f"{'':20} {'total':10} {total[0]:8d} {total[1] / 1024:9.1f} {total[2] / 1024:9.1f}"
              f" {total[3]:18d} {total[4] / 1024:8.1f} {total[5]:16d} {total[6] / 1024:8.1f}")
        print("  largest app files: " + ", ".join(
            f"{urlsplit(x['url']).path.split('/')[-1]} {x['raw'] / 1024:.0f} KB" for x in page["largest"]))


class _given:
    def __init__(self, base: str):
        self.base = base

    def __enter__(self) -> str:
        return self.base

    def __exit__(self, *exc) -> None:
        return None


if __name__ == "__main__":
    main()
