"""Every router of the app, in one list; a new domain adds its router here."""
from api.analytics.routes import router as analytics_router
from api.audit.routes import router as audit_router
from api.auth.routes import router as auth_router
from api.beats.routes import router as beats_router
from api.disputes.routes import router as disputes_router
from api.exports.routes import router as exports_router
from api.health.routes import router as health_router
from api.imports.routes import router as imports_router
from api.incidents.routes import router as incidents_router
from api.offline.routes import router as offline_router
from api.ogc.routes import router as ogc_router
from api.organisations.routes import router as organisations_router
from api.people.routes import router as people_router
from api.photos.routes import router as photos_router
from api.places.routes import router as places_router
from api.plans.routes import router as plans_router
from api.quality.routes import router as quality_router
from api.reports.routes import router as reports_router
from api.settings.routes import router as settings_router
from api.tiles.routes import router as tiles_router
from api.users.routes import router as users_router
from api.visits.routes import router as visits_router
from api.worklist.routes import router as worklist_router

ROUTERS = [health_router, auth_router, analytics_router, visits_router, disputes_router, worklist_router,
           places_router, people_router, beats_router, tiles_router, ogc_router,
           plans_router]
ROUTERS.append(imports_router)
ROUTERS.append(exports_router)
ROUTERS.append(audit_router)
ROUTERS.append(users_router)
ROUTERS.append(organisations_router)
ROUTERS.append(quality_router)
ROUTERS.append(photos_router)
ROUTERS.append(settings_router)
ROUTERS.append(offline_router)
ROUTERS.append(incidents_router)
ROUTERS.append(reports_router)
