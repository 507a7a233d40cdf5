"""Small SQL helpers shared by the entity resolvers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar, TypeVarTuple, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute, Mapped

from models.db import engine_of
from models.types import table_of

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Ts = TypeVarTuple("Ts")

Sessions = async_sessionmaker[AsyncSession]


# The read path runs its statements on a Core connection, not in an ORM session, and reads
# rows, not instances: a row of `select(Model)` has the model's attributes (its columns),
# costs a tuple where an instance cost the identity map and attribute instrumentation, and
# needs no session to begin and close. Rows are read-only, which the read path never minds.


# What a row's writer said and the registry's overrides (models.provenance.Overridable):
# about a kilobyte of JSON an offering, decoded per row, which only `provenance.overridden`
# shows. The read path leaves them out of its rows; that field reads them by its loader.
UNREAD = frozenset({"said", "overrides"})


def read_select(model: type[Any]) -> sa.Select[Any]:
    """A select of a model's rows as the read path reads them: every column but UNREAD."""
    return sa.select(*(column for column in table_of(model).c if column.name not in UNREAD))


async def fetch_all(sessions: Sessions, statement: sa.Select[V]) -> list[V]:
    """The rows of a select of one model, as rows that stand in for its instances."""
    async with engine_of(sessions).connect() as connection:
        rows = (await connection.execute(statement)).all()
    return cast("list[V]", rows)


async def fetch_rows(sessions: Sessions, statement: sa.Select[*Ts]) -> list[sa.Row[*Ts]]:
    """The rows of a select of several columns."""
    async with engine_of(sessions).connect() as connection:
        return list((await connection.execute(statement)).all())


async def fetch_scalar(sessions: Sessions, statement: sa.Select[V]) -> V:
    async with engine_of(sessions).connect() as connection:
        return (await connection.execute(statement)).scalar_one()


async def fetch_keyed(
    sessions: Sessions, statement: sa.Select[V], key: Mapped[K] | sa.ColumnElement[K]
) -> list[tuple[K, V]]:
    """(key, row) pairs of a select of one model with one more column, `key` (the parent
    of each row in a many-to-many table, say)."""
    keyed = statement.add_columns(key.label("parent_key"))
    async with engine_of(sessions).connect() as connection:
        rows = (await connection.execute(keyed)).all()
    return [(row.parent_key, cast("V", row)) for row in rows]


async def children(
    sessions: Sessions,
    model: type[V],
    parent: Mapped[Any],
    parent_ids: Sequence[K],
    order: Mapped[Any],
) -> list[list[V]]:
    """The rows of `model` whose `parent` column is each of `parent_ids`, in `order`:
    one statement for a DataLoader's whole batch."""
    rows = await fetch_all(
        sessions, read_select(model).where(parent.in_(parent_ids)).order_by(parent, order)
    )
    key = cast("InstrumentedAttribute[Any]", parent).key  # what `col()` returns at runtime
    return grouped(parent_ids, [(getattr(row, key), row) for row in rows])


def by_key(
    keys: Sequence[K], items: Sequence[V], key: Callable[[V], Hashable | None]
) -> list[V | None]:
    """Items in the order of `keys` (None where absent), as a DataLoader must return them."""
    found = {key(item): item for item in items}
    return [found.get(k) for k in keys]


def grouped(keys: Sequence[K], pairs: Sequence[tuple[K, V]]) -> list[list[V]]:
    """Values grouped per key, in the order of `keys` (empty lists where absent)."""
    groups: defaultdict[K, list[V]] = defaultdict(list)
    for k, value in pairs:
        groups[k].append(value)
    return [groups.get(k, []) for k in keys]
