"""What the sync engine derives from offerings beside their rows: the eligibility rule
their source gives (models.audience), and the precomputed occurrences of their
schedules (models.availability)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from connectors.config import SourceConfig
from connectors.fetch import Fetcher, NotModified
from connectors.mapping import Classifier
from connectors.records import Item, OfferingRecord, ProviderRecord, ScheduleRecord
from connectors.registry import CONNECTORS
from connectors.sync import sync_source
from models import (
    EligibilityRule,
    Occurrence,
    Offering,
    RuleScope,
    Schedule,
    SyncProblem,
    SyncRun,
    SyncStatus,
)
from models.audience import source_rule
from models.availability import HORIZON
from models.db import session_factory
from models.recurrence import expand
from models.rule import rule_hash
from models.types import row_id, utc_now
from tests.utils.feeds import bundle, organization, service, source

Sessions = async_sessionmaker[AsyncSession]

ROME = ZoneInfo("Europe/Rome")
COOP = ProviderRecord(external_id="org-coop", name="Cooperativa Sociale Isola")
NIDO = OfferingRecord(
    "svc-nido",
    "org-coop",
    "Micronido",
    categories=("early-childhood",),
    eligibility='{"category": ["SME_EMPLOYEE", "ALLIANCE_EMPLOYEE"]}',
    max_age=3,
)
YOGA = OfferingRecord("svc-yoga", "org-coop", "Yoga al mattino", categories=("mind-body",))
# A Monday in the past: the weekly rule below has occurrences before and after now.
FIRST_MONDAY = datetime(2025, 9, 1, 18, 0, tzinfo=ROME)
WEEKLY = ScheduleRecord(
    start=FIRST_MONDAY, end=FIRST_MONDAY + timedelta(hours=1), rrule="FREQ=WEEKLY;BYDAY=MO"
)
OPEN_DAY = ScheduleRecord(
    start=datetime(2026, 5, 16, 10, 0, tzinfo=ROME), end=datetime(2026, 5, 16, 13, 0, tzinfo=ROME)
)


class Catalogue:
    """A scripted snapshot connector: each sync reads `items` as they are then, or is
    answered "not modified"."""

    complete_snapshot = True

    def __init__(self) -> None:
        self.classifier = Classifier()
        self.items: list[Item] = []
        self.not_modified = False

    def __call__(
        self, _source: SourceConfig, _fetcher: Fetcher, _state: Mapping[str, object]
    ) -> Catalogue:
        return self

    async def records(self) -> AsyncIterator[Item]:
        if self.not_modified:
            raise NotModified(CONFIG.url)
        for item in self.items:
            yield item

    def put(self, record: OfferingRecord) -> None:
        """Replace the offering with the external id of `record`."""
        self.items = [
            record
            if isinstance(item, OfferingRecord) and item.external_id == record.external_id
            else item
            for item in self.items
        ]


CONFIG = SourceConfig(name="isola", kind="catalogue", url="http://feeds.invalid/catalogue")


@pytest.fixture
def sessions(engine: AsyncEngine) -> Sessions:
    return session_factory(engine)


@pytest.fixture
def catalogue(monkeypatch: pytest.MonkeyPatch) -> Catalogue:
    scripted = Catalogue()
    scripted.items = [COOP, NIDO, YOGA]
    monkeypatch.setitem(CONNECTORS, "catalogue", scripted)
    return scripted


async def sync(sessions: Sessions, client: httpx.AsyncClient) -> SyncRun:
    run = await sync_source(sessions, CONFIG, client)
    assert run.status is SyncStatus.SUCCEEDED, run.error
    return run


async def offering_ids(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(sa.select(col(Offering.external_id), col(Offering.id)))
        return {str(external_id): row_id(id_) for external_id, id_ in rows}


async def stored_rules(sessions: Sessions) -> list[EligibilityRule]:
    async with sessions() as session:
        query = sa.select(EligibilityRule).order_by(col(EligibilityRule.id))
        return list((await session.execute(query)).scalars())


async def problems(sessions: Sessions, run: SyncRun) -> list[tuple[str, str | None, str]]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(
                col(SyncProblem.record_kind), col(SyncProblem.external_id), col(SyncProblem.reason)
            ).where(col(SyncProblem.sync_run_id) == run.id)
        )
        return [(kind, external_id, reason) for kind, external_id, reason in rows]


async def schedules(sessions: Sessions, offering_id: int) -> list[Schedule]:
    async with sessions() as session:
        query = sa.select(Schedule).where(col(Schedule.offering_id) == offering_id)
        return list((await session.execute(query.order_by(col(Schedule.position)))).scalars())


async def occurrences(sessions: Sessions, offering_id: int) -> list[tuple[datetime, datetime]]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(col(Occurrence.starts_at), col(Occurrence.ends_at))
            .where(col(Occurrence.offering_id) == offering_id)
            .order_by(col(Occurrence.starts_at))
        )
        return [(start, end) for start, end in rows]


def expanded(schedule: Schedule) -> list[tuple[datetime, datetime]]:
    """The occurrences of a schedule from its start to its stored horizon."""
    assert schedule.expanded_until is not None
    found = expand(schedule, schedule.starts_at, schedule.expanded_until)
    return [(occurrence.start, occurrence.end) for occurrence in found]


# --- Source rules ------------------------------------------------------------------------


async def test_offering_with_eligibility_and_ages_gets_one_source_rule(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    run = await sync(sessions, client)

    [rule] = await stored_rules(sessions)
    body = '{"all":[{"category":["ALLIANCE_EMPLOYEE","SME_EMPLOYEE"]},{"childAge":{"max":3}}]}'
    assert body == source_rule(NIDO)
    assert (rule.scope, rule.offering_id, rule.source_id, rule.key) == (
        RuleScope.OFFERING,
        (await offering_ids(sessions))["svc-nido"],
        run.source_id,
        None,
    )
    assert (rule.area, rule.provider_id) == (None, None)
    assert (rule.body, rule.body_hash) == (body, rule_hash(body))
    assert len(rule.body_hash) == 64


async def test_unchanged_resync_keeps_the_source_rule(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    await sync(sessions, client)
    before = await stored_rules(sessions)

    run = await sync(sessions, client)

    assert run.unchanged == 3
    after = await stored_rules(sessions)
    assert [(r.id, r.body, r.updated_at) for r in after] == [
        (r.id, r.body, r.updated_at) for r in before
    ]


async def test_changed_record_replaces_its_source_rule(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    await sync(sessions, client)
    changed = replace(NIDO, eligibility='{"employerAllianceMember": true}', max_age=2)
    catalogue.put(changed)

    run = await sync(sessions, client)

    assert run.updated == 1
    [rule] = await stored_rules(sessions)
    body = '{"all":[{"employerAllianceMember":true},{"childAge":{"max":2}}]}'
    assert (rule.offering_id, rule.body, rule.body_hash) == (
        (await offering_ids(sessions))["svc-nido"],
        body,
        rule_hash(body),
    )


async def test_change_elsewhere_in_the_record_leaves_one_source_rule(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    await sync(sessions, client)
    catalogue.put(replace(NIDO, title_it="Micronido aziendale"))

    await sync(sessions, client)

    assert [rule.body for rule in await stored_rules(sessions)] == [source_rule(NIDO)]


async def test_record_that_drops_its_restrictions_loses_its_source_rule(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    catalogue.put(replace(NIDO, eligibility=None, min_age=6, max_age=14))
    await sync(sessions, client)
    assert [rule.body for rule in await stored_rules(sessions)] == [
        '{"childAge":{"max":14,"min":6}}'
    ]
    catalogue.put(replace(NIDO, eligibility=None, min_age=None, max_age=None))

    await sync(sessions, client)

    assert await stored_rules(sessions) == []


async def test_record_gaining_ages_gets_a_source_rule(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    await sync(sessions, client)
    catalogue.put(replace(YOGA, min_age=65))

    await sync(sessions, client)

    bodies = {rule.offering_id: rule.body for rule in await stored_rules(sessions)}
    ids = await offering_ids(sessions)
    assert bodies == {
        ids["svc-nido"]: source_rule(NIDO),
        ids["svc-yoga"]: '{"any":[{"age":{"min":65}},{"dependentParent":true}]}',
    }


async def test_registry_rule_on_an_offering_survives_syncs_that_change_it(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    await sync(sessions, client)
    body = '{"employerAllianceMember":true}'
    async with sessions.begin() as session:
        session.add(
            EligibilityRule(
                scope=RuleScope.OFFERING,
                offering_id=(await offering_ids(sessions))["svc-nido"],
                key="nido-solo-alleanza",
                body=body,
                body_hash=rule_hash(body),
            )
        )
    [registry] = [rule for rule in await stored_rules(sessions) if rule.key is not None]
    catalogue.put(replace(NIDO, eligibility=None, max_age=2))
    await sync(sessions, client)
    catalogue.put(replace(NIDO, eligibility=None, max_age=None))

    await sync(sessions, client)

    [kept] = await stored_rules(sessions)
    assert (kept.id, kept.key, kept.source_id, kept.offering_id, kept.body) == (
        registry.id,
        "nido-solo-alleanza",
        None,
        registry.offering_id,
        body,
    )


async def test_offering_with_an_invalid_eligibility_rule_is_quarantined_and_the_rest_loads(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    catalogue.items.append(
        OfferingRecord(
            "svc-sbagliato",
            "org-coop",
            "Doposcuola",
            categories=("after-school",),
            eligibility='{"age": {"min": 40, "max": 30}}',
        )
    )

    run = await sync_source(sessions, CONFIG, client)

    assert (run.status, run.created, run.quarantined) == (SyncStatus.SUCCEEDED, 3, 1)
    [(kind, external_id, reason)] = await problems(sessions, run)
    assert (kind, external_id) == ("offering", "svc-sbagliato")
    assert "invalid eligibility rule" in reason
    assert "rule.age: 'min' must not exceed 'max'" in reason
    assert sorted(await offering_ids(sessions)) == ["svc-nido", "svc-yoga"]
    assert [rule.body for rule in await stored_rules(sessions)] == [source_rule(NIDO)]


async def test_invalid_eligibility_change_keeps_the_last_good_rule(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    await sync(sessions, client)
    catalogue.put(replace(NIDO, eligibility='{"category": []}'))

    run = await sync(sessions, client)

    assert (run.updated, run.quarantined) == (0, 1)
    assert [rule.body for rule in await stored_rules(sessions)] == [source_rule(NIDO)]


async def test_hsds_ages_become_the_source_rule(
    sessions: Sessions, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(
        orjson.dumps(
            bundle(
                organizations=[organization("org-1")],
                services=[
                    service("svc-anziani", categories=["elderly-care"], minimum_age=65),
                    service("svc-ragazzi", categories=["courses"], minimum_age=14, maximum_age=21),
                    service("svc-tutti", categories=["courses"], minimum_age=0),
                ],
            )
        )
    )

    run = await sync_source(sessions, source(str(path)), client)

    assert (run.status, run.created) == (SyncStatus.SUCCEEDED, 4)
    ids = await offering_ids(sessions)
    bodies = {rule.offering_id: rule.body for rule in await stored_rules(sessions)}
    assert bodies == {
        ids["svc-anziani"]: '{"any":[{"age":{"min":65}},{"dependentParent":true}]}',
        ids["svc-ragazzi"]: (
            '{"any":[{"age":{"max":21,"min":14}},{"childAge":{"max":21,"min":14}}]}'
        ),
    }


# --- Occurrences -------------------------------------------------------------------------


async def test_schedules_are_expanded_into_occurrences_up_to_the_horizon(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    catalogue.put(replace(YOGA, schedules=(WEEKLY,)))
    catalogue.put(replace(NIDO, schedules=(OPEN_DAY,)))
    before = utc_now()

    await sync(sessions, client)

    after = utc_now()
    ids = await offering_ids(sessions)
    [weekly] = await schedules(sessions, ids["svc-yoga"])
    assert weekly.expanded_until is not None
    assert before + HORIZON <= weekly.expanded_until <= after + HORIZON
    stored = await occurrences(sessions, ids["svc-yoga"])
    assert stored == expanded(weekly)
    assert stored[0] == (FIRST_MONDAY, FIRST_MONDAY + timedelta(hours=1))
    assert stored[-1][0] > after + HORIZON - timedelta(weeks=1)
    [once] = await schedules(sessions, ids["svc-nido"])
    assert once.expanded_until is None
    assert await occurrences(sessions, ids["svc-nido"]) == [(OPEN_DAY.start, OPEN_DAY.end)]


async def test_changed_schedule_replaces_the_occurrences(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    catalogue.put(replace(YOGA, schedules=(WEEKLY,)))
    await sync(sessions, client)
    tuesdays = replace(WEEKLY, rrule="FREQ=WEEKLY;BYDAY=TU")
    catalogue.put(replace(YOGA, schedules=(tuesdays,)))

    await sync(sessions, client)

    yoga = (await offering_ids(sessions))["svc-yoga"]
    [schedule] = await schedules(sessions, yoga)
    stored = await occurrences(sessions, yoga)
    assert stored == expanded(schedule)
    # DTSTART (a Monday) is always an occurrence; every other one is now a Tuesday.
    assert stored[0][0] == FIRST_MONDAY
    assert {start.astimezone(ROME).strftime("%a %H:%M") for start, _ in stored[1:]} == {"Tue 18:00"}


async def test_schedule_removed_from_a_record_leaves_no_occurrences(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    catalogue.put(replace(YOGA, schedules=(WEEKLY, OPEN_DAY)))
    await sync(sessions, client)
    catalogue.put(YOGA)

    await sync(sessions, client)

    yoga = (await offering_ids(sessions))["svc-yoga"]
    assert await schedules(sessions, yoga) == []
    assert await occurrences(sessions, yoga) == []


async def shorten_horizon(sessions: Sessions, offering_id: int, until: datetime) -> None:
    """Make the stored occurrences of an offering end at `until`, as time passing would."""
    async with sessions.begin() as session:
        await session.execute(
            sa.update(Schedule)
            .where(col(Schedule.offering_id) == offering_id)
            .values(expanded_until=until)
        )
        await session.execute(
            sa.delete(Occurrence).where(
                col(Occurrence.offering_id) == offering_id, col(Occurrence.starts_at) >= until
            )
        )


async def test_sync_extends_occurrences_that_run_out(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    catalogue.put(replace(YOGA, schedules=(WEEKLY,)))
    await sync(sessions, client)
    yoga = (await offering_ids(sessions))["svc-yoga"]
    await shorten_horizon(sessions, yoga, utc_now() + timedelta(days=7))
    before = utc_now()

    run = await sync(sessions, client)

    assert run.unchanged == 3
    [schedule] = await schedules(sessions, yoga)
    assert schedule.expanded_until is not None
    assert schedule.expanded_until >= before + HORIZON
    assert await occurrences(sessions, yoga) == expanded(schedule)


async def test_not_modified_sync_extends_occurrences_that_run_out(
    sessions: Sessions, client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    catalogue.put(replace(YOGA, schedules=(WEEKLY,)))
    await sync(sessions, client)
    yoga = (await offering_ids(sessions))["svc-yoga"]
    await shorten_horizon(sessions, yoga, utc_now() + timedelta(days=7))
    catalogue.not_modified = True
    before = utc_now()

    run = await sync(sessions, client)

    assert run.not_modified
    [schedule] = await schedules(sessions, yoga)
    assert schedule.expanded_until is not None
    assert schedule.expanded_until >= before + HORIZON
