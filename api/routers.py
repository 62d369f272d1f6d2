"""Every router of the app, in one list; a new domain adds its router here."""
from api.auth.routes import router as auth_router
from api.health.routes import router as health_router

ROUTERS = [health_router, auth_router]
