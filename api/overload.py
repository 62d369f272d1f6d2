"""Load shedding: at most N requests in progress per worker, a short bounded wait for a slot, then a
fast 503 with Retry-After — instead of an unbounded queue in front of the worker threads and the pool.

Without it a burst of slow requests (200 × /api/analytics/hotspots) queued for threads and connections
until every client timed out, memory grew by ~180 MB and /api/health hung with the rest (issue 15).
`/api/health` and the static files bypass the limiter: they hold no database connection from the pools.
"""
import asyncio
import collections
import json

RETRY_AFTER_S = 1
BUSY = {
    "detail": "the server is busy with other requests; try again in a moment",
    "code": "server.busy",
    "params": {"retry_after": RETRY_AFTER_S},
}
_BUSY_BODY = json.dumps(BUSY).encode()
# the wait queue holds at most this many requests per slot; more are refused at once
QUEUE_PER_SLOT = 1


def limited(path: str) -> bool:
    """Requests that use the database pools: the API (except health), tiles and OGC."""
    if path.startswith("/api/"):
        return path != "/api/health"
    return path.startswith("/tiles/") or path == "/ogc" or path.startswith("/ogc/")


class LoadShedder:
    """Pure ASGI concurrency limit with a bounded, short wait queue (first come, first served)."""

    def __init__(self, app, *, max_concurrent: int, queue_wait_ms: int, state=None):
        self.app = app
        if state is not None:
            state.load_shedder = self  # read by /api/health
        self.max_concurrent = max(1, max_concurrent)
        self.queue_wait = max(0, queue_wait_ms) / 1000
        self.max_waiting = self.max_concurrent * QUEUE_PER_SLOT
        self.in_progress = 0
        self.refused = 0
        self._waiters: collections.deque[asyncio.Future] = collections.deque()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not limited(scope["path"]):
            await self.app(scope, receive, send)
            return
        if not await self._acquire():
            self.refused += 1
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(_BUSY_BODY)).encode()),
                (b"retry-after", str(RETRY_AFTER_S).encode())]})
            await send({"type": "http.response.body", "body": _BUSY_BODY})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _acquire(self) -> bool:
        """A slot now, or within the queue wait; False when none is free in time or the queue is full."""
        if self.in_progress < self.max_concurrent and not self._waiters:
            self.in_progress += 1
            return True
        if self.queue_wait <= 0 or len(self._waiters) >= self.max_waiting:
            return False
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), self.queue_wait)
        except TimeoutError:
            pass
        except asyncio.CancelledError:  # the client went away while waiting
            if waiter.done() and not waiter.cancelled():
                self._release()
            waiter.cancel()
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        if waiter.done() and not waiter.cancelled():
            return True  # the releasing request handed its slot over (in_progress unchanged)
        waiter.cancel()
        return False

    def _release(self) -> None:
        """Hand the slot to the oldest live waiter, else free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.in_progress -= 1
