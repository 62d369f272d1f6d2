"""Request bodies are counted as they arrive (chunked too), a token-only route without a bearer is
refused before its body is read, and the 413 is sent cleanly with the connection closed (issue 14.2).

A real uvicorn server and a raw socket: the in-process client buffers whole bodies.
"""
import gc

import pytest

from api.main import create_app
from tests.edge.conftest import rss_bytes, serve
from tests.edge.rawhttp import send_chunked

MB = 1024 * 1024
UPLOAD_LIMIT = 2 * MB  # small, so the over-the-limit upload is quick


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server(settings, request):
    """The app on uvicorn with either HTTP implementation (they buffer and close differently)."""
    app = create_app(settings.model_copy(update={"max_body_bytes": UPLOAD_LIMIT}))
    with serve(app, request.param) as address:
        yield address


def test_400_mb_chunked_without_a_token_is_401_before_the_body_is_read(server):
    host, port = server
    gc.collect()
    before = rss_bytes()
    answer = send_chunked(host, port, "/api/visits", headers={"Content-Type": "application/json"},
                          total=400 * MB)
    growth = rss_bytes() - before
    print(f"\n400 MB chunked, no token: {answer.status} after {answer.seconds * 1000:.0f} ms, "
          f"{answer.sent / MB:.1f} MB sent, RSS growth {growth / MB:.1f} MB")
    assert answer.status == 401
    assert answer.json["code"] == "auth.required"
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.closed  # the rest of the body is not read: the connection ends
    assert answer.sent < 50 * MB
    assert growth < 20 * MB
    assert answer.seconds < 5


def test_an_invalid_authorization_scheme_counts_as_no_token(server):
    host, port = server
    answer = send_chunked(host, port, "/api/visits", headers={"Authorization": "Basic YWRtaW46eA=="},
                          total=100 * MB)
    assert answer.status == 401 and answer.sent < 50 * MB


def test_chunked_json_over_the_limit_with_a_token_is_413_after_the_limit(server, mint, settings):
    host, port = server
    gc.collect()
    before = rss_bytes()
    answer = send_chunked(host, port, "/api/visits", total=400 * MB, headers={
        "Authorization": f"Bearer {mint('officer1')}", "Content-Type": "application/json"})
    growth = rss_bytes() - before
    print(f"\n400 MB chunked, token: {answer.status} after {answer.seconds * 1000:.0f} ms, "
          f"{answer.sent / MB:.1f} MB sent, RSS growth {growth / MB:.1f} MB")
    assert answer.status == 413
    assert answer.json["code"] == "request.too_large"
    assert answer.json["params"] == {"limit": settings.max_json_bytes}
    assert "too large" in answer.json["detail"]
    assert answer.closed
    assert settings.max_json_bytes <= answer.sent < 50 * MB
    assert growth < 20 * MB


def test_chunked_upload_over_the_upload_limit_is_413(server, mint):
    host, port = server
    boundary = "edgeboundary"
    part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    answer = send_chunked(host, port, "/api/import/people", total=20 * MB, prefix=part, headers={
        "Authorization": f"Bearer {mint('admin')}",
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status == 413
    assert answer.json["code"] == "request.too_large"
    assert answer.json["params"]["limit"] > UPLOAD_LIMIT  # the upload limit (plus form overhead)
    assert UPLOAD_LIMIT < answer.sent < 20 * MB


def test_an_upload_route_takes_more_than_the_json_limit(server, mint, settings):
    """1.5 MB is over the JSON limit but under the upload limit: the route reads it (and refuses the
    content itself), so the per-route limit is the upload one."""
    host, port = server
    boundary = "edgeboundary"
    data = b"x" * (3 * MB // 2)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.exe\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n")
    payload = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    assert len(payload) > settings.max_json_bytes
    answer = send_chunked(host, port, "/api/import/people", total=0, payload=payload, headers={
        "Authorization": f"Bearer {mint('admin')}",
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status == 422, answer.body
    assert "unsupported file type" in answer.json["detail"]


def test_a_small_chunked_body_reaches_the_route(server, mint):
    host, port = server
    answer = send_chunked(host, port, "/api/visits", total=0, payload=b"{}", headers={
        "Authorization": f"Bearer {mint('officer1')}", "Content-Type": "application/json"})
    assert answer.status == 422  # read and validated: the visit's fields are missing
    assert answer.json["code"] == "request.validation"


def test_public_routes_take_a_body_without_a_token(server):
    host, port = server
    answer = send_chunked(host, port, "/api/auth/token", total=0, payload=b"username=nobody&password=x",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 401
    assert "sign in first" not in answer.json["detail"]  # the login itself refused it, not the edge


def test_the_server_answers_after_refusals(server):
    import httpx

    host, port = server
    for _ in range(3):
        send_chunked(host, port, "/api/visits", total=10 * MB)
    assert httpx.get(f"http://{host}:{port}/api/health", timeout=5).status_code == 200
