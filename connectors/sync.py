"""The sync engine: reads a source through its connector and hands what it reads to the
catalogue (models.catalogue), the same for every connector.

Records go to the catalogue in batches, one transaction each (it upserts them by source
and external id, skips unchanged ones by their content hash, and maintains everything
derived); what it refuses and what the connector could not read is quarantined with its
root cause; offerings missing from a complete snapshot are withdrawn, never deleted; a
failed read withdraws nothing. A run keeps counts, not records: what it has seen is
marked on the rows, what it quarantined is stored batch by batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from connectors.config import ConfigError, SourceConfig, format_duration
from connectors.fetch import Fetcher, FetchError, NotModified
from connectors.locks import SourceLock, source_lock
from connectors.records import (
    Checkpoint,
    Deletion,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    Record,
    SlotRecord,
)
from connectors.registry import Connector, connector_for
from connectors.runs import LEASE, bury_dead_runs, heartbeat, lease_end
from models import Source, SyncProblem, SyncRun, SyncStatus, SyncTerm
from models.audit import Actor, ActorKind
from models.catalogue import REGISTRY_PRIORITY, Catalogue, Outcome, Writer
from models.db import engine_of
from models.types import row_id, utc_now

log = logging.getLogger(__name__)

BATCH_SIZE = 500
Progress = Callable[[int], None]
Entry = Record | Deletion | Problem

# Quarantined providers whose reasons a run remembers (a feed has a few hundred at most).
MAX_REMEMBERED = 10_000

# What a record kind is called in problems and deletions.
KINDS: dict[type[Record], str] = {
    ProviderRecord: "provider",
    LocationRecord: "location",
    OfferingRecord: "offering",
    SlotRecord: "slot",
}
CANCELLED = "cancelled: the process was stopped before the sync finished"


class SyncTimedOut(Exception):
    """A sync took longer than its time limit."""


@dataclass
class _Counts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    quarantined: int = 0

    def add(self, outcome: Outcome) -> None:
        self.created += outcome.created
        self.updated += outcome.updated
        self.unchanged += outcome.unchanged


async def ensure_source(session: AsyncSession, config: SourceConfig) -> Source:
    """The Source row for `config`, created or brought up to date."""
    source = (
        await session.execute(sa.select(Source).where(col(Source.name) == config.name))
    ).scalar_one_or_none()
    if source is None:
        source = Source(name=config.name, kind=config.kind, url=config.shown_url)
        session.add(source)
    source.kind, source.url, source.description = config.kind, config.shown_url, config.description
    await session.flush()
    return source


async def sync_source(
    sessions: async_sessionmaker[AsyncSession],
    config: SourceConfig,
    client: httpx.AsyncClient,
    *,
    fetcher: Fetcher | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    lease: timedelta = LEASE,
    time_limit: timedelta | None = None,
) -> SyncRun:
    """Pull `config` into the database and return the finished SyncRun.

    Raises SyncInProgress, without recording a run, when the source is being synced
    elsewhere; every other outcome is recorded in the run: a sync past `time_limit` is
    cut off and FAILED; cancelled (the process stopping), it is FAILED and the
    cancellation goes on. The run's lease, renewed while it works, is `lease`.
    """
    async with sessions.begin() as session:
        source = await ensure_source(session, config)
        source_id, state = row_id(source.id), dict(source.state or {})
    engine = engine_of(sessions)
    async with source_lock(engine, source_id, config.name, lease) as lock:
        connector = connector_for(config, fetcher or Fetcher(client), state)
        async with sessions.begin() as session:
            await bury_dead_runs(session, [source_id], lock_held=True)
            run = SyncRun(source_id=source_id, lease_until=lease_end(lease))
            session.add(run)
        try:
            identity = _identity(config, source_id, row_id(run.id))
        except ConfigError as error:  # not left RUNNING until its lease expires
            await _finish(sessions, run, _Counts(), SyncStatus.FAILED, str(error), connector)
            raise
        writer = _Writer(sessions, lock, identity, config, lease)

        async def finish(status: SyncStatus, error: str | None = None) -> None:
            await _finish(sessions, run, writer.counts, status, error, connector)

        async with heartbeat(engine, row_id(run.id), lock, lease):
            try:
                await _bounded(_read(connector, writer, batch_size, progress), time_limit)
            except NotModified:
                run.not_modified = True
                await writer.extend_occurrences()
                await finish(SyncStatus.SUCCEEDED)
            except (FetchError, SyncTimedOut) as error:
                message = config.summarise(str(error))
                log.warning("sync of %s failed: %s", config.name, message)
                await finish(SyncStatus.FAILED, message)
            except asyncio.CancelledError:
                await finish(SyncStatus.FAILED, CANCELLED)
                raise
            except Exception as error:
                await finish(SyncStatus.FAILED, config.summarise(f"internal error: {error!r}"))
                raise
            else:
                await finish(SyncStatus.SUCCEEDED)
    return run


async def _read(
    connector: Connector, writer: _Writer, batch_size: int, progress: Progress | None
) -> None:
    await _drain(connector.records(), writer, batch_size, progress)
    if connector.complete_snapshot:
        await writer.withdraw_unlisted()
    await writer.extend_occurrences()


async def _bounded(work: Coroutine[Any, Any, None], limit: timedelta | None) -> None:
    """`work`, cancelled and reported as SyncTimedOut past `limit`."""
    deadline = asyncio.timeout(None if limit is None else limit.total_seconds())
    try:
        async with deadline:
            await work
    except TimeoutError:
        if not deadline.expired():
            raise
        shown = format_duration(limit) if limit else "?"
        raise SyncTimedOut(f"timed out: the sync took longer than its limit of {shown}") from None


async def _drain(
    items: AsyncIterator[Item], writer: _Writer, batch_size: int, progress: Progress | None
) -> None:
    """Feed a connector's items to the writer in batches; a checkpoint commits the
    batch before it and then stores the connector's state."""
    batch: list[Entry] = []

    async def flush() -> None:
        nonlocal batch
        await writer.write(batch)
        if progress and batch:
            progress(len(batch))
        batch = []

    async for item in items:
        if isinstance(item, Checkpoint):
            await flush()
            await writer.save_state(item.state)
        else:
            writer.counts.fetched += 1
            batch.append(item)
            if len(batch) >= batch_size:
                await flush()
    await flush()


