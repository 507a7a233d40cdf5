"""A typed DataLoader whose already-loaded values can be read without awaiting.

Connection resolvers prefetch a page's children with `load_many`; nested fields then
call `get`, which returns the value synchronously when it is there (the common case)
and falls back to a batched `load` otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Generic, TypeVar

from aiodataloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BatchFn = Callable[[list[K]], Awaitable[list[V]]]


class Loader(Generic[K, V]):
    """Batches and caches loads of `V` by key `K` for the lifetime of one request."""

    def __init__(self, batch: BatchFn[K, V], *, max_batch_size: int = 1000) -> None:
        self._batch = batch
        self._resolved: dict[K, V] = {}
        self._loader = DataLoader[K, V](
            batch_load_fn=self._load_batch, max_batch_size=max_batch_size
        )

    async def _load_batch(self, keys: list[K]) -> list[V]:
        values = await self._batch(keys)
        self._resolved.update(zip(keys, values, strict=True))
        return values

    async def load(self, key: K) -> V:
        value: V = await self._loader.load(key)
        return value

    async def load_many(self, keys: Iterable[K]) -> list[V]:
        keys = list(keys)
        wanted = [key for key in dict.fromkeys(keys) if key not in self._resolved]
        if wanted:
            await self._loader.load_many(wanted)
        return [self._resolved[key] for key in keys]

    def get(self, key: K) -> V | Awaitable[V]:
        """The value if already loaded, else an awaitable that loads it in a batch."""
        try:
            return self._resolved[key]
        except KeyError:
            return self.load(key)
