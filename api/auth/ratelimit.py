"""Sign-in rate limit per client address: a token bucket kept in PostgreSQL (table login_throttle).

Each address has a bucket of `burst` tokens refilled at `per_minute` tokens a minute; a sign-in attempt
takes one, and an empty bucket answers 429 with Retry-After. The bucket is one row updated by one atomic
statement (api/auth/queries.py TAKE_LOGIN_TOKEN), so the limit holds across workers and hosts and
survives restarts. The address is api.clientaddr.client_address (X-Forwarded-For only from
HOLOMAP_TRUSTED_PROXIES). Per-account lockout (api.auth.service.authenticate) covers guessing spread
over many addresses.
"""
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth import queries

PRUNE_EVERY_S = 60.0  # each process prunes refilled buckets at most this often


class LoginLimiter:
    """Token buckets keyed by client address, in the database."""

    def __init__(self, *, per_minute: float, burst: int):
        self.rate = max(per_minute, 0.0) / 60.0
        self.burst = max(int(burst), 1)
        self._pruned_at = time.monotonic()

    def take(self, session: Session, address: str) -> float:
        """0 when the attempt may go ahead (a token is taken), else seconds until the next token.

        Runs in the session's transaction: the caller commits (soon, so that the row lock is not held
        through the password check of a concurrent attempt from the same address)."""
        row = session.execute(text(queries.TAKE_LOGIN_TOKEN),
                              {"addr": address[:64], "burst": self.burst, "rate": self.rate}).one()
        self._prune(session)
        if row.allowed:
            return 0.0
        return (1.0 - row.tokens) / self.rate if self.rate > 0 else 60.0

    def _prune(self, session: Session) -> None:
        now = time.monotonic()
        if now - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = now
        full = self.burst / self.rate if self.rate > 0 else 86_400.0
        session.execute(text(queries.PRUNE_LOGIN_THROTTLE), {"full_seconds": full})
