"""Spreadsheet connector: CSV files exported by small members (RFC 4180 comma-separated
values, read with the stdlib `csv` module and an explicit dialect), mapped onto records by
a declarative column mapping in the source's `[[source]]` table. Cells use Italian
formats: prices `€ 12,50`, `1.250,00`, `gratis`; dates `dd/mm/yyyy`; `sì`/`no`.
A dot is a thousands separator when groups of three digits follow it (`1.250` is
1250 euro), else a decimal point (`12.50`, as an English-locale export writes it).

Options of a `kind = "csv"` source (every key but name, kind, url and description):

- `columns` (required): header -> field. Fields: `external_id` and `title_it` (both
  required: ids must be stable, so there is no row-number fallback), `title_en`,
  `description_it`, `description_en`, `category` (several separated by `,` or `|`),
  `price`, `discount` (`15%`), `booking_url`, `email`, `delivery_mode`, `languages`
  (`it, en`), `address`, `cap`, `city`, `latitude`, `longitude`, `valid_from`
  and `valid_until` (`dd/mm/yyyy`: the first and last day the offer is valid), and
  `provider_id`, `provider_name`, `provider_vat`, `provider_alliance_member` when rows
  name their provider. A header may feed several fields (`"Ente" = ["provider_id",
  "provider_name"]`). Headers match ignoring case and surrounding blanks; every mapped
  header must be in the file (a renamed column fails the read instead of silently
  emptying a field); other columns are ignored.
- `categories`, `category` (optional; connectors.mapping): the terms of the category
  cell -> the hub's categories or areas, and the default of rows whose cell is blank or
  holds no mapped term.
- `defaults` (optional): field -> text, for rows whose cell is blank or when no column
  gives the field (`city = "Milano"`).
- `compose` (optional): field -> the fields whose values, joined by `|`, make it: a sheet
  without an id column identifies its rows with `external_id = ["provider_vat",
  "title_it"]` (a row missing a part has no id, and is a problem).
- `values` (optional): field -> {cell value -> code}, for `delivery_mode` (IN_PERSON,
  ONLINE, AT_HOME) and `languages` (an ISO 639-1 code). Cell values match ignoring case;
  a cell that already holds a delivery mode or a two-letter language code needs no entry.
- `delivery_mode` (optional): the mode of rows whose mode cell is blank; without it
  such rows are IN_PERSON when they have an address and ONLINE otherwise.
- `provider` (optional): a fixed provider `{id, name, vat_number, alliance_member,
  legal_form, ateco_code, description, website, email, phone}` for rows that name
  none; a source needs it unless `provider_id` and `provider_name` are mapped.
- `delimiter` (optional): `;`, `,`, `\\t` (or `tab`); by default `csv.Sniffer` picks
  one of them.
- `encoding` (optional): `auto` (default: UTF-8 with or without BOM, UTF-16 with a BOM,
  else Windows-1252) or a Python codec name.

Each address (with its CAP) becomes one location, whose id is derived from the folded
address. A bad row (blank id or title, unreadable price, discount, date, number or
flag, unknown category, mode or language, wrong number of cells, repeated id) becomes a
Problem naming its row (the header is row 1) and column, and the other rows load. A
file that is not text, is not well-formed CSV, or lacks a mapped column raises
FetchError, so the sync fails and keeps the last good data.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import ClassVar, TypeVar

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Fetcher, FetchError, Validators
from connectors.mapping import Classifier
from connectors.options import fixed_provider, names, option_table
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
)
from connectors.values import address_id, percent
from models.enums import DeliveryMode

FIELDS = frozenset(
    [
        "external_id",
        "title_it",
        "title_en",
        "description_it",
        "description_en",
        "category",
        "price",
        "discount",
        "booking_url",
        "email",
        "delivery_mode",
        "languages",
        "address",
        "cap",
        "city",
        "latitude",
        "longitude",
        "valid_from",
        "valid_until",
        "provider_id",
        "provider_name",
        "provider_vat",
        "provider_alliance_member",
    ]
)
REQUIRED_FIELDS = ("external_id", "title_it")
MAPPED_VALUES = frozenset({"delivery_mode", "languages"})
SNIFFED_DELIMITERS = ";,\t"

_FREE = frozenset({"0", "gratis", "gratuito", "gratuita", "free"})
_CURRENCY = re.compile(r"€|\beur(?:o)?\b", re.IGNORECASE)
# Italian amounts (`1.250,00`, `12,5`, `12`), else a decimal point (`12.50`).
_ITALIAN_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+(?:,\d{1,2})?")
_DOTTED_AMOUNT = re.compile(r"\d+\.\d{1,2}")
_PERCENT = re.compile(r"(\d{1,3}(?:[.,]\d{1,2})?)\s*%?")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_COORDINATE = re.compile(r"-?\d{1,3}(?:[.,]\d+)?")
_LANGUAGE = re.compile(r"[a-z]{2}")
_CATEGORY_SEPARATOR = re.compile(r"[,|]")
_LANGUAGE_SEPARATOR = re.compile(r"[,;|/\s]+")
_YES = frozenset({"sì", "si", "yes", "true", "vero", "1", "x"})
_NO = frozenset({"no", "false", "falso", "0"})


class _Spreadsheet(csv.Dialect):
    """What spreadsheet programs write: RFC 4180 quoting; the delimiter varies."""

    delimiter = ";"
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL
    strict = True


class RowError(ValueError):
    """A cell that cannot be read; the row becomes a Problem naming the column."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SheetMapping:
    """A csv source's options, checked once when the connector is built."""

    columns: dict[str, str]  # field -> header
    values: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    provider: ProviderRecord | None = None
    classifier: Classifier = field(default_factory=Classifier)
    # Field -> the fields whose cells make it ("|"-joined), and field -> a fixed value
    # for rows whose cell is blank or that have no such column.
    compose: dict[str, tuple[str, ...]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    delivery_mode: DeliveryMode | None = None
    delimiter: str | None = None
    encoding: str = "auto"

    @classmethod
    def from_source(cls, source: SourceConfig) -> SheetMapping:
        """The mapping a source declares; ConfigError when its options do not make one."""
        options = source.options
        try:
            classifier = Classifier.of(options)
            columns = _columns(options.get("columns"))
            defaults = _defaults(options.get("defaults"))
            mapping = cls(
                columns=columns,
                values=_values(options.get("values")),
                provider=fixed_provider(options.get("provider")),
                classifier=classifier,
                compose=_compose(options.get("compose"), {*columns, *defaults}),
                defaults=defaults,
                delivery_mode=_optional_mode(options.get("delivery_mode")),
                delimiter=_delimiter(options.get("delimiter")),
                encoding=_encoding(options.get("encoding", "auto")),
            )
            mapping.check()
        except ConfigError as error:
            raise ConfigError(f"csv source {source.name!r}: {error}") from None
        return mapping

    def complete(self, cells: dict[str, str]) -> dict[str, str]:
        """A row's mapped cells with the defaults where blank, then the composed fields
        (blank when a part is)."""
        for name, value in self.defaults.items():
            if not cells.get(name):
                cells[name] = value
        for name, parts in self.compose.items():
            values = [cells.get(part, "") for part in parts]
            cells[name] = "|".join(values) if all(values) else ""
        return cells

    @property
    def fields(self) -> set[str]:
        """The fields rows can have: mapped, composed or given a default."""
        return {*self.columns, *self.compose, *self.defaults}

    @property
    def headers(self) -> dict[str, str]:
        """What names each field in a row's problems: its column, or how it is made."""
        headers = dict(self.columns)
        for name, value in self.defaults.items():
            headers.setdefault(name, f"{name} (default {value!r})")
        for name, parts in self.compose.items():
            headers[name] = " + ".join(self.columns.get(part, part) for part in parts)
        return headers

    def check(self) -> None:
        """That every row can have an id, a title, a provider and a category."""
        fields = self.fields
        missing = [name for name in REQUIRED_FIELDS if name not in fields]
        if missing:
            raise ConfigError(f"columns must map a header to {' and '.join(missing)}")
        rows_name_provider = "provider_id" in fields
        if rows_name_provider != ("provider_name" in fields):
            raise ConfigError("columns must map both provider_id and provider_name, or neither")
        if self.provider is None and not rows_name_provider:
            raise ConfigError("a fixed 'provider' table or provider columns are required")
        if not self.classifier.default and "category" not in fields:
            raise ConfigError("map a column to category or set a default 'category'")


class CsvSheet:
    """Reads one spreadsheet, a complete snapshot: rows it no longer has are withdrawn."""

    kind: ClassVar[str] = "csv"
    complete_snapshot: ClassVar[bool] = True

    def __init__(self, source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> None:
        self.source = source
        self.fetcher = fetcher
        self.validators = Validators.from_state(state)
        self.mapping = SheetMapping.from_source(source)
        self.classifier = self.mapping.classifier

    async def records(self) -> AsyncIterator[Item]:
        """Providers, then locations, then offerings, each with its problems; the file
        is read whole first (spreadsheets are small). A file served with an ETag or
        Last-Modified is fetched conditionally next time."""
        document = await self.fetcher.read(self.source, self.validators)
        text = decode(document.content, self.mapping.encoding)
        sheet = Sheet(self.mapping)
        sheet.read(parse(text, self.mapping))
        for item in sheet.items():
            yield item
        yield Checkpoint(document.validators.state())


# Reading the file ------------------------------------------------------------------------


def decode(content: bytes, encoding: str) -> str:
    """The file's text; FetchError when it is not text in the expected encoding."""
    try:
        text = _decode(content, encoding)
    except UnicodeDecodeError as error:
        expected = "UTF-8 or Windows-1252" if encoding == "auto" else encoding
        raise FetchError(
            f"the spreadsheet is not {expected} text (byte {error.start} cannot be read)"
        ) from None
    if "\x00" in text:
        raise FetchError("the spreadsheet is not text (NUL bytes: an .xlsx or .ods file?)")
    return text.removeprefix("\ufeff")


def _decode(content: bytes, encoding: str) -> str:
    if encoding != "auto":
        return content.decode(encoding)
    if content.startswith(codecs.BOM_UTF8):
        return content.decode("utf-8-sig")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")


@dataclass(frozen=True, slots=True)
class Table:
    """The header and the numbered rows of a spreadsheet (the header is row 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def parse(text: str, mapping: SheetMapping) -> Table:
    """The file's cells; FetchError for malformed CSV or a header lacking a mapped column."""
    delimiter = mapping.delimiter or sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_Spreadsheet, delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, 1):
            rows.append((number, cells))
    except csv.Error as error:
        raise FetchError(f"malformed CSV at line {reader.line_num}: {error}") from None
    if not rows or not any(cell.strip() for cell in rows[0][1]):
        raise FetchError("the spreadsheet is empty: it has no header row")
    (_, header), *body = rows
    return Table([cell.strip() for cell in header], body)


def sniff(text: str) -> str:
    """The delimiter among `;`, `,` and tab that the first lines use consistently."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=SNIFFED_DELIMITERS).delimiter
    except csv.Error:
        raise FetchError(
            "cannot tell the spreadsheet's delimiter; set 'delimiter' in its [[source]] table"
        ) from None


def locate(header: list[str], columns: Mapping[str, str]) -> dict[str, int]:
    """The position of each mapped field's column; FetchError when one is missing."""
    keys = [_key(name) for name in header]
    wanted = {_key(name) for name in columns.values()}
    repeated = sorted(
        {n for n, k in zip(header, keys, strict=True) if k in wanted and keys.count(k) > 1}
    )
    if repeated:
        raise FetchError(f"the header repeats the column(s) {names(repeated)}")
    positions = {key: position for position, key in reversed(list(enumerate(keys)))}
    missing = [name for name in columns.values() if _key(name) not in positions]
    if missing:
        raise FetchError(
            f"the header lacks the mapped column(s) {names(missing)} (renamed?); "
            f"it has {names(header)}"
        )
    return {name: positions[_key(header_name)] for name, header_name in columns.items()}


# From rows to records --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One data row's mapped cells, read through the mapping's fields."""

    number: int
    cells: dict[str, str]  # field -> stripped cell
    columns: dict[str, str]  # field -> header

    def text(self, name: str) -> str | None:
        """The cell of a field, None when blank or not mapped."""
        value = self.cells.get(name, "").replace("\r\n", "\n")
        return value or None

    def required(self, name: str, what: str) -> str:
        """The cell of a field; RowError naming `what` is missing when it is blank."""
        value = self.text(name)
        if value is None:
            raise RowError(name, f"missing {what}")
        return value

    def problem(self, error: RowError, external_id: str | None) -> Problem:
        """The row as a Problem naming its number and the column of `error`."""
        column = self.columns.get(error.field, error.field)
        return Problem("offering", external_id, f"row {self.number}, column {column!r}: {error}")


@dataclass(frozen=True, slots=True)
class Converted:
    """What one row yields: its provider, its location if it has an address, its offering."""

    provider: ProviderRecord
    location: LocationRecord | None
    offering: OfferingRecord


class Sheet:
    """Collects the records of a spreadsheet's rows, each provider and location once."""

    def __init__(self, mapping: SheetMapping) -> None:
        self.mapping = mapping
        self.providers: dict[str, tuple[ProviderRecord, int]] = {}
        self.locations: dict[str, tuple[LocationRecord, int]] = {}
        self.offering_rows: dict[str, int] = {}
        self.provider_problems: list[Problem] = []
        self.location_problems: list[Problem] = []
        self.offerings: list[OfferingRecord | Problem] = []

    def read(self, table: Table) -> None:
        """Convert every non-blank row; bad rows become problems."""
        positions = locate(table.header, self.mapping.columns)
        headers = self.mapping.headers
        for number, cells in table.rows:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(table.header):
                self.offerings.append(self._misshapen(number, cells, positions, table.header))
                continue
            found = {name: cells[position].strip() for name, position in positions.items()}
            self.add(Row(number, self.mapping.complete(found), headers))

    def add(self, row: Row) -> None:
        """Convert one row; a repeated id or an unreadable cell makes it a problem."""
        external_id = row.text("external_id")
        earlier = self.offering_rows.get(external_id) if external_id else None
        if external_id:
            self.offering_rows.setdefault(external_id, row.number)
        if earlier is not None:
            error = RowError("external_id", f"repeats the id {external_id!r} of row {earlier}")
            self.offerings.append(row.problem(error, external_id))
            return
        try:
            converted = convert(row, self.mapping)
        except RowError as error:
            self.offerings.append(row.problem(error, external_id))
            return
        _keep(self.providers, self.provider_problems, converted.provider, row.number)
        if converted.location is not None:
            _keep(self.locations, self.location_problems, converted.location, row.number)
        self.offerings.append(converted.offering)

    def items(self) -> Iterator[Item]:
        """Dependency order: providers, locations, then offerings."""
        if self.mapping.provider and self.mapping.provider.external_id not in self.providers:
            yield self.mapping.provider
        yield from (record for record, _ in self.providers.values())
        yield from self.provider_problems
        yield from (record for record, _ in self.locations.values())
        yield from self.location_problems
        yield from self.offerings

    def _misshapen(
        self, number: int, cells: list[str], positions: dict[str, int], header: list[str]
    ) -> Problem:
        id_at = positions["external_id"]
        external_id = (cells[id_at].strip() or None) if id_at < len(cells) else None
        reason = f"row {number} has {len(cells)} cells where the header has {len(header)}"
        return Problem("offering", external_id, reason)


_R = TypeVar("_R", ProviderRecord, LocationRecord)


def _keep(kept: dict[str, tuple[_R, int]], problems: list[Problem], record: _R, row: int) -> None:
    """Remember a record the first time its id appears; flag a later, different one."""
    earlier = kept.get(record.external_id)
    if earlier is None:
        kept[record.external_id] = (record, row)
    elif _differs(earlier[0], record):
        kind = "provider" if isinstance(record, ProviderRecord) else "location"
        reason = (
            f"row {row} describes {kind} {record.external_id!r} differently from "
            f"row {earlier[1]}, whose details are kept"
        )
        problems.append(Problem(kind, record.external_id, reason))


def _differs(first: _R, later: _R) -> bool:
    """Whether two records with one id disagree; addresses that fold alike agree."""
    if isinstance(first, LocationRecord) and isinstance(later, LocationRecord):
        return replace(later, address=first.address) != first
    return later != first


def convert(row: Row, mapping: SheetMapping) -> Converted:
    """The records of one row; RowError names the first unreadable cell."""
    external_id = row.required("external_id", "id")
    provider = row_provider(row, mapping)
    location = row_location(row, provider.external_id)
    valid_from, valid_until = row.text("valid_from"), row.text("valid_until")
    offering = OfferingRecord(
        external_id=external_id,
        provider_external_id=provider.external_id,
        title_it=row.required("title_it", "Italian title"),
        title_en=row.text("title_en"),
        description_it=row.text("description_it"),
        description_en=row.text("description_en"),
        categories=row_categories(row, mapping),
        delivery_mode=row_delivery_mode(row, mapping, located=location is not None),
        languages=row_languages(row, mapping),
        cost_options=row_cost_options(row),
        beneficiary_discount_percent=_percent(row.text("discount")),
        valid_from=_date(valid_from, "valid_from") if valid_from else None,
        valid_until=_date(valid_until, "valid_until") if valid_until else None,
        booking_url=row.text("booking_url"),
        email=row.text("email"),
        location_external_ids=(location.external_id,) if location else (),
    )
    return Converted(provider, location, offering)


def row_provider(row: Row, mapping: SheetMapping) -> ProviderRecord:
    """The provider a row names, else the source's fixed provider."""
    provider_id = row.text("provider_id")
    if provider_id is None:
        if mapping.provider is None:
            raise RowError("provider_id", "missing provider id")
        return mapping.provider
    return ProviderRecord(
        external_id=provider_id,
        name=row.required("provider_name", "provider name"),
        vat_number=row.text("provider_vat"),
        alliance_member=_flag(row.text("provider_alliance_member"), "provider_alliance_member"),
    )


def row_location(row: Row, provider_id: str) -> LocationRecord | None:
    """The row's address as a location, identified by the folded address and CAP."""
    address = row.text("address")
    if address is None:
        return None
    cap = row.text("cap")
    latitude = _coordinate(row.text("latitude"), "latitude")
    longitude = _coordinate(row.text("longitude"), "longitude")
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise RowError(missing, f"missing {missing} (the row has the other coordinate)")
    return LocationRecord(
        external_id=address_id(address, cap),
        provider_external_id=provider_id,
        address=address,
        cap=cap,
        city=row.text("city"),
        latitude=latitude,
        longitude=longitude,
    )


def row_categories(row: Row, mapping: SheetMapping) -> tuple[str, ...]:
    """The hub codes of the terms of a row's category cell (the `categories` mapping),
    else the default categories."""
    cell = row.text("category")
    terms = [term.strip() for term in _CATEGORY_SEPARATOR.split(cell or "") if term.strip()]
    codes = mapping.classifier.classify((term,) for term in terms)
    if not codes and terms:
        listed = ", ".join(repr(term) for term in terms)
        raise RowError("category", f"unknown category {listed} (map it in the option 'categories')")
    if not codes:
        raise RowError("category", "missing category")
    return codes


def row_delivery_mode(row: Row, mapping: SheetMapping, *, located: bool) -> DeliveryMode:
    """The row's mode, else the default one, else in person where there is an address."""
    cell = row.text("delivery_mode")
    if cell is None:
        if mapping.delivery_mode is not None:
            return mapping.delivery_mode
        return DeliveryMode.IN_PERSON if located else DeliveryMode.ONLINE
    mapped = mapping.values.get("delivery_mode", {}).get(_key(cell))
    try:
        return DeliveryMode(mapped[0] if mapped else cell.upper())
    except ValueError:
        raise RowError(
            "delivery_mode", f"unknown delivery mode {cell!r} (map it in values.delivery_mode)"
        ) from None


def row_languages(row: Row, mapping: SheetMapping) -> tuple[str, ...]:
    """ISO 639-1 codes from a list such as `it, en` or `Italiano / Inglese`."""
    cell = row.text("languages")
    if cell is None:
        return ()
    values = mapping.values.get("languages", {})
    codes = []
    for term in _LANGUAGE_SEPARATOR.split(cell):
        if not term:
            continue
        mapped = values.get(_key(term))
        code = mapped[0] if mapped else term.casefold()
        if not _LANGUAGE.fullmatch(code):
            raise RowError("languages", f"unknown language {term!r} (map it in values.languages)")
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def row_cost_options(row: Row) -> tuple[CostOptionRecord, ...]:
    """One cost option from the price cell, none when it is blank."""
    cell = row.text("price")
    if cell is None:
        return ()
    return (CostOptionRecord(amount_cents=price_cents(cell)),)


def price_cents(cell: str) -> int:
    """Euro cents of an Italian price: `€ 12,50`, `12,50 €`, `1.250,00`, `12.50`, `gratis`."""
    amount = "".join(_CURRENCY.sub(" ", cell).split())
    if amount.casefold() in _FREE:
        return 0
    if _ITALIAN_AMOUNT.fullmatch(amount):
        value = Decimal(amount.replace(".", "").replace(",", "."))
    elif _DOTTED_AMOUNT.fullmatch(amount):
        value = Decimal(amount)
    else:
        raise RowError("price", f"cannot read the price {cell!r}")
    return int(value * 100)


def _percent(cell: str | None) -> float | None:
    if cell is None:
        return None
    match = _PERCENT.fullmatch(cell)
    if match is None:
        raise RowError("discount", f"cannot read the discount {cell!r} (a percentage: 15%, 12,5%)")
    return percent(match.group(1).replace(",", "."), "the discount") or None  # 0%: none


def _date(cell: str, name: str) -> date:
    match = _DATE.fullmatch(cell)
    day, month, year = (int(part) for part in match.groups()) if match else (0, 0, 0)
    try:
        return date(year, month, day)
    except ValueError:
        raise RowError(name, f"cannot read the date {cell!r} (dd/mm/yyyy)") from None


def _coordinate(cell: str | None, name: str) -> float | None:
    if cell is None:
        return None
    if not _COORDINATE.fullmatch(cell):
        raise RowError(name, f"cannot read the {name} {cell!r}")
    return float(cell.replace(",", "."))


def _flag(cell: str | None, name: str) -> bool:
    if cell is None or cell.casefold() in _NO:
        return False
    if cell.casefold() in _YES:
        return True
    raise RowError(name, f"cannot read {cell!r} as sì or no")


def _key(text: str) -> str:
    """How headers and cell values are matched: case and spacing do not count."""
    return " ".join(text.casefold().split())


# Checking options ------------------------------------------------------------------------


def _columns(value: object) -> dict[str, str]:
    """Field -> header; a header may feed several fields (a list)."""
    columns: dict[str, str] = {}
    for header, target in option_table(value, "'columns'").items():
        listed = [target] if isinstance(target, str) else target
        if not isinstance(listed, list) or not listed:
            raise ConfigError(f"column {header!r} must map to a field or a list of fields")
        for name in listed:
            if name not in FIELDS:
                raise ConfigError(f"column {header!r} maps to unknown field {name!r}")
            if name in columns:
                raise ConfigError(f"columns {columns[name]!r} and {header!r} both map to {name!r}")
            columns[str(name)] = header
    return columns


def _defaults(value: object) -> dict[str, str]:
    """`defaults`: field -> the text of rows whose cell is blank (or with no column)."""
    defaults: dict[str, str] = {}
    for name, text in option_table(value or {}, "'defaults'").items():
        if name not in FIELDS:
            raise ConfigError(f"'defaults' names unknown field {name!r}")
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"'defaults.{name}' must be a non-blank string")
        defaults[name] = text.strip()
    return defaults


