"""Offerings: the filtered, ordered, paginated catalogue and the loaders of an offering's edges."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col

from models import (
    Area,
    Category,
    CostOption,
    DeliveryMode,
    Language,
    Location,
    Offering,
    OfferingCategory,
    OfferingLanguage,
    OfferingLocation,
    OfferingStatus,
    Provider,
)
from models.db import engine_of
from models.offering import UNKNOWN_PRICE_RANK
from models.taxonomy import CATEGORY_INFO
from models.types import local_today, table_of
from resolvers.availability import Window, available_condition, open_condition
from resolvers.eligibility import EligibilityFilter, eligible_condition
from resolvers.errors import BadUserInput
from resolvers.inputs import MAX_INTEGER, language_code, search_words, shown
from resolvers.pagination import (
    CursorKind,
    CursorValue,
    Direction,
    Page,
    decode_cursor,
    encode_cursor,
    keyset_page,
    page_size,
)
from resolvers.queries import (
    Sessions,
    by_key,
    children,
    fetch_all,
    fetch_keyed,
    fetch_rows,
    grouped,
    read_select,
)

if TYPE_CHECKING:
    from resolvers.context import Context

OFFERING_TABLE = table_of(Offering)


class OfferingOrderField(enum.Enum):
    """What offerings can be ordered by."""

    TITLE = "TITLE"
    LAST_CHANGED = "LAST_CHANGED"
    PRICE = "PRICE"


@dataclass(frozen=True, slots=True)
class OfferingFilter:
    """Conditions on offerings; every one given must hold."""

    area: Area | None = None
    category: str | None = None
    provider_id: int | None = None
    alliance_member: bool | None = None
    in_district: bool | None = None
    delivery_mode: DeliveryMode | None = None
    language: str | None = None
    free_only: bool = False
    max_price: Decimal | None = None
    text: str | None = None
    statuses: tuple[OfferingStatus, ...] | None = None
    # Offerings past their last valid day are left out unless asked for; `today` is the
    # day the request sees (Milan's), part of the filter so that plans keyed by it renew.
    include_expired: bool = False
    today: date = field(default_factory=local_today)
    eligible_for: EligibilityFilter | None = None
    available: Window | None = None
    open_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OfferingOrder:
    """The ordering of a page of offerings (ties broken by id, in the same direction);
    titles sort in `lang`, else in the request's language."""

    field: OfferingOrderField = OfferingOrderField.TITLE
    direction: Direction = Direction.ASC
    lang: Language | None = None


@dataclass(frozen=True, slots=True)
class OfferingQuery:
    """A filter and an ordering: what identifies a list of offerings."""

    filter: OfferingFilter = field(default_factory=OfferingFilter)
    order: OfferingOrder = field(default_factory=OfferingOrder)


def conditions(flt: OfferingFilter) -> list[sa.ColumnElement[bool]]:
    """The SQL conditions of a filter (validated; BadUserInput on bad values)."""
    where = _shown(flt)
    if flt.area is not None:
        where.append(col(Offering.area) == flt.area)
    if flt.category is not None:
        where.append(_in_category(flt.category))
    if flt.provider_id is not None:
        where.append(col(Offering.provider_id) == flt.provider_id)
    if flt.alliance_member is not None:
        members = sa.select(col(Provider.id)).where(
            col(Provider.alliance_member) == flt.alliance_member
        )
        where.append(col(Offering.provider_id).in_(members))
    if flt.in_district is not None:
        where.append(col(Offering.in_district) == flt.in_district)
    if flt.delivery_mode is not None:
        where.append(col(Offering.delivery_mode) == flt.delivery_mode)
    if flt.language is not None:
        speaking = sa.select(col(OfferingLanguage.offering_id)).where(
            col(OfferingLanguage.language) == language_code(flt.language)
        )
        where.append(col(Offering.id).in_(speaking))
    if flt.free_only:
        where.append(col(Offering.is_free) == sa.true())
    if flt.max_price is not None:
        where.append(col(Offering.min_price_cents) <= _cents(flt.max_price))
    if flt.text is not None:
        where.extend(
            col(Offering.search_text).like(f"% {term}%") for term in search_words(flt.text)
        )
    return where


