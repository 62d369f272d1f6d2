"""The weekly report's tests use the analytics tests' synthetic station T-ANA (tests/analytics/conftest.py)."""
from tests.analytics.conftest import as_user, district, password_hash  # noqa: F401  (fixtures)
