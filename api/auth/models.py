"""Application users: roles, station, argon2 password hash, lockout state."""
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base

ROLES = ("officer", "auxiliary", "grid_member", "station_chief", "planner", "leader", "admin")
# what each role may do: api/auth/capabilities.py


class AppUser(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('officer', 'auxiliary', 'grid_member', 'station_chief', 'planner', 'leader', 'admin')",
            name="role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    phone: Mapped[str | None] = mapped_column(String(20))
    # tokens issued before this are refused; set by a trigger when the account is disabled or its password
    # changes (migration 0014)
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # a one-time password set by an administrator: its sign-in may only change it (migration 0018)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RevokedToken(Base):
    """Token ids refused after logout until they expire (written by holomap_revoke_token)."""

    __tablename__ = "revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuthGeneration(Base):
    """One row whose number changes with every change a request's user could see (migration 0009)."""

    __tablename__ = "auth_generation"
    __table_args__ = (CheckConstraint("id", name="single"),)

    id: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default="true")
    gen: Mapped[int] = mapped_column(BigInteger)


class LoginThrottle(Base):
    """The sign-in token bucket of one client address, shared by every worker (migration 0014).

    `tokens` left after the last attempt, whether that attempt was `allowed`, and when (`updated_at`).
    """

    __tablename__ = "login_throttle"

    client_addr: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    allowed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AuthSession(Base):
    """A sliding session (issue 16): the family of refresh tokens of one sign-in (api/auth/sessions.py).

    Ends at `started_at` + HOLOMAP_SESSION_MAX_HOURS whatever happens, when revoked (sign-out, reuse of a
    used refresh token), and when the user's `tokens_valid_after` cut-off passes its start.
    """

    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the access tokens' `sid` claim
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(Base):
    """One refresh token of a session, stored as its SHA-256 only; usable once, within the idle time."""

    __tablename__ = "refresh_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_session.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
