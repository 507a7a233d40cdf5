"""Areas and categories of the taxonomy, with how many visible offerings each has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col

from models import Area, Category, Offering, OfferingCategory
from models.taxonomy import AREAS, AreaInfo
from resolvers.offerings import OFFERING_TABLE, listed
from resolvers.queries import Sessions, by_key, fetch_all, fetch_rows

if TYPE_CHECKING:
    from resolvers.context import Context


@dataclass(frozen=True, slots=True)
class AreaCount:
    """An area of the taxonomy and its number of visible offerings."""

    info: AreaInfo
    offering_count: int


async def areas(ctx: Context) -> list[AreaCount]:
    """The four areas in their fixed order, counted in one grouped statement."""
    rows = await fetch_rows(
        ctx.sessions,
        sa.select(col(Offering.area), sa.func.count())
        .where(listed(OFFERING_TABLE.c, ctx.today))
        .group_by(col(Offering.area)),
    )
    counts: dict[Area, int] = {Area(area): n for area, n in rows}
    return [AreaCount(info, counts.get(info.area, 0)) for info in AREAS]


async def categories(ctx: Context, area: Area | None) -> list[Category]:
    statement = sa.select(Category).order_by(col(Category.position))
    if area is not None:
        statement = statement.where(col(Category.area) == area)
    return await fetch_all(ctx.sessions, statement)


async def categories_by_id(sessions: Sessions, ids: Sequence[int]) -> list[Category | None]:
    rows = await fetch_all(sessions, sa.select(Category).where(col(Category.id).in_(ids)))
    return by_key(ids, rows, lambda category: category.id)


async def category_offering_counts(
    sessions: Sessions, today: date, ids: Sequence[int]
) -> list[int]:
    """How many listed offerings each category has, in one grouped statement."""
    rows = await fetch_rows(
        sessions,
        sa.select(col(OfferingCategory.category_id), sa.func.count())
        .join(Offering, col(Offering.id) == col(OfferingCategory.offering_id))
        .where(col(OfferingCategory.category_id).in_(ids), listed(OFFERING_TABLE.c, today))
        .group_by(col(OfferingCategory.category_id)),
    )
    counts = dict(rows)
    return [counts.get(i, 0) for i in ids]
