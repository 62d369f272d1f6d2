"""create_app(): settings, database, routers, error handling and the static frontend."""
import logging
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI

import api.models  # noqa: F401  (every table in the metadata, so foreign keys resolve)
from api.accesslog import install_access_log_filter
from api.analytics import stored
from api.analytics.preload import Preload
from api.auth.service import AuthCache
from api.config import Settings, get_settings
from api.db import Statements, make_engine, make_sessionmaker
from api.errors import install_error_handlers
from api.frontend import mount_frontend
from api.health.probe import HealthProbe
from api.middleware import install_middleware
from api.openapi import install_openapi
from api.plans.geometry_input import install_geometry_body_limit
from api.routers import ROUTERS
from api.startup import refuse_demo_passwords_in_production, refuse_unsafe_settings

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
log = logging.getLogger("holomap")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Holomap ASGI application."""
    settings = settings or get_settings()
    refuse_unsafe_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # the worker's one database pool (SQLAlchemy's, every route's); the tests install a sessionmaker of
        # their own (on their rolled-back transaction) before the lifespan starts, and the routes run on it
        own_pool = getattr(app.state, "sessionmaker", None) is None
        if own_pool:
            app.state.engine = make_engine(settings)
            app.state.sessionmaker = make_sessionmaker(app.state.engine)
            app.state.statements = Statements(app.state.engine)  # the same pool, for lookup and tiles
            # the non-personal reads (tiles, OGC, analytics aggregates, plan statistics) on hot standbys when
            # HOLOMAP_READ_DATABASE_URL is set (a second pool, on those hosts); personal reads and every audit
            # row stay on DATABASE_URL
            if settings.read_database_url:
                app.state.read_engine = make_engine(settings, settings.read_database_url)
                app.state.read_sessionmaker = make_sessionmaker(app.state.read_engine)
                app.state.read_statements = Statements(app.state.read_engine)
            else:
                app.state.read_engine = app.state.engine
                app.state.read_sessionmaker = app.state.sessionmaker
                app.state.read_statements = app.state.statements
        if settings.is_production:
            refuse_demo_passwords_in_production(app)
        # sync routes run in anyio's worker threads (default 40): no more than the session pool can serve
        # (pool_size + max_overflow), so requests wait in the load shedder, not in threads
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.thread_limit
        # the dashboard's caches filled in the background (the server answers meanwhile); not on a test's
        # sessionmaker (its one connection belongs to the test)
        # the arrays analytics computes, kept for the next process (api/analytics/stored.py)
        writes_stored = own_pool and settings.analytics_stored
        if writes_stored:
            stored.STORE.configure(app.state.engine)
        if own_pool and settings.analytics_preload:
            app.state.analytics_preload = Preload()
            app.state.analytics_preload.start(primary=app.state.sessionmaker, read=app.state.read_sessionmaker)
        yield
        if app.state.analytics_preload is not None:
            await anyio.to_thread.run_sync(app.state.analytics_preload.stop)
            app.state.analytics_preload = None
        await app.state.health.close()
        if writes_stored:
            await anyio.to_thread.run_sync(stored.STORE.configure, None)  # the writes asked so far end first
            if app.state.read_engine is not app.state.engine:
                app.state.read_engine.dispose()
            app.state.engine.dispose()
            app.state.engine = app.state.sessionmaker = app.state.statements = None
            app.state.read_engine = app.state.read_sessionmaker = app.state.read_statements = None

    install_access_log_filter()
    # the API description and its explorers are for development; production serves none of them
    docs = {"openapi_url": None, "docs_url": None, "redoc_url": None} if settings.is_production else {}
    app = FastAPI(title="Holomap 社区警务全息图", version="0.1.0", lifespan=lifespan, **docs)
    app.state.settings = settings
    app.state.engine = app.state.sessionmaker = app.state.statements = None  # made by the lifespan
    app.state.read_engine = app.state.read_sessionmaker = app.state.read_statements = None
    app.state.auth_cache = AuthCache()
    app.state.analytics_preload = None  # started by the lifespan (api/analytics/preload.py)
    app.state.health = HealthProbe(settings)  # /api/health's own database connection
    install_error_handlers(app)
    install_geometry_body_limit(app)  # inside the guard middleware (its headers, request id)
    install_openapi(app)
    install_middleware(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_frontend(app, settings, FRONTEND)
    return app
