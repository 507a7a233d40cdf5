from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from models.enums import Area
from models.records import (
    CostOptionRecord,
    LocationRecord,
    OfferingRecord,
    ProviderRecord,
    ScheduleRecord,
)
from models.validation import (
    InvalidRecord,
    check,
    check_location,
    check_offering,
    check_provider,
    check_schedule,
    normalise_vat,
    offering_area,
)

PROVIDER = ProviderRecord(external_id="org-1", name="Cooperativa Isola")
OFFERING = OfferingRecord(
    external_id="svc-1",
    provider_external_id="org-1",
    title_it="Corso di ceramica",
    categories=("courses",),
)


def test_valid_partita_iva_is_kept() -> None:
    record = replace(PROVIDER, vat_number="12345670017")

    assert check_provider(record) is record


@pytest.mark.parametrize("vat", ["IT12345670017", "123 456 700 17", "IT 12345670017"])
def test_partita_iva_is_normalised_to_its_eleven_digits(vat: str) -> None:
    assert check_provider(replace(PROVIDER, vat_number=vat)).vat_number == "12345670017"
    assert normalise_vat(vat) == "12345670017"


@pytest.mark.parametrize(
    ("vat", "reason"),
    [
        ("12345670018", "checksum"),
        ("1234567001", "length"),
        ("ABCDEFGHIJK", "format"),
        ("00000000000", "format"),
    ],
)
def test_invalid_partita_iva_is_rejected(vat: str, reason: str) -> None:
    with pytest.raises(InvalidRecord, match=f"^invalid partita IVA '{vat}': .*{reason}"):
        check_provider(replace(PROVIDER, vat_number=vat))


def test_provider_without_vat_number_passes() -> None:
    record = PROVIDER

    assert check_provider(record) is record


@pytest.mark.parametrize("code", ["88", "88.9", "88.91", "88.91.00", "85.59.2"])
def test_ateco_codes_of_one_to_three_levels_pass(code: str) -> None:
    assert check_provider(replace(PROVIDER, ateco_code=code)).ateco_code == code


@pytest.mark.parametrize("code", ["8", "889", "88.", "88.911", "88.91.00.1", "Q88.91", "88,91"])
def test_malformed_ateco_code_is_rejected(code: str) -> None:
    with pytest.raises(InvalidRecord, match=f"^invalid ATECO code '{code}'$"):
        check_provider(replace(PROVIDER, ateco_code=code))


def test_provider_with_blank_name_is_rejected() -> None:
    with pytest.raises(InvalidRecord, match=r"^provider has no name$"):
        check_provider(replace(PROVIDER, name="   "))


@pytest.mark.parametrize("email", ["info@coop", "info coop@example.it", "@example.it", "info"])
def test_bad_provider_email_is_rejected(email: str) -> None:
    with pytest.raises(InvalidRecord, match=f"^invalid e-mail address '{email}'$"):
        check_provider(replace(PROVIDER, email=email))


def test_location_inside_coordinate_ranges_passes() -> None:
    record = LocationRecord(external_id="loc-1", latitude=-90.0, longitude=180.0, cap="20159")

    assert check_location(record) is record


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (45.48, None, "^location has only one of latitude and longitude$"),
        (None, 9.19, "^location has only one of latitude and longitude$"),
        (90.5, 9.19, "^latitude 90.5 is out of range$"),
        (-91.0, 9.19, "^latitude -91.0 is out of range$"),
        (45.48, 180.01, "^longitude 180.01 is out of range$"),
        (45.48, -181.0, "^longitude -181.0 is out of range$"),
    ],
)
def test_bad_coordinates_are_rejected(
    latitude: float | None, longitude: float | None, message: str
) -> None:
    record = LocationRecord(external_id="loc-1", latitude=latitude, longitude=longitude)

    with pytest.raises(InvalidRecord, match=message):
        check_location(record)


@pytest.mark.parametrize("cap", ["2015", "201590", "2O159", "20 159", ""])
def test_malformed_cap_is_rejected(cap: str) -> None:
    with pytest.raises(InvalidRecord, match=f"^invalid CAP '{cap}'$"):
        check_location(LocationRecord(external_id="loc-1", cap=cap))


