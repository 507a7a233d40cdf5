from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
import sqlalchemy as sa
from dateutil.rrule import rrulestr
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.fetch import Fetcher, FetchError
from connectors.hsds import (
    HsdsBundle,
    location_record,
    offering_record,
    provider_record,
    schedule_record,
)
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    Record,
    ScheduleRecord,
)
from connectors.sync import sync_source
from models import EligibilityRule, SyncProblem
from models.db import session_factory
from models.enums import DeliveryMode, OfferingStatus
from tests.utils.feeds import (
    Feed,
    Json,
    bundle,
    category,
    cost,
    location,
    organization,
    service,
    source,
)

NO_SITES: dict[str, list[str]] = {}
ROME = ZoneInfo("Europe/Rome")


async def read(feed: Feed) -> list[Record | Problem]:
    """What the bundle connector yields, less its closing checkpoint."""
    async with feed.client() as client:
        items = [item async for item in HsdsBundle(source(), Fetcher(client), {}).records()]
    assert items[-1] == Checkpoint({"etag": None, "last_modified": None})
    return [item for item in items[:-1] if isinstance(item, Record | Problem)]


async def read_document(document: Json) -> list[Record | Problem]:
    return await read(Feed(document))


def test_organization_becomes_a_provider_with_its_extension_and_first_phone() -> None:
    org = organization(
        "org-1",
        "  Cooperativa Sociale Isola  ",
        tax_id="12345670017",
        legal_status="Cooperativa sociale",
        concilia={"alliance_member": True, "ateco_code": "88.91"},
        phones=["02 1234567", "333 7654321"],
        description="Servizi per le famiglie",
        website="https://coop-isola.example",
        email="info@coop-isola.example",
    )

    assert provider_record(org) == ProviderRecord(
        external_id="org-1",
        name="Cooperativa Sociale Isola",
        legal_form="Cooperativa sociale",
        vat_number="12345670017",
        alliance_member=True,
        ateco_code="88.91",
        description="Servizi per le famiglie",
        website="https://coop-isola.example",
        email="info@coop-isola.example",
        phone="02 1234567",
    )


def test_organization_without_extension_is_not_an_alliance_member() -> None:
    record = provider_record({"id": "org-2", "name": "Palestra Garibaldi"})

    assert record == ProviderRecord(external_id="org-2", name="Palestra Garibaldi")


def test_phones_without_a_number_are_skipped() -> None:
    org = {"id": "org-1", "name": "Coop", "phones": [{"id": "p0"}, {"number": "02 555"}]}

    assert provider_record(org).phone == "02 555"


def test_location_takes_its_physical_address_accessibility_and_coordinates() -> None:
    item = {
        "id": "loc-1",
        "organization_id": "org-1",
        "name": "Sede di via Borsieri",
        "latitude": "45.4891",
        "longitude": 9.1893,
        "addresses": [
            {"address_type": "postal", "address_1": "Casella postale 12", "postal_code": "20100"},
            {
                "address_type": "physical",
                "address_1": "Via Pietro Borsieri 12",
                "address_2": "cortile interno",
                "postal_code": "20159",
                "city": "Milano",
                "state_province": "MI",
            },
        ],
        "accessibility": [
            {"description": "Ingresso senza gradini"},
            {"description": ""},
            {"description": "Bagno accessibile"},
        ],
    }

    assert location_record(item) == LocationRecord(
        external_id="loc-1",
        provider_external_id="org-1",
        name="Sede di via Borsieri",
        address="Via Pietro Borsieri 12, cortile interno",
        cap="20159",
        city="Milano",
        province="MI",
        latitude=45.4891,
        longitude=9.1893,
        accessibility="Ingresso senza gradini; Bagno accessibile",
    )


def test_location_without_address_or_coordinates_has_only_its_identity() -> None:
    assert location_record({"id": "loc-9"}) == LocationRecord(external_id="loc-9")


