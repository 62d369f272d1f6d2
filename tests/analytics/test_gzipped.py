"""api/analytics/gzipped.py: answers gzipped from pieces compressed apart are ordinary gzip files of the
answer; the dashboard's map answers reach a client that accepts gzip compressed, equal to the plain ones."""
import gzip
import os
import zlib

import pytest

from api.analytics.gzipped import Answer, Piece, gzip_pieces


@pytest.mark.parametrize("sizes", [[], [0], [5], [3000, 0, 17], [200_000, 70_000, 9], [1, 100_000, 1]])
def test_pieces_make_one_gzip_file_of_the_whole(sizes):
    pieces = [os.urandom(n // 2) + b"abc" * (n // 6) for n in sizes]
    for kept in (False, True):
        given = [Piece(p) if kept and k % 2 else p for k, p in enumerate(pieces)]
        packed = gzip_pieces(given)
        assert gzip.decompress(packed) == b"".join(pieces)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # strict: one member, nothing after it
        assert inflater.decompress(packed) + inflater.flush() == b"".join(pieces)
        assert inflater.eof and inflater.unused_data == b""
    kept = Piece(b"x" * 5000)
    assert gzip.decompress(gzip_pieces([b"[", kept, b"]"])) == b"[" + b"x" * 5000 + b"]"
    assert kept.deflated is kept.deflated  # compressed once
    assert gzip.decompress(Answer(b"y" * 2000).gzipped) == b"y" * 2000


@pytest.mark.parametrize("path", ["/api/analytics/beats", "/api/analytics/heat", "/api/analytics/hotspots"])
def test_map_answers_are_gzipped_for_clients_that_accept_it(client, as_user, district, path):
    params = {"start": "2025-01-01", "end": "2025-12-31", "format": "compact", "size_m": 300}
    headers = as_user("ana_leader")
    plain = client.get(path, params=params, headers={**headers, "Accept-Encoding": "identity"})
    packed = client.get(path, params=params, headers={**headers, "Accept-Encoding": "gzip, br"})
    assert plain.status_code == packed.status_code == 200
    assert len(plain.content) >= 1024  # the size the middleware would compress from
    assert "content-encoding" not in plain.headers and packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.content == plain.content and packed.json()["format"] == "compact"  # decoded by the client
    assert int(packed.headers["content-length"]) < len(plain.content)