def test_offering_area_follows_from_its_categories() -> None:
    record = replace(OFFERING, categories=("fitness-sport", "mind-body"))

    assert offering_area(record) is Area.HEALTH_WELLBEING
    assert check_offering(record) is record


def test_offering_without_category_is_rejected() -> None:
    with pytest.raises(InvalidRecord, match=r"^offering has no category$"):
        check_offering(replace(OFFERING, categories=()))


def test_offering_with_unknown_categories_names_them() -> None:
    with pytest.raises(InvalidRecord, match=r"^unknown categories: knitting, sailing$"):
        check_offering(replace(OFFERING, categories=("courses", "knitting", "sailing")))


def test_offering_whose_categories_span_two_areas_is_rejected() -> None:
    with pytest.raises(
        InvalidRecord, match=r"^categories span several areas: FAMILY_CARE, LEISURE_WORK_LIFE$"
    ):
        check_offering(replace(OFFERING, categories=("courses", "babysitting")))


def test_offering_without_italian_title_is_rejected() -> None:
    with pytest.raises(InvalidRecord, match=r"^offering has no Italian title$"):
        check_offering(replace(OFFERING, title_it=" "))


@pytest.mark.parametrize("discount", [1, 50, 100])
def test_discount_within_range_passes(discount: int) -> None:
    record = replace(OFFERING, beneficiary_discount_percent=discount)

    assert check_offering(record) is record


@pytest.mark.parametrize("discount", [0, -5, 101])
def test_discount_out_of_range_is_rejected(discount: int) -> None:
    with pytest.raises(InvalidRecord, match=f"^beneficiary discount {discount}% is out of range$"):
        check_offering(replace(OFFERING, beneficiary_discount_percent=discount))


def test_free_and_unknown_prices_pass() -> None:
    record = replace(OFFERING, cost_options=(CostOptionRecord(amount_cents=0), CostOptionRecord()))

    assert check_offering(record) is record


def test_negative_price_is_rejected() -> None:
    options = (CostOptionRecord(amount_cents=1000), CostOptionRecord(amount_cents=-1))

    with pytest.raises(InvalidRecord, match=r"^a cost option has a negative amount$"):
        check_offering(replace(OFFERING, cost_options=options))


def test_bad_offering_email_is_rejected() -> None:
    with pytest.raises(InvalidRecord, match=r"^invalid e-mail address 'corsi@isola'$"):
        check_offering(replace(OFFERING, email="corsi@isola"))


def test_check_dispatches_on_the_kind_of_record() -> None:
    assert check(replace(PROVIDER, vat_number="IT12345670017")) == replace(
        PROVIDER, vat_number="12345670017"
    )
    with pytest.raises(InvalidRecord, match="CAP"):
        check(LocationRecord(external_id="loc-1", cap="abc"))
    with pytest.raises(InvalidRecord, match="no category"):
        check(replace(OFFERING, categories=()))


START = datetime(2026, 10, 6, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        (ScheduleRecord(START, rrule="FREQ=WEEKLY;BYDAY=TU,TH"), None),
        (ScheduleRecord(START, rrule="FREQ=MINUTELY"), None),  # dense, still valid
        (ScheduleRecord(START, START - timedelta(hours=1)), "schedule ends before it starts"),
        (ScheduleRecord(START, timezone="Europe/Atlantis"), "unknown time zone"),
        (ScheduleRecord(START, rrule="FREQ=SOMETIMES"), "invalid RRULE"),
        (
            ScheduleRecord(START, rrule="FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000Z"),
            "both COUNT and UNTIL",
        ),
        (ScheduleRecord(START, rrule="FREQ=DAILY;INTERVAL=0"), "invalid RRULE"),
        (
            ScheduleRecord(datetime(9999, 12, 31, 23, tzinfo=UTC), rrule="FREQ=DAILY"),
            "out of the range of dates",
        ),
    ],
)
def test_schedules_must_be_expandable(schedule: ScheduleRecord, reason: str | None) -> None:
    if reason is None:
        check_schedule(schedule)
        return
    with pytest.raises(InvalidRecord, match=reason):
        check_schedule(schedule)
