"""Sliding sessions (issue 16): a sign-in starts a session whose one-time refresh tokens are rotated by
POST /api/auth/refresh.

- Refresh tokens are 256 random bits, stored only as their SHA-256 (`refresh_token`), usable once.
- Presenting an already used one means two parties hold the family (token theft, RFC 9700 §4.14.2):
  the whole session is revoked, and both must sign in again.
- A session ends HOLOMAP_SESSION_MAX_HOURS after its sign-in whatever happens (access tokens never
  outlive it), when no refresh came within HOLOMAP_SESSION_IDLE_MINUTES of the last (idle lock; the web
  app refreshes only while its user works), on sign-out (the access token's `sid`), and when the user's
  `tokens_valid_after` cut-off (password change or reset, account disabled: migration 0014) passes its
  start.
"""
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.config import Settings

START = """
WITH s AS (
  INSERT INTO auth_session (id, user_id, started_at) VALUES (:sid, :user_id, clock_timestamp())
  RETURNING id, started_at)
INSERT INTO refresh_token (token_hash, session_id, issued_at) SELECT :hash, s.id, s.started_at FROM s
RETURNING issued_at
"""

# the presented token with its session and user, locked: a concurrent use of the same token waits and
# then sees it used
FIND = """
SELECT r.session_id, r.issued_at, r.used_at, s.user_id, s.started_at, s.revoked_at, u.active,
       u.tokens_valid_after, clock_timestamp() AS now
FROM refresh_token r JOIN auth_session s ON s.id = r.session_id JOIN app_user u ON u.id = s.user_id
WHERE r.token_hash = :hash
FOR UPDATE OF r
"""

ROTATE = """
WITH used AS (UPDATE refresh_token SET used_at = clock_timestamp() WHERE token_hash = :old RETURNING session_id)
INSERT INTO refresh_token (token_hash, session_id, issued_at) SELECT :new, used.session_id, clock_timestamp()
FROM used
RETURNING issued_at
"""

REVOKE = """
UPDATE auth_session SET revoked_at = clock_timestamp(), revoked_reason = :reason
WHERE id = :sid AND revoked_at IS NULL
"""

# sessions ended more than a day ago (their refresh tokens go with them), a bounded batch
PRUNE = """
DELETE FROM auth_session WHERE id IN (
  SELECT id FROM auth_session
  WHERE started_at < now() - make_interval(secs => CAST(:seconds AS double precision))
  LIMIT 1000 FOR UPDATE SKIP LOCKED)
"""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Grant:
    """A session's new refresh token and when the session ends (absolute) or locks (idle)."""

    session_id: str
    refresh_token: str
    user_id: int
    ends_at: datetime
    locks_at: datetime

    def seconds_to_end(self, now: datetime) -> int:
        return max(0, int((self.ends_at - now).total_seconds()))

    def seconds_to_lock(self, now: datetime) -> int:
        return max(0, int((min(self.locks_at, self.ends_at) - now).total_seconds()))


@dataclass(frozen=True)
class Refused:
    """Why a refresh was refused: the error code, and whether the session was revoked just now."""

    code: str
    user_id: int | None = None
    revoked: bool = False


def start(session: Session, *, user_id: int, settings: Settings) -> Grant:
    """A new session for a sign-in; prunes long-ended sessions."""
    sid, refresh = uuid.uuid4().hex, secrets.token_urlsafe(32)
    issued = session.execute(text(START), {"sid": sid, "user_id": user_id, "hash": token_hash(refresh)}).scalar()
    session.execute(text(PRUNE), {"seconds": settings.session_max_hours * 3600 + 86400})
    return Grant(sid, refresh, user_id, issued + timedelta(hours=settings.session_max_hours),
                 issued + timedelta(minutes=settings.session_idle_minutes))


def rotate(session: Session, *, refresh_token: str, settings: Settings) -> Grant | Refused:
    """The next refresh token of the presented one's session, or why not (the caller commits either way:
    a refusal may have revoked the session)."""
    row = session.execute(text(FIND), {"hash": token_hash(refresh_token)}).first()
    if row is None:
        return Refused("auth.refresh_invalid")
    ends_at = row.started_at + timedelta(hours=settings.session_max_hours)
    if row.revoked_at is not None:
        return Refused("auth.session_ended", row.user_id)
    if row.used_at is not None:
        session.execute(text(REVOKE), {"sid": row.session_id, "reason": "reuse"})
        return Refused("auth.refresh_reused", row.user_id, revoked=True)
    if not row.active or (row.tokens_valid_after is not None and row.tokens_valid_after >= row.started_at):
        return Refused("auth.session_ended", row.user_id)
    if row.now >= ends_at:
        return Refused("auth.session_expired", row.user_id)
    if row.now >= row.issued_at + timedelta(minutes=settings.session_idle_minutes):
        session.execute(text(REVOKE), {"sid": row.session_id, "reason": "idle"})
        return Refused("auth.session_idle", row.user_id, revoked=True)
    new = secrets.token_urlsafe(32)
    issued = session.execute(text(ROTATE), {"old": token_hash(refresh_token), "new": token_hash(new)}).scalar()
    return Grant(row.session_id, new, row.user_id, ends_at,
                 issued + timedelta(minutes=settings.session_idle_minutes))


def revoke(session: Session, *, session_id: str, reason: str) -> None:
    session.execute(text(REVOKE), {"sid": session_id, "reason": reason})
