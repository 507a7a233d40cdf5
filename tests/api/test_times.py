"""Times in answers: the district's clock, Europe/Rome, with the offset of each instant;
times in arguments: any offset."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.settings import Settings
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client

ROME = ZoneInfo("Europe/Rome")
COURSE = "corso-italiano-a2@isolaviva.example"  # Tuesdays and Thursdays, 18:30 to 20:00
COURSE_TIMES = """
query($from: DateTime!, $to: DateTime!) {
  offerings(filter: {text: "italiano"}) { nodes {
    provenance { externalId }
    availability(from: $from, to: $to) { startsAt endsAt }
  } }
}"""
EVERY_TIME = """
{
  offerings(first: 100) { nodes {
    provenance { fetchedAt lastChangedAt }
    schedules { startsAt endsAt rdates exdates }
  } }
  sources { lastRun { startedAt finishedAt } }
}"""
# An ISO 8601 time with seconds and an offset, as a string value of the answer.
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?[+-]\d\d:\d\d")


async def course(gql: GraphQLClient, start: str, end: str) -> list[tuple[str, str]]:
    """The course's occurrences between two times, as the answer writes them."""
    data = await gql.data(COURSE_TIMES, {"from": start, "to": end})
    (node,) = [n for n in data["offerings"]["nodes"] if n["provenance"]["externalId"] == COURSE]
    return [(entry["startsAt"], entry["endsAt"]) for entry in node["availability"]]


async def test_summer_time_ends_on_the_last_sunday_of_october(full_demo: GraphQLClient) -> None:
    assert await course(full_demo, "2026-10-20T00:00:00+02:00", "2026-10-30T00:00:00+01:00") == [
        ("2026-10-20T18:30:00+02:00", "2026-10-20T20:00:00+02:00"),
        ("2026-10-22T18:30:00+02:00", "2026-10-22T20:00:00+02:00"),
        ("2026-10-27T18:30:00+01:00", "2026-10-27T20:00:00+01:00"),
        ("2026-10-29T18:30:00+01:00", "2026-10-29T20:00:00+01:00"),
    ]


async def test_summer_time_starts_on_the_last_sunday_of_march(full_demo: GraphQLClient) -> None:
    assert await course(full_demo, "2027-03-23T00:00:00+01:00", "2027-04-02T00:00:00+02:00") == [
        ("2027-03-23T18:30:00+01:00", "2027-03-23T20:00:00+01:00"),
        ("2027-03-25T18:30:00+01:00", "2027-03-25T20:00:00+01:00"),
        ("2027-03-30T18:30:00+02:00", "2027-03-30T20:00:00+02:00"),
        ("2027-04-01T18:30:00+02:00", "2027-04-01T20:00:00+02:00"),
    ]


@pytest.mark.parametrize(
    "start",
    [
        "2026-10-20T00:00:00+02:00",
        "2026-10-19T22:00:00Z",
        "2026-10-19T22:00:00+00:00",
        "2026-10-19T17:00:00-05:00",
        "2026-10-20T07:30:00+09:30",
    ],
)
async def test_arguments_take_any_offset(full_demo: GraphQLClient, start: str) -> None:
    # The same instant however it is written: the same answer, in Rome's offset.
    assert await course(full_demo, start, "2026-10-21T00:00:00+02:00") == [
        ("2026-10-20T18:30:00+02:00", "2026-10-20T20:00:00+02:00")
    ]


@pytest.mark.parametrize("start", ["2026-10-20T00:00:00", "2026-10-20", "2026-10-32T00:00:00Z"])
async def test_times_without_an_offset_or_invalid_are_bad_user_input(
    full_demo: GraphQLClient, start: str
) -> None:
    variables = {"from": start, "to": "2026-10-21T00:00:00+02:00"}
    assert await full_demo.error_codes(COURSE_TIMES, variables) == ["BAD_USER_INPUT"]


def times(value: Any) -> Iterator[str]:
    """Every string of an answer that is a time."""
    if isinstance(value, dict):
        for item in value.values():
            yield from times(item)
    elif isinstance(value, list):
        for item in value:
            yield from times(item)
    elif isinstance(value, str) and TIME.fullmatch(value):
        yield value


async def test_every_time_of_an_answer_carries_rome_offset(full_demo: GraphQLClient) -> None:
    written = list(times(await full_demo.data(EVERY_TIME)))
    # Provenance, schedules with their excluded dates, sync runs: hundreds of times.
    assert len(written) > 100
    for text in written:
        moment = datetime.fromisoformat(text)
        assert moment.utcoffset() == moment.astimezone(ROME).utcoffset(), text


async def test_a_cached_answer_and_its_etag_hold_rome_times(full_demo_engine: AsyncEngine) -> None:
    settings = Settings(response_cache_mb=8, cache_version_ttl=60)
    app = create_app(settings, engine=full_demo_engine)
    async with hub_client(app) as http:
        query = {"query": "{ sources { name lastRun { startedAt } } }"}
        first = await http.get("/graphql", params=query)
        again = await http.get("/graphql", params=query)
        etag = first.headers["etag"]
        unchanged = await http.get("/graphql", params=query, headers={"if-none-match": etag})
    assert sum(app.state.pipeline.executed.values()) == 1  # the others were kept answers
    assert again.content == first.content
    assert again.headers["etag"] == etag
    assert unchanged.status_code == 304
    started = list(times(first.json()["data"]))
    assert started
    assert all(not text.endswith("+00:00") for text in started)
