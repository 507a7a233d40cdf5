"""The schema.org JSON-LD connector against real HTTP (uvicorn on 127.0.0.1) and local
files: what each mapping rule yields, every fault the format can have, schema.org's own
published examples (tests/fixtures/schemaorg) served as members' pages, and syncs end to end
through the engine."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

import connectors.registry
from connectors.config import ConfigError, SourceConfig, load_sources
from connectors.fetch import Fetcher, FetchError, NotModified
from connectors.jsonld import JsonLdMarkup
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    ScheduleRecord,
)
from connectors.sync import sync_source
from hub.app import create_app
from models import (
    Category,
    CostOption,
    Location,
    Offering,
    OfferingCategory,
    OfferingStatus,
    Provider,
    SyncProblem,
    SyncRun,
    SyncStatus,
)
from models.db import session_factory
from models.enums import DeliveryMode
from models.text import fold
from tests.utils.fetching import Sleeps
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client
from tests.utils.server import FeedServer, Reply, Truncated

Json = dict[str, Any]
Sessions = async_sessionmaker[AsyncSession]

ROME = ZoneInfo("Europe/Rome")
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "jsonld"
CLINIC = "https://studio.example/#studio"
VAT = "IT12345670017"
ADDRESS = {
    "@type": "PostalAddress",
    "streetAddress": "Via Federico Confalonieri 22",
    "postalCode": "20159",
    "addressLocality": "Milano",
    "addressRegion": "MI",
}
GEO = {"@type": "GeoCoordinates", "latitude": 45.48681, "longitude": 9.18956}
CATEGORIES = {
    "Pediatria": "health-checkup",
    "Fisioterapia": "physiotherapy",
    "Psicologia": ["psychological-support"],
}

PROVIDER = ProviderRecord(external_id=CLINIC, name="Studio Medico Isola", vat_number=VAT)
PREMISES = LocationRecord(
    external_id=CLINIC,
    provider_external_id=CLINIC,
    name="Studio Medico Isola",
    address="Via Federico Confalonieri 22",
    cap="20159",
    city="Milano",
    province="MI",
    latitude=45.48681,
    longitude=9.18956,
)


def clinic(**fields: Any) -> Json:
    """The clinic as a MedicalClinic node: an organisation that is also a place."""
    return {
        "@type": "MedicalClinic",
        "@id": CLINIC,
        "name": "Studio Medico Isola",
        "vatID": VAT,
        "address": ADDRESS,
        "geo": GEO,
        **fields,
    }


def service(external_id: str | None, name: object = "Visita pediatrica", **fields: Any) -> Json:
    """A Service of the clinic; `fields` add to or replace its properties."""
    node: Json = {
        "@type": "Service",
        "name": name,
        "provider": {"@id": CLINIC},
        "serviceType": "Pediatria",
        **fields,
    }
    if external_id is not None:
        node["@id"] = external_id
    return node


def offering(
    external_id: str, title_it: str = "Visita pediatrica", **fields: Any
) -> OfferingRecord:
    """The offering a `service` of the clinic becomes, held at the clinic."""
    values: Json = {
        "categories": ("health-checkup",),
        "location_external_ids": (CLINIC,),
        **fields,
    }
    return OfferingRecord(
        external_id=external_id, provider_external_id=CLINIC, title_it=title_it, **values
    )


def graph(*nodes: Json, context: object = "https://schema.org") -> Json:
    return {"@context": context, "@graph": list(nodes)}


def page(*blocks: Json | str) -> str:
    """An HTML page with one `<script type="application/ld+json">` element per block."""
    scripts = "".join(
        '<script type="application/ld+json">'
        f"{block if isinstance(block, str) else orjson.dumps(block).decode()}</script>\n"
        for block in blocks
    )
    return (
        '<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>Studio</title>'
        f'<script>var x = "{{not json-ld}}";</script>\n{scripts}</head>'
        "<body><h1>Studio Medico Isola</h1></body></html>"
    )


def config(url: str, **options: Any) -> SourceConfig:
    return SourceConfig("studio", "jsonld", url, options={"categories": CATEGORIES, **options})


def derived(prefix: str, *parts: str) -> str:
    """An external id as the connector's docstring defines it for nodes without @id."""
    return f"{prefix}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()[:16]}"


async def read(fetcher: Fetcher, source: SourceConfig) -> list[Item]:
    """Every item the connector yields, checkpoint included."""
    return [item async for item in JsonLdMarkup(source, fetcher, {}).records()]


async def read_url(fetcher: Fetcher, url: str, **options: Any) -> list[Item]:
    """The items of a source at `url`, without the final checkpoint."""
    items = await read(fetcher, config(url, **options))
    assert isinstance(items[-1], Checkpoint)
    return items[:-1]


async def read_file(
    fetcher: Fetcher, tmp_path: Path, content: Json | list[Any] | str, **options: Any
) -> list[Item]:
    """The items of a local file holding `content` (JSON, or text as it is)."""
    path = tmp_path / "markup.jsonld"
    path.write_text(content if isinstance(content, str) else orjson.dumps(content).decode())
    return await read_url(fetcher, str(path), **options)


# --- Reading pages and files ------------------------------------------------------------


