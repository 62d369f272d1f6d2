"""The incident columns heat maps need, held in memory per (category, local month), exact and fresh.

Why: at county scale one year of one category is ~150k incidents; aggregating them in SQL took 37–49 ms
per request and building the GeoJSON in Python another 200–300 ms. Here each chunk (one category, one
local month) is loaded once — time, EPSG:3857 x/y, station, local hour and weekday as numpy arrays — and
a request filters and bins them with numpy (the same floor() arithmetic as queries.HEX_CELLS /
SQUARE_CELLS, operation for operation, so the cells are identical).

Exact and fresh: every chunk carries the `incident_chunk.gen` it was loaded with (a new sequence value
whenever a statement inserts, deletes, truncates or moves incidents of that chunk — to another category,
time, place, station or beat — never reused). Each request reads the `gen`s of the chunks its filter needs,
in its own transaction (one small query), and reloads, in statements that also read the `gen`, only the
chunks whose `gen` differs; one request loads at a time, the others take what it loaded.
So a committed change is seen by the next request, a request sees its own transaction's changes, and
data of a transaction that rolls back is keyed by a `gen` no one else can ever read.

Scope (stations), time, category, hours and weekdays are applied per request on the arrays; only
counts per cell leave this module. Nothing here is exposed or serialised. When the incident_chunk table
is missing (a database migrated before it was filled in) `select` returns None and the service
falls back to the SQL statements.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import queries, stored
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ, IncidentFilter
from api.analytics.versioned import VersionedCache

PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# ~30 bytes per incident: 4M rows ≈ 120 MB per process, the whole county (2M incidents) fits twice over
MAX_CACHED_ROWS = 4_000_000

# grids whose cells each chunk keeps (Chunk.binned): the dashboard's default and one other; 8 bytes per row each
BINNED_GRIDS = 2

# chunks loaded per statement: ~12 category-months of the county is ~70k incidents, well under a second
LOAD_BATCH = 12

Key = tuple[tuple, str, date]  # (database, category, month)


@dataclass(frozen=True)
class Chunk:
    """One category's incidents of one local month, sorted by time."""

    gen: int
    incarnation: int  # oid of incident_chunk: gens restart when the table is re-created
    t: np.ndarray  # int64 microseconds since 2000-01-01 UTC
    x: np.ndarray  # float64 EPSG:3857
    y: np.ndarray
    station: np.ndarray  # int32
    hour: np.ndarray  # int8 local hour 0–23
    weekday: np.ndarray  # int8 ISO weekday 1–7
    beat: np.ndarray  # int32 beat id, 0 for none
    # the cells (i, j) of every row, per (cell kind, size) asked for lately (`binned`): a chunk's rows never
    # change under its gen, so binning them once serves every later heat map and hotspot map of that grid
    cells: VersionedCache = field(default_factory=lambda: VersionedCache(BINNED_GRIDS), compare=False, repr=False)
    # incidents per beat id of the whole chunk (np.bincount of `beat`), once asked (beat_counts)
    kept: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def rows(self) -> int:
        return len(self.t)

    def binned(self, cell: str, size: float) -> tuple[np.ndarray, np.ndarray]:
        """The (i, j) cell of each row (int32), for the grid; the last BINNED_GRIDS grids used are kept."""
        def load() -> tuple[np.ndarray, np.ndarray]:
            i, j = (square_cells if cell == "square" else hex_cells)(self.x, self.y, float(size))
            return i.astype(np.int32), j.astype(np.int32)

        return self.cells.get((cell, float(size)), load)

    def per_beat(self) -> np.ndarray:
        """Incidents per beat id (index = beat id) of all the chunk's rows, counted once."""
        found = self.kept.get("per_beat")
        if found is None:  # two requests counting at once write the same array
            found = self.kept["per_beat"] = np.bincount(self.beat) if self.rows else np.zeros(1, np.int64)
        return found


