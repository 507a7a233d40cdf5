"""The csv connector: members' spreadsheets, read over real HTTP (a uvicorn server on
127.0.0.1) and from local files, mapped by the source's TOML options; and synced end to
end into a fresh database."""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

import connectors.registry
from connectors.config import ConfigError, SourceConfig, load_sources
from connectors.csv import CsvSheet
from connectors.fetch import Fetcher, FetchError, NotModified
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
)
from connectors.sync import sync_source
from hub.app import create_app
from hub.settings import Settings
from models import (
    Category,
    CostOption,
    DeliveryMode,
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
from models.types import local_today
from models.validation import InvalidRecord, check
from tests.utils.fetching import Sleeps
from tests.utils.hub import hub_client
from tests.utils.server import FeedServer, Reply, Truncated

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "csv"

HEADER = [
    "Codice",
    "Titolo",
    "Title (EN)",
    "Categoria",
    "Prezzo",
    "Modalità",
    "Lingue",
    "Indirizzo",
    "CAP",
    "Lat",
    "Lon",
]
COLUMNS = {
    "Codice": "external_id",
    "Titolo": "title_it",
    "Title (EN)": "title_en",
    "Categoria": "category",
    "Prezzo": "price",
    "Modalità": "delivery_mode",
    "Lingue": "languages",
    "Indirizzo": "address",
    "CAP": "cap",
    "Lat": "latitude",
    "Lon": "longitude",
}
CATEGORIES = {"Yoga": "mind-body", "Corsi": "courses", "Cultura": "culture"}
VALUES = {"delivery_mode": {"In sede": "IN_PERSON", "A domicilio": "AT_HOME"}}
BOTTEGA = ProviderRecord(
    external_id="bottega",
    name="Bottega Isola",
    vat_number="08726340154",
    alliance_member=True,
    email="ciao@bottega.example",
)
PROVIDER_TABLE: dict[str, object] = {
    "id": "bottega",
    "name": "Bottega Isola",
    "vat_number": "08726340154",
    "alliance_member": True,
    "email": "ciao@bottega.example",
}
BORSIERI = "via-pietro-borsieri-12-20159"
NO_STATE: dict[str, object] = {}
Row = list[str]


def row(
    code: str = "Y1",
    title: str = "Yoga al mattino",
    *,
    title_en: str = "",
    category: str = "Yoga",
    price: str = "",
    mode: str = "",
    languages: str = "",
    address: str = "",
    cap: str = "",
    lat: str = "",
    lon: str = "",
) -> Row:
    """A data row in HEADER's column order."""
    return [code, title, title_en, category, price, mode, languages, address, cap, lat, lon]


def sheet(*rows: Row, header: Row = HEADER, delimiter: str = ";") -> str:
    """A spreadsheet as a spreadsheet program writes it (RFC 4180, CRLF)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([header, *rows])
    return buffer.getvalue()


def source(url: str, **options: Any) -> SourceConfig:
    """A csv source with the test mapping; `options` replace or add to it."""
    base: dict[str, Any] = {
        "columns": COLUMNS,
        "categories": CATEGORIES,
        "values": VALUES,
        "provider": PROVIDER_TABLE,
        "delimiter": ";",
    }
    return SourceConfig(name="bottega", kind="csv", url=url, options={**base, **options})


def offering(external_id: str = "Y1", title: str = "Yoga al mattino", **fields: Any) -> Item:
    """An offering of the fixed provider, as the test rows produce it."""
    defaults: dict[str, Any] = {
        "categories": ("mind-body",),
        "delivery_mode": DeliveryMode.ONLINE,
    }
    return OfferingRecord(
        external_id=external_id,
        provider_external_id="bottega",
        title_it=title,
        **{**defaults, **fields},
    )


def records(items: list[Item]) -> list[Item]:
    """The items without the closing checkpoint."""
    assert isinstance(items[-1], Checkpoint)
    return items[:-1]


def offerings_of(items: list[Item]) -> list[OfferingRecord]:
    return [item for item in items if isinstance(item, OfferingRecord)]


def problems_of(items: list[Item]) -> list[Problem]:
    return [item for item in items if isinstance(item, Problem)]


@pytest.fixture
def fetcher(client: httpx.AsyncClient, sleeps: Sleeps) -> Fetcher:
    return Fetcher(client, attempts=3, backoff=0.5, max_delay=30, sleep=sleeps)


async def read(
    config: SourceConfig, fetcher: Fetcher, state: dict[str, object] = NO_STATE
) -> list[Item]:
    return [item async for item in CsvSheet(config, fetcher, state).records()]


async def read_text(
    tmp_path: Path, fetcher: Fetcher, text: str | bytes, **options: Any
) -> list[Item]:
    """The records of a local spreadsheet file (UTF-8 unless given bytes)."""
    path = tmp_path / "sheet.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return records(await read(source(str(path), **options), fetcher))


async def served(
    feed_server: FeedServer, fetcher: Fetcher, text: str, **options: Any
) -> list[Item]:
    """The records of a spreadsheet served over HTTP at /sheet.csv."""
    feed_server.serve("/sheet.csv", text.encode(), content_type="text/csv; charset=utf-8")
    return records(await read(source(feed_server.url("/sheet.csv"), **options), fetcher))


# Mapping ---------------------------------------------------------------------------------


async def test_rows_become_provider_then_locations_then_offerings(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    text = sheet(
        row(
            "C1",
            "Corso di ceramica",
            title_en="Pottery course",
            category="Corsi | Cultura",
            price="€ 12,50",
            mode="In sede",
            languages="it, EN",
            address="Via Pietro Borsieri 12",
            cap="20159",
            lat="45,4891",
            lon="9,1893",
        ),
        row("Y1", price="gratis"),
    )

    items = await served(feed_server, fetcher, text)

    assert items == [
        BOTTEGA,
        LocationRecord(
            external_id=BORSIERI,
            provider_external_id="bottega",
            address="Via Pietro Borsieri 12",
            cap="20159",
            latitude=45.4891,
            longitude=9.1893,
        ),
        offering(
            "C1",
            "Corso di ceramica",
            title_en="Pottery course",
            categories=("courses", "culture"),
            delivery_mode=DeliveryMode.IN_PERSON,
            languages=("it", "en"),
            cost_options=(CostOptionRecord(amount_cents=1250),),
            location_external_ids=(BORSIERI,),
        ),
        offering("Y1", cost_options=(CostOptionRecord(amount_cents=0),)),
    ]


async def test_every_optional_field_is_read(tmp_path: Path, fetcher: Fetcher) -> None:
    header = [
        "Id",
        "Titolo",
        "Descrizione",
        "Description",
        "Cat",
        "Sconto",
        "Prenota",
        "Mail",
        "Indirizzo",
        "Città",
        "Dal",
        "Al",
    ]
    columns = {
        "Id": "external_id",
        "Titolo": "title_it",
        "Descrizione": "description_it",
        "Description": "description_en",
        "Cat": "category",
        "Sconto": "discount",
        "Prenota": "booking_url",
        "Mail": "email",
        "Indirizzo": "address",
        "Città": "city",
        "Dal": "valid_from",
        "Al": "valid_until",
    }
    cells = [
        "A1",
        "Stireria",
        "Camicie\r\nstirate in 48 ore",
        "Shirts ironed in 48 hours",
        "laundry",
        "15%",
        "https://bottega.example/stireria",
        "stireria@bottega.example",
        "Via Carmagnola 7",
        "Milano",
        "01/09/2025",
        "30/06/2026",
    ]

    items = await read_text(tmp_path, fetcher, sheet(cells, header=header), columns=columns)

    assert offerings_of(items) == [
        offering(
            "A1",
            "Stireria",
            description_it="Camicie\nstirate in 48 ore",
            description_en="Shirts ironed in 48 hours",
            categories=("laundry",),
            delivery_mode=DeliveryMode.IN_PERSON,
            beneficiary_discount_percent=15,
            valid_from=date(2025, 9, 1),
            valid_until=date(2026, 6, 30),
            booking_url="https://bottega.example/stireria",
            email="stireria@bottega.example",
            location_external_ids=("via-carmagnola-7",),
        )
    ]
    assert items[1] == LocationRecord(
        external_id="via-carmagnola-7",
        provider_external_id="bottega",
        address="Via Carmagnola 7",
        city="Milano",
    )


@pytest.mark.parametrize(
    ("cell", "cents"),
    [
        ("€ 12,50", 1250),
        ("12,50 €", 1250),
        ("12,5€", 1250),
        ("EUR 8", 800),
        ("1.250,00", 125000),
        ("1.250", 125000),
        ("12.50", 1250),
        ("0,00", 0),
        ("0", 0),
        ("gratis", 0),
        ("Gratuito", 0),
    ],
)
async def test_italian_prices_become_euro_cents(
    tmp_path: Path, fetcher: Fetcher, cell: str, cents: int
) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(price=cell)))

    assert offerings_of(items)[0].cost_options == (CostOptionRecord(amount_cents=cents),)


async def test_blank_price_means_no_cost_option(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(price="")))

    assert offerings_of(items)[0].cost_options == ()


@pytest.mark.parametrize("cell", ["12,50 a lezione", "-5", "1,234", "dodici", "12,5,0"])
async def test_unreadable_price_is_a_problem_naming_row_and_column(
    tmp_path: Path, fetcher: Fetcher, cell: str
) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row("Y1"), row("Y2", price=cell), row("Y3")))

    assert [o.external_id for o in offerings_of(items)] == ["Y1", "Y3"]
    assert problems_of(items) == [
        Problem("offering", "Y2", f"row 3, column 'Prezzo': cannot read the price {cell!r}")
    ]


@pytest.mark.parametrize(
    ("cell", "percent"),
    [
        ("15%", 15),
        ("15 %", 15),
        ("20", 20),
        ("12,5%", 12.5),  # the reported case
        ("7.25 %", 7.25),
        ("0%", None),
        ("", None),
    ],
)
async def test_discount_is_a_percentage_with_up_to_two_decimals(
    tmp_path: Path, fetcher: Fetcher, cell: str, percent: float | None
) -> None:
    header = [*HEADER, "Sconto"]
    columns = {**COLUMNS, "Sconto": "discount"}

    items = await read_text(
        tmp_path, fetcher, sheet([*row(), cell], header=header), columns=columns
    )

    assert offerings_of(items)[0].beneficiary_discount_percent == percent


async def test_unreadable_discount_is_a_problem(tmp_path: Path, fetcher: Fetcher) -> None:
    header = [*HEADER, "Sconto"]
    columns = {**COLUMNS, "Sconto": "discount"}

    items = await read_text(
        tmp_path, fetcher, sheet([*row(), "12,555%"], header=header), columns=columns
    )

    assert items[1:] == [
        Problem(
            "offering",
            "Y1",
            "row 2, column 'Sconto': cannot read the discount '12,555%' (a percentage: 15%, 12,5%)",
        )
    ]


async def test_categories_are_mapped_ignoring_case_or_taken_as_taxonomy_codes(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    text = sheet(row("A", category=" corsi , CULTURA|courses"), row("B", category="fitness-sport"))

    items = await read_text(tmp_path, fetcher, text)

    assert [o.categories for o in offerings_of(items)] == [
        ("courses", "culture"),
        ("fitness-sport",),
    ]


async def test_a_value_can_map_to_several_categories(tmp_path: Path, fetcher: Fetcher) -> None:
    categories = {"Sport e benessere": ["fitness-sport", "mind-body"]}

    items = await read_text(
        tmp_path, fetcher, sheet(row(category="Sport e benessere")), categories=categories
    )

    assert offerings_of(items)[0].categories == ("fitness-sport", "mind-body")


async def test_a_row_of_unknown_categories_only_is_a_problem_and_the_rest_load(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row("A", category="Padel, Pilates"), row("B")))

    assert [o.external_id for o in offerings_of(items)] == ["B"]
    assert problems_of(items) == [
        Problem(
            "offering",
            "A",
            "row 2, column 'Categoria': unknown category 'Padel', 'Pilates'"
            " (map it in the option 'categories')",
        )
    ]


async def test_an_unknown_term_beside_a_known_one_is_counted_not_fatal(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    sheet_source = source(str(tmp_path / "sheet.csv"))
    (tmp_path / "sheet.csv").write_text(
        sheet(row("A", category="Yoga, Pilates"), row("B", category="pilates")), encoding="utf-8"
    )
    connector = CsvSheet(sheet_source, fetcher, {})

    items = [item async for item in connector.records()]

    assert [o.categories for o in offerings_of(items)] == [("mind-body",)]
    assert connector.classifier.unmapped == {"Pilates": 2}


async def test_blank_category_takes_the_default_category(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(category="")), category="courses")

    assert offerings_of(items)[0].categories == ("courses",)


async def test_blank_category_without_a_default_is_a_problem(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(category="")))

    assert problems_of(items) == [
        Problem("offering", "Y1", "row 2, column 'Categoria': missing category")
    ]


@pytest.mark.parametrize(
    ("cell", "address", "mode"),
    [
        ("In sede", "", DeliveryMode.IN_PERSON),
        ("a domicilio", "", DeliveryMode.AT_HOME),
        ("online", "Via Carmagnola 7", DeliveryMode.ONLINE),
        ("AT_HOME", "", DeliveryMode.AT_HOME),
        ("", "Via Carmagnola 7", DeliveryMode.IN_PERSON),
        ("", "", DeliveryMode.ONLINE),
    ],
)
async def test_delivery_mode_is_mapped_or_follows_from_the_address(
    tmp_path: Path, fetcher: Fetcher, cell: str, address: str, mode: DeliveryMode
) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(mode=cell, address=address)))

    assert offerings_of(items)[0].delivery_mode is mode


async def test_blank_delivery_mode_takes_the_default_mode(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(mode="")), delivery_mode="AT_HOME")

    assert offerings_of(items)[0].delivery_mode is DeliveryMode.AT_HOME


async def test_unknown_delivery_mode_is_a_problem(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(mode="In giardino")))

    assert problems_of(items) == [
        Problem(
            "offering",
            "Y1",
            "row 2, column 'Modalità': unknown delivery mode 'In giardino' "
            "(map it in values.delivery_mode)",
        )
    ]


async def test_languages_are_codes_or_mapped_names_without_repeats(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    values = {**VALUES, "languages": {"Italiano": "it", "Inglese": "en"}}
    text = sheet(row("A", languages="IT|en, it"), row("B", languages="Italiano / inglese"))

    items = await read_text(tmp_path, fetcher, text, values=values)

    assert [o.languages for o in offerings_of(items)] == [("it", "en"), ("it", "en")]


async def test_unknown_language_is_a_problem(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(languages="it, milanese")))

    assert problems_of(items) == [
        Problem(
            "offering",
            "Y1",
            "row 2, column 'Lingue': unknown language 'milanese' (map it in values.languages)",
        )
    ]


async def test_one_location_per_distinct_address(tmp_path: Path, fetcher: Fetcher) -> None:
    text = sheet(
        row("A", address="Via Pietro Borsieri 12", cap="20159"),
        row("B", address="via pietro borsieri, 12", cap="20159"),
        row("C", address="Via Carmagnola 7", cap="20159", lat="45.4885", lon="9.1896"),
    )

    items = await read_text(tmp_path, fetcher, text)

    locations = [item for item in items if isinstance(item, LocationRecord)]
    assert [location.external_id for location in locations] == [
        BORSIERI,
        "via-carmagnola-7-20159",
    ]
    assert locations[1].latitude == 45.4885
    assert [o.location_external_ids for o in offerings_of(items)] == [
        (BORSIERI,),
        (BORSIERI,),
        ("via-carmagnola-7-20159",),
    ]
    assert problems_of(items) == []


async def test_an_address_described_differently_keeps_its_first_details(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    text = sheet(
        row("A", address="Via Carmagnola 7", lat="45.4885", lon="9.1896"),
        row("B", address="Via Carmagnola 7", lat="45.5", lon="9.2"),
    )

    items = await read_text(tmp_path, fetcher, text)

    assert [o.external_id for o in offerings_of(items)] == ["A", "B"]
    assert problems_of(items) == [
        Problem(
            "location",
            "via-carmagnola-7",
            "row 3 describes location 'via-carmagnola-7' differently from row 2, "
            "whose details are kept",
        )
    ]


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        ("45.4885", "", "column 'Lon': missing longitude (the row has the other coordinate)"),
        ("45°29'", "9.1896", "column 'Lat': cannot read the latitude \"45°29'\""),
        ("45.4885", "nan", "column 'Lon': cannot read the longitude 'nan'"),
    ],
)
async def test_unreadable_coordinates_are_a_problem(
    tmp_path: Path, fetcher: Fetcher, lat: str, lon: str, reason: str
) -> None:
    items = await read_text(
        tmp_path, fetcher, sheet(row(address="Via Carmagnola 7", lat=lat, lon=lon))
    )

    assert items[1:] == [Problem("offering", "Y1", f"row 2, {reason}")]


PROVIDER_HEADER = [*HEADER, "Ente", "Nome ente", "P.IVA", "Socio"]
PROVIDER_COLUMNS = {
    **COLUMNS,
    "Ente": "provider_id",
    "Nome ente": "provider_name",
    "P.IVA": "provider_vat",
    "Socio": "provider_alliance_member",
}


def provider_row(code: str, *provider: str) -> Row:
    return [*row(code), *provider]


async def test_rows_can_name_their_provider_each_yielded_once(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    text = sheet(
        provider_row("A", "coop", "Coop Isola", "12345670017", "sì"),
        provider_row("B", "gym", "Palestra Garibaldi", "", "no"),
        provider_row("C", "coop", "Coop Isola", "12345670017", "Si"),
        header=PROVIDER_HEADER,
    )

    items = await read_text(tmp_path, fetcher, text, columns=PROVIDER_COLUMNS, provider=None)

    assert items[:2] == [
        ProviderRecord("coop", "Coop Isola", vat_number="12345670017", alliance_member=True),
        ProviderRecord("gym", "Palestra Garibaldi"),
    ]
    assert [(o.external_id, o.provider_external_id) for o in offerings_of(items)] == [
        ("A", "coop"),
        ("B", "gym"),
        ("C", "coop"),
    ]


async def test_rows_without_a_provider_fall_back_to_the_fixed_one(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    text = sheet(
        provider_row("A", "", "", "", ""),
        provider_row("B", "gym", "Palestra Garibaldi", "", "true"),
        header=PROVIDER_HEADER,
    )

    items = await read_text(tmp_path, fetcher, text, columns=PROVIDER_COLUMNS)

    assert items[:2] == [BOTTEGA, ProviderRecord("gym", "Palestra Garibaldi", alliance_member=True)]
    assert [o.provider_external_id for o in offerings_of(items)] == ["bottega", "gym"]


async def test_provider_problems_name_row_and_column(tmp_path: Path, fetcher: Fetcher) -> None:
    text = sheet(
        provider_row("A", "", "", "", ""),
        provider_row("B", "gym", "", "", ""),
        provider_row("C", "gym", "Palestra", "", "forse"),
        provider_row("D", "gym", "Palestra", "", "no"),
        provider_row("E", "gym", "Palestra Garibaldi", "", "no"),
        header=PROVIDER_HEADER,
    )

    items = await read_text(tmp_path, fetcher, text, columns=PROVIDER_COLUMNS, provider=None)

    assert [o.external_id for o in offerings_of(items)] == ["D", "E"]
    assert problems_of(items) == [
        Problem(
            "provider",
            "gym",
            "row 6 describes provider 'gym' differently from row 5, whose details are kept",
        ),
        Problem("offering", "A", "row 2, column 'Ente': missing provider id"),
        Problem("offering", "B", "row 3, column 'Nome ente': missing provider name"),
        Problem("offering", "C", "row 4, column 'Socio': cannot read 'forse' as sì or no"),
    ]


@pytest.mark.parametrize("cell", ["31/02/2025", "2025-09-01", "1/9/25"])
async def test_bad_date_is_a_problem_and_a_good_one_is_stored(
    tmp_path: Path, fetcher: Fetcher, cell: str
) -> None:
    header = [*HEADER, "Valido dal"]
    columns = {**COLUMNS, "Valido dal": "valid_from"}
    text = sheet([*row("A"), "1/9/2025"], [*row("B"), cell], header=header)

    items = await read_text(tmp_path, fetcher, text, columns=columns)

    assert offerings_of(items) == [offering("A", valid_from=date(2025, 9, 1))]
    assert problems_of(items) == [
        Problem(
            "offering",
            "B",
            f"row 3, column 'Valido dal': cannot read the date {cell!r} (dd/mm/yyyy)",
        )
    ]


async def test_rows_without_id_or_title_are_problems(tmp_path: Path, fetcher: Fetcher) -> None:
    text = sheet(row("", "Senza codice"), row("T1", "  "), row("OK"))

    items = await read_text(tmp_path, fetcher, text)

    assert offerings_of(items) == [offering("OK")]
    assert problems_of(items) == [
        Problem("offering", None, "row 2, column 'Codice': missing id"),
        Problem("offering", "T1", "row 3, column 'Titolo': missing Italian title"),
    ]


async def test_wrong_number_of_cells_is_a_problem_and_blank_rows_are_skipped(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    text = sheet(row("A"), ["B", "Yoga; pilates", *row()[2:]], [""] * 11, ["C"], row("D"))
    text = text.replace('"Yoga; pilates"', "Yoga; pilates") + "\r\n;;\r\n"

    items = await read_text(tmp_path, fetcher, text)

    assert [o.external_id for o in offerings_of(items)] == ["A", "D"]
    assert problems_of(items) == [
        Problem("offering", "B", "row 3 has 12 cells where the header has 11"),
        Problem("offering", "C", "row 5 has 1 cells where the header has 11"),
    ]


async def test_a_repeated_id_is_a_problem_and_the_first_row_is_kept(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    text = sheet(row("Y1", "Yoga al mattino"), row("Y1", "Yoga alla sera"), row("Y2"))

    items = await read_text(tmp_path, fetcher, text)

    assert offerings_of(items) == [offering("Y1", "Yoga al mattino"), offering("Y2")]
    assert problems_of(items) == [
        Problem("offering", "Y1", "row 3, column 'Codice': repeats the id 'Y1' of row 2")
    ]


async def test_rows_are_numbered_as_records_even_with_multi_line_cells(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    text = sheet(row("A", "Corso\nserale"), row("B", price="tanto"))

    items = await read_text(tmp_path, fetcher, text)

    assert offerings_of(items)[0].title_it == "Corso\nserale"
    assert problems_of(items)[0].reason.startswith("row 3, column 'Prezzo'")


async def test_headers_match_ignoring_case_and_spacing_and_extra_columns_are_ignored(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    header = [" codice ", "TITOLO", "Note interne", "categoria"]
    columns = {"Codice": "external_id", "Titolo": "title_it", "Categoria": "category"}

    items = await read_text(
        tmp_path,
        fetcher,
        sheet(["Y1", "Yoga al mattino", "chiamare Anna", "Yoga"], header=header),
        columns=columns,
    )

    assert offerings_of(items) == [offering()]


# Faults of the whole document --------------------------------------------------------------


async def test_a_renamed_column_fails_the_read(tmp_path: Path, fetcher: Fetcher) -> None:
    header = ["Codice", "Nome del servizio", *HEADER[2:]]

    with pytest.raises(FetchError, match=r"lacks the mapped column\(s\) 'Titolo' \(renamed\?\)"):
        await read_text(tmp_path, fetcher, sheet(row(), header=header))


async def test_a_renamed_optional_column_fails_the_read_too(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    header = [*HEADER[:4], "Prezzo (€)", *HEADER[5:]]

    with pytest.raises(FetchError, match=r"'Prezzo' \(renamed\?\); it has 'Codice', 'Titolo'"):
        await read_text(tmp_path, fetcher, sheet(row(), header=header))


async def test_a_repeated_mapped_column_fails_the_read(tmp_path: Path, fetcher: Fetcher) -> None:
    header = [*HEADER[:-1], "prezzo"]

    with pytest.raises(FetchError, match=r"the header repeats the column\(s\) 'Prezzo', 'prezzo'"):
        await read_text(tmp_path, fetcher, sheet(row(), header=header))


async def test_an_unterminated_quote_fails_the_read(tmp_path: Path, fetcher: Fetcher) -> None:
    text = sheet(row("A")) + 'B;"Yoga al mattino;;Yoga;;;;;;;\r\nC;Corso;;Corsi;;;;;;;\r\n'

    with pytest.raises(FetchError, match="malformed CSV at line 4: unexpected end of data"):
        await read_text(tmp_path, fetcher, text)


async def test_a_stray_quote_after_a_quoted_cell_fails_the_read(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    text = sheet(row("A")) + 'B;"Yoga" al mattino;;Yoga;;;;;;;\r\n'

    with pytest.raises(FetchError, match="malformed CSV at line 3: ';' expected after '\"'"):
        await read_text(tmp_path, fetcher, text)


@pytest.mark.parametrize("content", [b"", codecs.BOM_UTF8, b"\r\n"])
async def test_an_empty_file_fails_the_read(
    tmp_path: Path, fetcher: Fetcher, content: bytes
) -> None:
    with pytest.raises(FetchError, match="the spreadsheet is empty: it has no header row"):
        await read_text(tmp_path, fetcher, content)


async def test_a_workbook_is_not_text(tmp_path: Path, fetcher: Fetcher) -> None:
    xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"

    with pytest.raises(FetchError, match=r"not text \(NUL bytes: an .xlsx or .ods file\?\)"):
        await read_text(tmp_path, fetcher, xlsx)


async def test_bytes_undefined_in_windows_1252_are_not_text(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    content = sheet(row()).encode("cp1252") + b"\x81\x8d"

    with pytest.raises(FetchError, match="not UTF-8 or Windows-1252 text"):
        await read_text(tmp_path, fetcher, content)


async def test_a_file_in_another_encoding_than_declared_fails_the_read(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    content = sheet(row(title="Attività al caffè")).encode("cp1252")

    with pytest.raises(FetchError, match=r"not utf-8 text \(byte \d+ cannot be read\)"):
        await read_text(tmp_path, fetcher, content, encoding="utf-8")


async def test_a_missing_local_file_fails_the_read(tmp_path: Path, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="cannot read"):
        await read(source(str(tmp_path / "missing.csv")), fetcher)


# Encodings and delimiters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("cp1252", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
async def test_encodings_are_detected(
    tmp_path: Path, fetcher: Fetcher, encoding: str, bom: bytes
) -> None:
    content = bom + sheet(row(title="Attività al caffè", price="€ 5")).encode(encoding)

    items = await read_text(tmp_path, fetcher, content)

    assert offerings_of(items) == [
        offering(title="Attività al caffè", cost_options=(CostOptionRecord(amount_cents=500),))
    ]


async def test_an_explicit_encoding_is_used(tmp_path: Path, fetcher: Fetcher) -> None:
    content = sheet(row(title="Caffè")).encode("cp850")  # auto would read it as cp1252

    items = await read_text(tmp_path, fetcher, content, encoding="cp850")

    assert offerings_of(items)[0].title_it == "Caffè"


async def test_a_byte_order_mark_is_dropped_with_an_explicit_encoding(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    content = codecs.BOM_UTF8 + sheet(row()).encode()

    items = await read_text(tmp_path, fetcher, content, encoding="utf-8")

    assert offerings_of(items) == [offering()]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
async def test_the_delimiter_is_sniffed(tmp_path: Path, fetcher: Fetcher, delimiter: str) -> None:
    text = sheet(
        row("A", price="12,50", languages="it, en", category="Corsi, Cultura"),
        row("B", price="1.250,00"),
        delimiter=delimiter,
    )

    items = await read_text(tmp_path, fetcher, text, delimiter=None)

    assert [(o.external_id, o.cost_options[0].amount_cents) for o in offerings_of(items)] == [
        ("A", 1250),
        ("B", 125000),
    ]
    assert problems_of(items) == []


async def test_a_configured_tab_delimiter_is_used(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_text(tmp_path, fetcher, sheet(row(), delimiter="\t"), delimiter="tab")

    assert offerings_of(items) == [offering()]


async def test_a_delimiter_that_cannot_be_told_fails_the_read(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    with pytest.raises(FetchError, match="cannot tell the spreadsheet's delimiter"):
        await read_text(tmp_path, fetcher, "Codice Titolo\r\nY1 Yoga\r\n", delimiter=None)


# HTTP ------------------------------------------------------------------------------------


async def test_server_errors_are_retried_honouring_retry_after(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    feed_server.then("/sheet.csv", Reply(500), Reply(503, headers={"Retry-After": "7"}))

    items = await served(feed_server, fetcher, sheet(row()))

    assert offerings_of(items) == [offering()]
    assert sleeps.delays == [0.5, 7.0]
    assert feed_server.hits("/sheet.csv") == 3


async def test_a_server_that_keeps_failing_fails_the_read(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    feed_server.serve("/sheet.csv", "down", status=503)

    with pytest.raises(FetchError, match=r"answered HTTP 503: down \(after 3 attempts\)"):
        await read(source(feed_server.url("/sheet.csv")), fetcher)
    assert sleeps.delays == [0.5, 1.0]


async def test_a_missing_sheet_fails_the_read_at_once(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    with pytest.raises(FetchError, match="answered HTTP 404"):
        await read(source(feed_server.url("/sheet.csv")), fetcher)
    assert sleeps.delays == []


async def test_a_truncated_body_is_retried_then_fails_the_read(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    body = sheet(row("A"), row("B")).encode()
    feed_server.then("/sheet.csv", Truncated(body), Truncated(body), Truncated(body))

    with pytest.raises(FetchError, match=r"cannot fetch .*\(after 3 attempts\)"):
        await read(source(feed_server.url("/sheet.csv")), fetcher)
    assert sleeps.delays == [0.5, 1.0]


async def test_an_unchanged_sheet_is_not_read_again(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/sheet.csv", sheet(row()).encode(), headers={"ETag": '"v1"'})
    config = source(feed_server.url("/sheet.csv"))

    checkpoint = (await read(config, fetcher))[-1]
    feed_server.then("/sheet.csv", Reply(304))

    assert checkpoint == Checkpoint({"etag": '"v1"', "last_modified": None})
    assert isinstance(checkpoint, Checkpoint)
    with pytest.raises(NotModified):
        await read(config, fetcher, checkpoint.state)
    assert feed_server.seen[-1].headers["if-none-match"] == '"v1"'


# Options -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": {"Titolo": "title_it"}}, "columns must map a header to external_id"),
        ({"columns": {**COLUMNS, "Ora": "start_time"}}, "maps to unknown field 'start_time'"),
        ({"columns": {**COLUMNS, "Nome": "title_it"}}, "both map to 'title_it'"),
        ({"columns": "Codice"}, "'columns' must be a table"),
        ({"values": {"category": {"Yoga": "yoga"}}}, "'values.category' is now the option"),
        ({"categories": {"Yoga": "yoga"}}, "'yoga' is neither a category code"),
        ({"values": {"price": {"gratis": "0"}}}, "values.price: only"),
        ({"values": {"delivery_mode": {"Casa": "HOME"}}}, "must be one of IN_PERSON"),
        ({"values": {"languages": {"Italiano": "ita"}}}, "two-letter"),
        ({"provider": None}, "a fixed 'provider' table or provider columns are required"),
        ({"provider": {"id": "x"}}, "'provider' needs an id and a name"),
        ({"provider": {**PROVIDER_TABLE, "alliance_member": "sì"}}, "must be true or false"),
        ({"provider": {**PROVIDER_TABLE, "fax": "02"}}, "unknown key(s) 'fax'"),
        (
            {"columns": {k: v for k, v in COLUMNS.items() if v != "category"}},
            "map a column to category or set a default 'category'",
        ),
        ({"columns": {**COLUMNS, "Ente": "provider_id"}}, "both provider_id and provider_name"),
        ({"category": "wellness"}, "'wellness' is neither a category code"),
        ({"delivery_mode": "SOMETIMES"}, "option 'delivery_mode' must be one of"),
        ({"delimiter": ";;"}, "'delimiter' must be one character"),
        ({"encoding": "klingon-8"}, "unknown encoding 'klingon-8'"),
    ],
)
def test_bad_options_are_config_errors(
    fetcher: Fetcher, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=r"^csv source 'bottega': .*" + re.escape(message)):
        CsvSheet(source("sheet.csv", **options), fetcher, NO_STATE)


# The demo spreadsheets ----------------------------------------------------------------------

DEMO_SOURCES = """
[[source]]
name = "bottega-isola"
kind = "csv"
url = "{demo}/bottega-isola.csv"
delimiter = ";"
provider = {{ id = "bottega-isola", name = "Bottega Isola Società Cooperativa", \
legal_form = "Società cooperativa", vat_number = "08726340154", alliance_member = true, \
ateco_code = "47.19.90", email = "ciao@bottega-isola.example", \
website = "https://bottega-isola.example", phone = "02 8723 4410" }}

[source.columns]
"Codice" = "external_id"
"Titolo" = "title_it"
"Title (EN)" = "title_en"
"Descrizione" = "description_it"
"Description (EN)" = "description_en"
"Categoria" = "category"
"Prezzo" = "price"
"Sconto soci" = "discount"
"Modalità" = "delivery_mode"
"Lingue" = "languages"
"Indirizzo" = "address"
"CAP" = "cap"
"Città" = "city"
"Lat" = "latitude"
"Lon" = "longitude"
"Prenotazioni" = "booking_url"
"Valido dal" = "valid_from"

[source.categories]
"Corsi" = "courses"
"Cultura" = "culture"
"Lavanderia" = "laundry"
"Spesa e pasti" = "meals"
"Commissioni" = "errands"
"Benessere" = "mind-body"

[source.values.delivery_mode]
"In sede" = "IN_PERSON"
"A domicilio" = "AT_HOME"

[[source]]
name = "studio-commercialisti"
kind = "csv"
url = "{demo}/studio-commercialisti.csv"
encoding = "windows-1252"

[source.columns]
"ID ente" = "provider_id"
"Ente" = "provider_name"
"Partita IVA" = "provider_vat"
"Socio alleanza" = "provider_alliance_member"
"Codice servizio" = "external_id"
"Servizio" = "title_it"
"Service" = "title_en"
"Descrizione" = "description_it"
"Area" = "category"
"Tariffa" = "price"
"Sconto" = "discount"
"Modalità" = "delivery_mode"
"Lingue" = "languages"
"Indirizzo" = "address"
"CAP" = "cap"
"Latitudine" = "latitude"
"Longitudine" = "longitude"
"Email" = "email"
"Valido dal" = "valid_from"

[source.categories]
"Fiscale" = "business-services"
"Famiglia" = "caregiver-support"
"Spazi" = "meeting-rooms"
"Coworking" = "coworking"
"Lavoro" = "career"

[source.values.delivery_mode]
"In studio" = "IN_PERSON"
"""


@pytest.fixture
def demo_sources(tmp_path: Path) -> list[SourceConfig]:
    path = tmp_path / "sources.toml"
    path.write_text(DEMO_SOURCES.format(demo=DEMO.as_posix()), encoding="utf-8")
    return load_sources(path)


async def test_demo_spreadsheets_load_without_problems(
    demo_sources: list[SourceConfig], fetcher: Fetcher
) -> None:
    bottega, studio = [records(await read(config, fetcher)) for config in demo_sources]

    for items, providers, locations, offerings in ((bottega, 1, 2, 10), (studio, 1, 1, 9)):
        assert problems_of(items) == []
        assert [type(item).__name__ for item in items] == (
            ["ProviderRecord"] * providers
            + ["LocationRecord"] * locations
            + ["OfferingRecord"] * offerings
        )
        for item in items:
            assert isinstance(item, ProviderRecord | LocationRecord | OfferingRecord)
            assert check(item) == item
    assert offerings_of(studio)[0].description_it == (
        "Compilazione e invio del 730, con verifica delle spese detraibili per figli, salute e "
        "attività sportive."
    )


async def test_demo_studio_sheet_is_sniffed_and_detected_without_options(
    demo_sources: list[SourceConfig], fetcher: Fetcher
) -> None:
    studio = demo_sources[1]
    options = {k: v for k, v in studio.options.items() if k not in {"encoding", "delimiter"}}
    auto = SourceConfig(studio.name, studio.kind, studio.url, options=options)

    assert await read(auto, fetcher) == await read(studio, fetcher)


# End to end: the sync engine -------------------------------------------------------------

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connectors.registry.CONNECTORS, "csv", CsvSheet)


async def stored(sessions: Sessions) -> dict[str, tuple[str, OfferingStatus, list[int | None]]]:
    """Each offering's title, status and cost option amounts, by external id."""
    async with sessions() as session:
        rows = (await session.execute(sa.select(Offering))).scalars().all()
        result = {}
        for stored_offering in rows:
            amounts = await session.execute(
                sa.select(col(CostOption.amount_cents))
                .where(col(CostOption.offering_id) == stored_offering.id)
                .order_by(col(CostOption.position))
            )
            result[str(stored_offering.external_id)] = (
                stored_offering.title_it,
                stored_offering.status,
                list(amounts.scalars()),
            )
        return result


async def quarantined(sessions: Sessions, run: SyncRun) -> list[tuple[str | None, str]]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(col(SyncProblem.external_id), col(SyncProblem.reason))
            .where(col(SyncProblem.sync_run_id) == run.id)
            .order_by(col(SyncProblem.id))
        )
        return [(external_id, reason) for external_id, reason in rows]


