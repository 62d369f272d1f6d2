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


PAYLOAD = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"


def test_a_script_stored_in_an_address_stays_text_in_the_map(client, user_headers, app_conn, app_area, tmp_path,
                                                            browser):
    """Issue 14: an address holding markup shows as text in the tooltip; no element, no handler, no request."""
    from sqlalchemy import text

    code = app_area.buildings[0].std_address_code
    app_conn.execute(text("UPDATE building SET address = :a WHERE std_address_code = :c"), {"a": PAYLOAD, "c": code})
    app_conn.execute(text("UPDATE village SET name = :a WHERE station_id = :s"),
                     {"a": PAYLOAD, "s": app_area.station_id})
    headers = user_headers("station_chief", station_id=app_area.station_id)
    r = client.get(f"/api/export/beat/{app_area.beat_id}/map.html", headers=headers)
    assert r.status_code == 200, r.text
    page_file = tmp_path / "beat.html"
    page_file.write_bytes(r.content)
    requests: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("request", lambda req: requests.append(req.url))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(page_file.as_uri())
        page.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=15_000)
        shown = page.evaluate("""() => {
            const map = window[Object.keys(window).find((k) => k.startsWith('map_'))];
            const hovered = [];
            map.eachLayer((layer) => {
              const props = layer.feature && layer.feature.properties;
              if (props && ((props.address || '') + (props.name || '')).includes('onerror')) {
                layer.fire('mouseover', { latlng: layer.getBounds().getCenter() }, true);
                hovered.push([...document.querySelectorAll('.leaflet-tooltip')].map((t) => t.textContent).join('|'));
              }
            });
            return hovered;
        }""")
        assert len(shown) == 2 and all(PAYLOAD in s for s in shown), shown  # building and village, as text
        assert page.locator(".leaflet-tooltip img, .leaflet-tooltip script").count() == 0
        assert page.title() != "pwned"
        assert errors == []
    finally:
        context.close()
    assert not [u for u in requests if u.rstrip("/").endswith("/x")], requests