@dataclass(frozen=True)
class Selection:
    """Columns of the incidents matching a filter within a scope."""

    x: np.ndarray
    y: np.ndarray
    hour: np.ndarray
    weekday: np.ndarray


def _column(raw: bytes | None, dtype: str, n: int, out: str) -> np.ndarray:
    values = np.frombuffer(raw or b"", dtype=dtype)
    if len(values) != n:
        raise RuntimeError(f"incident chunk column has {len(values)} values for {n} rows")
    return values.astype(out)


def _chunk(row) -> Chunk:
    n = row.n
    t = _column(row.times, ">i8", n, "int64")
    x, y = _column(row.xs, ">f8", n, "float64"), _column(row.ys, ">f8", n, "float64")
    beat = _column(row.beats, ">i4", n, "int32")
    # sorted by time, ties by place and beat: the same rows give the same order in every process whatever order
    # the statement read them in (rows equal in all four are alike in every column), so arrays kept per row
    # position (each incident's nearest building, repeats.py; analytics_stored) fit any copy of the chunk
    order = np.lexsort((beat, y, x, t))
    return Chunk(
        gen=row.gen, incarnation=row.incarnation, t=t[order], x=x[order], y=y[order],
        station=_column(row.stations, ">i4", n, "int32")[order], hour=_column(row.hours, ">i2", n, "int8")[order],
        weekday=_column(row.weekdays, ">i2", n, "int8")[order], beat=beat[order],
    )


# a chunk in analytics_stored (stored.py): its columns in this order and these types
STORED_COLUMNS = ("t", "x", "y", "station", "beat", "hour", "weekday")
STORED_TYPES = ("<i8", "<f8", "<f8", "<i4", "<i4", "i1", "i1")


def stored_key(category: str, month: date) -> str:
    return f"{category}|{month.isoformat()}"


def stored_version(incarnation: int, gen: int) -> str:
    return f"{incarnation}:{gen}"


def ended(month: date) -> bool:
    """A local month before the current one: its incidents rarely change (the current month's change with
    every new incident), so its chunks are worth keeping in analytics_stored."""
    return month < datetime.now(LOCAL_TZ).date().replace(day=1)


def _stored_chunk(r, payload: bytes) -> Chunk | None:
    cols = stored.unpack(payload, STORED_TYPES)
    if cols is None or len(cols[0]) == 0:
        return None
    return Chunk(gen=r.gen, incarnation=r.incarnation, **dict(zip(STORED_COLUMNS, cols, strict=True)))


def months(first: date, last: date) -> list[date]:
    """First days of the months from first's to last's."""
    out, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def to_us(moment: datetime) -> int:
    """Microseconds since 2000-01-01 UTC, as PostgreSQL stores timestamptz."""
    return (moment - PG_EPOCH) // MICROSECOND


