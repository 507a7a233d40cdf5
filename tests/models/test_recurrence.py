from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from models.recurrence import (
    Occurrence,
    RecurrenceError,
    ScheduleLike,
    TooManyOccurrences,
    expand,
    open_at,
    recurs_from,
)
from models.schedule import Schedule

ROME = ZoneInfo("Europe/Rome")
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
COURSE_RULE = "FREQ=WEEKLY;UNTIL=20270527T215959Z;BYDAY=TU,TH"


@dataclass(frozen=True, slots=True)
class Plain:
    """A schedule without a database row, as connectors and tests build them."""

    starts_at: datetime
    ends_at: datetime | None = None
    rrule: str | None = None
    rdates: str = ""
    exdates: str = ""
    all_day: bool = False
    timezone: str = "Europe/Rome"
    description: str | None = None


def rome(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """A Europe/Rome wall-clock time as the UTC instant it is stored as."""
    return datetime(year, month, day, hour, minute, fold=fold, tzinfo=ROME).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts(occurrences: list[Occurrence]) -> list[datetime]:
    return [occurrence.start for occurrence in occurrences]


def local_days(occurrences: list[Occurrence]) -> list[date]:
    return [occurrence.start.astimezone(ROME).date() for occurrence in occurrences]


def course(
    *, rrule: str = COURSE_RULE, rdates: str = "", exdates: str = "", timezone: str = "Europe/Rome"
) -> Plain:
    """The Tuesday and Thursday 18:30-20:00 course that starts on Tuesday 1 December 2026."""
    start = rome(2026, 12, 1, 18, 30)
    return Plain(start, start + timedelta(minutes=90), rrule, rdates, exdates, timezone=timezone)


def overlaps(occurrence: Occurrence, start: datetime, end: datetime) -> bool:
    if occurrence.start == occurrence.end:
        return start <= occurrence.start < end
    return occurrence.start < end and occurrence.end > start


# DST


def test_weekly_course_keeps_local_time_across_autumn_dst_change() -> None:
    schedule: ScheduleLike = Schedule(
        offering_id=1,
        starts_at=rome(2026, 10, 20, 18, 30),
        ends_at=rome(2026, 10, 20, 20),
        rrule=COURSE_RULE,
    )

    occurrences = expand(schedule, utc(2026, 10, 19), utc(2026, 11, 1))

    assert starts(occurrences) == [
        utc(2026, 10, 20, 16, 30),
        utc(2026, 10, 22, 16, 30),
        utc(2026, 10, 27, 17, 30),  # after Sunday 25 October: CET, UTC+1
        utc(2026, 10, 29, 17, 30),
    ]
    assert {o.start.astimezone(ROME).time() for o in occurrences} == {time(18, 30)}
    assert {o.end - o.start for o in occurrences} == {timedelta(hours=1, minutes=30)}


def test_weekly_course_keeps_local_time_across_spring_dst_change() -> None:
    schedule = Plain(rome(2026, 3, 24, 18, 30), rome(2026, 3, 24, 20), COURSE_RULE)

    occurrences = expand(schedule, utc(2026, 3, 23), utc(2026, 4, 3))

    assert starts(occurrences) == [
        utc(2026, 3, 24, 17, 30),
        utc(2026, 3, 26, 17, 30),
        utc(2026, 3, 31, 16, 30),  # after Sunday 29 March: CEST, UTC+2
        utc(2026, 4, 2, 16, 30),
    ]
    assert {o.start.astimezone(ROME).time() for o in occurrences} == {time(18, 30)}


def test_daily_0230_in_the_spring_gap_is_read_with_the_offset_before_the_gap() -> None:
    # 02:30 does not exist on 29 March 2026: RFC 5545 3.3.5 reads it as 02:30+01:00, which is
    # 03:30 summer time; the occurrence is kept, once, not dropped.
    schedule = Plain(rome(2026, 3, 27, 2, 30), rrule="FREQ=DAILY")

    occurrences = expand(schedule, utc(2026, 3, 27), utc(2026, 3, 31))

    assert starts(occurrences) == [
        utc(2026, 3, 27, 1, 30),
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 30, 0, 30),
    ]
    assert [o.start.astimezone(ROME).time() for o in occurrences] == [
        time(2, 30),
        time(2, 30),
        time(3, 30),
        time(2, 30),
    ]


