"""Zip uploads (XLSX workbooks, zipped Shapefiles) checked before anything parses or unpacks them.

A zip says how large each member unpacks to, but a bomb may lie, and the readers (calamine, openpyxl,
our own unpacking) would hold or write whatever the deflate stream yields. So every member is checked
on what it declares (count, size, total, compression ratio) and then on what it really yields: it is
decompressed in 64 KB chunks, counting, up to its limit, and must yield exactly its declared size (a
member that yields more is refused as soon as it passes the limit, before anything keeps the bytes).
Only stored and deflated members are read (what Excel, WPS and GIS tools write).
"""
import copy
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from api.errors import InvalidInput, PayloadTooLarge

MB = 1024 * 1024
CHUNK = 64 * 1024
RATIO_FROM_BYTES = 1 * MB  # small members (styles, .prj) may compress very well without harm


@dataclass(frozen=True)
class ArchiveLimits:
    """What one kind of zip upload may unpack to; `member_bytes` overrides the per-member limit by name prefix."""

    kind: str  # "xlsx" | "zip": names the error codes' params and the messages
    max_members: int
    max_member_bytes: int
    max_total_bytes: int
    max_ratio: int
    member_bytes: dict[str, int] = field(default_factory=dict)

    def member_limit(self, name: str) -> int:
        """The unpacked-size limit of the member called `name`."""
        return next((n for prefix, n in self.member_bytes.items() if name.startswith(prefix)),
                    self.max_member_bytes)


# calamine keeps the shared strings (and sheets up to sheets.XLSX_IN_MEMORY_XML_BYTES) in memory, about
# 3 bytes of memory per byte of XML for tiny strings; larger sheets are streamed with openpyxl.
XLSX_LIMITS = ArchiveLimits(kind="xlsx", max_members=2_000, max_member_bytes=64 * MB,
                            max_total_bytes=2_048 * MB, max_ratio=100,
                            member_bytes={"xl/sharedStrings.xml": 64 * MB, "xl/worksheets/": 1_536 * MB})
# a Shapefile's parts are written to a temporary folder and read by GDAL; a .dbf of padded text
# columns compresses ~100-200×, so the ratio limit is looser and the total is what bounds it
SHAPEFILE_ZIP_LIMITS = ArchiveLimits(kind="zip", max_members=100, max_member_bytes=256 * MB,
                                     max_total_bytes=256 * MB, max_ratio=500)


def open_archive(data: bytes, limits: ArchiveLimits) -> zipfile.ZipFile:
    """The zip, its members' declared sizes checked (nothing is decompressed yet); 422/413 otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _damaged(limits) from None
    if len(members) > limits.max_members:
        raise InvalidInput(
            f"压缩包文件过多 the {limits.kind} holds {len(members)} files, more than {limits.max_members}",
            code="import.archive_too_many_members",
            params={"kind": limits.kind, "count": len(members), "limit": limits.max_members})
    total = 0
    for member in members:
        _check_declared(member, limits)
        total += member.file_size
    if total > limits.max_total_bytes:
        raise PayloadTooLarge(
            f"解压后过大 the {limits.kind} unpacks to more than {limits.max_total_bytes // MB} MB",
            code="import.archive_too_large", params={"kind": limits.kind, "limit_mb": limits.max_total_bytes // MB})
    return archive


def check_archive(data: bytes, limits: ArchiveLimits) -> None:
    """Every member checked on what it declares and on what it really unpacks to (bounded, streamed)."""
    archive = open_archive(data, limits)
    with archive:
        for member in archive.infolist():
            for _ in member_chunks(archive, member, limits):
                pass


def member_chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: ArchiveLimits) -> Iterator[bytes]:
    """The member's bytes in chunks; refused as soon as it yields more than it declared or its limit."""
    limit = limits.member_limit(member.filename)
    probe = copy.copy(member)
    probe.file_size = limit + 1  # read past a declared size that lies, but never past the limit
    seen = 0
    try:
        with archive.open(probe) as stream:
            while chunk := stream.read(CHUNK):
                seen += len(chunk)
                if seen > member.file_size:
                    raise _lying(member, limits)
                yield chunk
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise _damaged(limits) from None
    if seen != member.file_size:
        raise _lying(member, limits)


def _check_declared(member: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    if member.flag_bits & 0x1:
        raise InvalidInput(f"压缩包已加密 the {limits.kind} is encrypted; save it without a password",
                           code="import.archive_encrypted", params={"kind": limits.kind})
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _damaged(limits)
    limit = limits.member_limit(member.filename)
    if member.file_size > limit:
        raise PayloadTooLarge(
            f"解压后过大 {member.filename[:80]!r} in the {limits.kind} unpacks to {member.file_size // MB} MB, "
            f"more than {limit // MB} MB; save the data as CSV or split it",
            code="import.archive_member_too_large",
            params={"kind": limits.kind, "member": member.filename[:80], "limit_mb": limit // MB})
    ratio = member.file_size / max(member.compress_size, 1)
    if member.file_size > RATIO_FROM_BYTES and ratio > limits.max_ratio:
        raise PayloadTooLarge(
            f"压缩比异常 {member.filename[:80]!r} in the {limits.kind} unpacks {ratio:.0f} times its packed "
            f"size (at most {limits.max_ratio}); this is not a normal file",
            code="import.archive_ratio_too_high",
            params={"kind": limits.kind, "member": member.filename[:80], "ratio": round(ratio),
                    "limit": limits.max_ratio})


def _lying(member: zipfile.ZipInfo, limits: ArchiveLimits) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"压缩包内容与声明不符 {member.filename[:80]!r} in the {limits.kind} unpacks to more than it "
        "declares; this is not a normal file",
        code="import.archive_size_mismatch", params={"kind": limits.kind, "member": member.filename[:80]})


def _damaged(limits: ArchiveLimits) -> InvalidInput:
    if limits.kind == "xlsx":
        return InvalidInput("无法读取XLSX the .xlsx file cannot be read (damaged zip); save it again from "
                            "Excel/WPS as .xlsx", code="import.archive_damaged", params={"kind": "xlsx"})
    return InvalidInput("无法读取压缩包 the .zip file is damaged or not a zip",
                        code="import.archive_damaged", params={"kind": limits.kind})
