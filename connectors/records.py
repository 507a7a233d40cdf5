"""What connectors yield: the catalogue's records (models.records), re-exported here so
that a connector imports everything it yields from one place, plus what only the sync
engine reads (problems, deletions, checkpoints)."""

from __future__ import annotations

from dataclasses import dataclass

from models.records import (
    CostOptionRecord,
    LocationRecord,
    OfferingRecord,
    ProviderRecord,
    Record,
    ScheduleRecord,
    SlotRecord,
    content_hash,
)

__all__ = [
    "Checkpoint",
    "CostOptionRecord",
    "Deletion",
    "Item",
    "LocationRecord",
    "OfferingRecord",
    "Problem",
    "ProviderRecord",
    "Record",
    "ScheduleRecord",
    "SlotRecord",
    "content_hash",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """A record a connector could not read; the sync engine quarantines it."""

    record_kind: str
    external_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Deletion:
    """The source says a record no longer exists (an RPDE `deleted` item): offerings are
    withdrawn and slots cancelled, never deleted."""

    record_kind: str
    external_id: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where an incremental read has got to (e.g. the next RPDE page URL). The engine
    stores it once every record before it is committed, and hands it back to the
    connector on the next sync, which resumes from there."""

    state: dict[str, object]


Item = Record | Problem | Deletion | Checkpoint
