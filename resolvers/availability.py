"""Availability: when an offering runs, from its schedules (expanded in Europe/Rome,
DST-correct, see models.recurrence) and from the bookable slots its source publishes,
with remaining places refreshed live where the source offers it.

The `availableBetween` and `openAt` filters are conditions on the precomputed occurrences
(models.availability) and on the stored slots; schedules whose stored occurrences stop
before the window are expanded on demand, so results stay correct past the horizon.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa
from sqlmodel import col

from models import Occurrence, Offering, Schedule, Slot, SlotStatus
from models.availability import LiveValue, uncovered_schedules
from models.recurrence import RecurrenceError, TooManyOccurrences, expand, open_at
from resolvers.errors import BadUserInput
from resolvers.inputs import utc_moment
from resolvers.queries import Sessions, children, fetch_all, grouped

if TYPE_CHECKING:
    from resolvers.context import Context

# The longest window `availability` expands and `availableBetween` accepts.
MAX_WINDOW = timedelta(days=366)
_INSTANT = timedelta(microseconds=1)


class AvailabilityKind(enum.Enum):
    """Where an availability entry comes from."""

    SCHEDULE = "SCHEDULE"
    BOOKABLE_SLOT = "BOOKABLE_SLOT"


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open time window [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, start: datetime, end: datetime, what: str = "the window") -> Window:
        """A checked window: aware bounds, start before end, at most MAX_WINDOW long."""
        start, end = utc_moment(start, f"{what}.from"), utc_moment(end, f"{what}.to")
        if end <= start:
            raise BadUserInput(f"{what}: `to` must be after `from`")
        if end - start > MAX_WINDOW:
            raise BadUserInput(f"{what}: at most {MAX_WINDOW.days} days")
        return cls(start, end)


@dataclass(frozen=True, slots=True)
class Entry:
    """One time an offering is available: a schedule occurrence or a bookable slot."""

    kind: AvailabilityKind
    starts_at: datetime
    ends_at: datetime | None
    capacity: int | None = None
    remaining: int | None = None
    status: SlotStatus = SlotStatus.SCHEDULED
    stale: bool = False
    checked_at: datetime | None = None
    description: str | None = None
    slot: Slot | None = field(default=None, compare=False)


class LiveAvailability(Protocol):
    """Asks sources for the current places of their slots (connectors.live); the hub hands
    one to each request. Slots whose source is not live are left out of the answer."""

    async def values(self, slots: Sequence[Slot]) -> dict[int, LiveValue]: ...


# --- Filters ---------------------------------------------------------------------------


def _slot_in(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    """That a slot overlaps [start, end); one without an end is an instant."""
    slot_end = sa.func.coalesce(col(Slot.ends_at), col(Slot.starts_at))
    return sa.and_(
        col(Slot.starts_at) < end, sa.or_(slot_end > start, col(Slot.starts_at) >= start)
    )


def _slot_overlaps(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Slot.offering_id) == col(Offering.id),
        col(Slot.status) == SlotStatus.SCHEDULED,
        sa.or_(col(Slot.remaining).is_(None), col(Slot.remaining) > 0),
        _slot_in(start, end),
    )


def _occurrence_overlaps(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Occurrence.offering_id) == col(Offering.id),
        col(Occurrence.starts_at) < end,
        sa.or_(col(Occurrence.ends_at) > start, col(Occurrence.starts_at) >= start),
    )


async def available_condition(sessions: Sessions, window: Window) -> sa.ColumnElement[bool]:
    """Offerings with an occurrence or a slot with places overlapping the window."""
    extra = await _expanded_on_demand(
        sessions, window.end, lambda s: bool(expand(s, window.start, window.end))
    )
    return sa.or_(
        sa.exists(sa.select(sa.literal(1)).where(_occurrence_overlaps(window.start, window.end))),
        sa.exists(sa.select(sa.literal(1)).where(_slot_overlaps(window.start, window.end))),
        col(Offering.id).in_(extra) if extra else sa.false(),
    )


async def open_condition(sessions: Sessions, moment: datetime) -> sa.ColumnElement[bool]:
    """Offerings open at a moment: an occurrence or a slot covers it."""
    moment = utc_moment(moment, "openAt")
    extra = await _expanded_on_demand(sessions, moment + _INSTANT, lambda s: open_at(s, moment))
    covering = sa.select(sa.literal(1)).where(
        col(Occurrence.offering_id) == col(Offering.id),
        col(Occurrence.starts_at) <= moment,
        sa.or_(
            col(Occurrence.ends_at) > moment,
            sa.and_(col(Occurrence.ends_at) == moment, col(Occurrence.starts_at) == moment),
        ),
    )
    slot_end = sa.func.coalesce(col(Slot.ends_at), col(Slot.starts_at))
    in_slot = sa.select(sa.literal(1)).where(
        col(Slot.offering_id) == col(Offering.id),
        col(Slot.status) == SlotStatus.SCHEDULED,
        col(Slot.starts_at) <= moment,
        sa.or_(slot_end > moment, col(Slot.starts_at) == moment),
    )
    return sa.or_(
        sa.exists(covering),
        sa.exists(in_slot),
        col(Offering.id).in_(extra) if extra else sa.false(),
    )


async def _expanded_on_demand(
    sessions: Sessions, window_end: datetime, matches: Callable[[Schedule], bool]
) -> list[int]:
    """The offerings of schedules not stored up to `window_end` that match, expanded now."""
    async with sessions() as session:
        schedules = await uncovered_schedules(session, window_end)
    found: set[int] = set()
    for schedule in schedules:
        try:
            if matches(schedule):
                found.add(schedule.offering_id)
        except TooManyOccurrences:
            found.add(schedule.offering_id)  # more occurrences than we count: it runs
        except RecurrenceError:
            continue  # stored before the sync checked schedules this way, as the field does
    return sorted(found)


# --- An offering's availability -----------------------------------------------------------


async def schedules_of_offerings(sessions: Sessions, ids: Sequence[int]) -> list[list[Schedule]]:
    return await children(
        sessions, Schedule, col(Schedule.offering_id), ids, col(Schedule.position)
    )


@dataclass(frozen=True, slots=True)
class SlotWindow:
    """The key of the per-request loader of slots in one window."""

    window: Window


async def slots_of_offerings(
    sessions: Sessions, key: SlotWindow, ids: Sequence[int]
) -> list[list[Slot]]:
    """Each offering's slots overlapping the window (cancelled ones included), by start."""
    rows = await fetch_all(
        sessions,
        sa.select(Slot)
        .where(col(Slot.offering_id).in_(ids), _slot_in(key.window.start, key.window.end))
        .order_by(col(Slot.offering_id), col(Slot.starts_at), col(Slot.id)),
    )
    return grouped(ids, [(slot.offering_id, slot) for slot in rows])


