"""Photos: attach a cleaned image to a visit, building or dispute in the user's beats; read it back."""
import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

from api import scope
from api.auth.service import CurrentUser
from api.errors import InvalidInput, NotFound
from api.photos import queries
from api.photos.images import Cleaned
from api.photos.schemas import PhotoOut

SUBJECTS = ("visit", "building", "dispute")


def ensure_subject(*, session: Session, user: CurrentUser, subject: str, subject_id: int) -> None:
    """404 unless the visit, building or dispute lies in the user's beats (the scope of personal reads)."""
    if subject == "building":
        scope.ensure_building(session, user, subject_id)
        return
    scope.require_personal_access(user)
    sql = queries.VISIT_BEAT if subject == "visit" else queries.DISPUTE_BEAT
    beat = session.execute(text(sql), {"id": subject_id}).scalar()
    if beat is None or beat not in user.beat_ids:
        raise NotFound(f"{subject} {subject_id} not found in your beats", code="photo.subject_not_in_scope",
                       params={"subject": subject, "id": subject_id})


def subject_of(*, visit_id: int | None, building_id: int | None, dispute_id: int | None) -> tuple[str, int]:
    given = [(name, value) for name, value in zip(SUBJECTS, (visit_id, building_id, dispute_id), strict=True)
             if value is not None]
    if len(given) != 1:
        raise InvalidInput("a photo belongs to exactly one of visit_id, building_id or dispute_id",
                           code="photo.one_subject", params={"allowed": list(SUBJECTS)})
    return given[0]


def attach(*, session: Session, user: CurrentUser, image: Cleaned, subject: str, subject_id: int) -> PhotoOut:
    digest = hashlib.sha256(image.data).hexdigest()
    session.execute(text(queries.STORE_BLOB), {
        "sha256": digest, "media_type": image.media_type, "size": len(image.data), "width": image.width,
        "height": image.height, "data": image.data})
    ids = {f"{s}_id": (subject_id if s == subject else None) for s in SUBJECTS}
    photo_id = session.execute(text(queries.ATTACH),
                               {"sha256": digest, "taken_at": image.taken_at, "user_id": user.id, **ids}).scalar()
    return read(session=session, user=user, photo_id=photo_id)


def read(*, session: Session, user: CurrentUser, photo_id: int) -> PhotoOut:
    """The photo's description, 404 unless its subject is in the user's beats."""
    row = session.execute(text(queries.PHOTO), {"id": photo_id}).one_or_none()
    if row is None:
        raise NotFound(f"photo {photo_id} not found in your beats", code="photo.not_in_scope",
                       params={"photo_id": photo_id})
    subject, subject_id = subject_of(visit_id=row.visit_id, building_id=row.building_id, dispute_id=row.dispute_id)
    try:
        ensure_subject(session=session, user=user, subject=subject, subject_id=subject_id)
    except NotFound:
        raise NotFound(f"photo {photo_id} not found in your beats", code="photo.not_in_scope",
                       params={"photo_id": photo_id}) from None
    return PhotoOut(**row._mapping, url=f"/api/photos/{row.id}")


def data(*, session: Session, sha256: str) -> bytes:
    return session.execute(text(queries.PHOTO_DATA), {"sha256": sha256}).scalar_one()
