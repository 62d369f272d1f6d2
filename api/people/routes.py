"""POST /api/persons/{id}/reveal: the full ID number, for a stated reason, audited."""
from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from api import scope
from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.db import get_session
from api.errors import Forbidden
from api.people import service
from api.people.schemas import RevealIn, RevealOut

router = APIRouter(prefix="/api", tags=["people"])


@router.post("/persons/{person_id}/reveal", response_model=RevealOut)
def reveal(
    person_id: int,
    body: RevealIn,
    request: Request,
    user: CurrentUser = Depends(current_user),
    session: Session = Depends(get_session),
) -> RevealOut:
    """The unmasked ID number of a person in the user's beats; the reason goes to the audit log."""
    scope.require_personal_access(user)
    if scope.masks_id_numbers(user):
        scope.audit(request, session, user, action="reveal_id_number", object_type="person",
                    object_id=person_id, outcome="denied", reason=body.reason)
        session.commit()
        raise Forbidden("grid members always see masked ID numbers; ask the beat's officer")
    scope.ensure_person(session, user, person_id)
    person = service.reveal_id_number(session=session, person_id=person_id)
    scope.audit(request, session, user, action="reveal_id_number", object_type="person",
                object_id=person_id, reason=body.reason)
    session.commit()
    return person
