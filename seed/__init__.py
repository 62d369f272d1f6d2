"""Deterministic demo district (梁才派出所, 滨城区) and benchmark county, generated in Python, loaded by COPY.

`run(engine_url=…)` replaces the seeded tables' contents (audit_log is left alone); with
`if_empty=True` it does nothing once a station exists. Every account gets the demo password
(HOLOMAP_DEMO_PASSWORD, hashed once).
"""

from time import perf_counter

from seed.generator import LOAD_ORDER, digest, generate, iter_tables
from seed.loader import is_empty, load
from seed.scales import ANCHOR, DEFAULT_SEED, SCALES

__all__ = [
    "ANCHOR",
    "DEFAULT_SEED",
    "LOAD_ORDER",
    "SCALES",
    "digest",
    "generate",
    "is_empty",
    "iter_tables",
    "run",
]


def run(
    *,
    engine_url: str,
    scale: str = "demo",
    seed: int = DEFAULT_SEED,
    if_empty: bool = False,
    progress: bool = True,
) -> dict:
    """Generate and load a district in one transaction; returns rows per table and seconds (or skipped)."""
    from api.auth.passwords import hash_password
    from api.config import get_settings

    started = perf_counter()
    if if_empty and not is_empty(engine_url):
        return {"skipped": True, "seconds": round(perf_counter() - started, 2)}
    password_hash = hash_password(get_settings().demo_password)
    tables = iter_tables(scale=scale, seed=seed, password_hash=password_hash, progress=progress)
    counts = load(engine_url, tables, list(LOAD_ORDER), progress=progress)
    return {**counts, "seconds": round(perf_counter() - started, 2)}