def test_service_becomes_an_offering_with_its_extension_and_links() -> None:
    item = service(
        "svc-1",
        "org-1",
        "Corso di ceramica",
        description="Laboratorio serale",
        url="https://coop-isola.example/ceramica",
        email="corsi@coop-isola.example",
        last_modified="2024-05-01T10:00:00+02:00",
        concilia={
            "name_en": "Pottery course",
            "description_en": "Evening workshop",
            "delivery_mode": "AT_HOME",
            "beneficiary_discount_percent": 15,
        },
    )

    record = offering_record(item, {"svc-1": ["loc-1", "loc-2", "loc-1"]})

    assert record == OfferingRecord(
        external_id="svc-1",
        provider_external_id="org-1",
        title_it="Corso di ceramica",
        title_en="Pottery course",
        description_it="Laboratorio serale",
        description_en="Evening workshop",
        categories=("courses",),
        delivery_mode=DeliveryMode.AT_HOME,
        status=OfferingStatus.ACTIVE,
        beneficiary_discount_percent=15,
        booking_url="https://coop-isola.example/ceramica",
        email="corsi@coop-isola.example",
        location_external_ids=("loc-1", "loc-2"),
    )
    assert record.last_modified == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def test_last_modified_in_zulu_time_is_read_as_utc() -> None:
    record = offering_record(service("svc-1", last_modified="2024-05-01T10:00:00Z"), NO_SITES)

    assert record.last_modified == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_categories_come_only_from_the_concilia_taxonomy_without_duplicates() -> None:
    item = service(
        "svc-1",
        categories=["fitness-sport", "mind-body", "fitness-sport"],
        attributes=[
            category("sport", taxonomy="openeligibility"),
            {"taxonomy_term": {"taxonomy": "concilia-categories"}},
            {"value": "no term"},
        ],
    )

    assert offering_record(item, NO_SITES).categories == ("fitness-sport", "mind-body")


def test_languages_are_lower_cased_and_de_duplicated_in_order() -> None:
    item = service("svc-1", languages=["IT", " en ", "it", "", "FR"])

    assert offering_record(item, NO_SITES).languages == ("it", "en", "fr")


def test_cost_options_are_converted_to_cents() -> None:
    item = service(
        "svc-1",
        cost_options=[
            cost("12.5", option="Intero", currency="eur"),
            cost(0, option="Soci"),
            cost(8),
            cost(None, option="Su preventivo"),
        ],
    )

    assert offering_record(item, NO_SITES).cost_options == (
        CostOptionRecord(label="Intero", amount_cents=1250, currency="EUR"),
        CostOptionRecord(label="Soci", amount_cents=0),
        CostOptionRecord(amount_cents=800),
        CostOptionRecord(label="Su preventivo", amount_cents=None),
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", OfferingStatus.ACTIVE),
        ("Active", OfferingStatus.ACTIVE),
        ("temporarily closed", OfferingStatus.SUSPENDED),
        ("inactive", OfferingStatus.WITHDRAWN),
        ("defunct", OfferingStatus.WITHDRAWN),
        (None, OfferingStatus.ACTIVE),
    ],
)
def test_service_status_maps_to_offering_status(
    status: str | None, expected: OfferingStatus
) -> None:
    assert offering_record(service("svc-1", status=status), NO_SITES).status is expected


def test_delivery_mode_defaults_to_in_person_with_locations() -> None:
    record = offering_record(service("svc-1"), {"svc-1": ["loc-1"]})

    assert record.delivery_mode is DeliveryMode.IN_PERSON


def test_delivery_mode_defaults_to_online_without_locations() -> None:
    record = offering_record(service("svc-1"), {"svc-2": ["loc-1"]})

    assert record.delivery_mode is DeliveryMode.ONLINE
    assert record.location_external_ids == ()


def test_ages_and_eligibility_are_kept() -> None:
    item = service(
        "svc-1",
        minimum_age=6,
        maximum_age="13",
        eligibility_description="  Bambini delle scuole del quartiere ",
    )

    record = offering_record(item, NO_SITES)

    assert (record.min_age, record.max_age) == (6, 13)
    assert record.eligibility_description == "Bambini delle scuole del quartiere"


def beneficiaries(code: str) -> Json:
    return {"taxonomy_term": {"code": code, "taxonomy": "concilia-beneficiaries"}}