async def computed_conditions(
    sessions: Sessions, flt: OfferingFilter
) -> list[sa.ColumnElement[bool]]:
    """The conditions that need the database to be built: eligibility and availability."""
    where: list[sa.ColumnElement[bool]] = []
    if flt.eligible_for is not None:
        where.append(await eligible_condition(sessions, flt.eligible_for))
    if flt.available is not None:
        where.append(await available_condition(sessions, flt.available))
    if flt.open_at is not None:
        where.append(await open_condition(sessions, flt.open_at))
    return where


def _shown(flt: OfferingFilter) -> list[sa.ColumnElement[bool]]:
    """Which offerings a list shows at all: its statuses (all but WITHDRAWN by default),
    and not past their last valid day unless expired ones are asked for."""
    where = [
        col(Offering.status) != OfferingStatus.WITHDRAWN
        if flt.statuses is None
        else col(Offering.status).in_(flt.statuses)
    ]
    if not flt.include_expired:
        where.append(current(OFFERING_TABLE.c, flt.today))
    return where


def current(columns: Any, today: date) -> sa.ColumnElement[bool]:
    """Not past its last valid day (on `columns` of the offering table or an alias)."""
    return sa.or_(columns.valid_until.is_(None), columns.valid_until >= today)


def listed(columns: Any, today: date) -> sa.ColumnElement[bool]:
    """What lists and counts show by default: not withdrawn, not past its last day."""
    return sa.and_(columns.status != OfferingStatus.WITHDRAWN, current(columns, today))


def _in_category(code: str) -> sa.ColumnElement[bool]:
    if code not in CATEGORY_INFO:
        raise BadUserInput(f"unknown category {shown(code)}; the `categories` field lists them")
    linked = (
        sa.select(col(OfferingCategory.offering_id))
        .join(Category, col(Category.id) == col(OfferingCategory.category_id))
        .where(col(Category.code) == code)
    )
    return col(Offering.id).in_(linked)


def _cents(price: Decimal) -> int:
    """A price bound in cents; any bound above the dearest storable price is that price."""
    if not price.is_finite() or price < 0:
        raise BadUserInput("`maxPrice` must be a non-negative amount in euro")
    # Compared before multiplying: 1e999999 * 100 overflows the decimal context.
    if price >= Decimal(MAX_INTEGER) / 100:
        raise BadUserInput(f"`maxPrice` must be at most {MAX_INTEGER // 100:,} euro")
    return int((price * 100).to_integral_value())


def sort_key(
    order: OfferingOrder,
    lang: Language,
    rows: sa.FromClause | None = None,
    *,
    unindexed: bool = False,
) -> tuple[str, Any]:
    """The ordering's name (as stored in cursors) and its SQL expression, on the offering
    table or on `rows`, a subquery of its rows; `lang` is the request's language.

    `unindexed` gives an expression of the same values that no index matches. A text
    search on PostgreSQL asks for it: the planner would otherwise walk the ordering's
    index, reading most of it when the matches sort late ("servizio 9" took 41 ms at 100k
    offerings), where the trigram index finds them in what the count costs (23 ms)."""
    c = (rows if rows is not None else OFFERING_TABLE).c
    if order.field is OfferingOrderField.TITLE:
        titles = order.lang or lang
        # title_sort_en folds the English title or, untranslated, the Italian one: the
        # title an English answer shows.
        column = c.title_sort_en if titles is Language.EN else c.title_sort_it
        return f"title_{titles.value}", column.op("||")("") if unindexed else column
    if order.field is OfferingOrderField.LAST_CHANGED:
        changed = c.last_changed_at
        return "changed", changed + sa.text("interval '0 seconds'") if unindexed else changed
    price = sa.func.coalesce(c.min_price_cents, UNKNOWN_PRICE_RANK)
    return "price", price + 0 if unindexed else price


