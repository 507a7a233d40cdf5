"""API keys: who a request is. The key itself is never stored, only its SHA-256 digest."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.enums import Role
from models.types import UTCDateTime, enum_column, utc_now


class ApiKey(SQLModel, table=True):
    """A key given to a partner, a provider's editor or an administrator."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    # The key's first characters, shown by `concilia keys list` to tell keys apart.
    prefix: str = Field(max_length=16)
    # SHA-256 of the whole key: keys are 256 random bits, so a fast hash is as safe as a
    # slow one here and lets every request be checked by one indexed lookup.
    digest: str = Field(max_length=64, unique=True)
    role: Role = Field(sa_type=enum_column(Role))
    # The provider an editor's key may write for (registry mutations).
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    # Whether the key may introspect the schema and use GraphiQL in production.
    explore: bool = True
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
