"""POST /api/photos (multipart: the image and the visit, building or dispute it belongs to) and
GET /api/photos/{id} (the image), both in the user's beats and audited like personal reads."""
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from api import scope
from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.db import DbSession
from api.errors import InvalidInput, PayloadTooLarge
from api.idempotency.dependencies import idempotency
from api.idempotency.service import Idempotency
from api.photos import service
from api.photos.images import MAX_BYTES, MAX_PIXELS, ImageRefused, clean
from api.photos.schemas import PhotoOut

router = APIRouter(prefix="/api", tags=["photos"])
IMAGE_TYPES = {"image/jpeg": {}, "image/png": {}, "image/webp": {}}


@router.post("/photos", response_model=PhotoOut, status_code=201)
def upload_photo(
    *,
    request: Request,
    file: UploadFile = File(..., description="JPEG, PNG or WebP, at most 2 MB"),
    visit_id: int | None = Form(None), building_id: int | None = Form(None), dispute_id: int | None = Form(None),
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> PhotoOut:
    """Attach a photo to one visit, building (门头照) or dispute in the user's beats. Stored once per content
    hash, re-encoded without metadata except the time it was taken."""
    subject, subject_id = service.subject_of(visit_id=visit_id, building_id=building_id, dispute_id=dispute_id)
    service.ensure_subject(session=session, user=user, subject=subject, subject_id=subject_id)
    data = file.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"a photo may have at most {MAX_BYTES // (1024 * 1024)} MB; resize it first",
                              code="photo.too_large", params={"max_mb": MAX_BYTES // (1024 * 1024)})
    try:
        image = clean(data)
    except ImageRefused as refused:
        if refused.reason == "type":
            raise InvalidInput("only JPEG, PNG and WebP photos are accepted", code="photo.type_refused",
                               params={"allowed": ["JPEG", "PNG", "WebP"]}) from None
        if refused.reason == "pixels":
            raise InvalidInput(f"the photo has more than {MAX_PIXELS // 1_000_000} million pixels; resize it first",
                               code="photo.too_many_pixels", params={"max_megapixels": MAX_PIXELS // 1_000_000}
                               ) from None
        raise InvalidInput("the file is damaged or not really an image", code="photo.corrupt") from None
    photo = service.attach(session=session, user=user, image=image, subject=subject, subject_id=subject_id)
    scope.audit(request, session, user, action="photo.create", object_type="photo", object_id=photo.id,
                reason_code="photo.subject", reason_params={"subject": subject, "subject_id": subject_id})
    idem.complete(photo)
    session.commit()
    return photo


@router.get("/photos/{photo_id}", response_class=Response, responses={200: {"content": IMAGE_TYPES}})
def read_photo(
    *,
    photo_id: int, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> Response:
    """The image of a photo whose visit, building or dispute is in the user's beats (audited)."""
    photo = service.read(session=session, user=user, photo_id=photo_id)
    data = service.data(session=session, sha256=photo.sha256)
    scope.audit(request, session, user, action="photo.read", object_type="photo", object_id=photo_id)
    session.commit()
    return Response(data, media_type=photo.media_type, headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
