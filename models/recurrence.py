"""Expansion of stored schedules into concrete occurrences for a time window
(RFC 5545 section 3.8.5 recurrence set, section 3.3.10 RRULE).

Recurrence is computed on the wall clock of the schedule's time zone, so a weekly 18:30
Europe/Rome course stays at 18:30 local time across DST changes and moves by an hour in UTC.
Every generated local time is resolved to an instant through UTC as RFC 5545 section 3.3.10
prescribes for computed start times (by reference to section 3.3.5):

- a local time inside the spring-forward gap (02:30 on 29 March 2026 in Rome) does not exist;
  it is read with the offset before the gap, so it becomes 01:30Z, i.e. 03:30 summer time;
- a local time inside the repeated autumn hour (02:30 on 25 October 2026) is the first of the
  two, the summer-time instant (00:30Z), except a DTSTART stored as the second one, kept as is.

DTSTART is always an occurrence (section 3.8.5.1: it defines the first instance), even when
the rule would not produce it; COUNT bounds the occurrences the rule produces. RDATE and
EXDATE values without an offset are wall-clock times in the schedule's zone; for all-day
schedules they name a local day.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

__all__ = [
    "Occurrence",
    "RecurrenceError",
    "ScheduleLike",
    "TooManyOccurrences",
    "expand",
    "open_at",
]

# More than any zone's DST shift: bounds taken in UTC then never miss a wall-clock occurrence.
_SLACK = timedelta(hours=3)
# Occurrences have whole seconds, so [moment, moment + _TICK) holds exactly the moment.
_TICK = timedelta(microseconds=1)
# RFC 5545 section 3.3.10 value ranges; out-of-range values would never match, and dateutil
# would search for a match until year 9999 before giving up.
_RANGES = {
    "BYSECOND": range(60),  # dateutil has no leap second 60
    "BYMINUTE": range(60),
    "BYHOUR": range(24),
    "BYMONTHDAY": range(-31, 32),
    "BYYEARDAY": range(-366, 367),
    "BYWEEKNO": range(-53, 54),
    "BYMONTH": range(1, 13),
}
# Without any of these parts dateutil takes the day (and month) from DTSTART.
_DAY_PARTS = frozenset({"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYWEEKDAY", "BYEASTER"})
# The fixed length of one period of the frequencies that can skip ahead by adding time.
_PERIODS = {
    "WEEKLY": timedelta(weeks=1),
    "DAILY": timedelta(days=1),
    "HOURLY": timedelta(hours=1),
    "MINUTELY": timedelta(minutes=1),
    "SECONDLY": timedelta(seconds=1),
}


class RecurrenceError(ValueError):
    """A schedule whose recurrence cannot be computed: bad RRULE, RDATE, EXDATE or time zone."""


class TooManyOccurrences(ValueError):
    """A window holding more occurrences than the caller's limit."""


