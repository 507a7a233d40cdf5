"""Offerings: the welfare services of the unified catalogue."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from models import CostOption as CostOptionRow
from models import Offering as OfferingRow
from models import Provider as ProviderRow
from resolvers import availability
from resolvers.availability import Window
from resolvers.pagination import Page
from schema.arguments import Lang
from schema.availability import AvailabilitySlot, Schedule
from schema.connections import EDGES, NODES, PAGE_INFO, edges, page_info
from schema.eligibility import EligibilityRule
from schema.enums import Area, DeliveryMode, Language, OfferingStatus
from schema.info import Info
from schema.location import Location
from schema.maybe import MaybeAwaitable, then
from schema.provider import Provider
from schema.source import Provenance
from schema.taxonomy import Category

_CENT = Decimal("0.01")


def _euro(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(_CENT)


@strawberry.type(description="One way of paying for an offering (an amount of 0 means free).")
class CostOption:
    label: str | None = strawberry.field(
        description="What the price is for, e.g. 'Ingresso singolo'."
    )
    amount: Decimal | None = strawberry.field(
        description="Price in `currency`; null if not published."
    )
    currency: str = strawberry.field(description="ISO 4217 currency code (EUR).")
    description: str | None = strawberry.field(description="Conditions of this price.")

    @classmethod
    def from_row(cls, row: CostOptionRow) -> CostOption:
        return cls(
            label=row.label,
            amount=_euro(row.amount_cents),
            currency=row.currency,
            description=row.description,
        )


@strawberry.federation.type(
    keys=["id"],
    description=(
        "A welfare service offered by a provider, from a member's source or the hub's registry."
    ),
)
class Offering(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[OfferingRow]
    area: Area = strawberry.field(description="The welfare area of the offering.")
    delivery_mode: DeliveryMode = strawberry.field(description="Where the service is delivered.")
    status: OfferingStatus = strawberry.field(description="ACTIVE, SUSPENDED or WITHDRAWN.")
    is_free: bool = strawberry.field(description="Whether a free cost option exists.")
    min_price: Decimal | None = strawberry.field(
        description=(
            "The cheapest cost option in euro (0 when free); null when no price is published."
        )
    )
    beneficiary_discount_percent: float | None = strawberry.field(
        description="Discount for the alliance's beneficiaries, in percent (12.5 for 12,5 %)."
    )
    valid_from: date | None = strawberry.field(
        description="The first day the offer is valid, when its source says (Europe/Rome)."
    )
    valid_until: date | None = strawberry.field(
        description="The last day the offer is valid, when its source says: after it the"
        " offering is no longer current, and lists show it only with `includeExpired`."
    )
    booking_url: str | None = strawberry.field(description="Where to book or apply.")
    email: str | None = strawberry.field(description="Contact e-mail address for the service.")
    in_district: bool = strawberry.field(
        description="Whether the service is delivered in the Isola-Garibaldi district."
    )

    @strawberry.field(
        description="Moves with every change; an edit names the version it starts from."
    )
    def version(self) -> int:
        return int(self.row.version)

    @strawberry.field(
        description="The title, in the requested language (Italian when no translation exists)."
    )
    def title(self, info: Info, lang: Lang = None) -> str:
        english = info.context.language(lang) is Language.EN
        return (self.row.title_en if english else None) or self.row.title_it

    @strawberry.field(
        description=(
            "The description, in the requested language (Italian when no translation exists)."
        )
    )
    def description(self, info: Info, lang: Lang = None) -> str | None:
        english = info.context.language(lang) is Language.EN
        return (self.row.description_en if english else None) or self.row.description_it

    @strawberry.field(
        description=(
            "Languages the text of this offering is available in (it, and en when translated)."
        )
    )
    def text_languages(self) -> list[Language]:
        return [Language.IT, Language.EN] if self.row.title_en else [Language.IT]

    @strawberry.field(graphql_type=Provider, description="The organisation offering the service.")
    def provider(self, info: Info) -> MaybeAwaitable[Provider]:
        row = info.context.loaders.provider.get(self.row.provider_id)
        return then(row, _provider)

    @strawberry.field(graphql_type=list[Location], description="Where the service is delivered.")
    def locations(self, info: Info) -> MaybeAwaitable[list[Location]]:
        rows = info.context.loaders.offering_locations.get(self.id)
        return then(rows, lambda found: [Location.from_row(r) for r in found])

    @strawberry.field(
        graphql_type=list[Category], description="Taxonomy categories, all in the offering's area."
    )
    def categories(self, info: Info) -> MaybeAwaitable[list[Category]]:
        rows = info.context.loaders.offering_categories.get(self.id)
        return then(rows, lambda found: [Category.from_row(r) for r in found])

    @strawberry.field(
        graphql_type=list[str],
        description="Languages the service is delivered in (ISO 639-1 codes, e.g. it, en, es).",
    )
    def languages(self, info: Info) -> MaybeAwaitable[list[str]]:
        return info.context.loaders.offering_languages.get(self.id)

    @strawberry.field(graphql_type=list[CostOption], description="Prices and ways of paying.")
    def cost_options(self, info: Info) -> MaybeAwaitable[list[CostOption]]:
        rows = info.context.loaders.offering_cost_options.get(self.id)
        return then(rows, lambda found: [CostOption.from_row(r) for r in found])

    @strawberry.field(description="Where the record came from and when it last changed.")
    def provenance(self) -> Provenance:
        return Provenance.of(self.row, "Offering")

    @strawberry.field(
        description=(
            "Who the source says the service is for, in its own words (e.g. 'Dipendenti "
            "delle aziende aderenti all'alleanza'); `eligibilityRules` are what the hub checks."
        )
    )
    def eligibility_description(self) -> str | None:
        return self.row.eligibility_description

    @strawberry.field(
        graphql_type=list[EligibilityRule],
        description=(
            "The eligibility rules the offering is subject to: its area's, its provider's "
            "and its own (from its source or the alliance's registry). None means open to all."
        ),
    )
    def eligibility_rules(self, info: Info) -> MaybeAwaitable[list[EligibilityRule]]:
        rows = info.context.loaders.offering_rules.get(self.id)
        return then(rows, lambda found: [EligibilityRule.from_row(r) for r in found])

    @strawberry.field(
        graphql_type=list[Schedule],
        description="When the offering runs: its timetable or opening hours, as published.",
    )
    def schedules(self, info: Info) -> MaybeAwaitable[list[Schedule]]:
        rows = info.context.loaders.offering_schedules.get(self.id)
        return then(rows, lambda found: [Schedule.from_row(r) for r in found])

    @strawberry.field(
        description=(
            "The times the offering is available in a window (at most 366 days): the "
            "occurrences of its schedules and its bookable slots, by start. Remaining places "
            "are refreshed from sources that publish them live."
        )
    )
    async def availability(
        self,
        info: Info,
        from_: Annotated[
            datetime,
            strawberry.argument(name="from", description="Window start, with a UTC offset."),
        ],
        to: Annotated[datetime, strawberry.argument(description="Window end (excluded).")],
    ) -> list[AvailabilitySlot]:
        window = Window.of(from_, to, "availability")
        entries = await availability.availability(info.context, self.id, window)
        return [AvailabilitySlot.of(entry) for entry in entries]

    @strawberry.field(
        description="Whether the offering is open (a schedule occurrence or a slot) at a time."
    )
    async def open_at(
        self,
        info: Info,
        time: Annotated[datetime, strawberry.argument(description="The time, with a UTC offset.")],
    ) -> bool:
        return await availability.is_open(info.context, self.id, time)

    @classmethod
    def from_row(cls, row: OfferingRow) -> Offering:
        return cls(
            id=row.id or 0,
            row=row,
            area=row.area,
            delivery_mode=row.delivery_mode,
            status=row.status,
            is_free=row.is_free,
            min_price=_euro(row.min_price_cents),
            beneficiary_discount_percent=row.beneficiary_discount_percent,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            booking_url=row.booking_url,
            email=row.email,
            in_district=row.in_district,
        )


def _provider(row: ProviderRow | None) -> Provider:
    if row is None:  # a foreign key guarantees the provider; this is a broken database
        raise LookupError("offering without provider")
    return Provider.from_row(row)


@strawberry.type(description="A page of offerings (Relay connection).")
class OfferingConnection:
    page: strawberry.Private[Page[OfferingRow]]

    @strawberry.field(description=PAGE_INFO)
    async def page_info(self) -> relay.PageInfo:
        return await page_info(self.page)

    edges: list[relay.Edge[Offering]] = strawberry.field(description=EDGES)

    @strawberry.field(description="Number of offerings matching the filter, over all pages.")
    async def total_count(self) -> int:
        return await self.page.total()

    @strawberry.field(description=NODES)
    def nodes(self) -> list[Offering]:
        return [edge.node for edge in self.edges]

    @classmethod
    def build(cls, page: Page[OfferingRow]) -> OfferingConnection:
        return cls(page=page, edges=edges(page, Offering.from_row))
