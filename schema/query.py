"""The Query root: the entry points of the graph."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry
from strawberry import relay

from resolvers import changes, eligibility, offerings, providers, sources, taxonomy
from resolvers.nodes import decode_id
from resolvers.pagination import DEFAULT_PAGE_SIZE
from schema.arguments import After, First, NodeId, NodeIds
from schema.change import ChangeConnection, ChangeFilter, change_filter
from schema.eligibility import BeneficiaryProfileInput, Eligibility
from schema.enums import Area
from schema.federation import FederationQuery
from schema.info import Info
from schema.inputs import (
    OfferingFilter,
    OfferingOrder,
    ProviderFilter,
    offering_query,
    provider_filter,
)
from schema.nodes import by_global_id
from schema.offering import Offering, OfferingConnection
from schema.provider import Provider, ProviderConnection
from schema.selection import selected
from schema.source import Source
from schema.taxonomy import AreaSummary, Category


@strawberry.type(
    description="Concilia Hub: the unified catalogue of the alliance's welfare offerings."
)
class Query(FederationQuery):
    @strawberry.field(description="Any object by its global ID; null when it does not exist.")
    async def node(self, info: Info, id: NodeId) -> relay.Node | None:
        result: relay.Node | None = await by_global_id(info, id)
        return result

    @strawberry.field(
        description="Objects by their global IDs, in order; null where one does not exist."
    )
    async def nodes(self, info: Info, ids: NodeIds) -> list[relay.Node | None]:
        return list(await asyncio.gather(*(by_global_id(info, id_) for id_ in ids)))

    @strawberry.field(description="Offerings of the catalogue, filtered, ordered and paginated.")
    async def offerings(
        self,
        info: Info,
        filter: Annotated[
            OfferingFilter | None, strawberry.argument(description="Conditions to meet.")
        ] = None,
        order_by: Annotated[
            OfferingOrder | None,
            strawberry.argument(description="The ordering (default: by title, ascending)."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> OfferingConnection:
        query = offering_query(filter, order_by)
        page = await offerings.offerings_page(info.context, query, first, after)
        fields = selected(info, ["edges", "node"]) | selected(info, ["nodes"])
        await offerings.prefetch(info.context, page.items, fields)
        return OfferingConnection.build(page)

    @strawberry.field(description="An offering by its ID; null when it does not exist.")
    async def offering(self, info: Info, id: NodeId) -> Offering | None:
        result: Offering | None = await by_global_id(info, id, "Offering")
        return result

    @strawberry.field(description="Providers ordered by name, filtered and paginated.")
    async def providers(
        self,
        info: Info,
        filter: Annotated[
            ProviderFilter | None, strawberry.argument(description="Conditions to meet.")
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> ProviderConnection:
        flt = provider_filter(filter)
        page = await providers.providers_page(info.context, flt, first, after)
        return ProviderConnection.build(page)

    @strawberry.field(description="A provider by its ID; null when it does not exist.")
    async def provider(self, info: Info, id: NodeId) -> Provider | None:
        result: Provider | None = await by_global_id(info, id, "Provider")
        return result

    @strawberry.field(description="The four welfare areas with their labels and offering counts.")
    async def areas(self, info: Info) -> list[AreaSummary]:
        return [AreaSummary.from_count(count) for count in await taxonomy.areas(info.context)]

    @strawberry.field(
        description="The category taxonomy (about 20 entries), optionally of one area."
    )
    async def categories(
        self,
        info: Info,
        area: Annotated[
            Area | None, strawberry.argument(description="Only the categories of this area.")
        ] = None,
    ) -> list[Category]:
        return [Category.from_row(row) for row in await taxonomy.categories(info.context, area)]

    @strawberry.field(
        description=(
            "Whether a beneficiary may use an offering: the verdict and, for every condition "
            "of the rules that apply, whether it held. The profile is used for this request "
            "only, never stored or logged."
        )
    )
    async def eligibility(
        self,
        info: Info,
        offering_id: Annotated[
            strawberry.ID, strawberry.argument(description="The offering's ID.")
        ],
        profile: Annotated[
            BeneficiaryProfileInput,
            strawberry.argument(description="The beneficiary, as far as they describe it."),
        ],
    ) -> Eligibility:
        _, id_ = decode_id(offering_id, "Offering")
        assessment = await eligibility.assess(info.context, id_, profile.to_profile())
        return Eligibility.of(assessment)

    @strawberry.field(description="The configured sources with their latest sync run.")
    async def sources(self, info: Info) -> list[Source]:
        return [Source.from_row(row) for row in await sources.sources(info.context)]

    @strawberry.field(
        description=(
            "The audit trail, newest first: every change of an offering, provider, location "
            "or eligibility rule, by a key's holder, a sync, the rules import or the operator. "
            "Needs an admin key, in every environment."
        )
    )
    async def changes(
        self,
        info: Info,
        filter: Annotated[
            ChangeFilter | None, strawberry.argument(description="Conditions to meet.")
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> ChangeConnection:
        page = await changes.changes_page(info.context, change_filter(filter), first, after)
        return ChangeConnection.build(page)
