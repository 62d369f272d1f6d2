"""Authentication for the map services outside /api (/tiles, /ogc).

They carry no personal data, but every data path needs a signed-in user. Browsers and QGIS/GDAL can
send `Authorization: Bearer …` (GDAL: `--config GDAL_HTTP_HEADERS "Authorization: Bearer …"`); clients
that cannot set headers may pass the same token as `?access_token=…` (the header wins when both are
present). The token is checked exactly as for /api (signature, expiry, active user re-read).
"""
from fastapi import Depends, Query, Request

from api.auth.dependencies import current_user, oauth2_scheme, read_session_authenticating
from api.auth.service import CurrentUser
from api.db import DbSession


def map_user(
    *,
    request: Request,
    token: str | None = Depends(oauth2_scheme),
    access_token: str | None = Query(None, description="bearer token, for clients that cannot send headers"),
    session: DbSession,
) -> CurrentUser:
    """The signed-in user of a tile or OGC request (bearer header or access_token parameter)."""
    return current_user(request=request, token=token or access_token, session=session)


def map_token(
    token: str | None = Depends(oauth2_scheme),
    access_token: str | None = Query(None, description="bearer token, for clients that cannot send headers"),
) -> str | None:
    """The bearer token of a map request: the header, else the access_token parameter."""
    return token or access_token


# the OGC API (non-personal): signed in and answered on the read engine, a hot standby when
# HOLOMAP_READ_DATABASE_URL is set, so it keeps answering while the primary fails over
map_read_session = read_session_authenticating(map_token)
