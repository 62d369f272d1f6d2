from tests.organisations.conftest import add_organisation, empty_building  # noqa: F401 (fixtures)
from tests.places.conftest import big_building, officer1_beats  # noqa: F401 (fixtures)
