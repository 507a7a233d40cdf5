"""Checks every record passes before the sync engine stores it, whatever its connector."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import SQLModel
from stdnum.exceptions import ValidationError
from stdnum.it import iva

from models import CostOption, Location, Offering, OfferingLanguage, Provider, Schedule, Slot
from models.audience import source_rule
from models.eligibility import RuleError
from models.enums import Area
from models.records import (
    LocationRecord,
    OfferingRecord,
    ProviderRecord,
    Record,
    ScheduleRecord,
    SlotRecord,
)
from models.recurrence import RecurrenceError, TooManyOccurrences, expand
from models.taxonomy import CATEGORY_INFO
from models.types import table_of

# Amounts are stored in euro cents in a 32-bit integer column.
MAX_AMOUNT_CENTS = 2**31 - 2
MAX_PLACES = 100_000
MAX_AGE = 120

_ATECO = re.compile(r"^\d{2}(\.\d{1,2}){0,2}$")
_CAP = re.compile(r"^\d{5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidRecord(ValueError):
    """A record that breaks a rule of the model; the sync engine quarantines it, and an
    edit reports it on `field` (the record's field at fault, when one is)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalise_vat(value: str) -> str:
    """The 11-digit partita IVA, checksum verified, however it is written (an IT prefix,
    spaces, dots or dashes; a leading zero a spreadsheet dropped by reading it as a
    number); raises InvalidRecord otherwise."""
    compact = str(iva.compact(value))
    if compact.isdigit() and len(compact) < 11 and iva.is_valid(compact.zfill(11)):
        compact = compact.zfill(11)
    try:
        return str(iva.validate(compact))
    except ValidationError as error:
        raise InvalidRecord(f"invalid partita IVA {value!r}: {error}", "vat_number") from None


def check_provider(record: ProviderRecord) -> ProviderRecord:
    if not record.name.strip():
        raise InvalidRecord("provider has no name", "name")
    if record.ateco_code is not None and not _ATECO.match(record.ateco_code):
        raise InvalidRecord(f"invalid ATECO code {record.ateco_code!r}", "ateco_code")
    _check_email(record.email)
    if record.vat_number is None:
        return record
    vat = normalise_vat(record.vat_number)
    if vat == record.vat_number:
        return record
    return replace(record, vat_number=vat)


def check_location(record: LocationRecord) -> LocationRecord:
    lat, lon = record.latitude, record.longitude
    if (lat is None) != (lon is None):
        raise InvalidRecord("location has only one of latitude and longitude", "latitude")
    if lat is not None and not -90 <= lat <= 90:
        raise InvalidRecord(f"latitude {lat} is out of range", "latitude")
    if lon is not None and not -180 <= lon <= 180:
        raise InvalidRecord(f"longitude {lon} is out of range", "longitude")
    if record.cap is not None and not _CAP.match(record.cap):
        raise InvalidRecord(f"invalid CAP {record.cap!r}", "cap")
    return record


def offering_area(record: OfferingRecord) -> Area:
    """The one area of an offering's categories; raises InvalidRecord when there is none."""
    if not record.categories:
        raise InvalidRecord("offering has no category", "categories")
    unknown = [code for code in record.categories if code not in CATEGORY_INFO]
    if unknown:
        raise InvalidRecord(f"unknown categories: {', '.join(unknown)}", "categories")
    areas = {CATEGORY_INFO[code].area for code in record.categories}
    if len(areas) > 1:
        raise InvalidRecord(
            f"categories span several areas: {', '.join(sorted(areas))}", "categories"
        )
    return areas.pop()


def check_offering(record: OfferingRecord) -> OfferingRecord:
    if not record.title_it.strip():
        raise InvalidRecord("offering has no Italian title", "title_it")
    offering_area(record)
    discount = record.beneficiary_discount_percent
    if discount is not None and not (math.isfinite(discount) and 0 < discount <= 100):
        raise InvalidRecord(
            f"beneficiary discount {discount}% is out of range", "beneficiary_discount_percent"
        )
    if discount is not None and round(discount, 2) != discount:
        record = replace(record, beneficiary_discount_percent=round(discount, 2))
    first, last = record.valid_from, record.valid_until
    if first is not None and last is not None and first > last:
        raise InvalidRecord(
            f"valid from {first} until {last}: it ends before it starts", "valid_until"
        )
    for option in record.cost_options:
        if option.amount_cents is not None and option.amount_cents < 0:
            raise InvalidRecord("a cost option has a negative amount", "cost_options")
        if option.amount_cents is not None and option.amount_cents > MAX_AMOUNT_CENTS:
            raise InvalidRecord(
                f"a cost option amount is implausibly large: {option.amount_cents}", "cost_options"
            )
    _check_email(record.email)
    for age in (record.min_age, record.max_age):
        if age is not None and not 0 <= age <= MAX_AGE:
            raise InvalidRecord(f"age {age} is out of range", "min_age")
    low, high = record.min_age, record.max_age
    if low is not None and high is not None and low > high:
        raise InvalidRecord("minimum age is above maximum age", "max_age")
    for schedule in record.schedules:
        check_schedule(schedule)
        _check_lengths(schedule, Schedule)
    try:
        source_rule(record)
    except RuleError as error:
        raise InvalidRecord(f"invalid eligibility rule: {error}", "eligibility") from None
    return record


def check_slot(record: SlotRecord) -> SlotRecord:
    """A slot ends after it starts and has plausible place counts."""
    if record.end is not None and record.end < record.start:
        raise InvalidRecord("slot ends before it starts")
    for name in ("capacity", "remaining"):
        value = getattr(record, name)
        if value is not None and not 0 <= value <= MAX_PLACES:
            raise InvalidRecord(f"slot {name} {value} is out of range")
    capacity, remaining = record.capacity, record.remaining
    if capacity is not None and remaining is not None and remaining > capacity:
        raise InvalidRecord("slot has more remaining places than its capacity")
    return record


def check_schedule(schedule: ScheduleRecord) -> None:
    """A schedule computes: a known time zone, an end after the start, an RRULE (RFC 5545
    3.3.10) the hub can expand, as models.recurrence will when it stores occurrences."""
    try:
        ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRecord(f"unknown time zone {schedule.timezone!r}") from None
    if schedule.end is not None and schedule.end < schedule.start:
        raise InvalidRecord("schedule ends before it starts")
    stored = Schedule.model_validate({"offering_id": 0, **schedule_values(schedule)})
    try:
        expand(stored, schedule.start, schedule.start + timedelta(days=1))
    except OverflowError:
        raise InvalidRecord(
            f"schedule starting {schedule.start.isoformat()} is out of the range of dates"
        ) from None
    except RecurrenceError as error:
        raise InvalidRecord(str(error)) from None
    except TooManyOccurrences:
        pass  # a dense rule is valid; the stored occurrences are bounded elsewhere


def schedule_values(schedule: ScheduleRecord) -> dict[str, object]:
    """A schedule record as the columns of a Schedule row."""
    return {
        "starts_at": schedule.start,
        "ends_at": schedule.end,
        "rrule": schedule.rrule,
        "rdates": " ".join(moment.isoformat() for moment in schedule.rdates),
        "exdates": " ".join(moment.isoformat() for moment in schedule.exdates),
        "all_day": schedule.all_day,
        "timezone": schedule.timezone,
        "description": schedule.description,
    }


def check(record: Record) -> Record:
    """The record, normalised, if it passes its kind's checks; raises InvalidRecord."""
    if isinstance(record, ProviderRecord):
        checked: Record = check_provider(record)
        _check_lengths(checked, Provider)
    elif isinstance(record, LocationRecord):
        checked = check_location(record)
        _check_lengths(checked, Location)
    elif isinstance(record, SlotRecord):
        checked = check_slot(record)
        _check_lengths(checked, Slot)
    else:
        checked = check_offering(record)
        _check_lengths(checked, Offering)
        for option in checked.cost_options:
            _check_lengths(option, CostOption)
        for language in checked.languages:
            _check_length("language", language, _limits(OfferingLanguage)["language"])
    return checked


@cache
def _limits(model: type[SQLModel]) -> dict[str, int]:
    """The maximum length of each string column of a table."""
    table = table_of(model)
    lengths = {column.name: getattr(column.type, "length", None) for column in table.columns}
    return {name: length for name, length in lengths.items() if isinstance(length, int)}


def _check_lengths(record: object, model: type[SQLModel]) -> None:
    """Every text field of `record` fits the column of the same name in `model`."""
    for name, limit in _limits(model).items():
        value = getattr(record, name, None)
        if isinstance(value, str):
            _check_length(name, value, limit)


def _check_length(name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidRecord(f"{name} is longer than {limit} characters: {value[:40]!r}...", name)


def _check_email(email: str | None) -> None:
    if email is not None and not _EMAIL.match(email):
        raise InvalidRecord(f"invalid e-mail address {email!r}", "email")