def test_daily_0230_in_the_repeated_autumn_hour_is_the_first_summer_time_instant() -> None:
    schedule = Plain(rome(2026, 10, 24, 2, 30), rome(2026, 10, 24, 3), "FREQ=DAILY")

    occurrences = expand(schedule, utc(2026, 10, 24), utc(2026, 10, 27))

    assert starts(occurrences) == [
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST; the 02:30 CET an hour later is not repeated
        utc(2026, 10, 26, 1, 30),
    ]


def test_dtstart_in_the_second_repeated_hour_keeps_its_instant() -> None:
    schedule = Plain(rome(2026, 10, 25, 2, 30, fold=1), rrule="FREQ=DAILY;COUNT=2")

    occurrences = expand(schedule, utc(2026, 10, 24), utc(2026, 10, 28))

    assert starts(occurrences) == [utc(2026, 10, 25, 1, 30), utc(2026, 10, 26, 1, 30)]


def test_utc_schedule_recurs_in_utc_so_its_rome_time_shifts() -> None:
    schedule = replace(course(), starts_at=utc(2026, 10, 20, 16, 30), timezone="UTC")
    schedule = replace(schedule, ends_at=utc(2026, 10, 20, 18))

    occurrences = expand(schedule, utc(2026, 10, 19), utc(2026, 11, 1))

    assert {o.start.time() for o in occurrences} == {time(16, 30)}
    assert [o.start.astimezone(ROME).time() for o in occurrences] == [
        time(18, 30),
        time(18, 30),
        time(17, 30),
        time(17, 30),
    ]


# RDATE and EXDATE (RFC 5545 3.8.5.1 and 3.8.5.2)

DECEMBER = (utc(2026, 12, 1), utc(2026, 12, 11))
DECEMBER_DAYS = [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 8), date(2026, 12, 10)]


@pytest.mark.parametrize("exdate", ["2026-12-08T18:30:00+01:00", "2026-12-08T17:30:00Z"])
def test_exdate_removes_exactly_one_occurrence(exdate: str) -> None:
    occurrences = expand(course(exdates=exdate), *DECEMBER)

    assert local_days(occurrences) == [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 10)]


def test_rdate_adds_an_occurrence_with_the_same_duration() -> None:
    occurrences = expand(course(rdates="2026-12-05T10:00:00+01:00"), *DECEMBER)

    assert local_days(occurrences) == sorted([*DECEMBER_DAYS, date(2026, 12, 5)])
    assert Occurrence(utc(2026, 12, 5, 9), utc(2026, 12, 5, 10, 30)) in occurrences


def test_rdate_without_offset_is_wall_clock_time_in_the_schedule_zone() -> None:
    occurrences = expand(course(rdates="2026-12-05T10:00:00"), *DECEMBER)

    assert utc(2026, 12, 5, 9) in starts(occurrences)


def test_rdate_equal_to_a_rule_occurrence_is_not_duplicated() -> None:
    occurrences = expand(course(rdates="2026-12-08T18:30:00+01:00"), *DECEMBER)

    assert local_days(occurrences) == DECEMBER_DAYS


def test_exdate_matching_no_occurrence_is_harmless() -> None:
    schedule = course(exdates="2026-12-09T18:30:00+01:00 2026-12-08T18:31:00+01:00")

    assert local_days(expand(schedule, *DECEMBER)) == DECEMBER_DAYS


def test_schedule_without_rule_is_its_start_and_its_rdates() -> None:
    schedule = Plain(
        rome(2026, 12, 8, 18, 30),
        rome(2026, 12, 8, 20),
        rdates="2026-12-24T18:30:00+01:00 2026-12-31T18:30:00+01:00",
        exdates="2026-12-31T18:30:00+01:00",
    )

    occurrences = expand(schedule, utc(2026, 1, 1), utc(2028, 1, 1))

    assert starts(occurrences) == [utc(2026, 12, 8, 17, 30), utc(2026, 12, 24, 17, 30)]


