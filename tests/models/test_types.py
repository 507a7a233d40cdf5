from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from models import Source, SyncRun, SyncStatus
from models.db import session_factory
from models.types import row_id, utc_now

MILAN_SUMMER = timezone(timedelta(hours=2))


async def test_aware_datetime_round_trips_as_the_same_instant_in_utc(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    created = datetime(2024, 6, 1, 9, 30, 15, 123456, tzinfo=MILAN_SUMMER)
    async with sessions.begin() as session:
        session.add(Source(name="isola", kind="hsds", url="x.json", created_at=created))

    async with sessions() as session:
        stored = (await session.execute(sa.select(col(Source.created_at)))).scalar_one()

    assert stored == created
    assert stored.tzinfo is UTC
    assert stored == datetime(2024, 6, 1, 7, 30, 15, 123456, tzinfo=UTC)


async def test_unset_datetime_round_trips_as_none(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        source = Source(name="isola", kind="hsds", url="x.json")
        session.add(source)
        await session.flush()
        session.add(SyncRun(source_id=row_id(source.id)))

    async with sessions() as session:
        run = (await session.execute(sa.select(SyncRun))).scalar_one()

    assert run.finished_at is None
    assert run.started_at.tzinfo is UTC
    assert run.status is SyncStatus.RUNNING


async def test_datetimes_order_by_instant_whatever_their_offset(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    early = datetime(2024, 6, 1, 10, 0, tzinfo=MILAN_SUMMER)  # 08:00 UTC
    late = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        session.add_all(
            [
                Source(name="late", kind="hsds", url="a.json", created_at=late),
                Source(name="early", kind="hsds", url="b.json", created_at=early),
            ]
        )

    async with sessions() as session:
        names = await session.execute(sa.select(col(Source.name)).order_by(col(Source.created_at)))

    assert names.scalars().all() == ["early", "late"]


async def test_naive_datetime_is_rejected_and_nothing_is_stored(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    naive = datetime(2024, 6, 1, 9, 30)  # noqa: DTZ001 - the value under test

    with pytest.raises(sa.exc.StatementError, match="naive datetimes are not stored"):
        async with sessions.begin() as session:
            session.add(Source(name="isola", kind="hsds", url="x.json", created_at=naive))

    async with sessions() as session:
        count = (await session.execute(sa.select(sa.func.count()).select_from(Source))).scalar()
    assert count == 0


async def test_enum_column_stores_the_enum_value(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        source = Source(name="isola", kind="hsds", url="x.json")
        session.add(source)
        await session.flush()
        session.add(SyncRun(source_id=row_id(source.id), status=SyncStatus.SUCCEEDED))

    async with engine.connect() as conn:
        raw = (await conn.execute(sa.text("SELECT status FROM sync_run"))).scalar_one()

    assert raw == "SUCCEEDED"


def test_utc_now_is_aware_and_in_utc() -> None:
    now = utc_now()

    assert now.tzinfo is UTC
    assert abs(datetime.now(UTC) - now) < timedelta(minutes=1)


def test_row_id_returns_a_flushed_primary_key() -> None:
    assert row_id(42) == 42
    assert row_id(0) == 0


def test_row_id_of_an_unflushed_row_raises() -> None:
    with pytest.raises(RuntimeError, match="flush it first"):
        row_id(Source(name="isola", kind="hsds", url="x.json").id)
