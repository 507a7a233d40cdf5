"""Relay cursor pagination with keyset cursors (https://relay.dev/graphql/connections.htm)."""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

import orjson
import sqlalchemy as sa

from resolvers.errors import BadUserInput
from resolvers.inputs import MAX_INTEGER, shown
from resolvers.queries import Sessions, fetch_all, fetch_scalar

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")
CursorValue = str | int | float | None
# What a cursor's sort value is: a folded title or name, a time, or a price in cents.
CursorKind = Literal["text", "time", "integer"]
MAX_CURSOR_LENGTH = 2_000
_FOLDED = re.compile(r"[0-9a-z ]*")


class Direction(enum.Enum):
    """Sort direction."""

    ASC = "ASC"
    DESC = "DESC"


def page_size(first: int | None) -> int:
    """The validated number of items to return."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0:
        raise BadUserInput("`first` must not be negative")
    if first > MAX_PAGE_SIZE:
        raise BadUserInput(f"`first` must not exceed {MAX_PAGE_SIZE}")
    return first


def encode_cursor(ordering: str, value: CursorValue, id_: int) -> str:
    """An opaque cursor naming the ordering and the last item's sort value and id."""
    payload = orjson.dumps([ordering, value, id_])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: str, kind: CursorKind) -> tuple[Any, int]:
    """The sort value (a `kind` value) and id in `cursor`; BadUserInput if it is malformed
    or was made for another ordering."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadUserInput("invalid cursor: too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, id_ = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise BadUserInput(f"invalid cursor {shown(cursor)}") from None
    if made_for != ordering:
        raise BadUserInput("the cursor was made for another ordering or language")
    if not _integer(id_):
        raise BadUserInput(f"invalid cursor {shown(cursor)}")
    try:
        return _typed(value, kind), id_
    except (ValueError, TypeError):
        raise BadUserInput(f"invalid cursor {shown(cursor)}") from None


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INTEGER


def _typed(value: object, kind: CursorKind) -> Any:
    """A cursor's sort value as the column it is compared with holds it."""
    if kind == "integer":
        if not _integer(value):
            raise TypeError("not an integer")
        return value
    if kind == "time":
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError("not a time")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("no offset")
        return moment
    # Sort texts are folded (models.text.fold): a cursor made by the hub holds nothing else.
    if not isinstance(value, str) or not _FOLDED.fullmatch(value):
        raise TypeError("not a folded text")
    return value


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a connection: the items with their cursors, and a lazy total. A page
    of no items (`first: 0`) reads no rows: `more` says, when asked, whether any follow."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total: Callable[[], Awaitable[int]]
    more: Callable[[], Awaitable[bool]] | None = None

    async def next_page_exists(self) -> bool:
        return await self.more() if self.more is not None else self.has_next_page


async def keyset_page(
    sessions: Sessions,
    statement: sa.Select[Any],
    count: sa.Select[Any],
    size: int,
    after: str | None,
    cursor: Callable[[T], str],
) -> Page[T]:
    """A page of `statement` (filtered, ordered by its keyset and past the cursor `after`):
    `size` rows and whether more follow (one more row read), `count` run only when the
    total is asked for. A page of no rows (`first: 0`) reads none."""

    async def total() -> int:
        return int(await fetch_scalar(sessions, count))

    async def more() -> bool:
        # The FROM stays the statement's even where no condition names its table.
        exists = statement.with_only_columns(sa.literal(1), maintain_column_froms=True)
        return bool(await fetch_all(sessions, exists.limit(1)))

    if size == 0:  # a count: the rows are read only if pageInfo asks whether any exist
        return Page([], [], False, after is not None, total, more)
    rows: list[T] = await fetch_all(sessions, statement.limit(size + 1))
    items = rows[:size]
    return Page(
        items=items,
        cursors=[cursor(item) for item in items],
        has_next_page=len(rows) > size,
        has_previous_page=after is not None,
        total=total,
    )
