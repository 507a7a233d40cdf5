"""The registry's mutations: inputs and payloads (Relay style: one input, a payload with
the changed object and the user errors), and the Mutation root."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.scalars import JSON

from models import EligibilityRule as RuleRow
from models import Location as LocationRow
from models import Offering as OfferingRow
from models import Provider as ProviderRow
from models.catalogue import PROVIDER_FIELDS
from models.editing import RuleTarget
from models.enums import Area, DeliveryMode, OfferingStatus
from models.records import CostOptionRecord, ScheduleRecord
from resolvers import editing
from resolvers.editing import Edited
from resolvers.errors import BadUserInput
from schema.eligibility import EligibilityRule
from schema.info import Info
from schema.location import Location
from schema.offering import Offering
from schema.provider import Provider

T = TypeVar("T")
UNSET: Any = strawberry.UNSET
_INPUT = strawberry.argument(description="What to write (the input's fields say how).")


@strawberry.enum(description="Why an edit was not made.")
class UserErrorCode(enum.Enum):
    INVALID = strawberry.enum_value("INVALID", description="A value is not acceptable.")
    DUPLICATE = strawberry.enum_value(
        "DUPLICATE", description="It exists already (a partita IVA, a rule's key)."
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT",
        description="The object changed since the `version` the edit names: read it again.",
    )
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="The object does not exist.")
    NOT_EDITABLE = strawberry.enum_value(
        "NOT_EDITABLE",
        description="Stored before the registry could edit it: editable after its next sync.",
    )


@strawberry.type(description="Why an edit was not made, and which input field is at fault.")
class UserError:
    field: list[str] = strawberry.field(
        description="The path of the input field at fault (empty when it is the whole input)."
    )
    code: UserErrorCode = strawberry.field(description="What went wrong.")
    message: str = strawberry.field(description="What went wrong, for people.")


def _errors(done: Edited) -> list[UserError]:
    return [
        UserError(field=[_camel(f) for f in p.field], code=UserErrorCode(p.code), message=p.message)
        for p in done.problems
    ]


async def _current(
    info: Info, done: Edited, model: type[Any], wrap: Callable[[Any], T]
) -> T | None:
    """The edited object as it now stands, read afresh (the request's loaders may hold it
    as it was); None when there is none."""
    row = await editing.rows_by_id(info.context, model, done.id)
    return None if row is None else wrap(row)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _changes(input: object, names: Iterable[str]) -> dict[str, Any]:
    """The input's fields that were given (null included): the records' fields of the
    same names (models.records)."""
    return {name: getattr(input, name) for name in names if getattr(input, name) is not UNSET}


# Providers -----------------------------------------------------------------------------


@strawberry.input(description="A provider's fields; left out ones stay as they are.")
class _ProviderFields:
    name: str | None = strawberry.field(default=UNSET, description="The organisation's name.")
    legal_form: str | None = strawberry.field(default=UNSET, description="Legal form, e.g. APS.")
    vat_number: str | None = strawberry.field(
        default=UNSET, description="Partita IVA (checked): one provider per partita IVA."
    )
    alliance_member: bool | None = strawberry.field(
        default=UNSET, description="Whether it is a member of the alliance (admins only)."
    )
    ateco_code: str | None = strawberry.field(default=UNSET, description="ATECO activity code.")
    description: str | None = strawberry.field(default=UNSET, description="What it does.")
    website: str | None = strawberry.field(default=UNSET, description="Website URL.")
    email: str | None = strawberry.field(default=UNSET, description="Contact e-mail address.")
    phone: str | None = strawberry.field(default=UNSET, description="Contact phone number.")


@strawberry.input(description="A new provider of the registry (admins: a new alliance member).")
class CreateProviderInput(_ProviderFields):
    name: str = strawberry.field(description="The organisation's name.")


@strawberry.input(
    description=(
        "Fields to set on a provider; left out fields stay. The registry's values win over "
        "every source's (a null leaves the field to the sources)."
    )
)
class UpdateProviderInput(_ProviderFields):
    id: strawberry.ID = strawberry.field(description="The provider's global ID.")
    version: int = strawberry.field(description="The `version` the edit starts from.")


@strawberry.input(description="A provider to deactivate or reactivate (admins only).")
class ProviderActivityInput:
    id: strawberry.ID = strawberry.field(description="The provider's global ID.")
    version: int = strawberry.field(description="The `version` the edit starts from.")


@strawberry.type(description="The outcome of a provider mutation.")
class ProviderPayload:
    provider: Provider | None = strawberry.field(
        description="The provider as it now stands (null if it does not exist)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the edit was not made; empty when it was."
    )


async def _provider_payload(info: Info, done: Edited) -> ProviderPayload:
    provider = await _current(info, done, ProviderRow, Provider.from_row)
    return ProviderPayload(provider=provider, user_errors=_errors(done))


# Locations -----------------------------------------------------------------------------


@strawberry.input(description="A place's fields; left out ones stay as they are.")
class _LocationFields:
    name: str | None = strawberry.field(default=UNSET, description="The place's name.")
    address: str | None = strawberry.field(default=UNSET, description="Street and number.")
    cap: str | None = strawberry.field(default=UNSET, description="Postal code (CAP).")
    city: str | None = strawberry.field(default=UNSET, description="City or town.")
    province: str | None = strawberry.field(default=UNSET, description="Province code, e.g. MI.")
    latitude: float | None = strawberry.field(default=UNSET, description="WGS84 latitude.")
    longitude: float | None = strawberry.field(default=UNSET, description="WGS84 longitude.")
    accessibility: str | None = strawberry.field(default=UNSET, description="Accessibility notes.")


@strawberry.input(description="A new place of a provider, in the registry.")
class CreateLocationInput(_LocationFields):
    provider_id: strawberry.ID = strawberry.field(description="The provider's global ID.")


@strawberry.input(
    description=(
        "Fields to set on a location; left out fields stay. On a source's location they "
        "override what the source says, at every later sync too."
    )
)
class UpdateLocationInput(_LocationFields):
    id: strawberry.ID = strawberry.field(description="The location's global ID.")
    version: int = strawberry.field(description="The `version` the edit starts from.")


@strawberry.type(description="The outcome of a location mutation.")
class LocationPayload:
    location: Location | None = strawberry.field(
        description="The location as it now stands (null if it does not exist)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the edit was not made; empty when it was."
    )


async def _location_payload(info: Info, done: Edited) -> LocationPayload:
    location = await _current(info, done, LocationRow, Location.from_row)
    return LocationPayload(location=location, user_errors=_errors(done))


# Offerings -----------------------------------------------------------------------------


@strawberry.input(description="One way of paying for an offering.")
class CostOptionInput:
    label: str | None = strawberry.field(default=None, description="What the price is for.")
    amount: Decimal | None = strawberry.field(
        default=None, description="The price in euro (0 when free; null when not published)."
    )
    currency: str = strawberry.field(default="EUR", description="ISO 4217 currency code.")
    description: str | None = strawberry.field(default=None, description="Conditions.")

    def record(self) -> CostOptionRecord:
        cents = None
        if self.amount is not None:
            try:
                cents = int((self.amount * 100).to_integral_value())
            except (InvalidOperation, OverflowError):
                raise BadUserInput("a cost option's amount is not a number of euro") from None
        return CostOptionRecord(self.label, cents, self.currency, self.description)


@strawberry.input(
    description=(
        "When an offering runs (RFC 5545): a first occurrence, repeated by an RRULE, in "
        "Europe/Rome's time."
    )
)
class ScheduleInput:
    start: datetime = strawberry.field(description="The first occurrence's start.")
    end: datetime | None = strawberry.field(default=None, description="Its end.")
    rrule: str | None = strawberry.field(
        default=None, description="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,WE."
    )
    exdates: list[datetime] = strawberry.field(
        default_factory=list, description="Occurrences that do not take place."
    )
    description: str | None = strawberry.field(default=None, description="A note, e.g. 'Corso'.")

    def record(self) -> ScheduleRecord:
        for moment in (self.start, self.end, *self.exdates):
            if moment is not None and moment.utcoffset() is None:
                raise BadUserInput("schedule times need a UTC offset")
        return ScheduleRecord(
            start=self.start,
            end=self.end,
            rrule=self.rrule,
            exdates=tuple(self.exdates),
            description=self.description,
        )


@strawberry.input(description="An offering's fields; left out ones stay as they are.")
class _OfferingFields:
    title_it: str | None = strawberry.field(default=UNSET, description="The title in Italian.")
    title_en: str | None = strawberry.field(default=UNSET, description="The title in English.")
    description_it: str | None = strawberry.field(default=UNSET, description="Italian text.")
    description_en: str | None = strawberry.field(default=UNSET, description="English text.")
    categories: list[str] | None = strawberry.field(
        default=UNSET, description="Category codes (`categories` lists them); they decide the area."
    )
    delivery_mode: DeliveryMode | None = strawberry.field(
        default=UNSET, description="Where it is delivered (IN_PERSON for a new offering)."
    )
    languages: list[str] | None = strawberry.field(
        default=UNSET, description="Languages it is delivered in (ISO 639-1)."
    )
    cost_options: list[CostOptionInput] | None = strawberry.field(
        default=UNSET, description="Its prices (all of them)."
    )
    beneficiary_discount_percent: float | None = strawberry.field(
        default=UNSET, description="Discount for beneficiaries, in percent."
    )
    valid_from: date | None = strawberry.field(default=UNSET, description="First valid day.")
    valid_until: date | None = strawberry.field(default=UNSET, description="Last valid day.")
    booking_url: str | None = strawberry.field(default=UNSET, description="Where to book.")
    email: str | None = strawberry.field(default=UNSET, description="Contact e-mail address.")
    schedules: list[ScheduleInput] | None = strawberry.field(
        default=UNSET, description="When it runs (all of its schedules)."
    )
    min_age: int | None = strawberry.field(default=UNSET, description="Minimum age.")
    max_age: int | None = strawberry.field(default=UNSET, description="Maximum age.")
    eligibility_description: str | None = strawberry.field(
        default=UNSET, description="Who may use it, in words."
    )
    location_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET,
        description="The registry's locations where it is delivered (registry offerings only).",
    )


_LOCATION_RECORD_FIELDS = list(_LocationFields.__annotations__)
# What the offerings' inputs set of a record (location_ids are resolved to places apart).
_OFFERING_RECORD_FIELDS = [
    name for name in _OfferingFields.__annotations__ if name != "location_ids"
]


def _offering_changes(input: _OfferingFields) -> dict[str, Any]:
    changes = _changes(input, _OFFERING_RECORD_FIELDS)
    for name in ("categories", "languages"):
        if name in changes:
            changes[name] = tuple(changes[name] or ())
    if "cost_options" in changes:
        changes["cost_options"] = tuple(o.record() for o in changes["cost_options"] or ())
    if "schedules" in changes:
        changes["schedules"] = tuple(s.record() for s in changes["schedules"] or ())
    if "delivery_mode" in changes and changes["delivery_mode"] is None:
        raise BadUserInput("deliveryMode cannot be null")
    return changes


def _locations(input: _OfferingFields) -> list[str] | None:
    ids = input.location_ids
    return None if ids is UNSET or ids is None else [str(id_) for id_ in ids]


@strawberry.input(description="A new offering of a provider, in the registry.")
class CreateOfferingInput(_OfferingFields):
    provider_id: strawberry.ID = strawberry.field(description="The provider's global ID.")
    title_it: str = strawberry.field(description="The title in Italian.")
    categories: list[str] = strawberry.field(
        description="Category codes (`categories` lists them); they decide the area."
    )


@strawberry.input(
    description=(
        "Fields to set on an offering; left out fields stay. On a source's offering they "
        "override what the source says, at every later sync too (`restoreFromSource` drops "
        "overrides)."
    )
)
class UpdateOfferingInput(_OfferingFields):
    id: strawberry.ID = strawberry.field(description="The offering's global ID.")
    version: int = strawberry.field(description="The `version` the edit starts from.")
    restore_from_source: list[str] | None = strawberry.field(
        default=UNSET,
        description="Fields (e.g. `title_it`, `cost_options`) whose overrides to drop.",
    )


@strawberry.input(description="An offering whose status to change.")
class OfferingStatusInput:
    id: strawberry.ID = strawberry.field(description="The offering's global ID.")
    version: int = strawberry.field(description="The `version` the edit starts from.")


@strawberry.type(description="The outcome of an offering mutation.")
class OfferingPayload:
    offering: Offering | None = strawberry.field(
        description="The offering as it now stands (null if it does not exist)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the edit was not made; empty when it was."
    )


async def _offering_payload(info: Info, done: Edited) -> OfferingPayload:
    offering = await _current(info, done, OfferingRow, Offering.from_row)
    return OfferingPayload(offering=offering, user_errors=_errors(done))


# Rules ---------------------------------------------------------------------------------


@strawberry.input(
    description=(
        "A registry eligibility rule (the same as `concilia rules import` writes): attached "
        "to exactly one of an area (admins only), a provider or an offering."
    )
)
class SetEligibilityRuleInput:
    key: str = strawberry.field(description="The rule's unique, stable name.")
    rule: JSON = strawberry.field(description="The rule, in the rule language (README).")
    area: Area | None = strawberry.field(default=None, description="An area's rule.")
    provider_id: strawberry.ID | None = strawberry.field(
        default=None, description="A provider's rule."
    )
    offering_id: strawberry.ID | None = strawberry.field(
        default=None, description="An offering's rule."
    )
    description_it: str | None = strawberry.field(default=None, description="In Italian.")
    description_en: str | None = strawberry.field(default=None, description="In English.")
    version: int | None = strawberry.field(
        default=None, description="The existing rule's `version`, to replace it."
    )


@strawberry.input(description="A registry rule to delete.")
class RemoveEligibilityRuleInput:
    key: str = strawberry.field(description="The rule's key.")
    version: int = strawberry.field(description="The `version` the edit starts from.")


@strawberry.type(description="The outcome of a rule mutation.")
class EligibilityRulePayload:
    rule: EligibilityRule | None = strawberry.field(
        description="The rule as it now stands (null once removed)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the edit was not made; empty when it was."
    )


def _target(input: SetEligibilityRuleInput) -> RuleTarget:
    given = [v for v in (input.area, input.provider_id, input.offering_id) if v is not None]
    if len(given) != 1:
        raise BadUserInput("give exactly one of area, providerId and offeringId")
    return RuleTarget(
        area=input.area,
        provider_id=None
        if input.provider_id is None
        else editing.object_id(input.provider_id, "Provider"),
        offering_id=None
        if input.offering_id is None
        else editing.object_id(input.offering_id, "Offering"),
    )


async def _rule_payload(info: Info, done: Edited) -> EligibilityRulePayload:
    rule = await _current(info, done, RuleRow, EligibilityRule.from_row)
    return EligibilityRulePayload(rule=rule, user_errors=_errors(done))


async def _status(info: Info, input: OfferingStatusInput, status: OfferingStatus) -> Edited:
    return await editing.update_offering(info.context, input.id, input.version, {"status": status})


@strawberry.type(
    description=(
        "Writing the hub's registry (an API key with the editor or admin role: an editor "
        "writes only its own provider's records)."
    )
)
class Mutation:
    @strawberry.mutation(description="Record a new provider (admins).")
    async def create_provider(
        self, info: Info, input: Annotated[CreateProviderInput, _INPUT]
    ) -> ProviderPayload:
        done = await editing.create_provider(info.context, _changes(input, PROVIDER_FIELDS))
        return await _provider_payload(info, done)

    @strawberry.mutation(description="Set fields of a provider (its editors, admins).")
    async def update_provider(
        self, info: Info, input: Annotated[UpdateProviderInput, _INPUT]
    ) -> ProviderPayload:
        changes = _changes(input, PROVIDER_FIELDS)
        done = await editing.update_provider(info.context, input.id, input.version, changes)
        return await _provider_payload(info, done)

    @strawberry.mutation(
        description="Deactivate a provider: its offerings show SUSPENDED until reactivated."
    )
    async def deactivate_provider(
        self, info: Info, input: Annotated[ProviderActivityInput, _INPUT]
    ) -> ProviderPayload:
        done = await editing.set_provider_active(info.context, input.id, input.version, False)
        return await _provider_payload(info, done)

    @strawberry.mutation(description="Reactivate a deactivated provider.")
    async def reactivate_provider(
        self, info: Info, input: Annotated[ProviderActivityInput, _INPUT]
    ) -> ProviderPayload:
        done = await editing.set_provider_active(info.context, input.id, input.version, True)
        return await _provider_payload(info, done)

    @strawberry.mutation(description="Add a place to a provider.")
    async def create_location(
        self, info: Info, input: Annotated[CreateLocationInput, _INPUT]
    ) -> LocationPayload:
        fields = _changes(input, _LOCATION_RECORD_FIELDS)
        done = await editing.create_location(info.context, input.provider_id, fields)
        return await _location_payload(info, done)

    @strawberry.mutation(description="Set fields of a location.")
    async def update_location(
        self, info: Info, input: Annotated[UpdateLocationInput, _INPUT]
    ) -> LocationPayload:
        changes = _changes(input, _LOCATION_RECORD_FIELDS)
        done = await editing.update_location(info.context, input.id, input.version, changes)
        return await _location_payload(info, done)

    @strawberry.mutation(description="Add an offering to a provider (it shows at once).")
    async def create_offering(
        self, info: Info, input: Annotated[CreateOfferingInput, _INPUT]
    ) -> OfferingPayload:
        fields = _offering_changes(input)
        done = await editing.create_offering(
            info.context, input.provider_id, fields, _locations(input) or []
        )
        return await _offering_payload(info, done)

    @strawberry.mutation(description="Set fields of an offering, its schedules and prices.")
    async def update_offering(
        self, info: Info, input: Annotated[UpdateOfferingInput, _INPUT]
    ) -> OfferingPayload:
        changes = _offering_changes(input)
        restore = input.restore_from_source
        done = await editing.update_offering(
            info.context,
            input.id,
            input.version,
            changes,
            None if restore is UNSET else restore,
            _locations(input),
        )
        return await _offering_payload(info, done)

    @strawberry.mutation(description="Suspend an offering (it stays listed as SUSPENDED).")
    async def suspend_offering(
        self, info: Info, input: Annotated[OfferingStatusInput, _INPUT]
    ) -> OfferingPayload:
        return await _offering_payload(info, await _status(info, input, OfferingStatus.SUSPENDED))

    @strawberry.mutation(
        description="Withdraw an offering (kept, hidden by default; never deleted)."
    )
    async def withdraw_offering(
        self, info: Info, input: Annotated[OfferingStatusInput, _INPUT]
    ) -> OfferingPayload:
        return await _offering_payload(info, await _status(info, input, OfferingStatus.WITHDRAWN))

    @strawberry.mutation(description="Make a suspended or withdrawn offering active again.")
    async def reinstate_offering(
        self, info: Info, input: Annotated[OfferingStatusInput, _INPUT]
    ) -> OfferingPayload:
        return await _offering_payload(info, await _status(info, input, OfferingStatus.ACTIVE))

    @strawberry.mutation(description="Create or replace a registry eligibility rule.")
    async def set_eligibility_rule(
        self, info: Info, input: Annotated[SetEligibilityRuleInput, _INPUT]
    ) -> EligibilityRulePayload:
        done = await editing.set_rule(
            info.context,
            input.key.strip(),
            _target(input),
            input.rule,
            (input.description_it, input.description_en),
            input.version,
        )
        return await _rule_payload(info, done)

    @strawberry.mutation(description="Delete a registry eligibility rule.")
    async def remove_eligibility_rule(
        self, info: Info, input: Annotated[RemoveEligibilityRuleInput, _INPUT]
    ) -> EligibilityRulePayload:
        done = await editing.remove_rule(info.context, input.key, input.version)
        return await _rule_payload(info, done)
