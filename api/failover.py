"""One retry of a read whose database connection was lost (a restart, a Patroni failover).

A GET or HEAD answered 503 because its connection broke (api/errors.py marks the request with DB_LOST)
runs once more, at once: the broken connection's pool has been dropped, so the retry connects anew and
libpq picks whichever host of DATABASE_URL now fits (the new primary, or the standby for the reads of
HOLOMAP_READ_DATABASE_URL). The first answer is held back, never sent, so the client sees only the
retry's. Writes are never retried here: a write caught mid-failover answers 503 with Retry-After and
the client (the offline outbox, with its Idempotency-Key) sends it again.
"""
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import DB_LOST

log = logging.getLogger("holomap")
READS = frozenset({"GET", "HEAD"})


class RetryLostReads:
    """ASGI middleware: GET/HEAD tried a second time after a 503 caused by a lost database connection."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold_lost(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 503 and scope.get(DB_LOST):
                held.append(message)
            elif held:
                held.append(message)  # the body of the answer that will not be sent
            else:
                await send(message)

        await self.app(scope, receive, hold_lost)
        if not held:
            return
        log.warning("%s %s: database connection lost, trying once more", scope["method"], scope["path"])
        scope.pop(DB_LOST, None)
        await self.app(scope, receive, send)
