"""Reading the current beats; replacing a beat's 1+1+N members."""
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.beats import queries
from api.beats.schemas import MemberOut, MembersIn, MembersOut
from api.errors import Conflict, Forbidden, InvalidInput, NotFound


def current_beats_geojson(*, session: Session, station_id: int | None, beats_in_scope: list[int]) -> str:
    """Current beats (of one station, or all when station_id is None) as GeoJSON text."""
    return session.execute(
        text(queries.CURRENT_BEATS_GEOJSON), {"station_id": station_id, "beats": beats_in_scope}
    ).scalar_one()


# duty → the role its member must have (mediators are grid members who mediate disputes)
DUTY_ROLES = {"officer": "officer", "auxiliary": "auxiliary", "grid_member": "grid_member",
              "mediator": "grid_member"}


def replace_members(*, session: Session, beat_id: int, members: MembersIn, user: CurrentUser) -> list[dict]:
    """Replace a current beat's 1+1+N members as a whole; what changed, per duty, for the audit log.

    The beat row is locked first, so two changes of one beat at once run one after the other and the
    end state is one complete set. A station chief changes only its own station's beats.
    """
    beat = session.execute(text(queries.LOCK_BEAT), {"id": beat_id}).mappings().first()
    if beat is None:
        raise NotFound(f"there is no beat {beat_id}", code="beat.not_found", params={"beat_id": beat_id})
    if not user.can("user.manage") and beat["station_id"] != user.station_id:  # the admin: any station
        raise Forbidden("a station chief assigns members only in its own station's beats",
                        code="beat_members.other_station", params={"beat_id": beat_id})
    if beat["status"] != "published":
        raise Conflict(f"beat {beat['code']} is not in the plan in force; members are assigned to the beats "
                       "of the published plan", code="beat_members.not_current", params={"code": beat["code"]})
    wanted = _wanted(members)
    _check_users(session=session, wanted=wanted, station_id=beat["station_id"])
    before = _current(session=session, beat_id=beat_id)
    session.execute(text(queries.DELETE_MEMBERS), {"beat_id": beat_id})
    if wanted:
        session.execute(text(queries.INSERT_MEMBERS), {
            "beat_id": beat_id, "user_ids": [u for u, _ in wanted], "duties": [d for _, d in wanted]})
    after = _current(session=session, beat_id=beat_id)
    return [{"field": duty, "old": before.get(duty, []), "new": after.get(duty, [])}
            for duty in DUTY_ROLES if before.get(duty, []) != after.get(duty, [])]


def members(*, session: Session, beat_id: int) -> MembersOut:
    """A beat's members by duty."""
    code = session.execute(text(queries.BEAT_CODE), {"id": beat_id}).scalar_one()
    rows = session.execute(text(queries.BEAT_MEMBERS), {"beat_id": beat_id}).mappings().all()
    by_duty: dict[str, list[MemberOut]] = {}
    for r in rows:
        by_duty.setdefault(r["duty"], []).append(
            MemberOut(user_id=r["user_id"], username=r["username"], display_name=r["display_name"]))
    one = lambda duty: (by_duty.get(duty) or [None])[0]  # noqa: E731
    return MembersOut(beat_id=beat_id, code=code, officer=one("officer"), auxiliary=one("auxiliary"),
                      grid_members=by_duty.get("grid_member", []), mediators=by_duty.get("mediator", []))


def _wanted(members: MembersIn) -> list[tuple[int, str]]:
    pairs = [(members.officer, "officer"), (members.auxiliary, "auxiliary")]
    pairs += [(u, "grid_member") for u in members.grid_members] + [(u, "mediator") for u in members.mediators]
    return list(dict.fromkeys((u, d) for u, d in pairs if u is not None))  # in order, without repeats


def _check_users(*, session: Session, wanted: list[tuple[int, str]], station_id: int) -> None:
    ids = sorted({u for u, _ in wanted})
    found = {r["id"]: r for r in session.execute(text(queries.MEMBER_USERS), {"ids": ids}).mappings()}
    for user_id, duty in wanted:
        u = found.get(user_id)
        if u is None:
            raise InvalidInput(f"there is no user {user_id}", code="beat_members.user_unknown",
                               params={"user_id": user_id})
        name = u["username"]
        if not u["active"]:
            raise InvalidInput(f"{name} is disabled; enable the account first or choose someone else",
                               code="beat_members.user_inactive", params={"username": name})
        if u["role"] != DUTY_ROLES[duty]:
            raise InvalidInput(f"{name} has the role {u['role']}; the duty {duty} needs the role "
                               f"{DUTY_ROLES[duty]}", code="beat_members.wrong_role",
                               params={"username": name, "role": u["role"], "duty": duty})
        if u["station_id"] != station_id:
            raise InvalidInput(f"{name} belongs to another station; members come from the beat's station",
                               code="beat_members.wrong_station", params={"username": name})


def _current(*, session: Session, beat_id: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in session.execute(text(queries.BEAT_MEMBERS), {"beat_id": beat_id}).mappings():
        out.setdefault(r["duty"], []).append(r["username"])
    return out
