"""The web app offers each user only the dispute actions the capability table gives the role: a grid member
(网格员) may start mediation but is not offered 化解 or 上报; the beat's officer is.

Each test reports its own dispute through the real API (in the user's beat) and deletes it afterwards.
"""

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.test_fieldwork import marked_rows
from tests.visits.places import beat_of, household_in

pytestmark = pytest.mark.e2e

CLEANUP = [
    "DELETE FROM dispute_event WHERE dispute_id IN (SELECT id FROM dispute WHERE title = :marker)",
    "DELETE FROM dispute_party WHERE dispute_id IN (SELECT id FROM dispute WHERE title = :marker)",
    "DELETE FROM dispute WHERE title = :marker",
]
# what the table (api/auth/capabilities.py) lets each role do with a new (open, village-level) dispute
OFFERED = {
    "grid1": {"statuses": ["mediating"], "escalation": False},
    "officer1": {"statuses": ["mediating", "escalated"], "escalation": True},
}


@pytest.fixture()
def marker(e2e_settings):
    yield from marked_rows(e2e_settings, "e2e-caps", CLEANUP)


def report_dispute(server: str, settings, username: str, title: str) -> int:
    """A new open dispute in the user's beat, reported by the user through the API; its id."""
    engine = create_engine(settings.owner_url)
    try:
        with engine.connect() as conn:
            home = household_in(conn, beat_of(conn, username))
    finally:
        engine.dispose()
    with httpx.Client(base_url=server) as api:
        token = api.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORD})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        r = api.post("/api/disputes", headers=headers, json={
            "title": title, "category": "neighbour", "grade": "yellow",
            "location": {"lon": home.lon, "lat": home.lat}})
        assert r.status_code == 201, r.text
        return r.json()["id"]


@pytest.mark.parametrize("username", sorted(OFFERED))
def test_dispute_actions_follow_the_capabilities(desktop, server, e2e_settings, marker, username):
    dispute_id = report_dispute(server, e2e_settings, username, marker)
    desktop.login(username)
    page = desktop.page
    page.wait_for_function("() => window.holomap.showDispute")
    page.evaluate("(id) => window.holomap.showDispute(id)", dispute_id)
    detail = page.locator(".dispute-detail")
    expect(detail.locator(".dispute-head")).to_contain_text(marker)
    actions = detail.locator(".dispute-actions")
    expect(actions.locator("[data-event=mediation]")).to_be_visible()
    offered = OFFERED[username]
    statuses = actions.locator("[data-status]").evaluate_all("(buttons) => buttons.map((b) => b.dataset.status)")
    assert statuses == offered["statuses"]
    assert (actions.locator("[data-event=escalation]").count() == 1) is offered["escalation"]
    assert ("上报" in actions.inner_text()) is offered["escalation"]
    desktop.screenshot(f"capabilities-dispute-{username}")
    assert not desktop.errors, desktop.errors
