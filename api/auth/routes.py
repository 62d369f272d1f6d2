"""POST /api/auth/token (rate limited per client address, across workers), POST /api/auth/refresh (sliding
sessions, api/auth/sessions.py), POST /api/auth/password, POST /api/auth/logout and GET /api/me."""
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.audit.service import record
from api.auth import service, sessions
from api.auth.dependencies import current_user, password_change_user
from api.auth.models import AppUser
from api.auth.ratelimit import LoginLimiter
from api.auth.schemas import Me, PasswordChange, RefreshIn, Token
from api.clientaddr import client_address
from api.db import DbSession
from api.errors import TooManyRequests, Unauthorized
from api.scope import audit

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/token", response_model=Token)
def login(
    *,
    request: Request,
    form: OAuth2PasswordRequestForm = Depends(),
    session: DbSession,
) -> Token:
    """Exchange username and password for a bearer token.

    An unknown user, a wrong password, a disabled and a locked account get the same answer after the
    same work (api.auth.service.authenticate); the audit log records which it was.
    """
    settings = request.app.state.settings
    client = client_address(request)
    wait = _limiter(request).take(session, client or "unknown")
    session.commit()  # the attempt counts whatever follows; the bucket's row lock is released at once
    if wait:
        record(session=session, action="login", username=form.username[:64], outcome="denied",
               reason_code="login.rate_limited", client_addr=client, request_id=request.state.request_id)
        session.commit()
        seconds = int(wait) + 1
        raise TooManyRequests(f"too many sign-in attempts from this address; try again in {seconds} s",
                              code="auth.rate_limited", params={"seconds": seconds},
                              headers={"Retry-After": str(seconds)})
    result = service.authenticate(session=session, username=form.username, password=form.password, settings=settings)
    if result.user is None:
        record(session=session, action="login", username=form.username[:64], user_id=result.user_id,
               outcome=result.outcome, reason_code=result.reason, client_addr=client,
               request_id=request.state.request_id)
        session.commit()
        raise service.sign_in_failed(settings)
    user = result.user
    record(session=session, action="login", user_id=user.id, username=user.username, client_addr=client,
           request_id=request.state.request_id)
    if user.must_change_password:  # its token only changes the password: no session to renew
        token, lifetime = service.create_token(user, settings)
        session.commit()
        return Token(access_token=token, expires_in=lifetime, must_change_password=True)
    grant = sessions.start(session, user_id=user.id, settings=settings)
    session.commit()
    return _session_token(user, grant, settings)


def _session_token(user, grant: sessions.Grant, settings) -> Token:
    token, lifetime = service.create_token(user, settings, session_id=grant.session_id, not_after=grant.ends_at)
    now = datetime.now(UTC)
    return Token(access_token=token, expires_in=lifetime, refresh_token=grant.refresh_token,
                 refresh_expires_in=grant.seconds_to_lock(now), session_expires_in=grant.seconds_to_end(now))


@router.post("/auth/refresh", response_model=Token)
def refresh(request: Request, body: RefreshIn, session: DbSession) -> Token:
    """Renew a sliding session: the refresh token (usable once) for a new access token and a new refresh
    token. Refused (401) when the session has ended: signed out, idle too long (auth.session_idle), past
    its maximum (auth.session_expired), password changed or account disabled (auth.session_ended), or when
    the refresh token was already used — then the whole session is revoked (auth.refresh_reused)."""
    settings = request.app.state.settings
    outcome = sessions.rotate(session, refresh_token=body.refresh_token, settings=settings)
    client = client_address(request)
    if isinstance(outcome, sessions.Refused):
        if outcome.user_id is not None:
            record(session=session, action="session.refresh", user_id=outcome.user_id, outcome="denied",
                   reason_code="session.refused", reason_params={"code": outcome.code},
                   client_addr=client, request_id=request.state.request_id)
        session.commit()  # a revocation (reuse, idle) holds although the answer is an error
        raise _refusal(outcome.code)
    user = session.get(AppUser, outcome.user_id)
    session.commit()
    return _session_token(user, outcome, settings)


def _refusal(reason: str) -> Unauthorized:
    """The 401 of a refused refresh (sessions.Refused.code)."""
    again = {"headers": {"WWW-Authenticate": "Bearer"}}
    if reason == "auth.refresh_reused":
        return Unauthorized("this refresh token was already used, so the session was ended for safety; sign in "
                            "again", code="auth.refresh_reused", **again)
    if reason == "auth.session_ended":
        return Unauthorized("the session has ended (signed out, password changed or account disabled); sign in "
                            "again", code="auth.session_ended", **again)
    if reason == "auth.session_expired":
        return Unauthorized("the session reached its maximum length; sign in again", code="auth.session_expired",
                            **again)
    if reason == "auth.session_idle":
        return Unauthorized("the session was locked after a time without activity; sign in again",
                            code="auth.session_idle", **again)
    return Unauthorized("the refresh token is unknown; sign in again", code="auth.refresh_invalid", **again)


@router.post("/auth/password", response_model=Token)
def change_password(
    *,
    request: Request,
    body: PasswordChange,
    user: service.CurrentUser = Depends(password_change_user),
    session: DbSession,
) -> Token:
    """Change one's own password (the current one and a new one); the only call a one-time-password
    sign-in may make. Every earlier session of the user ends; the answer is a new token.

    Every attempt takes from the sign-in rate limit of the client address (no guessing the current one).
    """
    settings = request.app.state.settings
    wait = _limiter(request).take(session, client_address(request) or "unknown")
    session.commit()
    if wait:
        seconds = int(wait) + 1
        raise TooManyRequests(f"too many attempts from this address; try again in {seconds} s",
                              code="auth.rate_limited", params={"seconds": seconds},
                              headers={"Retry-After": str(seconds)})
    account = service.change_password(session=session, user_id=user.id, old_password=body.old_password,
                                      new_password=body.new_password)
    audit(request, session, user, action="user.password_change", object_type="user", object_id=user.id)
    session.commit()  # the cut-off (migration 0014) ends every earlier session, this one's too
    grant = sessions.start(session, user_id=account.id, settings=settings)
    session.commit()
    return _session_token(account, grant, settings)


def _limiter(request: Request) -> LoginLimiter:
    state = request.app.state
    if getattr(state, "login_limiter", None) is None:
        settings = state.settings
        state.login_limiter = LoginLimiter(per_minute=settings.login_per_minute, burst=settings.login_burst)
    return state.login_limiter


@router.post("/auth/logout", status_code=204)
def logout(
    *,
    request: Request,
    user: service.CurrentUser = Depends(current_user),
    session: DbSession,
) -> Response:
    """Revoke the bearer token: it is refused from now on, even before it expires."""
    service.revoke_token(session=session, claims=request.state.token_claims)
    if isinstance(request.state.token_claims.get("sid"), str):  # its sliding session ends too
        sessions.revoke(session, session_id=request.state.token_claims["sid"], reason="logout")
    audit(request, session, user, action="logout", object_type="app_user", object_id=user.id)
    session.commit()
    return Response(status_code=204)


@router.get("/me", response_model=Me)
def me(user: service.CurrentUser = Depends(current_user)) -> Me:
    """Who am I, which beats are in my scope, and what may I do."""
    return Me(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
              station_id=user.station_id, beats=list(user.beat_codes), capabilities=sorted(user.capabilities))