class ChunkCache:
    """Chunks by (database, category, month), least recently used evicted beyond `max_rows`."""

    def __init__(self, max_rows: int = MAX_CACHED_ROWS) -> None:
        self.max_rows = max_rows
        self._chunks: OrderedDict[Key, Chunk] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._has_table: set[tuple] = set()
        self.loads = 0  # chunks loaded from the database (for tests and the benchmark)

    def clear(self) -> None:
        with self._lock:
            self._chunks.clear()
            self._rows = 0

    def chunks(self, session: Session, *, categories: tuple[str, ...], first: date, last: date,
               versions: list | None = None) -> list[Chunk] | None:
        """Current chunks for the categories (all when empty) and months; None without incident_chunk."""
        keyed = self.keyed_chunks(session, categories=categories, first=first, last=last, versions=versions)
        return None if keyed is None else [c for _, _, c in keyed]

    def versions(self, session: Session, *, categories: tuple[str, ...], first: date, last: date) -> list | None:
        """The (category, month, gen, incarnation) of the chunks, as this transaction sees them; None without
        the incident_chunk table. Equal versions mean equal chunks: a key for answers computed from them."""
        db = _database(session)
        if db not in self._has_table:
            if not session.execute(text(queries.CHUNK_TABLE_EXISTS)).scalar():
                return None
            self._has_table.add(db)
        return session.execute(text(queries.CHUNK_VERSIONS), {
            "first": first, "last": last, "categories": list(categories) or None}).all()

    def keyed_chunks(self, session: Session, *, categories: tuple[str, ...], first: date, last: date,
                     versions: list | None = None) -> list[tuple[str, date, Chunk]] | None:
        """As `chunks`, each with its (category, local month); None without the incident_chunk table.
        `versions`: what `versions` read for the same arguments in this transaction (not read again)."""
        db = _database(session)
        if versions is None:
            versions = self.versions(session, categories=categories, first=first, last=last)
            if versions is None:
                return None
        found: dict[Key, Chunk] = {}
        stale = self._held(db, versions, found)
        if stale:
            # one loader at a time: requests opening together (the dashboard's five calls on a cold worker)
            # need the same chunks; the ones that waited take what the first loaded
            with self._load_lock:
                stale = self._held(db, stale, found)
                kept = self._kept(session, db, stale)  # what another process computed (analytics_stored)
                found.update(kept)
                self._store(kept)
                stale = [r for r in stale if (db, r.category, r.month) not in kept]
                for start in range(0, len(stale), LOAD_BATCH):  # short statements, each far from the timeout
                    batch = stale[start:start + LOAD_BATCH]
                    rows = session.execute(text(queries.CHUNK_COLUMNS), {
                        "categories": [r.category for r in batch], "months": [r.month for r in batch]}).all()
                    loaded = {(db, r.category, r.month): _chunk(r) for r in rows}
                    self.loads += len(loaded)
                    found.update(loaded)
                    self._store(loaded)
                    stored.STORE.write("chunk", [
                        (stored_key(k[1], k[2]), stored_version(c.incarnation, c.gen),
                         stored.pack(*(getattr(c, name) for name in STORED_COLUMNS)))
                        for k, c in loaded.items() if c.rows and ended(k[2])])
        return [(k[1], k[2], found[k]) for k in sorted(found, key=lambda k: (k[2], k[1])) if found[k].rows]

    def _held(self, db: tuple, versions: list, found: dict[Key, Chunk]) -> list:
        """Put the chunks held at the versions read into `found`; the versions not held."""
        stale = []
        with self._lock:
            for r in versions:
                key = (db, r.category, r.month)
                chunk = self._chunks.get(key)
                if chunk is not None and (chunk.gen, chunk.incarnation) == (r.gen, r.incarnation):
                    self._chunks.move_to_end(key)
                    found[key] = chunk
                else:
                    stale.append(r)
        return stale

    def _kept(self, session: Session, db: tuple, versions: list) -> dict[Key, Chunk]:
        """The chunks of `versions` held in analytics_stored at exactly those versions."""
        wanted = {stored_key(r.category, r.month): r for r in versions if ended(r.month)}
        kept: dict[Key, Chunk] = {}
        asked = {key: stored_version(r.incarnation, r.gen) for key, r in wanted.items()}
        for key, payload in stored.STORE.read(session, "chunk", asked).items():
            r = wanted[key]
            chunk = _stored_chunk(r, payload)
            if chunk is not None:
                kept[(db, r.category, r.month)] = chunk
        stored.STORE.reads += len(kept)
        return kept

    def _store(self, loaded: dict[Key, Chunk]) -> None:
        with self._lock:
            for key, chunk in loaded.items():
                old = self._chunks.pop(key, None)
                self._rows -= old.rows if old else 0
                self._chunks[key] = chunk
                self._rows += chunk.rows
            while self._rows > self.max_rows and len(self._chunks) > len(loaded):
                _, old = self._chunks.popitem(last=False)
                self._rows -= old.rows


