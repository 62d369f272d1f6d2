"""Issue 14.7: X-Forwarded-For is believed only from HOLOMAP_TRUSTED_PROXIES (none by default, not even
loopback), so neither the sign-in rate limit nor the audit log's address can be forged by the header;
one function (api.clientaddr.client_address) is the source of the client address."""
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api import cli
from api.auth.ratelimit import LoginLimiter
from api.clientaddr import client_address_from, trusted_networks
from api.config import Settings
from api.main import create_app

API = Path(__file__).resolve().parents[2] / "api"


@pytest.mark.parametrize(("peer", "xff", "trusted", "client"), [
    ("127.0.0.1", ["6.6.6.6"], "", "127.0.0.1"),                         # loopback is not trusted by default
    ("203.0.113.9", ["6.6.6.6"], "10.0.0.0/8", "203.0.113.9"),           # an untrusted peer's header is ignored
    ("10.0.0.2", ["198.51.100.7"], "10.0.0.0/8", "198.51.100.7"),        # the proxy's view of the client
    ("10.0.0.2", ["6.6.6.6, 198.51.100.7"], "10.0.0.0/8", "198.51.100.7"),  # what the client wrote is left of it
    ("10.0.0.2", ["6.6.6.6", "198.51.100.7, 10.0.0.3"], "10.0.0.0/8", "198.51.100.7"),  # two proxies, two headers
    ("10.0.0.2", ["198.51.100.7:51234"], "10.0.0.2", "198.51.100.7"),    # a port is dropped
    ("::1", ["[2001:db8::5]:443"], "::1", "2001:db8::5"),
    ("::ffff:10.0.0.2", ["198.51.100.7"], "10.0.0.0/8", "198.51.100.7"),  # IPv4-mapped peer
    ("10.0.0.2", [], "10.0.0.0/8", "10.0.0.2"),                          # no header: the peer
    ("10.0.0.2", ["10.0.0.9"], "10.0.0.0/8", "10.0.0.9"),                # every hop a proxy: the first
])
def test_the_client_address_rule(peer, xff, trusted, client):
    assert client_address_from(peer, xff, trusted) == client


def test_a_bad_trusted_proxies_setting_stops_the_start(settings):
    with pytest.raises(ValueError, match="'10.0.0.0/33'"):
        trusted_networks("127.0.0.1, 10.0.0.0/33")
    with pytest.raises(ValueError, match="not an IP address"):
        create_app(Settings(DATABASE_URL=settings.database_url, HOLOMAP_TRUSTED_PROXIES="proxy.local"))


def test_a_forged_header_neither_escapes_the_rate_limit_nor_reaches_the_audit_log(app, client, app_conn):
    original = getattr(app.state, "login_limiter", None)
    app.state.login_limiter = LoginLimiter(per_minute=1, burst=2)
    try:
        codes = [client.post("/api/auth/token", data={"username": "officer6", "password": "bad"},
                             headers={"X-Forwarded-For": f"6.6.6.{n}"}).status_code for n in range(3)]
        assert codes == [401, 401, 429]
        addrs = {r[0] for r in app_conn.execute(text(
            "SELECT DISTINCT client_addr FROM audit_log WHERE action = 'login' AND username = 'officer6'"
            " AND at >= now()"))}  # this transaction's rows only: the audit log keeps every earlier run's
        assert addrs == {"testclient"}
    finally:
        app.state.login_limiter = original


def test_behind_a_trusted_proxy_each_client_has_its_own_limit_and_address(app, app_conn, settings, monkeypatch):
    monkeypatch.setattr(settings, "trusted_proxies", "10.0.0.0/8")
    original = getattr(app.state, "login_limiter", None)
    app.state.login_limiter = LoginLimiter(per_minute=1, burst=1)
    try:
        with TestClient(app, client=("10.1.2.3", 40000)) as proxy:
            def attempt(client_ip: str) -> int:
                return proxy.post("/api/auth/token", data={"username": "officer6", "password": "bad"},
                                  headers={"X-Forwarded-For": f"6.6.6.6, {client_ip}"}).status_code
            assert [attempt("198.51.100.1"), attempt("198.51.100.2"), attempt("198.51.100.1")] == [401, 401, 429]
        addrs = {r[0] for r in app_conn.execute(text(
            "SELECT DISTINCT client_addr FROM audit_log WHERE action = 'login' AND username = 'officer6'"
            " AND at >= now()"))}  # this transaction's rows only: the audit log keeps every earlier run's
        assert addrs == {"198.51.100.1", "198.51.100.2"}
    finally:
        app.state.login_limiter = original


def test_no_code_reads_the_peer_address_but_the_one_function():
    offenders = [str(path.relative_to(API.parent)) for path in API.rglob("*.py")
                 if path.name != "clientaddr.py" and re.search(r"request\.client\b", path.read_text())]
    assert offenders == []


@pytest.mark.parametrize(("trusted", "proxy_headers", "allowed"), [("", False, []),
                                                                    ("10.0.0.1, 10.0.1.0/24", True,
                                                                     ["10.0.0.1", "10.0.1.0/24"])])
def test_serve_lets_uvicorn_read_proxy_headers_only_from_trusted_proxies(monkeypatch, trusted, proxy_headers,
                                                                         allowed):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(HOLOMAP_TRUSTED_PROXIES=trusted))
    cli.serve(type("Args", (), {"host": None, "port": None, "workers": 1})())
    assert seen["proxy_headers"] is proxy_headers and seen["forwarded_allow_ips"] == allowed