async def sync(
    engine: AsyncEngine, config: SourceConfig, client: httpx.AsyncClient, fetcher: Fetcher
) -> SyncRun:
    return await sync_source(session_factory(engine), config, client, fetcher=fetcher)


@pytest.mark.usefixtures("registered")
async def test_sync_stores_the_sheet_and_a_failed_read_keeps_it(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    config = source(feed_server.url("/sheet.csv"))
    feed_server.serve(
        "/sheet.csv",
        sheet(
            row("Y1", price="€ 12,50", address="Via Pietro Borsieri 12", cap="20159"),
            row("C1", "Corso di ceramica", category="Corsi", price="gratis"),
        ),
    )
    sessions = session_factory(engine)

    first = await sync(engine, config, client, fetcher)

    assert (first.status, first.error, first.created, first.quarantined) == (
        SyncStatus.SUCCEEDED,
        None,
        4,
        0,
    )
    assert await stored(sessions) == {
        "Y1": ("Yoga al mattino", OfferingStatus.ACTIVE, [1250]),
        "C1": ("Corso di ceramica", OfferingStatus.ACTIVE, [0]),
    }
    async with sessions() as session:
        provider = (await session.execute(sa.select(Provider))).scalar_one()
        location = (await session.execute(sa.select(Location))).scalar_one()
    assert (provider.external_id, provider.vat_number, provider.alliance_member) == (
        "bottega",
        "08726340154",
        True,
    )
    assert (location.external_id, location.in_district) == (BORSIERI, True)

    header = ["Codice", "Nome", *HEADER[2:]]  # the member renamed a column
    feed_server.serve("/sheet.csv", sheet(row("Y1", price="€ 15,00"), header=header))
    second = await sync(engine, config, client, fetcher)

    assert second.status is SyncStatus.FAILED
    assert second.error is not None
    assert "lacks the mapped column(s) 'Titolo'" in second.error
    assert await stored(sessions) == {
        "Y1": ("Yoga al mattino", OfferingStatus.ACTIVE, [1250]),
        "C1": ("Corso di ceramica", OfferingStatus.ACTIVE, [0]),
    }

    feed_server.serve("/sheet.csv", "down", status=503)
    third = await sync(engine, config, client, fetcher)

    assert third.status is SyncStatus.FAILED
    assert len(await stored(sessions)) == 2


@pytest.mark.usefixtures("registered")
async def test_sync_updates_changed_rows_withdraws_dropped_ones_and_keeps_bad_ones(
    engine: AsyncEngine, tmp_path: Path, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    path = tmp_path / "bottega.csv"
    config = source(str(path))
    sessions = session_factory(engine)
    path.write_text(
        sheet(
            row("Y1", price="10"),
            row("C1", "Ceramica", category="Corsi"),
            row("P1", "Pilates", price="8"),
        ),
        encoding="utf-8",
    )
    first = await sync(engine, config, client, fetcher)
    assert (first.status, first.created) == (SyncStatus.SUCCEEDED, 4)

    path.write_text(
        sheet(
            row("Y1", "Yoga al tramonto", price="12,00 €"),
            row("P1", "Pilates", price="otto euro"),
            row("N1", "Letture per bambini", category="Cultura", price="gratis"),
        ),
        encoding="cp1252",
    )
    second = await sync(engine, config, client, fetcher)

    assert (second.status, second.created, second.updated, second.withdrawn) == (
        SyncStatus.SUCCEEDED,
        1,
        1,
        1,
    )
    assert await quarantined(sessions, second) == [
        ("P1", "row 3, column 'Prezzo': cannot read the price 'otto euro'")
    ]
    assert await stored(sessions) == {
        "Y1": ("Yoga al tramonto", OfferingStatus.ACTIVE, [1200]),
        "C1": ("Ceramica", OfferingStatus.WITHDRAWN, []),
        "P1": ("Pilates", OfferingStatus.ACTIVE, [800]),
        "N1": ("Letture per bambini", OfferingStatus.ACTIVE, [0]),
    }


@pytest.mark.usefixtures("registered")
async def test_demo_spreadsheets_sync_into_the_district(
    engine: AsyncEngine,
    demo_sources: list[SourceConfig],
    client: httpx.AsyncClient,
    fetcher: Fetcher,
) -> None:
    runs = [await sync(engine, config, client, fetcher) for config in demo_sources]

    assert [(run.status, run.created, run.quarantined) for run in runs] == [
        (SyncStatus.SUCCEEDED, 13, 0),
        (SyncStatus.SUCCEEDED, 11, 0),
    ]
    async with session_factory(engine)() as session:
        codes = await session.execute(
            sa.select(col(Category.code))
            .join(OfferingCategory, col(OfferingCategory.category_id) == col(Category.id))
            .distinct()
        )
        located = await session.execute(
            sa.select(sa.func.count()).select_from(Offering).where(col(Offering.in_district))
        )
    assert len(set(codes.scalars())) == 11
    assert located.scalar_one() == 19


@pytest.mark.usefixtures("registered")
async def test_an_offering_past_its_last_day_leaves_lists_and_counts(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    """The spreadsheet's "Al" is stored; an offering whose last day has passed (in Milan)
    is left out of lists and counts unless `includeExpired` asks for it, by both
    executors (the suite checks every compiled answer against the general executor's)."""
    today = local_today()
    header = [*HEADER, "Dal", "Al"]
    columns = {**COLUMNS, "Dal": "valid_from", "Al": "valid_until"}
    config = source(feed_server.url("/sheet.csv"), columns=columns)
    feed_server.serve(
        "/sheet.csv",
        sheet(
            [*row("OLD", "Corso finito"), "01/01/2020", f"{today - timedelta(days=1):%d/%m/%Y}"],
            [*row("TODAY", "Ultimo giorno"), "", f"{today:%d/%m/%Y}"],
            [*row("OPEN", "Sempre aperto"), "", ""],
            header=header,
        ),
    )
    run = await sync(engine, config, client, fetcher)
    listing = "{ offerings { totalCount nodes { title validFrom validUntil } } }"
    everything = "{ offerings(filter: {includeExpired: true}) { totalCount } }"
    counts = (
        "{ areas { area offeringCount } categories(area: HEALTH_WELLBEING) { code offeringCount } }"
    )

    async with hub_client(create_app(Settings(), engine=engine)) as http:
        answers = [
            (await http.post("/graphql", json={"query": query})).json()
            for query in (listing, listing, everything, everything, counts, counts)
        ]

    assert run.quarantined == 0
    listed, _, expired, _, counted, _ = answers
    assert answers[0] == answers[1]  # general, then compiled
    assert answers[4] == answers[5]
    assert listed["data"]["offerings"]["totalCount"] == 2
    assert {node["title"]: node["validUntil"] for node in listed["data"]["offerings"]["nodes"]} == {
        "Ultimo giorno": today.isoformat(),
        "Sempre aperto": None,
    }
    assert expired["data"]["offerings"]["totalCount"] == 3
    health = next(a for a in counted["data"]["areas"] if a["area"] == "HEALTH_WELLBEING")
    mind_body = next(c for c in counted["data"]["categories"] if c["code"] == "mind-body")
    assert health["offeringCount"] == mind_body["offeringCount"] == 2


async def test_an_offering_that_ends_before_it_starts_is_a_problem(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    header = [*HEADER, "Dal", "Al"]
    columns = {**COLUMNS, "Dal": "valid_from", "Al": "valid_until"}
    text = sheet([*row("A"), "01/09/2026", "31/08/2026"], header=header)

    items = await read_text(tmp_path, fetcher, text, columns=columns)
    (offering_record,) = offerings_of(items)

    with pytest.raises(InvalidRecord, match="it ends before it starts"):
        check(offering_record)


MEMBER_SHEET = (
    "Ente;Partita IVA;Servizio;Area;Indirizzo;Sconto\r\n"
    "Studio Ferrandi;11295180159;Dichiarazione 730;Fiscale;Via Dal Verme 7;12,5%\r\n"
    "Studio Ferrandi;11295180159;Sala riunioni;Spazi;Via Dal Verme 7;\r\n"
    "Caffè Isola;08726340154;Pausa pranzo;Tempo libero;;\r\n"
    "Senza IVA;;Corso;Tempo libero;;\r\n"
)


async def test_a_sheet_without_ids_composes_them_and_fills_fixed_values(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    """A member's spreadsheet as members make them (Windows-1252, no id columns): the
    offering's key is composed from the provider's VAT and the title, one header feeds the
    provider's id and name, the city is a fixed value, an area stands for its category."""
    options = {
        "columns": {
            "Ente": ["provider_id", "provider_name"],
            "Partita IVA": "provider_vat",
            "Servizio": "title_it",
            "Area": "category",
            "Indirizzo": "address",
            "Sconto": "discount",
        },
        "compose": {"external_id": ["provider_vat", "title_it"]},
        "defaults": {"city": "Milano"},
        "categories": {
            "Fiscale": "business-services",
            "Spazi": "meeting-rooms",
            "Tempo libero": "LEISURE_WORK_LIFE",
        },
        "delimiter": ";",
        "encoding": "windows-1252",
    }
    path = tmp_path / "soci.csv"
    path.write_bytes(MEMBER_SHEET.encode("windows-1252"))
    config = SourceConfig(name="soci", kind="csv", url=str(path), options=options)

    read = CsvSheet(config, fetcher, {}).records()
    items: list[Item] = [item async for item in read if not isinstance(item, Checkpoint)]

    offerings = {o.external_id: o for o in offerings_of(items)}
    assert sorted(offerings) == [
        "08726340154|Pausa pranzo",
        "11295180159|Dichiarazione 730",
        "11295180159|Sala riunioni",
    ]
    assert offerings["11295180159|Dichiarazione 730"].beneficiary_discount_percent == 12.5
    assert offerings["08726340154|Pausa pranzo"].categories == ("leisure-work-life",)
    providers = [i for i in items if isinstance(i, ProviderRecord)]
    assert {(p.external_id, p.name) for p in providers} == {
        ("Studio Ferrandi", "Studio Ferrandi"),
        ("Caffè Isola", "Caffè Isola"),
    }  # a provider comes with a readable row of its own
    (location,) = [i for i in items if isinstance(i, LocationRecord)]
    assert (location.address, location.city) == ("Via Dal Verme 7", "Milano")
    assert problems_of(items) == [
        Problem(
            "offering",
            None,
            "row 5, column 'Partita IVA + Servizio': missing id",
        )
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {
                "columns": {k: v for k, v in COLUMNS.items() if v != "external_id"},
                "compose": {"external_id": ["title_it", "provider_vat"]},
            },
            "'provider_vat' that no column or default gives",
        ),
        ({"compose": {"title_it": ["external_id"]}}, "already has a column"),
        ({"defaults": {"fax": "02"}}, "unknown field 'fax'"),
        ({"defaults": {"city": ""}}, "non-blank string"),
        ({"columns": {**COLUMNS, "Ente": []}}, "a field or a list of fields"),
    ],
)
def test_malformed_compose_and_defaults_are_config_errors(
    options: dict[str, object], message: str, fetcher: Fetcher
) -> None:
    with pytest.raises(ConfigError, match=message):
        CsvSheet(source("sheet.csv", **options), fetcher, {})
