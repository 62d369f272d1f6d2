"""Two registrations of one 统一社会信用代码 at the same moment (separate connections, real commits): one
organisation and one 409 — the unique constraint decides, never two records or a 500."""
import threading

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from tests.conftest import DEMO_PASSWORD, scalar
from tests.organisations.conftest import EMPTY_BUILDING, new_credit_code
from tests.places.conftest import OFFICER_BEATS


def test_two_registrations_of_one_credit_code_at_once_give_one_organisation_and_one_409(settings, owner_engine):
    code = new_credit_code()
    with owner_engine.connect() as conn:
        beats = list(conn.execute(text(OFFICER_BEATS), {"username": "officer1"}).scalars())
        # signed in as the chief (every beat of the station): the losing request is audited as a denied
        # probe (a real commit), and tests of officer1's probes count theirs
        building = conn.execute(text(EMPTY_BUILDING), {"beats": beats, "inside": True, "kind": None}).mappings().first()
    try:
        with TestClient(create_app(settings)) as client:
            r = client.post("/api/auth/token", data={"username": "chief", "password": DEMO_PASSWORD})
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            barrier = threading.Barrier(2)
            answers: list = [None, None]

            def register(i: int) -> None:
                barrier.wait()
                answers[i] = client.post("/api/organisations", headers=headers, json={
                    "building_id": building["id"], "name": f"并发小店{i}", "kind": "shop", "credit_code": code})

            threads = [threading.Thread(target=register, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
            assert [a.json()["code"] for a in answers if a.status_code == 409][0] in (
                "organisation.duplicate", "organisation.registered_elsewhere")
        with owner_engine.connect() as conn:
            assert scalar(conn, "SELECT count(*) FROM organisation WHERE credit_code = :c", c=code) == 1
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM organisation WHERE credit_code = :c"), {"c": code})
