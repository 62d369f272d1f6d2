"""Login, tokens and the request's user with the beats in its scope."""
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api.auth import queries
from api.auth.models import PERSONAL_ROLES, AppUser
from api.auth.passwords import verify_password
from api.config import Settings

ALGORITHMS = ["HS256"]  # allowlist: never "none", never taken from the token header


@dataclass(frozen=True)
class CurrentUser:
    """The authenticated user of a request and the beats whose personal data it may see."""

    id: int
    username: str
    display_name: str
    role: str
    station_id: int | None
    beat_ids: tuple[int, ...] = ()
    beat_codes: tuple[str, ...] = field(default=())

    @property
    def sees_personal_data(self) -> bool:
        return self.role in PERSONAL_ROLES


def authenticate(session: Session, *, username: str, password: str, settings: Settings) -> AppUser | None:
    """The active, unlocked user with this password, or None; counts failures and locks."""
    user = session.scalar(select(AppUser).where(AppUser.username == username))
    if user is None or not user.active:
        return None
    now = datetime.now(UTC)
    if user.locked_until and user.locked_until > now:
        return None
    if verify_password(user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        return user
    user.failed_logins += 1
    if user.failed_logins >= settings.lockout_attempts:
        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0
    return None


def is_locked(user: AppUser | None) -> bool:
    """True while the account is locked after too many failed logins."""
    return bool(user and user.locked_until and user.locked_until > datetime.now(UTC))


def create_token(user: AppUser, settings: Settings) -> tuple[str, int]:
    """A signed JWT for the user and its lifetime in seconds."""
    now = datetime.now(UTC)
    lifetime = settings.token_minutes * 60
    claims = {
        "sub": str(user.id), "name": user.username, "role": user.role, "aud": settings.token_audience,
        "iat": now, "nbf": now, "exp": now + timedelta(seconds=lifetime), "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHMS[0]), lifetime


def decode_token(token: str, settings: Settings) -> dict:
    """Verified claims of a token; raises jwt.InvalidTokenError when forged, expired or foreign."""
    return jwt.decode(
        token, settings.secret, algorithms=ALGORITHMS, audience=settings.token_audience,
        options={"require": ["exp", "sub", "aud", "jti"]},
    )


def begin_request(session: Session, *, user_id: int, jti: str) -> CurrentUser | None:
    """The user as it is now in the database, set as the transaction's user for row-level security.

    One round trip (`holomap_begin_request`): None when the token was revoked (logout) or the user is
    gone or disabled; otherwise role, station and beats in scope, re-read on every request.
    """
    row = session.execute(text(queries.BEGIN_REQUEST), {"user_id": user_id, "jti": jti}).first()
    return None if row is None else _user(row)


def _user(row) -> CurrentUser:
    return CurrentUser(
        id=row.id, username=row.username, display_name=row.display_name, role=row.role,
        station_id=row.station_id, beat_ids=tuple(row.beat_ids), beat_codes=tuple(row.beat_codes),
    )


class AuthCache:
    """Answers of `holomap_begin_request` per (user id, token id), each with the auth generation it saw.

    A cached answer is used only while `auth_generation.gen` (migration 0009: a new value from a sequence
    in every statement that changes users, beat memberships, plans, beats or revoked tokens) is the
    same in the request's own transaction: then one cheap statement checks it and sets the request's
    user for RLS. Any change, committed before the request started, is seen on that request.
    """

    def __init__(self, size: int = 10_000):
        self.size = size
        self._entries: dict[tuple[int, str], tuple[int, CurrentUser]] = {}
        self._lock = threading.Lock()

    def begin_request(self, session: Session, *, user_id: int, jti: str) -> CurrentUser | None:
        """As `begin_request`, in one round trip while nothing it depends on has changed."""
        key = (user_id, jti)
        cached = self._entries.get(key)
        if cached is not None:
            gen, user = cached
            hit = session.execute(text(queries.RESUME_REQUEST),
                                  {"gen": gen, "uid": str(user.id), "role": user.role}).scalar()
            if hit:
                return user
        row = session.execute(text(queries.BEGIN_REQUEST_GEN), {"user_id": user_id, "jti": jti}).first()
        if row is None:
            self._entries.pop(key, None)
            return None
        user = _user(row)
        if row.gen is not None:
            with self._lock:
                if len(self._entries) >= self.size:
                    self._entries.clear()
                self._entries[key] = (row.gen, user)
        return user

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def revoke_token(session: Session, *, claims: dict) -> None:
    """Refuse this token from now until it expires (logout); prunes expired entries."""
    session.execute(text(queries.REVOKE_TOKEN),
                    {"jti": claims["jti"], "expires_at": datetime.fromtimestamp(claims["exp"], UTC)})