def rule_attribute(value: object) -> Json:
    return {"taxonomy_term": {"code": "rule", "taxonomy": "concilia-eligibility"}, "value": value}


@pytest.mark.parametrize(
    ("attributes", "rule"),
    [
        ([], None),
        ([category("sport", taxonomy="openeligibility")], None),
        (
            [beneficiaries("FREELANCER"), beneficiaries("ALLIANCE_EMPLOYEE")],
            {"category": ["FREELANCER", "ALLIANCE_EMPLOYEE"]},
        ),
        ([rule_attribute('{"isee": {"max": 30000}}')], {"isee": {"max": 30000}}),
        ([rule_attribute({"dependentParent": True})], {"dependentParent": True}),
        (
            [beneficiaries("RESIDENT"), rule_attribute('{"isee": {"max": 20000}}')],
            {"all": [{"category": ["RESIDENT"]}, {"isee": {"max": 20000}}]},
        ),
    ],
)
def test_eligibility_attributes_become_the_services_rule(
    attributes: list[Json], rule: object
) -> None:
    record = offering_record(service("svc-1", attributes=attributes), NO_SITES)

    assert (orjson.loads(record.eligibility) if record.eligibility else None) == rule


async def test_a_service_with_an_invalid_eligibility_rule_is_quarantined(
    engine: AsyncEngine,
) -> None:
    broken = service("svc-bad", attributes=[rule_attribute('{"isee": {"max": "poco"}}')])
    fine = service("svc-ok", attributes=[beneficiaries("FREELANCER")], minimum_age=18)
    feed = Feed(bundle(organizations=[organization("org-1")], services=[broken, fine]))

    async with feed.client() as client:
        run = await sync_source(session_factory(engine), source(), client)

    async with session_factory(engine)() as session:
        rules = (await session.execute(sa.select(EligibilityRule))).scalars().all()
        problems = (await session.execute(sa.select(SyncProblem))).scalars().all()
    assert (run.created, run.quarantined) == (2, 1)  # the provider and svc-ok
    assert [(p.external_id, p.reason.split(":")[0]) for p in problems] == [
        ("svc-bad", "invalid eligibility rule")
    ]
    assert [orjson.loads(rule.body) for rule in rules] == [
        {"all": [{"category": ["FREELANCER"]}, {"age": {"min": 18}}]}
    ]


def test_service_without_url_or_email_is_booked_by_its_first_phone_number() -> None:
    phones = [{"id": "p0", "number": ""}, {"id": "p1", "number": "02 555 0101"}]

    assert offering_record(service("svc-1", phones=phones), NO_SITES).booking_url == (
        "tel:+39025550101"
    )
    assert offering_record(service("svc-1", url="https://a.example", phones=phones), NO_SITES) == (
        offering_record(service("svc-1", url="https://a.example"), NO_SITES)
    )
    emailed = offering_record(service("svc-1", email="a@b.example", phones=phones), NO_SITES)
    assert (emailed.booking_url, emailed.email) == (None, "a@b.example")


@pytest.mark.parametrize(
    ("number", "uri"),
    [
        ("+39 02 555-0101", "tel:+39025550101"),
        ("(02) 555 0101", "tel:+39025550101"),
        ("0044 20 7946 0000", "tel:+442079460000"),
        ("333.1234567", "tel:+393331234567"),
    ],
)
def test_phone_numbers_become_global_tel_uris(number: str, uri: str) -> None:
    item = service("svc-1", phones=[{"number": number}])

    assert offering_record(item, NO_SITES).booking_url == uri


def test_weekly_schedule_becomes_an_rrule_with_wall_clock_times_in_rome() -> None:
    record = schedule_record(
        {
            "id": "sch-1",
            "dtstart": "2026-03-24",
            "freq": "weekly",
            "interval": 2,
            "byday": "tu, th",
            "opens_at": "09:00",
            "closes_at": "12:30:00",
            "until": "2026-06-30",
            "wkst": "mo",
            "description": "Martedì e giovedì",
        }
    )

    assert record == ScheduleRecord(
        start=datetime(2026, 3, 24, 9, 0, tzinfo=ROME),
        end=datetime(2026, 3, 24, 12, 30, tzinfo=ROME),
        rrule="FREQ=WEEKLY;INTERVAL=2;UNTIL=20260630T215959Z;BYDAY=TU,TH;WKST=MO",
        description="Martedì e giovedì",
    )
    assert record.start.utcoffset() == timedelta(hours=1)  # CET before the DST change


