"""Photos (issue 16): JPEG/PNG/WebP by their magic bytes, ≤ 2 MB, metadata stripped except the time,
stored once per content hash in the database, attached to a visit, building or dispute in the user's
beats, read back in scope and audited, idempotent."""
import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from api.photos.images import DATETIME_ORIGINAL, EXIF_IFD, ImageRefused, clean, sniff
from tests.conftest import scalar
from tests.visits.places import beat_of, household_in, household_outside

GPS_IFD = 0x8825


def jpeg(*, size=(64, 48), colour=(200, 30, 30), taken: str | None = "2026:12:04 09:15:00", gps=True,
         orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"
    if taken:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
    if gps:
        exif.get_ifd(GPS_IFD)[2] = (36.0, 30.0, 0.0)  # GPSLatitude
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 255, 0)).save(out, format="WEBP")
    return out.getvalue()


@pytest.fixture()
def home(app_conn):
    return household_in(app_conn, beat_of(app_conn, "officer1"))


@pytest.fixture()
def visit_id(client, login, home):
    body = {"household_id": home.id, "visited_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "checklist": {"verify_hukou": True}, "notes": "拍照", "follow_up": False}
    r = client.post("/api/visits", json=body, headers=login("officer1"))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def upload(client, headers, data: bytes, name="p.jpg", content_type="image/jpeg", **subject):
    return client.post("/api/photos", files={"file": (name, data, content_type)},
                       data={k: str(v) for k, v in subject.items()}, headers=headers)


# ---- the image rules (pure) -------------------------------------------------------------------------

def test_metadata_is_stripped_except_the_time_and_the_image_is_upright():
    cleaned = clean(jpeg(size=(64, 48), orientation=6))  # 6: rotate 90° to display
    assert cleaned.media_type == "image/jpeg" and (cleaned.width, cleaned.height) == (48, 64)
    assert cleaned.taken_at == datetime(2026, 12, 4, 9, 15, tzinfo=cleaned.taken_at.tzinfo)
    assert cleaned.taken_at.utcoffset() == timedelta(hours=8)
    exif = Image.open(io.BytesIO(cleaned.data)).getexif()
    assert exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) == "2026:12:04 09:15:00"
    assert not exif.get_ifd(GPS_IFD) and 0x010F not in exif and 0x0110 not in exif and 0x0112 not in exif
    assert b"PhoneMaker" not in cleaned.data


def test_png_and_webp_are_accepted_and_carry_no_metadata():
    assert clean(png()).media_type == "image/png"
    assert clean(webp()).media_type == "image/webp"
    assert clean(jpeg(taken=None)).taken_at is None


@pytest.mark.parametrize(("data", "reason"), [
    (b"GIF89a" + b"\0" * 100, "type"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "type"),
    (b"%PDF-1.7\n", "type"),
    (b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10, "corrupt"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "corrupt"),
    (b"", "type"),
])
def test_only_real_images_pass(data, reason):
    with pytest.raises(ImageRefused) as refused:
        clean(data)
    assert refused.value.reason == reason


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(ImageRefused):
        clean(jpeg()[:200])


def test_sniff_uses_the_bytes_not_the_name():
    assert sniff(png()) == "PNG" and sniff(webp()) == "WEBP" and sniff(jpeg()) == "JPEG"


# ---- the API -----------------------------------------------------------------------------------------

def test_a_visit_photo_is_stored_once_per_content_and_read_back_audited(client, login, app_conn, visit_id):
    headers = login("officer1")
    data = jpeg()
    r = upload(client, headers, data, visit_id=visit_id)
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["visit_id"] == visit_id and photo["building_id"] is None and photo["media_type"] == "image/jpeg"
    assert photo["taken_at"].startswith("2026-12-04T09:15:00+08:00") or photo["taken_at"].startswith(
        "2026-12-04T01:15:00")
    second = upload(client, headers, data, visit_id=visit_id)  # the same picture again: one blob
    assert second.json()["sha256"] == photo["sha256"] and second.json()["id"] != photo["id"]
    assert scalar(app_conn, "SELECT count(*) FROM photo_blob WHERE sha256 = :s", s=photo["sha256"]) == 1
    image = client.get(photo["url"], headers=headers)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(image.content).hexdigest() == photo["sha256"]
    assert b"PhoneMaker" not in image.content
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'photo.read' AND object_id = :i",
                  i=str(photo["id"])) == 1
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'photo.create' AND object_id = :i",
                  i=str(photo["id"])) == 1
    # the household's visit history lists the visit's photos, oldest first, for the web app to show
    household_id = scalar(app_conn, "SELECT household_id FROM visit WHERE id = :i", i=visit_id)
    history = client.get(f"/api/households/{household_id}/visits", headers=headers).json()["visits"]
    assert next(v for v in history if v["id"] == visit_id)["photo_ids"] == [photo["id"], second.json()["id"]]


