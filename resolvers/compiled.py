"""The compiled read path: a plan (resolvers.plans) becomes one SQL statement whose single
value is the JSON of the response's `data`, built by the database.

What each field of each type is in SQL is written once here, next to the general path's
resolvers it must agree with (the differential tests run both). Filters, orderings and
keyset cursors are the resolvers' own (resolvers.offerings, resolvers.providers), so the
two paths select the same rows. A statement is compiled once per distinct plan and kept;
running it is one round trip, and Python only wraps the bytes the database returns.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from models import (
    Category,
    CostOption,
    Location,
    Offering,
    OfferingCategory,
    OfferingLanguage,
    OfferingLocation,
    Provider,
)
from models.enums import Area, Language
from models.offering import UNKNOWN_PRICE_RANK
from models.reader import Reader
from models.taxonomy import AREAS
from models.types import table_of
from resolvers import offerings as offering_queries
from resolvers import providers as provider_queries
from resolvers.json_sql import MAX_KEYS, JsonSQL, concat, constant, json_sql, name
from resolvers.pagination import page_size
from resolvers.plans import Plan, Root, Selected, Selection

OFFERING = table_of(Offering)
PROVIDER = table_of(Provider)
LOCATION = table_of(Location)
CATEGORY = table_of(Category)
COST_OPTION = table_of(CostOption)
OFFERING_LOCATION = table_of(OfferingLocation)
OFFERING_CATEGORY = table_of(OfferingCategory)
OFFERING_LANGUAGE = table_of(OfferingLanguage)

SQL = sa.ColumnElement[Any]
Rows = sa.FromClause


class Unsupported(Exception):
    """A plan the compiled path cannot answer; the general executor answers it."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A plan's statement, compiled for its database and ready to run."""

    sql: str


# --- What each field is in SQL ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class At:
    """Where a field's value is built: for which selected field, on which rows."""

    builder: _Builder
    field: Selected
    rows: Rows

    @property
    def json(self) -> JsonSQL:
        return self.builder.json

    @property
    def english(self) -> bool:
        return (self.field.lang or self.builder.lang) is Language.EN

    def column(self, column: str) -> SQL:
        return self.rows.c[column]

    def object(self, rows: Rows) -> SQL:
        """The field's selection on one row of `rows`."""
        return self.builder.object(_selection(self.field), rows)


ValueOf = Callable[[At], SQL]


def _column(column: str) -> ValueOf:
    return lambda at: at.column(column)


def _flag(column: str) -> ValueOf:
    return lambda at: at.json.boolean(at.column(column))


def _float(column: str) -> ValueOf:
    return lambda at: at.json.number(at.column(column))


