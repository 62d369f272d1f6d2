"""The installable app: manifest, icons, /sw.js with its app shell and version, the CSP that allows them."""
import importlib.util
import json
import re
import shutil
import struct
from pathlib import Path

from api.main import FRONTEND
from api.offline.shell import AppShell


def _shell_of(text: str) -> tuple[str, list[str]]:
    version = text.split("const VERSION = ", 1)[1].split(";", 1)[0]
    shell = text.split("const SHELL = ", 1)[1].split(";\n", 1)[0]
    return json.loads(version), json.loads(shell)


def test_service_worker_lists_the_shell(client):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache"  # the browser checks for a new release on each start
    version, shell = _shell_of(r.text)
    assert len(version) == 16 and version != "dev"
    versions = client.app.state.app_shell.versions()
    app, vendor = f"/r/{versions['app']}", f"/r/{versions['vendor']}"
    for url in ("/", "/manifest.webmanifest", f"{app}/js/main.js", f"{app}/js/offline/pack.js", f"{app}/css/app.css",
                f"{app}/css/offline.css", f"{app}/img/icons/icon-192.png", f"{vendor}/vendor/leaflet/dist/leaflet.js"):
        assert url in shell, url
    # the shell is what the page loads: every versioned address of the page is in it
    page_refs = re.findall(r'(?:src|href)="(/r/[^"]+)"', client.get("/").text)
    assert page_refs and set(page_refs) <= set(shell)
    # what the screens import when they open: their label parts (js/i18n/index.js PARTS), panels and forms
    index = (Path(__file__).resolve().parents[2] / "frontend/js/i18n/index.js").read_text()
    parts = re.findall(r"import\('\./(zh-CN/[a-z]+\.js)'\)", index)
    assert len(parts) >= 7
    for path in [*parts, "zh-CN/base.js"]:
        assert f"{app}/js/i18n/{path}" in shell, path
    for module in ("ui/building-panel.js", "ui/offline-panel.js", "ui/worklist.js", "offline/geometry.js"):
        assert f"{app}/js/{module}" in shell, module
    # every listed file is served (the install fails on one 404); the vendor files only from the allowlist
    for url in shell:
        assert client.get(url).status_code == 200, url
    assert not any("node_modules" in u or u.endswith(".map") for u in shell)


def test_a_changed_file_changes_the_version(tmp_path):
    copy = tmp_path / "frontend"
    shutil.copytree(FRONTEND, copy, ignore=shutil.ignore_patterns("node_modules"))
    shell = AppShell(copy)
    first = shell.current()[1]
    assert shell.current()[1] == first  # stable while nothing changes
    (copy / "js" / "main.js").write_text((copy / "js" / "main.js").read_text() + "\n// release 2\n")
    assert shell.current()[1] != first
    (copy / "js" / "new-module.js").write_text("export {};\n")
    urls, version = shell.current()
    assert f"/r/{shell.versions()['app']}/js/new-module.js" in urls
    assert f'const VERSION = "{version}";' in shell.worker()


def test_manifest_and_icons(client):
    r = client.get("/manifest.webmanifest")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/manifest+json")
    manifest = r.json()
    assert manifest["name"] == "社区警务全息图" and manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    purposes = set()
    for icon in manifest["icons"]:
        body = client.get(icon["src"]).content
        assert body[:8] == b"\x89PNG\r\n\x1a\n", icon["src"]
        width, height = struct.unpack(">II", body[16:24])
        assert f"{width}x{height}" == icon["sizes"]
        purposes.add(icon["purpose"])
    assert {"any", "maskable"} <= purposes
    assert {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}
    index = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in index


def test_csp_allows_the_worker_and_manifest_from_self_only(client):
    csp = client.get("/").headers["content-security-policy"]
    assert "worker-src 'self';" in csp and "manifest-src 'self';" in csp
    assert "script-src 'self';" in csp  # still no inline script or eval


def test_icons_are_the_script_output():
    """scripts/make_icons.py draws the committed icons (rerun it after changing the design): the 192 px one,
    drawn again here, is byte for byte the committed file."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "make_icons.py"
    spec = importlib.util.spec_from_file_location("make_icons", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.OUT == FRONTEND / "img" / "icons"
    assert {p.name for p in module.OUT.glob("*.png")} == {"icon-192.png", "icon-512.png", "maskable-512.png"}
    assert module.draw(192) == (module.OUT / "icon-192.png").read_bytes()


def test_config_carries_the_offline_tile_limit(settings):
    """The device caches at most HOLOMAP_OFFLINE_TILE_LIMIT tiles per layer: the page reads it from /config.json
    (the e2e drills download a pack under a small limit and count what the device kept)."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    assert settings.offline_tile_limit == 1500  # the default
    with TestClient(create_app(settings.model_copy(update={"offline_tile_limit": 7}))) as c:
        assert c.get("/config.json").json()["offline_tile_limit"] == 7


def test_the_plan_screens_plugin_is_not_loaded_by_the_page_but_kept_offline(client):
    """Leaflet-Geoman (and the map screen's Leaflet.VectorGrid) sits in index.html's <template id="lazy-plugins">
    (js/lib/plugins.js adds it when the plan screen opens, issue 22): no tag of the page outside the template loads
    it; it is served, versioned, and the service worker's shell still has it, so the plan screen opens offline."""
    page = client.get("/").text
    outside = re.sub(r'<template id="lazy-plugins">.*?</template>', "", page, flags=re.S)
    inside = re.search(r'<template id="lazy-plugins">(.*?)</template>', page, flags=re.S).group(1)
    assert "leaflet-geoman" not in outside and "leaflet-heat" not in outside
    lazy = re.findall(r'(?:src|href)="(/r/[^"]+)"', inside)
    assert len([u for u in lazy if "leaflet-geoman" in u]) == 2  # its script and stylesheet
    assert [u for u in lazy if "VectorGrid" in u] and "VectorGrid.bundled" not in outside  # the map screen's
    _, shell = _shell_of(client.get("/sw.js").text)
    for url in lazy:
        assert url in shell, url
        r = client.get(url)
        assert r.status_code == 200 and "immutable" in r.headers["cache-control"], url