def test_building_and_dispute_photos(client, login, app_conn, home):
    headers = login("officer1")
    r = upload(client, headers, png(), "door.png", "image/png", building_id=home.building_id)
    assert r.status_code == 201 and r.json()["building_id"] == home.building_id, r.text
    door = r.json()["id"]
    # the building's 门头照 are listed in its lookup document and 楼盘表 (ids only: each image is read through
    # GET /api/photos/{id}, scoped and audited), oldest first
    lookup = client.get("/api/lookup", params={"lon": home.lon, "lat": home.lat}, headers=headers)
    assert lookup.status_code == 200, lookup.text
    ids = lookup.json()["building"]["photo_ids"]
    assert door in ids and ids == sorted(ids)
    floorplan = client.get(f"/api/buildings/{home.building_id}/floorplan", headers=headers).json()
    assert door in floorplan["building"]["photo_ids"]
    dispute = client.post("/api/disputes", headers=headers, json={
        "title": "照片纠纷", "category": "neighbour", "grade": "green",
        "location": {"lon": home.lon, "lat": home.lat}, "parties": [{"household_id": home.id, "side": "applicant"}]})
    assert dispute.status_code == 201, dispute.text
    r = upload(client, headers, webp(), "d.webp", "image/webp", dispute_id=dispute.json()["id"])
    assert r.status_code == 201 and r.json()["media_type"] == "image/webp", r.text
    # the dispute's detail lists its photos for the web app to show
    detail = client.get(f"/api/disputes/{dispute.json()['id']}", headers=headers)
    assert detail.json()["photo_ids"] == [r.json()["id"]]


def test_out_of_scope_subjects_and_photos_are_404(client, login, app_conn, visit_id):
    outside = household_outside(app_conn, "officer1")
    r = upload(client, login("officer1"), jpeg(), building_id=scalar(
        app_conn, "SELECT building_id FROM household WHERE id = :h", h=outside.id))
    assert r.status_code == 404
    mine = upload(client, login("officer1"), jpeg(), visit_id=visit_id).json()
    other = scalar(app_conn, """SELECT u.username FROM app_user u WHERE u.role = 'officer' AND u.active
                                AND NOT EXISTS (SELECT 1 FROM beat_member m JOIN household h ON h.beat_id = m.beat_id
                                                JOIN visit v ON v.household_id = h.id
                                                WHERE m.user_id = u.id AND v.id = :v)
                                ORDER BY u.username LIMIT 1""", v=visit_id)
    r = client.get(mine["url"], headers=login(other))
    assert r.status_code == 404 and r.json()["code"] == "photo.not_in_scope"
    assert client.get(mine["url"], headers=login("leader")).status_code == 403
    assert client.get("/api/photos/2000000000", headers=login("officer1")).status_code == 404


@pytest.mark.parametrize(("data", "name", "ctype", "code"), [
    (b"GIF89a" + b"\0" * 64, "x.jpg", "image/jpeg", "photo.type_refused"),  # the name and type lie
    (b"\xff\xd8\xff\xe0broken", "x.jpg", "image/jpeg", "photo.corrupt"),
])
def test_bad_files_are_422_with_a_code(client, login, visit_id, data, name, ctype, code):
    r = upload(client, login("officer1"), data, name, ctype, visit_id=visit_id)
    assert r.status_code == 422 and r.json()["code"] == code, r.text


def test_more_than_2_mb_is_413(client, login, visit_id):
    big = b"\xff\xd8\xff\xe0" + b"\0" * (2 * 1024 * 1024)
    r = upload(client, login("officer1"), big, visit_id=visit_id)
    assert r.status_code == 413 and r.json()["code"] == "photo.too_large"


def test_exactly_one_subject(client, login, home, visit_id):
    r = upload(client, login("officer1"), jpeg(), visit_id=visit_id, building_id=home.building_id)
    assert r.status_code == 422 and r.json()["code"] == "photo.one_subject"
    r = upload(client, login("officer1"), jpeg())
    assert r.status_code == 422 and r.json()["code"] == "photo.one_subject"


def test_a_photo_upload_is_idempotent(client, login, app_conn, visit_id):
    headers = {**login("officer1"), "Idempotency-Key": str(uuid.uuid4())}
    data = jpeg()
    first = upload(client, headers, data, visit_id=visit_id)
    again = upload(client, headers, data, visit_id=visit_id)  # another multipart boundary, same content
    assert first.status_code == again.status_code == 201 and first.content == again.content
    assert again.headers["idempotent-replayed"] == "true"
    assert scalar(app_conn, "SELECT count(*) FROM photo WHERE visit_id = :v", v=visit_id) == 1
    other = upload(client, headers, jpeg(colour=(0, 0, 0)), visit_id=visit_id)
    assert other.status_code == 409 and other.json()["code"] == "idempotency.conflict"


def test_a_decompression_bomb_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")  # 48 million pixels in a few kB
    assert len(out.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(ImageRefused) as refused:
        clean(out.getvalue())
    assert refused.value.reason == "pixels"
