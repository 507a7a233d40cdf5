"""Schedules (when offerings run) and slots (bookable occurrences with places)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from models.enums import SlotStatus
from models.provenance import Sighting
from models.types import UTCDateTime, enum_column


class Schedule(SQLModel, table=True):
    """A recurring time of an offering (RFC 5545: DTSTART, DTEND, RRULE, RDATE, EXDATE),
    computed in `timezone` so that occurrences stay DST-correct."""

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True, ondelete="CASCADE")
    position: int = 0
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rrule: str | None = Field(default=None, max_length=500)
    # ISO 8601 instants, space-separated (few per schedule; expanded, never filtered on).
    rdates: str = ""
    exdates: str = ""
    all_day: bool = False
    timezone: str = Field(default="Europe/Rome", max_length=64)
    description: str | None = None
    # Occurrences are stored (see Occurrence) up to this instant; None when the schedule
    # has no later ones. Past it, the availability filters expand the schedule on demand.
    expanded_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class Occurrence(SQLModel, table=True):
    """One occurrence of an offering's schedule, precomputed so that the availability
    filters (`availableBetween`, `openAt`) are plain range conditions in SQL."""

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", ondelete="CASCADE")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)


class Slot(Sighting, table=True):
    """A bookable occurrence of an offering, with its capacity and remaining places."""

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", ondelete="CASCADE")
    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    external_id: str | None = Field(default=None, max_length=255)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    capacity: int | None = None
    remaining: int | None = None
    status: SlotStatus = Field(default=SlotStatus.SCHEDULED, sa_type=enum_column(SlotStatus))
    fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    content_hash: str | None = Field(default=None, max_length=64)


sa.Index("ix_occurrence_offering_start", col(Occurrence.offering_id), col(Occurrence.starts_at))
sa.Index("ix_occurrence_start_end", col(Occurrence.starts_at), col(Occurrence.ends_at))
sa.Index("ix_slot_offering_start", col(Slot.offering_id), col(Slot.starts_at))
sa.Index("uq_slot_source_external", col(Slot.source_id), col(Slot.external_id), unique=True)
