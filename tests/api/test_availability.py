"""Availability through the API: offerings' schedules, the occurrences and bookable slots of
a window (DST-correct, with moved and cancelled occurrences), `openAt`, the
`availableBetween` and `openAt` filters agreeing with the per-offering fields, and the
filters past the horizon of the stored occurrences."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

import models.availability
from connectors.config import SourceConfig, load_sources
from connectors.fetch import http_client
from connectors.sync import sync_source
from hub.app import create_app
from models import Occurrence, Schedule, SyncStatus
from models.db import session_factory
from models.types import utc_now
from tests.utils import demo
from tests.utils.catalogue import external_ids
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client

ROME = ZoneInfo("Europe/Rome")
OPEN_SPACE = "open-space"
COURSE = "corso-italiano-a2@isolaviva.example"
READINGS = "letture-piccoli@isolaviva.example"
CAMP = "campus-natale@isolaviva.example"
SERIES = "https://prenota-isola.example/api/session-series/"
HATHA = SERIES + "101"  # a slot with no places left on Wednesday 2 December
MEDITATION = SERIES + "104"
CONTEMPORARY_DANCE = SERIES + "108"  # its Thursday 3 December session is cancelled
ENTRY = "kind startsAt endsAt capacity remaining status stale checkedAt description"


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def spans(entries: list[dict[str, Any]]) -> list[tuple[datetime | None, datetime | None]]:
    return [(instant(e["startsAt"]), instant(e["endsAt"])) for e in entries]


async def find(
    gql: GraphQLClient, text: str, external_id: str, selection: str, **times: datetime
) -> dict[str, Any]:
    """The offering with `external_id` among those matching `text`, with `selection`,
    whose `$name` variables are the DateTimes `times`."""
    definitions = "".join(f", ${name}: DateTime!" for name in times)
    query = (
        f"query Find($text: String!{definitions}) {{"
        f" offerings(first: 100, filter: {{text: $text}}) {{"
        f" edges {{ node {{ provenance {{ externalId }} {selection} }} }} }} }}"
    )
    variables = {"text": text, **{name: moment.isoformat() for name, moment in times.items()}}
    edges = (await gql.data(query, variables))["offerings"]["edges"]
    nodes: list[dict[str, Any]] = [e["node"] for e in edges]
    (node,) = [n for n in nodes if n["provenance"]["externalId"] == external_id]
    return node


async def availability(
    gql: GraphQLClient, text: str, external_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    selection = f"availability(from: $from, to: $to) {{ {ENTRY} }}"
    found = await find(gql, text, external_id, selection, **{"from": start, "to": end})
    entries: list[dict[str, Any]] = found["availability"]
    return entries


async def every_offering(
    gql: GraphQLClient, selection: str, **times: datetime
) -> list[dict[str, Any]]:
    """Every listed offering with `selection`, page by page (checking totalCount)."""
    definitions = "".join(f", ${name}: DateTime!" for name in times)
    query = (
        f"query Every($after: String{definitions}) {{"
        " offerings(first: 100, after: $after) {"
        " totalCount pageInfo { hasNextPage endCursor }"
        f" edges {{ node {{ provenance {{ externalId }} {selection} }} }} }} }}"
    )
    variables: dict[str, Any] = {name: moment.isoformat() for name, moment in times.items()}
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gql.data(query, {**variables, "after": after}))["offerings"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(nodes)
            return nodes
        after = page["pageInfo"]["endCursor"]


@asynccontextmanager
async def hub(engine: AsyncEngine) -> AsyncIterator[GraphQLClient]:
    """GraphQL over HTTP (ASGI transport) to a hub serving `engine`."""
    async with hub_client(create_app(engine=engine)) as client:
        yield GraphQLClient(client)


def demo_source(name: str) -> SourceConfig:
    (source,) = [s for s in load_sources(demo.DEMO / "sources.toml") if s.name == name]
    return source


async def sync(engine: AsyncEngine, source: SourceConfig) -> None:
    async with http_client() as client:
        run = await sync_source(session_factory(engine), source, client)
    assert run.status is SyncStatus.SUCCEEDED, run.error


# --- schedules ----------------------------------------------------------------------------


async def test_schedules_of_open_space_are_its_opening_hours_as_published(
    full_demo: GraphQLClient,
) -> None:
    selection = "schedules { startsAt endsAt rrule rdates exdates allDay timezone description }"
    found = await find(full_demo, "open space", OPEN_SPACE, selection)
    schedules = [
        {
            **schedule,
            "startsAt": instant(schedule["startsAt"]),
            "endsAt": instant(schedule["endsAt"]),
            "exdates": [instant(d) for d in schedule["exdates"]],
        }
        for schedule in found["schedules"]
    ]
    common = {"rdates": [], "allDay": False, "timezone": "Europe/Rome"}
    assert schedules == [
        {
            **common,
            "startsAt": rome(2026, 9, 7, 8, 30),
            "endsAt": rome(2026, 9, 7, 19, 30),
            "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            "exdates": [
                rome(2026, 12, 8, 8, 30),
                rome(2026, 12, 24, 8, 30),
                rome(2026, 12, 25, 8, 30),
                rome(2027, 1, 1, 8, 30),
                rome(2027, 1, 6, 8, 30),
            ],
            "description": "Lunedì–venerdì 8:30–19:30",
        },
        {
            **common,
            "startsAt": rome(2026, 9, 12, 9),
            "endsAt": rome(2026, 9, 12, 13),
            "rrule": "FREQ=WEEKLY;BYDAY=SA",
            "exdates": [rome(2026, 12, 26, 9), rome(2027, 1, 2, 9)],
            "description": "Sabato 9:00–13:00",
        },
        {
            **common,
            "startsAt": rome(2026, 12, 24, 8, 30),
            "endsAt": rome(2026, 12, 24, 13),
            "rrule": None,
            "exdates": [],
            "description": "Vigilia di Natale 8:30–13:00",
        },
    ]


# --- an offering's availability in a window -----------------------------------------------


async def test_weekly_course_keeps_its_local_time_across_the_dst_change(
    full_demo: GraphQLClient,
) -> None:
    entries = await availability(
        full_demo, "italiano", COURSE, rome(2026, 10, 20), rome(2026, 10, 31)
    )
    # Summer time ends on Sunday 25 October: 18:30 in Rome is 16:30Z before, 17:30Z after.
    assert spans(entries) == [
        (utc(2026, 10, 20, 16, 30), utc(2026, 10, 20, 18)),
        (utc(2026, 10, 22, 16, 30), utc(2026, 10, 22, 18)),
        (utc(2026, 10, 27, 17, 30), utc(2026, 10, 27, 19)),
        (utc(2026, 10, 29, 17, 30), utc(2026, 10, 29, 19)),
    ]
    assert {e["kind"] for e in entries} == {"SCHEDULE"}


async def test_moved_reading_appears_only_on_its_new_day_with_its_own_description(
    full_demo: GraphQLClient,
) -> None:
    entries = await availability(
        full_demo, "letture", READINGS, rome(2026, 12, 5), rome(2026, 12, 8)
    )
    assert spans(entries) == [(utc(2026, 12, 6, 15), utc(2026, 12, 6, 16))]
    assert entries[0]["description"] == (
        "Letture ad alta voce per bambini dai 3 ai 6 anni (domenica, per la festa del quartiere)"
    )


async def test_cancelled_reading_is_left_out_of_its_weeks(full_demo: GraphQLClient) -> None:
    entries = await availability(
        full_demo, "letture", READINGS, rome(2026, 12, 19), rome(2027, 1, 3)
    )
    # Saturdays 19 December, 26 December (cancelled) and 2 January.
    assert spans(entries) == [
        (utc(2026, 12, 19, 9, 30), utc(2026, 12, 19, 10, 30)),
        (utc(2027, 1, 2, 9, 30), utc(2027, 1, 2, 10, 30)),
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (rome(2026, 12, 20), rome(2027, 1, 5)),
        (rome(2026, 12, 30, 23), rome(2026, 12, 31, 1)),  # only its last local hour
    ],
)
async def test_all_day_camp_spans_its_days_from_local_midnight_to_local_midnight(
    full_demo: GraphQLClient, start: datetime, end: datetime
) -> None:
    entries = await availability(full_demo, "campus", CAMP, start, end)
    assert spans(entries) == [(utc(2026, 12, 27, 23), utc(2026, 12, 30, 23))]


async def test_open_space_on_christmas_eve_is_open_only_in_the_morning(
    full_demo: GraphQLClient,
) -> None:
    entries = await availability(
        full_demo, "open space", OPEN_SPACE, rome(2026, 12, 24), rome(2026, 12, 25)
    )
    assert spans(entries) == [(utc(2026, 12, 24, 7, 30), utc(2026, 12, 24, 12))]
    assert entries[0]["description"] == "Vigilia di Natale 8:30–13:00"


async def test_entries_of_several_schedules_are_sorted_by_start(full_demo: GraphQLClient) -> None:
    entries = await availability(
        full_demo, "open space", OPEN_SPACE, rome(2026, 12, 18), rome(2026, 12, 23)
    )
    # The weekday schedule comes first, yet Saturday sorts between Friday and Monday.
    assert spans(entries) == [
        (utc(2026, 12, 18, 7, 30), utc(2026, 12, 18, 18, 30)),
        (utc(2026, 12, 19, 8), utc(2026, 12, 19, 12)),
        (utc(2026, 12, 21, 7, 30), utc(2026, 12, 21, 18, 30)),
        (utc(2026, 12, 22, 7, 30), utc(2026, 12, 22, 18, 30)),
    ]
    assert [e["description"] for e in entries] == [
        "Lunedì–venerdì 8:30–19:30",
        "Sabato 9:00–13:00",
        "Lunedì–venerdì 8:30–19:30",
        "Lunedì–venerdì 8:30–19:30",
    ]


async def test_bookable_slots_show_capacity_remaining_places_and_status(
    full_demo: GraphQLClient,
) -> None:
    entries = await availability(
        full_demo, "danza contemporanea", CONTEMPORARY_DANCE, rome(2026, 11, 30), rome(2026, 12, 7)
    )
    checked = [entry.pop("checkedAt") for entry in entries]
    assert None not in checked
    slot = {"kind": "BOOKABLE_SLOT", "capacity": 18, "stale": False, "description": None}
    assert entries == [
        {
            **slot,
            "startsAt": "2026-12-01T20:00:00+01:00",
            "endsAt": "2026-12-01T21:30:00+01:00",
            "remaining": 9,
            "status": "SCHEDULED",
        },
        {
            **slot,
            "startsAt": "2026-12-03T20:00:00+01:00",
            "endsAt": "2026-12-03T21:30:00+01:00",
            "remaining": 18,
            "status": "CANCELLED",
        },
    ]


# --- openAt -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        pytest.param(rome(2026, 11, 28, 10), True, id="saturday-morning"),
        pytest.param(rome(2026, 11, 28, 14), False, id="saturday-afternoon"),
        pytest.param(rome(2026, 12, 8, 10), False, id="tuesday-holiday"),  # an EXDATE
        pytest.param(rome(2026, 12, 24, 12, 59), True, id="christmas-eve-before-closing"),
        pytest.param(rome(2026, 12, 24, 13), False, id="christmas-eve-closing-time"),
    ],
)
async def test_open_at_field_follows_the_opening_hours(
    full_demo: GraphQLClient, moment: datetime, is_open: bool
) -> None:
    found = await find(full_demo, "open space", OPEN_SPACE, "openAt(time: $time)", time=moment)
    assert found["openAt"] is is_open


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        pytest.param(rome(2026, 12, 28), True, id="first-midnight"),
        pytest.param(rome(2026, 12, 30, 23, 59), True, id="last-minute"),
        pytest.param(rome(2026, 12, 31), False, id="midnight-after"),
    ],
)
async def test_all_day_camp_is_open_until_local_midnight_of_its_last_day(
    full_demo: GraphQLClient, moment: datetime, is_open: bool
) -> None:
    found = await find(full_demo, "campus", CAMP, "openAt(time: $time)", time=moment)
    assert found["openAt"] is is_open


# --- the filters agree with the per-offering fields ---------------------------------------


def has_places(entry: dict[str, Any]) -> bool:
    """What `availableBetween` counts: an occurrence, or a slot taking place with places."""
    return entry["kind"] == "SCHEDULE" or (
        entry["status"] == "SCHEDULED" and (entry["remaining"] is None or entry["remaining"] > 0)
    )


@pytest.mark.parametrize(
    ("start", "end", "present", "absent"),
    [
        pytest.param(
            rome(2026, 11, 28, 9),
            rome(2026, 11, 28, 13),
            {OPEN_SPACE, READINGS},
            {COURSE},
            id="saturday-morning",
        ),
        pytest.param(
            rome(2026, 11, 30),
            rome(2026, 12, 7),
            {OPEN_SPACE, COURSE, READINGS, HATHA, CONTEMPORARY_DANCE},
            {CAMP},
            id="week-of-30-november",
        ),
        pytest.param(
            rome(2026, 12, 3, 19, 45),
            rome(2026, 12, 3, 22),
            {COURSE, MEDITATION},
            {OPEN_SPACE, CONTEMPORARY_DANCE},  # the dance session that evening is cancelled
            id="weekday-evening",
        ),
        pytest.param(
            rome(2026, 12, 2, 7),
            rome(2026, 12, 2, 8, 45),
            {OPEN_SPACE},
            {HATHA},  # its session that morning has no places left
            id="full-session",
        ),
    ],
)
async def test_available_between_lists_the_offerings_whose_availability_has_places(
    full_demo: GraphQLClient,
    start: datetime,
    end: datetime,
    present: set[str],
    absent: set[str],
) -> None:
    selection = "availability(from: $from, to: $to) { kind startsAt status remaining }"
    nodes = await every_offering(full_demo, selection, **{"from": start, "to": end})
    for node in nodes:
        starts = [e["startsAt"] for e in node["availability"]]
        assert starts == sorted(starts, key=datetime.fromisoformat), node
    expected = {
        node["provenance"]["externalId"]
        for node in nodes
        if any(has_places(entry) for entry in node["availability"])
    }
    window = {"from": start.isoformat(), "to": end.isoformat()}
    listed = await external_ids(full_demo, {"availableBetween": window})
    assert listed == expected
    assert present <= listed
    assert not absent & listed


@pytest.mark.parametrize(
    ("moment", "present", "absent"),
    [
        # The readings start at 10:30.
        pytest.param(rome(2026, 11, 28, 10), {OPEN_SPACE}, {READINGS}, id="saturday-morning"),
        # A session without places left still takes place; the open space opens at 8:30.
        pytest.param(rome(2026, 12, 2, 8), {HATHA}, {OPEN_SPACE}, id="full-session"),
        # The open space closes at 19:30.
        pytest.param(
            rome(2026, 12, 3, 19, 30), {COURSE, MEDITATION}, {OPEN_SPACE}, id="weekday-evening"
        ),
        # The dance session that evening is cancelled.
        pytest.param(
            rome(2026, 12, 3, 20, 15),
            set(),
            {COURSE, MEDITATION, CONTEMPORARY_DANCE},
            id="cancelled-session",
        ),
        pytest.param(rome(2026, 12, 24, 12, 59), {OPEN_SPACE}, set(), id="christmas-eve"),
        pytest.param(rome(2026, 12, 29, 12), {CAMP, OPEN_SPACE}, {COURSE}, id="camp-day"),
    ],
)
async def test_open_at_filter_lists_the_offerings_whose_open_at_is_true(
    full_demo: GraphQLClient, moment: datetime, present: set[str], absent: set[str]
) -> None:
    nodes = await every_offering(full_demo, "openAt(time: $time)", time=moment)
    expected = {node["provenance"]["externalId"] for node in nodes if node["openAt"]}
    listed = await external_ids(full_demo, {"openAt": moment.isoformat()})
    assert listed == expected
    assert present <= listed
    assert not absent & listed


# --- past the horizon of the stored occurrences -------------------------------------------


def saturday_months_ahead(hour: int) -> datetime:
    """A Saturday at `hour` in Rome, three to four months from now."""
    day = (utc_now() + timedelta(days=100)).astimezone(ROME).date()
    day += timedelta(days=(5 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=ROME)


async def test_filters_expand_schedules_past_the_stored_horizon(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models.availability, "HORIZON", timedelta(days=10))
    await sync(engine, demo_source("isola-work-hub"))
    saturday = saturday_months_ahead(10)
    async with session_factory(engine)() as session:
        stored = await session.scalar(sa.select(sa.func.count()).select_from(Occurrence))
        later = await session.scalar(
            sa.select(sa.func.count())
            .select_from(Occurrence)
            .where(col(Occurrence.ends_at) > saturday - timedelta(days=30))
        )
        horizons = list(await session.scalars(sa.select(col(Schedule.expanded_until))))
    assert stored, "the near occurrences are stored"
    assert later == 0
    assert max(h for h in horizons if h is not None) < saturday - timedelta(days=30)

    async with hub(engine) as gql:
        morning = {"from": saturday.isoformat(), "to": (saturday + timedelta(hours=1)).isoformat()}
        assert await external_ids(gql, {"availableBetween": morning}) == {OPEN_SPACE}
        assert await external_ids(gql, {"openAt": saturday.isoformat()}) == {OPEN_SPACE}
        # Expanded, not merely let through: Saturday afternoon and Sunday stay closed.
        afternoon = saturday_months_ahead(14).isoformat()
        assert await external_ids(gql, {"openAt": afternoon}) == set()
        sunday = {
            "from": (saturday + timedelta(days=1)).isoformat(),
            "to": (saturday + timedelta(days=1, hours=8)).isoformat(),
        }
        assert await external_ids(gql, {"availableBetween": sunday}) == set()


CALENDAR = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Isola Viva//Calendario//IT
BEGIN:VEVENT
UID:mostra@isolaviva.example
DTSTAMP:20261101T090000Z
SUMMARY:Mostra fotografica di quartiere
CATEGORIES:Corsi
DTSTART;TZID=Europe/Rome:{first}
DTEND;TZID=Europe/Rome:{first_end}
RDATE;TZID=Europe/Rome:{again}
END:VEVENT
END:VCALENDAR
"""


