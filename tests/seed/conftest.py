"""Temporary fixture for the seed tests: `db`, an owner-role connection to an already seeded database.

Uses HOLOMAP_OWNER_DATABASE_URL (e.g. `. .holomap/holomap_seeddev.env` after `python -m seed`); the
suite-wide session fixture replaces this file.
"""

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection


@pytest.fixture(scope="module")
def db() -> Iterator[Connection]:
    """A connection as the owning role inside a transaction that is rolled back."""
    url = os.environ.get("HOLOMAP_OWNER_DATABASE_URL")
    if not url:
        pytest.skip("HOLOMAP_OWNER_DATABASE_URL is not set")
    engine = create_engine(url)
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()
    engine.dispose()
