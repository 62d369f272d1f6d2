"""Draw the app icons (PNG) of the web app manifest from the favicon's shape, with the standard library only.

    python scripts/make_icons.py    # writes frontend/img/icons/icon-{192,512}.png and maskable-512.png

The shape is frontend/img/favicon.svg's (a 32×32 design: navy rounded square, blue shield, white cross),
rasterised with 4×4 supersampling; the maskable icon fills the whole square and keeps the shield inside
the safe zone (the inner 80 %). Run it again after changing the design; the PNGs are committed.
"""
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "frontend" / "img" / "icons"
NAVY, BLUE, WHITE = (0x0F, 0x2A, 0x4A), (0x2F, 0x7D, 0xE1), (0xFF, 0xFF, 0xFF)


def _bezier(p0, p1, p2, p3, steps=16):
    for i in range(1, steps + 1):
        t = i / steps
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
        yield (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])


def _shield():
    """favicon.svg's path M16 5l9 4v7c0 6-4 9.5-9 11-5-1.5-9-5-9-11V9z as a polygon (32×32 units)."""
    points = [(16, 5), (25, 9), (25, 16)]
    points += list(_bezier((25, 16), (25, 22), (21, 25.5), (16, 27)))
    points += list(_bezier((16, 27), (11, 25.5), (7, 22), (7, 16)))
    points += [(7, 9)]
    return points


def _inside(polygon, x, y) -> bool:
    inside = False
    j = len(polygon) - 1
    for i, (xi, yi) in enumerate(polygon):
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_round_rect(x, y, size, radius) -> bool:
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def _colour(u, v, *, maskable: bool):
    """The colour at design coordinates (u, v) in 0..32, or None (transparent)."""
    if not maskable and not _in_round_rect(u, v, 32, 6):
        return None
    # the cross: strokes 2.5 wide from 12 to 20 with round caps approximated by square ones
    cross = ((abs(v - 16) <= 1.25 and 12 - 1.25 <= u <= 20 + 1.25)
             or (abs(u - 16) <= 1.25 and 12 - 1.25 <= v <= 20 + 1.25))
    if cross:
        return WHITE
    if _inside(SHIELD, u, v):
        return BLUE
    return NAVY


SHIELD = _shield()


def draw(size: int, *, maskable: bool = False) -> bytes:
    scale = 32 / size
    # maskable: the design shrunk to the inner 80 % (the safe zone), on a full navy square
    shrink, offset = (1 / 0.8, -3.2) if maskable else (1.0, 0.0)
    rows = []
    n = 4
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            total = [0, 0, 0, 0]
            for sy in range(n):
                for sx in range(n):
                    u = ((x + (sx + 0.5) / n) * scale) * shrink + offset
                    v = ((y + (sy + 0.5) / n) * scale) * shrink + offset
                    c = _colour(u, v, maskable=maskable)
                    if c is None and maskable:
                        c = NAVY
                    if c is not None:
                        total[0] += c[0]
                        total[1] += c[1]
                        total[2] += c[2]
                        total[3] += 255
            alpha = total[3] // (n * n)
            covered = total[3] // 255 or 1
            row += bytes([total[0] // covered, total[1] // covered, total[2] // covered, alpha])
        rows.append(bytes(row))
    return _png(size, size, b"".join(rows))


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon-192.png").write_bytes(draw(192))
    (OUT / "icon-512.png").write_bytes(draw(512))
    (OUT / "maskable-512.png").write_bytes(draw(512, maskable=True))


if __name__ == "__main__":
    main()
