"""Accounts: list, create, change and reset users (keyword-only functions; the route commits)."""
import re

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth.capabilities import roles_with
from api.auth.models import ROLES, AppUser
from api.auth.passwords import hash_password, one_time_password
from api.errors import Conflict, InvalidInput, NotFound
from api.users import queries
from api.users.schemas import StationOut, UserCreate, UserList, UserOut, UserPatch

USERNAME = re.compile(r"[a-z][a-z0-9_.-]{2,31}")
# roles whose work is inside one station's beats: they need a station
STATION_ROLES = roles_with("person.read")  # roles that work in beats belong to a station


USERS_PAGE = 100  # users per answer by default (the bureau has 8,000 accounts at county scale)


def listing(*, session: Session, role: str | None, station_id: int | None, active: bool | None, q: str | None = None,
            sort: str = "station", limit: int = USERS_PAGE, offset: int = 0) -> UserList:
    """One page of the users matching the filters (each optional), with their number and every station and
    role for the forms."""
    params = {"role": role, "station_id": station_id, "active": active, "id": None, "roles": list(ROLES),
              "q": q or None}
    rows = session.execute(text(queries.LIST_USERS.format(order=queries.ORDERS[sort])),
                           {**params, "limit": limit, "offset": offset}).mappings().all()
    total = rows[0]["total"] if rows else session.execute(text(queries.COUNT_USERS), params).scalar()
    stations = session.execute(text(queries.STATIONS)).mappings().all()
    return UserList(users=[UserOut(**{k: v for k, v in r.items() if k != "total"}) for r in rows],
                    stations=[StationOut(**s) for s in stations], roles=list(ROLES), total=total, limit=limit,
                    offset=offset, sort=sort)


def get_user(*, session: Session, user_id: int) -> UserOut:
    """One user as the list shows it; 404 when there is none."""
    row = session.execute(text(queries.LIST_USERS.format(order=queries.ORDERS["station"])), {
        "role": None, "station_id": None, "active": None, "id": user_id, "roles": list(ROLES), "q": None,
        "limit": 1, "offset": 0,
    }).mappings().first()
    if row is None:
        raise NotFound(f"there is no user {user_id}", code="user.not_found", params={"user_id": user_id})
    return UserOut(**{k: v for k, v in row.items() if k != "total"})


def create(*, session: Session, body: UserCreate) -> tuple[AppUser, str]:
    """A new active user with a random one-time password (returned once, stored hashed)."""
    username = body.username.strip()
    if not USERNAME.fullmatch(username):
        raise InvalidInput("the username must be 3–32 characters: lower-case letters, digits, '_', '.', '-', "
                           "starting with a letter", code="user.username_invalid", params={"username": username})
    display_name = _display_name(body.display_name)
    _check_role_station(session=session, role=body.role, station_id=body.station_id)
    if session.scalar(select(AppUser.id).where(AppUser.username == username)) is not None:
        raise _taken(username)
    password = one_time_password()
    user = AppUser(username=username, display_name=display_name, role=body.role, station_id=body.station_id,
                   password_hash=hash_password(password), active=True, must_change_password=True)
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _taken(username) from None  # created by someone else since the check
    return user, password


def update(*, session: Session, user_id: int, body: UserPatch, by_user_id: int) -> dict:
    """Change the fields sent; what changed for the audit log: {changes: [{field, old, new}], memberships_removed}.

    Disabling an account ends its sessions (trigger of migration 0014). A user whose role or station
    changes leaves every beat it was a member of (its duty there no longer matches).
    """
    user = _locked(session=session, user_id=user_id)
    sent = body.model_fields_set
    role = body.role if "role" in sent and body.role is not None else user.role
    station_id = body.station_id if "station_id" in sent else user.station_id
    active = body.active if "active" in sent and body.active is not None else user.active
    display_name = _display_name(body.display_name) if "display_name" in sent and body.display_name is not None \
        else user.display_name
    if user.id == by_user_id and (role != user.role or not active):
        raise Conflict("you cannot change your own role or disable your own account; ask another "
                       "administrator", code="user.self_change")
    if (role, station_id) != (user.role, user.station_id):
        _check_role_station(session=session, role=role, station_id=station_id)
    changes: dict = {"changes": [{"field": name, "old": old, "new": new} for name, old, new in (
        ("display_name", user.display_name, display_name), ("role", user.role, role),
        ("station_id", user.station_id, station_id), ("active", user.active, active)) if old != new]}
    if (role, station_id) != (user.role, user.station_id):
        removed = session.execute(text(queries.DROP_MEMBERSHIPS), {"id": user.id}).rowcount
        if removed:
            changes["memberships_removed"] = removed
    user.display_name, user.role, user.station_id, user.active = display_name, role, station_id, active
    session.flush()
    return changes


def reset_password(*, session: Session, user_id: int, by_user_id: int) -> tuple[AppUser, str]:
    """A new random one-time password for the user (returned once): its sessions end, it must set its own
    password at the next sign-in; a lock from failed sign-ins is lifted."""
    if user_id == by_user_id:
        raise Conflict("change your own password with your current one (修改密码), not by a reset",
                       code="user.self_reset")
    user = _locked(session=session, user_id=user_id)
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user, password


def _locked(*, session: Session, user_id: int) -> AppUser:
    user = session.get(AppUser, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"there is no user {user_id}", code="user.not_found", params={"user_id": user_id})
    return user


def _display_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise InvalidInput("the display name is empty; give the person's name", code="user.display_name_empty")
    return name


def _check_role_station(*, session: Session, role: str, station_id: int | None) -> None:
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; one of: {', '.join(ROLES)}", code="user.role_unknown",
                           params={"role": role, "roles": list(ROLES)})
    if station_id is None:
        if role in STATION_ROLES:
            raise InvalidInput(f"the role {role} works in one station's beats: choose its station",
                               code="user.station_required", params={"role": role})
        return
    if not session.execute(text(queries.STATION_EXISTS), {"id": station_id}).scalar():
        raise InvalidInput(f"there is no station {station_id}", code="user.station_unknown",
                           params={"station_id": station_id})


def _taken(username: str) -> Conflict:
    return Conflict(f"the username {username} is taken; choose another", code="user.username_taken",
                    params={"username": username})