class ScheduleLike(Protocol):
    """The fields of a schedule that expansion reads; `models.schedule.Schedule` has them."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime | None: ...
    @property
    def rrule(self) -> str | None: ...
    @property
    def rdates(self) -> str: ...
    @property
    def exdates(self) -> str: ...
    @property
    def all_day(self) -> bool: ...
    @property
    def timezone(self) -> str: ...
    @property
    def description(self) -> str | None: ...


@dataclass(frozen=True, slots=True, order=True)
class Occurrence:
    """One concrete occurrence, aware UTC, `end >= start`; instants have `end == start`."""

    start: datetime
    end: datetime


def expand(
    schedule: ScheduleLike,
    window_start: datetime,
    window_end: datetime,
    *,
    limit: int = 10_000,
) -> list[Occurrence]:
    """The occurrences overlapping [window_start, window_end), sorted (RFC 5545 section 3.8.5)."""
    _require_aware(window_start, "window_start")
    _require_aware(window_end, "window_end")
    if window_end < window_start:
        raise ValueError("window_end is before window_start")
    plan = _plan(schedule)
    excluded = {plan.occurrence(moment).start for moment in _instants(schedule.exdates, plan.zone)}
    lower = _moved(window_start, -(plan.reach + _SLACK))
    rule_starts = _rule_starts(schedule.rrule or "", plan, lower, _moved(window_end, _SLACK))
    if window_end == window_start:
        return []
    starts = chain([plan.dtstart], _instants(schedule.rdates, plan.zone), rule_starts)
    found: set[Occurrence] = set()
    for start in starts:
        occurrence = plan.occurrence(start)
        if occurrence.start in excluded or not _overlaps(occurrence, window_start, window_end):
            continue
        found.add(occurrence)
        if len(found) > limit:
            raise TooManyOccurrences(
                f"more than {limit} occurrences between {window_start} and {window_end}"
            )
    return sorted(found)


def open_at(schedule: ScheduleLike, moment: datetime) -> bool:
    """Whether an occurrence covers `moment` (start <= moment < end, or an instant at it)."""
    return bool(expand(schedule, moment, moment + _TICK))


def recurs_from(schedule: ScheduleLike, moment: datetime) -> bool:
    """Whether the schedule may have an occurrence starting at or after `moment`: an RDATE
    from then on, or an RRULE without an UNTIL before it (a COUNT rule may)."""
    if any(rdate >= moment for rdate in _instants(schedule.rdates, _zone(schedule.timezone))):
        return True
    if schedule.rrule is None:
        return False
    until = _parts(schedule.rrule).get("UNTIL")
    if until is None:
        return True
    try:
        return datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) >= moment
    except ValueError:
        return True  # an UNTIL this cannot read: assume it goes on


@dataclass(frozen=True, slots=True)
class _Plan:
    """A schedule resolved for expansion: zone, local DTSTART and occurrence length."""

    zone: ZoneInfo
    dtstart: datetime  # aware in `zone`, whole seconds; local midnight when `all_day`
    all_day: bool
    duration: timedelta  # exact length of a timed occurrence
    days: int  # nominal length of an all-day occurrence

    @property
    def reach(self) -> timedelta:
        """How long before a window an occurrence may start and still overlap it."""
        return timedelta(days=self.days) if self.all_day else self.duration

    def occurrence(self, start: datetime) -> Occurrence:
        """The occurrence starting at `start` (for all-day schedules, on its local date)."""
        if self.all_day:
            day = start.astimezone(self.zone).date()
            end = _local_midnight(day + timedelta(days=self.days), self.zone)
            return Occurrence(_local_midnight(day, self.zone), end)
        instant = start.astimezone(UTC).replace(microsecond=0)
        return Occurrence(instant, instant + self.duration)


def _plan(schedule: ScheduleLike) -> _Plan:
    zone = _zone(schedule.timezone)
    # RFC 5545 DATE-TIME values have whole seconds (section 3.3.5), and so has dateutil.
    starts_at = _stored(schedule.starts_at, "starts_at")
    ends_at = None if schedule.ends_at is None else _stored(schedule.ends_at, "ends_at")
    local_start = starts_at.astimezone(zone)
    if schedule.all_day:
        first_day = local_start.date()
        days = 1 if ends_at is None else (_day_after(ends_at.astimezone(zone)) - first_day).days
        midnight = datetime.combine(first_day, time(), tzinfo=zone)
        return _Plan(zone, midnight, all_day=True, duration=timedelta(), days=max(days, 1))
    duration = timedelta() if ends_at is None else ends_at - starts_at
    if duration < timedelta():
        raise RecurrenceError(f"schedule ends at {ends_at} before it starts at {starts_at}")
    return _Plan(zone, local_start, all_day=False, duration=duration, days=0)


def _rule_starts(text: str, plan: _Plan, lower: datetime, upper: datetime) -> Iterator[datetime]:
    """The RRULE's starts from `lower` to `upper` as UTC instants (RFC 5545 section 3.3.10)."""
    if not text.strip():
        return iter(())
    parts = _parts(text)
    rule = _compile(_text(parts), _wall(plan.dtstart), plan.zone.key)
    if lower > plan.dtstart and (ahead := _skip_ahead(parts, plan, lower)) is not None:
        rule = _compile(_text(ahead[0]), ahead[1], plan.zone.key)
    return _between(rule, plan, lower, upper)


def _between(rule: rrule, plan: _Plan, lower: datetime, upper: datetime) -> Iterator[datetime]:
    for value in rule:
        # dateutil rebuilds DTSTART with fold=0; the stored instant stays the first occurrence.
        same_as_dtstart = _wall(value) == _wall(plan.dtstart)
        instant = (plan.dtstart if same_as_dtstart else value).astimezone(UTC)
        if instant >= upper:
            return
        if instant >= lower:
            yield instant


