"""Dependencies: the authenticated user of a request, and role requirements."""
from collections.abc import AsyncIterator, Callable
from typing import NamedTuple

import jwt
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.auth.capabilities import roles_with
from api.auth.service import PASSWORD_CHANGE_CLAIM, CurrentUser, begin_request, decode_token
from api.db import DbSession, close_session, set_request_user
from api.errors import Forbidden, Unauthorized

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Bearer(NamedTuple):
    """The verified claims of a bearer token and the parts every user check needs."""

    claims: dict
    user_id: int
    jti: str
    iat: float


def bearer_claims(request: Request, token: str | None, *, password_change: bool = False) -> Bearer:
    """The verified claims of the bearer token, its user id, token id and issue time; 401 when missing
    or invalid (forged, expired, without iat, issued in the future, or living too long).

    Only what the token itself says: whether the user is still active, the token not revoked and not
    issued before the user's cut-off is read from the database by the caller (`begin_request`, or the
    SQL function of a one-statement route), always with `iat`.

    A token from a sign-in with a one-time password (claim PASSWORD_CHANGE_CLAIM) is refused (403)
    everywhere except where `password_change` is allowed (POST /api/auth/password).
    """
    if not token:
        raise Unauthorized("sign in first: send Authorization: Bearer <token>", headers=_CHALLENGE,
                           code="auth.required")
    try:
        claims = decode_token(token, request.app.state.settings)
        bearer = Bearer(claims, int(claims["sub"]), str(claims["jti"]), float(claims["iat"]))
    except (jwt.InvalidTokenError, ValueError, KeyError, TypeError):
        raise Unauthorized("the token is invalid or expired; sign in again", code="auth.token_invalid",
                           headers=_CHALLENGE) from None
    if claims.get(PASSWORD_CHANGE_CLAIM) and not password_change:
        raise Forbidden("this account signed in with a one-time password: set a new password first "
                        "(POST /api/auth/password)", code="auth.password_change_required")
    request.state.token_claims = claims
    return bearer


def session_ended() -> Unauthorized:
    """The 401 for a revoked token, a disabled account, or a token from before a password change."""
    return Unauthorized("the session has ended (signed out, password changed or account disabled); "
                        "sign in again", code="auth.session_ended", headers=_CHALLENGE)


def current_user(
    *,
    request: Request,
    token: str | None = Depends(oauth2_scheme),
    session: DbSession,
) -> CurrentUser:
    """The user behind the bearer token, re-read from the database on every request."""
    return _user_of(request, token, session, password_change=False)


def password_change_user(
    *,
    request: Request,
    token: str | None = Depends(oauth2_scheme),
    session: DbSession,
) -> CurrentUser:
    """As `current_user`, and also for a token of a one-time-password sign-in (it may change it)."""
    return _user_of(request, token, session, password_change=True)


def _user_of(request: Request, token: str | None, session: Session, *, password_change: bool) -> CurrentUser:
    claims, user_id, jti, iat = bearer_claims(request, token, password_change=password_change)
    # one round trip: revoked token? active user? issued after its cut-off? role, station, beats; and the
    # user set for RLS
    cache = getattr(request.app.state, "auth_cache", None)
    if cache is not None:
        user = cache.begin_request(session=session, user_id=user_id, jti=jti, iat=iat)
    else:
        user = begin_request(session=session, user_id=user_id, jti=jti, iat=iat)
    if user is None:
        raise session_ended()
    request.state.user = user
    request.state.token_claims = claims
    return user


def require_capability(capability: str,
                       user_dependency: Callable = current_user) -> Callable[[CurrentUser], CurrentUser]:
    """A dependency that lets only users whose role holds the capability through (403 otherwise).

    `user_dependency` says where the user is read: `current_user` (the primary, the default) or `read_user`
    (the read engine, for routes that answer from a hot standby)."""
    roles = roles_with(capability)  # KeyError at import time for a capability not in the table

    def _check(user: CurrentUser = Depends(user_dependency)) -> CurrentUser:
        if not user.can(capability):
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)} (capability {capability})",
                            code="auth.capability_missing", params={"capability": capability})
        return user

    return _check


def require_roles(*roles: str) -> Callable[[CurrentUser], CurrentUser]:
    """A dependency that lets only the given roles through (403 otherwise).

    Prefer `require_capability`: role lists belong in api/auth/capabilities.py only.
    """

    def _check(user: CurrentUser = Depends(current_user)) -> CurrentUser:
        if user.role not in roles:
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}", code="auth.role_required",
                            params={"roles": list(roles)})
        return user

    return _check


def read_session_for(user_dependency: Callable) -> Callable:
    """A dependency: the session of a non-personal read, on the read engine, with the request's user set
    for row-level security. Without HOLOMAP_READ_DATABASE_URL it is the request's own session (one
    connection, as before); with it, a second session on a hot standby, whose data may lag the primary by
    the replication delay (synchronous_commit = remote_apply makes it none on the synchronous standby)."""

    async def read_session(*, request: Request, user: CurrentUser = Depends(user_dependency),
                           session: DbSession) -> AsyncIterator[Session]:
        state = request.app.state
        if state.read_engine is state.engine:
            yield session
            return
        read = state.read_sessionmaker()
        try:
            await run_in_threadpool(set_request_user, read, user_id=user.id, role=user.role)
            yield read
        finally:
            await run_in_threadpool(close_session, read)

    return read_session


# /api routes (plan statistics) whose user is read on the primary, their data on the read engine
api_read_session = read_session_for(current_user)


async def signed_in_read_session(*, request: Request, token: str | None = Depends(oauth2_scheme),
                                 session: DbSession) -> AsyncIterator[Session]:
    """The session of a non-personal /api read that also signs the user in on it: on the read engine when
    HOLOMAP_READ_DATABASE_URL is set, so the route answers from a hot standby while the primary fails over
    (the analytics aggregates, as the tiles and the OGC API); else the request's own session (one
    connection, one round trip for the user). The user is `read_user` (request.state.user)."""
    state = request.app.state
    if state.read_engine is state.engine:
        await run_in_threadpool(_user_of, request, token, session, password_change=False)
        yield session
        return
    read = state.read_sessionmaker()
    try:
        await run_in_threadpool(_user_of, request, token, read, password_change=False)
        yield read
    finally:
        await run_in_threadpool(close_session, read)


def read_user(*, request: Request, _: Session = Depends(signed_in_read_session)) -> CurrentUser:
    """The user signed in by `signed_in_read_session` (on the read engine when there is one)."""
    return request.state.user


def read_session_authenticating(token_of: Callable) -> Callable:
    """A dependency for routes that only read non-personal data (the OGC API): the bearer token is checked
    on the read session itself, so that such a route answers from a hot standby even while the primary
    is failing over. Without HOLOMAP_READ_DATABASE_URL it is a session on the primary, as any route's."""

    async def read_session(request: Request, token: str | None = Depends(token_of)) -> AsyncIterator[Session]:
        read = request.app.state.read_sessionmaker()
        try:
            await run_in_threadpool(_user_of, request, token, read, password_change=False)
            yield read
        finally:
            await run_in_threadpool(close_session, read)

    return read_session
