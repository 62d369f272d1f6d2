"""Settings, one place: read from the environment (and an optional .env file)."""
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Holomap configuration; every field can be set by an environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        "postgresql+psycopg://holomap_app@127.0.0.1:5432/holomap", alias="DATABASE_URL"
    )
    # Role that owns the schema: runs migrations and bulk loads. Defaults to DATABASE_URL.
    owner_database_url: str | None = Field(None, alias="HOLOMAP_OWNER_DATABASE_URL")
    app_db_role: str = Field("holomap_app", alias="HOLOMAP_APP_ROLE")
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(8000, alias="PORT")
    env: str = Field("development", alias="HOLOMAP_ENV")
    secret: str = Field("dev-secret-change-me-0123456789abcdef", alias="HOLOMAP_SECRET")
    basemap_url: str = Field("", alias="HOLOMAP_BASEMAP_URL")
    basemap_attribution: str = Field("", alias="HOLOMAP_BASEMAP_ATTRIBUTION")
    demo_password: str = Field("demo-password", alias="HOLOMAP_DEMO_PASSWORD")

    token_minutes: int = Field(30, alias="HOLOMAP_TOKEN_MINUTES")
    token_audience: str = "holomap"
    lockout_attempts: int = Field(5, alias="HOLOMAP_LOCKOUT_ATTEMPTS")
    lockout_minutes: int = Field(10, alias="HOLOMAP_LOCKOUT_MINUTES")
    login_per_minute: float = Field(10.0, alias="HOLOMAP_LOGIN_PER_MINUTE")  # per client address
    login_burst: int = Field(10, alias="HOLOMAP_LOGIN_BURST")
    pool_size: int = Field(10, alias="HOLOMAP_POOL_SIZE")
    max_body_bytes: int = Field(20 * 1024 * 1024, alias="HOLOMAP_MAX_BODY_BYTES")  # multipart uploads
    max_json_bytes: int = Field(1024 * 1024, alias="HOLOMAP_MAX_JSON_BYTES")  # every other request body
    # requests in progress per worker (default: 2 × pool size) and how long an extra one waits for a slot
    max_concurrent: int | None = Field(None, alias="HOLOMAP_MAX_CONCURRENT")
    queue_wait_ms: int = Field(500, alias="HOLOMAP_QUEUE_WAIT_MS")

    # Field-work rules (seed documents' targets; configurable).
    visit_far_m: float = Field(200.0, alias="HOLOMAP_VISIT_FAR_M")
    lookup_radius_m: float = 30.0
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
        return self.owner_database_url or self.database_url

    @property
    def concurrency_limit(self) -> int:
        """Requests in progress per worker before new ones wait (then get 503)."""
        return self.max_concurrent or 2 * self.pool_size

    @property
    def is_production(self) -> bool:
        return self.env.lower() == "production"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
