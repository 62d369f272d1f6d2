"""Stored HTML injection (issue 14, item 6): a dispute title and a beat name holding markup show as text.

The penetration test stored `<img src=x onerror=…>`; Leaflet's string tooltips put it through innerHTML,
which created the element and fetched x. Here the rows are changed by SQL (and put back afterwards: the
e2e server commits), every tooltip on the map is opened, and the page must hold no such element and
have made no request for x.
"""
import uuid

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e

MARK = uuid.uuid4().hex[:8]
PAYLOAD = f"<img src=x data-mark={MARK} onerror=\"document.title='pwned'\">"

NEW_DISPUTE = """
INSERT INTO dispute (station_id, title, category, grade, status, level, location, beat_id, reported_at)
SELECT p.station_id, :title, 'neighbour', 'red', 'open', 'village', ST_PointOnSurface(b.geom), b.id, now()
  FROM app_user u JOIN beat_member m ON m.user_id = u.id JOIN beat b ON b.id = m.beat_id
  JOIN beat_plan p ON p.id = b.plan_id
 WHERE u.username = 'officer1' ORDER BY b.id LIMIT 1
RETURNING id
"""
PLANNER_BEAT = """
SELECT b.id, b.name FROM app_user u JOIN beat_plan p ON p.station_id = u.station_id AND p.status = 'published'
  JOIN beat b ON b.plan_id = p.id WHERE u.username = 'planner' ORDER BY b.id LIMIT 1
"""

OPEN_ALL_TOOLTIPS = """() => {
  const texts = [];
  window.holomap.map.eachLayer((layer) => {
    if (layer.getTooltip && layer.getTooltip() && layer.getLatLng) {
      layer.openTooltip();
      texts.push(layer.getTooltip().getElement()?.textContent || '');
    } else if (layer.getTooltip && layer.getTooltip() && layer.getBounds) {
      layer.openTooltip(layer.getBounds().getCenter());
      texts.push(layer.getTooltip().getElement()?.textContent || '');
    }
  });
  return texts;
}"""


@pytest.fixture()
def stored(e2e_settings):
    """A dispute in officer1's beat titled PAYLOAD and planner's first beat renamed to PAYLOAD (put back after)."""
    engine = create_engine(e2e_settings.owner_url)
    beat = None
    try:
        with engine.begin() as conn:
            beat = conn.execute(text(PLANNER_BEAT)).first()
            dispute_id = conn.execute(text(NEW_DISPUTE), {"title": PAYLOAD}).scalar()
            if beat is None or dispute_id is None:
                pytest.fail("the test database is not seeded (officer1 / planner)")
            conn.execute(text("UPDATE beat SET name = :n WHERE id = :id"), {"n": PAYLOAD, "id": beat.id})
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM dispute WHERE title = :t"), {"t": PAYLOAD})
            if beat is not None:
                conn.execute(text("UPDATE beat SET name = :n WHERE id = :id"), {"n": beat.name, "id": beat.id})
        engine.dispose()


def assert_no_injection(visit, texts: list[str]) -> None:
    page = visit.page
    assert any(PAYLOAD in t for t in texts), texts  # the tooltip shows the title/name as text
    assert page.locator(f"img[data-mark='{MARK}']").count() == 0
    assert page.title() != "pwned"
    assert not [u for u in visit.requests if u.split("?")[0].rstrip("/").endswith("/x")], visit.requests
    assert not visit.errors, visit.errors


def test_dispute_title_with_markup_is_text_in_its_tooltip(desktop, stored):
    desktop.login("officer1")
    page = desktop.page
    page.wait_for_function("() => { let n = 0; window.holomap.map.eachLayer((l) => { "
                           "if (l.getTooltip && l.getTooltip() && String(l.getTooltip().getContent()?.textContent "
                           "|| l.getTooltip().getContent()).includes('data-mark')) n++; }); return n > 0; }",
                           timeout=15_000)
    texts = page.evaluate(OPEN_ALL_TOOLTIPS)
    page.wait_for_timeout(300)  # an injected <img> would have fired its request by now
    assert_no_injection(desktop, texts)


def test_beat_name_with_markup_is_text_in_the_plan_tooltips(desktop, stored):
    desktop.login("planner")
    page = desktop.page
    page.goto(desktop.base + "/#/plan")
    page.wait_for_selector("[data-testid=plan-list]")
    page.wait_for_function("() => { let n = 0; window.holomap.map.eachLayer((l) => { "
                           "if (l.feature && String(l.feature.properties?.name).includes('data-mark')) n++; }); "
                           "return n > 0; }", timeout=15_000)
    texts = page.evaluate(OPEN_ALL_TOOLTIPS)
    page.wait_for_timeout(300)
    assert_no_injection(desktop, texts)
