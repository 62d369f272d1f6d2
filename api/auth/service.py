"""Login, tokens and the request's user with the beats in its scope."""
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api.auth import queries
from api.auth.capabilities import capabilities_of, role_can
from api.auth.models import AppUser
from api.auth.passwords import MIN_LENGTH, hash_password, verify_password, weakness
from api.config import Settings
from api.errors import InvalidInput, Unauthorized

ALGORITHMS = ["HS256"]  # allowlist: never "none", never taken from the token header
CLOCK_SKEW_S = 10  # leeway between the clocks of the app servers (iat, nbf, exp, lifetime)
PASSWORD_CHANGE_CLAIM = "pwc"  # a token that may only change its user's one-time password


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
        return self.can("person.read")

    @property
    def capabilities(self) -> frozenset[str]:
        """What the user's role may do (api/auth/capabilities.py)."""
        return capabilities_of(self.role)

    def can(self, capability: str) -> bool:
        """Whether the user's role holds the capability (KeyError for an unknown one)."""
        return role_can(self.role, capability)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user when it succeeded; for the audit log, why not otherwise."""

    user: AppUser | None
    outcome: str  # ok / failed / locked (the audit log's outcome)
    user_id: int | None = None
    reason: str | None = None  # reason_code of the audit row (login.wrong_password, …)


@cache
def _dummy_hash() -> str:
    """An argon2 hash (same parameters as real ones) that unknown usernames are checked against."""
    return hash_password(uuid.uuid4().hex)


def authenticate(*, session: Session, username: str, password: str, settings: Settings) -> SignIn:
    """Check a username and password; counts failures and locks the account after too many.

    The same work whatever the account's state: the password is always verified with argon2 (against a
    dummy hash when the username is unknown), so the time taken does not tell which usernames exist.
    """
    user = session.scalar(select(AppUser).where(AppUser.username == username))
    if user is None:
        verify_password(_dummy_hash(), password)
        return SignIn(None, "failed", reason="login.unknown_user")
    matches = verify_password(user.password_hash, password)
    if not user.active:
        return SignIn(None, "failed", user.id, reason="login.disabled")
    now = datetime.now(UTC)
    if user.locked_until and user.locked_until > now:
        return SignIn(None, "locked", user.id, reason="login.locked")
    if matches:
        user.failed_logins = 0
        user.locked_until = None
        return SignIn(user, "ok", user.id)
    user.failed_logins += 1
    if user.failed_logins >= settings.lockout_attempts:
        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0
        return SignIn(None, "locked", user.id, reason="login.wrong_password_locked")
    return SignIn(None, "failed", user.id, reason="login.wrong_password")


def sign_in_failed(settings: Settings) -> Unauthorized:
    """The one answer for an unknown user, a wrong password, a disabled or a locked account."""
    attempts, minutes = settings.lockout_attempts, settings.lockout_minutes
    return Unauthorized(
        f"sign-in failed: wrong username or password, or the account is locked ({attempts} failed tries "
        f"lock it for {minutes} min); check them and try again later",
        code="auth.login_failed", params={"attempts": attempts, "minutes": minutes},
        headers={"WWW-Authenticate": "Bearer"})


def create_token(user: AppUser, settings: Settings, *, session_id: str | None = None,
                 not_after: datetime | None = None) -> tuple[str, int]:
    """A signed JWT for the user and its lifetime in seconds.

    `iat` keeps its fraction of a second: a token issued just after the account's cut-off (disabled,
    password changed) must compare as after it. With a sliding session (api/auth/sessions.py) the token
    names it (`sid`, revoked on sign-out) and never outlives it (`not_after`).
    """
    now = time.time()
    lifetime = settings.token_minutes * 60
    if not_after is not None:
        lifetime = max(1, min(lifetime, int(not_after.timestamp() - now)))
    claims = {
        "sub": str(user.id), "name": user.username, "role": user.role, "aud": settings.token_audience,
        "iat": now, "nbf": int(now), "exp": int(now) + lifetime, "jti": uuid.uuid4().hex,
    }
    if session_id is not None:
        claims["sid"] = session_id
    if getattr(user, "must_change_password", False):
        # signed in with a one-time password: this token only changes it (api.auth.dependencies)
        claims[PASSWORD_CHANGE_CLAIM] = True
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHMS[0]), lifetime


def decode_token(token: str, settings: Settings) -> dict:
    """Verified claims of a token; raises jwt.InvalidTokenError when forged, expired or foreign, without
    `iat`, issued in the future, or living longer than HOLOMAP_TOKEN_MINUTES (a token signed with a
    leaked secret still cannot outlive the configured lifetime). CLOCK_SKEW_S of leeway between hosts."""
    claims = jwt.decode(
        token, settings.secret, algorithms=ALGORITHMS, audience=settings.token_audience,
        options={"require": ["exp", "iat", "sub", "aud", "jti"]}, leeway=CLOCK_SKEW_S,
    )
    iat, exp = claims["iat"], claims["exp"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (iat, exp)):
        raise jwt.InvalidTokenError("iat and exp must be numbers")
    if iat > time.time() + CLOCK_SKEW_S:
        raise jwt.ImmatureSignatureError("the token is issued in the future")
    if exp - iat > settings.token_minutes * 60 + CLOCK_SKEW_S:
        raise jwt.InvalidTokenError("the token lives longer than the configured lifetime")
    return claims


def begin_request(*, session: Session, user_id: int, jti: str, iat: float) -> CurrentUser | None:
    """The user as it is now in the database, set as the transaction's user for row-level security.

    One round trip (`holomap_begin_request`): None when the token was revoked (logout), the user is
    gone or disabled, or the token was issued (`iat`) before the user's cut-off (disabled or password
    changed since); otherwise role, station and beats in scope, re-read on every request.
    """
    row = session.execute(text(queries.BEGIN_REQUEST), {"user_id": user_id, "jti": jti, "iat": iat}).first()
    return None if row is None else _user(row)


def _user(row) -> CurrentUser:
    return CurrentUser(
        id=row.id, username=row.username, display_name=row.display_name, role=row.role,
        station_id=row.station_id, beat_ids=tuple(row.beat_ids), beat_codes=tuple(row.beat_codes),
    )


class AuthCache:
    """Answers of `holomap_begin_request` per (user id, token id, issue time), each with the auth generation
    it saw.

    A cached answer is used only while `auth_generation.gen` (migration 0009: a new value from a sequence
    in every statement that changes users, beat memberships, plans, beats or revoked tokens) is the
    same in the request's own transaction: then one cheap statement checks it and sets the request's
    user for RLS. Any change, committed before the request started, is seen on that request.
    """

    def __init__(self, size: int = 10_000):
        self.size = size
        self._entries: dict[tuple[int, str, float], tuple[int, CurrentUser]] = {}
        self._lock = threading.Lock()

    def begin_request(self, *, session: Session, user_id: int, jti: str, iat: float) -> CurrentUser | None:
        """As `begin_request`, in one round trip while nothing it depends on has changed."""
        key = (user_id, jti, iat)
        cached = self._entries.get(key)
        if cached is not None:
            gen, user = cached
            hit = session.execute(text(queries.RESUME_REQUEST),
                                  {"gen": gen, "uid": str(user.id), "role": user.role}).scalar()
            if hit:
                return user
        row = session.execute(text(queries.BEGIN_REQUEST_GEN),
                              {"user_id": user_id, "jti": jti, "iat": iat}).first()
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


def revoke_token(*, session: Session, claims: dict) -> None:
    """Refuse this token from now until it expires (logout); prunes expired entries."""
    session.execute(text(queries.REVOKE_TOKEN),
                    {"jti": claims["jti"], "expires_at": datetime.fromtimestamp(claims["exp"], UTC)})


def change_password(*, session: Session, user_id: int, old_password: str, new_password: str) -> AppUser:
    """Set the user's own new password after checking the old one and the strength rule.

    Clears the one-time-password flag; the trigger of migration 0014 ends every earlier session.
    """
    user = session.get(AppUser, user_id, with_for_update=True)
    if user is None or not verify_password(user.password_hash, old_password):
        raise InvalidInput("the current password is wrong; type the password you signed in with",
                           code="auth.password_wrong")
    if new_password == old_password:
        raise InvalidInput("the new password must differ from the current one", code="auth.password_same")
    reason = weakness(new_password, username=user.username)
    if reason is not None:
        raise InvalidInput(
            f"the new password is too weak: at least {MIN_LENGTH} characters, letters and digits (or other "
            "signs), and not containing the username",
            code="auth.password_weak", params={"min_length": MIN_LENGTH, "rule": reason})
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user