async def _finish(
    sessions: async_sessionmaker[AsyncSession],
    run: SyncRun,
    counts: _Counts,
    status: SyncStatus,
    error: str | None,
    connector: Connector,
) -> None:
    """Record how the run ended: its counts and unmapped terms (its quarantined records
    were stored with their batches)."""
    run.status, run.error, run.finished_at = status, error, utc_now()
    run.fetched, run.created, run.updated = counts.fetched, counts.created, counts.updated
    run.unchanged, run.withdrawn = counts.unchanged, counts.withdrawn
    run.quarantined = counts.quarantined
    async with sessions.begin() as session:
        run = await session.merge(run)
        session.add_all(
            SyncTerm(sync_run_id=row_id(run.id), term=term[:500], count=count)
            for term, count in connector.classifier.unmapped.items()
        )


class _Writer:
    """Hands one source's batches to the catalogue and keeps the run's counts and the
    quarantine; remembers nothing per record but the reasons of quarantined providers."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        lock: SourceLock,
        identity: Writer,
        config: SourceConfig,
        lease: timedelta,
    ) -> None:
        self.sessions = sessions
        self.lock = lock
        self.identity = identity
        self.config = config
        self.lease = lease
        self.counts = _Counts()
        # Why providers were quarantined in this run: an offering of one of them is
        # quarantined for that root cause, not for a downstream symptom.
        self.quarantined_providers: dict[str, str] = {}

    async def write(self, batch: Sequence[Entry]) -> None:
        """Apply one batch in one transaction (the last word on an id wins), storing what
        was quarantined with it."""
        if not batch:
            return
        records: list[Record] = []
        deletions: dict[str, list[str]] = {"offering": [], "slot": []}
        problems = [item for item in batch if isinstance(item, Problem)]
        for item in _last_word([item for item in batch if not isinstance(item, Problem)]):
            if isinstance(item, Deletion):
                if item.record_kind in deletions:
                    deletions[item.record_kind].append(item.external_id)
                else:
                    log.info(
                        "ignoring the deletion of a %s (only offerings and slots)", item.record_kind
                    )
            else:
                records.append(item)
        async with self.sessions.begin() as session:
            catalogue = Catalogue(session, self.identity)
            outcome = await catalogue.write(records)
            self.counts.add(outcome)
            self.counts.withdrawn += await catalogue.withdraw(deletions["offering"])
            await catalogue.cancel_slots(deletions["slot"])
            # An unreadable offering keeps its last good version rather than being
            # withdrawn as absent.
            await catalogue.still_listed(
                [p.external_id for p in problems if p.record_kind == "offering" and p.external_id]
            )
            await self._quarantine(session, [*problems, *self._problems(outcome)])
            await self._record_progress(session)
        await self.lock.renew()

    async def _record_progress(self, session: AsyncSession) -> None:
        """The run's counts so far and a renewed lease, committed with the batch they
        count: a run whose process dies shows what it had done."""
        await session.execute(
            sa.update(SyncRun)
            .where(col(SyncRun.id) == self.identity.run_id)
            .values(**asdict(self.counts), lease_until=lease_end(self.lease))
        )

    def _problems(self, outcome: Outcome) -> list[Problem]:
        """The catalogue's refusals as problems, each led by its root cause: a provider
        quarantined in this run explains its offerings' refusals."""
        for refusal in outcome.refused:
            record = refusal.record
            if (
                isinstance(record, ProviderRecord)
                and len(self.quarantined_providers) < MAX_REMEMBERED
            ):
                self.quarantined_providers[record.external_id] = refusal.reason
        problems = []
        for refusal in outcome.refused:
            record = refusal.record
            if refusal.invalid:
                reason = with_root_cause(record, refusal.reason, self.quarantined_providers)
            else:
                reason = provider_cause(record, self.quarantined_providers) or refusal.reason
            problems.append(Problem(KINDS[type(record)], record.external_id, reason))
        return problems

    async def _quarantine(self, session: AsyncSession, problems: list[Problem]) -> None:
        if problems:
            await session.execute(
                sa.insert(SyncProblem),
                [
                    {
                        "sync_run_id": self.identity.run_id,
                        "record_kind": problem.record_kind,
                        "external_id": problem.external_id,
                        # Connectors quote what they read: URLs, and paths of the server.
                        "reason": self.config.summarise(problem.reason),
                    }
                    for problem in problems
                ],
            )
        self.counts.quarantined += len(problems)

    async def save_state(self, state: dict[str, object]) -> None:
        """Store the connector's checkpoint (everything before it is committed)."""
        async with self.sessions.begin() as session:
            await session.execute(
                sa.update(Source)
                .where(col(Source.id) == self.identity.source_id)
                .values(state=state)
            )

    async def withdraw_unlisted(self) -> None:
        """Withdraw this source's offerings that the complete snapshot no longer lists."""
        async with self.sessions.begin() as session:
            self.counts.withdrawn += await Catalogue(session, self.identity).withdraw_unlisted()
            await self._record_progress(session)

    async def extend_occurrences(self) -> None:
        async with self.sessions.begin() as session:
            await Catalogue(session, self.identity).extend_occurrences()