def _cursor_value(name: str, offering: Offering) -> CursorValue:
    if name == "changed":
        return offering.last_changed_at.isoformat() if offering.last_changed_at else None
    if name == "price":
        price = offering.min_price_cents
        return UNKNOWN_PRICE_RANK if price is None else price
    return offering.title_sort_en if name == "title_en" else offering.title_sort_it


_CURSOR_KINDS: dict[str, CursorKind] = {"changed": "time", "price": "integer"}


def keyset_after(
    name: str, key: Any, direction: Direction, cursor: str, id_column: Any = None
) -> sa.ColumnElement[bool]:
    """The keyset condition of the rows after `cursor` (BadUserInput when it is invalid)."""
    kind = _CURSOR_KINDS.get(name, "text")
    typed, id_ = decode_cursor(cursor, f"{name}:{direction.value}", kind)
    row = sa.tuple_(key, id_column if id_column is not None else OFFERING_TABLE.c.id)
    if direction is Direction.ASC:
        return row > sa.tuple_(sa.literal(typed), sa.literal(id_))
    return row < sa.tuple_(sa.literal(typed), sa.literal(id_))


def keyset_order(key: Any, direction: Direction, id_column: Any = None) -> tuple[Any, Any]:
    """ORDER BY the key, ties broken by id in the same direction."""
    id_ = id_column if id_column is not None else OFFERING_TABLE.c.id
    if direction is Direction.ASC:
        return key.asc(), id_.asc()
    return key.desc(), id_.desc()


async def offerings_page(
    ctx: Context, query: OfferingQuery, first: int | None, after: str | None
) -> Page[Offering]:
    """One page of the catalogue, filtered, ordered and paginated in SQL."""
    size = page_size(first)
    where = conditions(query.filter) + await computed_conditions(ctx.sessions, query.filter)
    dialect = engine_of(ctx.sessions).dialect.name
    name, key = sort_key(query.order, ctx.lang, unindexed=searches_by_trigram(query, dialect))
    ordering = f"{name}:{query.order.direction.value}"
    statement = read_select(Offering).where(*where)
    if after is not None:
        statement = statement.where(keyset_after(name, key, query.order.direction, after))
    statement = statement.order_by(*keyset_order(key, query.order.direction))

    count = sa.select(sa.func.count()).select_from(Offering).where(*where)
    return await keyset_page(
        ctx.sessions,
        statement,
        count,
        size,
        after,
        lambda o: encode_cursor(ordering, _cursor_value(name, o), o.id or 0),
    )


def searches_by_trigram(query: OfferingQuery, dialect: str) -> bool:
    """Whether a query's rows should be found through PostgreSQL's trigram index, rather
    than by walking its ordering's index (see sort_key)."""
    return query.filter.text is not None and dialect == "postgresql"


@dataclass(frozen=True, slots=True)
class ProviderOfferingsArgs:
    """The arguments of `Provider.offerings`, which key its per-request loader."""

    first: int
    after: str | None
    lang: Language


async def offerings_of_providers(
    sessions: Sessions, args: ProviderOfferingsArgs, provider_ids: Sequence[int]
) -> list[Page[Offering]]:
    """A page of offerings for each provider, in one statement (a window per provider),
    plus one grouped count when a total is asked for."""
    order = OfferingOrder()
    name, key = sort_key(order, args.lang)
    ordering = f"{name}:{order.direction.value}"
    where = [*conditions(OfferingFilter()), col(Offering.provider_id).in_(provider_ids)]
    if args.after is not None:
        where.append(keyset_after(name, key, order.direction, args.after))
    rank = (
        sa.func.row_number()
        .over(partition_by=col(Offering.provider_id), order_by=keyset_order(key, order.direction))
        .label("rank")
    )
    ranked = read_select(Offering).add_columns(rank).where(*where).subquery()
    statement = (
        sa.select(*(column for column in ranked.c if column.name != "rank"))
        .where(ranked.c.rank <= args.first + 1)
        .order_by(ranked.c.provider_id, ranked.c.rank)
    )
    rows: list[Offering] = await fetch_all(sessions, statement)
    per_provider = grouped(provider_ids, [(row.provider_id, row) for row in rows])
    counts: asyncio.Task[dict[int, int]] | None = None

    async def count_all() -> dict[int, int]:
        count = (
            sa.select(col(Offering.provider_id), sa.func.count())
            .where(*conditions(OfferingFilter()), col(Offering.provider_id).in_(provider_ids))
            .group_by(col(Offering.provider_id))
        )
        return dict(await fetch_rows(sessions, count))

    async def total_for(provider_id: int) -> int:
        # The providers' totalCount fields resolve concurrently: the first starts the one
        # grouped count (before any await, so no other can), the others await it too.
        nonlocal counts
        if counts is None:
            counts = asyncio.ensure_future(count_all())
        return (await counts).get(provider_id, 0)

    return [
        Page(
            items=group[: args.first],
            cursors=[
                encode_cursor(ordering, _cursor_value(name, o), o.id or 0)
                for o in group[: args.first]
            ],
            has_next_page=len(group) > args.first,
            has_previous_page=args.after is not None,
            total=partial(total_for, pid),
        )
        for pid, group in zip(provider_ids, per_provider, strict=True)
    ]