def test_dtstart_off_the_rule_is_still_the_first_occurrence() -> None:
    # RFC 5545 3.8.5.1: DTSTART defines the first instance; a Monday start of a TU,TH course.
    schedule = replace(course(), starts_at=rome(2026, 11, 30, 18, 30))

    occurrences = expand(schedule, utc(2026, 11, 30), utc(2026, 12, 4))

    assert local_days(occurrences) == [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 3)]


# End of month (RFC 5545 3.3.10: invalid dates are ignored)


def test_last_day_of_every_month() -> None:
    schedule = Plain(rome(2027, 1, 31, 10), rrule="FREQ=MONTHLY;BYMONTHDAY=-1")

    days = local_days(expand(schedule, utc(2027, 1, 1), utc(2028, 12, 1)))

    assert days == [
        date(year, month, calendar.monthrange(year, month)[1])
        for year, month in [(2027, m) for m in range(1, 13)] + [(2028, m) for m in range(1, 12)]
    ]
    assert date(2027, 2, 28) in days
    assert date(2028, 2, 29) in days


def test_monthly_31st_skips_months_without_one() -> None:
    schedule = Plain(rome(2027, 1, 31, 10), rrule="FREQ=MONTHLY;BYMONTHDAY=31")

    days = local_days(expand(schedule, utc(2027, 1, 1), utc(2028, 1, 1)))

    assert [day.month for day in days] == [1, 3, 5, 7, 8, 10, 12]


def test_monthly_31st_implied_by_dtstart_skips_months_without_one() -> None:
    schedule = Plain(rome(2027, 1, 31, 10), rrule="FREQ=MONTHLY")

    days = local_days(expand(schedule, utc(2030, 1, 1), utc(2031, 1, 1)))

    assert [day.month for day in days] == [1, 3, 5, 7, 8, 10, 12]


def test_last_friday_of_every_month() -> None:
    schedule = Plain(rome(2026, 10, 30, 17), rrule="FREQ=MONTHLY;BYDAY=-1FR")

    days = local_days(expand(schedule, utc(2026, 10, 1), utc(2027, 3, 1)))

    assert days == [
        date(2026, 10, 30),
        date(2026, 11, 27),
        date(2026, 12, 25),
        date(2027, 1, 29),
        date(2027, 2, 26),
    ]


# All-day schedules: nominal days from local midnight to local midnight


def test_all_day_event_lasts_from_local_midnight_to_the_next() -> None:
    schedule = Plain(rome(2026, 6, 2), all_day=True)

    assert expand(schedule, utc(2026, 5, 1), utc(2026, 7, 1)) == [
        Occurrence(utc(2026, 6, 1, 22), utc(2026, 6, 2, 22))
    ]


@pytest.mark.parametrize(
    "ends_at",
    [rome(2026, 6, 5), rome(2026, 6, 4, 23, 59)],
    ids=["exclusive-midnight", "end-of-last-day"],
)
def test_multi_day_all_day_event_lasts_whole_days(ends_at: datetime) -> None:
    schedule = Plain(rome(2026, 6, 2), ends_at, all_day=True)

    assert expand(schedule, utc(2026, 6, 4, 12), utc(2026, 6, 5)) == [
        Occurrence(utc(2026, 6, 1, 22), utc(2026, 6, 4, 22))
    ]


@pytest.mark.parametrize(
    ("first_sunday", "change_day", "hours"),
    [(date(2026, 10, 18), date(2026, 10, 25), 25), (date(2026, 3, 22), date(2026, 3, 29), 23)],
    ids=["autumn", "spring"],
)
def test_weekly_all_day_event_on_the_dst_change_day_lasts_23_or_25_hours(
    first_sunday: date, change_day: date, hours: int
) -> None:
    start = datetime.combine(first_sunday, time(), tzinfo=ROME)
    schedule = Plain(start.astimezone(UTC), rrule="FREQ=WEEKLY;BYDAY=SU", all_day=True)

    occurrences = expand(schedule, start, start + timedelta(days=21))

    assert local_days(occurrences) == [first_sunday + timedelta(weeks=n) for n in range(3)]
    assert {o.start.astimezone(ROME).time() for o in occurrences} == {time()}
    assert {o.end.astimezone(ROME).time() for o in occurrences} == {time()}
    lengths = {o.start.astimezone(ROME).date(): o.end - o.start for o in occurrences}
    assert lengths[change_day] == timedelta(hours=hours)
    assert lengths[first_sunday] == timedelta(hours=24)


