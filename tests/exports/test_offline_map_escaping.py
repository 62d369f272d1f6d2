"""The offline beat map treats stored text as text (issue 14, item 6): escaped values, scripts by hash."""
import re

from sqlalchemy import text

from api.exports.offline_map import document_csp

PAYLOAD = "</script><script>alert('address')</script><img src=x onerror=alert(1)>"


def test_markup_in_an_address_or_name_is_escaped_in_the_exported_map(client, user_headers, app_conn, app_area):
    app_conn.execute(text("UPDATE building SET address = :a WHERE station_id = :s"),
                     {"a": PAYLOAD, "s": app_area.station_id})
    app_conn.execute(text("UPDATE village SET name = :a WHERE station_id = :s"),
                     {"a": PAYLOAD, "s": app_area.station_id})
    app_conn.execute(text("UPDATE beat SET name = :a WHERE id = :b"), {"a": PAYLOAD, "b": app_area.beat_id})
    headers = user_headers("station_chief", station_id=app_area.station_id)
    r = client.get(f"/api/export/beat/{app_area.beat_id}/map.html", headers=headers)
    assert r.status_code == 200, r.text
    html = r.text
    assert "<script>alert" not in html and "<img src=x" not in html and "alert('address')</script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html.replace("\\u0026", "&").replace("\\u003c", "<")
    # only the export's own inline scripts may run: by hash, never 'unsafe-inline'
    policy = r.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert policy == document_csp(html)
    assert f'<meta http-equiv="Content-Security-Policy" content="{policy}">' in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and policy.count("'sha256-") == len(set(re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)))
