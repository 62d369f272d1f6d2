"""Issue 16 in the browser (Debian Chromium, `context.set_offline`): download the offline pack, start the app
with the network off, open a building from the pack, record visits offline, come back online and find each
on the server once; the issue's drill (10 visits, a dispute, a registration and a photo offline; the token
expired meanwhile → sign in → everything stored once); replay after a lost answer with the same
Idempotency-Key; a 4xx keeps the item; sign-out with unsent items asks; expiry and sign-out wipe the pack.
"""
import io
import random
import time
import uuid

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from api.offline.shell import AppShell
from tests.e2e.conftest import E2E_TILE_LIMIT
from tests.e2e.test_collection import new_person  # noqa: F401 (a fixture)
from tests.e2e.test_fieldwork import marked_rows

pytestmark = pytest.mark.e2e

CLEANUP = ["DELETE FROM visit WHERE notes LIKE :marker || '%'",
           "DELETE FROM dispute_event WHERE text LIKE :marker || '%'",
           "DELETE FROM dispute_event WHERE dispute_id IN (SELECT id FROM dispute WHERE title = :marker)",
           "DELETE FROM dispute_party WHERE dispute_id IN (SELECT id FROM dispute WHERE title = :marker)",
           "DELETE FROM dispute WHERE title = :marker"]
PACK_IN_DB = ("() => window.holomap.module('offline/db.js').then((m) => m.idb.get('pack', 'current'))"
              ".then((p) => p ? p.bytes : null)")
OUTBOX = "() => window.holomap.module('offline/db.js').then((m) => m.idb.all('outbox'))"


@pytest.fixture()
def marker(e2e_settings):
    yield from marked_rows(e2e_settings, "offline", CLEANUP)


def _visits(settings, marker: str) -> list[str]:
    engine = create_engine(settings.owner_url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text(
                "SELECT notes FROM visit WHERE notes LIKE :m || '%' ORDER BY notes"), {"m": marker})]
    finally:
        engine.dispose()


