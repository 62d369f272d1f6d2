"""Every runtime package of frontend/package.json is loaded by the web app: some file of it is served under
/vendor (api/vendor.py's allowlist, made from index.html and its stylesheets). A package nothing loads (as
leaflet.heat was) is only weight in `npm ci` and a supply-chain risk."""
import json
from pathlib import Path

from api.vendor import vendor_allowlist

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def test_every_frontend_dependency_is_loaded_by_the_page():
    dependencies = json.loads((FRONTEND / "package.json").read_text())["dependencies"]
    served = vendor_allowlist(FRONTEND)
    unused = [name for name in dependencies if not any(path.startswith(f"{name}/") for path in served)]
    assert not unused, f"no page loads these packages: remove them from frontend/package.json: {unused}"
    assert "leaflet.heat" not in dependencies
