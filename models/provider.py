"""Providers: the organisations (alliance members and others) that offer services."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from models.provenance import Provenance


class Provider(Provenance, table=True):
    """An organisation offering welfare services in the district."""

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