def test_all_day_exdate_removes_its_local_day() -> None:
    schedule = Plain(
        rome(2026, 12, 1), rrule="FREQ=DAILY;COUNT=10", exdates="2026-12-08", all_day=True
    )

    days = local_days(expand(schedule, utc(2026, 11, 1), utc(2027, 1, 1)))

    assert len(days) == 9
    assert date(2026, 12, 8) not in days


# Bounds of the rule and of the window


@pytest.mark.parametrize(
    ("until", "last_day"),
    [("20261205T173000Z", date(2026, 12, 5)), ("20261205T172959Z", date(2026, 12, 4))],
)
def test_until_is_inclusive(until: str, last_day: date) -> None:
    schedule = Plain(rome(2026, 12, 1, 18, 30), rrule=f"FREQ=DAILY;UNTIL={until}")

    assert local_days(expand(schedule, utc(2026, 1, 1), utc(2028, 1, 1)))[-1] == last_day


def test_count_bounds_the_occurrences() -> None:
    schedule = Plain(rome(2026, 12, 1, 18, 30), rrule="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=3")

    days = local_days(expand(schedule, utc(2026, 1, 1), utc(2036, 1, 1)))

    assert days == [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 8)]


@pytest.mark.parametrize(
    ("window_start", "window_end", "included"),
    [
        (rome(2026, 12, 1, 19), rome(2026, 12, 2), True),  # started before, ends inside
        (rome(2026, 12, 1, 19, 59), rome(2026, 12, 1, 20), True),
        (rome(2026, 12, 1, 20), rome(2026, 12, 2), False),  # ended exactly at window_start
        (rome(2026, 11, 30), rome(2026, 12, 1, 18, 30), False),  # starts exactly at window_end
        (rome(2026, 11, 30), rome(2026, 12, 1, 18, 31), True),
    ],
)
def test_window_holds_occurrences_that_overlap_it(
    window_start: datetime, window_end: datetime, included: bool
) -> None:
    first = Occurrence(rome(2026, 12, 1, 18, 30), rome(2026, 12, 1, 20))

    assert expand(course(), window_start, window_end) == ([first] if included else [])


def test_instant_occurrence_counts_at_window_start_but_not_at_window_end() -> None:
    schedule = Plain(rome(2026, 12, 1, 9), rrule="FREQ=DAILY;COUNT=2")
    nine = rome(2026, 12, 1, 9)

    assert expand(schedule, nine, nine + timedelta(hours=1)) == [Occurrence(nine, nine)]
    assert expand(schedule, nine - timedelta(hours=1), nine) == []
    assert expand(schedule, nine, nine) == []
    assert open_at(schedule, nine)
    assert not open_at(schedule, nine + timedelta(seconds=1))


@pytest.mark.parametrize(
    ("window_start", "window_end"),
    [
        (datetime(2026, 12, 1), utc(2026, 12, 2)),  # noqa: DTZ001 - naive on purpose
        (utc(2026, 12, 1), datetime(2026, 12, 2)),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_naive_window_bound_is_rejected(window_start: datetime, window_end: datetime) -> None:
    with pytest.raises(ValueError, match="aware"):
        expand(course(), window_start, window_end)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=FORTNIGHTLY",
        "BYDAY=MO",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;BYDAY",
        "FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z",
        "FREQ=DAILY;UNTIL=20270101",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=DAILY;X-NAME=1",
        "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY",
    ],
)
def test_unparseable_rule_raises_recurrence_error(rule: str) -> None:
    with pytest.raises(RecurrenceError):
        expand(course(rrule=rule), *DECEMBER)


@pytest.mark.parametrize(
    "schedule",
    [
        course(timezone="Europe/Milano"),
        course(timezone="Europe"),
        course(rdates="2026-12-32T10:00:00Z"),
        course(exdates="tomorrow"),
    ],
    ids=["unknown-zone", "zone-directory", "bad-rdate", "bad-exdate"],
)
def test_bad_zone_or_dates_raise_recurrence_error(schedule: Plain) -> None:
    with pytest.raises(RecurrenceError):
        expand(schedule, *DECEMBER)