def _database(session: Session) -> tuple:
    url = session.get_bind().engine.url
    return (url.host, url.port, url.database)


CACHE = ChunkCache()


def data_version(session: Session, flt: IncidentFilter) -> tuple | None:
    """The data version of the filter's incidents: every (category, month) chunk's category, month, generation
    and incarnation, sorted (None without the incident_chunk table). Equal versions mean equal incidents: a key
    for answers computed from them (victims' counts, near-repeat answers)."""
    rows = CACHE.versions(session, categories=flt.categories, first=flt.start.replace(day=1),
                          last=flt.end.replace(day=1))
    return None if rows is None else tuple(sorted((r.category, r.month.isoformat(), r.gen, r.incarnation)
                                                  for r in rows))


def select(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope,
           cache: ChunkCache = CACHE) -> Selection | None:
    """Columns of the incidents of the filter within the scope (None: no cache table, use SQL)."""
    first, last = flt.start.replace(day=1), flt.end.replace(day=1)
    chunks = cache.chunks(session, categories=flt.categories, first=first, last=last)
    if chunks is None:
        return None
    start_us, end_us = to_us(flt.start_at), to_us(flt.end_at)
    hours = _lookup(flt.hours, 24)
    weekdays = _lookup(flt.weekdays, 8)
    stations = None if scope.station_ids is None else np.asarray(scope.station_ids, dtype=np.int32)
    parts: list[tuple[np.ndarray, ...]] = []
    for c in chunks:
        lo, hi = 0, c.rows
        if c.t[0] < start_us:
            lo = int(np.searchsorted(c.t, start_us, side="left"))
        if c.t[-1] >= end_us:
            hi = int(np.searchsorted(c.t, end_us, side="left"))
        if lo >= hi:
            continue
        cols = (c.x[lo:hi], c.y[lo:hi], c.hour[lo:hi], c.weekday[lo:hi])
        mask = None
        if stations is not None:
            st = c.station[lo:hi]
            mask = st == stations[0] if len(stations) == 1 else np.isin(st, stations)
        if hours is not None:
            mask = hours[cols[2]] if mask is None else mask & hours[cols[2]]
        if weekdays is not None:
            mask = weekdays[cols[3]] if mask is None else mask & weekdays[cols[3]]
        parts.append(cols if mask is None else tuple(col[mask] for col in cols))
    if not parts:
        return Selection(np.empty(0), np.empty(0), np.empty(0, np.int8), np.empty(0, np.int8))
    if len(parts) == 1:
        return Selection(*parts[0])
    return Selection(*(np.concatenate(cols) for cols in zip(*parts, strict=True)))


def filter_versions(session: Session, *, flt: IncidentFilter, cache: ChunkCache = CACHE) -> list | None:
    """The versions of the chunks `select_cells` reads for the filter (ChunkCache.versions)."""
    return cache.versions(session, categories=flt.categories, first=flt.start.replace(day=1),
                          last=flt.end.replace(day=1))


