"""The server refuses to start in production while an account has the demo password."""
import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app


def test_production_refuses_demo_passwords(settings):
    prod = Settings(DATABASE_URL=settings.database_url, HOLOMAP_ENV="production", HOLOMAP_SECRET="s" * 40)
    with pytest.raises(RuntimeError, match="demo password"):
        with TestClient(create_app(prod)):
            pass


def test_development_starts_with_demo_passwords(settings):
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/health").status_code == 200
