"""Where a synced row came from: the fields every synced table shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
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


class Versioned(SQLModel):
    """A number that moves with every change of the row, whoever makes it: an edit that
    names an older one is refused as a conflict (optimistic concurrency, models.editing)."""

    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Overridable(SQLModel):
    """What the row's writer last said, and what the registry set over it.

    `said` is the writer's last record (models.records, as JSON): what an editor is shown
    as "the source says", and what an edit starts from. `overrides` are the fields the
    registry edited on a source's row: they win over every later sync of the source
    (models.catalogue applies them), until the registry clears them."""

    # Nullable: rows stored before these columns existed have none (read as empty).
    said: dict[str, Any] | None = Field(default_factory=dict, sa_type=sa.JSON)
    overrides: dict[str, Any] | None = Field(default_factory=dict, sa_type=sa.JSON)