@pytest.mark.parametrize("days_ahead", range(700, 714))
def test_skipping_ahead_keeps_bysetpos_over_whole_periods(days_ahead: int) -> None:
    # The week of a Tuesday DTSTART starts on Sunday, so its set is cut short: BYSETPOS=2 picks
    # Friday there and Tuesday in every whole week, also in weeks reached by skipping ahead.
    rule = "FREQ=WEEKLY;BYDAY=SU,TU,FR;BYSETPOS=2;WKST=SU"
    schedule = Plain(rome(2026, 12, 1, 10), rome(2026, 12, 1, 11), rule)
    window_start = rome(2026, 12, 1) + timedelta(days=days_ahead)
    window_end = window_start + timedelta(days=3)

    occurrences = expand(schedule, window_start, window_end)

    assert occurrences == walked(schedule, window_start, window_end)
    assert {o.start.astimezone(ROME).weekday() for o in occurrences} <= {calendar.TUESDAY}


def test_skipping_ahead_keeps_hours_before_dtstart_time_of_day() -> None:
    schedule = Plain(rome(2026, 1, 15, 10), rrule="FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=8,10")

    occurrences = expand(schedule, rome(2030, 3, 1, 6), rome(2030, 3, 1, 12))

    assert starts(occurrences) == [rome(2030, 3, 1, 8), rome(2030, 3, 1, 10)]


def test_endless_rule_expands_ten_years_ahead_without_walking_from_dtstart() -> None:
    schedule = Plain(rome(2026, 1, 5, 9), rome(2026, 1, 5, 9, 5), "FREQ=MINUTELY;INTERVAL=10")
    window = (rome(2036, 3, 30, 1), rome(2036, 3, 30, 4))  # DST change day in 2036

    # Skipping ahead (not walking 10 years of minutes from DTSTART) makes this instant;
    # the speed itself is for benchmarks to measure, the test checks the result.
    occurrences = expand(schedule, *window)

    assert starts(occurrences) == [window[0] + timedelta(minutes=10 * n) for n in range(12)]


def test_endless_weekly_course_ten_years_ahead() -> None:
    schedule = course(rrule="FREQ=WEEKLY;BYDAY=TU,TH")

    occurrences = expand(schedule, utc(2036, 10, 20), utc(2036, 11, 1))

    assert local_days(occurrences) == [
        date(2036, 10, 21),
        date(2036, 10, 23),
        date(2036, 10, 28),
        date(2036, 10, 30),
    ]
    assert {o.start.astimezone(ROME).time() for o in occurrences} == {time(18, 30)}


def test_more_occurrences_than_the_limit_raise() -> None:
    schedule = Plain(rome(2026, 12, 1, 9), rrule="FREQ=DAILY")
    window = (utc(2026, 12, 1), utc(2026, 12, 31))

    assert len(expand(schedule, *window, limit=30)) == 30
    with pytest.raises(TooManyOccurrences):
        expand(schedule, *window, limit=29)


# Opening hours: Monday to Friday 08:30-19:30, closed on 8 December

OPENING_HOURS = Plain(
    rome(2026, 10, 19, 8, 30),
    rome(2026, 10, 19, 19, 30),
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    exdates="2026-12-08T08:30:00+01:00",
)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (rome(2026, 10, 26, 8, 30), True),  # the opening, after the DST change
        (rome(2026, 10, 26, 19, 30) - timedelta(microseconds=1), True),
        (rome(2026, 10, 26, 19, 30), False),
        (rome(2026, 10, 26, 8, 30) - timedelta(seconds=1), False),
        (rome(2026, 12, 8, 10), False),  # excluded date
        (rome(2026, 12, 9, 10), True),
        (rome(2026, 10, 27, 3), False),  # night
        (rome(2026, 10, 31, 10), False),  # Saturday
    ],
)
def test_open_at_is_true_only_within_opening_hours(moment: datetime, is_open: bool) -> None:
    assert open_at(OPENING_HOURS, moment) is is_open