async def offerings_by_id(sessions: Sessions, ids: Sequence[int]) -> list[Offering | None]:
    rows = await fetch_all(sessions, read_select(Offering).where(col(Offering.id).in_(ids)))
    return by_key(ids, rows, lambda o: o.id)


async def locations_of_offerings(sessions: Sessions, ids: Sequence[int]) -> list[list[Location]]:
    pairs = await fetch_keyed(
        sessions,
        read_select(Location)
        .join(OfferingLocation, col(Location.id) == col(OfferingLocation.location_id))
        .where(col(OfferingLocation.offering_id).in_(ids))
        .order_by(col(OfferingLocation.offering_id), col(Location.id)),
        col(OfferingLocation.offering_id),
    )
    return grouped(ids, pairs)


async def categories_of_offerings(sessions: Sessions, ids: Sequence[int]) -> list[list[Category]]:
    pairs = await fetch_keyed(
        sessions,
        sa.select(Category)
        .join(OfferingCategory, col(Category.id) == col(OfferingCategory.category_id))
        .where(col(OfferingCategory.offering_id).in_(ids))
        .order_by(col(OfferingCategory.offering_id), col(Category.position)),
        col(OfferingCategory.offering_id),
    )
    return grouped(ids, pairs)


async def languages_of_offerings(sessions: Sessions, ids: Sequence[int]) -> list[list[str]]:
    rows = await fetch_rows(
        sessions,
        sa.select(col(OfferingLanguage.offering_id), col(OfferingLanguage.language))
        .where(col(OfferingLanguage.offering_id).in_(ids))
        .order_by(col(OfferingLanguage.offering_id), col(OfferingLanguage.position)),
    )
    return grouped(ids, [(offering_id, code) for offering_id, code in rows])


async def cost_options_of_offerings(
    sessions: Sessions, ids: Sequence[int]
) -> list[list[CostOption]]:
    parent, order = col(CostOption.offering_id), col(CostOption.position)
    return await children(sessions, CostOption, parent, ids, order)


# The edges of an offering a connection can prefetch for its whole page.
OFFERING_EDGES = ("provider", "locations", "categories", "languages", "costOptions")


async def prefetch(ctx: Context, offerings: Sequence[Offering], fields: set[str]) -> None:
    """Load, in one batch per edge, the edges of a page of offerings that the query selects."""
    loaders = ctx.loaders
    ids = [o.id for o in offerings if o.id is not None]
    if not ids:
        return
    pending: list[Awaitable[object]] = []
    if "provider" in fields:
        pending.append(loaders.provider.load_many(o.provider_id for o in offerings))
    if "locations" in fields:
        pending.append(loaders.offering_locations.load_many(ids))
    if "categories" in fields:
        pending.append(loaders.offering_categories.load_many(ids))
    if "languages" in fields:
        pending.append(loaders.offering_languages.load_many(ids))
    if "costOptions" in fields:
        pending.append(loaders.offering_cost_options.load_many(ids))
    await asyncio.gather(*pending)
