"""Settings, one place: read from the environment (and an optional .env file)."""
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# the development signing secret: refused in production (api/startup.py refuse_unsafe_settings)
DEV_SECRET = "dev-secret-change-me-0123456789abcdef"


def normalise_database_url(url: str) -> str:
    """A database URL with several hosts in the form SQLAlchemy reads (`?host=a:p&host=b:q`).

    Accepted as well, as libpq writes them: `postgresql+psycopg://u:pw@a:5441,b:5442/db?…` and
    `postgresql+psycopg://u:pw@/db?host=a,b&port=5441,5442`. A one-host URL is returned unchanged.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hostlist = netloc.rpartition("@")
    path, qmark, query = tail.partition("?")
    params = [p for p in query.split("&") if p] if qmark else []
    hosts: list[str] = []
    if "," in hostlist:
        hosts = [h for h in hostlist.split(",") if h]
        hostlist = ""
    else:
        found = {k: v for k, _, v in (p.partition("=") for p in params)}
        if "," in found.get("host", ""):
            names = found["host"].split(",")
            ports = found.get("port", "").split(",") if found.get("port") else []
            if ports and len(ports) not in (1, len(names)):
                raise ValueError("DATABASE_URL: give one port, or one port per host")
            ports = ports * len(names) if len(ports) == 1 else ports
            hosts = [f"{n}:{ports[i]}" if ports else n for i, n in enumerate(names)]
            params = [p for p in params if p.partition("=")[0] not in ("host", "port")]
    if not hosts:
        return url
    params = [f"host={h}" for h in hosts] + params
    return f"{scheme}://{userinfo}{at}{hostlist}{slash}{path}?{'&'.join(params)}"


class Settings(BaseSettings):
    """Holomap configuration; every field can be set by an environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        "postgresql+psycopg://holomap_app@127.0.0.1:5432/holomap", alias="DATABASE_URL"
    )
    # Several hosts (a Patroni cluster): `postgresql+psycopg://u:pw@a:5441,b:5442/db?target_session_attrs=
    # read-write`; after a failover the pool reconnects and libpq picks the new primary (api/db.py).
    # Optional: hot standbys for the non-personal reads (tiles, OGC, analytics aggregates, plan statistics),
    # e.g. the same hosts with target_session_attrs=prefer-standby. Empty: those reads use DATABASE_URL.
    read_database_url: str = Field("", alias="HOLOMAP_READ_DATABASE_URL")
    # Role that owns the schema: runs migrations and bulk loads. Defaults to DATABASE_URL.
    owner_database_url: str | None = Field(None, alias="HOLOMAP_OWNER_DATABASE_URL")
    app_db_role: str = Field("holomap_app", alias="HOLOMAP_APP_ROLE")
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(8000, alias="PORT")
    env: str = Field("development", alias="HOLOMAP_ENV")
    secret: str = Field(DEV_SECRET, alias="HOLOMAP_SECRET")
    basemap_url: str = Field("", alias="HOLOMAP_BASEMAP_URL")
    basemap_attribution: str = Field("", alias="HOLOMAP_BASEMAP_ATTRIBUTION")
    demo_password: str = Field("demo-password", alias="HOLOMAP_DEMO_PASSWORD")

    token_minutes: int = Field(30, alias="HOLOMAP_TOKEN_MINUTES")
    token_audience: str = "holomap"
    # sliding sessions (issue 16): POST /api/auth/refresh rotates a one-time refresh token; a session ends
    # this long after its sign-in whatever happens, and when no refresh came for the idle time (locked)
    session_max_hours: float = Field(12.0, alias="HOLOMAP_SESSION_MAX_HOURS")
    session_idle_minutes: float = Field(30.0, alias="HOLOMAP_SESSION_IDLE_MINUTES")
    # answers of writes sent with an Idempotency-Key are kept at least this long (issue 16)
    idempotency_days: int = Field(30, ge=30, alias="HOLOMAP_IDEMPOTENCY_DAYS")
    lockout_attempts: int = Field(5, alias="HOLOMAP_LOCKOUT_ATTEMPTS")
    lockout_minutes: int = Field(10, alias="HOLOMAP_LOCKOUT_MINUTES")
    login_per_minute: float = Field(10.0, alias="HOLOMAP_LOGIN_PER_MINUTE")  # per client address
    login_burst: int = Field(10, alias="HOLOMAP_LOGIN_BURST")
    # addresses/networks of reverse proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs;
    # empty: none, the client address is the TCP peer) — api/clientaddr.py
    trusted_proxies: str = Field("", alias="HOLOMAP_TRUSTED_PROXIES")
    pool_size: int = Field(10, alias="HOLOMAP_POOL_SIZE")
    # Database timeouts of the app role, set on every connection of both pools (docs/DECISIONS.md)
    statement_timeout_ms: int = Field(15_000, alias="HOLOMAP_STATEMENT_TIMEOUT_MS")
    lock_timeout_ms: int = Field(5_000, alias="HOLOMAP_LOCK_TIMEOUT_MS")
    idle_in_transaction_timeout_ms: int = Field(60_000, alias="HOLOMAP_IDLE_IN_TRANSACTION_TIMEOUT_MS")
    # imports and exports raise the statement timeout for their own transaction only (SET LOCAL)
    import_statement_timeout_ms: int = Field(600_000, alias="HOLOMAP_IMPORT_STATEMENT_TIMEOUT_MS")
    export_statement_timeout_ms: int = Field(120_000, alias="HOLOMAP_EXPORT_STATEMENT_TIMEOUT_MS")
    # longest wait for a new connection before the request answers 503 (libpq's own floor is 2 s)
    connect_timeout_s: float = Field(1.0, alias="HOLOMAP_CONNECT_TIMEOUT_S")
    # longest wait for a free pooled connection while the database is up (all busy) before a 503
    pool_timeout_s: float = Field(10.0, alias="HOLOMAP_POOL_TIMEOUT_S")
    max_geometry_vertices: int = Field(50_000, alias="HOLOMAP_MAX_GEOMETRY_VERTICES")
    # largest JSON body of a drawn geometry (beat stats and edits): 50,000 vertices are ~1.2–2 MB
    max_geometry_bytes: int = Field(4 * 1024 * 1024, alias="HOLOMAP_MAX_GEOMETRY_BYTES")
    max_body_bytes: int = Field(20 * 1024 * 1024, alias="HOLOMAP_MAX_BODY_BYTES")  # multipart uploads
    max_json_bytes: int = Field(1024 * 1024, alias="HOLOMAP_MAX_JSON_BYTES")  # every other request body
    # requests in progress per worker (default: 2 × pool size) and how long an extra one waits for a slot
    max_concurrent: int | None = Field(None, alias="HOLOMAP_MAX_CONCURRENT")
    queue_wait_ms: int = Field(500, alias="HOLOMAP_QUEUE_WAIT_MS")
    # worker threads of the sync routes per worker (default: 2 × pool size); bench/overload.py
    worker_threads: int | None = Field(None, alias="HOLOMAP_WORKER_THREADS")
    # warm the analytics caches in the background when a worker starts (api/analytics/preload.py)
    analytics_preload: bool = Field(True, alias="HOLOMAP_ANALYTICS_PRELOAD")
    # keep the arrays the analytics caches compute (incident columns of ended months, buildings, residents per
    # beat) in the database for the next worker or app host (api/analytics/stored.py)
    analytics_stored: bool = Field(True, alias="HOLOMAP_ANALYTICS_STORED")

    # Field-work rules (seed documents' targets; configurable).
    visit_far_m: float = Field(200.0, alias="HOLOMAP_VISIT_FAR_M")
    # how long a downloaded offline beat pack stays usable on the device (issue 16)
    offline_pack_hours: int = Field(24, alias="HOLOMAP_OFFLINE_PACK_HOURS", ge=1, le=24 * 14)
    # map tiles a pack keeps per layer (beats, villages, buildings): the top zooms are dropped until it fits
    offline_tile_limit: int = Field(1500, alias="HOLOMAP_OFFLINE_TILE_LIMIT", ge=0, le=4000)
    lookup_radius_m: float = 30.0
    # households in the lookup's first answer (a phone's first screen: the 楼盘表 sits above them); the panel
    # pages the rest (GET /api/buildings/{id}/households). Each household costs ~0.3 ms of SQL (issue 22)
    lookup_households_page: int = Field(10, alias="HOLOMAP_LOOKUP_HOUSEHOLDS_PAGE", ge=1, le=100)
    rural_beat_villages_min: int = 2
    rural_beat_villages_max: int = 3
    rural_beat_residents_max: int = 3000
    urban_beat_households_max: int = 1000
    urban_beat_residents_min: int = 3000
    urban_beat_residents_max: int = 5000
    monthly_visit_target: int = 30
    monthly_key_person_target: int = 1

    @property
    def owner_url(self) -> str:
        """Connection URL of the schema owner (migrations, seeding)."""
        return normalise_database_url(self.owner_database_url or self.database_url)

    @property
    def concurrency_limit(self) -> int:
        """Requests in progress per worker before new ones wait (then get 503)."""
        return self.max_concurrent or 2 * self.pool_size

    @property
    def thread_limit(self) -> int:
        """Worker threads per worker: never more than the session pool's connections (2 × pool size)."""
        return max(1, min(2 * self.pool_size, self.worker_threads or 2 * self.pool_size))

    @property
    def is_production(self) -> bool:
        return self.env.lower() == "production"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