# Properties


@st.composite
def weekly_or_daily(draw: st.DrawFn) -> tuple[Plain, datetime, datetime, datetime]:
    """A weekly or daily schedule in Rome and a window split in two."""
    day = draw(st.dates(date(2025, 1, 1), date(2028, 12, 31)))
    hour = draw(st.one_of(st.just(2), st.integers(0, 23)))
    moment = time(hour, draw(st.sampled_from([0, 15, 30, 45])), fold=draw(st.integers(0, 1)))
    starts_at = datetime.combine(day, moment, tzinfo=ROME).astimezone(UTC)
    parts = [f"FREQ={draw(st.sampled_from(['WEEKLY', 'DAILY']))}"]
    parts.append(f"INTERVAL={draw(st.integers(1, 3))}")
    if byday := draw(st.sets(st.sampled_from(WEEKDAYS), max_size=7)):
        parts.append("BYDAY=" + ",".join(sorted(byday)))
    end = draw(st.sampled_from(["endless", "count", "until"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 40))}")
    elif end == "until":
        until = starts_at + timedelta(hours=draw(st.integers(0, 24 * 400)))
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    ends_at = starts_at + timedelta(minutes=draw(st.integers(0, 180)))
    schedule = Plain(starts_at, ends_at, ";".join(parts))
    window_start = starts_at + timedelta(hours=draw(st.integers(-24 * 30, 24 * 500)))
    hours = draw(st.integers(1, 24 * 40))
    middle = window_start + timedelta(hours=draw(st.integers(0, hours)))
    return schedule, window_start, middle, window_start + timedelta(hours=hours)


