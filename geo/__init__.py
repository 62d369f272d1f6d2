"""Pure geometry and domain logic for Holomap: no database, no web framework.

Modules: ``idnumber`` and ``masking`` (personal identifiers), ``crs`` (WGS84/CGCS2000/GCJ-02/BD-09),
``geometry`` (GeoJSON input validation and repair, geodesic measures), ``partition`` (beat plan
checks and compactness), ``binning`` (square/hexagon cells matching PostGIS grids) and ``hotspots``
(Getis-Ord Gi*).
"""
