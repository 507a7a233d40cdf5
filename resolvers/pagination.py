"""Relay cursor pagination with keyset cursors (https://relay.dev/graphql/connections.htm)."""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import orjson

from resolvers.errors import BadUserInput

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")
CursorValue = str | int | float | None


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


def decode_cursor(cursor: str, ordering: str) -> tuple[CursorValue, int]:
    """The sort value and id in `cursor`; BadUserInput if it is malformed or was made
    for another ordering."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, id_ = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise BadUserInput(f"invalid cursor {cursor!r}") from None
    if made_for != ordering:
        raise BadUserInput("the cursor was made for another ordering or language")
    if not isinstance(id_, int) or not isinstance(value, str | int | float | None):
        raise BadUserInput(f"invalid cursor {cursor!r}")
    return value, id_


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a connection: the items with their cursors, and a lazy total."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total: Callable[[], Awaitable[int]]
