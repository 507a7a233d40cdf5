"""Precomputed occurrences of offerings' schedules, kept so that the availability filters
(`availableBetween`, `openAt`) are range conditions in SQL instead of RRULE expansions per
request.

Each schedule is expanded from its first occurrence up to HORIZON after the later of its
start and now (at most MAX_PER_SCHEDULE occurrences); `Schedule.expanded_until` records
how far, or is None when the schedule has no occurrence after that. Syncs expand what
they write and extend what is running out (`extend_occurrences`), so the stored horizon
keeps moving; past it, callers expand on demand (see `uncovered_schedules`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.offering import Offering
from models.recurrence import Occurrence as Expanded
from models.recurrence import (
    RecurrenceError,
    ScheduleLike,
    TooManyOccurrences,
    expand,
    recurs_from,
)
from models.schedule import Occurrence, Schedule
from models.types import utc_now

log = logging.getLogger(__name__)

HORIZON = timedelta(days=400)
MAX_PER_SCHEDULE = 2_000
# Schedules whose stored occurrences end within this margin are extended by the next sync.
EXTEND_MARGIN = timedelta(days=200)
_CHUNK = 500


def occurrences_to_store(
    schedule: ScheduleLike, now: datetime
) -> tuple[list[Expanded], datetime | None]:
    """The occurrences of a schedule to store, and how far they are complete (None when
    the schedule has none later)."""
    until = max(now, schedule.starts_at) + HORIZON
    while True:
        try:
            found = expand(schedule, schedule.starts_at, until, limit=MAX_PER_SCHEDULE)
            break
        except TooManyOccurrences:
            # A dense rule (hourly slots): store less far ahead rather than too many rows.
            until = schedule.starts_at + (until - schedule.starts_at) / 2
    return found, until if recurs_from(schedule, until) else None


async def refresh_occurrences(
    session: AsyncSession, offering_ids: Sequence[int], *, now: datetime | None = None
) -> None:
    """Recompute the stored occurrences of these offerings from their schedules."""
    now = now or utc_now()
    for start in range(0, len(offering_ids), _CHUNK):
        chunk = list(offering_ids[start : start + _CHUNK])
        await session.execute(sa.delete(Occurrence).where(col(Occurrence.offering_id).in_(chunk)))
        schedules = (
            await session.execute(sa.select(Schedule).where(col(Schedule.offering_id).in_(chunk)))
        ).scalars()
        rows: list[dict[str, object]] = []
        for schedule in schedules:
            try:
                found, until = occurrences_to_store(schedule, now)
            except RecurrenceError as error:
                # Stored before the current checks; the offering shows it, filters cannot.
                log.warning("schedule %s cannot be expanded: %s", schedule.id, error)
                found, until = [], None
            schedule.expanded_until = until
            rows += [
                {"offering_id": schedule.offering_id, "starts_at": o.start, "ends_at": o.end}
                for o in found
            ]
        if rows:
            await session.execute(sa.insert(Occurrence), rows)
        await session.flush()


async def extend_occurrences(
    session: AsyncSession, *, source_id: int | None = None, now: datetime | None = None
) -> int:
    """Re-expand the offerings (of one source, or all) whose stored occurrences run out
    within EXTEND_MARGIN; returns how many offerings were refreshed."""
    now = now or utc_now()
    query = sa.select(col(Schedule.offering_id)).where(
        col(Schedule.expanded_until) < now + EXTEND_MARGIN
    )
    if source_id is not None:
        query = query.join(Offering, col(Offering.id) == col(Schedule.offering_id)).where(
            col(Offering.source_id) == source_id
        )
    stale = await session.execute(query.distinct())
    offering_ids = list(stale.scalars())
    await refresh_occurrences(session, offering_ids, now=now)
    return len(offering_ids)


async def uncovered_schedules(session: AsyncSession, window_end: datetime) -> list[Schedule]:
    """Schedules whose stored occurrences stop before `window_end` but may go on: the
    availability filters expand these on demand to stay correct past the horizon."""
    rows = await session.execute(
        sa.select(Schedule).where(col(Schedule.expanded_until) < window_end)
    )
    return list(rows.scalars())


@dataclass(frozen=True, slots=True)
class LiveValue:
    """The places of a slot as its source reports them now, or the last known ones when it
    could not be asked (`stale`)."""

    remaining: int | None
    capacity: int | None
    checked_at: datetime | None
    stale: bool
