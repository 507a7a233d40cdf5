"""The sync engine with incremental feeds: slots, schedules, deletions, checkpoints and
resuming, conditional requests, and one sync per source at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from connectors.config import SourceConfig
from connectors.fetch import Fetcher, FetchError, NotModified
from connectors.locks import SyncInProgress, source_lock
from connectors.mapping import Classifier
from connectors.records import (
    Checkpoint,
    Deletion,
    Item,
    OfferingRecord,
    ProviderRecord,
    ScheduleRecord,
    SlotRecord,
)
from connectors.registry import CONNECTORS
from connectors.sync import ensure_source, sync_source
from models import Offering, OfferingStatus, Schedule, Slot, SlotStatus, Source, SyncStatus
from models.db import create_engine, init_db, session_factory

Sessions = async_sessionmaker[AsyncSession]

COOP = ProviderRecord(external_id="org-coop", name="Cooperativa Sociale Isola")
YOGA = OfferingRecord("yoga", "org-coop", "Yoga al mattino", categories=("mind-body",))
DANCE = OfferingRecord("dance", "org-coop", "Danza creativa", categories=("courses",))
MONDAY = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


def slot(external_id: str, offering: str = "yoga", **fields: object) -> SlotRecord:
    values: dict[str, object] = {"start": MONDAY, "end": MONDAY + timedelta(hours=1)}
    values.update(fields)
    return SlotRecord(external_id, offering, **values)  # type: ignore[arg-type]


class Feed:
    """A scripted incremental connector: each sync reads the next list of items, and
    records the state it was handed."""

    complete_snapshot = False

    def __init__(self) -> None:
        self.classifier = Classifier()
        self.syncs: list[list[Item | Exception]] = []
        self.states: list[dict[str, object]] = []

    def __call__(
        self, _source: SourceConfig, _fetcher: Fetcher, state: Mapping[str, object]
    ) -> Feed:
        self.states.append(dict(state))
        return self

    async def records(self) -> AsyncIterator[Item]:
        for item in self.syncs.pop(0):
            if isinstance(item, Exception):
                raise item
            yield item


@pytest.fixture
def sessions(engine: AsyncEngine) -> Sessions:
    return session_factory(engine)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@pytest.fixture
def feed(monkeypatch: pytest.MonkeyPatch) -> Feed:
    scripted = Feed()
    monkeypatch.setitem(CONNECTORS, "scripted", scripted)
    return scripted


CONFIG = SourceConfig(name="palestra", kind="scripted", url="http://feeds.invalid/rpde")


async def sync(sessions: Sessions, client: httpx.AsyncClient, **options: int) -> SyncStatus:
    run = await sync_source(sessions, CONFIG, client, **options)  # type: ignore[arg-type]
    return run.status


async def slots(sessions: Sessions) -> dict[str, Slot]:
    async with sessions() as session:
        rows = (await session.execute(sa.select(Slot))).scalars().all()
    return {row.external_id or "": row for row in rows}


async def offerings(sessions: Sessions) -> dict[str, Offering]:
    async with sessions() as session:
        rows = (await session.execute(sa.select(Offering))).scalars().all()
    return {row.external_id or "": row for row in rows}


async def source_state(sessions: Sessions) -> dict[str, object]:
    async with sessions() as session:
        source = (await session.execute(sa.select(Source))).scalar_one()
    return dict(source.state)


async def test_slots_are_stored_with_capacity_and_linked_to_their_offering(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs.append([COOP, YOGA, slot("s1", capacity=12, remaining=5), slot("s2")])

    assert await sync(sessions, client) is SyncStatus.SUCCEEDED

    stored = await slots(sessions)
    yoga = (await offerings(sessions))["yoga"]
    assert sorted(stored) == ["s1", "s2"]
    assert (stored["s1"].offering_id, stored["s1"].capacity, stored["s1"].remaining) == (
        yoga.id,
        12,
        5,
    )
    assert stored["s1"].starts_at == MONDAY
    assert stored["s1"].status is SlotStatus.SCHEDULED


async def test_remaining_places_update_in_place(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs.append([COOP, YOGA, slot("s1", capacity=12, remaining=5)])
    feed.syncs.append([slot("s1", capacity=12, remaining=0)])
    await sync(sessions, client)
    first = (await slots(sessions))["s1"].id

    await sync(sessions, client)

    again = (await slots(sessions))["s1"]
    assert (again.id, again.remaining) == (first, 0)


async def test_slot_of_an_unknown_offering_is_quarantined(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs.append([COOP, YOGA, slot("s1"), slot("s9", offering="nosuch")])

    run = await sync_source(sessions, CONFIG, client)

    assert run.quarantined == 1
    assert sorted(await slots(sessions)) == ["s1"]


async def test_invalid_slot_is_quarantined(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    backwards = slot("s1", end=MONDAY - timedelta(hours=1))
    overfull = slot("s2", capacity=3, remaining=4)
    feed.syncs.append([COOP, YOGA, backwards, overfull, slot("s3")])

    run = await sync_source(sessions, CONFIG, client)

    assert run.quarantined == 2
    assert sorted(await slots(sessions)) == ["s3"]


async def test_deletions_withdraw_offerings_and_cancel_slots(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs.append([COOP, YOGA, DANCE, slot("s1"), slot("s2")])
    feed.syncs.append([Deletion("offering", "dance"), Deletion("slot", "s2")])
    await sync(sessions, client)

    run = await sync_source(sessions, CONFIG, client)

    assert run.withdrawn == 1
    stored = await offerings(sessions)
    assert (stored["dance"].status, stored["yoga"].status) == (
        OfferingStatus.WITHDRAWN,
        OfferingStatus.ACTIVE,
    )
    assert (await slots(sessions))["s2"].status is SlotStatus.CANCELLED


async def test_incremental_sync_withdraws_only_what_it_deletes(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs.append([COOP, YOGA, DANCE])
    feed.syncs.append(
        [OfferingRecord("yoga", "org-coop", "Yoga serale", categories=("mind-body",))]
    )
    await sync(sessions, client)

    run = await sync_source(sessions, CONFIG, client)

    assert (run.updated, run.withdrawn) == (1, 0)
    assert {o.status for o in (await offerings(sessions)).values()} == {OfferingStatus.ACTIVE}


async def test_a_deleted_offering_that_comes_back_is_restored(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs += [[COOP, YOGA], [Deletion("offering", "yoga")], [YOGA]]
    for _ in range(3):
        await sync(sessions, client)

    assert (await offerings(sessions))["yoga"].status is OfferingStatus.ACTIVE


async def test_last_word_on_an_id_within_a_batch_wins(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs.append([COOP, YOGA, Deletion("offering", "yoga"), DANCE, Deletion("offering", "x")])
    feed.syncs.append([Deletion("offering", "dance"), DANCE])
    await sync(sessions, client)
    assert sorted(await offerings(sessions)) == ["dance"]  # yoga was gone before it was stored

    await sync(sessions, client)

    assert (await offerings(sessions))["dance"].status is OfferingStatus.ACTIVE


async def test_checkpoint_state_is_stored_and_handed_back(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs.append(
        [COOP, YOGA, Checkpoint({"next": "page-2"}), DANCE, Checkpoint({"next": "page-3"})]
    )
    feed.syncs.append([])
    await sync(sessions, client)

    await sync(sessions, client)

    assert feed.states == [{}, {"next": "page-3"}]


async def test_interrupted_sync_keeps_pages_before_the_last_checkpoint_and_resumes(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    page_one: list[Item | Exception] = [COOP, YOGA, Checkpoint({"next": "page-2"})]
    feed.syncs.append([*page_one, DANCE, FetchError("page-2 answered HTTP 500")])
    feed.syncs.append([DANCE, Checkpoint({"next": "page-3"})])

    assert await sync(sessions, client) is SyncStatus.FAILED

    assert await source_state(sessions) == {"next": "page-2"}
    assert "yoga" in await offerings(sessions)
    assert await sync(sessions, client) is SyncStatus.SUCCEEDED
    assert feed.states[-1] == {"next": "page-2"}
    assert sorted(await offerings(sessions)) == ["dance", "yoga"]


async def test_not_modified_source_succeeds_and_changes_nothing(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    feed.syncs.append([COOP, YOGA])
    feed.syncs.append([NotModified("http://feeds.invalid/rpde")])
    await sync(sessions, client)
    before = {k: (o.status, o.content_hash) for k, o in (await offerings(sessions)).items()}

    run = await sync_source(sessions, CONFIG, client)

    assert (run.status, run.not_modified, run.fetched) == (SyncStatus.SUCCEEDED, True, 0)
    after = {k: (o.status, o.content_hash) for k, o in (await offerings(sessions)).items()}
    assert after == before


async def test_schedules_are_stored_with_their_recurrence(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    weekly = ScheduleRecord(
        start=MONDAY,
        end=MONDAY + timedelta(hours=1),
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=10",
        exdates=(MONDAY + timedelta(weeks=3),),
    )
    feed.syncs.append(
        [
            COOP,
            OfferingRecord(
                "yoga", "org-coop", "Yoga", categories=("mind-body",), schedules=(weekly,)
            ),
        ]
    )
    feed.syncs.append([COOP, OfferingRecord("yoga", "org-coop", "Yoga", categories=("mind-body",))])
    await sync(sessions, client)

    async with sessions() as session:
        stored = (await session.execute(sa.select(Schedule))).scalar_one()
    assert (stored.starts_at, stored.rrule, stored.timezone) == (
        MONDAY,
        "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
        "Europe/Rome",
    )
    assert stored.exdates == (MONDAY + timedelta(weeks=3)).isoformat()

    await sync(sessions, client)

    async with sessions() as session:
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(Schedule))
        ).scalar() == 0


async def test_invalid_schedule_quarantines_its_offering(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed
) -> None:
    broken = ScheduleRecord(start=MONDAY, rrule="FREQ=SOMETIMES")
    lost = ScheduleRecord(start=MONDAY, timezone="Europe/Atlantis")
    feed.syncs.append(
        [
            COOP,
            OfferingRecord("a", "org-coop", "A", categories=("courses",), schedules=(broken,)),
            OfferingRecord("b", "org-coop", "B", categories=("courses",), schedules=(lost,)),
            YOGA,
        ]
    )

    run = await sync_source(sessions, CONFIG, client)

    assert run.quarantined == 2
    assert sorted(await offerings(sessions)) == ["yoga"]


async def test_a_second_sync_of_a_source_being_synced_is_refused(
    sessions: Sessions, client: httpx.AsyncClient, feed: Feed, engine: AsyncEngine
) -> None:
    async with sessions.begin() as session:
        source_id = (await ensure_source(session, CONFIG)).id or 0
    feed.syncs.append([COOP])

    async with source_lock(engine, source_id, CONFIG.name):
        with pytest.raises(SyncInProgress, match="already running"):
            await sync_source(sessions, CONFIG, client)

    assert await sync(sessions, client) is SyncStatus.SUCCEEDED


async def test_while_one_sync_holds_the_lock_every_other_attempt_is_refused(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    async with sessions.begin() as session:
        source_id = (await ensure_source(session, CONFIG)).id or 0
    held, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with source_lock(engine, source_id, CONFIG.name):
            held.set()
            await release.wait()

    async def attempt() -> bool:
        try:
            async with source_lock(engine, source_id, CONFIG.name):
                return True
        except SyncInProgress:
            return False

    holding = asyncio.create_task(holder())
    await held.wait()
    refused = await asyncio.gather(*(attempt() for _ in range(4)))
    release.set()
    await holding

    assert refused == [False] * 4
    assert await attempt() is True


async def test_an_expired_lease_of_a_crashed_process_is_taken_over(
    client: httpx.AsyncClient, feed: Feed, tmp_path: Path
) -> None:
    # Leases are how SQLite locks a source (PostgreSQL's advisory locks end with the
    # session), so this runs on a SQLite file whatever the suite's backend.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lease.db'}")
    await init_db(engine)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:
            source = await ensure_source(session, CONFIG)
            source.locked_by = "crashed-host:4242:dead"
            source.locked_until = datetime.now(UTC) - timedelta(seconds=1)
        feed.syncs.append([COOP])

        assert await sync(sessions, client) is SyncStatus.SUCCEEDED
        async with sessions() as session:
            released = (
                await session.execute(sa.select(Source).where(col(Source.name) == CONFIG.name))
            ).scalar_one()
        assert (released.locked_by, released.locked_until) == (None, None)
    finally:
        await engine.dispose()


async def test_a_live_lease_blocks_another_process(
    client: httpx.AsyncClient, feed: Feed, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lease.db'}")
    await init_db(engine)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:
            source = await ensure_source(session, CONFIG)
            source.locked_by = "other-host:4242:live"
            source.locked_until = datetime.now(UTC) + timedelta(minutes=5)
        with pytest.raises(SyncInProgress):
            await sync_source(sessions, CONFIG, client)
    finally:
        await engine.dispose()
