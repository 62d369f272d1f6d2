"""Residents per beat (the dashboard's rate per 1,000 residents), counted once per change of the beat.

Why: the count reads every resident of the beats asked for — the whole bureau is 1M persons joined to their
households, 0.5–1 s per request at county scale. Each beat's count is kept in memory with the `gen` of
`beat_residents_gen` it was counted with (migration 0007; triggers in api/analytics/sql/beat_residents.sql
write a new, never reused value whenever a statement changes who lives in the beat). A request reads the
gens of its beats (one small query) and recounts, in one statement that reads the gen too (the same
snapshot), only the beats whose gen differs. So a committed change shows on the next request, a request
sees its own transaction's changes, and a count made inside a transaction that rolls back is keyed by a gen
no one else ever reads. Counts only: nothing personal is kept.
"""
from __future__ import annotations

import threading

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import stored

# The gens of the beats; a beat no statement changed since the table was created has no row (gen NULL).
# One row: the gens in the order of the ids asked (2,000 rows as 2,000 result rows cost ~10 ms to fetch).
GENS = """
SELECT coalesce(array_agg(g.gen ORDER BY b.n), '{}') AS gens
FROM unnest(CAST(:beat_ids AS integer[])) WITH ORDINALITY AS b(id, n)
LEFT JOIN beat_residents_gen g ON g.beat_id = b.id
"""
# The counts of the stale beats with their gens, in one statement (one snapshot); `counted` is false outside
# a request (holomap_beat_residents then counts nothing), and such zeros are not kept.
COUNTS = """
SELECT b.id AS beat_id, g.gen, coalesce(r.residents, 0) AS residents,
       holomap_request_user() IS NOT NULL AS counted
FROM unnest(CAST(:beat_ids AS integer[])) AS b(id)
LEFT JOIN beat_residents_gen g ON g.beat_id = b.id
LEFT JOIN holomap_beat_residents(CAST(:beat_ids AS integer[])) r ON r.beat_id = b.id
"""

UNVERSIONED = "SELECT beat_id, residents FROM holomap_beat_residents(CAST(:beat_ids AS integer[]))"


class ResidentsCache:
    """(database, beat id) → (gen, incarnation, residents)."""

    def __init__(self) -> None:
        self._counts: dict[tuple, tuple[int | None, int, int]] = {}
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        # (database, incarnation, ids asked), their gens and the counts, all kept: the dashboard asks the same
        # 2,000 beats each time; the same gens read again answer without 2,000 look-ups
        self._last: tuple | None = None
        self.recounted = 0  # beats counted from the database (for tests and the benchmark)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._last = None

    def residents(self, session: Session, beat_ids: list[int], ids_text: str | None = None) -> dict[int, int]:
        """Current residents of each beat (not moved out, by their household's beat); `ids_text`: the ids as
        an integer[] literal (sent as one text: a list of 2,000 ints costs ~1 ms to send)."""
        if not beat_ids:
            return {}
        url = session.get_bind().engine.url
        db = (url.host, url.port, url.database)
        # the table's oid: gens start again when it is re-created; none before migration 0007: count every time
        incarnation = session.execute(text("SELECT to_regclass('beat_residents_gen')::oid::bigint")).scalar()
        if incarnation is None:
            return {r.beat_id: r.residents for r in session.execute(text(UNVERSIONED), {"beat_ids": beat_ids})}
        out: dict[int, int] = {}
        stale: list[int] = []
        gens = session.execute(text(GENS), {"beat_ids": ids_text or beat_ids}).scalar()
        asked = (db, incarnation, tuple(beat_ids))
        last = self._last
        if last is not None and last[0] == asked and last[1] == gens:
            return dict(last[2])  # the same beats at the same gens as the last answer made of kept counts
        with self._lock:
            for beat_id, gen in zip(beat_ids, gens, strict=True):
                held = self._counts.get((db, beat_id))
                if held is not None and held[:2] == (gen, incarnation):
                    out[beat_id] = held[2]
                else:
                    stale.append(beat_id)
            if not stale:
                self._last = (asked, gens, dict(out))
        if stale:
            read = dict(zip(beat_ids, gens, strict=True))
            # one counter at a time: requests opening together on a cold worker (and its warm-up) need the
            # same beats; the ones that waited take the counts made meanwhile at the gens they read
            with self._load_lock:
                with self._lock:
                    held = {b: self._counts.get((db, b)) for b in stale}
                stale = [b for b in stale if held[b] is None or held[b][:2] != (read[b], incarnation)]
                missing = set(stale)
                out.update({b: c[2] for b, c in held.items() if b not in missing})
                if stale:  # what another process counted at the same gens (analytics_stored)
                    kept = _kept(session, incarnation, {b: read[b] for b in stale})
                    with self._lock:
                        for b, n in kept.items():
                            self._counts[(db, b)] = (read[b], incarnation, n)
                    out.update(kept)
                    stale = [b for b in stale if b not in kept]
                if stale:
                    counted = session.execute(text(COUNTS), {"beat_ids": stale}).all()
                    with self._lock:
                        for r in counted:
                            if r.counted:
                                self._counts[(db, r.beat_id)] = (r.gen, incarnation, r.residents)
                            out[r.beat_id] = r.residents
                        self.recounted += len(counted)
                        mine = [(k[1], c) for k, c in self._counts.items() if k[0] == db and c[1] == incarnation]
                    if any(r.counted for r in counted):
                        stored.STORE.write("residents", [("beats", str(incarnation), stored.pack(
                            np.array([b for b, _ in mine], np.int32),
                            np.array([-1 if c[0] is None else c[0] for _, c in mine], np.int64),
                            np.array([c[2] for _, c in mine], np.int32)))])
        return out


def _kept(session: Session, incarnation: int, gens: dict[int, int | None]) -> dict[int, int]:
    """beat → residents for the beats whose stored count (analytics_stored) was made at the gen read now."""
    payload = stored.STORE.read(session, "residents", {"beats": str(incarnation)}).get("beats")
    cols = None if payload is None else stored.unpack(payload, ("<i4", "<i8", "<i4"))
    if cols is None:
        return {}
    out = {}
    for b, gen, n in zip(*(c.tolist() for c in cols), strict=True):
        if b in gens and (-1 if gens[b] is None else gens[b]) == gen:
            out[b] = n
    stored.STORE.reads += len(out)
    return out


CACHE = ResidentsCache()
