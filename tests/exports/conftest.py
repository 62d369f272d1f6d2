"""The import tests' area and throw-away users serve the export tests too."""
from tests.imports.conftest import app_area, user_headers  # noqa: F401