def walked(schedule: Plain, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    """The occurrences found by walking the rule from DTSTART, as dateutil does alone."""
    dtstart = schedule.starts_at.astimezone(ROME)
    assert schedule.ends_at is not None
    assert schedule.rrule is not None
    duration = schedule.ends_at - schedule.starts_at
    found = {schedule.starts_at}
    for value in rrulestr(schedule.rrule, dtstart=dtstart):
        is_dtstart = value.replace(tzinfo=None) == dtstart.replace(tzinfo=None)
        instant = schedule.starts_at if is_dtstart else value.astimezone(UTC)
        if instant >= window_end + timedelta(hours=3):
            break
        found.add(instant)
    occurrences = {Occurrence(start, start + duration) for start in found}
    return sorted(o for o in occurrences if overlaps(o, window_start, window_end))


@settings(max_examples=150, deadline=None)
@given(weekly_or_daily())
def test_weekly_and_daily_rules_keep_wall_clock_and_split_windows(
    case: tuple[Plain, datetime, datetime, datetime],
) -> None:
    schedule, window_start, middle, window_end = case

    occurrences = expand(schedule, window_start, window_end)

    assert all(overlaps(o, window_start, window_end) for o in occurrences)
    assert occurrences == sorted(set(occurrences))
    wall_clock = schedule.starts_at.astimezone(ROME).time()
    for occurrence in occurrences:
        local = occurrence.start.astimezone(ROME)
        # Where the wall-clock time does not exist (spring gap) it is read with the offset before
        # the gap (RFC 5545 3.3.5); the stored DTSTART keeps its own instant.
        expected = datetime.combine(local.date(), wall_clock, tzinfo=ROME).astimezone(UTC)
        assert occurrence.start in {expected, schedule.starts_at}
        if expected.astimezone(ROME).time() == wall_clock:
            assert local.time() == wall_clock
    halves = expand(schedule, window_start, middle) + expand(schedule, middle, window_end)
    inside = {o for o in occurrences if o.start >= window_start}
    assert {o for o in halves if o.start >= window_start} == inside
    assert occurrences == walked(schedule, window_start, window_end)


# How far ahead windows go, in periods of each frequency: far enough to skip ahead, near
# enough to walk there from DTSTART for comparison.
PERIODS_AHEAD = {
    "YEARLY": (timedelta(days=365), 30),
    "MONTHLY": (timedelta(days=31), 120),
    "WEEKLY": (timedelta(weeks=1), 260),
    "DAILY": (timedelta(days=1), 1000),
    "HOURLY": (timedelta(hours=1), 2000),
}


@st.composite
def any_rule(draw: st.DrawFn) -> tuple[Plain, datetime, datetime]:
    """A rule of any frequency from yearly to hourly, with a window years after DTSTART."""
    day = draw(st.dates(date(2020, 1, 1), date(2028, 12, 31)))
    moment = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30])))
    moment = moment.replace(fold=draw(st.integers(0, 1)))
    starts_at = datetime.combine(day, moment, tzinfo=ROME).astimezone(UTC)
    freq = draw(st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"]))
    interval = draw(st.integers(1, 4))
    parts = [f"FREQ={freq}", f"INTERVAL={interval}"]
    month_days = [1, 15, 28, -1] if freq == "YEARLY" else [1, 15, 28, 29, 30, 31, -1, -2]
    # Every combination below matches some day: a rule that never does makes dateutil search
    # until year 9999, which is correct but slow.
    chosen = draw(st.sets(st.sampled_from(month_days), max_size=3))
    if chosen:
        parts.append("BYMONTHDAY=" + ",".join(map(str, sorted(chosen))))
    if draw(st.booleans()):
        ordinals = ["", "1", "-1", "2"] if freq in {"YEARLY", "MONTHLY"} and not chosen else [""]
        ordinal = draw(st.sampled_from(ordinals))
        chosen_days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1, max_size=3))
        parts.append("BYDAY=" + ",".join(ordinal + day for day in sorted(chosen_days)))
    if freq == "YEARLY" and draw(st.booleans()):
        parts.append(f"BYMONTH={draw(st.integers(1, 12))}")
    if draw(st.booleans()):
        # For HOURLY, hours the interval reaches from DTSTART's: dateutil rejects other rules.
        steps = draw(st.sets(st.integers(0, 23), min_size=1, max_size=3))
        step = interval if freq == "HOURLY" else 1
        hours = {(starts_at.astimezone(ROME).hour + step * n) % 24 for n in steps}
        parts.append("BYHOUR=" + ",".join(map(str, sorted(hours))))
    if draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from(['1', '-1']))}")
    parts.append(f"WKST={draw(st.sampled_from(['MO', 'SU']))}")
    ends_at = starts_at + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    period, most = PERIODS_AHEAD[freq]
    window_start = starts_at + period * draw(st.integers(-2, most))
    window_start += timedelta(minutes=draw(st.integers(0, 24 * 60)))
    length = max(period, timedelta(days=1)) * draw(st.integers(1, 3))
    window_end = window_start + length + timedelta(hours=draw(st.integers(0, 23)))
    return Plain(starts_at, ends_at, ";".join(parts)), window_start, window_end


@settings(max_examples=100, deadline=None)
@given(any_rule())
def test_skipping_ahead_finds_what_walking_from_dtstart_finds(
    case: tuple[Plain, datetime, datetime],
) -> None:
    schedule, window_start, window_end = case

    assert expand(schedule, window_start, window_end) == walked(schedule, window_start, window_end)


@pytest.mark.parametrize(
    ("schedule", "recurs"),
    [
        (Plain(rome(2026, 12, 1, 9)), False),
        (Plain(rome(2026, 12, 1, 9), rdates="2027-03-02T09:00:00+01:00"), True),
        (Plain(rome(2026, 12, 1, 9), rdates="2027-02-27T09:00:00+01:00"), False),
        (Plain(rome(2026, 12, 1, 9), rrule="FREQ=WEEKLY"), True),
        (Plain(rome(2026, 12, 1, 9), rrule="FREQ=WEEKLY;COUNT=3"), True),
        (Plain(rome(2026, 12, 1, 9), rrule="FREQ=WEEKLY;UNTIL=20270301T080000Z"), True),
        (Plain(rome(2026, 12, 1, 9), rrule="FREQ=WEEKLY;UNTIL=20270228T235959Z"), False),
    ],
)
def test_recurs_from_says_whether_a_start_may_come_at_or_after_a_moment(
    schedule: Plain, recurs: bool
) -> None:
    assert recurs_from(schedule, utc(2027, 3, 1, 8)) is recurs