async def test_page_blocks_yield_provider_premises_then_offerings_and_a_checkpoint(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve(
        "/studio.html",
        page(
            {"@context": "https://schema.org", **clinic()},
            graph(service("https://studio.example/pediatria", offers={"price": 80})),
        ),
        content_type="text/html; charset=utf-8",
        headers={"ETag": '"v1"'},
    )

    items = await read(fetcher, config(feed_server.url("/studio.html")))

    assert items == [
        PROVIDER,
        PREMISES,
        offering(
            "https://studio.example/pediatria",
            cost_options=(CostOptionRecord(amount_cents=8000),),
        ),
        Checkpoint({"etag": '"v1"', "last_modified": None}),
    ]


async def test_json_ld_file_with_a_graph_reads_like_a_page(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    document = graph(clinic(), service("https://studio.example/pediatria"))

    assert await read_file(fetcher, tmp_path, document) == [
        PROVIDER,
        PREMISES,
        offering("https://studio.example/pediatria"),
    ]


async def test_top_level_array_and_embedded_provider_read_like_a_graph(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    embedded = service("https://studio.example/pediatria", provider=clinic())
    embedded["@context"] = "https://schema.org"

    assert await read_file(fetcher, tmp_path, [embedded]) == [
        PROVIDER,
        PREMISES,
        offering("https://studio.example/pediatria"),
    ]


async def test_json_served_as_ld_json_and_html_sniffed_from_its_first_character(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    document = graph(clinic(), service("https://studio.example/pediatria"))
    feed_server.serve("/markup", orjson.dumps(document), content_type="application/ld+json")
    html = tmp_path / "studio.txt"
    html.write_text("\n   " + page(document))
    expected = [PROVIDER, PREMISES, offering("https://studio.example/pediatria")]

    assert await read_url(fetcher, feed_server.url("/markup")) == expected
    assert await read_url(fetcher, str(html)) == expected


async def test_page_in_a_declared_charset_is_decoded_with_it(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    text = page(graph(clinic(), service("https://studio.example/pediatria", name="Età evolutiva")))
    feed_server.serve(
        "/studio.html", text.encode("latin-1"), content_type="text/html; charset=iso-8859-1"
    )

    items = await read_url(fetcher, feed_server.url("/studio.html"))

    assert items[-1] == offering("https://studio.example/pediatria", "Età evolutiva")


async def test_schema_org_terms_may_be_prefixed_or_full_iris_and_type_aliased(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    node = {
        "type": "schema:Service",
        "id": "https://studio.example/pediatria",
        "https://schema.org/name": "Visita pediatrica",
        "schema:provider": {"@id": CLINIC},
        "serviceType": "Pediatria",
    }

    items = await read_file(fetcher, tmp_path, graph(clinic(), node))

    assert items == [PROVIDER, PREMISES, offering("https://studio.example/pediatria")]


# --- Text and languages -------------------------------------------------------------------


async def test_language_tagged_values_fill_italian_and_english_fields(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    node = service(
        "https://studio.example/fisio",
        [
            {"@value": "Fisioterapia", "@language": "it-IT"},
            {"@value": "Physiotherapy", "@language": "en"},
            {"@value": "Fisioterapia", "@language": "es"},
        ],
        description=[
            {"@value": "Sedute individuali", "@language": "it"},
            {"@value": "One-to-one sessions", "@language": "EN-GB"},
        ],
        serviceType="Fisioterapia",
    )

    items = await read_file(fetcher, tmp_path, graph(clinic(), node))

    assert items[-1] == offering(
        "https://studio.example/fisio",
        "Fisioterapia",
        title_en="Physiotherapy",
        description_it="Sedute individuali",
        description_en="One-to-one sessions",
        categories=("physiotherapy",),
    )


async def test_plain_strings_take_in_language_then_the_context_language_then_the_option(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    italian = service("https://studio.example/it", "Controllo", inLanguage="it-IT")
    mixed = service(
        "https://studio.example/both", ["Check-up", {"@value": "Controllo", "@language": "it"}]
    )
    english = service("https://studio.example/en", "Paediatric check-up")
    english_context = ["https://schema.org", {"@language": "en"}]

    items = await read_file(
        fetcher, tmp_path, graph(clinic(), italian, mixed, english, context=english_context)
    )
    plain = graph(clinic(), service("https://studio.example/x", "Check-up"))
    option = await read_file(fetcher, tmp_path, plain, language="en")

    assert items[2:] == [
        offering("https://studio.example/it", "Controllo"),
        offering("https://studio.example/both", "Controllo", title_en="Check-up"),
        Problem(
            "offering",
            "https://studio.example/en",
            "Service https://studio.example/en: it has no Italian name (only: en)",
        ),
    ]
    assert option[2:] == [
        Problem(
            "offering",
            "https://studio.example/x",
            "Service https://studio.example/x: it has no Italian name (only: en)",
        )
    ]


async def test_available_languages_are_codes_from_tags_names_and_language_nodes(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    node = service(
        "https://studio.example/pediatria",
        availableLanguage=[
            "it-IT",
            "English",
            "spagnolo",
            {"@type": "Language", "name": "Arabic", "alternateName": "ar"},
            "Klingon",
            "IT",
        ],
    )

    items = await read_file(fetcher, tmp_path, graph(clinic(), node))

    assert items[-1] == offering(
        "https://studio.example/pediatria", languages=("it", "en", "es", "ar")
    )


# --- Providers ------------------------------------------------------------------------


@pytest.mark.parametrize("prop", ["provider", "organizer", "brand", "offeredBy", "seller"])
async def test_provider_is_named_by_any_provider_property(
    fetcher: Fetcher, tmp_path: Path, prop: str
) -> None:
    node = service("https://studio.example/pediatria")
    node[prop] = node.pop("provider")

    items = await read_file(fetcher, tmp_path, graph(clinic(), node))

    assert items == [PROVIDER, PREMISES, offering("https://studio.example/pediatria")]


async def test_provider_given_as_the_plain_string_of_an_id_resolves(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    node = service("https://studio.example/pediatria", provider=f"  {CLINIC} ")

    items = await read_file(fetcher, tmp_path, graph(clinic(), node))

    assert items == [PROVIDER, PREMISES, offering("https://studio.example/pediatria")]


async def test_organisation_fields_legal_name_when_it_has_no_name_and_its_location(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    org = {
        "@type": "Organization",
        "@id": "https://coop.example/#coop",
        "legalName": "Cooperativa Sociale Isola Onlus",
        "taxID": "12345670017",
        "email": ["mailto:info@coop.example", "altro@coop.example"],
        "telephone": ["+39 02 1234567", "+39 333 7654321"],
        "url": "https://coop.example/",
        "description": {"@value": "Servizi per le famiglie", "@language": "it"},
        "location": {
            "@type": "Place",
            "address": "Via Sassetti 19, 20159 Milano",
            "latitude": "45.486965",
            "longitude": 9.195889,
        },
    }

    items = await read_file(fetcher, tmp_path, graph(org))

    assert items == [
        ProviderRecord(
            external_id="https://coop.example/#coop",
            name="Cooperativa Sociale Isola Onlus",
            vat_number="12345670017",
            description="Servizi per le famiglie",
            website="https://coop.example/",
            email="info@coop.example",
            phone="+39 02 1234567",
        ),
        LocationRecord(
            derived("address", "via sassetti 19 20159 milano", "", ""),
            provider_external_id="https://coop.example/#coop",
            address="Via Sassetti 19, 20159 Milano",
            latitude=45.486965,
            longitude=9.195889,
        ),
    ]


async def test_any_node_with_a_name_and_vat_is_an_organisation_and_alliance_membership_is_an_option(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    person = {
        "@type": "Person",
        "@id": "https://fisio.example/#anna",
        "name": "Anna Fisio",
        "vatID": VAT,
    }
    stranger = {"@type": "Person", "name": "Mario Rossi"}

    items = await read_file(fetcher, tmp_path, graph(person, stranger), alliance_member=True)

    assert items == [
        ProviderRecord(
            "https://fisio.example/#anna", "Anna Fisio", vat_number=VAT, alliance_member=True
        )
    ]


async def test_organisation_listing_or_selling_services_is_their_provider(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    catalogue = {
        "@type": "OfferCatalog",
        "itemListElement": [
            {"@type": "Offer", "price": 55, "itemOffered": {"@id": "https://studio.example/fisio"}},
            {"@type": "ListItem", "item": {"@id": "https://studio.example/psico"}},
        ],
    }
    org = clinic(
        hasOfferCatalog=catalogue,
        makesOffer={"@type": "Offer", "name": "Ecografia", "price": "90.50"},
    )
    fisio = {
        "@type": "Service",
        "@id": "https://studio.example/fisio",
        "name": "Fisioterapia",
        "serviceType": "Fisioterapia",
    }
    psico = {
        "@type": "Service",
        "@id": "https://studio.example/psico",
        "name": "Colloquio",
        "serviceType": "Psicologia",
    }

    sold = {
        "@type": "Offer",
        "offeredBy": {"@id": CLINIC},
        "price": {"@value": "30", "@type": "http://www.w3.org/2001/XMLSchema#decimal"},
        "itemOffered": {"@id": "https://studio.example/ecg", "name": "ECG"},
    }
    document = graph(org, fisio, psico, sold)

    items = await read_file(fetcher, tmp_path, document, category="health-checkup")

    assert items == [
        PROVIDER,
        PREMISES,
        offering(
            "https://studio.example/fisio",
            "Fisioterapia",
            categories=("physiotherapy",),
            cost_options=(CostOptionRecord(amount_cents=5500),),
        ),
        offering(
            "https://studio.example/psico", "Colloquio", categories=("psychological-support",)
        ),
        offering(
            derived("offering", "ecografia", CLINIC),
            "Ecografia",
            cost_options=(CostOptionRecord(amount_cents=9050),),
        ),
        offering(
            "https://studio.example/ecg", "ECG", cost_options=(CostOptionRecord(amount_cents=3000),)
        ),
    ]


async def test_embedded_providers_without_id_are_one_provider_by_vat_and_fill_each_other(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    first = {"@type": "MedicalClinic", "name": "Studio Medico Isola", "vatID": "IT 12345670017"}
    second = {**first, "telephone": "+39 02 555", "vatID": "12345670017"}
    nodes = [
        service("https://studio.example/a", "Visita pediatrica", provider=first),
        service("https://studio.example/b", "Visita di controllo", provider=second),
    ]

    items = await read_file(fetcher, tmp_path, graph(*nodes))

    provider_id = "vat:12345670017"
    assert items == [
        ProviderRecord(
            provider_id, "Studio Medico Isola", vat_number="IT 12345670017", phone="+39 02 555"
        ),
        OfferingRecord(
            "https://studio.example/a",
            provider_id,
            "Visita pediatrica",
            categories=("health-checkup",),
        ),
        OfferingRecord(
            "https://studio.example/b",
            provider_id,
            "Visita di controllo",
            categories=("health-checkup",),
        ),
    ]


async def test_organisation_without_a_name_is_a_provider_problem(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    items = await read_file(
        fetcher, tmp_path, graph({"@type": "NGO", "@id": "https://x.example/#ngo"})
    )

    assert items == [
        Problem(
            "provider",
            "https://x.example/#ngo",
            "NGO https://x.example/#ngo: the organisation has no name",
        )
    ]


async def test_provider_option_is_the_provider_of_what_names_none_and_operators_come_before(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    owner = {"id": "https://pagina.example/", "name": "Associazione Pagina", "vat_number": VAT}
    event = {"@type": "Event", "name": "Concerto in cortile", "category": "Pediatria"}
    operated = service(
        None,
        "Sportello",
        provider=None,
        serviceOperator={"@type": "GovernmentOrganization", "name": "Comune di Milano"},
    )

    items = await read_file(fetcher, tmp_path, graph(event, operated), provider=owner)

    comune = derived("org", "comune di milano")
    assert items == [
        ProviderRecord("https://pagina.example/", "Associazione Pagina", vat_number=VAT),
        ProviderRecord(comune, "Comune di Milano"),
        OfferingRecord(
            derived("offering", "concerto in cortile", "https://pagina.example/"),
            "https://pagina.example/",
            "Concerto in cortile",
            categories=("health-checkup",),
        ),
        OfferingRecord(
            derived("offering", "sportello", comune),
            comune,
            "Sportello",
            categories=("health-checkup",),
        ),
    ]


async def test_provider_identity_names_the_fields_that_identify_an_organisation(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    anonymous = {"@type": "Organization", "name": "Senza sito"}
    nodes = [
        clinic(url="https://studio.example/"),
        service("https://s.example/1"),
        service("https://s.example/2", "Altro", provider=anonymous),
    ]

    items = await read_file(fetcher, tmp_path, graph(*nodes), provider_identity=["url", "vatID"])

    assert items == [
        replace(PROVIDER, external_id="https://studio.example/", website="https://studio.example/"),
        replace(PREMISES, provider_external_id="https://studio.example/"),
        replace(offering("https://s.example/1"), provider_external_id="https://studio.example/"),
        Problem(
            "offering",
            "https://s.example/2",
            "Service https://s.example/2: its provider Organization 'Senza sito' has no 'url' or"
            " 'vatID' (the fields of the option 'provider_identity')",
        ),
    ]


# --- Offerings ------------------------------------------------------------------------


async def test_offers_become_cost_options_in_cents_and_a_zero_price_is_free(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    node = service(
        "https://studio.example/pediatria",
        offers=[
            {"@type": "Offer", "name": "Primo colloquio", "price": 0, "priceCurrency": "EUR"},
            {"@type": "Offer", "name": "Tariffa piena", "price": "12.50", "priceCurrency": "eur"},
            {"@type": "Offer", "price": 80, "eligibleCustomerType": "Business"},
            {
                "@type": "Offer",
                "description": "Pacchetto",
                "priceSpecification": {
                    "@type": "UnitPriceSpecification",
                    "price": 450,
                    "priceCurrency": "CHF",
                },
            },
            {"@type": "AggregateOffer", "lowPrice": "19.99", "highPrice": 40},
            {"@type": "Offer", "name": "Su preventivo", "url": "https://studio.example/preventivo"},
        ],
    )

    items = await read_file(fetcher, tmp_path, graph(clinic(), node))

    assert items[-1] == offering(
        "https://studio.example/pediatria",
        cost_options=(
            CostOptionRecord(label="Primo colloquio", amount_cents=0),
            CostOptionRecord(label="Tariffa piena", amount_cents=1250),
            CostOptionRecord(amount_cents=8000),
            CostOptionRecord(amount_cents=45000, currency="CHF", description="Pacchetto"),
            CostOptionRecord(amount_cents=1999),
            CostOptionRecord(label="Su preventivo"),
        ),
        booking_url="https://studio.example/preventivo",
    )


async def test_standalone_offer_describing_a_service_is_an_offering_priced_by_itself(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    offer = {
        "@type": "Offer",
        "@id": "https://studio.example/offerte/ecg",
        "name": "Elettrocardiogramma",
        "seller": {"@id": CLINIC},
        "category": "Pediatria",
        "price": 45,
    }

    items = await read_file(fetcher, tmp_path, graph(clinic(), offer))

    assert items[-1] == offering(
        "https://studio.example/offerte/ecg",
        "Elettrocardiogramma",
        cost_options=(CostOptionRecord(amount_cents=4500),),
    )


async def test_offer_validity_spans_its_offers_in_europe_rome_days_open_where_one_is_open(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    season = [
        {"@type": "Offer", "price": 80, "validFrom": "2026-03-02", "validThrough": "2026-06-30"},
        {
            "@type": "Offer",
            "price": 60,
            # 00:30 of 1 March and 06:30 of 1 July in Rome
            "validFrom": "2026-02-28T23:30:00Z",
            "validThrough": "2026-06-30T23:30:00-05:00",
        },
    ]
    open_ended = [
        {"@type": "Offer", "price": 80, "validFrom": "2026-09-01T09:00"},
        {"@type": "Offer", "price": 60, "validFrom": "2026-10-01", "validThrough": "2026-12-31"},
    ]
    nodes = [
        service("https://s.example/stagione", offers=season),
        service("https://s.example/aperta", "Aperta", offers=open_ended),
        {
            "@type": "Offer",
            "@id": "https://s.example/offerta",
            "name": "Offerta",
            "seller": {"@id": CLINIC},
            "category": "Pediatria",
            "validThrough": "2026-05-31T23:59:59+02:00",
        },
    ]

    items = await read_file(fetcher, tmp_path, graph(clinic(), *nodes))

    assert [
        (item.external_id, item.valid_from, item.valid_until)
        for item in items
        if isinstance(item, OfferingRecord)
    ] == [
        ("https://s.example/stagione", date(2026, 3, 1), date(2026, 7, 1)),
        ("https://s.example/aperta", date(2026, 9, 1), None),
        ("https://s.example/offerta", None, date(2026, 5, 31)),
    ]


async def test_url_email_and_a_product_with_a_brand(fetcher: Fetcher, tmp_path: Path) -> None:
    product = {
        "@type": "Product",
        "@id": "https://studio.example/kit",
        "name": "Kit check-up aziendale",
        "brand": {"@id": CLINIC},
        "category": "Pediatria",
        "url": ["https://studio.example/kit", "https://studio.example/kit-en"],
        "email": "mailto:kit@studio.example",
    }

    items = await read_file(fetcher, tmp_path, graph(clinic(), product))

    assert items[-1] == offering(
        "https://studio.example/kit",
        "Kit check-up aziendale",
        booking_url="https://studio.example/kit",
        email="kit@studio.example",
    )


async def test_categories_map_terms_codes_and_term_nodes_and_fall_back_to_the_default(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    nodes = [
        service("https://s.example/1", "Uno", serviceType=["  PEDIATRIA ", "Ortopedia"]),
        service("https://s.example/2", "Due", serviceType=None, category="physiotherapy"),
        service(
            "https://s.example/3",
            "Tre",
            serviceType={"@type": "CategoryCode", "codeValue": "PSI", "name": "Psicologia"},
        ),
        service("https://s.example/4", "Quattro", serviceType="Ortopedia"),
        service(
            "https://s.example/5",
            "Cinque",
            serviceType=[{"@value": "Pediatria", "@language": "it"}, "Fisioterapia"],
        ),
    ]

    default = await read_file(fetcher, tmp_path, graph(clinic(), *nodes), category="nutrition")
    without = await read_file(fetcher, tmp_path, graph(clinic(), *nodes))

    assert [item.categories for item in default if isinstance(item, OfferingRecord)] == [
        ("health-checkup",),
        ("physiotherapy",),
        ("psychological-support",),
        ("nutrition",),
        ("health-checkup", "physiotherapy"),
    ]
    assert without[5] == offering("https://s.example/4", "Quattro", categories=())


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"categories": {"Pediatria": "pediatrics"}}, "'pediatrics' is neither a category code"),
        ({"categories": {"Pediatria": []}}, "must be a category code, an area, or a list of them"),
        ({"categories": "Pediatria"}, "'categories' must be a table"),
        ({"category": "sport"}, "option 'category': 'sport' is neither a category code"),
        ({"language": "klingonese"}, "'language' must be a language code"),
        ({"alliance_member": "yes"}, "'alliance_member' must be true or false"),
        ({"provider": {"name": "Studio"}}, "'provider' needs an id and a name"),
        ({"provider": {"id": "s", "name": "S", "fax": "1"}}, "'provider' has unknown key"),
        ({"provider_identity": "vatID"}, "option 'provider_identity' must be a list"),
        ({"provider_identity": ["vatID", "fax"]}, "option 'provider_identity': unknown field"),
    ],
)
def test_invalid_options_are_config_errors(
    fetcher: Fetcher, options: dict[str, object], error: str
) -> None:
    source = SourceConfig("studio", "jsonld", "studio.html", options=options)

    with pytest.raises(ConfigError, match=error.replace("[", r"\[").replace("]", r"\]")):
        JsonLdMarkup(source, fetcher, {})


# --- Locations ------------------------------------------------------------------------


async def test_locations_come_from_places_addresses_coordinates_channels_and_instances(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    place = {
        "@type": "Place",
        "@id": "https://s.example/#sala",
        "name": "Sala Verde",
        "address": ADDRESS,
    }
    node = service(
        "https://s.example/corso",
        location=[{"@id": "https://s.example/#sala"}, "Via Thaon di Revel 21, Milano"],
        areaServed={
            "@list": [
                {"@type": "City", "name": "Milano"},
                "Isola",
                {
                    "@type": "PostalAddress",
                    "streetAddress": "Via Sebenico 17",
                    "postalCode": "20159",
                    "addressRegion": "Lombardia",
                },
            ]
        },
        availableChannel={
            "@type": "ServiceChannel",
            "serviceLocation": {"@type": "Place", "geo": GEO},
        },
        hasCourseInstance={
            "@type": "CourseInstance",
            "location": {"@id": "https://s.example/#sala"},
        },
    )

    items = await read_file(fetcher, tmp_path, graph(clinic(), place, node))

    sebenico = derived("address", "via sebenico 17", "20159", "")
    thaon = derived("address", "via thaon di revel 21 milano", "", "")
    assert items == [
        PROVIDER,
        LocationRecord(
            "https://s.example/#sala",
            name="Sala Verde",
            address="Via Federico Confalonieri 22",
            cap="20159",
            city="Milano",
            province="MI",
        ),
        LocationRecord(thaon, address="Via Thaon di Revel 21, Milano"),
        LocationRecord(sebenico, address="Via Sebenico 17", cap="20159"),
        LocationRecord("geo:45.48681,9.18956", latitude=45.48681, longitude=9.18956),
        PREMISES,
        offering(
            "https://s.example/corso",
            location_external_ids=(
                "https://s.example/#sala",
                thaon,
                sebenico,
                "geo:45.48681,9.18956",
            ),
        ),
    ]


async def test_offering_naming_no_site_is_at_its_providers_premises_unless_online(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    nodes = [
        service(
            "https://s.example/video",
            "Video",
            availableChannel={"@type": "ServiceChannel", "serviceUrl": "https://s.example/call"},
        ),
        service(
            "https://s.example/virtual",
            "Virtuale",
            location={"@type": "VirtualLocation", "url": "https://s.example/live"},
        ),
        service(
            "https://s.example/webinar",
            "Webinar",
            eventAttendanceMode="https://schema.org/OnlineEventAttendanceMode",
        ),
        service("https://s.example/corso", "Corso", courseMode=["Online"]),
        service(
            "https://s.example/studio", "In studio", areaServed={"@type": "City", "name": "Milano"}
        ),
        service(
            "https://s.example/parco", "Al parco", location={"@type": "Place", "name": "Parco"}
        ),
    ]

    items = await read_file(fetcher, tmp_path, graph(clinic(), *nodes))

    online = {"location_external_ids": (), "delivery_mode": DeliveryMode.ONLINE}
    assert items[2:] == [
        offering("https://s.example/video", "Video", **online),
        offering("https://s.example/virtual", "Virtuale", **online),
        offering("https://s.example/webinar", "Webinar", **online),
        offering("https://s.example/corso", "Corso", **online),
        offering("https://s.example/studio", "In studio"),
        offering("https://s.example/parco", "Al parco", location_external_ids=()),
    ]


async def test_place_with_an_unreadable_coordinate_is_a_location_problem(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    place = {
        "@type": "Place",
        "@id": "https://s.example/#sala",
        "geo": {"latitude": "nord", "longitude": 9.1},
    }
    node = service("https://s.example/a", location={"@id": "https://s.example/#sala"})

    items = await read_file(fetcher, tmp_path, graph(clinic(), place, node))

    assert items == [
        PROVIDER,
        Problem(
            "location",
            "https://s.example/#sala",
            "Place https://s.example/#sala: coordinate 'nord' is not a number",
        ),
        PREMISES,
        offering("https://s.example/a", location_external_ids=("https://s.example/#sala",)),
    ]


# --- Times, ages, status ----------------------------------------------------------------


async def test_event_and_course_dates_become_schedules_in_rome_with_status_and_ages(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    camp = {
        "@type": "ChildrensEvent",
        "@id": "https://s.example/estate",
        "name": "Centro estivo",
        "organizer": {"@id": CLINIC},
        "category": "Pediatria",
        "startDate": "2026-06-15",
        "endDate": "2026-07-31",
        "typicalAgeRange": "5-11",
        "eventStatus": "https://schema.org/EventPostponed",
        "dateModified": "2026-03-01T10:00:00Z",
    }
    talk = {
        "@type": "EducationEvent",
        "@id": "https://s.example/incontro",
        "name": "Incontro",
        "organizer": {"@id": CLINIC},
        "category": "Pediatria",
        "startDate": "2026-10-25T18:30:00",
        "endDate": "2026-10-25T20:00:00+01:00",
        "eventStatus": {"@id": "https://schema.org/EventCancelled"},
        "audience": {"@type": "PeopleAudience", "suggestedMinAge": "18"},
        "typicalAgeRange": "30-",
    }

    course = {
        "@type": "Course",
        "@id": "https://s.example/corso",
        "name": "Corso",
        "provider": {"@id": CLINIC},
        "category": "Pediatria",
        "hasCourseInstance": [
            {"startDate": "2026-09-14T18:00:00", "endDate": "2026-09-14T19:30:00"},
            {"startDate": "2026-09-21T18:00:00"},
        ],
    }

    items = await read_file(fetcher, tmp_path, graph(clinic(), camp, talk, course))

    assert items[2:] == [
        offering(
            "https://s.example/estate",
            "Centro estivo",
            status=OfferingStatus.SUSPENDED,
            schedules=(
                ScheduleRecord(
                    datetime(2026, 6, 15, tzinfo=ROME),
                    datetime(2026, 8, 1, tzinfo=ROME),
                    all_day=True,
                ),
            ),
            min_age=5,
            max_age=11,
        ),
        offering(
            "https://s.example/incontro",
            "Incontro",
            status=OfferingStatus.WITHDRAWN,
            schedules=(
                ScheduleRecord(
                    datetime(2026, 10, 25, 18, 30, tzinfo=ROME),
                    datetime(2026, 10, 25, 19, 0, tzinfo=UTC),
                ),
            ),
            min_age=18,
        ),
        offering(
            "https://s.example/corso",
            "Corso",
            schedules=(
                ScheduleRecord(
                    datetime(2026, 9, 14, 18, tzinfo=ROME),
                    datetime(2026, 9, 14, 19, 30, tzinfo=ROME),
                ),
                ScheduleRecord(datetime(2026, 9, 21, 18, tzinfo=ROME)),
            ),
        ),
    ]
    camp_record, talk_record = items[2], items[3]
    assert isinstance(camp_record, OfferingRecord)
    assert isinstance(talk_record, OfferingRecord)
    assert camp_record.last_modified == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert talk_record.schedules[0].start.utcoffset() == timedelta(hours=1)  # CET again by then


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"startDate": "domani"}, "'domani' is not an ISO 8601 date or date-time"),
        (
            {"typicalAgeRange": "bambini"},
            "typicalAgeRange 'bambini' is not like '6-10', '18-' or '18+'",
        ),
        ({"audience": {"suggestedMinAge": "tre"}}, "age 'tre' is not a number"),
        ({"offers": {"price": "12,50"}}, "price '12,50' is not a number"),
        ({"offers": {"price": "NaN"}}, "price 'NaN' is not a number"),
        (
            {"offers": {"price": 10, "validThrough": "31/12/2026"}},
            "validThrough '31/12/2026' is not an ISO 8601 date or date-time",
        ),
        (
            {"offers": {"price": 10, "validFrom": "0001-01-01T00:00+14:00"}},
            "validFrom '0001-01-01T00:00+14:00' is out of the range of dates",
        ),
        ({"startDate": "9999-12-31"}, "'9999-12-31' is out of the range of dates"),
        ({"offers": "Gratis"}, "its offers hold 'Gratis', not an Offer"),
        ({"offers": {"price": [10, 20]}}, "'price' has several values: '10' and '20'"),
        ({"offers": {"price": {"@type": "PriceSpecification"}}}, "'price' is a node, not a value"),
        (
            {"description": {"@type": "TextObject", "text": "x"}},
            "'description' is a node, not text",
        ),
    ],
)
async def test_unreadable_value_makes_the_offering_a_problem_and_the_rest_loads(
    fetcher: Fetcher, tmp_path: Path, fields: Json, reason: str
) -> None:
    broken = service("https://s.example/rotto", "Rotto", **fields)

    items = await read_file(
        fetcher, tmp_path, graph(clinic(), broken, service("https://s.example/ok"))
    )

    assert items[2:] == [
        Problem(
            "offering", "https://s.example/rotto", f"Service https://s.example/rotto: {reason}"
        ),
        offering("https://s.example/ok"),
    ]


# --- Identity and references ------------------------------------------------------------


async def test_node_declared_in_two_blocks_is_one_node_with_the_values_of_both(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    first = graph(
        clinic(), service("https://s.example/fisio", "Fisioterapia", serviceType="Fisioterapia")
    )
    second = {
        "@context": "https://schema.org",
        "@id": "https://s.example/fisio",
        "name": {"@value": "Physiotherapy", "@language": "en"},
        "offers": {"@type": "Offer", "price": 55},
    }
    items = await read_file(fetcher, tmp_path, page(first, second))

    assert items[2:] == [
        offering(
            "https://s.example/fisio",
            "Fisioterapia",
            title_en="Physiotherapy",
            categories=("physiotherapy",),
            cost_options=(CostOptionRecord(amount_cents=5500),),
        )
    ]


async def test_one_id_declared_twice_with_different_names_is_a_problem(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    document = graph(
        clinic(),
        service("https://s.example/a", "Visita pediatrica"),
        service("https://s.example/a", "Visita ortopedica"),
    )

    items = await read_file(fetcher, tmp_path, document)

    assert items[2:] == [
        Problem(
            "offering",
            "https://s.example/a",
            "Service https://s.example/a: 'name' has several 'it' values: "
            "'Visita pediatrica', 'Visita ortopedica'",
        )
    ]


async def test_nodes_without_id_get_ids_from_name_and_provider_stable_across_reads(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    nodes = [
        service(None, "Visita  Pediatrica"),
        service(None, "Fisioterapia", serviceType="Fisioterapia"),
    ]

    first = await read_file(fetcher, tmp_path, graph(clinic(), *nodes))
    again = await read_file(fetcher, tmp_path, graph(*reversed(nodes), clinic()))

    assert first[2:] == [
        offering(derived("offering", "visita pediatrica", CLINIC), "Visita  Pediatrica"),
        offering(
            derived("offering", "fisioterapia", CLINIC),
            "Fisioterapia",
            categories=("physiotherapy",),
        ),
    ]
    assert sorted(r.external_id for r in again if isinstance(r, OfferingRecord)) == sorted(
        r.external_id for r in first if isinstance(r, OfferingRecord)
    )


async def test_duplicate_derived_ids_yield_the_first_and_a_problem_unless_identical(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    nodes = [
        service(None, offers={"price": 80}),
        service(None, offers={"price": 80}),
        service(None, offers={"price": 95}),
    ]

    items = await read_file(fetcher, tmp_path, graph(clinic(), *nodes))

    external_id = derived("offering", "visita pediatrica", CLINIC)
    assert items[2:] == [
        offering(external_id, cost_options=(CostOptionRecord(amount_cents=8000),)),
        Problem(
            "offering",
            external_id,
            f"another offering has the id {external_id!r} (same name and provider)",
        ),
    ]


async def test_blank_node_ids_are_local_to_their_block(fetcher: Fetcher, tmp_path: Path) -> None:
    def block(vat: str, name: str) -> Json:
        org = {"@type": "Organization", "@id": "_:org", "name": name, "vatID": vat}
        return graph(org, service(None, "Visita", provider={"@id": "_:org"}))

    text = page(block("12345670017", "Uno"), block("00743110157", "Due"))

    items = await read_file(fetcher, tmp_path, text)

    first, second = "vat:12345670017", "vat:00743110157"
    pediatric = ("health-checkup",)
    assert items == [
        ProviderRecord(first, "Uno", vat_number="12345670017"),
        ProviderRecord(second, "Due", vat_number="00743110157"),
        OfferingRecord(derived("offering", "visita", first), first, "Visita", categories=pediatric),
        OfferingRecord(
            derived("offering", "visita", second), second, "Visita", categories=pediatric
        ),
    ]


# --- Faults ---------------------------------------------------------------------------


async def test_block_that_is_not_json_is_a_problem_and_the_others_load(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    feed_server.serve(
        "/p.html",
        page(
            graph(clinic()),
            '{"@type": "Service", "name": "Rotto",',
            "42",
            graph(service("https://s.example/a")),
        ),
        content_type="text/html",
    )
    connector = JsonLdMarkup(config(feed_server.url("/p.html")), fetcher, {})

    items = [item async for item in connector.records()]

    assert items[:2] == [
        Problem(
            "jsonld-block",
            None,
            "JSON-LD block 2 of the page is not valid JSON: "
            "unexpected end of data: line 1 column 38 (char 37)",
        ),
        Problem("jsonld-block", None, "JSON-LD block 3 of the page is not an object or an array"),
    ]
    assert items[2:-1] == [PROVIDER, PREMISES, offering("https://s.example/a")]
    assert connector.complete_snapshot is False


async def test_whole_page_read_is_a_complete_snapshot(fetcher: Fetcher, tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(page(graph(clinic())))
    connector = JsonLdMarkup(config(str(path)), fetcher, {})

    assert [item async for item in connector.records()][:-1] == [PROVIDER, PREMISES]
    assert connector.complete_snapshot is True


async def test_page_cut_inside_a_block_loses_only_that_block(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    text = page(graph(clinic()), graph(service("https://s.example/a")))
    items = await read_file(fetcher, tmp_path, text[: text.rindex("</script>") - 10])

    problem = items[0]
    assert isinstance(problem, Problem)
    assert (problem.record_kind, problem.external_id) == ("jsonld-block", None)
    assert problem.reason.startswith("JSON-LD block 2 of the page is not valid JSON")
    assert items[1:] == [PROVIDER, PREMISES]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<html><body><p>Nessun dato strutturato</p></body></html>", "has no JSON-LD: no <script"),
        (page("{oops", "[1, ").encode(), "no JSON-LD block can be read (JSON-LD block 1"),
        (b'{"@graph": [', "is not valid JSON"),
        (b"Servizio non disponibile", "is not valid JSON"),
        (b'"@graph"', "a JSON-LD document is an object or an array"),
        (b'{"organizations": [], "services": []}', "holds no JSON-LD"),
        (b"[1, 2]", "holds no JSON-LD"),
        (b"\xff\xfe{}", "cannot be decoded"),
    ],
)
async def test_document_without_readable_json_ld_raises_fetch_error(
    fetcher: Fetcher, tmp_path: Path, body: bytes, error: str
) -> None:
    path = tmp_path / "document"
    path.write_bytes(body)

    with pytest.raises(FetchError, match=error.replace("(", r"\(").replace("[", r"\[")):
        await read_url(fetcher, str(path))


async def test_service_without_name_or_provider_is_a_problem_even_after_schema_drift(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    renamed = service("https://s.example/renamed")
    renamed["title"] = renamed.pop("name")
    moved = service("https://s.example/moved")
    moved["providedBy"] = moved.pop("provider")
    nodes = [
        renamed,
        moved,
        service("https://s.example/ghost", provider={"@id": "https://altro.example/#org"}),
        service("https://s.example/text", provider="Studio Medico Isola"),
        service(None, "Senza id", provider={"@type": "Organization", "url": "https://x.example"}),
    ]

    items = await read_file(fetcher, tmp_path, graph(clinic(), *nodes))

    assert items == [
        PROVIDER,
        PREMISES,
        Problem(
            "offering",
            "https://s.example/renamed",
            "Service https://s.example/renamed: it has no name",
        ),
        Problem(
            "offering",
            "https://s.example/moved",
            "Service https://s.example/moved: it names no provider (provider, organizer,"
            " brand, offeredBy, seller or serviceOperator), no organisation lists it, and the"
            " source has no option 'provider'",
        ),
        Problem(
            "offering",
            "https://s.example/ghost",
            "Service https://s.example/ghost: its provider 'https://altro.example/#org' "
            "is not described in the document",
        ),
        Problem(
            "offering",
            "https://s.example/text",
            "Service https://s.example/text: its provider 'Studio Medico Isola' "
            "is not described in the document",
        ),
        Problem(
            "offering",
            None,
            "Service 'Senza id': its provider (an embedded node) is not described in the document",
        ),
    ]


async def test_server_errors_are_retried_with_backoff_and_retry_after(
    fetcher: Fetcher, feed_server: FeedServer, sleeps: Sleeps
) -> None:
    feed_server.then("/p.html", Reply(500), Reply(503, headers={"Retry-After": "7"}))
    feed_server.serve("/p.html", page(graph(clinic())), content_type="text/html")

    assert await read_url(fetcher, feed_server.url("/p.html")) == [PROVIDER, PREMISES]
    assert sleeps.delays == [0.5, 7.0]


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ([Reply(500)] * 4, r"answered HTTP 500 \(after 4 attempts\)"),
        ([Reply(503, headers={"Retry-After": "3600"})], "asked to retry after 3600 s, too long"),
        ([Reply(404)], "answered HTTP 404"),
        ([Truncated(page(graph(clinic())).encode())] * 4, "cannot fetch"),
    ],
)
async def test_http_failure_raises_fetch_error(
    fetcher: Fetcher, feed_server: FeedServer, answers: list[Reply | Truncated], error: str
) -> None:
    feed_server.then("/p.html", *answers)
    feed_server.serve("/p.html", page(graph(clinic())), content_type="text/html")

    with pytest.raises(FetchError, match=error):
        await read_url(fetcher, feed_server.url("/p.html"))


async def test_stored_validators_make_the_request_conditional(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    feed_server.serve("/p.html", b"", status=304)
    state = {"etag": '"v1"', "last_modified": "Wed, 25 Nov 2026 08:00:00 GMT"}
    connector = JsonLdMarkup(config(feed_server.url("/p.html")), fetcher, state)

    with pytest.raises(NotModified):
        [item async for item in connector.records()]
    assert feed_server.seen[-1].headers["if-none-match"] == '"v1"'


# --- Demo files -----------------------------------------------------------------------

DEMO_SOURCES = """
[[source]]
name = "studio-medico-isola"
kind = "jsonld"
url = "{demo}/studio-medico-isola.html"
description = "Studio Medico Isola, schema.org markup of its web page (fictional demo data)"
alliance_member = true

[source.categories]
"Pediatria" = "health-checkup"
"Cardiologia" = "health-checkup"
"Telemedicina" = "health-checkup"
"Fisioterapia" = "physiotherapy"
"Psicologia" = "psychological-support"
"Nutrizione" = "nutrition"
"Sostegno ai familiari" = "caregiver-support"

[[source]]
name = "ludoteca-la-trottola"
kind = "jsonld"
url = "{demo}/ludoteca.jsonld"
description = "Ludoteca La Trottola and partners, a JSON-LD file (fictional demo data)"

[source.categories]
"Prima infanzia" = "early-childhood"
"Doposcuola" = "after-school"
"Centro estivo" = "summer-camps"
"Baby-sitting" = "babysitting"
"Laboratori per bambini" = "courses"
"Sport per bambini" = "fitness-sport"
"""


async def test_demo_files_load_without_problems(fetcher: Fetcher, tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(DEMO_SOURCES.format(demo=DEMO))
    studio, ludoteca = load_sources(path)

    clinic_items = await read(fetcher, studio)
    play_items = await read(fetcher, ludoteca)

    for items, kinds in (
        (clinic_items, {"ProviderRecord": 1, "LocationRecord": 1, "OfferingRecord": 7}),
        (play_items, {"ProviderRecord": 3, "LocationRecord": 3, "OfferingRecord": 6}),
    ):
        assert not [item for item in items if isinstance(item, Problem)]
        names = [type(item).__name__ for item in items[:-1]]
        assert {name: names.count(name) for name in kinds} == kinds
        offerings = [item for item in items if isinstance(item, OfferingRecord)]
        assert all(o.categories and o.title_en and o.cost_options for o in offerings)
    providers = [i for i in clinic_items + play_items if isinstance(i, ProviderRecord)]
    assert [(p.name, p.alliance_member) for p in providers] == [
        ("Studio Medico Isola", True),
        ("Ludoteca La Trottola", False),
        ("Note in Cortile APS", False),
        ("Centro Nuoto Città Studi", False),
    ]


# --- schema.org's own examples (tests/fixtures/schemaorg) ------------------------------

SCHEMAORG = Path(__file__).resolve().parents[1] / "fixtures" / "schemaorg"
# The sources a member would declare for these pages: each page's own terms mapped to the
# hub's categories, the page's owner as `provider` where its events name no organizer, and
# organisations without an @id known by their web address, else their name.
SCHEMAORG_SOURCES = """
[[source]]
name = "eg-0169"
kind = "jsonld"
url = "{server}/eg-0169.html"
provider_identity = ["@id", "url", "name"]
[source.categories]
"Psychiatric Emergency Services" = "psychological-support"

[[source]]
name = "eg-0301"
kind = "jsonld"
url = "{server}/eg-0301.html"
provider_identity = ["@id", "url", "name"]
[source.categories]
"https://schema.org/BusinessSupport" = "business-services"

[[source]]
name = "eg-0168"
kind = "jsonld"
url = "{server}/eg-0168.html"
category = "WORK_SERVICES"

[[source]]
name = "eg-0396"
kind = "jsonld"
url = "{server}/eg-0396.html"
[source.categories]
"Weekly home cleaning" = "LEISURE_WORK_LIFE"

[[source]]
name = "eg-0421"
kind = "jsonld"
url = "{server}/eg-0421.html"
category = "LEISURE_WORK_LIFE"

[[source]]
name = "eg-0278"
kind = "jsonld"
url = "{server}/eg-0278.html"
category = "career"

[[source]]
name = "eg-0352"
kind = "jsonld"
url = "{server}/eg-0352.html"
category = "business-services"

[[source]]
name = "eg-0461"
kind = "jsonld"
url = "{server}/eg-0461.html"
category = "culture"
provider = { id = "wells-fargo-center", name = "Wells Fargo Center" }

[[source]]
name = "eg-0202"
kind = "jsonld"
url = "{server}/eg-0202.html"
category = "culture"
provider = { id = "http://www.bbking.com/", name = "B.B. King", website = "http://www.bbking.com/" }

[[source]]
name = "eg-0426"
kind = "jsonld"
url = "{server}/eg-0426.html"
category = "fitness-sport"
provider = { id = "http://www.runwildmissoula.org/", name = "Run Wild Missoula" }

[[source]]
name = "eg-0014"
kind = "jsonld"
url = "{server}/eg-0014.html"
category = "culture"
provider_identity = ["@id", "url", "name"]

[[source]]
name = "eg-0170"
kind = "jsonld"
url = "{server}/eg-0170.html"
category = "culture"
provider_identity = ["@id", "url", "name"]

[[source]]
name = "eg-4468b"
kind = "jsonld"
url = "{server}/eg-4468b.html"
category = "culture"
provider_identity = ["@id", "url", "name"]

[[source]]
name = "eg-0337"
kind = "jsonld"
url = "{server}/eg-0337.html"
category = "courses"

[[source]]
name = "eg-0338"
kind = "jsonld"
url = "{server}/eg-0338.html"
category = "courses"

[[source]]
name = "eg-0378"
kind = "jsonld"
url = "{server}/eg-0378.html"

[[source]]
name = "eg-0193"
kind = "jsonld"
url = "{server}/eg-0193.html"
"""


def schemaorg_sources(feed_server: FeedServer, tmp_path: Path) -> dict[str, SourceConfig]:
    """SCHEMAORG_SOURCES by name, each example page served as a member's web page."""
    for page in SCHEMAORG.glob("*.html"):
        feed_server.serve(f"/{page.name}", page.read_bytes(), content_type="text/html")
    path = tmp_path / "schemaorg.toml"
    path.write_text(SCHEMAORG_SOURCES.replace("{server}", feed_server.url("")))
    return {source.name: source for source in load_sources(path)}


async def read_example(fetcher: Fetcher, source: SourceConfig) -> list[Item]:
    """The items of one example page, without the final checkpoint."""
    items = await read(fetcher, source)
    assert isinstance(items[-1], Checkpoint)
    return items[:-1]


def address_id(street: str, cap: str, city: str) -> str:
    return derived("address", fold(street), cap, fold(city))


def offering_id(title: str, provider_id: str) -> str:
    return derived("offering", fold(title), provider_id)


async def test_schemaorg_government_services_by_their_provider_or_operator_with_channels(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    sources = schemaorg_sources(feed_server, tmp_path)
    va = "US Department of Veterans Affairs"
    sba = "US Small Business Administration"
    # No addressCountry: the address reads as an Italian one, CAP and province included.
    hospital = address_id("1400 VFW Parkway", "02132", "West Roxbury")

    mental_health = await read_example(fetcher, sources["eg-0169"])
    loans = await read_example(fetcher, sources["eg-0301"])

    assert mental_health == [
        ProviderRecord(va, va),
        LocationRecord(
            hospital,
            name="VA Boston -- West Roxbury",
            address="1400 VFW Parkway",
            cap="02132",
            city="West Roxbury",
            province="MA",
        ),
        OfferingRecord(
            offering_id("Veterans Affairs Emergency Mental Health", va),
            va,
            "Veterans Affairs Emergency Mental Health",
            categories=("psychological-support",),
            languages=("es",),
            location_external_ids=(hospital,),
            eligibility_description="Veterans",
        ),
    ]
    assert loans == [
        ProviderRecord(sba, sba),
        OfferingRecord(
            offering_id("Paycheck Protection Program", sba),
            sba,
            "Paycheck Protection Program",
            categories=("business-services",),
            booking_url="https://www.sba.gov/funding-programs/loans/coronavirus-relief-options/paycheck-protection-program-ppp",
            eligibility_description="Small businesses",
        ),
    ]


async def test_schemaorg_catalogue_of_a_service_lists_offerings_of_its_provider(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    sources = schemaorg_sources(feed_server, tmp_path)
    acme = derived("org", "acme home cleaning")

    items = await read_example(fetcher, sources["eg-0396"])

    assert items == [
        ProviderRecord(acme, "ACME Home Cleaning"),
        *(
            OfferingRecord(offering_id(title, acme), acme, title, categories=("leisure-work-life",))
            for title in (
                "Apartment light cleaning",
                "House light cleaning up to 2 bedrooms",
                "House light cleaning 3+ bedrooms",
                "Window washing",
                "Carpet cleaning",
                "Move in/out cleaning",
            )
        ),
    ]


async def test_schemaorg_offers_are_labelled_prices_in_their_currency_and_sellers_provide(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    sources = schemaorg_sources(feed_server, tmp_path)
    college = derived("org", "acme community college")
    campus = address_id("123 Main Street", "02134", "Boston")
    condition = "You need to be aged 18 or over, and UK resident to apply"

    program = await read_example(fetcher, sources["eg-0278"])
    accounts = await read_example(fetcher, sources["eg-0352"])
    game = await read_example(fetcher, sources["eg-0461"])

    assert program[1:] == [
        LocationRecord(
            campus,
            provider_external_id=college,
            name="ACME Community College",
            address="123 Main Street",
            cap="02134",
            city="Boston",
            province="MA",
        ),
        OfferingRecord(
            offering_id("Undergraduate CS degree from ACME College", college),
            college,
            "Undergraduate CS degree from ACME College",
            categories=("career",),
            cost_options=(
                CostOptionRecord("Resident Tuition", 1627800, "USD"),
                CostOptionRecord("International Tuition", 3734400, "USD"),
                CostOptionRecord("Other Tuition", 3559900, "USD"),
                CostOptionRecord("Room and Board", 1358800, "USD"),
            ),
            booking_url="http://www.acme.edu/CS",
            location_external_ids=(campus,),
        ),
    ]
    assert accounts[0] == ProviderRecord("http://rbs.co.uk", "RBS")
    bank_offerings = [item for item in accounts if isinstance(item, OfferingRecord)]
    assert [
        (o.title_it, o.provider_external_id, [(c.amount_cents, c.currency) for c in o.cost_options])
        for o in bank_offerings
    ] == [
        ("Select  account", "http://rbs.co.uk", [(0, "EUR")]),
        ("Select Silver account", "http://rbs.co.uk", [(1000, "GBP")]),
        ("Select Platinum account", "http://rbs.co.uk", [(1600, "GBP")]),
        ("Black account", "http://rbs.co.uk", [(2400, "GBP")]),
    ]
    assert all((o.cost_options[0].description or "").startswith(condition) for o in bank_offerings)
    assert game == [
        ProviderRecord("wells-fargo-center", "Wells Fargo Center"),
        OfferingRecord(
            offering_id(
                "Miami Heat at Philadelphia 76ers - Game 3 (Home Game 1)", "wells-fargo-center"
            ),
            "wells-fargo-center",
            "Miami Heat at Philadelphia 76ers - Game 3 (Home Game 1)",
            categories=("culture",),
            cost_options=(CostOptionRecord(amount_cents=3500, currency="USD"),),
            booking_url=feed_server.url("/nba-miami-philidelphia-game3.html"),
            schedules=(ScheduleRecord(datetime(2016, 4, 21, 20, tzinfo=ROME)),),
        ),
    ]


async def test_schemaorg_event_offers_give_valid_days_prices_schedules_and_venues(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    sources = schemaorg_sources(feed_server, tmp_path)
    minus5 = timezone(timedelta(hours=-5))
    venue = address_id("79 Washington St.", "", "Providence")  # in the US: no CAP

    concert = await read_example(fetcher, sources["eg-0202"])
    marathon = await read_example(fetcher, sources["eg-0426"])
    reading = await read_example(fetcher, sources["eg-0014"])
    opera = await read_example(fetcher, sources["eg-0170"])
    dance = await read_example(fetcher, sources["eg-4468b"])

    bbking = "http://www.bbking.com/"
    assert concert == [
        ProviderRecord(bbking, "B.B. King", website=bbking),
        LocationRecord(
            venue, name="Lupo's Heartbreak Hotel", address="79 Washington St.", city="Providence"
        ),
        OfferingRecord(
            offering_id('B.B. King with Jonathon "Boogie" Long', bbking),
            bbking,
            'B.B. King with Jonathon "Boogie" Long',
            categories=("culture",),
            cost_options=(
                CostOptionRecord("General Admission", 6325, "USD"),
                CostOptionRecord("VIP Experience", 29900, "USD"),
            ),
            valid_from=None,  # General Admission gives no dates, only VIP Experience does
            valid_until=None,
            booking_url="http://www.bbking.com/events/apr12-providence.html",
            location_external_ids=(venue,),
            schedules=(
                ScheduleRecord(
                    datetime(2014, 4, 12, 19, 30, tzinfo=ROME),
                    datetime(2014, 4, 12, 22, tzinfo=ROME),
                ),
            ),
            min_age=18,
        ),
    ]
    (marathon_offering,) = [item for item in marathon if isinstance(item, OfferingRecord)]
    assert (marathon_offering.description_it or "").startswith("The Missoula Marathon course")
    assert replace(marathon_offering, description_it=None) == OfferingRecord(
        offering_id("The Missoula Marathon", "http://www.runwildmissoula.org/"),
        "http://www.runwildmissoula.org/",
        "The Missoula Marathon",
        categories=("fitness-sport",),
        cost_options=(
            CostOptionRecord(amount_cents=8500, currency="USD"),
            CostOptionRecord(amount_cents=9500, currency="USD"),
            CostOptionRecord(amount_cents=12500, currency="USD"),
        ),
        valid_from=date(2015, 10, 1),
        valid_until=date(2016, 7, 9),
        booking_url="http://www.runwildmissoula.org/runwild/index.php/ID/mmar2016/fuseaction/register.main.htm",
        schedules=(ScheduleRecord(datetime(2016, 7, 10, 6, tzinfo=ROME)),),
    )
    assert [
        (o.title_it, o.provider_external_id, o.delivery_mode, o.valid_from, o.valid_until)
        for o in reading + opera + dance
        if isinstance(o, OfferingRecord)
    ] == [
        (
            "Story Time Reading",
            "https://torytimereadings.com.com",
            DeliveryMode.ONLINE,
            date(2020, 7, 1),
            None,
        ),
        (
            "The Adventures of Kira and Morrison",
            "https://kiraandmorrisonmusic.com",
            DeliveryMode.IN_PERSON,
            date(2024, 5, 21),
            None,
        ),
        (
            "Rinse",
            "https://nac-cna.ca/en/indigenoustheatre",
            DeliveryMode.IN_PERSON,
            date(2025, 6, 12),
            None,
        ),
    ]
    assert [o.schedules for o in reading + opera + dance if isinstance(o, OfferingRecord)] == [
        (
            ScheduleRecord(
                datetime(2020, 7, 24, 16, tzinfo=UTC), datetime(2020, 7, 24, 16, 30, tzinfo=UTC)
            ),
        ),
        (
            ScheduleRecord(
                datetime(2025, 7, 21, 19, tzinfo=minus5), datetime(2025, 7, 21, 23, tzinfo=minus5)
            ),
        ),
        (
            ScheduleRecord(
                datetime(2026, 1, 22, 20, tzinfo=minus5), datetime(2026, 1, 22, 21, tzinfo=minus5)
            ),
        ),
    ]
    assert [item for item in dance if isinstance(item, LocationRecord)] == [
        LocationRecord(
            "https://nac-cna.ca/venue/studio#Place",
            name="Azrieli Studio",
            address="1 Elgin Street",
            city="Ottawa",  # in Canada: its postal code and province are not Italian codes
        )
    ]


async def test_schemaorg_courses_online_by_their_instances_and_relative_urls_resolved(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    sources = schemaorg_sources(feed_server, tmp_path)
    hopkins = derived("org", "johns hopkins university")
    bristol = derived("org", "university of bristol")

    toolbox = await read_example(fetcher, sources["eg-0337"])
    physics = await read_example(fetcher, sources["eg-0338"])

    assert toolbox == [
        ProviderRecord(hopkins, "Johns Hopkins University"),
        OfferingRecord(
            offering_id("The Data Scientist's Toolbox", hopkins),
            hopkins,
            "The Data Scientist's Toolbox",
            categories=("courses",),
            delivery_mode=DeliveryMode.ONLINE,
            cost_options=(CostOptionRecord(amount_cents=0),),
        ),
    ]
    assert physics == [
        ProviderRecord(
            bristol,
            "University of Bristol",
            website=feed_server.url("/provider/324/university-of-bristol"),
        ),
        OfferingRecord(
            offering_id("Physics", bristol), bristol, "Physics", categories=("courses",)
        ),
    ]


async def test_schemaorg_organisations_with_opening_hours_give_providers_and_premises_only(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    sources = schemaorg_sources(feed_server, tmp_path)
    centre = derived("org", "music resource centre")
    street = "School of Education - Music Resource Centre Laurentian University"

    library = await read_example(fetcher, sources["eg-0378"])
    store = await read_example(fetcher, sources["eg-0193"])

    # Opening hours of an organisation have no place in the hub's provider and location
    # records, and these pages describe no service to give them to.
    assert library == [
        ProviderRecord(centre, "Music Resource Centre", email="dscott@laurentian.ca"),
        LocationRecord(
            address_id(street, "", "Sudbury"),
            provider_external_id=centre,
            name="Music Resource Centre",
            address=street,
            city="Sudbury",
        ),
    ]
    assert store == [
        ProviderRecord(derived("org", "middle of nowhere foods"), "Middle of Nowhere Foods")
    ]


async def test_schemaorg_pages_without_a_provider_or_a_name_are_problems_saying_why(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    sources = schemaorg_sources(feed_server, tmp_path)
    no_provider = (
        "it names no provider (provider, organizer, brand, offeredBy, seller or"
        " serviceOperator), no organisation lists it, and the source has no option 'provider'"
    )
    unowned = replace(sources["eg-0202"], options={"category": "culture"})

    permit = await read_example(fetcher, sources["eg-0168"])
    taxi = await read_example(fetcher, sources["eg-0421"])
    concert = await read_example(fetcher, unowned)
    english = await read_example(
        fetcher,
        replace(sources["eg-0169"], options={**sources["eg-0169"].options, "language": "en"}),
    )

    assert permit == [
        Problem(
            "offering",
            None,
            f"GovernmentService 'NYC Food Service Establishment Permit Service': {no_provider}",
        )
    ]
    assert taxi == [Problem("offering", None, "TaxiService without @id: it has no name")]
    assert [item for item in concert if isinstance(item, Problem)] == [
        Problem(
            "offering", None, f"MusicEvent 'B.B. King with Jonathon \"Boogie\" Long': {no_provider}"
        )
    ]
    # The examples are in English: declared so, they have no Italian title to show.
    assert english[-1] == Problem(
        "offering",
        None,
        "GovernmentService 'Veterans Affairs Emergency Mental Health': it has no Italian name"
        " (only: en)",
    )


# --- End to end through the sync engine -------------------------------------------------


@pytest.fixture
def sessions(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> Sessions:
    monkeypatch.setitem(connectors.registry.CONNECTORS, "jsonld", JsonLdMarkup)
    return session_factory(engine)


async def catalogue(sessions: Sessions) -> dict[str, tuple[Any, ...]]:
    """Each stored offering: status, title, area, categories, prices, provider, district."""
    async with sessions() as session:
        rows = await session.execute(
            sa.select(Offering, col(Provider.name)).join(
                Provider, col(Provider.id) == col(Offering.provider_id)
            )
        )
        found: dict[str, tuple[Any, ...]] = {}
        for offering_row, provider_name in rows:
            codes = await session.execute(
                sa.select(col(Category.code))
                .join(OfferingCategory, col(OfferingCategory.category_id) == col(Category.id))
                .where(col(OfferingCategory.offering_id) == offering_row.id)
            )
            prices = await session.execute(
                sa.select(col(CostOption.amount_cents))
                .where(col(CostOption.offering_id) == offering_row.id)
                .order_by(col(CostOption.position))
            )
            found[str(offering_row.external_id)] = (
                offering_row.status,
                offering_row.title_it,
                offering_row.area,
                sorted(codes.scalars()),
                list(prices.scalars()),
                provider_name,
                offering_row.in_district,
            )
        return found


async def run_problems(sessions: Sessions, run: SyncRun) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(col(SyncProblem.record_kind), col(SyncProblem.reason)).where(
                col(SyncProblem.sync_run_id) == run.id
            )
        )
        return [(kind, reason) for kind, reason in rows]


async def test_sync_stores_the_page_and_a_failed_fetch_keeps_it(
    sessions: Sessions, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    feed_server.serve(
        "/p.html",
        page(
            graph(clinic()),
            graph(
                service("https://s.example/pediatria", offers={"price": 80}),
                service(
                    "https://s.example/psico",
                    "Colloquio",
                    serviceType="Psicologia",
                    offers={"price": 0},
                ),
            ),
        ),
        content_type="text/html",
    )
    source = config(feed_server.url("/p.html"))

    first = await sync_source(sessions, source, client, fetcher=fetcher)
    stored = await catalogue(sessions)
    feed_server.serve("/p.html", "down", status=500)
    second = await sync_source(sessions, source, client, fetcher=fetcher)

    assert (first.status, first.created, first.quarantined) == (SyncStatus.SUCCEEDED, 4, 0)
    assert stored == {
        "https://s.example/pediatria": (
            OfferingStatus.ACTIVE,
            "Visita pediatrica",
            "HEALTH_WELLBEING",
            ["health-checkup"],
            [8000],
            "Studio Medico Isola",
            True,
        ),
        "https://s.example/psico": (
            OfferingStatus.ACTIVE,
            "Colloquio",
            "HEALTH_WELLBEING",
            ["psychological-support"],
            [0],
            "Studio Medico Isola",
            True,
        ),
    }
    async with sessions() as session:
        location = (await session.execute(sa.select(Location))).scalar_one()
        provider = (await session.execute(sa.select(Provider))).scalar_one()
    assert (location.external_id, location.in_district, location.provider_id) == (
        CLINIC,
        True,
        provider.id,
    )
    assert provider.vat_number == "12345670017"
    assert second.status is SyncStatus.FAILED
    assert second.error is not None
    assert "answered HTTP 500: down (after 4 attempts)" in second.error
    assert await catalogue(sessions) == stored


async def test_sync_withdraws_a_removed_service_but_nothing_when_a_block_breaks(
    sessions: Sessions, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    services = graph(
        service("https://s.example/pediatria"),
        service("https://s.example/fisio", "Fisioterapia", serviceType="Fisioterapia"),
    )
    source = config(feed_server.url("/p.html"))
    feed_server.serve("/p.html", page(graph(clinic()), services), content_type="text/html")
    await sync_source(sessions, source, client, fetcher=fetcher)

    feed_server.serve(
        "/p.html", page(graph(clinic()), '{"@graph": [ oops'), content_type="text/html"
    )
    broken = await sync_source(sessions, source, client, fetcher=fetcher)
    after_broken = {key: value[0] for key, value in (await catalogue(sessions)).items()}

    services["@graph"].pop()
    feed_server.serve("/p.html", page(graph(clinic()), services), content_type="text/html")
    removed = await sync_source(sessions, source, client, fetcher=fetcher)

    assert (broken.status, broken.withdrawn, broken.quarantined) == (SyncStatus.SUCCEEDED, 0, 1)
    assert (await run_problems(sessions, broken))[0][0] == "jsonld-block"
    assert after_broken == {
        "https://s.example/pediatria": OfferingStatus.ACTIVE,
        "https://s.example/fisio": OfferingStatus.ACTIVE,
    }
    assert (removed.status, removed.withdrawn) == (SyncStatus.SUCCEEDED, 1)
    assert {key: value[0] for key, value in (await catalogue(sessions)).items()} == {
        "https://s.example/pediatria": OfferingStatus.ACTIVE,
        "https://s.example/fisio": OfferingStatus.WITHDRAWN,
    }


async def test_sync_of_the_demo_files_quarantines_nothing(
    sessions: Sessions, client: httpx.AsyncClient, fetcher: Fetcher, tmp_path: Path
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(DEMO_SOURCES.format(demo=DEMO))

    runs = [await sync_source(sessions, s, client, fetcher=fetcher) for s in load_sources(path)]
    stored = await catalogue(sessions)

    assert [(r.status, r.created, r.quarantined) for r in runs] == [
        (SyncStatus.SUCCEEDED, 9, 0),
        (SyncStatus.SUCCEEDED, 12, 0),
    ]
    assert len(stored) == 13
    outside = sorted(title for _, title, *_, district in stored.values() if not district)
    assert outside == ["Acquaticità e nuoto per bambini"]
    assert {area for _, _, area, *_ in stored.values()} == {
        "HEALTH_WELLBEING",
        "FAMILY_CARE",
        "LEISURE_WORK_LIFE",
    }


SCHEMAORG_CATALOGUE = """
query ($expired: Boolean!) {
  offerings(first: 100, filter: {includeExpired: $expired}) {
    edges {
      node {
        title deliveryMode validFrom validUntil eligibilityDescription
        provider { name }
        categories { code }
        costOptions { label amount currency }
        schedules { startsAt endsAt }
        locations { name address cap city province inDistrict }
      }
    }
  }
  providers(first: 100) {
    edges { node { name email website locations { address cap city } } }
  }
  sources { name lastRun { status quarantined { recordKind reason } } }
}
"""


def shown(node: Json) -> tuple[Any, ...]:
    """What the hub shows of an offering: provider, category, prices, the days it is valid,
    when it starts, where it is."""
    prices = [
        " ".join(filter(None, (c["label"], c["amount"], c["currency"])))
        for c in node["costOptions"]
    ]
    places = [
        ", ".join(filter(None, (p["address"], p["cap"], p["city"]))) for p in node["locations"]
    ]
    return (
        node["provider"]["name"],
        [category["code"] for category in node["categories"]],
        prices,
        (node["validFrom"], node["validUntil"]),
        [schedule["startsAt"] for schedule in node["schedules"]],
        places,
    )


async def test_sync_of_the_schemaorg_examples_shows_what_each_page_offers(
    sessions: Sessions,
    engine: AsyncEngine,
    feed_server: FeedServer,
    client: httpx.AsyncClient,
    fetcher: Fetcher,
    tmp_path: Path,
) -> None:
    sources = schemaorg_sources(feed_server, tmp_path)
    open_ended = (None, None)
    cleaning = ["Apartment light cleaning", "House light cleaning up to 2 bedrooms"]
    cleaning += ["House light cleaning 3+ bedrooms", "Window washing", "Carpet cleaning"]
    cleaning += ["Move in/out cleaning"]

    runs = [await sync_source(sessions, s, client, fetcher=fetcher) for s in sources.values()]
    async with hub_client(create_app(engine=engine)) as http:
        hub = GraphQLClient(http)
        everything = await hub.data(SCHEMAORG_CATALOGUE, {"expired": True})
        current = await hub.data(SCHEMAORG_CATALOGUE, {"expired": False})

    offerings = {edge["node"]["title"]: edge["node"] for edge in everything["offerings"]["edges"]}
    assert {title: shown(node) for title, node in offerings.items()} == {
        **{
            title: ("ACME Home Cleaning", ["leisure-work-life"], [], open_ended, [], [])
            for title in cleaning
        },
        'B.B. King with Jonathon "Boogie" Long': (
            "B.B. King",
            ["culture"],
            ["General Admission 63.25 USD", "VIP Experience 299.00 USD"],
            open_ended,  # General Admission gives no dates
            ["2014-04-12T19:30:00+02:00"],
            ["79 Washington St., Providence"],
        ),
        "Black account": ("RBS", ["business-services"], ["24.00 GBP"], open_ended, [], []),
        "Select  account": ("RBS", ["business-services"], ["0.00 EUR"], open_ended, [], []),
        "Select Silver account": ("RBS", ["business-services"], ["10.00 GBP"], open_ended, [], []),
        "Select Platinum account": (
            "RBS",
            ["business-services"],
            ["16.00 GBP"],
            open_ended,
            [],
            [],
        ),
        "Miami Heat at Philadelphia 76ers - Game 3 (Home Game 1)": (
            "Wells Fargo Center",
            ["culture"],
            ["35.00 USD"],
            open_ended,
            ["2016-04-21T20:00:00+02:00"],
            [],  # a city alone is an area, not a site
        ),
        "Paycheck Protection Program": (
            "US Small Business Administration",
            ["business-services"],
            [],
            open_ended,
            [],
            [],
        ),
        "Physics": ("University of Bristol", ["courses"], [], open_ended, [], []),
        "Rinse": (
            "NAC Indigenous Theatre",
            ["culture"],
            ["35.00 CAD"],
            ("2025-06-12", None),
            ["2026-01-23T02:00:00+01:00"],
            ["1 Elgin Street, Ottawa"],
        ),
        "Story Time Reading": (
            "Story Time Virtual Events",
            ["culture"],
            ["0.00 USD"],
            ("2020-07-01", None),
            ["2020-07-24T18:00:00+02:00"],
            [],
        ),
        "The Adventures of Kira and Morrison": (
            "Kira and Morrison Music",
            ["culture"],
            ["30.00 USD"],
            ("2024-05-21", None),
            ["2025-07-22T02:00:00+02:00"],
            ["100 West Snickerpark Dr, Snickertown"],
        ),
        "The Data Scientist's Toolbox": (
            "Johns Hopkins University",
            ["courses"],
            ["0.00 EUR"],
            open_ended,
            [],
            [],
        ),
        "The Missoula Marathon": (
            "Run Wild Missoula",
            ["fitness-sport"],
            ["85.00 USD", "95.00 USD", "125.00 USD"],
            ("2015-10-01", "2016-07-09"),
            ["2016-07-10T06:00:00+02:00"],
            [],
        ),
        "Undergraduate CS degree from ACME College": (
            "ACME Community College",
            ["career"],
            [
                "Resident Tuition 16278.00 USD",
                "International Tuition 37344.00 USD",
                "Other Tuition 35599.00 USD",
                "Room and Board 13588.00 USD",
            ],
            open_ended,
            [],
            ["123 Main Street, 02134, Boston"],  # no addressCountry: read as Italian
        ),
        "Veterans Affairs Emergency Mental Health": (
            "US Department of Veterans Affairs",
            ["psychological-support"],
            [],
            open_ended,
            [],
            ["1400 VFW Parkway, 02132, West Roxbury"],
        ),
    }
    providers = {edge["node"]["name"]: edge["node"] for edge in everything["providers"]["edges"]}
    assert providers["Music Resource Centre"] == {
        "name": "Music Resource Centre",
        "email": "dscott@laurentian.ca",
        "website": None,
        "locations": [
            {
                "address": "School of Education - Music Resource Centre Laurentian University",
                "cap": None,  # a Canadian postal code is no CAP
                "city": "Sudbury",
            }
        ],
    }
    assert providers["University of Bristol"]["website"] == feed_server.url(
        "/provider/324/university-of-bristol"
    )
    assert "Middle of Nowhere Foods" in providers
    assert offerings["Story Time Reading"]["deliveryMode"] == "ONLINE"
    veterans = offerings["Veterans Affairs Emergency Mental Health"]
    assert veterans["eligibilityDescription"] == "Veterans"
    assert offerings["The Data Scientist's Toolbox"]["deliveryMode"] == "ONLINE"
    # Past its last valid day, an offering is listed only when expired ones are asked for.
    listed = {edge["node"]["title"] for edge in current["offerings"]["edges"]}
    assert set(offerings) - listed == {"The Missoula Marathon"}
    assert {run.status for run in runs} == {SyncStatus.SUCCEEDED}
    assert {
        source["name"]: [problem["reason"] for problem in source["lastRun"]["quarantined"]]
        for source in everything["sources"]
        if source["lastRun"]["quarantined"]
    } == {
        "eg-0168": [
            "GovernmentService 'NYC Food Service Establishment Permit Service': it names no"
            " provider (provider, organizer, brand, offeredBy, seller or serviceOperator), no"
            " organisation lists it, and the source has no option 'provider'"
        ],
        "eg-0421": ["TaxiService without @id: it has no name"],
    }
