"""Sources, sync runs and provenance: where the graph's data comes from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

from models import Source as SourceRow
from models import SyncProblem, SyncTerm
from models import SyncRun as SyncRunRow
from models.provenance import Provenance as ProvenanceRow
from resolvers.sources import Edits
from schema.enums import SyncStatus
from schema.info import Info
from schema.maybe import MaybeAwaitable, then


@strawberry.type(description="A record a sync run quarantined instead of loading, and why.")
class QuarantinedRecord:
    record_kind: str = strawberry.field(description="provider, location or offering.")
    external_id: str | None = strawberry.field(description="The record's id in its source.")
    reason: str = strawberry.field(description="Why the record was not loaded.")

    @classmethod
    def from_row(cls, row: SyncProblem) -> QuarantinedRecord:
        return cls(record_kind=row.record_kind, external_id=row.external_id, reason=row.reason)


@strawberry.type(
    description="A term of the source's own taxonomy that no `categories` mapping of the"
    " source names (see the README, Sources): the records carrying it were classified"
    " without it."
)
class UnmappedTerm:
    term: str = strawberry.field(description="The term as the source wrote it.")
    count: int = strawberry.field(description="How many records of the run carried it.")

    @classmethod
    def from_row(cls, row: SyncTerm) -> UnmappedTerm:
        return cls(term=row.term, count=row.count)


@strawberry.type(description="One sync of a source: when it ran, how it ended, what it changed.")
class SyncRun(relay.Node):
    id: relay.NodeID[int]
    status: SyncStatus = strawberry.field(
        description="RUNNING, SUCCEEDED, FAILED, or DEAD when its process stopped before it"
        " finished."
    )
    started_at: datetime = strawberry.field(description="When the run started.")
    finished_at: datetime | None = strawberry.field(description="When it ended, if it has.")
    fetched: int = strawberry.field(
        description="Records read from the source (while it runs, as of its last committed batch)."
    )
    created: int = strawberry.field(description="Records new to the hub.")
    updated: int = strawberry.field(description="Records whose content changed.")
    unchanged: int = strawberry.field(description="Records identical to the stored ones.")
    withdrawn: int = strawberry.field(
        description="Offerings withdrawn because the source dropped them."
    )
    quarantined_count: int = strawberry.field(description="Records quarantined as invalid.")
    not_modified: bool = strawberry.field(
        description="The source answered that nothing changed since the last sync (HTTP 304)."
    )
    error: str | None = strawberry.field(description="Why the run failed, if it did.")

    @strawberry.field(
        graphql_type=list[QuarantinedRecord],
        description="The records this run quarantined, with the reasons.",
    )
    def quarantined(self, info: Info) -> MaybeAwaitable[list[QuarantinedRecord]]:
        problems = info.context.loaders.run_problems.get(self.id)
        return then(problems, lambda rows: [QuarantinedRecord.from_row(r) for r in rows])

    @strawberry.field(
        graphql_type=list[UnmappedTerm],
        description="Terms of the source's taxonomy this run could not map to an area or a"
        " category, the most frequent first (at most 200 distinct terms are counted).",
    )
    def unmapped_terms(self, info: Info) -> MaybeAwaitable[list[UnmappedTerm]]:
        terms = info.context.loaders.run_terms.get(self.id)
        return then(terms, lambda rows: [UnmappedTerm.from_row(r) for r in rows])

    @classmethod
    def from_row(cls, row: SyncRunRow) -> SyncRun:
        return cls(
            id=row.id or 0,
            status=row.status,
            started_at=row.started_at,
            finished_at=row.finished_at,
            fetched=row.fetched,
            created=row.created,
            updated=row.updated,
            unchanged=row.unchanged,
            withdrawn=row.withdrawn,
            quarantined_count=row.quarantined,
            not_modified=row.not_modified,
            error=row.error,
        )


@strawberry.type(
    description="A member's feed the hub pulls listings from (see `concilia sources`)."
)
class Source(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Unique name of the source.")
    kind: str = strawberry.field(description="Connector kind: hsds, openactive, csv, ical, ...")
    url: str = strawberry.field(description="Where the source is read from.")
    description: str | None = strawberry.field(description="What the source publishes.")

    @strawberry.field(graphql_type=SyncRun | None, description="The latest sync run, if any.")
    def last_run(self, info: Info) -> MaybeAwaitable[SyncRun | None]:
        run = info.context.loaders.last_run.get(self.id)
        return then(run, lambda row: SyncRun.from_row(row) if row else None)

    @classmethod
    def from_row(cls, row: SourceRow) -> Source:
        return cls(
            id=row.id or 0, name=row.name, kind=row.kind, url=row.url, description=row.description
        )


@strawberry.type(description="A field the registry set over what the record's source says.")
class FieldOverride:
    field: str = strawberry.field(description="The field, e.g. `title_it`, `cost_options`.")
    value: JSON | None = strawberry.field(description="The registry's value.")
    source_value: JSON | None = strawberry.field(description="What the source last said.")


@strawberry.type(description="Where a record came from and when it last changed.")
class Provenance:
    source_id: strawberry.Private[int | None]
    # The row's type ("Offering", "Location") and id when the registry may override it.
    edited: strawberry.Private[tuple[str, int] | None]
    external_id: str | None = strawberry.field(description="The record's id in its source.")
    fetched_at: datetime | None = strawberry.field(description="When this version was fetched.")
    last_changed_at: datetime | None = strawberry.field(
        description="When the record's content last changed (as the source says, if it does)."
    )

    @strawberry.field(
        graphql_type=Source | None,
        description="The source the record was synced from; null for the hub's own registry.",
    )
    def source(self, info: Info) -> MaybeAwaitable[Source | None]:
        if self.source_id is None:
            return None
        source = info.context.loaders.source.get(self.source_id)
        return then(source, lambda row: Source.from_row(row) if row else None)

    @strawberry.field(
        graphql_type=list[FieldOverride],
        description=(
            "The fields the hub's registry set over what the source says (they win at every"
            " sync), each with what the source last said."
        ),
    )
    def overridden(self, info: Info) -> MaybeAwaitable[list[FieldOverride]]:
        if self.edited is None:
            return []
        type_name, id_ = self.edited
        loaders = info.context.loaders
        loader = loaders.offering_edits if type_name == "Offering" else loaders.location_edits
        return then(loader.get(id_), _overrides)

    @classmethod
    def of(cls, row: ProvenanceRow, edited: str | None = None) -> Provenance:
        """A row's provenance; `edited` names its type when the registry may override it."""
        return cls(
            edited=None if edited is None else (edited, int(getattr(row, "id", 0) or 0)),
            source_id=row.source_id,
            external_id=row.external_id,
            fetched_at=row.fetched_at,
            last_changed_at=row.last_changed_at,
        )


