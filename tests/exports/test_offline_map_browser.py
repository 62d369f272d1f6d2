"""The exported beat map opens in Debian Chromium with every network request refused and draws the beat."""
import pytest

pytestmark = pytest.mark.e2e
BEAT_STROKE = "#c0392b"  # api.exports.offline_map.BEAT_COLOR


def test_exported_map_opens_offline_and_shows_the_beat(client, user_headers, app_area, tmp_path, browser):
    headers = user_headers("station_chief", station_id=app_area.station_id)
    r = client.get(f"/api/export/beat/{app_area.beat_id}/map.html", headers=headers)
    assert r.status_code == 200, r.text
    page_file = tmp_path / "beat.html"
    page_file.write_bytes(r.content)
    refused: list[str] = []

    def only_local(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("**/*", only_local)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(page_file.as_uri())
        beat_path = page.locator(f'path.leaflet-interactive[stroke="{BEAT_STROKE}"]')
        beat_path.first.wait_for(state="attached", timeout=15_000)
        d = beat_path.first.get_attribute("d")
        assert d and d.count("L") >= 3  # a real outline, not an empty path
        assert page.locator("path.leaflet-interactive").count() > 20  # buildings drawn too
        assert page.locator(".holomap-title").inner_text().find(app_area.prefix) >= 0
        assert errors == []
    finally:
        context.close()
    assert refused == [], f"the map tried to reach the network: {refused[:5]}"
