"""Response shapes of OGC API – Features (/ogc): what QGIS and GDAL read."""
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.contract import Geometry, Link


class Landing(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]  # noqa: N815 (the OGC name)


class SpatialExtent(BaseModel):
    bbox: list[list[float]]  # [[minLon, minLat, maxLon, maxLat]]
    crs: str


class Extent(BaseModel):
    spatial: SpatialExtent


class Collection(BaseModel):
    id: str
    title: str
    description: str
    itemType: Literal["feature"]  # noqa: N815
    crs: list[str]
    links: list[Link]
    extent: Extent | None = Field(None, description="absent when the collection is empty")


class Collections(BaseModel):
    links: list[Link]
    collections: list[Collection]


class OgcFeature(BaseModel):
    """A feature of a collection: `properties` depend on the collection (non-personal columns only)."""

    id: int
    type: Literal["Feature"]
    geometry: Geometry | None
    properties: dict[str, Any]


class OgcItem(OgcFeature):
    links: list[Link]


class OgcItems(BaseModel):
    type: Literal["FeatureCollection"]
    numberMatched: int  # noqa: N815
    numberReturned: int  # noqa: N815
    timeStamp: str  # noqa: N815
    links: list[Link]
    features: list[OgcFeature]
