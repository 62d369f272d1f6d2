"""gzip answers assembled from pieces compressed apart, so a piece that does not change is compressed once.

Why: the GZip middleware compresses every answer at level 6; the per-beat answer is ~470 KB at county scale,
of which ~450 KB (the beat geometries) only change with the beats layer, and compressing it took 10–28 ms
a request, more than computing it (issue 22). A deflate stream may be cut into pieces compressed by
separate compressors when each piece but the last ends on a full flush (byte-aligned, no reference into an
earlier piece): the pieces laid end to end are one valid deflate stream, as pigz writes. With the gzip
header, the CRC-32 and the length of the whole, the answer is an ordinary single-member gzip file.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cached_property

from starlette.requests import Request
from starlette.responses import Response

LEVEL, MIN_SIZE = 6, 1024  # as the middleware (api/middleware.py)
# the middleware leaves an answer with a Content-Encoding alone, and adds Vary to the others itself
GZIP_HEADERS = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS


def deflate(data: bytes, *, last: bool) -> bytes:
    """Raw deflate of one piece: ends on a full flush, or (the last piece) finishes the stream."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


@dataclass(frozen=True)
class Piece:
    """A piece of an answer that is sent again and again: its bytes and, once asked, their deflate."""

    data: bytes

    @cached_property
    def deflated(self) -> bytes:  # never the last piece of an answer
        return deflate(self.data, last=False)


def gzip_pieces(pieces: list[bytes | Piece]) -> bytes:
    """The gzip file of the pieces' bytes laid end to end (Piece: compressed once; bytes: now)."""
    crc, size, body = 0, 0, []
    for k, piece in enumerate(pieces):
        data = piece.data if isinstance(piece, Piece) else piece
        crc, size = zlib.crc32(data, crc), size + len(data)
        last = k == len(pieces) - 1
        body.append(piece.deflated if isinstance(piece, Piece) and not last else deflate(data, last=last))
    if not pieces:
        body.append(deflate(b"", last=True))
    return HEADER + b"".join(body) + struct.pack("<II", crc, size & 0xFFFFFFFF)


def accepts_gzip(request: Request) -> bool:
    """Whether the client accepts gzip (as the middleware decides: the token in Accept-Encoding)."""
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def json_response(request: Request, pieces: list[bytes | Piece]) -> Response:
    """A JSON answer of the pieces: gzipped here when the client accepts it (the middleware then leaves it)."""
    size = sum(len(p.data if isinstance(p, Piece) else p) for p in pieces)
    if size >= MIN_SIZE and accepts_gzip(request):
        return Response(gzip_pieces(pieces), media_type="application/json", headers=GZIP_HEADERS)
    return Response(b"".join(p.data if isinstance(p, Piece) else p for p in pieces), media_type="application/json")


class Answer:
    """A kept answer (service.ANSWERS): its bytes and, once asked, their gzip."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    @cached_property
    def gzipped(self) -> bytes:
        return gzip_pieces([self.data])


def answer_response(request: Request, answer: Answer) -> Response:
    """A kept JSON answer, gzipped once for every client that accepts it."""
    if len(answer.data) >= MIN_SIZE and accepts_gzip(request):
        return Response(answer.gzipped, media_type="application/json", headers=GZIP_HEADERS)
    return Response(answer.data, media_type="application/json")
