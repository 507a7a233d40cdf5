"""The DateTime scalar writes every instant in Europe/Rome's offset, by the EU's rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from schema.scalars import DATE_TIME, rome_time


def last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def summer_time(moment: datetime) -> bool:
    """EU summer time (Directive 2000/84/EC): from 01:00 UTC on the last Sunday of March to
    01:00 UTC on the last Sunday of October."""
    year = moment.year
    start = datetime.combine(last_sunday(year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    end = datetime.combine(last_sunday(year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return start <= moment < end


@pytest.mark.parametrize(
    ("instant", "written"),
    [
        (datetime(2026, 5, 4, 7, 30, tzinfo=UTC), "2026-05-04T09:30:00+02:00"),
        (datetime(2026, 1, 10, 7, tzinfo=UTC), "2026-01-10T08:00:00+01:00"),
        # 29 March 2026: at 02:00 the clocks go to 03:00.
        (datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), "2026-03-29T01:59:59+01:00"),
        (datetime(2026, 3, 29, 1, tzinfo=UTC), "2026-03-29T03:00:00+02:00"),
        # 25 October 2026: 02:00 to 03:00 happens twice; the offset tells which.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "2026-10-25T02:30:00+02:00"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "2026-10-25T02:30:00+01:00"),
        (datetime(2026, 11, 28, 9, 0, 0, 250, tzinfo=UTC), "2026-11-28T10:00:00.000250+01:00"),
    ],
)
def test_an_instant_is_written_with_rome_offset(instant: datetime, written: str) -> None:
    assert rome_time(instant) == written
    assert datetime.fromisoformat(written) == instant


def test_every_hour_of_two_years_is_the_same_instant_with_the_eu_offset() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment.year < 2028:
        written = datetime.fromisoformat(rome_time(moment))
        assert written == moment
        expected = timedelta(hours=2 if summer_time(moment) else 1)
        assert written.utcoffset() == expected, moment
        moment += timedelta(minutes=30)


def test_the_offset_an_instant_came_with_does_not_matter() -> None:
    new_york = timezone(timedelta(hours=-5))
    assert rome_time(datetime(2026, 12, 1, 14, tzinfo=new_york)) == "2026-12-01T20:00:00+01:00"


def test_a_time_without_a_zone_is_a_stored_utc_time() -> None:
    assert rome_time(datetime(2026, 12, 1, 19)) == "2026-12-01T20:00:00+01:00"  # noqa: DTZ001


def test_the_last_representable_hour_is_written_in_utc() -> None:
    # Rome's clock is past year 9999 there: the same instant, with its UTC offset.
    last = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    assert rome_time(last) == "9999-12-31T23:30:00+00:00"


def test_inputs_keep_their_offset() -> None:
    assert DATE_TIME.parse_value is not None
    parsed = DATE_TIME.parse_value("2026-12-01T14:00:00-05:00")
    assert parsed == datetime(2026, 12, 1, 19, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(hours=-5)
