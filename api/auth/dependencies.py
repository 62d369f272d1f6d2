"""Dependencies: the authenticated user of a request, and role requirements."""
from collections.abc import Callable

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser, begin_request, decode_token
from api.db import get_session
from api.errors import Forbidden, Unauthorized

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def bearer_claims(request: Request, token: str | None) -> tuple[dict, int, str]:
    """The verified claims of the bearer token, its user id and token id; 401 when missing or invalid.

    Only the signature and expiry: whether the user is still active and the token not revoked is read
    from the database by the caller (`begin_request`, or the SQL function of a one-statement route).
    """
    if not token:
        raise Unauthorized("sign in first: send Authorization: Bearer <token>", headers=_CHALLENGE,
                           code="auth.required")
    try:
        claims = decode_token(token, request.app.state.settings)
        user_id = int(claims["sub"])
        jti = str(claims["jti"])
    except (jwt.InvalidTokenError, ValueError, KeyError):
        raise Unauthorized("the token is invalid or expired; sign in again", headers=_CHALLENGE,
                           code="auth.token_invalid") from None
    request.state.token_claims = claims
    return claims, user_id, jti


def session_ended() -> Unauthorized:
    """The 401 for a revoked token or a disabled account."""
    return Unauthorized("the session has ended (signed out) or the account is disabled; sign in again",
                        headers=_CHALLENGE, code="auth.session_ended")


def current_user(
    request: Request,
    token: str | None = Depends(oauth2_scheme),
    session: Session = Depends(get_session),
) -> CurrentUser:
    """The user behind the bearer token, re-read from the database on every request."""
    claims, user_id, jti = bearer_claims(request, token)
    # one round trip: revoked token? active user? role, station, beats; and the user set for RLS
    cache = getattr(request.app.state, "auth_cache", None)
    if cache is not None:
        user = cache.begin_request(session, user_id=user_id, jti=jti)
    else:
        user = begin_request(session, user_id=user_id, jti=jti)
    if user is None:
        raise session_ended()
    request.state.user = user
    request.state.token_claims = claims
    return user


def require_roles(*roles: str) -> Callable[[CurrentUser], CurrentUser]:
    """A dependency that lets only the given roles through (403 otherwise)."""

    def _check(user: CurrentUser = Depends(current_user)) -> CurrentUser:
        if user.role not in roles:
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}", code="auth.role_required",
                            params={"roles": list(roles)})
        return user

    return _check
