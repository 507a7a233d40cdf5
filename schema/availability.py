"""When offerings run: schedules, and the occurrences and bookable slots of a window."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import Schedule as ScheduleRow
from models.enums import SlotStatus
from resolvers.availability import AvailabilityKind, Entry, Window

strawberry.enum(
    AvailabilityKind,
    description=(
        "SCHEDULE: an occurrence of the offering's published timetable (opening hours, a "
        "course's sessions); BOOKABLE_SLOT: a session or slot with places, from a booking feed."
    ),
)
strawberry.enum(SlotStatus, description="Whether a bookable slot still takes place.")


def _instants(text: str) -> list[datetime]:
    return [datetime.fromisoformat(value) for value in text.split()]


@strawberry.type(
    description=(
        "A recurring time of an offering (RFC 5545: a first occurrence, an RRULE, added and "
        "excluded dates), computed in `timezone` so that it stays at the same local time "
        "across daylight-saving changes."
    )
)
class Schedule:
    starts_at: datetime = strawberry.field(description="The first occurrence's start.")
    ends_at: datetime | None = strawberry.field(description="The first occurrence's end.")
    rrule: str | None = strawberry.field(
        description="The recurrence rule (RFC 5545 RRULE value), e.g. 'FREQ=WEEKLY;BYDAY=SA'."
    )
    rdates: list[datetime] = strawberry.field(description="Occurrences added to the rule.")
    exdates: list[datetime] = strawberry.field(description="Occurrences removed from the rule.")
    all_day: bool = strawberry.field(description="Whether occurrences last whole days.")
    timezone: str = strawberry.field(description="The IANA zone it recurs in (Europe/Rome).")
    description: str | None = strawberry.field(
        description="What the source calls this time, e.g. 'Sabato 9:00–13:00'."
    )

    @classmethod
    def from_row(cls, row: ScheduleRow) -> Schedule:
        return cls(
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            rrule=row.rrule,
            rdates=_instants(row.rdates),
            exdates=_instants(row.exdates),
            all_day=row.all_day,
            timezone=row.timezone,
            description=row.description,
        )


@strawberry.type(
    description=(
        "A time the offering is available: an occurrence of its schedule, or a bookable "
        "slot with its places."
    )
)
class AvailabilitySlot:
    kind: AvailabilityKind = strawberry.field(description="Schedule occurrence or bookable slot.")
    starts_at: datetime = strawberry.field(description="When it starts.")
    ends_at: datetime | None = strawberry.field(description="When it ends, if known.")
    capacity: int | None = strawberry.field(description="Places in all (bookable slots).")
    remaining: int | None = strawberry.field(
        description="Places left (bookable slots), refreshed from the source where it can be."
    )
    status: SlotStatus = strawberry.field(description="SCHEDULED, or CANCELLED by the source.")
    stale: bool = strawberry.field(
        description=(
            "True when the source could not be asked just now: `remaining` is the last "
            "known value, from `checkedAt`."
        )
    )
    checked_at: datetime | None = strawberry.field(
        description="When `remaining` was last read from the source."
    )
    description: str | None = strawberry.field(description="What the schedule calls this time.")

    @classmethod
    def of(cls, entry: Entry) -> AvailabilitySlot:
        return cls(
            kind=entry.kind,
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            capacity=entry.capacity,
            remaining=entry.remaining,
            status=entry.status,
            stale=entry.stale,
            checked_at=entry.checked_at,
            description=entry.description,
        )


@strawberry.input(description="A time window: from `from` (included) to `to` (excluded).")
class TimeWindow:
    from_: datetime = strawberry.field(name="from", description="Start, with a UTC offset.")
    to: datetime = strawberry.field(description="End, with a UTC offset.")

    def to_window(self, what: str) -> Window:
        return Window.of(self.from_, self.to, what)
