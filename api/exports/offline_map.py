"""A standalone, offline, printable HTML map of one beat made with folium.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default; this map uses none of
them but Leaflet, whose JS and CSS are read from frontend/node_modules/leaflet/dist (the npm package the
web app serves) and inlined, with the CSS's images as data: URIs. No basemap tiles: the map shows the
project's own layers, so it opens with the network unplugged. A guard refuses to return HTML that
still references a remote script or stylesheet.

Stored text (addresses, names) is data, never markup: folium's tooltips put property values through
innerHTML, so every text value is HTML-escaped before folium sees it. And the document carries its own
Content-Security-Policy (a <meta>, so it also holds for the downloaded file): scripts only by the hashes
of the inline scripts it was exported with, so neither an injected <script> nor an inline event handler
(onerror=…) can run.
"""
import base64
import hashlib
import html
import re
from functools import lru_cache
from pathlib import Path

import folium

from api.clock import china_today

LEAFLET_DIST = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "leaflet" / "dist"
BEAT_COLOR = "#c0392b"
VILLAGE_COLOR = "#2471a3"
BUILDING_COLOR = "#7f8c8d"
GRADE_COLORS = {"red": "#e74c3c", "orange": "#e67e22", "yellow": "#f1c40f", "green": "#27ae60"}
GRADE_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "green": "绿色"}
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_REMOTE = re.compile(r"""<(?:script|link)[^>]+(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
_PRINT_CSS = """
html, body { height: 100%; margin: 0; font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.holomap-title { position: absolute; z-index: 1000; top: 8px; left: 50px; background: #fff; padding: 6px 10px;
  border: 1px solid #999; border-radius: 4px; font-size: 14px; }
.holomap-legend { position: absolute; z-index: 1000; bottom: 16px; left: 8px; background: #fff;
  padding: 6px 10px; border: 1px solid #999; border-radius: 4px; font-size: 12px; line-height: 1.6; }
.holomap-legend i { display: inline-block; width: 14px; height: 10px; margin-right: 6px; }
@media print { @page { size: A4 landscape; margin: 8mm; } .leaflet-control-zoom { display: none; } }
"""


class OfflineMapError(RuntimeError):
    """The map would not work offline (a remote asset slipped in, or Leaflet is not installed)."""


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and its CSS with every images/*.png turned into a data: URI."""
    js_path, css_path = LEAFLET_DIST / "leaflet.js", LEAFLET_DIST / "leaflet.css"
    if not js_path.is_file() or not css_path.is_file():
        raise OfflineMapError(f"Leaflet is not installed at {LEAFLET_DIST}; run npm ci in frontend/")
    css = css_path.read_text("utf-8")

    def inline(match: re.Match) -> str:
        image = LEAFLET_DIST / "images" / match.group(1)
        if not image.is_file():
            return "none"
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    return js_path.read_text("utf-8"), css


def beat_map_html(*, beat: dict, villages: dict, buildings: dict, key_points: list[dict]) -> str:
    """The beat's map as one self-contained HTML document."""
    fmap = folium.Map(location=[(beat["south"] + beat["north"]) / 2, (beat["west"] + beat["east"]) / 2],
                      tiles=None, zoom_start=15, control_scale=True, prefer_canvas=False)
    fmap.default_js, fmap.default_css = [], []  # no CDN: Leaflet is inlined below
    js, css = leaflet_assets()
    header = fmap.get_root().header
    header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js_inline")
    header.add_child(folium.Element(f"<style>{_PRINT_CSS}</style>"), name="holomap_print_css")
    villages, buildings = escaped_features(villages), escaped_features(buildings)
    title = f"{html.escape(beat['station'])} · {html.escape(beat['name'])}（{html.escape(beat['code'])}）"
    fmap.get_root().html.add_child(folium.Element(
        f'<div class="holomap-title"><b>{title}</b> 警务区图 · {beat["households"]} 户 · '
        f"导出于 {china_today().isoformat()}</div>" + _legend()))
    folium.GeoJson(villages, name="村/社区", style_function=lambda _: {
        "color": VILLAGE_COLOR, "weight": 1, "dashArray": "4 4", "fillOpacity": 0.04},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(fmap)
    folium.GeoJson(buildings, name="房屋", style_function=lambda _: {
        "color": BUILDING_COLOR, "weight": 0.5, "fillOpacity": 0.5},
        tooltip=folium.GeoJsonTooltip(fields=["address"], labels=False)).add_to(fmap)
    folium.GeoJson({"type": "Feature", "geometry": beat["geometry"], "properties": {"name": html.escape(beat["name"])}},
                   name="警务区", style_function=lambda _: {"color": BEAT_COLOR, "weight": 3,
                                                          "fillOpacity": 0}).add_to(fmap)
    for point in key_points:
        folium.CircleMarker([point["lat"], point["lon"]], radius=6, weight=1, color="#333", fill=True,
                            fill_color=GRADE_COLORS.get(point["grade"], "#999"), fill_opacity=0.9,
                            tooltip="矛盾纠纷 " + html.escape(GRADE_LABELS.get(point["grade"], str(point["grade"]))),
                            ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[beat["south"], beat["west"]], [beat["north"], beat["east"]]])
    document = fmap.get_root().render()
    if _REMOTE.search(document):
        raise OfflineMapError("the exported map still references a remote script or stylesheet")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{document_csp(document)}">'
    return document.replace("<head>", "<head>\n    " + meta, 1)


def escaped_features(collection: dict) -> dict:
    """The FeatureCollection with every text property HTML-escaped (folium's tooltips use innerHTML)."""
    return {**collection, "features": [
        {**feature, "properties": {k: html.escape(v) if isinstance(v, str) else v
                                   for k, v in (feature.get("properties") or {}).items()}}
        for feature in collection.get("features") or []]}


def document_csp(document: str) -> str:
    """The map's policy: its own inline scripts by hash (no 'unsafe-inline'), inline styles, data: images."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
                      for body in dict.fromkeys(_SCRIPT.findall(document)))
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
            "font-src data:; base-uri 'none'; form-action 'none'")


def _legend() -> str:
    rows = [(BEAT_COLOR, "警务区边界"), (VILLAGE_COLOR, "村/社区"), (BUILDING_COLOR, "房屋")]
    rows += [(GRADE_COLORS[g], f"未化解矛盾纠纷（{GRADE_LABELS[g]}）") for g in GRADE_COLORS]
    items = "<br>".join(f'<i style="background:{color}"></i>{label}' for color, label in rows)
    return f'<div class="holomap-legend">{items}</div>'