def _overrides(edits: Edits | None) -> list[FieldOverride]:
    said, overrides = edits or ({}, {})
    return [
        FieldOverride(field=name, value=value, source_value=said.get(name))
        for name, value in sorted(overrides.items())
    ]


@strawberry.type(
    description=(
        "Which source gave one field of a record that several sources describe (a provider"
        " listed by many), and when that source's record last changed."
    )
)
class FieldSource:
    source_id: strawberry.Private[int]
    field: str = strawberry.field(description="The field, as the graph names it: `vatNumber`.")
    external_id: str | None = strawberry.field(description="The record's id in that source.")
    changed_at: datetime | None = strawberry.field(
        description="When the source's record last changed (as the hub saw it)."
    )
    source_value: JSON | None = strawberry.field(
        description=(
            "When the hub's registry gave the field: what the sources say of it (the value "
            "the registry overrides); null otherwise, or when no source says."
        )
    )

    @strawberry.field(graphql_type=Source | None, description="The source that gave the field.")
    def source(self, info: Info) -> MaybeAwaitable[Source | None]:
        source = info.context.loaders.source.get(self.source_id)
        return then(source, lambda row: Source.from_row(row) if row else None)

    @classmethod
    def listed(cls, said_by: Mapping[str, Mapping[str, object]]) -> list[FieldSource]:
        """A row's `field_sources` column as the graph shows it."""
        return [
            cls(
                source_id=int(str(said["source_id"])),
                field=to_camel_case(name),
                external_id=None if said.get("external_id") is None else str(said["external_id"]),
                changed_at=(
                    None
                    if said.get("changed_at") is None
                    else datetime.fromisoformat(str(said["changed_at"]))
                ),
                source_value=cast("JSON | None", said.get("source_value")),
            )
            for name, said in said_by.items()
        ]