async def test_filters_find_an_added_date_past_the_stored_horizon(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(models.availability, "HORIZON", timedelta(days=10))
    first, again = saturday_months_ahead(10) - timedelta(days=90), saturday_months_ahead(10)
    stamp = "%Y%m%dT%H%M%S"
    path = tmp_path / "mostra.ics"
    text = CALENDAR.format(
        first=first.strftime(stamp),
        first_end=(first + timedelta(hours=2)).strftime(stamp),
        again=again.strftime(stamp),
    )
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    provider = {"id": "isola-viva", "name": "Associazione Isola Viva", "alliance_member": True}
    options = {"provider": provider, "categories": {"Corsi": "courses"}}
    await sync(engine, SourceConfig("isola-viva", "ical", str(path), options=options))

    async with hub(engine) as gql:
        selection = "availability(from: $from, to: $to) { startsAt }"
        window = {"from": again, "to": again + timedelta(hours=1)}
        (node,) = await every_offering(gql, selection, **window)
        assert [instant(e["startsAt"]) for e in node["availability"]] == [again]
        assert await external_ids(gql, {"openAt": again.isoformat()}) == {
            "mostra@isolaviva.example"
        }


# --- bad input ----------------------------------------------------------------------------


FILTERED = (
    "query Q($filter: OfferingFilter) { offerings(first: 1, filter: $filter) { totalCount } }"
)
FIELDS = """
query Q($from: DateTime!, $to: DateTime!) {
  offerings(first: 1, filter: {text: "open space"}) {
    edges { node { availability(from: $from, to: $to) { startsAt } openAt(time: $from) } }
  }
}
"""
NAIVE = "2026-11-28T09:00:00"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param("2026-11-28T13:00:00+01:00", "2026-11-28T09:00:00+01:00", id="to-before-from"),
        pytest.param("2026-11-28T09:00:00+01:00", "2026-11-28T09:00:00+01:00", id="empty"),
        pytest.param("2026-11-28T09:00:00+01:00", "2027-11-30T09:00:00+01:00", id="over-366-days"),
        pytest.param(NAIVE, "2026-11-28T13:00:00+01:00", id="naive-from"),
        pytest.param("2026-11-28T09:00:00+01:00", "2026-11-28T13:00:00", id="naive-to"),
    ],
)
async def test_bad_windows_are_bad_user_input(
    full_demo: GraphQLClient, start: str, end: str
) -> None:
    window = {"from": start, "to": end}
    codes = await full_demo.error_codes(FILTERED, {"filter": {"availableBetween": window}})
    assert set(codes) == {"BAD_USER_INPUT"}
    codes = await full_demo.error_codes(FIELDS, {"from": start, "to": end})
    assert set(codes) == {"BAD_USER_INPUT"}


async def test_open_at_of_a_naive_time_is_bad_user_input(full_demo: GraphQLClient) -> None:
    codes = await full_demo.error_codes(FILTERED, {"filter": {"openAt": NAIVE}})
    assert codes == ["BAD_USER_INPUT"]
    found = f'{{ offerings(first: 1) {{ edges {{ node {{ openAt(time: "{NAIVE}") }} }} }} }}'
    assert await full_demo.error_codes(found) == ["BAD_USER_INPUT"]


async def test_a_window_of_exactly_366_days_is_accepted(full_demo: GraphQLClient) -> None:
    start = rome(2026, 11, 28)
    window = {"from": start.isoformat(), "to": (start + timedelta(days=366)).isoformat()}
    data = await full_demo.data(FILTERED, {"filter": {"availableBetween": window}})
    assert data["offerings"]["totalCount"] > 0
