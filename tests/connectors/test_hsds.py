from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from connectors.fetch import FetchError
from connectors.hsds import HsdsBundle, location_record, offering_record, provider_record
from connectors.records import (
    CostOptionRecord,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    Record,
)
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


async def read(feed: Feed) -> list[Record | Problem]:
    async with feed.client() as client:
        return [item async for item in HsdsBundle(source(), client).records()]


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
    feed.status_code = 503

    with pytest.raises(FetchError, match=r"^http://feeds\.test/bundle\.json answered HTTP 503$"):
        await read(feed)
    assert feed.requests == 1


async def test_bundle_is_read_from_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(orjson.dumps(bundle(organizations=[organization("org-1", "Coop")])))

    async with Feed().client() as client:
        items = [item async for item in HsdsBundle(source(str(path)), client).records()]

    assert items == [ProviderRecord(external_id="org-1", name="Coop")]


async def test_missing_local_file_raises_fetch_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"

    async with Feed().client() as client:
        with pytest.raises(FetchError, match="No such file or directory") as raised:
            _ = [item async for item in HsdsBundle(source(str(path)), client).records()]

    assert str(path) in str(raised.value)
