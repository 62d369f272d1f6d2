"""`idempotency`: the dependency of every write route that honours an Idempotency-Key (service.py)."""
from fastapi import Depends, Request

from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.db import DbSession
from api.idempotency.service import Idempotency, body_hash, claim, idempotency_header


def idempotency(
    *,
    request: Request,
    key: str | None = Depends(idempotency_header),
    digest: str = Depends(body_hash),
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> Idempotency:
    """The request's claimed key (before the route runs), or its stored answer / a 409 raised."""
    return claim(request=request, session=session, user_id=user.id, key=key, digest=digest,
                 days=request.app.state.settings.idempotency_days)