def provider_cause(record: Record, quarantined_providers: Mapping[str, str]) -> str | None:
    """An offering's reason when its provider was quarantined in this read (the root
    cause, whatever else is wrong with it); None when it was not."""
    if not isinstance(record, OfferingRecord):
        return None
    cause = quarantined_providers.get(record.provider_external_id)
    if cause is None:
        return None
    return f"its provider {record.provider_external_id!r} is quarantined: {cause}"


def with_root_cause(record: Record, reason: str, quarantined_providers: Mapping[str, str]) -> str:
    """A record's reason, led by its provider's when that was quarantined."""
    cause = provider_cause(record, quarantined_providers)
    return reason if cause is None else f"{cause} (and: {reason})"


def _identity(config: SourceConfig, source_id: int, run_id: int) -> Writer:
    """The source as the catalogue's writer: its `priority` option (default 0: whose
    fields a merged provider shows) and its `provider_links` (its organisations without a
    partita IVA that are another source's: external id -> "<source>/<external id>" or
    "vat:<partita IVA>")."""
    priority = config.options.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise ConfigError(f"source {config.name!r}: option 'priority' must be an integer")
    if not -REGISTRY_PRIORITY < priority < REGISTRY_PRIORITY:
        raise ConfigError(
            f"source {config.name!r}: option 'priority' must be between "
            f"{-REGISTRY_PRIORITY + 1} and {REGISTRY_PRIORITY - 1} (the registry outranks sources)"
        )
    links = config.options.get("provider_links", {})
    if not isinstance(links, dict) or not all(
        isinstance(key, str) and isinstance(value, str) and _names_provider(value)
        for key, value in links.items()
    ):
        raise ConfigError(
            f"source {config.name!r}: option 'provider_links' must be a table of this source's"
            ' provider ids to "<source name>/<external id>" or "vat:<partita IVA>"'
        )
    actor = Actor(ActorKind.SOURCE, config.name, source_id=source_id, run_id=run_id)
    return Writer(source_id, utc_now(), run_id, priority, dict(links), actor)


def _names_provider(value: str) -> bool:
    if value.startswith("vat:"):
        return value.removeprefix("vat:").isdigit()
    source_name, slash, external_id = value.partition("/")
    return bool(slash and source_name and external_id)


def _last_word(batch: Sequence[Record | Deletion]) -> list[Record | Deletion]:
    """One item per (kind, external id): the last a source said about it in the batch."""
    last: dict[tuple[str, str], Record | Deletion] = {}
    for item in batch:
        kind = item.record_kind if isinstance(item, Deletion) else KINDS[type(item)]
        last.pop((kind, item.external_id), None)
        last[(kind, item.external_id)] = item
    return list(last.values())
