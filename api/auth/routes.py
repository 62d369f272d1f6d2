"""POST /api/auth/token (rate limited per address), POST /api/auth/logout and GET /api/me."""
from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit.service import record
from api.auth import service
from api.auth.dependencies import current_user
from api.auth.models import AppUser
from api.auth.ratelimit import LoginLimiter
from api.auth.schemas import Me, Token
from api.db import get_session
from api.errors import TooManyRequests, Unauthorized
from api.scope import audit

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/token", response_model=Token)
def login(
    request: Request,
    form: OAuth2PasswordRequestForm = Depends(),
    session: Session = Depends(get_session),
) -> Token:
    """Exchange username and password for a bearer token."""
    settings = request.app.state.settings
    client = request.client.host if request.client else None
    wait = _limiter(request).take(client or "unknown")
    if wait:
        record(session, action="login", username=form.username[:64], outcome="denied", reason="rate limited",
               client_addr=client, request_id=request.state.request_id)
        session.commit()
        raise TooManyRequests(f"too many sign-in attempts from this address; try again in {int(wait) + 1} s",
                              headers={"Retry-After": str(int(wait) + 1)}, code="auth.too_many_attempts",
                              params={"retry_after": int(wait) + 1})
    user = service.authenticate(session, username=form.username, password=form.password, settings=settings)
    if user is None:
        known = session.scalar(select(AppUser).where(AppUser.username == form.username))
        locked = service.is_locked(known)
        record(session, action="login", username=form.username[:64], user_id=known.id if known else None,
               outcome="locked" if locked else "failed", client_addr=client,
               request_id=request.state.request_id)
        session.commit()
        if locked:
            raise Unauthorized("the account is locked after repeated failed sign-ins; try again later",
                               code="auth.account_locked")
        raise Unauthorized("wrong username or password", headers={"WWW-Authenticate": "Bearer"},
                           code="auth.wrong_credentials")
    token, lifetime = service.create_token(user, settings)
    record(session, action="login", user_id=user.id, username=user.username, client_addr=client,
           request_id=request.state.request_id)
    session.commit()
    return Token(access_token=token, expires_in=lifetime)


def _limiter(request: Request) -> LoginLimiter:
    state = request.app.state
    if getattr(state, "login_limiter", None) is None:
        settings = state.settings
        state.login_limiter = LoginLimiter(per_minute=settings.login_per_minute, burst=settings.login_burst)
    return state.login_limiter


@router.post("/auth/logout", status_code=204)
def logout(
    request: Request,
    user: service.CurrentUser = Depends(current_user),
    session: Session = Depends(get_session),
) -> Response:
    """Revoke the bearer token: it is refused from now on, even before it expires."""
    service.revoke_token(session, claims=request.state.token_claims)
    audit(request, session, user, action="logout", object_type="app_user", object_id=user.id)
    session.commit()
    return Response(status_code=204)


@router.get("/me", response_model=Me)
def me(user: service.CurrentUser = Depends(current_user)) -> Me:
    """Who am I, and which beats are in my scope."""
    return Me(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
              station_id=user.station_id, beats=list(user.beat_codes))
