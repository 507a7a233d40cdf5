"""Input types: filters and orderings of the root lists."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from resolvers import offerings, providers
from resolvers.nodes import decode_id
from schema.availability import TimeWindow
from schema.eligibility import BeneficiaryProfileInput
from schema.enums import (
    Area,
    DeliveryMode,
    Direction,
    Language,
    OfferingOrderField,
    OfferingStatus,
)


@strawberry.input(description="Conditions on offerings; every condition given must hold.")
class OfferingFilter:
    area: Area | None = strawberry.field(default=None, description="Only this welfare area.")
    category: str | None = strawberry.field(
        default=None, description="Only this category code (see `categories`)."
    )
    provider: strawberry.ID | None = strawberry.field(
        default=None, description="Only offerings of this provider (its ID)."
    )
    alliance_member: bool | None = strawberry.field(
        default=None, description="Only offerings of alliance members (true) or of others (false)."
    )
    in_district: bool | None = strawberry.field(
        default=None,
        description="Only offerings delivered in (true) or outside (false) the district.",
    )
    delivery_mode: DeliveryMode | None = strawberry.field(
        default=None, description="Only this delivery mode."
    )
    language: str | None = strawberry.field(
        default=None, description="Only services delivered in this language (ISO 639-1, e.g. 'en')."
    )
    free_only: bool = strawberry.field(default=False, description="Only free offerings.")
    max_price: Decimal | None = strawberry.field(
        default=None, description="Only offerings with a cost option up to this price in euro."
    )
    text: str | None = strawberry.field(
        default=None,
        description=(
            "Words to find in titles, descriptions, provider and category names, Italian and "
            "English; accents and case are ignored and each word matches word starts "
            "('asilo' finds 'Asilo nido', 'caffe' finds 'caffè')."
        ),
    )
    status: list[OfferingStatus] | None = strawberry.field(
        default=None, description="Only these statuses; by default every status but WITHDRAWN."
    )
    include_expired: bool = strawberry.field(
        default=False,
        description="Also offerings past their `validUntil` day (left out by default).",
    )
    eligible_for: BeneficiaryProfileInput | None = strawberry.field(
        default=None,
        description=(
            "Only offerings this beneficiary may use (verdict ELIGIBLE; see `eligibility` "
            "for the reasons). The profile is used for this request only."
        ),
    )
    include_unknown_eligibility: bool = strawberry.field(
        default=False,
        description=(
            "With `eligibleFor`, also offerings whose verdict is UNKNOWN because the profile "
            "does not say enough (e.g. no ISEE given)."
        ),
    )
    available_between: TimeWindow | None = strawberry.field(
        default=None,
        description=(
            "Only offerings with a schedule occurrence, or a bookable slot with places left, "
            "overlapping this window (at most 366 days)."
        ),
    )
    open_at: datetime | None = strawberry.field(
        default=None,
        description="Only offerings open at this time (a schedule occurrence or slot covers it).",
    )

    def to_filter(self) -> offerings.OfferingFilter:
        return offerings.OfferingFilter(
            area=self.area,
            category=self.category,
            provider_id=decode_id(self.provider, "Provider")[1] if self.provider else None,
            alliance_member=self.alliance_member,
            in_district=self.in_district,
            delivery_mode=self.delivery_mode,
            language=self.language,
            free_only=self.free_only,
            max_price=self.max_price,
            text=self.text,
            statuses=tuple(self.status) if self.status is not None else None,
            include_expired=self.include_expired,
            eligible_for=(
                self.eligible_for.to_filter(self.include_unknown_eligibility)
                if self.eligible_for is not None
                else None
            ),
            available=(
                self.available_between.to_window("availableBetween")
                if self.available_between is not None
                else None
            ),
            open_at=self.open_at,
        )


@strawberry.input(description="How to order offerings.")
class OfferingOrder:
    field: OfferingOrderField = strawberry.field(
        default=OfferingOrderField.TITLE, description="The sort key."
    )
    direction: Direction = strawberry.field(default=Direction.ASC, description="The direction.")
    lang: Language | None = strawberry.field(
        default=None,
        description=(
            "The language of the titles a TITLE ordering sorts (Italian where an offering "
            "has no translation, as `title` shows it); by default the request's "
            "(Accept-Language, else IT). Other orderings ignore it."
        ),
    )

    def to_order(self) -> offerings.OfferingOrder:
        return offerings.OfferingOrder(field=self.field, direction=self.direction, lang=self.lang)


@strawberry.input(description="Conditions on providers; every condition given must hold.")
class ProviderFilter:
    alliance_member: bool | None = strawberry.field(
        default=None, description="Only alliance members (true) or only others (false)."
    )
    text: str | None = strawberry.field(
        default=None, description="Words to find in the name (accents and case ignored)."
    )
    vat_number: str | None = strawberry.field(default=None, description="Exact partita IVA.")

    def to_filter(self) -> providers.ProviderFilter:
        return providers.ProviderFilter(
            alliance_member=self.alliance_member, text=self.text, vat_number=self.vat_number
        )


def offering_query(
    filter: OfferingFilter | None, order_by: OfferingOrder | None
) -> offerings.OfferingQuery:
    """The resolvers' query of the `offerings` field's arguments."""
    return offerings.OfferingQuery(
        filter=filter.to_filter() if filter else offerings.OfferingFilter(),
        order=order_by.to_order() if order_by else offerings.OfferingOrder(),
    )


def provider_filter(filter: ProviderFilter | None) -> providers.ProviderFilter:
    """The resolvers' filter of the `providers` field's argument."""
    return filter.to_filter() if filter else providers.ProviderFilter()
