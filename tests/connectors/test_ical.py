"""The iCalendar connector against real HTTP (uvicorn on 127.0.0.1) and local files: what
each property becomes, recurrence across the DST change, every fault a calendar can have,
and syncs end to end through the engine that never lose what was already synced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from dateutil.rrule import rruleset, rrulestr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

import connectors.registry
from connectors.config import ConfigError, SourceConfig, load_sources
from connectors.fetch import Fetcher, FetchError, NotModified
from connectors.ical import ICalendarFeed
from connectors.records import (
    Checkpoint,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    ScheduleRecord,
)
from connectors.sync import sync_source
from models import Offering, OfferingStatus, Schedule, SyncProblem, SyncRun, SyncStatus
from models.db import session_factory
from models.enums import DeliveryMode
from tests.utils.fetching import Sleeps
from tests.utils.server import FeedServer, Hang, Reply, Truncated

Sessions = async_sessionmaker[AsyncSession]

ROME = ZoneInfo("Europe/Rome")
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
PROVIDER_TABLE = {"id": "isola-viva", "name": "Associazione Isola Viva", "alliance_member": True}
PROVIDER = ProviderRecord(
    external_id="isola-viva", name="Associazione Isola Viva", alliance_member=True
)
CATEGORIES = {"Corsi": "courses", "Bambini": ["early-childhood"], "Letture": "culture"}
SALA = LocationRecord(
    external_id="via-pastrengo-12-20159",
    provider_external_id="isola-viva",
    name="Sala Isola Viva",
    address="Via Pastrengo 12",
    cap="20159",
    city="Milano",
    province="MI",
    latitude=45.48712,
    longitude=9.18835,
)


def calendar(*events: str) -> str:
    """A calendar as a publisher writes it: CRLF lines, a VTIMEZONE, the events."""
    body = "\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Isola Viva//Calendario//IT",
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Rome",
            "BEGIN:DAYLIGHT",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "TZNAME:CEST",
            "DTSTART:19700329T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "TZNAME:CET",
            "DTSTART:19701025T030000",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "END:STANDARD",
            "END:VTIMEZONE",
            *[event.strip() for event in events],
            "END:VCALENDAR",
        ]
    )
    return body.replace("\n", "\r\n") + "\r\n"


def event(
    uid: str | None = "corso@iv", summary: str | None = "Corso di italiano", *lines: str
) -> str:
    """A VEVENT: its UID and SUMMARY, then `lines` (a weekly course by default)."""
    head = ["BEGIN:VEVENT"]
    if uid is not None:
        head.append(f"UID:{uid}")
    head.append("DTSTAMP:20261101T090000Z")
    if summary is not None:
        head.append(f"SUMMARY:{summary}")
    body = list(lines) or [
        "DTSTART;TZID=Europe/Rome:20261006T183000",
        "DTEND;TZID=Europe/Rome:20261006T200000",
        "RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270527T215959Z",
        "CATEGORIES:Corsi",
        r"LOCATION:Sala Isola Viva\, Via Pastrengo 12\, 20159 Milano (MI)",
        "GEO:45.48712;9.18835",
    ]
    return "\n".join([*head, *body, "END:VEVENT"])


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: ZoneInfo = ROME
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


COURSE_SCHEDULE = ScheduleRecord(
    start=at(2026, 10, 6, 18, 30),
    end=at(2026, 10, 6, 20, 0),
    rrule="FREQ=WEEKLY;UNTIL=20270527T215959Z;BYDAY=TU,TH",
)
COURSE = OfferingRecord(
    external_id="corso@iv",
    provider_external_id="isola-viva",
    title_it="Corso di italiano",
    categories=("courses",),
    location_external_ids=(SALA.external_id,),
    schedules=(COURSE_SCHEDULE,),
)


def config(url: str, **options: Any) -> SourceConfig:
    values = {"provider": PROVIDER_TABLE, "categories": CATEGORIES, **options}
    return SourceConfig("isola-viva", "ical", url, options=values)


async def read(fetcher: Fetcher, source: SourceConfig) -> list[Item]:
    """Every item the connector yields, without the final checkpoint."""
    items = [item async for item in ICalendarFeed(source, fetcher, {}).records()]
    assert isinstance(items[-1], Checkpoint)
    return items[:-1]


async def read_text(fetcher: Fetcher, tmp_path: Path, text: str, **options: Any) -> list[Item]:
    path = tmp_path / "calendar.ics"
    path.write_bytes(text.encode())
    return await read(fetcher, config(str(path), **options))


async def offerings(fetcher: Fetcher, tmp_path: Path, *events: str, **options: Any) -> list[Item]:
    """What a calendar of `events` yields after its provider and locations."""
    items = await read_text(fetcher, tmp_path, calendar(*events), **options)
    assert items[0] == PROVIDER
    return [item for item in items[1:] if not isinstance(item, LocationRecord)]


def local_times(schedule: ScheduleRecord, count: int) -> list[str]:
    """The first occurrences of a schedule, expanded in its zone, as local wall times."""
    zone = ZoneInfo(schedule.timezone)
    start = schedule.start.astimezone(zone)
    assert schedule.rrule is not None
    rules = rrulestr(schedule.rrule, dtstart=start, forceset=True)
    assert isinstance(rules, rruleset)
    for excluded in schedule.exdates:
        rules.exdate(excluded)
    return [
        moment.astimezone(zone).strftime("%a %d/%m %H:%M %Z") for moment in islice(rules, count)
    ]


# --- What events become -----------------------------------------------------------------


async def test_calendar_over_http_yields_provider_location_offerings_and_a_checkpoint(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve(
        "/corsi.ics",
        calendar(
            event(
                "corso@iv",
                "Corso di italiano",
                "DESCRIPTION:Due sere a settimana\\, gratuito.",
                "DTSTART;TZID=Europe/Rome:20261006T183000",
                "DTEND;TZID=Europe/Rome:20261006T200000",
                "RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270527T215959Z",
                "EXDATE;TZID=Europe/Rome:20261208T183000,20261224T183000",
                "CATEGORIES:Corsi",
                r"LOCATION:Sala Isola Viva\, Via Pastrengo 12\, 20159 Milano (MI)",
                "GEO:45.48712;9.18835",
                "URL:https://isolaviva.example/corsi",
                "ORGANIZER;CN=Segreteria:mailto:corsi@isolaviva.example",
                "LAST-MODIFIED:20261015T080000Z",
            )
        ),
        content_type="text/calendar; charset=utf-8",
        headers={"ETag": '"v7"'},
    )

    items = [
        item
        async for item in ICalendarFeed(
            config(feed_server.url("/corsi.ics")), fetcher, {}
        ).records()
    ]

    assert items == [
        PROVIDER,
        SALA,
        OfferingRecord(
            external_id="corso@iv",
            provider_external_id="isola-viva",
            title_it="Corso di italiano",
            description_it="Due sere a settimana, gratuito.",
            categories=("courses",),
            booking_url="https://isolaviva.example/corsi",
            email="corsi@isolaviva.example",
            location_external_ids=(SALA.external_id,),
            schedules=(
                ScheduleRecord(
                    start=at(2026, 10, 6, 18, 30),
                    end=at(2026, 10, 6, 20, 0),
                    rrule="FREQ=WEEKLY;UNTIL=20270527T215959Z;BYDAY=TU,TH",
                    exdates=(at(2026, 12, 8, 18, 30), at(2026, 12, 24, 18, 30)),
                ),
            ),
            last_modified=datetime(2026, 10, 15, 8, 0, tzinfo=UTC),
        ),
        Checkpoint({"etag": '"v7"', "last_modified": None}),
    ]


async def test_weekly_course_keeps_its_local_time_across_the_dst_change(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    (course,) = await offerings(
        fetcher,
        tmp_path,
        event(
            "corso@iv",
            "Corso",
            "DTSTART;TZID=Europe/Rome:20261020T183000",
            "DURATION:PT90M",
            "RRULE:FREQ=WEEKLY;BYDAY=TU,TH",
            "CATEGORIES:Corsi",
        ),
    )

    assert isinstance(course, OfferingRecord)
    (schedule,) = course.schedules
    assert schedule.timezone == "Europe/Rome"
    assert schedule.end == schedule.start + timedelta(minutes=90)
    # Summer time ends on Sunday 25 October 2026: the course stays at 18:30.
    assert local_times(schedule, 4) == [
        "Tue 20/10 18:30 CEST",
        "Thu 22/10 18:30 CEST",
        "Tue 27/10 18:30 CET",
        "Thu 29/10 18:30 CET",
    ]


async def test_until_as_a_date_or_floating_time_is_stored_in_utc_and_includes_its_day(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    found = await offerings(
        fetcher,
        tmp_path,
        event(
            "a@iv",
            "A",
            "DTSTART;TZID=Europe/Rome:20261003T103000",
            "RRULE:FREQ=WEEKLY;BYDAY=SA;UNTIL=20261031",
            "CATEGORIES:Corsi",
        ),
        event(
            "b@iv",
            "B",
            "DTSTART:20261003T103000",
            "RRULE:FREQ=WEEKLY;UNTIL=20261031T103000",
            "CATEGORIES:Corsi",
        ),
    )

    a, b = (item.schedules[0] for item in found if isinstance(item, OfferingRecord))
    assert a.rrule == "FREQ=WEEKLY;UNTIL=20261031T225959Z;BYDAY=SA"
    assert local_times(a, 10)[-1] == "Sat 31/10 10:30 CET"
    # Floating times are in the source's zone (Europe/Rome by default).
    assert (b.start, b.timezone) == (at(2026, 10, 3, 10, 30), "Europe/Rome")
    assert b.rrule == "FREQ=WEEKLY;UNTIL=20261031T093000Z"
    assert len(local_times(b, 10)) == 5


async def test_floating_times_take_the_timezone_option_and_utc_times_recur_in_utc(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    found = await offerings(
        fetcher,
        tmp_path,
        event("f@iv", "F", "DTSTART:20261006T090000", "CATEGORIES:Corsi"),
        event("u@iv", "U", "DTSTART:20261006T090000Z", "RRULE:FREQ=DAILY", "CATEGORIES:Corsi"),
        event(
            "w@iv",
            "W",
            "DTSTART;TZID=W. Europe Standard Time:20261006T090000",
            "CATEGORIES:Corsi",
        ),
        timezone="Europe/London",
    )

    floating, utc, windows = (
        item.schedules[0] for item in found if isinstance(item, OfferingRecord)
    )
    london = ZoneInfo("Europe/London")
    assert (floating.start, floating.end, floating.timezone) == (
        at(2026, 10, 6, 9, 0, zone=london),
        None,
        "Europe/London",
    )
    assert (utc.start, utc.timezone) == (datetime(2026, 10, 6, 9, 0, tzinfo=UTC), "UTC")
    # A Windows zone name, as Outlook writes it, is resolved to the IANA zone.
    assert windows.start.utcoffset() == timedelta(hours=2)
    assert windows.timezone.startswith("Europe/")


async def test_all_day_events_start_at_midnight_and_last_their_days(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    found = await offerings(
        fetcher,
        tmp_path,
        event(
            "campus@iv",
            "Campus di Natale",
            "DTSTART;VALUE=DATE:20261228",
            "DTEND;VALUE=DATE:20261231",
            "CATEGORIES:Bambini",
        ),
        event("festa@iv", "Festa", "DTSTART;VALUE=DATE:20270606", "CATEGORIES:Letture"),
        event(
            "mercato@iv",
            "Mercatino",
            "DTSTART;VALUE=DATE:20261004",
            "RRULE:FREQ=MONTHLY;BYDAY=1SU;UNTIL=20270502",
            "EXDATE;VALUE=DATE:20270103",
            "CATEGORIES:Letture",
        ),
    )

    campus, festa, mercato = (i.schedules[0] for i in found if isinstance(i, OfferingRecord))
    assert campus == ScheduleRecord(
        start=at(2026, 12, 28, 0, 0), end=at(2026, 12, 31, 0, 0), all_day=True
    )
    assert (festa.start, festa.end, festa.all_day) == (at(2027, 6, 6), at(2027, 6, 7), True)
    assert mercato.rrule == "FREQ=MONTHLY;UNTIL=20270502T215959Z;BYDAY=1SU"
    assert mercato.exdates == (at(2027, 1, 3),)
    assert "Sun 03/01 00:00 CET" not in local_times(mercato, 8)
    assert local_times(mercato, 8)[-1] == "Sun 02/05 00:00 CEST"


async def test_rdates_exdates_and_a_period_of_another_length(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    (workshop,) = await offerings(
        fetcher,
        tmp_path,
        event(
            "foto@iv",
            "Laboratorio di fotografia",
            "DTSTART;TZID=Europe/Rome:20261107T150000",
            "DURATION:PT3H",
            "RRULE:FREQ=MONTHLY;BYDAY=1SA;COUNT=8",
            "RDATE;TZID=Europe/Rome:20261219T150000",
            "RDATE;VALUE=PERIOD:20261220T090000Z/PT3H,20261221T090000Z/PT1H",
            "EXDATE;VALUE=DATE:20270102",
            "CATEGORIES:Corsi",
        ),
    )

    assert isinstance(workshop, OfferingRecord)
    main, extra = workshop.schedules
    assert main.rdates == (at(2026, 12, 19, 15, 0), datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    # A DATE in the EXDATE of a timed event excludes that day's occurrence.
    assert main.exdates == (at(2027, 1, 2, 15, 0),)
    assert "Sat 02/01 15:00 CET" not in local_times(main, 8)
    assert (extra.start, extra.end, extra.rrule) == (
        datetime(2026, 12, 21, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 21, 10, 0, tzinfo=UTC),
        None,
    )


async def test_instances_overriding_an_occurrence_move_or_cancel_it(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    weekly = (
        "DTSTART;TZID=Europe/Rome:20261010T103000",
        "DTEND;TZID=Europe/Rome:20261010T113000",
        "RRULE:FREQ=WEEKLY;BYDAY=SA",
        "CATEGORIES:Letture",
    )
    (readings,) = await offerings(
        fetcher,
        tmp_path,
        event(
            "letture@iv",
            "Letture (domenica)",
            "RECURRENCE-ID;TZID=Europe/Rome:20261205T103000",
            "DTSTART;TZID=Europe/Rome:20261206T160000",
            "DTEND;TZID=Europe/Rome:20261206T170000",
        ),
        event("letture@iv", "Letture", *weekly),
        event(
            "letture@iv",
            "Letture",
            "RECURRENCE-ID;TZID=Europe/Rome:20261226T103000",
            "STATUS:CANCELLED",
            "DTSTART;TZID=Europe/Rome:20261226T103000",
        ),
    )

    assert isinstance(readings, OfferingRecord)
    assert readings.title_it == "Letture"
    series, moved = readings.schedules
    assert series.exdates == (at(2026, 12, 5, 10, 30), at(2026, 12, 26, 10, 30))
    assert moved == ScheduleRecord(
        start=at(2026, 12, 6, 16, 0), end=at(2026, 12, 6, 17, 0), description="Letture (domenica)"
    )


async def test_cancelled_events_are_withdrawn_and_private_ones_left_out(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    found = await offerings(
        fetcher,
        tmp_path,
        event(
            "cine@iv",
            "Cineforum",
            "STATUS:CANCELLED",
            "DTSTART:20261015T210000",
            "CATEGORIES:Letture",
        ),
        event("dir@iv", "Direttivo", "CLASS:PRIVATE", "DTSTART:20261202T190000"),
        event("soci@iv", "Assemblea", "CLASS:CONFIDENTIAL", "DTSTART:20261202T190000"),
    )

    assert [(o.external_id, o.status) for o in found if isinstance(o, OfferingRecord)] == [
        ("cine@iv", OfferingStatus.WITHDRAWN)
    ]


@pytest.mark.parametrize(
    ("lines", "location", "mode"),
    [
        (
            [r"LOCATION:Sala Isola Viva\, Via Pastrengo 12\, 20159 Milano (MI)"],
            LocationRecord(
                "via-pastrengo-12-20159", "isola-viva", "Sala Isola Viva", "Via Pastrengo 12",
                "20159", "Milano", "MI",
            ),
            DeliveryMode.IN_PERSON,
        ),
        (
            [r"LOCATION:Viale Monza 40\, 20127 Milano", "GEO:45.49;9.22"],
            LocationRecord(
                "viale-monza-40-20127", "isola-viva", None, "Viale Monza 40", "20127", "Milano",
                latitude=45.49, longitude=9.22,
            ),
            DeliveryMode.IN_PERSON,
        ),
        (
            [r"LOCATION:Spazio Isola\, Pollaiuolo 5\, 20159 Milano MI"],
            LocationRecord(
                "pollaiuolo-5-20159", "isola-viva", "Spazio Isola", "Pollaiuolo 5", "20159",
                "Milano", "MI",
            ),
            DeliveryMode.IN_PERSON,
        ),
        (
            ["LOCATION:Sala Polifunzionale"],
            LocationRecord("place-sala-polifunzionale", "isola-viva", "Sala Polifunzionale"),
            DeliveryMode.IN_PERSON,
        ),
        (
            ["GEO:45.48712;9.18835"],
            LocationRecord(
                "geo:45.48712,9.18835", "isola-viva", latitude=45.48712, longitude=9.18835
            ),
            DeliveryMode.IN_PERSON,
        ),
        (["LOCATION:https://meet.example/corso"], None, DeliveryMode.ONLINE),
        (["CONFERENCE;VALUE=URI:https://meet.example/corso"], None, DeliveryMode.ONLINE),
    ],
)  # fmt: skip
async def test_location_text_and_geo_become_a_place_or_an_online_offering(
    fetcher: Fetcher,
    tmp_path: Path,
    lines: list[str],
    location: LocationRecord | None,
    mode: DeliveryMode,
) -> None:
    text = calendar(event("x@iv", "X", "DTSTART:20261006T090000", "CATEGORIES:Corsi", *lines))

    items = await read_text(fetcher, tmp_path, text)

    places = [item for item in items if isinstance(item, LocationRecord)]
    (offering,) = [item for item in items if isinstance(item, OfferingRecord)]
    assert places == ([location] if location else [])
    assert offering.location_external_ids == ((location.external_id,) if location else ())
    assert offering.delivery_mode is mode
    if mode is DeliveryMode.ONLINE and lines[0].startswith("LOCATION"):
        assert offering.booking_url == "https://meet.example/corso"


async def test_events_without_a_place_are_at_the_fixed_location(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    fixed = {"id": "sala", "name": "Sala", "address": "Via Pastrengo 12", "cap": "20159",
             "latitude": 45.48712, "longitude": 9.18835}  # fmt: skip

    items = await read_text(
        fetcher,
        tmp_path,
        calendar(
            event("a@iv", "A", "DTSTART:20261006T090000", "CATEGORIES:Corsi"),
            event("b@iv", "B", "DTSTART:20261006T090000", "CATEGORIES:Corsi", "LOCATION:Altrove"),
        ),
        location=fixed,
    )

    places = [item.external_id for item in items if isinstance(item, LocationRecord)]
    found = [item for item in items if isinstance(item, OfferingRecord)]
    assert places == ["sala", "place-altrove"]
    assert [o.location_external_ids for o in found] == [("sala",), ("place-altrove",)]


async def test_categories_map_terms_codes_and_fall_back_to_the_default(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    found = await offerings(
        fetcher,
        tmp_path,
        event("a@iv", "A", "DTSTART:20261006T090000", "CATEGORIES:CORSI,letture"),
        event("b@iv", "B", "DTSTART:20261006T090000", "CATEGORIES:yoga", "CATEGORIES:mind-body"),
        event("c@iv", "C", "DTSTART:20261006T090000", "CATEGORIES:Varie"),
        event("d@iv", "D", "DTSTART:20261006T090000"),
        category="culture",
    )

    assert [o.categories for o in found if isinstance(o, OfferingRecord)] == [
        ("courses", "culture"),
        ("mind-body",),
        ("culture",),
        ("culture",),
    ]


async def test_summary_language_fills_italian_or_english_titles(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    found = await offerings(
        fetcher,
        tmp_path,
        event(
            "a@iv",
            None,
            "SUMMARY;LANGUAGE=it-IT:Corso di cucito",
            "DESCRIPTION;LANGUAGE=it:Ago e filo",
            "DTSTART:20261006T090000",
            "CATEGORIES:Corsi",
        ),
        event("b@iv", None, "SUMMARY;LANGUAGE=en:Sewing class", "DTSTART:20261006T090000"),
        event("c@iv", "Italian class", "DTSTART:20261006T090000", "CATEGORIES:Corsi"),
        language="en",
    )

    problems, (course,) = found[:2], found[2:]
    assert isinstance(course, OfferingRecord)
    assert (course.title_it, course.description_it) == ("Corso di cucito", "Ago e filo")
    assert problems == [
        Problem("offering", "b@iv", "event 'b@iv': no Italian SUMMARY (title)"),
        Problem("offering", "c@iv", "event 'c@iv': no Italian SUMMARY (title)"),
    ]


# --- One offering's opening hours ------------------------------------------------------

OPEN_SPACE = {
    "id": "open-space",
    "title_it": "Postazione in open space",
    "title_en": "Open-space desk",
    "category": "coworking",
}
HOURS = (
    event(
        "feriali@hub",
        "Lunedì–venerdì 8:30–19:30",
        "DTSTART;TZID=Europe/Rome:20260907T083000",
        "DTEND;TZID=Europe/Rome:20260907T193000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "EXDATE;TZID=Europe/Rome:20261208T083000",
    ),
    event(
        "sabato@hub",
        "Sabato 9:00–13:00",
        "DTSTART;TZID=Europe/Rome:20260912T090000",
        "DTEND;TZID=Europe/Rome:20260912T130000",
        "RRULE:FREQ=WEEKLY;BYDAY=SA",
    ),
    event("chiuso@hub", "Inventario", "STATUS:CANCELLED", "DTSTART:20261130T090000"),
)


async def test_a_calendar_of_opening_hours_is_one_offering_with_a_schedule_per_event(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    fixed = {"id": "hub", "name": "Isola Work Hub", "address": "Via Thaon di Revel 21"}

    items = await read_text(
        fetcher, tmp_path, calendar(*HOURS), offering=OPEN_SPACE, location=fixed
    )

    assert items == [
        PROVIDER,
        LocationRecord("hub", "isola-viva", "Isola Work Hub", "Via Thaon di Revel 21"),
        OfferingRecord(
            external_id="open-space",
            provider_external_id="isola-viva",
            title_it="Postazione in open space",
            title_en="Open-space desk",
            categories=("coworking",),
            location_external_ids=("hub",),
            schedules=(
                ScheduleRecord(
                    start=at(2026, 9, 7, 8, 30),
                    end=at(2026, 9, 7, 19, 30),
                    rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
                    exdates=(at(2026, 12, 8, 8, 30),),
                    description="Lunedì–venerdì 8:30–19:30",
                ),
                ScheduleRecord(
                    start=at(2026, 9, 12, 9, 0),
                    end=at(2026, 9, 12, 13, 0),
                    rrule="FREQ=WEEKLY;BYDAY=SA",
                    description="Sabato 9:00–13:00",
                ),
            ),
        ),
    ]


async def test_one_unreadable_hours_event_keeps_the_offering_as_it_was(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    broken = event("rotto@hub", "Domenica", "DTSTART;TZID=Europe/Rome:2026XX")

    items = await read_text(fetcher, tmp_path, calendar(*HOURS, broken), offering=OPEN_SPACE)

    assert items[0] == PROVIDER
    (problem,) = items[1:]
    assert isinstance(problem, Problem)
    assert (problem.record_kind, problem.external_id) == ("offering", "open-space")
    assert "event 'rotto@hub': unreadable properties (DTSTART:" in problem.reason


# --- Faults -----------------------------------------------------------------------------


async def test_unreadable_events_are_problems_and_the_rest_load(
    fetcher: Fetcher, tmp_path: Path
) -> None:
    found = await offerings(
        fetcher,
        tmp_path,
        event(None, "Senza UID", "DTSTART:20261006T090000"),
        event("dup@iv", "Primo", "DTSTART:20261006T090000", "CATEGORIES:Corsi"),
        event("dup@iv", "Secondo", "DTSTART:20261007T090000"),
        event("bad@iv", "Data rotta", "DTSTART:2026XX"),
        event("nostart@iv", "Senza inizio", "CATEGORIES:Corsi"),
        event(
            "two@iv",
            "Due regole",
            "DTSTART:20261006T090000",
            "RRULE:FREQ=WEEKLY",
            "RRULE:FREQ=MONTHLY",
        ),
        event("ok@iv", "Regolare", "DTSTART:20261006T090000", "CATEGORIES:Corsi"),
    )

    problems = [(p.external_id, p.reason) for p in found if isinstance(p, Problem)]
    assert problems[:2] == [
        (None, "event 1 ('Senza UID') has no UID, so it has no stable id"),
        ("dup@iv", "UID 'dup@iv' is used by two events"),
    ]
    assert [external_id for external_id, _ in problems[2:]] == ["bad@iv", "nostart@iv", "two@iv"]
    assert "unreadable properties (DTSTART:" in problems[2][1]
    assert problems[3][1] == "event 'nostart@iv': no DTSTART"
    assert "several RRULEs" in problems[4][1]
    assert [(o.external_id, o.title_it) for o in found if isinstance(o, OfferingRecord)] == [
        ("dup@iv", "Primo"),
        ("ok@iv", "Regolare"),
    ]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "is empty"),
        (b"<html><body>Calendario</body></html>", "does not end with END:VCALENDAR"),
        (calendar(event())[:-40].encode(), "truncated"),
        (b"BEGIN:VCALENDAR\r\nnot a content line\r\nEND:VCALENDAR\r\n", "not valid iCalendar"),
        (b"BEGIN:VCARD\r\nFN:Anna\r\nEND:VCALENDAR\r\n", "not an iCalendar file"),
        (b"\xff\xfeB\x00E\x00", "cannot be decoded"),
    ],
)
async def test_a_document_that_is_not_a_whole_calendar_raises_fetch_error(
    fetcher: Fetcher, tmp_path: Path, content: bytes, error: str
) -> None:
    path = tmp_path / "calendar.ics"
    path.write_bytes(content)

    with pytest.raises(FetchError, match=error):
        await read(fetcher, config(str(path)))


async def test_server_errors_are_retried_with_backoff_and_retry_after(
    fetcher: Fetcher, feed_server: FeedServer, sleeps: Sleeps
) -> None:
    feed_server.then("/c.ics", Reply(500), Reply(503, headers={"Retry-After": "7"}))
    feed_server.serve("/c.ics", calendar(event()), content_type="text/calendar")

    assert await read(fetcher, config(feed_server.url("/c.ics"))) == [PROVIDER, SALA, COURSE]
    assert sleeps.delays == [0.5, 7.0]


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ([Reply(500)] * 4, r"answered HTTP 500 \(after 4 attempts\)"),
        ([Reply(503, headers={"Retry-After": "3600"})], "asked to retry after 3600 s, too long"),
        ([Reply(404)], "answered HTTP 404"),
        ([Hang(2.0)] * 4, "cannot fetch"),
        ([Truncated(calendar(event()).encode())] * 4, "cannot fetch"),
    ],
)
async def test_http_failure_raises_fetch_error(
    fetcher: Fetcher,
    feed_server: FeedServer,
    answers: list[Reply | Hang | Truncated],
    error: str,
) -> None:
    feed_server.then("/c.ics", *answers)
    feed_server.serve("/c.ics", calendar(event()), content_type="text/calendar")

    with pytest.raises(FetchError, match=error):
        await read(fetcher, config(feed_server.url("/c.ics")))


async def test_stored_validators_make_the_request_conditional(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    feed_server.serve("/c.ics", b"", status=304)
    state = {"etag": '"v1"', "last_modified": "Wed, 25 Nov 2026 08:00:00 GMT"}
    connector = ICalendarFeed(config(feed_server.url("/c.ics")), fetcher, state)

    with pytest.raises(NotModified):
        [item async for item in connector.records()]
    assert feed_server.seen[-1].headers["if-none-match"] == '"v1"'
    assert feed_server.seen[-1].headers["if-modified-since"] == state["last_modified"]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"provider": None}, "a 'provider' table is required"),
        ({"provider": {"id": "x"}}, "'provider' needs an id and a name"),
        ({"categories": {"Corsi": "cooking"}}, "'cooking' is neither a category code"),
        ({"category": 3}, "'category' must be a category code"),
        ({"timezone": "Europe/Atlantis"}, "unknown 'timezone'"),
        ({"language": "fr"}, "'language' must be 'it' or 'en'"),
        ({"location": {"name": "Sala"}}, "'location' needs an id"),
        ({"location": {"id": "s", "floor": 2}}, r"'location' has unknown key\(s\) 'floor'"),
        ({"location": {"id": "s", "latitude": "45,4"}}, "'location.latitude' must be a number"),
        ({"offering": {"id": "o"}}, "'offering' needs an id and a title_it"),
    ],
)
def test_invalid_options_are_config_errors(options: dict[str, Any], error: str) -> None:
    source = config("calendar.ics", **options)
    if options.get("provider", "") is None:
        source.options.pop("provider")

    with pytest.raises(ConfigError, match=f"ical source 'isola-viva': .*{error}"):
        ICalendarFeed(source, Fetcher(httpx.AsyncClient()), {})


# --- Demo files -----------------------------------------------------------------------


def demo_sources() -> list[SourceConfig]:
    return [s for s in load_sources(DEMO / "sources.toml") if s.kind == "ical"]


async def test_demo_calendars_load_without_problems(fetcher: Fetcher) -> None:
    courses, hours = demo_sources()

    course_items = await read(fetcher, courses)
    hour_items = await read(fetcher, hours)

    assert not [item for item in course_items + hour_items if isinstance(item, Problem)]
    titles = {o.title_it: o for o in course_items if isinstance(o, OfferingRecord)}
    assert len(titles) == 6  # the private board meeting is left out
    assert titles["Cineforum del giovedì"].status is OfferingStatus.WITHDRAWN
    readings = titles["Letture ad alta voce per bambini dai 3 ai 6 anni"]
    # This Saturday (28 November 2026) the children's reading is on at 10:30.
    assert "Sat 28/11 10:30 CET" in local_times(readings.schedules[0], 8)
    (open_space,) = [o for o in hour_items if isinstance(o, OfferingRecord)]
    assert [s.description for s in open_space.schedules] == [
        "Lunedì–venerdì 8:30–19:30",
        "Sabato 9:00–13:00",
        "Vigilia di Natale 8:30–13:00",
    ]


# --- End to end through the sync engine -------------------------------------------------


@pytest.fixture
def sessions(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> Sessions:
    monkeypatch.setitem(connectors.registry.CONNECTORS, "ical", ICalendarFeed)
    return session_factory(engine)


async def catalogue(sessions: Sessions) -> dict[str, tuple[Any, ...]]:
    """Each stored offering: its status, title and schedules (start, rrule, exdates)."""
    async with sessions() as session:
        found: dict[str, tuple[Any, ...]] = {}
        for offering in (await session.execute(sa.select(Offering))).scalars():
            schedules = await session.execute(
                sa.select(Schedule)
                .where(col(Schedule.offering_id) == offering.id)
                .order_by(col(Schedule.position))
            )
            found[str(offering.external_id)] = (
                offering.status,
                offering.title_it,
                [
                    (s.starts_at, s.rrule, s.exdates, s.timezone, s.all_day)
                    for s in schedules.scalars()
                ],
            )
        return found


async def run_problems(sessions: Sessions, run: SyncRun) -> list[tuple[str | None, str]]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(col(SyncProblem.external_id), col(SyncProblem.reason)).where(
                col(SyncProblem.sync_run_id) == run.id
            )
        )
        return [(external_id, reason) for external_id, reason in rows]


READING = event(
    "letture@iv",
    "Letture",
    "DTSTART;TZID=Europe/Rome:20261010T103000",
    "RRULE:FREQ=WEEKLY;BYDAY=SA",
    "CATEGORIES:Letture",
)


async def test_sync_stores_schedules_and_failed_or_truncated_fetches_keep_them(
    sessions: Sessions, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    text = calendar(event(), READING)
    feed_server.serve("/c.ics", text, content_type="text/calendar")
    source = config(feed_server.url("/c.ics"))

    first = await sync_source(sessions, source, client, fetcher=fetcher)
    stored = await catalogue(sessions)
    again = await sync_source(sessions, source, client, fetcher=fetcher)
    feed_server.serve("/c.ics", "down", status=500)
    failed = await sync_source(sessions, source, client, fetcher=fetcher)
    feed_server.serve("/c.ics", text[: len(text) // 2], content_type="text/calendar")
    truncated = await sync_source(sessions, source, client, fetcher=fetcher)

    assert (first.status, first.created, first.quarantined) == (SyncStatus.SUCCEEDED, 4, 0)
    assert stored == {
        "corso@iv": (
            OfferingStatus.ACTIVE,
            "Corso di italiano",
            [
                (
                    datetime(2026, 10, 6, 16, 30, tzinfo=UTC),
                    "FREQ=WEEKLY;UNTIL=20270527T215959Z;BYDAY=TU,TH",
                    "",
                    "Europe/Rome",
                    False,
                )
            ],
        ),
        "letture@iv": (
            OfferingStatus.ACTIVE,
            "Letture",
            [
                (
                    datetime(2026, 10, 10, 8, 30, tzinfo=UTC),
                    "FREQ=WEEKLY;BYDAY=SA",
                    "",
                    "Europe/Rome",
                    False,
                )
            ],
        ),
    }
    assert (again.status, again.unchanged, again.created, again.updated) == (
        SyncStatus.SUCCEEDED,
        4,
        0,
        0,
    )
    assert failed.status is SyncStatus.FAILED
    assert "answered HTTP 500" in (failed.error or "")
    assert truncated.status is SyncStatus.FAILED
    assert "does not end with END:VCALENDAR" in (truncated.error or "")
    assert await catalogue(sessions) == stored


async def test_sync_withdraws_a_removed_event_but_keeps_one_that_drifted(
    sessions: Sessions, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    source = config(feed_server.url("/c.ics"))
    feed_server.serve("/c.ics", calendar(event(), READING), content_type="text/calendar")
    await sync_source(sessions, source, client, fetcher=fetcher)

    # Schema drift: the publisher's new export writes DTSTART under another name.
    drifted = READING.replace("DTSTART;TZID=Europe/Rome:", "X-START;TZID=Europe/Rome:")
    feed_server.serve("/c.ics", calendar(event(), drifted), content_type="text/calendar")
    drift = await sync_source(sessions, source, client, fetcher=fetcher)
    after_drift = {key: value[0] for key, value in (await catalogue(sessions)).items()}

    feed_server.serve("/c.ics", calendar(READING), content_type="text/calendar")
    removed = await sync_source(sessions, source, client, fetcher=fetcher)

    assert (drift.status, drift.withdrawn, drift.quarantined) == (SyncStatus.SUCCEEDED, 0, 1)
    assert await run_problems(sessions, drift) == [("letture@iv", "event 'letture@iv': no DTSTART")]
    assert after_drift == {"corso@iv": OfferingStatus.ACTIVE, "letture@iv": OfferingStatus.ACTIVE}
    assert (removed.status, removed.withdrawn) == (SyncStatus.SUCCEEDED, 1)
    assert {key: value[0] for key, value in (await catalogue(sessions)).items()} == {
        "corso@iv": OfferingStatus.WITHDRAWN,
        "letture@iv": OfferingStatus.ACTIVE,
    }


async def test_sync_of_the_demo_calendars_quarantines_nothing(
    sessions: Sessions, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    runs = [await sync_source(sessions, s, client, fetcher=fetcher) for s in demo_sources()]
    stored = await catalogue(sessions)

    assert [(r.status, r.created, r.quarantined) for r in runs] == [
        (SyncStatus.SUCCEEDED, 8, 0),
        (SyncStatus.SUCCEEDED, 3, 0),
    ]
    campus = stored["campus-natale@isolaviva.example"]
    assert campus[2] == [(datetime(2026, 12, 27, 23, 0, tzinfo=UTC), None, "", "Europe/Rome", True)]
    assert len(stored["open-space"][2]) == 3