def select_cells(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
                 cache: ChunkCache = CACHE, versions: list | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The cells (i, j) of the incidents of the filter within the scope: as `bin_counts(select(…))` wants them,
    from each chunk's cells binned once (Chunk.binned; the same arithmetic, element by element); None: no
    cache table, use SQL. `versions`: `filter_versions` read in this transaction."""
    first, last = flt.start.replace(day=1), flt.end.replace(day=1)
    chunks = cache.chunks(session, categories=flt.categories, first=first, last=last, versions=versions)
    if chunks is None:
        return None
    start_us, end_us = to_us(flt.start_at), to_us(flt.end_at)
    hours = _lookup(flt.hours, 24)
    weekdays = _lookup(flt.weekdays, 8)
    stations = None if scope.station_ids is None else np.asarray(scope.station_ids, dtype=np.int32)
    parts_i, parts_j = [], []
    for c in chunks:
        lo, hi = 0, c.rows
        if c.t[0] < start_us:
            lo = int(np.searchsorted(c.t, start_us, side="left"))
        if c.t[-1] >= end_us:
            hi = int(np.searchsorted(c.t, end_us, side="left"))
        if lo >= hi:
            continue
        ci, cj = c.binned(cell, size)
        ci, cj = ci[lo:hi], cj[lo:hi]
        mask = None
        if stations is not None:
            st = c.station[lo:hi]
            mask = st == stations[0] if len(stations) == 1 else np.isin(st, stations)
        if hours is not None:
            mask = hours[c.hour[lo:hi]] if mask is None else mask & hours[c.hour[lo:hi]]
        if weekdays is not None:
            mask = weekdays[c.weekday[lo:hi]] if mask is None else mask & weekdays[c.weekday[lo:hi]]
        parts_i.append(ci if mask is None else ci[mask])
        parts_j.append(cj if mask is None else cj[mask])
    if not parts_i:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(parts_i).astype(np.int64), np.concatenate(parts_j).astype(np.int64)


def period_counts(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope,
                  periods: list[tuple[datetime, datetime]], cache: ChunkCache = CACHE
                  ) -> tuple[dict[str, list[int]], dict[date, int]] | None:
    """Counts per category in each period [start, end) (same hours, weekdays, categories and scope as the
    filter), and counts per local month within the filter's own period; None: no cache table, use SQL.

    The same rows as queries.CATEGORY_PERIODS and MONTHLY: a chunk is one category's local month, sorted by
    time, so each count is two binary searches on the chunk's (masked) times."""
    first = min(min(s for s, _ in periods), flt.start_at).astimezone(LOCAL_TZ).date().replace(day=1)
    last = max(max(e for _, e in periods), flt.end_at).astimezone(LOCAL_TZ).date().replace(day=1)
    keyed = cache.keyed_chunks(session, categories=flt.categories, first=first, last=last)
    if keyed is None:
        return None
    bounds = np.asarray([(to_us(s), to_us(e)) for s, e in periods], dtype=np.int64)
    own = np.asarray([to_us(flt.start_at), to_us(flt.end_at)], dtype=np.int64)
    hours = _lookup(flt.hours, 24)
    weekdays = _lookup(flt.weekdays, 8)
    stations = None if scope.station_ids is None else np.asarray(scope.station_ids, dtype=np.int32)
    by_category: dict[str, list[int]] = {}
    by_month: dict[date, int] = {}
    for category, month, c in keyed:
        mask = None
        if stations is not None:
            mask = c.station == stations[0] if len(stations) == 1 else np.isin(c.station, stations)
        if hours is not None:
            mask = hours[c.hour] if mask is None else mask & hours[c.hour]
        if weekdays is not None:
            mask = weekdays[c.weekday] if mask is None else mask & weekdays[c.weekday]
        t = c.t if mask is None else c.t[mask]  # a mask keeps the order: still sorted
        counts = np.searchsorted(t, bounds[:, 1]) - np.searchsorted(t, bounds[:, 0])
        totals = by_category.setdefault(category, [0] * len(periods))
        for i, n in enumerate(counts.tolist()):
            totals[i] += n
        n_own = int(np.searchsorted(t, own[1]) - np.searchsorted(t, own[0]))
        if n_own:
            by_month[month] = by_month.get(month, 0) + n_own
    return by_category, by_month


def beat_counts(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, since: datetime,
                cache: ChunkCache = CACHE) -> tuple[np.ndarray, np.ndarray] | None:
    """Incidents per beat id (index = beat id) in [since, flt.start_at) and in the filter's period, with
    the filter's categories, hours, weekdays and scope: queries.BEAT_INCIDENTS on the chunks; None: no
    cache table, use SQL."""
    first = min(since, flt.start_at).astimezone(LOCAL_TZ).date().replace(day=1)
    keyed = cache.keyed_chunks(session, categories=flt.categories, first=first, last=flt.end.replace(day=1))
    if keyed is None:
        return None
    since_us, start_us, end_us = to_us(since), to_us(flt.start_at), to_us(flt.end_at)
    hours = _lookup(flt.hours, 24)
    weekdays = _lookup(flt.weekdays, 8)
    stations = None if scope.station_ids is None else np.asarray(scope.station_ids, dtype=np.int32)
    unmasked = stations is None and hours is None and weekdays is None
    size = max((len(c.per_beat()) for _, _, c in keyed), default=1)
    previous, current = np.zeros(size, np.int64), np.zeros(size, np.int64)
    for _, _, c in keyed:
        lo, mid, hi = np.searchsorted(c.t, (since_us, start_us, end_us)).tolist()
        if lo >= hi:
            continue
        if unmasked and lo == 0 and hi == c.rows and mid in (lo, hi):  # the whole chunk in one period
            whole = c.per_beat()
            (current if mid == lo else previous)[:len(whole)] += whole
            continue
        beat = c.beat[lo:hi]
        mask = None
        if stations is not None:
            st = c.station[lo:hi]
            mask = st == stations[0] if len(stations) == 1 else np.isin(st, stations)
        if hours is not None:
            mask = hours[c.hour[lo:hi]] if mask is None else mask & hours[c.hour[lo:hi]]
        if weekdays is not None:
            mask = weekdays[c.weekday[lo:hi]] if mask is None else mask & weekdays[c.weekday[lo:hi]]
        split = mid - lo  # rows before it are the previous period's
        if mask is None:
            previous += np.bincount(beat[:split], minlength=size)
            current += np.bincount(beat[split:], minlength=size)
        else:
            previous += np.bincount(beat[:split][mask[:split]], minlength=size)
            current += np.bincount(beat[split:][mask[split:]], minlength=size)
    return previous, current


def _lookup(values: tuple[int, ...], size: int) -> np.ndarray | None:
    if not values:
        return None
    table = np.zeros(size, dtype=bool)
    table[list(values)] = True
    return table


# Binning: the arithmetic of queries.SQUARE_CELLS / HEX_CELLS in the same order of float operations.

def square_cells(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    return np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64)


def hex_cells(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """ST_HexagonGrid (i, j) by the half-row rectangles of queries.HEX_CELLS."""
    width = 1.5 * size
    half = (math.sqrt(3.0) * size) / 2
    fc = np.floor(x / width)
    fr_y = y / half
    fr = np.floor(fr_y)
    c = fc.astype(np.int64)
    r = fr.astype(np.int64)
    t = fr_y - fr
    even = ((c + r) & 1) == 0
    edge = np.where(even, size * (1 - t / 2), size * (1 + t) / 2)
    near = (x - width * fc) <= edge
    far = (~near).astype(np.int64)
    i = c + far
    up = (near != even).astype(np.int64)
    numerator = r + up - ((c + far) & 1)
    # PostgreSQL integer division truncates toward zero
    j = np.where(numerator >= 0, numerator // 2, -((-numerator) // 2))
    return i, j


def count_cells(i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (i, j) sorted by i then j, with counts."""
    if len(i) == 0:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    i0, j0 = int(i.min()), int(j.min())
    width = int(j.max()) - j0 + 1
    span = (int(i.max()) - i0 + 1) * width
    code = (i - i0) * width + (j - j0)
    if span <= 4 * len(i) + 1_000_000:
        counts = np.bincount(code, minlength=span)
        cells = np.flatnonzero(counts)
        n = counts[cells]
    else:
        cells, n = np.unique(code, return_counts=True)
    return cells // width + i0, cells % width + j0, n.astype(np.int64)


def bin_counts(sel: Selection, cell: str, size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells (i, j) and their incident counts for the selected incidents."""
    binner = square_cells if cell == "square" else hex_cells
    return count_cells(*binner(sel.x, sel.y, float(size)))
