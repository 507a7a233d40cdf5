"""Locations: the places where offerings are delivered."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from models.provenance import Overridable, Provenance, Sighting, Versioned


class Location(Provenance, Sighting, Versioned, Overridable, table=True):
    """A physical place of a provider, with its address and whether it lies in the district."""

    __table_args__ = (sa.UniqueConstraint("source_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    name: str | None = Field(default=None, max_length=255)
    address: str | None = Field(default=None, max_length=255)
    cap: str | None = Field(default=None, max_length=5, index=True)
    city: str | None = Field(default=None, max_length=120)
    province: str | None = Field(default=None, max_length=2)
    latitude: float | None = None
    longitude: float | None = None
    accessibility: str | None = None
    in_district: bool = Field(default=False, index=True)