def test_monthly_schedule_from_valid_from_ends_on_valid_to() -> None:
    record = schedule_record(
        {
            "valid_from": "2026-09-01",
            "valid_to": "2026-12-31",
            "freq": "MONTHLY",
            "byday": ["1TH", "-1FR"],
            "opens_at": "12:30",
        }
    )

    assert record == ScheduleRecord(
        start=datetime(2026, 9, 1, 12, 30, tzinfo=ROME),
        rrule="FREQ=MONTHLY;UNTIL=20261231T225959Z;BYDAY=1TH,-1FR",
    )


def test_count_bounds_a_rule_and_dtstart_wins_over_valid_from() -> None:
    record = schedule_record(
        {
            "dtstart": "2026-10-06",
            "valid_from": "2026-09-01",
            "valid_to": "2026-12-31",
            "byday": "TU",
            "count": 8,
            "opens_at": "17:30",
            "closes_at": "19:30",
        }
    )

    assert record.start == datetime(2026, 10, 6, 17, 30, tzinfo=ROME)
    assert record.rrule == "FREQ=WEEKLY;COUNT=8;BYDAY=TU"


def test_bymonthday_alone_repeats_monthly() -> None:
    record = schedule_record({"dtstart": "2026-10-01", "bymonthday": 15, "opens_at": "10:00"})

    assert record.rrule == "FREQ=MONTHLY;BYMONTHDAY=15"


def test_schedule_without_times_is_all_day_and_without_rule_happens_once() -> None:
    assert schedule_record({"dtstart": "2026-12-08"}) == ScheduleRecord(
        start=datetime(2026, 12, 8, tzinfo=ROME), all_day=True
    )


def test_closing_after_midnight_ends_the_next_day() -> None:
    record = schedule_record({"dtstart": "2026-07-10", "opens_at": "21:00", "closes_at": "01:00"})

    assert (record.start, record.end) == (
        datetime(2026, 7, 10, 21, 0, tzinfo=ROME),
        datetime(2026, 7, 11, 1, 0, tzinfo=ROME),
    )


@pytest.mark.parametrize(
    ("timezone", "zone", "start"),
    [
        ("Europe/London", "Europe/London", datetime(2026, 10, 6, 8, 0, tzinfo=UTC)),  # BST
        # +1 and +2 are offsets Rome has: its local time, DST-correct
        (2, "Europe/Rome", datetime(2026, 10, 6, 7, 0, tzinfo=UTC)),
        (1, "Europe/Rome", datetime(2026, 10, 6, 7, 0, tzinfo=UTC)),
        (3, "Etc/GMT-3", datetime(2026, 10, 6, 6, 0, tzinfo=UTC)),
        ("-5", "Etc/GMT+5", datetime(2026, 10, 6, 14, 0, tzinfo=UTC)),
        (0, "UTC", datetime(2026, 10, 6, 9, 0, tzinfo=UTC)),
    ],
)
def test_schedule_timezone_is_a_zone_name_or_a_utc_offset_in_hours(
    timezone: object, zone: str, start: datetime
) -> None:
    record = schedule_record({"dtstart": "2026-10-06", "opens_at": "09:00", "timezone": timezone})

    assert (record.timezone, record.start) == (zone, start)


def test_a_weekly_schedule_at_utc_plus_one_keeps_its_wall_clock_time_in_summer() -> None:
    """The reported case: `timezone: 1` (Rome's winter offset) on a Monday 09:00 series
    starting in January; in April it must still be 09:00 in Milan, not 10:00."""
    record = schedule_record(
        {
            "dtstart": "2026-01-05",
            "opens_at": "09:00",
            "freq": "WEEKLY",
            "byday": "MO",
            "timezone": 1,
        }
    )
    expanded = rrulestr(
        record.rrule or "", dtstart=record.start.astimezone(ROME).replace(tzinfo=None)
    )

    april = next(moment for moment in expanded if moment.month == 4)
    assert record.timezone == "Europe/Rome"
    assert april.replace(tzinfo=ROME).hour == 9
    assert april.replace(tzinfo=ROME).utcoffset() == timedelta(hours=2)


