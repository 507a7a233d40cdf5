"""Fields that resolve synchronously when their data was prefetched, and await otherwise."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

V = TypeVar("V")
R = TypeVar("R")

MaybeAwaitable: TypeAlias = R | Awaitable[R]


def then(value: MaybeAwaitable[V], convert: Callable[[V], R]) -> MaybeAwaitable[R]:
    """`convert(value)` now if the value is there, else once it has been awaited."""
    if inspect.isawaitable(value):
        return _later(value, convert)
    return convert(value)


async def _later(value: Awaitable[V], convert: Callable[[V], R]) -> R:
    return convert(await value)
