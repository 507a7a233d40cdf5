"""Settings, read from the environment (`CONCILIA_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from models.db import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    """How the hub is configured; every field can be set as `CONCILIA_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="CONCILIA_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    sources: Path = Path("data/demo/sources.toml")
    # The alliance's registry of eligibility rules (see hub.registry).
    rules: Path = Path("data/demo/rules.toml")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