def test_a_source_zone_reads_schedules_without_their_own() -> None:
    london = ZoneInfo("Europe/London")
    bare = schedule_record({"dtstart": "2026-10-06", "opens_at": "09:00"}, london)
    offset = schedule_record({"dtstart": "2026-10-06", "opens_at": "09:00", "timezone": 0}, london)

    assert (bare.timezone, bare.start) == ("Europe/London", datetime(2026, 10, 6, 8, 0, tzinfo=UTC))
    assert offset.timezone == "Europe/London"  # London has +0 in winter


def test_opening_time_with_an_offset_is_converted_to_the_schedule_zone() -> None:
    record = schedule_record({"dtstart": "2026-10-06", "opens_at": "07:00Z"})

    assert record.start == datetime(2026, 10, 6, 9, 0, tzinfo=ROME)
    assert record.timezone == "Europe/Rome"


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"freq": "WEEKLY", "byday": "MO"}, "a schedule has neither dtstart nor valid_from"),
        ({"dtstart": "2026-10-06", "freq": "HOURLY"}, "unknown schedule freq 'HOURLY'"),
        ({"dtstart": "2026-10-06", "byday": "MO,LU"}, "invalid schedule byday 'LU'"),
        ({"dtstart": "2026-10-06", "bymonthday": "0,32"}, "invalid schedule bymonthday '0'"),
        ({"dtstart": "2026-10-06", "byday": "MO", "wkst": "XX"}, "invalid schedule wkst 'XX'"),
        (
            {"dtstart": "2026-10-06", "byday": "MO", "interval": 0},
            "schedule interval 0 is not positive",
        ),
        (
            {"dtstart": "2026-10-06", "byday": "MO", "count": 3, "until": "2026-12-01"},
            "a schedule has both count and until",
        ),
        (
            {"dtstart": "2026-10-06", "timezone": "Mars/Olympus"},
            "unknown schedule timezone 'Mars/Olympus'",
        ),
        (
            {"dtstart": "2026-10-06", "timezone": 5.5},
            "schedule timezone 5.5 is not a whole UTC offset in hours",
        ),
        (
            {"dtstart": "2026-10-06", "closes_at": "25:00"},
            "closes_at '25:00' is not a time (HH:MM)",
        ),
        ({"dtstart": "2026-10-06", "byday": {"MO": True}}, "field 'byday' is not a list of values"),
        ("lunedì", "schedule is not an object"),
    ],
)
def test_unreadable_schedule_raises_naming_its_fault(schedule: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError)) as raised:
        schedule_record(schedule)

    assert str(raised.value) == message


def test_embedded_organization_names_the_provider() -> None:
    item = {**service("svc-1", "org-1"), "organization": {"id": "org-1", "name": "Coop"}}
    del item["organization_id"]

    assert offering_record(item, NO_SITES).provider_external_id == "org-1"


async def test_bundle_services_take_embedded_and_top_level_schedules() -> None:
    document = bundle(
        organizations=[organization("org-1")],
        services=[
            service("svc-1", schedules=[{"id": "s1", "dtstart": "2026-10-05", "byday": "MO"}]),
            service("svc-2"),
        ],
    )
    document["schedules"] = [
        {"id": "s2", "service_id": "svc-1", "dtstart": "2026-10-07", "byday": "WE"},
        {"id": "s3", "location_id": "loc-1", "dtstart": "2026-10-07"},
        {"id": "s4", "service_id": "svc-2", "dtstart": "2026-10-08", "opens_at": "10:00"},
    ]

    items = await read_document(document)

    assert [
        [(s.start, s.rrule) for s in item.schedules]
        for item in items
        if isinstance(item, OfferingRecord)
    ] == [
        [
            (datetime(2026, 10, 5, tzinfo=ROME), "FREQ=WEEKLY;BYDAY=MO"),
            (datetime(2026, 10, 7, tzinfo=ROME), "FREQ=WEEKLY;BYDAY=WE"),
        ],
        [(datetime(2026, 10, 8, 10, 0, tzinfo=ROME), None)],
    ]


