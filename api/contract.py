"""Building blocks of the response models: timestamps as sent, GeoJSON geometry and features, links.

Every route declares the model of its 200 body (docs/CONVENTIONS.md "Responses"); routes that send JSON
built by PostgreSQL keep sending it and declare the model in `responses={200: {"model": …}}`, and
tests/contracts validates the real bodies against these models with extra fields forbidden.
"""
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Response
from pydantic import BaseModel, PlainSerializer

# a timestamp serialised as Python's isoformat() (`+00:00`, not pydantic's `Z`): the form services send
IsoDateTime = Annotated[datetime, PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json")]

Props = TypeVar("Props")


class Geometry(BaseModel):
    """A GeoJSON geometry in lon/lat (RFC 7946): Point, Polygon, MultiPolygon, …"""

    type: Literal["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]
    coordinates: list[Any]


class Feature(BaseModel, Generic[Props]):
    """A GeoJSON Feature whose `id` is the row id."""

    type: Literal["Feature"]
    id: int
    geometry: Geometry | None
    properties: Props


class FeatureCollection(BaseModel, Generic[Props]):
    type: Literal["FeatureCollection"]
    features: list[Feature[Props]]


class Link(BaseModel):
    """A link of an OGC API document."""

    href: str
    rel: str
    type: str
    title: str


class GeoJSONResponse(Response):
    """JSON text sent as application/geo+json: as `response_class`, OpenAPI lists the model under it."""

    media_type = "application/geo+json"


# the OpenAPI answer of a CSV download (declared instead of a model; tests/contracts/test_declared.py)
CSV_FILE = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "a CSV file (UTF-8)"}}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_FILE = {200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
                   "description": "an Excel workbook (.xlsx)"}}
