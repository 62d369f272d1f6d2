"""The lifecycle table without a database: transitions, guards, event rules, refusal messages."""
import pytest

from api.disputes import lifecycle


@pytest.mark.parametrize(("status", "level", "returned", "allowed"), [
    ("open", "village", False, ["mediating", "escalated"]),
    ("mediating", "station", False, ["resolved", "escalated"]),
    ("mediating", "county", False, ["resolved"]),
    ("escalated", "station", False, ["mediating"]),
    ("resolved", "village", False, ["mediating"]),
    ("resolved", "village", True, ["closed", "mediating"]),
    ("closed", "village", True, []),
])
def test_allowed_transitions(status, level, returned, allowed):
    assert lifecycle.allowed_transitions(status, level, has_return_visit=returned) == allowed


def test_levels_rise_village_station_county():
    assert lifecycle.NEXT_LEVEL["village"] == "station"
    assert lifecycle.NEXT_LEVEL["station"] == "county"
    assert lifecycle.NEXT_LEVEL["county"] is None


def test_events_by_status():
    assert lifecycle.allowed_events("resolved", "village") == ["return_visit", "note"]
    assert lifecycle.allowed_events("closed", "county") == ["note"]
    assert "escalation" not in lifecycle.allowed_events("open", "county")


def test_refusals_name_the_reason_and_the_allowed_moves():
    message = lifecycle.transition_refusal("resolved", "closed", "village", ["mediating"])
    assert "return visit" in message and message.endswith("allowed from resolved: mediating")
    assert "final" in lifecycle.transition_refusal("closed", "open", "village", [])
    assert "county" in lifecycle.transition_refusal("mediating", "escalated", "county", ["resolved"])


def test_time_limits_follow_the_grades():
    hours = lifecycle.RESPONSE_LIMIT_HOURS
    assert hours["red"] == 24 and hours["orange"] == 72 and hours["yellow"] == 168 and hours["green"] == 360
    assert lifecycle.RETURN_VISIT_DAYS == 15