async def test_bundle_service_with_unreadable_schedules_becomes_a_problem() -> None:
    document = bundle(
        organizations=[organization("org-1")],
        services=[service("svc-1"), service("svc-2", schedules="lunedì"), service("svc-3")],
    )
    document["schedules"] = [
        {"id": "s1", "service_id": "svc-1", "dtstart": "7 ottobre"},
        {"id": "s2", "service_id": "svc-2", "dtstart": "2026-10-07"},
    ]

    items = await read_document(document)

    assert items[1:] == [
        Problem(
            "offering",
            "svc-1",
            "unreadable HSDS offering: dtstart '7 ottobre' is not a date (YYYY-MM-DD)",
        ),
        Problem("offering", "svc-2", "unreadable HSDS offering: field 'schedules' is not an array"),
        offering_record(service("svc-3"), NO_SITES),
    ]


async def test_bundle_yields_providers_then_locations_then_offerings() -> None:
    document = bundle(
        organizations=[organization("org-1"), organization("org-2")],
        services=[service("svc-1", "org-1"), service("svc-2", "org-2")],
        locations=[location("loc-1", "org-1", postal_code="20159")],
        links=[("svc-1", "loc-1"), ("svc-2", "loc-1")],
    )

    items = await read_document(document)

    assert [(type(item).__name__, item.external_id) for item in items] == [
        ("ProviderRecord", "org-1"),
        ("ProviderRecord", "org-2"),
        ("LocationRecord", "loc-1"),
        ("OfferingRecord", "svc-1"),
        ("OfferingRecord", "svc-2"),
    ]
    offerings = [item for item in items if isinstance(item, OfferingRecord)]
    assert [o.location_external_ids for o in offerings] == [("loc-1",), ("loc-1",)]


async def test_bundle_without_locations_or_links_reads_services_as_online() -> None:
    items = await read_document(
        {"organizations": [organization("org-1")], "services": [service("svc-1")]}
    )

    assert isinstance(items[1], OfferingRecord)
    assert items[1].delivery_mode is DeliveryMode.ONLINE


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (
            service("svc-1", cost_options=[cost("dodici")]),
            Problem(
                "offering",
                "svc-1",
                "unreadable HSDS offering: cost option amount 'dodici' is not a number",
            ),
        ),
        (
            service("svc-1", cost_options=[cost("NaN")]),
            Problem(
                "offering",
                "svc-1",
                "unreadable HSDS offering: cost option amount 'NaN' is not a number",
            ),
        ),
        (
            service("svc-1", status="paused"),
            Problem(
                "offering", "svc-1", "unreadable HSDS offering: unknown service status 'paused'"
            ),
        ),
        (
            service("svc-1", last_modified="2024-05-01T10:00:00"),
            Problem(
                "offering",
                "svc-1",
                "unreadable HSDS offering: last_modified '2024-05-01T10:00:00' has no UTC offset",
            ),
        ),
        (
            {"id": "svc-1", "name": "Senza ente"},
            Problem(
                "offering", "svc-1", "unreadable HSDS offering: missing field 'organization_id'"
            ),
        ),
        (
            service("svc-1", concilia={"delivery_mode": "by pigeon"}),
            Problem(
                "offering",
                "svc-1",
                "unreadable HSDS offering: 'by pigeon' is not a valid DeliveryMode",
            ),
        ),
        (
            {"id": "svc-1", "organization_id": "org-1", "name": {"it": "Corso"}},
            Problem("offering", "svc-1", "unreadable HSDS offering: field 'name' is not text"),
        ),
        (
            {**service("svc-1"), "cost_options": ["gratis"]},
            Problem("offering", "svc-1", "unreadable HSDS offering: cost_option is not an object"),
        ),
        (
            {"name": "Senza id", "organization_id": "org-1"},
            Problem("offering", None, "unreadable HSDS offering: missing string 'id'"),
        ),
        (
            {"id": 42, "name": "Id numerico", "organization_id": "org-1"},
            Problem("offering", None, "unreadable HSDS offering: missing string 'id'"),
        ),
    ],
)
async def test_unreadable_service_becomes_a_problem_and_the_others_are_read(
    item: Json, problem: Problem
) -> None:
    document = bundle(
        organizations=[organization("org-1")],
        services=[service("svc-0"), item, service("svc-2")],
    )

    items = await read_document(document)

    assert [i.external_id for i in items if isinstance(i, OfferingRecord)] == ["svc-0", "svc-2"]
    assert [i for i in items if isinstance(i, Problem)] == [problem]