def _wait_for_worker(page, seconds: float = 60) -> None:
    """Until the service worker controls the page (polled from here: the CSP forbids eval in the page)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"):
        assert time.monotonic() < deadline, "the service worker never took control of the page"
        time.sleep(0.2)


def _sign_in_with_pack(visit, resident, username: str = "officer1") -> dict:
    """Sign in, wait for the service worker, download the pack (with its tiles). → figures"""
    visit.context.grant_permissions(["geolocation"])
    visit.context.set_geolocation({"latitude": resident["lat"], "longitude": resident["lon"], "accuracy": 9})
    visit.login(username)
    page = visit.page
    _wait_for_worker(page)
    page.locator(".offline-status").click()
    expect(page.locator(".pack-estimate")).to_contain_text("预计大小约", timeout=30000)
    started = time.monotonic()
    page.locator("[data-action=pack-download]").click()
    expect(page.locator(".pack-info")).to_be_visible(timeout=180000)
    seconds = time.monotonic() - started
    expect(page.locator(".pack-tiles")).to_contain_text("地图瓦片")
    assert page.evaluate(PACK_IN_DB) > 0
    # the server's tile limit (config.json) bounds what the device keeps: 3 layers × at most the limit
    kept = page.evaluate("() => window.holomap.module('offline/db.js').then((m) => m.idb.get('pack', 'current'))"
                         ".then((p) => p.tile_count)")
    cached = page.evaluate("() => caches.open('holomap-tiles').then((c) => c.keys()).then((k) => k.length)")
    assert 0 < cached <= kept <= 3 * E2E_TILE_LIMIT, (cached, kept)
    return {"download_s": seconds, "pack_info": page.locator(".pack-info").inner_text(),
            "tiles": page.locator(".pack-tiles").inner_text()}


def _record_visit(page, household_id: int, notes: str) -> None:
    card = page.locator(f'.hh-card[data-household="{household_id}"]')
    card.locator("[data-action=visit]").click()
    form = page.locator("form.visit-form")
    expect(form.locator(".geo-status")).to_contain_text("已定位（精度 9 米）")
    form.locator("input[name=verify_hukou]").check()
    form.locator("textarea[name=notes]").fill(notes)
    form.locator("button[type=submit]").click()
    expect(page.locator(".toast").last).to_contain_text("已离线保存")
    expect(page.locator(f'.hh-card[data-household="{household_id}"]')).to_be_visible()


def _owner_rows(settings, sql: str, **params) -> list[tuple]:
    engine = create_engine(settings.owner_url)
    try:
        with engine.begin() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


@pytest.fixture()
def building_photos(known, e2e_settings):
    """The 门头照 a test adds to the known building (rows created from now on); deleted afterwards."""
    building = known["resident"]["building_id"]
    since = _owner_rows(e2e_settings, "SELECT clock_timestamp()")[0][0]
    sql = "SELECT p.id, b.width, b.height FROM photo p JOIN photo_blob b ON b.sha256 = p.sha256 " \
          "WHERE p.building_id = :b AND p.created_at >= :since ORDER BY p.id"
    yield lambda: _owner_rows(e2e_settings, sql, b=building, since=since)
    _owner_rows(e2e_settings, "DELETE FROM photo WHERE building_id = :b AND created_at >= :since RETURNING id",
                b=building, since=since)


def test_offline_start_pack_panel_visits_synced_once(desktop, known, marker, e2e_settings, building_photos):
    """Offline start from the pack; a 门头照, a dispute note and visits queued offline; the page is closed
    while the outbox replays (one visit stored, its answer never arrived), reopened, signed in: the replay
    stores every item exactly once."""
    resident = known["resident"]
    figures = _sign_in_with_pack(desktop, resident)
    page, context = desktop.page, desktop.context
    sent: list[tuple[str, str]] = []
    context.on("request", lambda r: sent.append((r.url, r.headers.get("idempotency-key")))
               if r.method == "POST" and r.url.endswith("/api/visits") else None)

    context.set_offline(True)
    started = time.monotonic()
    page.reload()
    page.wait_for_selector("body[data-ready=map]", timeout=60000)
    figures["offline_start_s"] = time.monotonic() - started
    expect(page.locator(".offline-status")).to_contain_text("离线模式")

    # a building from the pack: its panel and 楼盘表
    page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                  [resident["lon"], resident["lat"], resident["household_id"]])
    expect(page.locator(".offline-hint")).to_contain_text("离线包")
    card = page.locator(f'.hh-card[data-household="{resident["household_id"]}"]')
    expect(card).to_contain_text(resident["name"])
    expect(page.locator(".fp-cell").first).to_be_attached()
    # the map screen's label part and building panel, imported when the screen opened: from the worker's cache
    expect(card.locator("[data-action=visit]")).to_have_text("记录走访")
    assert "household." not in page.locator(".panel").inner_text()
    assert "*" in page.locator(".person-id span").first.inner_text()
    desktop.screenshot("offline-panel-from-pack")

    # a 门头照 from the camera, resized on the device and queued in the outbox
    photos = page.locator(".building-photos")
    expect(photos.locator("input.photo-input")).to_have_attribute("capture", "environment")
    photos.locator("input.photo-input").set_input_files(
        files=[{"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": _camera_jpeg()}])
    expect(photos.locator(".photo-thumb img")).to_have_count(1)
    photos.locator("[data-action=upload-building-photos]").click()
    expect(page.locator(".toast").last).to_contain_text("门头照已离线保存")
    expect(photos.locator(".photo-field .photo-thumb")).to_have_count(0)  # taken by the outbox
    expect(photos.locator(".photo-queued")).to_have_count(1)
    expect(photos.locator(".photo-queued")).to_contain_text("待发送")
    desktop.screenshot("offline-building-photo-queued")

    # the disputes layer, a dispute's detail and search, from the pack (masked data only)
    in_pack = page.evaluate("""() => window.holomap.module('offline/db.js').then(async (m) => {
        const p = await m.idb.get('pack', 'current');
        return p.buildings.flatMap((b) => b.households.flatMap((hh) => hh.open_disputes)).map((d) => d.id); })""")
    assert in_pack, "officer1's pack has open disputes"
    layer = page.evaluate("() => window.holomap.module('api.js').then((m) => m.api.get('/api/disputes'))")
    assert sorted(d["id"] for d in layer["disputes"]) == sorted(set(in_pack))
    page.wait_for_function("""(n) => { let dots = 0; window.holomap.map.eachLayer((l) => {
        if (l instanceof window.L.CircleMarker && l.options.pane === 'selection' && l.options.interactive !== false
            && l.options.fillColor) dots += 1; }); return dots === n; }""", arg=len(set(in_pack)))  # the dots drawn
    page.evaluate("(id) => window.holomap.showDispute(id)", in_pack[0])
    expect(page.locator(".dispute-detail .offline-hint")).to_contain_text("离线包中的纠纷概要")
    expect(page.locator(".dispute-detail .dispute-head")).to_be_visible()
    # a note on the dispute offline: the pack's rules offer the actions; the event waits in the outbox
    detail = page.locator(".dispute-detail")
    detail.locator("textarea[name=text]").fill(f"{marker}-note")
    detail.locator("[data-event=note]").click()
    expect(page.locator(".toast").last).to_contain_text("已离线保存")
    expect(detail.locator("textarea[name=text]")).to_have_value("")  # taken by the outbox: not sent twice
    desktop.screenshot("offline-dispute-actions")
    page.locator(".search-input").fill(resident["name"])
    hit = page.locator(".search-result", has_text=resident["name"]).first
    expect(hit).to_contain_text("*")  # the masked ID number, never the full one
    desktop.screenshot("offline-search-from-pack")
    hit.click()
    expect(page.locator(f'.hh-card[data-household="{resident["household_id"]}"]')).to_be_visible()

    count = 3
    for i in range(count):
        _record_visit(page, resident["household_id"], f"{marker}-{i}")
    expect(page.locator(".offline-status")).to_contain_text(f"{count + 2} 条待同步")
    queued = page.evaluate(OUTBOX)
    assert [(i["path"], i["form"]["building_id"] if i["form"] else None) for i in queued[:2]] == [
        ("/api/photos", resident["building_id"]), (f"/api/disputes/{in_pack[0]}/events", None)]
    assert queued[1]["body"] == {"kind": "note", "text": f"{marker}-note"}
    items = queued[2:]
    assert [i["body"]["notes"] for i in items] == [f"{marker}-{i}" for i in range(count)]
    assert len({i["key"] for i in queued}) == count + 2
    assert _visits(e2e_settings, marker) == []  # nothing reached the server while offline
    assert building_photos() == []
    desktop.screenshot("offline-pending")

    # crash mid-sync: the second visit reaches the server, and the page is closed before its answer arrives
    reached: list[str] = []
    answered: list[int] = []  # the server's answer to the second visit, which the page never gets

    def close_before_the_answer(route):
        reached.append(route.request.headers.get("idempotency-key"))
        if len(reached) != 2:
            route.continue_()
            return
        # stored on the server; the answer is never delivered. The handler runs in Playwright's dispatcher and
        # yields while the request is in flight: the page is closed only once the server has answered (closing
        # it earlier cancels the request, and the write may land during a later test)
        answered.append(route.fetch().status)

    page.route("**/api/visits", close_before_the_answer)
    context.set_offline(False)  # the `online` event starts the sync
    deadline = time.monotonic() + 30
    while not answered:
        assert time.monotonic() < deadline, reached
        page.wait_for_timeout(100)
    assert answered == [201], answered
    page.close()
    assert _visits(e2e_settings, marker) == [f"{marker}-0", f"{marker}-1"]
    assert len(building_photos()) == 1
    # reopen, sign in: the app start replays what is left (visit 1 with its key, then visit 2)
    desktop.page = page = context.new_page()
    page.on("pageerror", lambda e: desktop.errors.append(str(e)))
    desktop.login("officer1")
    expect(page.locator(".offline-status")).not_to_contain_text("待同步", timeout=30000)
    assert _visits(e2e_settings, marker) == [f"{marker}-{i}" for i in range(count)]  # each once, in order
    assert page.evaluate(OUTBOX) == []
    keys = [i["key"] for i in items]
    assert [key for _, key in sent] == [keys[0], keys[1], keys[1], keys[2]]  # the replay: the same key
    stored = building_photos()
    assert len(stored) == 1 and max(stored[0][1:]) == 1600, stored  # resized on the device
    notes = _owner_rows(e2e_settings, "SELECT dispute_id, kind FROM dispute_event WHERE text = :t",
                        t=f"{marker}-note")
    assert notes == [(in_pack[0], "note")]
    # online, a 门头照 is sent at once and the panel reloads with it; shown on request (an audited read)
    page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                  [resident["lon"], resident["lat"], resident["household_id"]])
    photos = page.locator(".building-photos")
    expect(photos.locator("[data-action=show-photos]")).to_be_visible()
    photos.locator("input.photo-input").set_input_files(
        files=[{"name": "IMG_0003.jpg", "mimeType": "image/jpeg", "buffer": _camera_jpeg()}])
    photos.locator("[data-action=upload-building-photos]").click()
    expect(page.locator(".toast").last).to_contain_text("门头照已上传")
    expect(photos.locator(".photo-field .photo-thumb")).to_have_count(0)
    expect(photos.locator(".photo-queued")).to_have_count(0)
    assert len(building_photos()) == 2 and page.evaluate(OUTBOX) == []
    photos.locator("[data-action=show-photos]").click()
    on_building = _owner_rows(e2e_settings, "SELECT count(*) FROM photo WHERE building_id = :b",
                              b=resident["building_id"])[0][0]
    expect(photos.locator(".photo-thumb img")).to_have_count(on_building)
    desktop.screenshot("building-photos")
    print(f"\nOFFLINE FIGURES {figures}")
    assert not desktop.outside_requests(), desktop.outside_requests()
    assert not desktop.errors, desktop.errors


def _camera_jpeg() -> bytes:
    """A 4000×3000 phone-camera-sized JPEG (noise, so it stays large: about 2–3 MB)."""
    rng = random.Random(16)
    small = Image.frombytes("RGB", (400, 300), bytes(rng.getrandbits(8) for _ in range(400 * 300 * 3)))
    out = io.BytesIO()
    small.resize((4000, 3000), Image.NEAREST).save(out, "JPEG", quality=95)
    return out.getvalue()


def _stored(settings, marker: str, id_number: str) -> dict:
    engine = create_engine(settings.owner_url)
    try:
        with engine.connect() as conn:
            one = lambda sql: conn.execute(text(sql), {"m": marker, "n": id_number}).all()  # noqa: E731
            return {
                "visits": [r[0] for r in one("SELECT notes FROM visit WHERE notes LIKE :m || '%' ORDER BY id")],
                "photos": [tuple(r) for r in one(
                    "SELECT v.notes, b.media_type, b.size, b.width, b.height FROM photo p "
                    "JOIN visit v ON v.id = p.visit_id JOIN photo_blob b ON b.sha256 = p.sha256 "
                    "WHERE v.notes LIKE :m || '%'")],
                "disputes": one("SELECT id FROM dispute WHERE title = :m"),
                "persons": one("SELECT id FROM person WHERE id_number = :n"),
            }
    finally:
        engine.dispose()


def test_the_field_drill_offline_then_expired_token_sign_in_and_sync(desktop, known, marker, e2e_settings,
                                                                      new_person):  # noqa: F811
    """The issue's drill: offline start, 10 visits (one with a camera photo), a dispute and a registration;
    the queued visits in the history as 待发送; sign-out offline asks instead of leaving them; the token
    expires meanwhile → online → the sign-in dialog → every item stored exactly once."""
    resident = known["resident"]
    _sign_in_with_pack(desktop, resident)
    page, context = desktop.page, desktop.context
    hid = resident["household_id"]
    card = page.locator(f'.hh-card[data-household="{hid}"]')
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready=map]", timeout=60000)
    page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                  [resident["lon"], resident["lat"], hid])
    expect(card).to_be_visible()

    # visit 0 with a photo from the camera: resized on the device before it is queued
    card.locator("[data-action=visit]").click()
    form = page.locator("form.visit-form")
    expect(form.locator("input.photo-input")).to_have_attribute("capture", "environment")
    form.locator("input.photo-input").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _camera_jpeg()}])
    expect(form.locator(".photo-thumb img")).to_have_count(1)
    expect(form.locator(".geo-status")).to_contain_text("已定位（精度 9 米）")
    form.locator("input[name=verify_hukou]").check()
    form.locator("textarea[name=notes]").fill(f"{marker}-0")
    form.locator("button[type=submit]").click()
    expect(page.locator(".toast").last).to_contain_text("已离线保存")
    for i in range(1, 10):
        _record_visit(page, hid, f"{marker}-{i}")
    # a dispute and a registration, offline
    card.locator("[data-action=dispute]").click()
    page.locator("form.dispute-form input[name=title]").fill(marker)
    page.locator("form.dispute-form button[type=submit]").click()
    expect(page.locator(".toast").last).to_contain_text("已离线保存")
    expect(card).to_be_visible()
    card.locator("[data-action=register-person]").click()
    person = page.locator("form.person-form")
    person.locator("input[name=name]").fill(new_person["name"])
    person.locator("input[name=id_number]").fill(new_person["id_number"])
    person.locator("select[name=residency]").select_option("floating")
    person.locator("button[type=submit]").click()
    expect(page.locator(".toast").last).to_contain_text("已离线保存")
    expect(page.locator(".offline-status")).to_contain_text("13 条待同步")  # 10 visits, a photo, 2 records
    photo_item = [i for i in page.evaluate(OUTBOX) if i["path"] == "/api/photos"]
    assert len(photo_item) == 1 and photo_item[0]["after"]["field"] == "visit_id"
    queued_photo = page.evaluate("""() => window.holomap.module('offline/db.js').then(async (m) => {
        const item = (await m.idb.all('outbox')).find((i) => i.path === '/api/photos');
        const bitmap = await createImageBitmap(item.form.file);
        const file = item.form.file;
        return { size: file.size, type: file.type, width: bitmap.width, height: bitmap.height }; })""")
    # resized on the device: what waits (and is sent) is a JPEG of at most 1600 px and 500 KB
    assert queued_photo["type"] == "image/jpeg" and queued_photo["size"] <= 500 * 1024, queued_photo
    assert (queued_photo["width"], queued_photo["height"]) == (1600, 1200), queued_photo

    # the household's history shows the queued visits, newest first, with the photo taken for visit 0
    expect(card).to_be_visible()
    queued = card.locator("li.visit-queued")
    expect(queued).to_have_count(10)
    expect(queued.first).to_contain_text("待发送")
    expect(queued.last).to_contain_text(f"{marker}-0")
    expect(queued.last.locator(".photo-thumb img")).to_have_count(1)
    desktop.screenshot("offline-drill-queued-history")

    # sign-out while offline with unsent work: it says so and cannot sync; 取消 keeps everything
    page.locator("button.logout").click()
    dialog = page.locator("dialog.signout-unsent")
    expect(dialog).to_contain_text("13 条记录未发送")
    expect(dialog).to_contain_text("当前离线")
    expect(dialog.locator("[data-action=sync]")).to_have_count(0)
    desktop.screenshot("offline-signout-unsent")
    dialog.locator("[data-action=cancel]").click()
    expect(dialog).to_have_count(0)
    assert len(page.evaluate(OUTBOX)) == 13

    # meanwhile the session ended (the access token expired and the refresh token is refused)
    page.evaluate("""() => { sessionStorage.setItem('holomap.token', 'expired.token.value');
                             sessionStorage.setItem('holomap.refresh', 'a-refresh-token-the-server-never-made'); }""")
    context.set_offline(False)  # the `online` event starts the sync: 401 → the sign-in dialog in place
    signin = page.locator("dialog.signin-again")
    expect(signin).to_be_visible(timeout=30000)
    signin.locator("input[name=password]").fill("demo-password")
    signin.locator("button[type=submit]").click()
    try:
        expect(page.locator(".offline-status")).not_to_contain_text("待同步", timeout=60000)
    finally:
        left = page.evaluate(OUTBOX)
        assert left == [], [(i["path"], i["status"], i["error"], i["after"]) for i in left]
    stored = _stored(e2e_settings, marker, new_person["id_number"])
    assert stored["visits"] == [f"{marker}-{i}" for i in range(10)]  # each once, in the order made
    assert len(stored["disputes"]) == 1 and len(stored["persons"]) == 1
    assert len(stored["photos"]) == 1
    notes, media_type, size, width, height = stored["photos"][0]
    assert notes == f"{marker}-0" and media_type == "image/jpeg"
    assert (width, height) == (1600, 1200), stored["photos"]
    # the stored photo in the history, fetched on request (audited)
    page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                  [resident["lon"], resident["lat"], hid])
    shown = card.locator(f'li.visit:has-text("{marker}-0")')
    shown.locator("[data-action=show-photos]").click()
    expect(shown.locator(".photo-thumb img")).to_have_count(1)
    assert shown.locator(".photo-thumb img").evaluate("(img) => img.complete && img.naturalWidth") == 1600
    assert not desktop.errors, desktop.errors


def test_lost_answer_is_replayed_with_the_same_key(desktop, known, marker, e2e_settings):
    """The server stored the visit but its answer never arrived (page crash, dead connection): the item stays
    and is sent again with the identical Idempotency-Key. With the idempotent server (issue 16 part 3,
    server side) that replay must not create a second row: the lead makes the count assertion exact."""
    resident = known["resident"]
    desktop.context.grant_permissions(["geolocation"])
    desktop.login("officer1")
    page = desktop.page
    keys: list[str] = []

    def lose_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()  # the server stores it …
        route.abort("connectionreset")  # … and the answer is lost

    page.route("**/api/visits", lose_answer)
    item = page.evaluate("""([hid, notes]) => window.holomap.module('offline/outbox.js').then(async (m) => {
        await m.enqueue('POST', '/api/visits', { household_id: hid, checklist: { verify_hukou: true }, notes });
        await m.sync();
        return m.items(); })""", [resident["household_id"], f"{marker}-lost"])
    assert len(item) == 1 and item[0]["status"] == "pending" and item[0]["attempts"] == 1
    page.unroute("**/api/visits")
    replayed: list[str] = []
    page.on("request", lambda r: replayed.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and r.url.endswith("/api/visits") else None)
    left = page.evaluate("() => window.holomap.module('offline/outbox.js')"
                         ".then(async (m) => { await m.sync(); return m.items(); })")
    assert left == []
    assert keys == [item[0]["key"]] and replayed == [item[0]["key"]]  # identical on the replay
    assert uuid.UUID(item[0]["key"]).version == 4
    stored = _visits(e2e_settings, marker)
    assert len(stored) == 1  # the server answered the replayed key with the first visit: stored once


def test_a_refused_item_stays_for_correction_and_sign_out_asks_about_it(desktop):
    """A 4xx keeps the item (and the photo that follows it, waiting); discarding the item takes its photo;
    sign-out with an unsent item offers 先同步再退出 (refused again: still signed in, the item shown) and
    放弃并退出 (the item deleted from the device)."""
    desktop.login("officer1")
    page = desktop.page
    page.evaluate("""() => window.holomap.module('offline/outbox.js').then(async (m) => {
        const first = await m.enqueue('POST', '/api/visits', { household_id: 2147483000, checklist: {}, notes: 'x' },
                                      { label: '走访 测试' });
        const file = new Blob(['x'], { type: 'image/jpeg' });
        await m.enqueue('POST', '/api/photos', null, { label: '照片 1', form: { file, visit_id: null },
                        after: { seq: first.seq, field: 'visit_id' } });
        await m.enqueue('POST', '/api/visits', { household_id: 2147483001, checklist: {}, notes: 'y' },
                        { label: '走访 测试二' });
        await m.sync(); })""")
    items = page.evaluate(OUTBOX)
    assert [(i["path"], i["status"]) for i in items] == [
        ("/api/visits", "failed"), ("/api/photos", "pending"), ("/api/visits", "failed")]
    assert 400 <= items[0]["error"]["status"] < 500 and items[1]["attempts"] == 0  # the photo waits for its visit
    page.locator(".offline-status").click()
    row = page.locator(".outbox-item.outbox-failed").first
    expect(row).to_contain_text("同步失败")
    expect(page.locator(".outbox-item").nth(1)).to_contain_text("等待所属记录先同步")
    expect(page.locator(".offline-status")).to_contain_text("3 条待同步")
    page.evaluate("() => window.holomap.module('offline/outbox.js').then((m) => m.sync())")  # a new run keeps them
    assert len(page.evaluate(OUTBOX)) == 3
    page.once("dialog", lambda d: d.accept())
    row.locator("[data-action=discard]").click()  # the visit and its photo
    expect(page.locator(".outbox-item")).to_have_count(1)
    assert [i["body"]["notes"] for i in page.evaluate(OUTBOX)] == ["y"]

    # sign-out: 先同步再退出 → refused again → still signed in, told so, the item in view
    page.locator("button.logout").click()
    dialog = page.locator("dialog.signout-unsent")
    expect(dialog).to_contain_text("1 条记录未发送")
    dialog.locator("[data-action=sync]").click()
    expect(page.locator(".toast").last).to_contain_text("仍有 1 条未能发送")
    expect(page.locator(".outbox-item.outbox-failed")).to_have_count(1)
    assert page.locator("body[data-ready]").count() == 1
    # sign-out: 放弃并退出 → deleted from the device, signed out
    page.locator("button.logout").click()
    page.locator("dialog.signout-unsent [data-action=discard]").click()
    page.wait_for_selector("input[name=username]")
    assert page.evaluate(OUTBOX) == []


def test_expiry_and_sign_out_wipe_the_pack(desktop, known):
    _sign_in_with_pack(desktop, known["resident"], "aux5")  # a small beat: three downloads
    page = desktop.page
    # expired: wiped at the next start
    page.evaluate("""() => window.holomap.module('offline/db.js').then(async (m) => {
        const p = await m.idb.get('pack', 'current'); p.expires_at = '2000-01-01T00:00:00+08:00';
        await m.idb.put('pack', p, 'current'); })""")
    page.reload()
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate(PACK_IN_DB) is None
    assert page.evaluate("() => caches.has('holomap-tiles')") is False
    # sign-out
    page.locator(".offline-status").click()
    page.locator("[data-action=pack-download]").click()
    expect(page.locator(".pack-info")).to_be_visible(timeout=180000)
    assert page.evaluate(PACK_IN_DB) > 0
    page.locator("button.logout").click()
    page.wait_for_selector("input[name=username]")
    assert page.evaluate(PACK_IN_DB) is None
    assert page.evaluate("() => caches.has('holomap-tiles')") is False


def test_a_disabled_account_finds_its_pack_wiped_at_the_next_online_start(desktop, known, e2e_settings):
    _sign_in_with_pack(desktop, known["resident"], "grid10")
    page = desktop.page
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE app_user SET active = false WHERE username = 'grid10'"))
        page.reload()
        page.wait_for_selector("input[name=username]")  # the session ended: back to the sign-in page
        assert page.evaluate(PACK_IN_DB) is None
        assert page.evaluate("() => caches.has('holomap-tiles')") is False
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE app_user SET active = true WHERE username = 'grid10'"))
        engine.dispose()


def test_a_new_shell_waits_and_the_user_is_offered_the_update(desktop, monkeypatch):
    """A release changes /sw.js: the new worker installs and waits; "有新版本可用 · 立即更新" makes it take
    over and reloads the page on the new shell (its cache replaces the old one)."""
    desktop.login("officer1")
    page = desktop.page
    _wait_for_worker(page)
    assert page.locator(".update-banner").count() == 0
    released = AppShell.worker  # the e2e server runs in this process: the next /sw.js is a new release
    monkeypatch.setattr(AppShell, "worker", lambda self: released(self).replace(
        'const VERSION = "', 'const VERSION = "next-', 1))
    page.evaluate("() => window.holomap.checkForUpdate()")
    banner = page.locator(".update-banner")
    expect(banner).to_contain_text("有新版本可用", timeout=30000)
    assert page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => Boolean(r.waiting))")
    shells = [k for k in page.evaluate("() => caches.keys()") if k.startswith("holomap-shell-")]
    assert len(shells) == 2  # the old shell still serves this page until the user chooses
    desktop.screenshot("offline-update-available")
    with page.expect_navigation():
        banner.locator("[data-action=update]").click()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator(".update-banner")).to_have_count(0)
    shells = [k for k in page.evaluate("() => caches.keys()") if k.startswith("holomap-shell-")]
    assert len(shells) == 1 and shells[0].startswith("holomap-shell-next-"), shells


def test_a_refused_registration_is_corrected_in_its_form(desktop, known, e2e_settings, new_person):  # noqa: F811
    """A registration that left while the answer was lost, then refused on sync (the ID number is someone
    else's): 更正 opens the person form with what was sent and the server's reason; the corrected item is
    sent with a new key and stored once."""
    resident = known["resident"]
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            taken = conn.execute(text("SELECT id_number FROM person WHERE household_id = :h AND id_number IS NOT NULL"
                                      " LIMIT 1"), {"h": resident["household_id"]}).scalar_one()
    finally:
        engine.dispose()
    desktop.login("officer1")
    page = desktop.page
    page.evaluate("([lon, lat, hid]) => window.holomap.lookupAt(lon, lat, {householdId: hid})",
                  [resident["lon"], resident["lat"], resident["household_id"]])
    card = page.locator(f'.hh-card[data-household="{resident["household_id"]}"]')
    card.locator("[data-action=register-person]").click()
    form = page.locator("form.person-form")
    form.locator("input[name=name]").fill(new_person["name"])
    form.locator("input[name=id_number]").fill(taken)
    form.locator("select[name=residency]").select_option("floating")
    page.route("**/api/households/*/persons", lambda route: route.abort("internetdisconnected"))
    form.locator("button[type=submit]").click()
    expect(page.locator(".toast").last).to_contain_text("已离线保存")  # no answer: kept in the outbox
    page.unroute("**/api/households/*/persons")
    deadline = time.monotonic() + 30
    while True:  # the next sync sends it and the server refuses it (a timer or `online` run may come first)
        page.evaluate("() => window.holomap.module('offline/outbox.js').then((m) => m.sync())")
        [item] = page.evaluate(OUTBOX)
        if item["status"] == "failed" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert item["status"] == "failed" and item["edit"]["form"] == "person", item
    edit = page.locator(".outbox-item [data-action=edit]")
    for attempt in range(3):  # the panel is opened from the chip; a redraw while it slides in detaches the
        # button (seen about 1 run in 4 under load; the redraw's cause is not found yet: see the session notes)
        if not edit.is_visible():
            page.locator(".offline-status").click()
        try:
            edit.click(timeout=8000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    again = page.locator(".offline-outbox form.person-form")
    expect(again.locator("input[name=name]")).to_have_value(new_person["name"])
    expect(again.locator("input[name=id_number]")).to_have_value(taken)
    expect(again.locator(".form-error")).not_to_be_empty()  # the server's reason, in Chinese
    desktop.screenshot("offline-correct-refused-registration")
    again.locator("input[name=id_number]").fill(new_person["id_number"])
    again.locator("button[type=submit]").click()
    expect(page.locator(".outbox-empty")).to_be_visible()
    assert page.evaluate(OUTBOX) == []
    engine = create_engine(e2e_settings.owner_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM person WHERE id_number = :n"),
                                {"n": new_person["id_number"]}).scalar() == 1
    finally:
        engine.dispose()
