"""Login rate limiting per client address: an in-process token bucket.

Each address has a bucket of `burst` tokens refilled at `per_minute` tokens a minute; a sign-in attempt
takes one, and an empty bucket answers 429 with Retry-After. The state lives in this process: with
several workers each has its own buckets (the effective limit is workers × per_minute), and behind a
reverse proxy the address is the one uvicorn derives from X-Forwarded-For (`--forwarded-allow-ips`).
Per-account lockout (api.auth.service.authenticate) covers guessing spread over many addresses.
"""
import threading
import time
from dataclasses import dataclass

MAX_TRACKED = 10_000  # addresses kept; the fullest (idle) buckets are dropped first


@dataclass
class _Bucket:
    tokens: float
    at: float


class LoginLimiter:
    """Token buckets keyed by client address."""

    def __init__(self, *, per_minute: float, burst: int, clock=time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, address: str) -> float:
        """0 when the attempt may go ahead (a token is taken), else seconds until the next token."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(address)
            if bucket is None:
                if len(self._buckets) >= MAX_TRACKED:
                    self._prune(now)
                bucket = self._buckets[address] = _Bucket(tokens=float(self.burst), at=now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate if self.rate > 0 else 60.0

    def reset(self) -> None:
        """Forget every bucket (tests, or an administrator after an incident)."""
        with self._lock:
            self._buckets.clear()

    def _prune(self, now: float) -> None:
        full = [a for a, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for address in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[address]