async def test_unreadable_organization_and_location_become_problems() -> None:
    document = bundle(
        organizations=[{"name": "Senza id"}, organization("org-1")],
        locations=[location("loc-1", latitude="nord", longitude=9.19), location("loc-2")],
    )

    items = await read_document(document)

    assert [i.external_id for i in items if not isinstance(i, Problem)] == ["org-1", "loc-2"]
    assert [i for i in items if isinstance(i, Problem)] == [
        Problem("provider", None, "unreadable HSDS provider: missing string 'id'"),
        Problem(
            "location",
            "loc-1",
            "unreadable HSDS location: could not convert string to float: 'nord'",
        ),
    ]


async def test_non_object_entries_of_the_bundle_arrays_are_ignored() -> None:
    document = bundle(organizations=[organization("org-1")], services=[service("svc-1")])
    document["organizations"].append("org-2")
    document["services"].append(None)
    document["service_at_locations"].append({"service_id": "svc-1", "location_id": 7})

    items = await read_document(document)

    assert [item.external_id for item in items] == ["org-1", "svc-1"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "the HSDS bundle is not valid JSON"),
        (b"[]", "the HSDS bundle is not a JSON object"),
        (b'{"organizations": []}', "the HSDS bundle lacks the array(s): services"),
        (b'{"services": {}}', "the HSDS bundle lacks the array(s): organizations, services"),
    ],
)
async def test_malformed_bundle_raises_fetch_error(body: bytes, message: str) -> None:
    feed = Feed()
    feed.body = body

    with pytest.raises(FetchError) as raised:
        await read(feed)

    assert str(raised.value).startswith(message)


async def test_http_error_status_raises_fetch_error_naming_it() -> None:
    feed = Feed(bundle(organizations=[organization("org-1")]))
    feed.status_code = 404

    said = r"^http://feeds\.test/bundle\.json answered HTTP 404: \{\"organizations\""
    with pytest.raises(FetchError, match=said):
        await read(feed)
    assert feed.requests == 1


async def test_http_server_error_is_retried_before_it_raises_fetch_error() -> None:
    feed = Feed(bundle(organizations=[organization("org-1")]))
    feed.status_code = 503
    delays: list[float] = []

    async def no_sleep(seconds: float) -> None:
        delays.append(seconds)

    async with feed.client() as client:
        connector = HsdsBundle(source(), Fetcher(client, sleep=no_sleep), {})
        with pytest.raises(FetchError, match=r"answered HTTP 503: .* \(after 4 attempts\)$"):
            _ = [item async for item in connector.records()]

    assert feed.requests == 4
    assert delays == [0.5, 1.0, 2.0]


async def test_bundle_is_read_from_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(orjson.dumps(bundle(organizations=[organization("org-1", "Coop")])))

    async with Feed().client() as client:
        connector = HsdsBundle(source(str(path)), Fetcher(client), {})
        items = [item async for item in connector.records()]

    assert items == [
        ProviderRecord(external_id="org-1", name="Coop"),
        Checkpoint({"etag": None, "last_modified": None}),
    ]


async def test_missing_local_file_raises_fetch_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"

    async with Feed().client() as client:
        with pytest.raises(FetchError, match="No such file or directory") as raised:
            _ = [
                item async for item in HsdsBundle(source(str(path)), Fetcher(client), {}).records()
            ]

    assert str(path) in str(raised.value)