def _euro(column: str) -> ValueOf:
    """Cents as the Decimal scalar prints euro: "12.50"."""

    def value(at: At) -> SQL:
        cents = at.column(column)
        return concat(at.json.as_text(cents // 100), name("."), at.json.pad2(cents % 100))

    return value


def _text_in(italian: str, english: str) -> ValueOf:
    """A translated text: English where asked and not empty, else Italian."""

    def value(at: At) -> SQL:
        if at.english:
            return sa.func.coalesce(sa.func.nullif(at.column(english), ""), at.column(italian))
        return at.column(italian)

    return value


def _label(italian: str, english: str) -> ValueOf:
    return lambda at: at.column(english if at.english else italian)


def _global_id(type_name: str) -> ValueOf:
    return lambda at: at.json.b64(concat(name(f"{type_name}:"), at.json.as_text(at.column("id"))))


def _to_one(table: sa.Table, key: str) -> ValueOf:
    """The row of `table` whose id is the `key` column (null when it is null)."""

    def value(at: At) -> SQL:
        target = table.alias()
        return at.json.one(
            at.object(target), sa.select(target).where(target.c.id == at.column(key))
        )

    return value


def _linked(table: sa.Table, link: sa.Table, target: str, order: str) -> ValueOf:
    """The rows of `table` an offering is linked to through `link` (its `target` column
    holding their ids), in `order`: as resolvers.offerings loads them."""

    def value(at: At) -> SQL:
        rows, through = table.alias(), link.alias()
        chosen = (
            sa.select(rows)
            .join(through, through.c[target] == rows.c.id)
            .where(through.c.offering_id == at.column("id"))
        )
        return at.json.aggregate(at.object(rows), chosen, [rows.c[order]])

    return value


def _offering_languages(at: At) -> SQL:
    language = OFFERING_LANGUAGE.alias()
    chosen = sa.select(language).where(language.c.offering_id == at.column("id"))
    return at.json.aggregate(language.c.language, chosen, [language.c.position])


def _cost_options(at: At) -> SQL:
    option = COST_OPTION.alias()
    chosen = sa.select(option).where(option.c.offering_id == at.column("id"))
    return at.json.aggregate(at.object(option), chosen, [option.c.position])


def _provider_locations(at: At) -> SQL:
    location = LOCATION.alias()
    chosen = sa.select(location).where(location.c.provider_id == at.column("id"))
    return at.json.aggregate(at.object(location), chosen, [location.c.id])


def _text_languages(at: At) -> SQL:
    translated = sa.and_(at.column("title_en").is_not(None), at.column("title_en") != "")
    return sa.case((translated, at.json.raw('["IT","EN"]')), else_=at.json.raw('["IT"]'))


def _category_offering_count(at: At) -> SQL:
    link, offering = OFFERING_CATEGORY.alias(), OFFERING.alias()
    counted = (
        sa.select(sa.func.count())
        .select_from(link)
        .join(offering, offering.c.id == link.c.offering_id)
        .where(
            link.c.category_id == at.column("id"),
            offering_queries.listed(offering.c, at.builder.today),
        )
    )
    return at.json.scalar(counted)


# No DateTime field is here: answers write times in Europe/Rome's offset (schema.scalars),
# which SQLite, without a time zone database, could give only by spelling out the EU's
# summer time rule in SQL; such fields are the general executor's (a test keeps it so).
VALUES: dict[str, dict[str, ValueOf]] = {
    "Offering": {
        "id": _global_id("Offering"),
        "title": _text_in("title_it", "title_en"),
        "description": _text_in("description_it", "description_en"),
        "area": _column("area"),
        "delivery_mode": _column("delivery_mode"),
        "status": _column("status"),
        "is_free": _flag("is_free"),
        "min_price": _euro("min_price_cents"),
        "beneficiary_discount_percent": _column("beneficiary_discount_percent"),
        "valid_from": _column("valid_from"),
        "valid_until": _column("valid_until"),
        "booking_url": _column("booking_url"),
        "email": _column("email"),
        "in_district": _flag("in_district"),
        "eligibility_description": _column("eligibility_description"),
        "text_languages": _text_languages,
        "provider": _to_one(PROVIDER, "provider_id"),
        "locations": _linked(LOCATION, OFFERING_LOCATION, "location_id", "id"),
        "categories": _linked(CATEGORY, OFFERING_CATEGORY, "category_id", "position"),
        "languages": _offering_languages,
        "cost_options": _cost_options,
        "version": _column("version"),
    },
    "Provider": {
        "id": _global_id("Provider"),
        "name": _column("name"),
        "legal_form": _column("legal_form"),
        "vat_number": _column("vat_number"),
        "alliance_member": _flag("alliance_member"),
        "ateco_code": _column("ateco_code"),
        "description": _column("description"),
        "website": _column("website"),
        "email": _column("email"),
        "phone": _column("phone"),
        "locations": _provider_locations,
        "version": _column("version"),
        "active": _flag("active"),
    },
    "Location": {
        "id": _global_id("Location"),
        "name": _column("name"),
        "address": _column("address"),
        "cap": _column("cap"),
        "city": _column("city"),
        "province": _column("province"),
        "latitude": _float("latitude"),
        "longitude": _float("longitude"),
        "accessibility": _column("accessibility"),
        "in_district": _flag("in_district"),
        "provider": _to_one(PROVIDER, "provider_id"),
        "version": _column("version"),
    },
    "Category": {
        "id": _global_id("Category"),
        "code": _column("code"),
        "area": _column("area"),
        "label": _label("label_it", "label_en"),
        "offering_count": _category_offering_count,
    },
    "CostOption": {
        "label": _column("label"),
        "amount": _euro("amount_cents"),
        "currency": _column("currency"),
        "description": _column("description"),
    },
}
# Connections, their edges and page info are built with the page (see _Page).
CONNECTION_FIELDS = frozenset({"total_count", "edges", "nodes", "page_info"})
EDGE_FIELDS = frozenset({"cursor", "node"})
PAGE_INFO_FIELDS = frozenset({"has_next_page", "has_previous_page", "start_cursor", "end_cursor"})
AREA_FIELDS = frozenset({"area", "label", "offering_count"})
ROOTS = frozenset({"offerings", "providers", "offering", "provider", "areas", "categories"})


def supports(type_name: str, field: str) -> bool:
    """Whether the compiled path knows a field of a type (by its Python name)."""
    if field == "__typename":
        return True
    if type_name in VALUES:
        return field in VALUES[type_name]
    return field in _FIELDS_OF.get(_kind(type_name), frozenset())


def _kind(type_name: str) -> str:
    for suffix in ("Connection", "Edge"):
        if type_name.endswith(suffix):
            return suffix
    return type_name


_FIELDS_OF = {
    "Connection": CONNECTION_FIELDS,
    "Edge": EDGE_FIELDS,
    "PageInfo": PAGE_INFO_FIELDS,
    "AreaSummary": AREA_FIELDS,
    "Query": ROOTS,
}


# --- Statements ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Page:
    """One page of a connection: the rows' subquery (one more than the page, to know
    whether another follows), the ordering and how to make a row's cursor."""

    rows: sa.CTE
    size: int
    order: Callable[[Rows], list[Any]]
    cursor: Callable[[Rows], SQL]
    count: sa.Select[Any]
    has_previous: bool


class _Builder:
    """Builds the statement of one plan."""

    def __init__(self, json: JsonSQL, lang: Language, today: date) -> None:
        self.json = json
        self.lang = lang
        self.today = today
        self.pages = 0

    def statement(self, plan: Plan) -> sa.Select[Any]:
        pairs = [(root.key, self.root(root)) for root in plan.roots]
        return sa.select(self.pairs(pairs))

    def pairs(self, pairs: Sequence[tuple[str, SQL]]) -> SQL:
        if len(pairs) > MAX_KEYS:
            raise Unsupported("too many keys in one object")
        return self.json.object(pairs)

    def object(self, selection: Selection, rows: Rows) -> SQL:
        """The JSON object of a selection on one row of `rows`."""
        values = VALUES[selection.type_name]
        pairs = []
        for field in selection.fields:
            if field.name == "__typename":
                pairs.append((field.key, name(selection.type_name)))
            else:
                pairs.append((field.key, values[field.name](At(self, field, rows))))
        return self.pairs(pairs)

    def root(self, root: Root) -> SQL:
        if root.name == "__typename":
            return name("Query")
        selection = root.selection
        if selection is None:
            raise Unsupported(f"{root.name} without a selection")
        if root.name == "offerings":
            return self.connection(selection, self.offerings_page(root))
        if root.name == "providers":
            return self.connection(selection, self.providers_page(root))
        if root.name in {"offering", "provider"}:
            table = OFFERING if root.name == "offering" else PROVIDER
            rows = table.alias()
            return self.json.one(
                self.object(selection, rows), sa.select(rows).where(rows.c.id == root.id)
            )
        if root.name == "areas":
            return self.json.array([self.area(info.area, selection) for info in AREAS])
        if root.name == "categories":
            category = CATEGORY.alias()
            chosen = sa.select(category)
            if root.area is not None:
                chosen = chosen.where(category.c.area == root.area)
            return self.json.aggregate(
                self.object(selection, category), chosen, [category.c.position]
            )
        raise Unsupported(root.name)

    def area(self, area: Area, selection: Selection) -> SQL:
        info = next(i for i in AREAS if i.area is area)
        pairs: list[tuple[str, SQL]] = []
        for field in selection.fields:
            if field.name == "__typename":
                pairs.append((field.key, name("AreaSummary")))
            elif field.name == "area":
                pairs.append((field.key, name(area.value)))
            elif field.name == "label":
                pairs.append((field.key, constant(info.label(field.lang or self.lang))))
            else:
                counted = (
                    sa.select(sa.func.count())
                    .select_from(OFFERING)
                    .where(OFFERING.c.area == area, offering_queries.listed(OFFERING.c, self.today))
                )
                pairs.append((field.key, self.json.scalar(counted)))
        return self.pairs(pairs)

    # Connections

    def offerings_page(self, root: Root) -> _Page:
        query = root.offerings
        if query is None:
            raise Unsupported("offerings without a query")
        if query.filter.eligible_for or query.filter.available or query.filter.open_at:
            raise Unsupported("filters computed from the database")
        where = offering_queries.conditions(query.filter)
        direction = query.order.direction
        unindexed = offering_queries.searches_by_trigram(query, self.json.dialect)
        order_name, key = offering_queries.sort_key(query.order, self.lang, unindexed=unindexed)
        chosen = sa.select(OFFERING).where(*where)
        if root.after is not None:
            chosen = chosen.where(
                offering_queries.keyset_after(order_name, key, direction, root.after)
            )
        size = page_size(root.first)
        rows = chosen.order_by(*offering_queries.keyset_order(key, direction)).limit(size + 1)
        page = rows.cte(f"page{self._next_page()}")

        def order(of: Rows) -> list[Any]:
            of_key = offering_queries.sort_key(query.order, self.lang, of, unindexed=unindexed)[1]
            return list(offering_queries.keyset_order(of_key, direction, of.c.id))

        def cursor(of: Rows) -> SQL:
            return self.cursor(
                f"{order_name}:{direction.value}",
                _offering_sort_value(order_name, of, self.json),
                of,
            )

        count = sa.select(sa.func.count()).select_from(OFFERING).where(*where)
        return _Page(page, size, order, cursor, count, root.after is not None)

    def providers_page(self, root: Root) -> _Page:
        flt = root.providers
        if flt is None:
            raise Unsupported("providers without a filter")
        where = provider_queries.conditions(flt)
        chosen = sa.select(PROVIDER).where(*where)
        if root.after is not None:
            chosen = chosen.where(provider_queries.keyset_after(root.after))
        size = page_size(root.first)
        rows = chosen.order_by(PROVIDER.c.name_sort, PROVIDER.c.id).limit(size + 1)
        page = rows.cte(f"page{self._next_page()}")

        def order(of: Rows) -> list[Any]:
            return [of.c.name_sort, of.c.id]

        def cursor(of: Rows) -> SQL:
            return self.cursor(provider_queries.ORDERING, self.json.quote(of.c.name_sort), of)

        count = sa.select(sa.func.count()).select_from(PROVIDER).where(*where)
        return _Page(page, size, order, cursor, count, root.after is not None)

    def _next_page(self) -> int:
        self.pages += 1
        return self.pages

    def cursor(self, ordering: str, value: SQL, rows: Rows) -> SQL:
        """resolvers.pagination.encode_cursor, in SQL: ["ordering",value,id] in base64."""
        payload = concat(
            name(f'["{ordering}",'),
            value,
            name(","),
            self.json.as_text(rows.c.id),
            name("]"),
        )
        return self.json.b64url(payload)

    def connection(self, selection: Selection, page: _Page) -> SQL:
        pairs: list[tuple[str, SQL]] = []
        for field in selection.fields:
            if field.name == "__typename":
                pairs.append((field.key, name(selection.type_name)))
            elif field.name == "total_count":
                pairs.append((field.key, self.json.scalar(page.count)))
            elif field.name in {"edges", "nodes"}:
                items = self.items(page)
                if field.name == "nodes":
                    element = self.object(_selection(field), items)
                else:
                    element = self.edge(_selection(field), page, items)
                visible = sa.select(items)
                pairs.append((field.key, self.json.aggregate(element, visible, page.order(items))))
            else:
                pairs.append((field.key, self.page_info(_selection(field), page)))
        return self.pairs(pairs)

    def items(self, page: _Page) -> sa.Subquery:
        """The rows of the page proper (without the extra one)."""
        return sa.select(page.rows).order_by(*page.order(page.rows)).limit(page.size).subquery()

    def edge(self, selection: Selection, page: _Page, items: Rows) -> SQL:
        pairs: list[tuple[str, SQL]] = []
        for field in selection.fields:
            if field.name == "__typename":
                pairs.append((field.key, name(selection.type_name)))
            elif field.name == "cursor":
                pairs.append((field.key, page.cursor(items)))
            else:
                pairs.append((field.key, self.object(_selection(field), items)))
        return self.pairs(pairs)

    def page_info(self, selection: Selection, page: _Page) -> SQL:
        pairs: list[tuple[str, SQL]] = []
        for field in selection.fields:
            if field.name == "__typename":
                pairs.append((field.key, name("PageInfo")))
            elif field.name == "has_next_page":
                more = sa.select(sa.func.count()).select_from(page.rows)
                pairs.append((field.key, self.json.boolean(more.scalar_subquery() > page.size)))
            elif field.name == "has_previous_page":
                pairs.append((field.key, self.json.raw("true" if page.has_previous else "false")))
            else:
                items = self.items(page)
                ordered = page.order(items)
                if field.name == "end_cursor":
                    ordered = [_reversed(term) for term in ordered]
                first = sa.select(page.cursor(items)).order_by(*ordered).limit(1)
                pairs.append((field.key, first.scalar_subquery()))
        return self.pairs(pairs)


def _selection(field: Selected) -> Selection:
    if field.object is None:
        raise Unsupported(f"{field.name} needs a selection")
    return field.object


def _reversed(term: Any) -> Any:
    """An ORDER BY term in the other direction."""
    modifier = getattr(term, "modifier", None)
    element = getattr(term, "element", term)
    return element.asc() if modifier is sa.sql.operators.desc_op else element.desc()


def _offering_sort_value(order_name: str, rows: Rows, json: JsonSQL) -> SQL:
    """The JSON text of an offering's sort value, as the general path's cursor has it."""
    if order_name == "price":
        return json.as_text(sa.func.coalesce(rows.c.min_price_cents, UNKNOWN_PRICE_RANK))
    if order_name == "changed":
        quoted = concat(name('"'), json.iso_utc(rows.c.last_changed_at), name('"'))
        return sa.func.coalesce(quoted, name("null"))
    column = rows.c.title_sort_en if order_name == "title_en" else rows.c.title_sort_it
    return json.quote(column)


# --- Running -------------------------------------------------------------------------------


class Compiled:
    """Compiles plans for one database (once per distinct plan) and runs them."""

    def __init__(self, reader: Reader, cache_size: int = 256) -> None:
        self.json = json_sql(reader.dialect.name)
        self.reader = reader
        self.cache_size = cache_size
        self._prepared: OrderedDict[Plan, Prepared] = OrderedDict()

    def prepare(self, plan: Plan) -> Prepared:
        """The statement of a plan (Unsupported, or BadUserInput for a bad argument)."""
        found = self._prepared.get(plan)
        if found is not None:
            self._prepared.move_to_end(plan)
            return found
        prepared = Prepared(
            self.reader.sql(_Builder(self.json, plan.lang, plan.today).statement(plan))
        )
        self._prepared[plan] = prepared
        if len(self._prepared) > self.cache_size:
            self._prepared.popitem(last=False)
        return prepared

    async def data(self, prepared: Prepared) -> bytes:
        """The JSON text of `data`, as the database built it."""
        value = await self.reader.value(prepared.sql)
        return value.encode() if isinstance(value, str) else bytes(value)


__all__ = ["Compiled", "Prepared", "Unsupported", "supports"]
