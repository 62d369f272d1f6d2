"""Zip bombs in XLSX and zipped-Shapefile uploads are refused before they cost memory (issue 14, item 4).

The penetration test sent a 300 KB XLSX whose xl/sharedStrings.xml unpacks to hundreds of MB (0.9 GB of
server memory). Here the bombs are generated (written streaming, so the test itself stays small) and read
in a child process whose peak memory (ru_maxrss) is measured before and after.
"""
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from api.errors import InvalidInput, PayloadTooLarge
from api.imports.archives import XLSX_LIMITS, ArchiveLimits, check_archive
from api.imports.boundaries import import_boundaries
from api.imports.sample import SampleBuilding, people_rows, to_xlsx

MB = 1024 * 1024
BOMB_BYTES = 256 * MB
ROOT = Path(__file__).resolve().parents[2]
MEASURE = """
import json, resource, sys
from api.errors import HolomapError
from api.imports.sheets import read_sheet
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    sheet = read_sheet(data, "people.xlsx")
    rows = sum(1 for _ in sheet.rows)
    outcome = {"status": 200, "rows": rows}
except HolomapError as exc:
    outcome = {"status": exc.status, "code": exc.code, "detail": exc.detail}
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({**outcome, "peak_growth_mb": (after - before) / 1024}))
"""


def small_workbook() -> bytes:
    return to_xlsx(people_rows([SampleBuilding("B1", "测试路1号")], 3))


def with_bomb(path: Path, name: str, head: bytes, unit: bytes, tail: bytes, size: int = BOMB_BYTES) -> Path:
    """The small workbook plus (or with replaced) member `name` unpacking to `size` bytes."""
    source = zipfile.ZipFile(io.BytesIO(small_workbook()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            if item.filename != name:
                archive.writestr(item, source.read(item))
        archive.compression = zipfile.ZIP_DEFLATED
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as out:
            out.write(head)
            block = unit * (MB // len(unit))
            for _ in range(size // len(block)):
                out.write(block)
            out.write(tail)
    return path


def declare_smaller(path: Path, name: str, declared: int) -> None:
    """Rewrite `name`'s sizes and CRC in the local and central headers: it claims `declared` bytes
    (with the CRC of its first `declared` bytes) while its deflate stream still yields all of them."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(name)
        with archive.open(info) as stream:
            crc = zlib.crc32(stream.read(declared))
    local = info.header_offset
    assert data[local:local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        n = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46:central + 46 + n]) == name.encode():
            struct.pack_into("<I", data, central + 16, crc)
            struct.pack_into("<I", data, central + 24, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def measure(path: Path) -> dict:
    """read_sheet in a child process: its outcome and how much its peak memory grew while reading."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_shared_strings_bomb_is_refused_and_memory_stays_small(tmp_path):
    bomb = with_bomb(tmp_path / "strings.xlsx", "xl/sharedStrings.xml",
                     b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
                     b"<si><t>a</t></si>", b"</sst>")
    assert bomb.stat().st_size < 2 * MB  # a small upload…
    result = measure(bomb)
    assert result["status"] == 413, result
    assert result["code"] in ("import.archive_member_too_large", "import.archive_ratio_too_high"), result
    assert result["peak_growth_mb"] < 32, result  # …that no longer costs the server hundreds of MB


def test_sheet_xml_bomb_is_refused(tmp_path):
    bomb = with_bomb(tmp_path / "sheet.xlsx", "xl/worksheets/sheet1.xml",
                     b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                     b'2006/main"><sheetData>', b'<row><c t="inlineStr"><is><t>x</t></is></c></row>',
                     b"</sheetData></worksheet>")
    result = measure(bomb)
    assert result["status"] == 413 and result["code"] == "import.archive_ratio_too_high", result
    assert result["peak_growth_mb"] < 32, result


def test_a_member_whose_declared_size_lies_is_refused_while_reading(tmp_path):
    bomb = with_bomb(tmp_path / "lie.xlsx", "xl/sharedStrings.xml",
                     b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
                     b"<si><t>a</t></si>", b"</sst>")
    declare_smaller(bomb, "xl/sharedStrings.xml", 4096)
    info = zipfile.ZipFile(bomb).getinfo("xl/sharedStrings.xml")
    assert info.file_size == 4096 and info.file_size / info.compress_size < XLSX_LIMITS.max_ratio  # looks harmless
    result = measure(bomb)
    assert result["status"] == 413 and result["code"] == "import.archive_size_mismatch", result
    assert result["peak_growth_mb"] < 32, result


def test_limits_on_size_and_members_and_a_normal_workbook_still_reads(tmp_path):
    normal = small_workbook()
    check_archive(normal, XLSX_LIMITS)
    tight = ArchiveLimits(kind="xlsx", max_members=3, max_member_bytes=MB, max_total_bytes=MB, max_ratio=100)
    with pytest.raises(InvalidInput) as refused:
        check_archive(normal, tight)
    assert refused.value.code == "import.archive_too_many_members"
    assert refused.value.params == {"kind": "xlsx", "count": len(zipfile.ZipFile(io.BytesIO(normal)).infolist()),
                                    "limit": 3}
    small = ArchiveLimits(kind="xlsx", max_members=100, max_member_bytes=1000, max_total_bytes=MB, max_ratio=100)
    with pytest.raises(PayloadTooLarge) as refused:
        check_archive(normal, small)
    assert refused.value.code == "import.archive_member_too_large"


def test_xlsx_bomb_upload_is_a_413_with_a_code(client, user_headers, app_area, tmp_path):
    bomb = with_bomb(tmp_path / "strings.xlsx", "xl/sharedStrings.xml", b"<sst>", b"<si><t>a</t></si>", b"</sst>",
                     size=64 * MB)
    r = client.post("/api/import/people", headers=user_headers("admin"),
                    files={"file": ("people.xlsx", bomb.read_bytes(), "application/octet-stream")})
    assert r.status_code == 413 and r.json()["code"] == "import.archive_ratio_too_high", r.text
    assert r.json()["params"]["member"] == "xl/sharedStrings.xml"


def test_shapefile_zip_bombs_are_refused(db, tmp_path):
    path = tmp_path / "beats.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("beats.shp", b"\x00\x00\x27\x0a" + bytes(96))
        info = zipfile.ZipInfo("beats.dbf")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as out:
            for _ in range(300):
                out.write(b" " * MB)
    with pytest.raises(PayloadTooLarge) as refused:
        import_boundaries(connection=db, source=path.read_bytes(), filename="beats.zip", layer="beats")
    assert refused.value.code in ("import.archive_member_too_large", "import.archive_ratio_too_high")
    declare_smaller(path, "beats.dbf", 4096)
    with pytest.raises(PayloadTooLarge) as refused:
        import_boundaries(connection=db, source=path.read_bytes(), filename="beats.zip", layer="beats")
    assert refused.value.code == "import.archive_size_mismatch"
    assert not list(tmp_path.glob("holomap-boundary-*"))
