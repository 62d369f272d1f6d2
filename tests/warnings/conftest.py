"""The synthetic station of tests/analytics (T-ANA), reused."""
from tests.analytics.conftest import as_user, district, password_hash  # noqa: F401
