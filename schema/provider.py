"""Providers: the organisations that offer services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from models import Provider as ProviderRow
from resolvers.offerings import ProviderOfferingsArgs
from resolvers.pagination import DEFAULT_PAGE_SIZE, Page, page_size
from schema.arguments import After, First
from schema.connections import EDGES, NODES, PAGE_INFO, edges, page_info
from schema.info import Info
from schema.location import Location
from schema.maybe import MaybeAwaitable, then
from schema.source import FieldSource, Provenance, Source

if TYPE_CHECKING:
    from schema.offering import OfferingConnection

OfferingConnectionType = Annotated["OfferingConnection", strawberry.lazy("schema.offering")]


# Other subgraphs may know an organisation by its partita IVA rather than the hub's ID.
@strawberry.federation.type(
    keys=["id", "vatNumber"],
    description=(
        "An organisation offering welfare services: an alliance member or another district "
        "business."
    ),
)
class Provider(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[ProviderRow]
    name: str = strawberry.field(description="The organisation's name.")
    legal_form: str | None = strawberry.field(description="Legal form, e.g. 'S.r.l.', 'APS'.")
    vat_number: str | None = strawberry.field(
        description="Partita IVA (11 digits, checksum verified)."
    )
    alliance_member: bool = strawberry.field(
        description="Whether the organisation is a member of the Milano Concilia 4.0 alliance."
    )
    ateco_code: str | None = strawberry.field(description="ATECO activity code, e.g. 86.90.29.")
    description: str | None = strawberry.field(description="What the organisation does (Italian).")
    website: str | None = strawberry.field(description="Website URL.")
    email: str | None = strawberry.field(description="Contact e-mail address.")
    phone: str | None = strawberry.field(description="Contact phone number.")

    @strawberry.field(
        description="Moves with every change; an edit names the version it starts from."
    )
    def version(self) -> int:
        return int(self.row.version)

    @strawberry.field(
        description="False once the alliance deactivated it (its offerings show SUSPENDED)."
    )
    def active(self) -> bool:
        return bool(self.row.active)

    @strawberry.field(graphql_type=list[Location], description="The provider's places.")
    def locations(self, info: Info) -> MaybeAwaitable[list[Location]]:
        rows = info.context.loaders.provider_locations.get(self.id)
        return then(rows, lambda found: [Location.from_row(r) for r in found])

    @strawberry.field(
        graphql_type=OfferingConnectionType,
        description=(
            "The provider's offerings that are not withdrawn, ordered by title in the request's"
            " language."
        ),
    )
    def offerings(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> MaybeAwaitable[OfferingConnection]:
        from schema.offering import OfferingConnection  # noqa: PLC0415

        args = ProviderOfferingsArgs(page_size(first), after, info.context.lang)
        page = info.context.loaders.provider_offerings(args).get(self.id)
        return then(page, OfferingConnection.build)

    @strawberry.field(
        graphql_type=list[Source],
        description=(
            "Every source that lists the organisation: one provider per partita IVA, however"
            " many sources name it (`fieldSources` says which gave each field). Empty for the"
            " hub's own registry."
        ),
    )
    def sources(self, info: Info) -> MaybeAwaitable[list[Source]]:
        rows = info.context.loaders.provider_sources.get(self.id)
        return then(rows, lambda found: [Source.from_row(r) for r in found])

    @strawberry.field(description="Where the record came from.")
    def provenance(self) -> Provenance:
        return Provenance.of(self.row)

    @strawberry.field(
        description=(
            "Which source gave each field shown, by the documented precedence (a higher"
            " source `priority`, then the most recently changed record that gives it)."
            " Empty for the hub's own registry."
        )
    )
    def field_sources(self) -> list[FieldSource]:
        return FieldSource.listed(self.row.field_sources or {})

    @classmethod
    def from_row(cls, row: ProviderRow) -> Provider:
        return cls(
            id=row.id or 0,
            row=row,
            name=row.name,
            legal_form=row.legal_form,
            vat_number=row.vat_number,
            alliance_member=row.alliance_member,
            ateco_code=row.ateco_code,
            description=row.description,
            website=row.website,
            email=row.email,
            phone=row.phone,
        )


@strawberry.type(description="A page of providers (Relay connection).")
class ProviderConnection:
    page: strawberry.Private[Page[ProviderRow]]

    @strawberry.field(description=PAGE_INFO)
    async def page_info(self) -> relay.PageInfo:
        return await page_info(self.page)

    edges: list[relay.Edge[Provider]] = strawberry.field(description=EDGES)

    @strawberry.field(description="Number of providers matching the filter, over all pages.")
    async def total_count(self) -> int:
        return await self.page.total()

    @strawberry.field(description=NODES)
    def nodes(self) -> list[Provider]:
        return [edge.node for edge in self.edges]

    @classmethod
    def build(cls, page: Page[ProviderRow]) -> ProviderConnection:
        return cls(page=page, edges=edges(page, Provider.from_row))
