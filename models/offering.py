"""Offerings (the welfare services) and the tables that hang off them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from models.enums import Area, DeliveryMode, OfferingStatus
from models.provenance import Overridable, Provenance, Sighting, Versioned
from models.types import enum_column

# Offerings whose price is not known sort after every priced one.
UNKNOWN_PRICE_RANK = 2**31 - 1


class Offering(Provenance, Sighting, Versioned, Overridable, table=True):
    """A welfare service offered by a provider, with its text in Italian and English."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    title_it: str = Field(max_length=300)
    title_en: str | None = Field(default=None, max_length=300)
    description_it: str | None = None
    description_en: str | None = None
    # Folded titles for a collation-independent ordering; English falls back to Italian.
    title_sort_it: str = Field(max_length=300)
    title_sort_en: str = Field(max_length=300)
    area: Area = Field(sa_type=enum_column(Area), index=True)
    delivery_mode: DeliveryMode = Field(sa_type=enum_column(DeliveryMode), index=True)
    # What readers see: `listed_status`, except that the offerings of a deactivated
    # provider are SUSPENDED (models.catalogue keeps it).
    status: OfferingStatus = Field(sa_type=enum_column(OfferingStatus), index=True)
    # The status its writer gives (with the registry's overrides).
    listed_status: OfferingStatus = Field(
        default=OfferingStatus.ACTIVE,
        sa_type=enum_column(OfferingStatus),
        sa_column_kwargs={"server_default": OfferingStatus.ACTIVE.value},
    )
    is_free: bool = Field(default=False, index=True)
    # The cheapest cost option in euro cents (0 when free), None when no price is published.
    min_price_cents: int | None = Field(default=None, index=True)
    # A percentage with at most two decimals (12.5).
    beneficiary_discount_percent: float | None = None
    # The days the offer is valid (both included), when the source says; an offering past
    # its last day is not current and is listed only on request.
    valid_from: date | None = None
    valid_until: date | None = Field(default=None, index=True)
    booking_url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=255)
    # True when any of its locations (or, without locations, its provider's) is in the district.
    in_district: bool = Field(default=False, index=True)
    # Folded words of titles, descriptions, provider name and categories (see models.text).
    search_text: str = ""
    # What the source says about who may use the service (HSDS minimum/maximum_age,
    # eligibility_description); evaluated by the eligibility rules.
    min_age: int | None = None
    max_age: int | None = None
    eligibility_description: str | None = None
    # The set of eligibility rules that apply to it (its area's, provider's and own), kept
    # by models.rule.refresh_rule_sets; None when none apply.
    rule_set_id: int | None = Field(default=None, foreign_key="rule_set.id")


# Keyset pagination indexes: one per ordering, each ending with the primary key.
sa.Index("ix_offering_order_title_it", col(Offering.title_sort_it), col(Offering.id))
sa.Index("ix_offering_order_title_en", col(Offering.title_sort_en), col(Offering.id))
sa.Index("ix_offering_order_changed", col(Offering.last_changed_at), col(Offering.id))
sa.Index(
    "ix_offering_order_price",
    sa.func.coalesce(col(Offering.min_price_cents), UNKNOWN_PRICE_RANK),
    col(Offering.id),
)
sa.Index(
    "uq_offering_source_external",
    col(Offering.source_id),
    col(Offering.external_id),
    unique=True,
)


class OfferingLocation(SQLModel, table=True):
    """Where an offering is delivered (many-to-many)."""

    __tablename__ = "offering_location"

    offering_id: int = Field(foreign_key="offering.id", primary_key=True, ondelete="CASCADE")
    location_id: int = Field(
        foreign_key="location.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class OfferingCategory(SQLModel, table=True):
    """The taxonomy categories of an offering (many-to-many)."""

    __tablename__ = "offering_category"

    offering_id: int = Field(foreign_key="offering.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(
        foreign_key="category.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class OfferingLanguage(SQLModel, table=True):
    """A language an offering is delivered in (ISO 639-1 code)."""

    __tablename__ = "offering_language"

    offering_id: int = Field(foreign_key="offering.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=8, primary_key=True, index=True)
    position: int = 0


class CostOption(SQLModel, table=True):
    """One way of paying for an offering (HSDS `cost_option`); amount 0 means free."""

    __tablename__ = "cost_option"

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True, ondelete="CASCADE")
    position: int = 0
    label: str | None = Field(default=None, max_length=255)
    amount_cents: int | None = None
    currency: str = Field(default="EUR", max_length=3)
    description: str | None = None
