"""Idempotent writes (issue 16, IETF draft "The Idempotency-Key HTTP Header Field").

A write route takes `idem: Idempotency = Depends(idempotency)` and calls `idem.complete(result)` just
before it commits. With an `Idempotency-Key` header, the dependency claims the key for the user in the
request's own transaction before the route runs:

- a new key: the route runs; `complete` stores its status and JSON body in the same transaction, so the
  key exists exactly when the write does (a rolled-back or failed write leaves no key: a retry runs anew);
- the same key and the same request (method, path and canonical body hash) again: the stored answer,
  byte for byte, with `Idempotent-Replayed: true`, and nothing runs;
- the same key with another request: 409 `idempotency.conflict`;
- the same key while its first request is still running: the second waits for it on the key's unique index
  (PostgreSQL holds the uncommitted claim) and then replays its answer, or runs if the first rolled back;
  after HOLOMAP_LOCK_TIMEOUT_MS of waiting it gets 409 `idempotency.in_progress` with Retry-After.

Keys are per user (another user's same key is independent), kept HOLOMAP_IDEMPOTENCY_DAYS (≥ 30 days),
pruned by the writes themselves: one in PRUNE_EVERY claims deletes a bounded batch of older keys.
Only successful answers are stored; an error answer (4xx) rolls the claim back with the write.
"""
import hashlib
import json
import random
import re
from dataclasses import dataclass

from fastapi import Header, Request
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from api.errors import Conflict, IdempotentReplay, InvalidInput
from api.idempotency import queries

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,128}")
PRUNE_EVERY = 100
PRUNE_BATCH = 1000
LOCK_NOT_AVAILABLE = "55P03"
HEADER_DESCRIPTION = (
    "A client-made key (e.g. a UUID v4; 8–128 letters, digits, '.', '_', ':', '-') that makes this write "
    "idempotent: the same key with the same request returns the first answer again without a second "
    "write (header Idempotent-Replayed: true); with another request, 409 idempotency.conflict. "
    "Kept at least 30 days per user."
)


def canonical_hash(body: bytes) -> str:
    """SHA-256 of the JSON body with sorted keys and no insignificant whitespace (the raw bytes when the
    body is not JSON: such a request fails validation anyway)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        data = canonical.encode()
    except ValueError:
        data = body
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidInput(
            "the Idempotency-Key header must be 8 to 128 letters, digits, '.', '_', ':' or '-' (e.g. a UUID)",
            code="idempotency.key_invalid", params={"min": 8, "max": 128})
    return key


@dataclass
class Idempotency:
    """The claimed key of the request (None: the request sent none and runs as usual)."""

    request: Request
    session: Session | None = None
    user_id: int | None = None
    key: str | None = None

    def complete(self, result, *, status: int | None = None) -> None:
        """Store the route's answer with the key, in the write's transaction (call before commit).

        `result` is what the route returns; it is serialised with the route's declared response model as
        FastAPI will send it. No-op without a key."""
        if self.key is None or self.session is None:
            return
        route = self.request.scope["route"]
        adapter = TypeAdapter(route.response_model)
        value = adapter.validate_python(result, from_attributes=True)
        body = json.dumps(adapter.dump_python(value, mode="json"), ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"))
        self.session.execute(text(queries.COMPLETE), {
            "status": status or route.status_code or 200, "response": body,
            "user_id": self.user_id, "key": self.key})


async def body_hash(request: Request) -> str:
    """The canonical hash of the request body (FastAPI has read it already); of a multipart body, its
    fields in name order with each file's content hash (the boundary differs on every retry)."""
    if HEADER.lower() not in request.headers:
        return ""
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = await request.form()
        digest = hashlib.sha256()
        for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
            digest.update(name.encode() + b"\0")
            if isinstance(value, UploadFile):
                data = await value.read()
                await value.seek(0)
                digest.update(b"file\0" + hashlib.sha256(data).digest())
            else:
                digest.update(b"text\0" + str(value).encode())
            digest.update(b"\0")
        return digest.hexdigest()
    return canonical_hash(await request.body())


def claim(*, request: Request, session: Session, user_id: int, key: str | None, digest: str,
          days: int) -> Idempotency:
    """Claim `key` for the user's request, or raise the stored answer (IdempotentReplay) or a 409."""
    if key is None:
        return Idempotency(request)
    check_key(key)
    route = f"{request.method} {request.url.path}"
    params = {"user_id": user_id, "key": key}
    try:
        claimed = session.execute(text(queries.CLAIM), {**params, "route": route, "body_hash": digest}).scalar()
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise in_progress() from None
        raise
    if claimed:
        if random.randrange(PRUNE_EVERY) == 0:
            prune(session=session, days=days)
        return Idempotency(request, session, user_id, key)
    stored = session.execute(text(queries.STORED), params).one()
    if stored.route != route or stored.body_hash != digest:
        raise Conflict("this Idempotency-Key was already used for another request; send a new key for a new "
                       "write", code="idempotency.conflict", params={"route": stored.route})
    if stored.status is None:  # committed without an answer: a route that forgot complete()
        raise in_progress()
    raise IdempotentReplay(stored.status, stored.response)


def in_progress() -> Conflict:
    return Conflict("a request with this Idempotency-Key is still being processed; try again in a moment",
                    code="idempotency.in_progress", params={"seconds": 1}, headers={"Retry-After": "1"})


def prune(*, session: Session, days: int, batch: int = PRUNE_BATCH) -> int:
    """Delete up to `batch` keys older than `days` days; how many."""
    return session.execute(text(queries.PRUNE), {"days": days, "batch": batch}).rowcount


def idempotency_header(
    idempotency_key: str | None = Header(None, alias=HEADER, description=HEADER_DESCRIPTION),
) -> str | None:
    return idempotency_key
