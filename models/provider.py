"""Providers: the organisations (alliance members and others) that offer services."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from models.provenance import Provenance, Sighting, Versioned
from models.types import UTCDateTime


class Provider(Provenance, Versioned, table=True):
    """An organisation offering welfare services in the district: one per partita IVA,
    whatever the sources that list it (see ProviderLink).

    Its fields are what its sources say, by precedence (models.catalogue.merge_provider);
    its provenance columns name the source whose record comes first, `field_sources` the
    source of each field.
    """

    __table_args__ = (sa.UniqueConstraint("source_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    name_sort: str = Field(max_length=255, index=True)
    legal_form: str | None = Field(default=None, max_length=120)
    vat_number: str | None = Field(default=None, max_length=11, index=True)
    alliance_member: bool = Field(default=False, index=True)
    ateco_code: str | None = Field(default=None, max_length=10)
    description: str | None = None
    website: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=40)
    # False once the alliance deactivated it: its offerings are then SUSPENDED.
    active: bool = Field(default=True, index=True, sa_column_kwargs={"server_default": sa.true()})
    # Which source said each field, and when it last changed there: field name ->
    # {"source_id", "external_id", "changed_at"} (models.catalogue.merge_provider); empty
    # for the registry's own providers.
    field_sources: dict[str, dict[str, object]] = Field(default_factory=dict, sa_type=sa.JSON)


class ProviderLink(Sighting, table=True):
    """An organisation as one source knows it: the source's id for it, what the source
    last said of it, and the provider (one per partita IVA) it is part of."""

    __tablename__ = "provider_link"
    __table_args__ = (sa.UniqueConstraint("source_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    external_id: str = Field(max_length=255)
    # The normalised partita IVA the source gives, if any: what merges providers.
    vat_number: str | None = Field(default=None, max_length=11, index=True)
    # The source's `priority` option when it was last read: among the sources of one
    # provider, a higher one's fields win (then the most recently changed). The registry's
    # link has REGISTRY_PRIORITY: its edits win over every source.
    priority: int = 0
    # Declared by the source (its `provider_links` option) for an organisation without a
    # partita IVA: "<source name>/<external id>" or "vat:<partita IVA>", the provider it
    # is the same organisation as. Providers without a VAT merge only this way.
    same_as: str | None = Field(default=None, max_length=300, index=True)
    # The source's record (connectors.records.ProviderRecord's fields), as last read.
    said: dict[str, object] = Field(default_factory=dict, sa_type=sa.JSON)
    fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    content_hash: str | None = Field(default=None, max_length=64)
