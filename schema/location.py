"""Locations: the places where offerings are delivered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from models import Location as LocationRow
from schema.info import Info
from schema.maybe import MaybeAwaitable, then
from schema.source import Provenance

if TYPE_CHECKING:
    from schema.provider import Provider

ProviderType = Annotated["Provider", strawberry.lazy("schema.provider")]


@strawberry.federation.type(
    keys=["id"], description="A place where offerings are delivered, with its address."
)
class Location(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[LocationRow]
    name: str | None = strawberry.field(
        description="The place's name, e.g. 'Sede di Via Borsieri'."
    )
    address: str | None = strawberry.field(description="Street and number.")
    cap: str | None = strawberry.field(description="Postal code (CAP).")
    city: str | None = strawberry.field(description="City or town.")
    province: str | None = strawberry.field(description="Province code, e.g. MI.")
    latitude: float | None = strawberry.field(description="WGS84 latitude.")
    longitude: float | None = strawberry.field(description="WGS84 longitude.")
    accessibility: str | None = strawberry.field(description="Accessibility notes (Italian).")
    in_district: bool = strawberry.field(
        description="Whether the place lies in the Isola-Garibaldi district: by its CAP"
        " (20159) when it has one, else by its coordinates."
    )

    @strawberry.field(
        description="Moves with every change; an edit names the version it starts from."
    )
    def version(self) -> int:
        return int(self.row.version)

    @strawberry.field(graphql_type=ProviderType | None, description="The provider of the place.")
    def provider(self, info: Info) -> MaybeAwaitable[Provider | None]:
        from schema.provider import Provider  # noqa: PLC0415 - the types refer to each other

        if self.row.provider_id is None:
            return None
        row = info.context.loaders.provider.get(self.row.provider_id)
        return then(row, lambda r: Provider.from_row(r) if r else None)

    @strawberry.field(description="Where the record came from.")
    def provenance(self) -> Provenance:
        return Provenance.of(self.row, "Location")

    @classmethod
    def from_row(cls, row: LocationRow) -> Location:
        return cls(
            id=row.id or 0,
            row=row,
            name=row.name,
            address=row.address,
            cap=row.cap,
            city=row.city,
            province=row.province,
            latitude=row.latitude,
            longitude=row.longitude,
            accessibility=row.accessibility,
            in_district=row.in_district,
        )
