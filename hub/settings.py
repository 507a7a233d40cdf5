"""Settings, read from the environment (`CONCILIA_*`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.limits import Limits
from hub.ratelimit import RatePolicy
from models.db import DEFAULT_DATABASE_URL, POOL_SIZE, create_engine
from models.enums import Role

_LIMITS = Limits()


class Settings(BaseSettings):
    """How the hub is configured; every field can be set as `CONCILIA_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="CONCILIA_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Database connections each server process keeps (twice: the general executor's and
    # the compiled path's); with N workers, N times that must fit the server's limit.
    database_pool_size: int = Field(default=POOL_SIZE, ge=1, le=1_000)
    sources: Path = Path("data/demo/sources.toml")
    # The alliance's registry of eligibility rules (see hub.registry).
    rules: Path = Path("data/demo/rules.toml")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # production: no access log by default (development keeps it).
    env: Literal["development", "production"] = "development"
    # Server and CLI logs: a JSON object a line (production's default) or text (development's).
    log_format: Literal["json", "text"] = Field(
        default_factory=lambda data: "json" if data.get("env") == "production" else "text"
    )
    # Server processes of `concilia serve`; none: one per core.
    workers: int | None = Field(default=None, ge=1)
    access_log: bool | None = None
    # GraphiQL at /graphql for browsers (README, "GraphiQL"); none: in development only.
    graphiql: bool | None = None

    # The budget of every request (README, "Limits").
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    body_timeout: float = Field(default=10.0, gt=0)
    max_url_bytes: int = Field(default=16_384, ge=256)
    max_header_bytes: int = Field(default=16_384, ge=1_024)
    max_tokens: int = Field(default=_LIMITS.max_tokens, ge=1)
    max_depth: int = Field(default=_LIMITS.max_depth, ge=1)
    max_aliases: int = Field(default=_LIMITS.max_aliases, ge=0)
    max_root_fields: int = Field(default=_LIMITS.max_root_fields, ge=1)
    max_cost: int = Field(default=_LIMITS.max_cost, ge=1)
    # Requests with a key get a larger budget than anonymous ones (README, "Keys and roles").
    key_max_cost: int = Field(default=250_000, ge=1)
    execution_timeout: float = Field(default=10.0, gt=0)
    report_cost: bool = False

    # Persisted documents: a manifest of trusted documents (README, "Persisted queries"),
    # and whether only those may run.
    trusted_documents: Path | None = None
    trusted_only: bool = False
    document_cache_size: int = Field(default=1_000, ge=1)
    # auto: documents seen `hot_after` times (or persisted) run compiled; general: never.
    executor: Literal["auto", "general"] = "auto"
    hot_after: int = Field(default=2, ge=1)
    # Tests: every compiled answer is checked against the general executor's.
    verify_compiled: bool = False

    # The response cache (README, "Caching"): its size in this process (0: off), how long
    # a worker trusts the data version it last read, Redis shared by workers and replicas,
    # and the max-age GET answers carry.
    response_cache_mb: int = Field(default=64, ge=0)
    cache_version_ttl: float = Field(default=1.0, ge=0)
    redis_url: str | None = None
    cache_max_age: int = Field(default=30, ge=0)

    # Keys and their limits (README, "Keys and roles"): requests per window, per key, and
    # per client address for requests without a key ("0/minute": unlimited). A revoked key
    # stops working within `key_cache_ttl` seconds in every worker.
    rate_limit_anonymous: str = "120/minute"
    rate_limit_partner: str = "1200/minute"
    rate_limit_editor: str = "1200/minute"
    rate_limit_admin: str = "0/minute"
    key_cache_ttl: float = Field(default=10.0, ge=0)

    # Seconds a sync run stays RUNNING without a sign of life from its process (it renews
    # its lease a third of this apart): past it, the run is DEAD.
    sync_lease: float = Field(default=600.0, gt=0)

    # Browser origins allowed to call the API (CORS), comma-separated; `*` for any.
    cors_origins: str = ""

    def engine(self) -> AsyncEngine:
        """An engine for the configured database, pooled as configured."""
        return create_engine(self.database_url, pool_size=self.database_pool_size)

    def limits(self) -> Limits:
        """The document limits these settings give."""
        return Limits(
            max_tokens=self.max_tokens,
            max_depth=self.max_depth,
            max_aliases=self.max_aliases,
            max_root_fields=self.max_root_fields,
            max_cost=self.max_cost,
        )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def serves_graphiql(self) -> bool:
        """Whether browsers get GraphiQL at /graphql: as set, else outside production."""
        return self.graphiql if self.graphiql is not None else not self.production

    def rate_policy(self, role: Role) -> RatePolicy:
        """How many requests a principal of this role may send (hub.ratelimit)."""
        return RatePolicy.parse(
            {
                Role.ANONYMOUS: self.rate_limit_anonymous,
                Role.PARTNER: self.rate_limit_partner,
                Role.EDITOR: self.rate_limit_editor,
                Role.ADMIN: self.rate_limit_admin,
            }[role]
        )

    def allowed_origins(self) -> list[str]:
        """The origins of CONCILIA_CORS_ORIGINS."""
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @field_validator(
        "rate_limit_anonymous",
        "rate_limit_partner",
        "rate_limit_editor",
        "rate_limit_admin",
        mode="before",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        RatePolicy.parse(value)  # a ValueError names what is wrong
        return value
