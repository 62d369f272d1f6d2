"""Leadership analytics (数据研判): aggregates of incidents, disputes, visits — never personal data.

Endpoints (GET, all under /api/analytics, filters `start`, `end` (local days, end inclusive; default the
last 365 days), `category` (repeat or comma list), `hours` (`0-6,22-23`), `weekdays` (ISO, `1-5`),
`station` (code; leaders/admins only)):

- `heat?cell=hex|square&size_m=100..5000` → GeoJSON cells with `count`, `total`, `max`.
- `hotspots` (same cell options) → Gi* `z`, `p`, `class` hot99…cold99/ns per cell, `classes` summary.
- `matrix` → counts per weekday (1 = Monday) × local hour.
- `compare` → per category this period vs the previous period of the same length; monthly series.
- `beats` → current beats (GeoJSON) with incidents, change, rate per 1,000 residents, disputes by
  colour (reported in the period), resolution rate (resolved or closed).
- `officers` → per community officer/auxiliary and month: households visited vs target, key persons,
  disputes mediated, persons/floating/vehicles registered and records corrected by the officer (by
  author, migration 0009); 90-day household coverage of their beats.
- `near-repeat?category=…&distance_band_m&distance_bands&time_band_days&time_bands&permutations` → the
  Knox table of one category (observed, expected, ratio, p per distance band × time band), its zone;
  `status: running` with `progress` while the simulations run in a worker thread (nearrepeat.py); while
  newer data is recomputed, the previous answer with `stale: true`, its `data_version` and `computed_at`.
- `emerging?step=week|month&cell&size_m` → emerging hot spot classes per cell of the cube (cells × steps),
  `status: running` with `progress` while computed (emerging.py).
- `warnings` → near-repeat warning zones as counts per station and category (api/warnings).
- `repeat-locations` → buildings by incidents (nearest centroid within 30 m), the top 1/5/10 % share;
  `locations` (the repeat buildings of the user's beats with their incidents) for users with beats only;
  `victims`: repeat victims (households named by two or more incidents, victims.py), counts and the top
  1/5/10 % share for everyone, `victims.households` (with their incidents) for users with beats only.

Who: leaders and admins read the whole bureau; station chiefs, planners, officers and auxiliaries
their own station; grid members nothing. Officer statistics: leaders, admins, station chiefs.

Cells: EPSG:3857 units exactly like PostGIS ST_SquareGrid/ST_HexagonGrid (hex size = edge); a 3857
unit is cos(lat) ground metres (≈0.79 m at 37.4°N), reported as `ground_size_m`. Each incident is
binned by floor() arithmetic on the stored x/y (migration 0004), so totals agree across shapes.
Heat, hotspots and the matrix read those columns from an in-process cache per category and local month,
reloaded when `incident_chunk.gen` changes (cells.py); the SQL stays the reference.
Hours and weekdays are China Standard Time (Asia/Shanghai).

Gi* neighbourhood: binary weights over the cell and its immediate neighbours (8 squares / 6 hexagons);
the study area is every cell whose centre lies in the jurisdiction of the stations in scope (zero
counts included) plus any cell holding incidents; computed by geo.hotspots, checked against esda.
"""
