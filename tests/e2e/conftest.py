"""Playwright fixtures: a real uvicorn server on the seeded test database, headless Debian Chromium, a
logged-in page, and known data chosen by SQL (a building and a vehicle in officer1's beats).

The server is the real app (`api.main.create_app`) on a free 127.0.0.1 port in a background thread; the
browser records every request so tests can check that nothing leaves the machine.
"""
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from sqlalchemy import create_engine, text

from api.config import Settings
from api.main import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("HOLOMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
DEMO_PASSWORD = os.environ.get("HOLOMAP_DEMO_PASSWORD", "demo-password")
LOCAL_HOSTS = {"127.0.0.1"}

# A building of officer1's beats with a resident living there, and a point inside its footprint.
KNOWN_RESIDENT = """
SELECT b.id AS building_id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, b.address,
       h.id AS household_id, p.name
FROM app_user u
JOIN beat_member m ON m.user_id = u.id
JOIN household h ON h.beat_id = m.beat_id
JOIN building b ON b.id = h.building_id
JOIN person p ON p.household_id = h.id AND p.moved_out IS NULL
WHERE u.username = 'officer1'
ORDER BY (SELECT count(*) FROM household h2 WHERE h2.building_id = b.id) DESC, b.id, h.id, p.id
LIMIT 1
"""

# The first building of officer1's beats (by id) with its first household and that household's beat: the place
# the officer's e2e tests record incidents at (officer_place).
OFFICER_PLACE = """
SELECT ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, h.id AS household_id, bt.code FROM building b
JOIN household h ON h.building_id = b.id JOIN beat bt ON bt.id = h.beat_id
JOIN beat_member m ON m.beat_id = h.beat_id JOIN app_user u ON u.id = m.user_id
WHERE u.username = 'officer1' ORDER BY b.id, h.id LIMIT 1
"""

# A vehicle registered to a household of officer1's beats.
KNOWN_VEHICLE = """
SELECT v.plate, v.household_id, b.id AS building_id
FROM app_user u
JOIN beat_member m ON m.user_id = u.id
JOIN household h ON h.beat_id = m.beat_id
JOIN vehicle v ON v.household_id = h.id
JOIN building b ON b.id = h.building_id
WHERE u.username = 'officer1'
ORDER BY v.id
LIMIT 1
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_settings() -> Settings:
    settings = Settings()
    name = settings.database_url.rsplit("/", 1)[-1].split("?")[0]
    if "test" not in name:
        pytest.exit(f"refusing to run e2e tests against database {name!r}: its name must contain 'test'", 2)
    return settings


@pytest.fixture(scope="session")
def known(e2e_settings: Settings) -> dict:
    """Data the tests look for, chosen from the seeded database."""
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            resident = conn.execute(text(KNOWN_RESIDENT)).mappings().first()
            vehicle = conn.execute(text(KNOWN_VEHICLE)).mappings().first()
    finally:
        engine.dispose()
    if resident is None:
        pytest.fail("the test database is not seeded (no resident in officer1's beats)")
    return {"resident": dict(resident), "vehicle": dict(vehicle) if vehicle else None}


E2E_TILE_LIMIT = 40


@pytest.fixture(scope="session")
def server(e2e_settings: Settings) -> Iterator[str]:
    """Base URL of the real app served by uvicorn in a background thread."""
    port = _free_port()
    # Every test signs in from 127.0.0.1: the per-address login limit is not what these tests check. An offline
    # pack keeps at most E2E_TILE_LIMIT tiles per layer (HOLOMAP_OFFLINE_TILE_LIMIT; 1,500 by default: 4,500
    # tile requests, ~20 s a download on this server)
    settings = e2e_settings.model_copy(update={"login_burst": 1000, "login_per_minute": 1000.0,
                                               "offline_tile_limit": E2E_TILE_LIMIT})
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the e2e server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


class Visit:
    """A browser context on the app, with every request URL and page error it saw."""

    def __init__(self, browser, base: str, viewport: dict, timezone_id: str = "Asia/Shanghai"):
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id=timezone_id)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.page.goto(self.base + "/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        # Signed in (a screen is mounted) or refused (the login page says why: fail with that, not a timeout).
        self.page.wait_for_selector("body[data-ready], .login-error:not(:empty)")
        refused = self.page.locator(".login-error:not(:empty)")
        if refused.count():
            pytest.fail(f"{username} could not sign in: {refused.inner_text()}")

    def officer_on_map(self, username: str = "officer1") -> None:
        """Sign in as an officer and wait for the map screen with the own beats' warning zones loaded."""
        self.login(username)
        self.page.wait_for_function("() => window.holomap.warnings && window.holomap.warnings.loaded",
                                    timeout=20_000)

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests
                if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOCAL_HOSTS]

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="session")
def officer_place(e2e_settings: Settings):
    """OFFICER_PLACE's row: lon, lat, household_id and the beat's code."""
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(OFFICER_PLACE)).one()
    finally:
        engine.dispose()


@pytest.fixture()
def desktop(browser, server) -> Iterator[Visit]:
    visit = Visit(browser, server, {"width": 1366, "height": 850})
    yield visit
    visit.close()


@pytest.fixture()
def phone(browser, server) -> Iterator[Visit]:
    visit = Visit(browser, server, {"width": 390, "height": 844})
    yield visit
    visit.close()
