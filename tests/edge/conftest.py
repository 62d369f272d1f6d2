"""A real uvicorn server in a thread (as tests/e2e does) for tests of the HTTP edge: chunked bodies,
closed connections and concurrency need a real server and real sockets, not the in-process client."""
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text

from api.auth.service import create_token
from api.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app: FastAPI, http: str = "httptools") -> Iterator[tuple[str, int]]:
    """(host, port) of `app` served by uvicorn (httptools as in production, or h11) in a thread."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", http=http,
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def rss_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@pytest.fixture()
def mint(owner_engine, settings: Settings) -> Callable[[str], str]:
    """mint("admin") → a signed bearer token for a seeded user (as a login would, no login row)."""

    def _mint(username: str) -> str:
        with owner_engine.connect() as conn:
            row = conn.execute(text("SELECT id, username, role FROM app_user WHERE username = :u"),
                               {"u": username}).mappings().one()
        return create_token(SimpleNamespace(**row), settings)[0]

    return _mint
