"""Where a synced row came from: the fields every synced table shares."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Provenance(SQLModel):
    """Source, external id and change tracking of a record pulled by a connector.

    Rows owned by the hub's own registry have no source.
    """

    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    external_id: str | None = Field(default=None, max_length=255)
    fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    content_hash: str | None = Field(default=None, max_length=64)


class Sighting(SQLModel):
    """The last sync run whose source listed the row (see models.catalogue): a complete
    snapshot withdraws the offerings its run did not list, and a record a run repeats
    is counted once. Per row, so that a run remembers nothing per record itself."""

    seen_run_id: int | None = None