async def availability(ctx: Context, offering_id: int, window: Window) -> list[Entry]:
    """The occurrences of an offering's schedules and its slots in a window, by start."""
    schedules = await ctx.loaders.offering_schedules.load(offering_id)
    slots = await ctx.loaders.slots(SlotWindow(window)).load(offering_id)
    entries: list[Entry] = []
    for schedule in schedules:
        try:
            found = expand(schedule, window.start, window.end)
        except TooManyOccurrences:
            raise BadUserInput(
                "too many occurrences in this window; ask for a shorter one"
            ) from None
        except RecurrenceError:
            continue  # stored before the sync checked schedules this way; nothing to show
        entries += [
            Entry(AvailabilityKind.SCHEDULE, o.start, o.end, description=schedule.description)
            for o in found
        ]
    booked = [
        Entry(
            AvailabilityKind.BOOKABLE_SLOT,
            slot.starts_at,
            slot.ends_at,
            capacity=slot.capacity,
            remaining=slot.remaining,
            status=slot.status,
            checked_at=slot.fetched_at,
            slot=slot,
        )
        for slot in slots
    ]
    if booked and ctx.live is not None:
        live = await ctx.live.values(slots)
        booked = [
            _refreshed(entry, live.get(entry.slot.id or 0) if entry.slot else None)
            for entry in booked
        ]
    return sorted(entries + booked, key=lambda e: (e.starts_at, e.kind.value))


def _refreshed(entry: Entry, value: LiveValue | None) -> Entry:
    if value is None:
        return entry
    return replace(
        entry,
        remaining=value.remaining,
        capacity=value.capacity if value.capacity is not None else entry.capacity,
        checked_at=value.checked_at,
        stale=value.stale,
    )


async def is_open(ctx: Context, offering_id: int, moment: datetime) -> bool:
    """Whether an offering is open at a moment: an occurrence or a slot covers it."""
    moment = utc_moment(moment, "time")
    schedules = await ctx.loaders.offering_schedules.load(offering_id)
    if any(_open(schedule, moment) for schedule in schedules):
        return True
    window = Window(moment - timedelta(days=1), moment + _INSTANT)
    slots = await ctx.loaders.slots(SlotWindow(window)).load(offering_id)
    return any(
        slot.status is SlotStatus.SCHEDULED
        and slot.starts_at <= moment
        and (moment < (slot.ends_at or slot.starts_at) or slot.starts_at == moment)
        for slot in slots
    )


def _open(schedule: Schedule, moment: datetime) -> bool:
    try:
        return open_at(schedule, moment)
    except RecurrenceError:
        return False  # stored before the sync checked schedules this way
