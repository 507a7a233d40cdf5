"""The records every writer hands the catalogue (models.catalogue): an organisation, a
place, a service and its occurrences, as a source or the registry states them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

import orjson
from pydantic import TypeAdapter

from models.enums import DeliveryMode, OfferingStatus


@dataclass(frozen=True, slots=True)
class ProviderRecord:
    """An organisation as read from a source."""

    external_id: str
    name: str
    legal_form: str | None = None
    vat_number: str | None = None
    alliance_member: bool = False
    ateco_code: str | None = None
    description: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class LocationRecord:
    """A place as read from a source."""

    external_id: str
    provider_external_id: str | None = None
    name: str | None = None
    address: str | None = None
    cap: str | None = None
    city: str | None = None
    province: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    accessibility: str | None = None


@dataclass(frozen=True, slots=True)
class CostOptionRecord:
    """One price of an offering; `amount_cents` 0 means free, None unknown."""

    label: str | None = None
    amount_cents: int | None = None
    currency: str = "EUR"
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduleRecord:
    """When an offering runs (RFC 5545 section 3.6.1): a first occurrence, optionally
    repeated by an RRULE, with added (RDATE) and excluded (EXDATE) occurrences.

    Times are aware datetimes; `timezone` names the zone the recurrence is computed in
    (Europe/Rome unless the source says otherwise), so that it stays DST-correct.
    """

    start: datetime
    end: datetime | None = None
    rrule: str | None = None
    rdates: tuple[datetime, ...] = ()
    exdates: tuple[datetime, ...] = ()
    all_day: bool = False
    timezone: str = "Europe/Rome"
    description: str | None = None


@dataclass(frozen=True, slots=True)
class OfferingRecord:
    """A service as read from a source; its area follows from its categories."""

    external_id: str
    provider_external_id: str
    title_it: str
    title_en: str | None = None
    description_it: str | None = None
    description_en: str | None = None
    categories: tuple[str, ...] = ()
    delivery_mode: DeliveryMode = DeliveryMode.IN_PERSON
    status: OfferingStatus = OfferingStatus.ACTIVE
    languages: tuple[str, ...] = ()
    cost_options: tuple[CostOptionRecord, ...] = ()
    beneficiary_discount_percent: float | None = None
    # The days the offer is valid, both included (a spreadsheet's "Dal" and "Al").
    valid_from: date | None = None
    valid_until: date | None = None
    booking_url: str | None = None
    email: str | None = None
    location_external_ids: tuple[str, ...] = ()
    schedules: tuple[ScheduleRecord, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    eligibility_description: str | None = None
    # Who may use it, as an eligibility rule (the JSON of models.eligibility), when the
    # source says so in a structured way; min_age/max_age add to it (models.audience).
    eligibility: str | None = None
    last_modified: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class SlotRecord:
    """A bookable occurrence of an offering (OpenActive ScheduledSession or Slot)."""

    external_id: str
    offering_external_id: str
    start: datetime
    end: datetime | None = None
    capacity: int | None = None
    remaining: int | None = None
    cancelled: bool = False
    last_modified: datetime | None = field(default=None, compare=False)


Record = ProviderRecord | LocationRecord | OfferingRecord | SlotRecord


def content_hash(record: Record) -> str:
    """A stable hash of a record's content, used to skip unchanged records.

    `last_modified` is left out: a source re-stamping an unchanged record is no change.
    (orjson serialises dataclasses, tuples, enums and datetimes itself, in field order.)
    """
    if isinstance(record, OfferingRecord | SlotRecord) and record.last_modified is not None:
        record = replace(record, last_modified=None)
    return hashlib.sha256(orjson.dumps(record)).hexdigest()


R = TypeVar("R", ProviderRecord, LocationRecord, OfferingRecord, SlotRecord)


def record_json(record: Record) -> dict[str, Any]:
    """A record as JSON values (what a row keeps of what its writer said)."""
    data: dict[str, Any] = json_values(record)
    return data


def json_values(value: Any) -> Any:
    """Record values (records, tuples, enums, dates and times) as JSON values."""
    return orjson.loads(orjson.dumps(value))


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def load_record(kind: type[R], data: dict[str, Any]) -> R:
    """A record from its JSON values (record_json's inverse)."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    loaded: R = adapter.validate_python(data)
    return loaded


def apply_overrides(record: R, overrides: dict[str, Any]) -> R:
    """The record with some fields set by the registry (JSON values, as record_json)."""
    if not overrides:
        return record
    return load_record(type(record), {**record_json(record), **overrides})
