"""Accounts (admin): GET/POST /api/users, PATCH /api/users/{user_id}, POST /api/users/{user_id}/password-reset.

A station chief may list the users of its own station (read-only), to pick a beat's 1+1+N members.
Every change is audited (object_type user; what changed, never password material).
"""
from fastapi import APIRouter, Depends, Query, Request

from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.db import DbSession
from api.errors import Forbidden
from api.scope import audit
from api.users import service
from api.users.schemas import OneTimePassword, UserCreate, UserList, UserOut, UserPatch, UserSort

router = APIRouter(prefix="/api", tags=["users"])

manage_users = require_capability("user.manage")


@router.get("/users", response_model=UserList)
def list_users(
    *,
    role: str | None = Query(None, max_length=16),
    station_id: int | None = Query(None),
    active: bool | None = Query(None),
    q: str | None = Query(None, max_length=32, description="a piece of the username or the name"),
    sort: UserSort = Query("station", description="order of the list (then by id)"),
    limit: int = Query(service.USERS_PAGE, ge=1, le=1000, description="users per page"),
    offset: int = Query(0, ge=0, description="users to skip (in the order of `sort`)"),
    user: CurrentUser = Depends(require_capability("beat.members.assign")),  # they pick the members
    session: DbSession,
) -> UserList:
    """One page of the users filtered by role, station, active and text, with their number (`total`); a station
    chief sees only its own station's."""
    if not user.can("user.manage"):
        if station_id is not None and station_id != user.station_id:
            raise Forbidden("a station chief sees only the users of its own station",
                            code="user.other_station", params={"station_id": station_id})
        station_id = user.station_id
    return service.listing(session=session, role=role, station_id=station_id, active=active, q=q, sort=sort,
                           limit=limit, offset=offset)


@router.post("/users", response_model=OneTimePassword, status_code=201)
def create_user(
    *,
    request: Request,
    body: UserCreate,
    user: CurrentUser = Depends(manage_users),
    session: DbSession,
) -> OneTimePassword:
    """A new account with a one-time password, shown once in this answer; changed at first sign-in."""
    created, password = service.create(session=session, body=body)
    audit(request, session, user, action="user.create", object_type="user", object_id=created.id,
          reason_code="user.created",
          reason_params={"username": created.username, "role": created.role, "station_id": created.station_id})
    session.commit()
    return OneTimePassword(user=service.get_user(session=session, user_id=created.id), one_time_password=password)


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(
    *,
    request: Request,
    user_id: int,
    body: UserPatch,
    user: CurrentUser = Depends(manage_users),
    session: DbSession,
) -> UserOut:
    """Change role, station, display name or active; disabling ends the user's sessions at once."""
    changes = service.update(session=session, user_id=user_id, body=body, by_user_id=user.id)
    audit(request, session, user, action="user.update", object_type="user", object_id=user_id,
          reason_code="user.changed" if changes["changes"] or changes.get("memberships_removed") else "no_change",
          reason_params=changes)
    session.commit()
    return service.get_user(session=session, user_id=user_id)


@router.post("/users/{user_id}/password-reset", response_model=OneTimePassword)
def reset_password(
    *,
    request: Request,
    user_id: int,
    user: CurrentUser = Depends(manage_users),
    session: DbSession,
) -> OneTimePassword:
    """A new one-time password (shown once); the user's sessions end and it must set its own at sign-in."""
    target, password = service.reset_password(session=session, user_id=user_id, by_user_id=user.id)
    audit(request, session, user, action="user.password_reset", object_type="user", object_id=user_id,
          reason_code="user.password_reset", reason_params={"username": target.username})
    session.commit()
    return OneTimePassword(user=service.get_user(session=session, user_id=user_id), one_time_password=password)
