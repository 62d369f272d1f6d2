"""Every ORM table, imported in dependency order so the metadata is complete (Alembic, seed)."""
from api.analytics.models import BeatResidentsGen, IncidentChunk
from api.audit.models import AuditLog
from api.auth.models import AppUser, AuthGeneration, AuthSession, RefreshToken, RevokedToken
from api.beats.models import Beat, BeatMember, BeatPlan
from api.db import Base
from api.disputes.models import Dispute, DisputeEvent, DisputeParty
from api.idempotency.models import IdempotencyKey
from api.incidents.models import Incident
from api.organisations.models import Organisation, OrganisationEmployee, QualitySnapshot
from api.people.models import Household, Person, Vehicle
from api.photos.models import Photo, PhotoBlob
from api.places.models import Building, Village
from api.plans.models import AreaStats
from api.reports.models import WeeklyReport
from api.settings.models import AppSetting
from api.stations.models import Station
from api.tiles.models import LayerVersion
from api.visits.models import Visit
from api.warnings.models import NearRepeatWarning

__all__ = [
    "AppSetting", "AppUser", "AreaStats", "AuditLog", "AuthGeneration", "AuthSession", "Base", "Beat",
    "BeatResidentsGen",
    "BeatMember", "BeatPlan", "Building", "Dispute", "DisputeEvent", "DisputeParty", "Household", "IdempotencyKey",
    "Incident", "IncidentChunk", "LayerVersion", "NearRepeatWarning",
    "Organisation", "OrganisationEmployee", "Person", "Photo",
    "PhotoBlob", "QualitySnapshot", "RefreshToken", "RevokedToken", "Station", "Vehicle", "Village", "Visit",
    "WeeklyReport",
]
