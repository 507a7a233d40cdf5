"""Live availability: the remaining places of bookable slots, asked of their source on read
with a short TTL and a timeout. A source declares `live_availability`, a URL template with
`{id}` (the slot's external id, percent-encoded) answering with the slot as JSON: an
OpenActive ScheduledSession or Slot (`remainingAttendeeCapacity`/`maximumAttendeeCapacity`,
`remainingUses`/`maximumUses`), bare or as the `data` of an RPDE item, or `{"remaining",
"capacity"}`. When the source fails, times out or answers something else, the last known
value comes back marked stale: a read never fails because a member's server is down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from urllib.parse import quote

import httpx
import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from connectors.config import SourceConfig
from models import Slot, Source
from models.availability import LiveValue
from models.types import utc_now

log = logging.getLogger(__name__)

TTL_SECONDS = 30.0
TIMEOUT_SECONDS = 2.0
CONCURRENCY = 8
FAILURE_PAUSE_SECONDS = 5.0
MAX_CACHED = 50_000

_REMAINING = ("remainingAttendeeCapacity", "remainingUses", "remaining")
_CAPACITY = ("maximumAttendeeCapacity", "maximumUses", "capacity")


class LiveRefresher:
    """Refreshes slots' remaining places from the sources that declare an endpoint; one
    per hub process, shared by requests (its cache is what makes the TTL)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        templates: Mapping[str, str],
        *,
        ttl: float = TTL_SECONDS,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.templates = dict(templates)
        self.ttl = ttl
        self.timeout = timeout
        self._clock = clock
        self._cache: dict[int, tuple[float, LiveValue]] = {}
        self._source_names: dict[int, str] = {}
        self._slots = asyncio.Semaphore(CONCURRENCY)

    @classmethod
    def for_sources(
        cls,
        client: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        sources: Sequence[SourceConfig],
    ) -> LiveRefresher:
        """A refresher for the sources whose table has `live_availability`."""
        templates: dict[str, str] = {}
        for source in sources:
            template = source.options.get("live_availability")
            if template is None:
                continue
            if not _is_template(template):
                log.warning(
                    "source %s: live_availability must be an http(s) URL with {id}; ignored",
                    source.name,
                )
                continue
            templates[source.name] = str(template)
        return cls(client, sessions, templates)

    async def values(self, slots: Sequence[Slot]) -> dict[int, LiveValue]:
        """Current places of the slots whose source is live, by slot id."""
        names = await self._names({s.source_id for s in slots if s.source_id is not None})
        live = [
            (slot, self.templates[names[slot.source_id]])
            for slot in slots
            if slot.id is not None
            and slot.source_id in names
            and names[slot.source_id] in self.templates
            and slot.external_id
        ]
        found = await asyncio.gather(*(self._value(slot, template) for slot, template in live))
        return {slot.id or 0: value for (slot, _), value in zip(live, found, strict=True)}

    async def _value(self, slot: Slot, template: str) -> LiveValue:
        key = slot.id or 0
        cached = self._cache.get(key)
        now = self._clock()
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        url = template.replace("{id}", quote(slot.external_id or "", safe=""))
        try:
            # The deadline covers waiting for a connection slot too, so a source that hangs
            # costs each read one timeout, not one per batch of slots.
            response = await asyncio.wait_for(self._get(url), self.timeout)
            response.raise_for_status()
            value = _places(orjson.loads(response.content), utc_now())
        except (
            httpx.HTTPError,
            httpx.InvalidURL,
            TimeoutError,
            orjson.JSONDecodeError,
            ValueError,
        ) as error:
            log.warning("live availability of slot %s unavailable: %s", key, type(error).__name__)
            last = cached[1] if cached is not None else None
            value = LiveValue(
                remaining=last.remaining if last else slot.remaining,
                capacity=last.capacity if last else slot.capacity,
                checked_at=last.checked_at if last else slot.fetched_at,
                stale=True,
            )
            # Remember the failure briefly: a source that is down is not asked on every read.
            self._remember(key, now - self.ttl + min(self.ttl, FAILURE_PAUSE_SECONDS), value)
            return value
        self._remember(key, now, value)
        return value

    async def _get(self, url: str) -> httpx.Response:
        async with self._slots:
            return await self.client.get(url)

    def _remember(self, key: int, at: float, value: LiveValue) -> None:
        if len(self._cache) >= MAX_CACHED and key not in self._cache:
            self._cache.clear()  # a bound on memory; entries are only a TTL's worth anyway
        self._cache[key] = (at, value)

    async def _names(self, source_ids: set[int]) -> dict[int, str]:
        missing = source_ids - self._source_names.keys()
        if missing:
            async with self.sessions() as session:
                rows = await session.execute(
                    sa.select(col(Source.id), col(Source.name)).where(col(Source.id).in_(missing))
                )
                self._source_names.update((int(i or 0), str(n)) for i, n in rows)
        return {i: self._source_names[i] for i in source_ids if i in self._source_names}


def _is_template(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://")) and "{id}" in value


def _places(data: object, now: datetime) -> LiveValue:
    """The places an answer reports; ValueError when it reports none."""
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"]
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")  # noqa: TRY004 - a bad answer, not a bug
    remaining = _count(data, _REMAINING)
    if remaining is None:
        raise ValueError("the answer has no remaining places")
    return LiveValue(remaining, _count(data, _CAPACITY), now, stale=False)


def _count(data: Mapping[str, object], names: tuple[str, ...]) -> int | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None
