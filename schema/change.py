"""The audit trail in the graph: who changed which object of the catalogue, when, and how."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

from models.audit import Change as ChangeRow
from resolvers import changes
from resolvers.nodes import decode_id
from resolvers.pagination import Page
from schema.connections import EDGES, NODES, PAGE_INFO, page_info
from schema.enums import ActorKind, ChangeAction
from schema.info import Info
from schema.maybe import MaybeAwaitable, then
from schema.nodes import node_of
from schema.source import SyncRun


@strawberry.type(description="Who made a change.")
class ChangeActor:
    kind: ActorKind = strawberry.field(
        description="A key's holder, a source's sync, the rules import or the operator."
    )
    name: str = strawberry.field(
        description=(
            "The key's name, the source's name, `rules import` or `operator`: what the "
            "`actor` filter matches."
        )
    )


@strawberry.type(description="One field a change changed: its value before and after.")
class FieldChange:
    field: str = strawberry.field(
        description="The field's name, camel-cased (`minPriceCents`, `allianceMember`)."
    )
    before: JSON | None = strawberry.field(
        description="The value before the change; null when the object was created."
    )
    after: JSON | None = strawberry.field(description="The value the change gave it.")


@strawberry.type(
    description=(
        "One change of one object of the catalogue (an offering, a provider, a location, an "
        "eligibility rule): who made it, when, and the fields it changed, before and after."
        " The trail is appended to, never rewritten."
    )
)
class Change:
    row: strawberry.Private[ChangeRow]
    at: datetime = strawberry.field(description="When the change was committed.")
    actor: ChangeActor = strawberry.field(description="Who made it.")
    action: ChangeAction = strawberry.field(description="What it did to the object.")
    object_type: str = strawberry.field(
        description="The object's type: Offering, Provider, Location or EligibilityRule."
    )
    object_id: strawberry.ID = strawberry.field(
        description="The object's global ID (still valid when the object is gone)."
    )

    @strawberry.field(
        graphql_type=relay.Node | None,
        description="The object as it is now; null when it no longer exists.",
    )
    def object(self, info: Info) -> MaybeAwaitable[relay.Node | None]:
        return node_of(info, self.row.object_type, self.row.object_id)

    @strawberry.field(description="The fields it changed, by name.")
    def fields(self) -> list[FieldChange]:
        return [
            FieldChange(field=to_camel_case(name), before=_json(pair, 0), after=_json(pair, 1))
            for name, pair in sorted(self.row.fields.items())
        ]

    @strawberry.field(
        graphql_type=SyncRun | None,
        description="The sync run that made the change; null for other writers.",
    )
    def sync_run(self, info: Info) -> MaybeAwaitable[SyncRun | None]:
        if self.row.sync_run_id is None:
            return None
        run = info.context.loaders.sync_run.get(self.row.sync_run_id)
        return then(run, lambda row: SyncRun.from_row(row) if row else None)

    @classmethod
    def from_row(cls, row: ChangeRow) -> Change:
        return cls(
            row=row,
            at=row.at,
            actor=ChangeActor(kind=row.actor_kind, name=row.actor),
            action=row.action,
            object_type=row.object_type,
            object_id=strawberry.ID(relay.to_base64(row.object_type, row.object_id)),
        )


def _json(pair: list[Any], index: int) -> Any:
    # models.audit stores [before, after]; a shorter list is a writer's slip, shown as null.
    return pair[index] if len(pair) > index else None


# Changes are not Relay Nodes, so strawberry's relay.Edge (whose node is one) does not
# carry them: `node(id:)` is open to anyone, the trail only to admins.
@strawberry.type(description="An edge in a connection.")
class ChangeEdge:
    cursor: str = strawberry.field(description="A cursor for use in pagination")
    node: Change = strawberry.field(description="The item at the end of the edge")


@strawberry.type(description="A page of the audit trail, newest first (Relay connection).")
class ChangeConnection:
    page: strawberry.Private[Page[ChangeRow]]

    @strawberry.field(description=PAGE_INFO)
    async def page_info(self) -> relay.PageInfo:
        return await page_info(self.page)

    edges: list[ChangeEdge] = strawberry.field(description=EDGES)

    @strawberry.field(description="Number of changes matching the filter, over all pages.")
    async def total_count(self) -> int:
        return await self.page.total()

    @strawberry.field(description=NODES)
    def nodes(self) -> list[Change]:
        return [edge.node for edge in self.edges]

    @classmethod
    def build(cls, page: Page[ChangeRow]) -> ChangeConnection:
        return cls(
            page=page,
            edges=[
                ChangeEdge(cursor=cursor, node=Change.from_row(row))
                for cursor, row in zip(page.cursors, page.items, strict=True)
            ],
        )


@strawberry.input(description="Conditions on changes; every condition given must hold.")
class ChangeFilter:
    object: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only changes of this object: the global ID of an Offering, Provider, "
        "Location or EligibilityRule.",
    )
    object_type: str | None = strawberry.field(
        default=None,
        description="Only changes of objects of this type: Offering, Provider, Location or "
        "EligibilityRule.",
    )
    actor: str | None = strawberry.field(
        default=None, description="Only changes by this actor (its `name`, exactly)."
    )
    actor_kind: ActorKind | None = strawberry.field(
        default=None, description="Only changes by this kind of actor."
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only changes at or after this time (with a UTC offset)."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Only changes before this time (with a UTC offset)."
    )
    action: ChangeAction | None = strawberry.field(
        default=None, description="Only changes that did this."
    )

    def to_filter(self) -> changes.ChangeFilter:
        return changes.ChangeFilter(
            object=decode_id(self.object) if self.object is not None else None,
            object_type=self.object_type,
            actor=self.actor,
            actor_kind=self.actor_kind,
            since=self.since,
            until=self.until,
            action=self.action,
        )


def change_filter(filter: ChangeFilter | None) -> changes.ChangeFilter:
    """The resolvers' filter of the `changes` field's argument."""
    return filter.to_filter() if filter else changes.ChangeFilter()
