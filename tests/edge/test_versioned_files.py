"""Versioned addresses of the web app's files (issue 22): immutable for a year, the page and shell not."""
import gzip
import re
import shutil

from fastapi.testclient import TestClient

from api.frontend import IMMUTABLE, page
from api.main import FRONTEND
from api.offline.shell import AppShell


def _refs(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/[^"]+)"', html)


def test_the_page_names_versioned_files_that_are_immutable(client):
    index = client.get("/")
    assert index.status_code == 200 and index.headers["cache-control"] == "no-cache"
    versions = client.app.state.app_shell.versions()
    refs = [r for r in _refs(index.text) if not r.startswith("/manifest")]
    assert refs and all(r.startswith(("/r/" + versions["app"] + "/", "/r/" + versions["vendor"] + "/vendor/"))
                        for r in refs), refs
    assert f'/r/{versions["app"]}/js/main.js' in refs
    assert f'/r/{versions["vendor"]}/vendor/leaflet/dist/leaflet.js' in refs
    for ref in refs:
        r = client.get(ref)
        assert r.status_code == 200, ref
        assert r.headers["cache-control"] == IMMUTABLE, ref
        plain = ref.split("/", 3)[3]  # the same file at its plain address: the same bytes, revalidated
        same = client.get("/" + plain)
        assert same.content == r.content and same.headers["cache-control"] == "no-cache", ref
    assert client.get("/config.json").headers.get("cache-control") != IMMUTABLE
    assert client.get("/sw.js").headers["cache-control"] == "no-cache"


def test_relative_imports_stay_under_the_version(client):
    """main.js imports by relative path: resolved against its versioned address, each import is versioned
    and immutable too (a module nested two folders deep; a stylesheet a screen adds by asset() of ui/dom.js)."""
    app = client.app.state.app_shell.versions()["app"]
    main = client.get(f"/r/{app}/js/main.js").text
    assert "from './api.js'" in main
    for path in ("js/api.js", "js/offline/db.js", "css/dashboard.css", "img/favicon.svg"):
        r = client.get(f"/r/{app}/{path}")
        assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE, path


def test_another_version_gets_todays_file_not_cached_long(client):
    r = client.get("/r/0123456789ab/js/main.js")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    assert r.content == (FRONTEND / "js" / "main.js").read_bytes()


def test_versioned_addresses_refuse_what_the_plain_ones_refuse(client):
    vendor = client.app.state.app_shell.versions()["vendor"]
    for url in (f"/r/{vendor}/vendor/leaflet/package.json", f"/r/{vendor}/vendor/leaflet/dist/../package.json",
                f"/r/{vendor}/vendor/leaflet/dist/%2e%2e/package.json",
                f"/r/{vendor}/node_modules/leaflet/package.json",
                f"/r/{vendor}/js/../../api/main.py", f"/r/{vendor}", "/r/", f"/r/{vendor}/js/no-such-module.js"):
        assert client.get(url).status_code == 404, url


def test_versioned_files_are_gzipped(app):
    app_version = app.state.app_shell.versions()["app"]
    url = f"/r/{app_version}/js/i18n/zh-CN/base.js"
    with TestClient(app).stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip" and r.headers["cache-control"] == IMMUTABLE
    assert gzip.decompress(raw) == (FRONTEND / "js" / "i18n" / "zh-CN" / "base.js").read_bytes()


def test_a_changed_module_changes_the_page_addresses(tmp_path):
    copy = tmp_path / "frontend"
    shutil.copytree(FRONTEND, copy, ignore=shutil.ignore_patterns("node_modules"))
    shell = AppShell(copy)
    before = page(copy / "index.html", shell)
    (copy / "js" / "ui" / "dom.js").write_text((copy / "js" / "ui" / "dom.js").read_text() + "\n// release 2\n")
    after = page(copy / "index.html", AppShell(copy))
    assert before != after
    assert [r for r in _refs(before) if "/js/" in r] != [r for r in _refs(after) if "/js/" in r]


def test_scripts_and_styles_carry_only_the_headers_that_act_on_them(client):
    """A CSP or X-Frame-Options on a script or stylesheet does nothing (issue 22: ~15 KB of a first load's
    headers); the page, the service worker's script (a worker's CSP is its script's) and SVG images keep
    them; every answer keeps nosniff and the referrer policy. An immutable answer carries no validators."""
    refs = _refs(client.get("/").text)
    script = next(u for u in refs if u.endswith("/js/main.js"))
    style = next(u for u in refs if u.endswith("/css/app.css"))
    svg = next(u for u in refs if u.endswith(".svg"))
    for url in (script, style, "/js/main.js"):
        r = client.get(url)
        assert r.status_code == 200 and "content-security-policy" not in r.headers, url
        assert "x-frame-options" not in r.headers, url
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    for url in ("/", "/sw.js", svg, "/config.json", "/api/health"):
        r = client.get(url)
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], url
        assert r.headers["x-frame-options"] == "DENY", url
    immutable = client.get(script)
    assert immutable.headers["cache-control"] == IMMUTABLE
    assert not {"etag", "last-modified"} & set(immutable.headers)
    plain = client.get("/js/main.js")  # revalidated: keeps its ETag
    assert plain.headers["cache-control"] == "no-cache" and plain.headers.get("etag")
    assert client.get("/js/main.js", headers={"If-None-Match": plain.headers["etag"]}).status_code == 304
