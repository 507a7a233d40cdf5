"""Providers: the paginated list and the loaders of a provider's edges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col

from models import Location, Provider
from resolvers.inputs import search_words, vat_number
from resolvers.pagination import Page, decode_cursor, encode_cursor, keyset_page, page_size
from resolvers.queries import Sessions, by_key, children, fetch_all

if TYPE_CHECKING:
    from resolvers.context import Context

ORDERING = "name:ASC"


@dataclass(frozen=True, slots=True)
class ProviderFilter:
    """Conditions on providers; every one given must hold."""

    alliance_member: bool | None = None
    text: str | None = None
    vat_number: str | None = None


def conditions(flt: ProviderFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if flt.alliance_member is not None:
        where.append(col(Provider.alliance_member) == flt.alliance_member)
    if flt.vat_number is not None:
        where.append(col(Provider.vat_number) == vat_number(flt.vat_number))
    if flt.text is not None:
        where.extend(
            (" " + col(Provider.name_sort)).like(f"% {term}%") for term in search_words(flt.text)
        )
    return where


async def providers_page(
    ctx: Context, flt: ProviderFilter, first: int | None, after: str | None
) -> Page[Provider]:
    """Providers ordered by name, paginated by keyset."""
    size = page_size(first)
    where = conditions(flt)
    statement = sa.select(Provider).where(*where)
    if after is not None:
        statement = statement.where(keyset_after(after))
    statement = statement.order_by(col(Provider.name_sort), col(Provider.id))
    count = sa.select(sa.func.count()).select_from(Provider).where(*where)
    return await keyset_page(
        ctx.sessions,
        statement,
        count,
        size,
        after,
        lambda p: encode_cursor(ORDERING, p.name_sort, p.id or 0),
    )


def keyset_after(cursor: str) -> sa.ColumnElement[bool]:
    """Providers after the cursor, by name (BadUserInput when the cursor is invalid)."""
    value, id_ = decode_cursor(cursor, ORDERING, "text")
    return sa.tuple_(col(Provider.name_sort), col(Provider.id)) > sa.tuple_(
        sa.literal(value), sa.literal(id_)
    )


async def providers_by_id(sessions: Sessions, ids: Sequence[int]) -> list[Provider | None]:
    rows = await fetch_all(sessions, sa.select(Provider).where(col(Provider.id).in_(ids)))
    return by_key(ids, rows, lambda p: p.id)


async def providers_by_vat_number(
    sessions: Sessions, numbers: Sequence[str]
) -> list[Provider | None]:
    """Providers by partita IVA: the catalogue keeps one provider per partita IVA."""
    statement = sa.select(Provider).where(col(Provider.vat_number).in_(numbers))
    return by_key(numbers, await fetch_all(sessions, statement), lambda p: p.vat_number)


async def locations_of_providers(sessions: Sessions, ids: Sequence[int]) -> list[list[Location]]:
    return await children(sessions, Location, col(Location.provider_id), ids, col(Location.id))
