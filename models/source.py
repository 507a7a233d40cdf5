"""Sources (the configured feeds) and the record of every sync run."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from models.enums import SyncStatus
from models.types import UTCDateTime, enum_column, utc_now

# The name (and kind) of the hub's own registry as a source (models.editing): what it
# creates has it as its provenance; no declared source may take the name.
REGISTRY = "registry"


class Source(SQLModel, table=True):
    """A member's feed that the hub pulls listings from."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=40)
    url: str = Field(max_length=1000)
    description: str | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    # The connector's checkpoint (RPDE position, HTTP validators), handed back next sync.
    state: dict[str, object] = Field(default_factory=dict, sa_type=sa.JSON)
    # A lease that keeps two syncs of this source from running at once (see
    # connectors.locks); PostgreSQL uses an advisory lock instead.
    locked_by: str | None = Field(default=None, max_length=120)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


# What a dead run's error says (connectors.runs records it, resolvers show it).
DEAD_RUN_ERROR = "dead: the process running the sync stopped before it finished"


class SyncRun(SQLModel, table=True):
    """One sync of a source: when, how it ended, and what it changed."""

    __tablename__ = "sync_run"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    started_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: SyncStatus = Field(default=SyncStatus.RUNNING, sa_type=enum_column(SyncStatus))
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    quarantined: int = 0
    # The source answered a conditional request with 304: nothing to read, nothing changed.
    not_modified: bool = False
    error: str | None = None
    # While RUNNING, the process running it renews this as it works (connectors.runs): a
    # run whose lease has passed belongs to a process that stopped, and is DEAD.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


def shown_status(status: SyncStatus, lease_until: datetime | None, now: datetime) -> SyncStatus:
    """A run's status as readers see it at `now`: RUNNING with its lease expired is DEAD,
    even before anyone records it so (no lease: a run recorded before leases)."""
    expired = lease_until is not None and lease_until < now
    return SyncStatus.DEAD if status is SyncStatus.RUNNING and expired else status


sa.Index("ix_sync_run_source_latest", col(SyncRun.source_id), col(SyncRun.id))


class SyncProblem(SQLModel, table=True):
    """A record a sync run quarantined, and why."""

    __tablename__ = "sync_problem"

    id: int | None = Field(default=None, primary_key=True)
    sync_run_id: int = Field(foreign_key="sync_run.id", index=True, ondelete="CASCADE")
    record_kind: str = Field(max_length=40)
    external_id: str | None = Field(default=None, max_length=255)
    reason: str


class SyncTerm(SQLModel, table=True):
    """A term of a source's own taxonomy that a sync run met and could not map to an
    area or a category (connectors.mapping), and how many records carried it."""

    __tablename__ = "sync_term"

    id: int | None = Field(default=None, primary_key=True)
    sync_run_id: int = Field(foreign_key="sync_run.id", index=True, ondelete="CASCADE")
    term: str = Field(max_length=500)
    count: int
