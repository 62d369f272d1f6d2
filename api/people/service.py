"""Reading a person's full ID number (the caller has checked scope and role)."""
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.people import queries
from api.people.schemas import RevealOut


def reveal_id_number(*, session: Session, person_id: int) -> RevealOut:
    """The person's unmasked ID number."""
    row = session.execute(text(queries.PERSON_ID_NUMBER), {"id": person_id}).first()
    if row is None:
        raise NotFound(f"person {person_id} not found")
    return RevealOut(id=row.id, name=row.name, id_number=row.id_number, household_id=row.household_id)