def _skip_ahead(
    parts: dict[str, str], plan: _Plan, lower: datetime
) -> tuple[dict[str, str], datetime] | None:
    """A later DTSTART on the rule's period grid, whole periods before `lower`, or None."""
    # dateutil walks every period from DTSTART; an endless rule started years ago would be
    # walked for years. A rule with COUNT has to be: the count starts at DTSTART.
    if "COUNT" in parts:
        return None
    # A whole period of margin: a DTSTART inside a period cuts that period's set short, which
    # changes what BYSETPOS picks in it, or drops hours earlier in the day than DTSTART's.
    start, target = _wall(plan.dtstart), _wall(lower.astimezone(plan.zone))
    interval = int(parts.get("INTERVAL", "1"))
    if (freq := parts["FREQ"]) in {"YEARLY", "MONTHLY"}:
        step = interval * (12 if freq == "YEARLY" else 1)
        periods = ((target.year - start.year) * 12 + target.month - start.month) // step - 1
        if periods < 1:
            return None
        month = start.year * 12 + start.month - 1 + periods * step
        moved = start.replace(year=month // 12, month=month % 12 + 1, day=1)
        # The moved DTSTART is the 1st, so the day (and month) dateutil took from the original
        # DTSTART are spelled out.
        implied = {} if parts.keys() & _DAY_PARTS else {"BYMONTHDAY": str(start.day)}
        if implied and freq == "YEARLY":
            implied["BYMONTH"] = str(start.month)
        return {**implied, **parts}, moved
    step_length = _PERIODS[freq] * interval
    periods = (target - start) // step_length - 1
    if periods < 1:
        return None
    # Whole periods keep the weekday and time of day, hence dateutil's implied parts.
    return parts, start + periods * step_length


def _parts(text: str) -> dict[str, str]:
    """The NAME=VALUE parts of an RRULE value, checked beyond what dateutil checks."""
    body = text.strip()
    if body[:6].upper() == "RRULE:":
        body = body[6:]
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, _, value = part.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not name.replace("-", "").isalpha() or not value or name in parts:
            raise RecurrenceError(f"invalid RRULE {text!r}: bad part {part!r}")
        parts[name] = value
    if parts.get("FREQ") not in {*_PERIODS, "MONTHLY", "YEARLY"}:
        raise RecurrenceError(f"invalid RRULE {text!r}: FREQ is missing or unknown")
    # RFC 5545 section 3.3.10: UNTIL and COUNT MUST NOT occur in the same rule.
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError(f"invalid RRULE {text!r}: both COUNT and UNTIL")
    for name, value in parts.items():
        allowed = range(1, 2**31) if name == "INTERVAL" else _RANGES.get(name)
        if allowed is not None and not all(_in(item, allowed) for item in value.split(",")):
            raise RecurrenceError(f"invalid RRULE {text!r}: {name} out of range")
    return parts


def _in(item: str, allowed: range) -> bool:
    try:
        return int(item) in allowed
    except ValueError:
        return False


def _text(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={value}" for name, value in parts.items())


@functools.lru_cache(maxsize=256)
def _compile(text: str, wall_dtstart: datetime, zone_key: str) -> rrule:
    """The dateutil rule for a normalised RRULE value and a local DTSTART."""
    try:
        rule = rrulestr(text, dtstart=wall_dtstart.replace(tzinfo=ZoneInfo(zone_key)))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise RecurrenceError(f"invalid RRULE {text!r}: {error}") from error
    if not isinstance(rule, rrule):
        raise RecurrenceError(f"invalid RRULE {text!r}: not a single rule")
    return rule


def _instants(text: str, zone: ZoneInfo) -> list[datetime]:
    """RDATE or EXDATE values; one without offset is wall-clock time in `zone`."""
    return [_instant(token, zone) for token in text.split()]


def _instant(token: str, zone: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(token)
    except ValueError as error:
        raise RecurrenceError(f"invalid RDATE/EXDATE date-time {token!r}") from error
    # RFC 5545 section 3.3.5, form 3: a local time read in the schedule's zone.
    return moment if _is_aware(moment) else moment.replace(tzinfo=zone)


def _overlaps(occurrence: Occurrence, start: datetime, end: datetime) -> bool:
    """Half-open overlap with [start, end); an instant counts when inside (RFC 4791 9.9)."""
    if occurrence.start == occurrence.end:
        return start <= occurrence.start < end
    return occurrence.start < end and occurrence.end > start


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise RecurrenceError(f"unknown time zone {name!r}") from error


def _stored(moment: datetime, name: str) -> datetime:
    if not _is_aware(moment):
        raise RecurrenceError(f"schedule {name} must be an aware datetime")
    return moment.replace(microsecond=0)


def _require_aware(moment: datetime, name: str) -> None:
    if not _is_aware(moment):
        raise ValueError(f"{name} must be an aware datetime")


def _is_aware(moment: datetime) -> bool:
    return moment.utcoffset() is not None


def _wall(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _day_after(moment: datetime) -> date:
    """The exclusive end day of an all-day span ending at `moment`, local midnight or later."""
    return moment.date() if moment.time() == time() else moment.date() + timedelta(days=1)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _moved(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, clamped to the representable range for open-ended windows."""
    try:
        return moment + delta
    except OverflowError:
        if delta > timedelta():
            return datetime.max.replace(tzinfo=UTC)
        return datetime.min.replace(tzinfo=UTC)