def _compose(value: object, available: set[str]) -> dict[str, tuple[str, ...]]:
    """`compose`: field -> the fields whose values, joined by "|", make it (an id composed
    from the provider's partita IVA and the title, say)."""
    composed: dict[str, tuple[str, ...]] = {}
    for name, parts in option_table(value or {}, "'compose'").items():
        if name not in FIELDS:
            raise ConfigError(f"'compose' names unknown field {name!r}")
        if name in available:
            raise ConfigError(f"'compose.{name}': {name!r} already has a column or a default")
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
            raise ConfigError(f"'compose.{name}' must be a list of fields")
        unknown = [part for part in parts if part not in available]
        if unknown:
            raise ConfigError(
                f"'compose.{name}' uses field(s) {names(unknown)} that no column or default gives"
            )
        composed[str(name)] = tuple(parts)
    return composed


def _values(value: object) -> dict[str, dict[str, tuple[str, ...]]]:
    maps: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, table in option_table(value or {}, "'values'").items():
        if name not in MAPPED_VALUES:
            raise ConfigError(f"values.{name}: only {', '.join(sorted(MAPPED_VALUES))} take values")
        check = _VALUE_CHECKS[name]
        maps[name] = {
            _key(cell): check(target, f"values.{name}.{cell}")
            for cell, target in option_table(table, f"values.{name}").items()
        }
    return maps


def _mode(value: object, what: str) -> tuple[str, ...]:
    modes = ", ".join(DeliveryMode)
    if not isinstance(value, str) or value not in DeliveryMode.__members__:
        raise ConfigError(f"{what} must be one of {modes}, not {value!r}")
    return (value,)


def _language(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise ConfigError(f"{what} must be a two-letter lower-case language code")
    return (value,)


_VALUE_CHECKS = {"delivery_mode": _mode, "languages": _language}


def _optional_mode(value: object) -> DeliveryMode | None:
    return None if value is None else DeliveryMode(_mode(value, "option 'delivery_mode'")[0])


def _delimiter(value: object) -> str | None:
    if value is None:
        return None
    if value == "tab":
        return "\t"
    if not isinstance(value, str) or len(value) != 1:
        raise ConfigError(f"'delimiter' must be one character (or 'tab'), not {value!r}")
    return value


def _encoding(value: object) -> str:
    if value == "auto":
        return "auto"
    if not isinstance(value, str):
        raise ConfigError("'encoding' must be 'auto' or a codec name")
    try:
        codecs.lookup(value)
    except LookupError:
        raise ConfigError(f"unknown encoding {value!r}") from None
    return value
