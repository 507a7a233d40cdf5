"""The sync engine: the one place that writes synced data, the same for every connector.

Records are upserted by (source, external id) in batches, one transaction each; a content
hash skips unchanged records; invalid records are quarantined; offerings missing from a
complete snapshot are withdrawn, never deleted; a failed read withdraws nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from connectors.audience import source_rule
from connectors.config import ConfigError, SourceConfig
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
    content_hash,
)
from connectors.registry import Connector, connector_for
from connectors.validation import InvalidRecord, check, offering_area, schedule_values
from models import (
    Category,
    CostOption,
    EligibilityRule,
    Location,
    Offering,
    OfferingCategory,
    OfferingLanguage,
    OfferingLocation,
    OfferingStatus,
    Provider,
    ProviderLink,
    RuleScope,
    Schedule,
    Slot,
    SlotStatus,
    Source,
    SyncProblem,
    SyncRun,
    SyncStatus,
    SyncTerm,
)
from models.availability import extend_occurrences, refresh_occurrences
from models.db import engine_of
from models.district import in_district
from models.rule import refresh_rule_sets, rule_hash
from models.taxonomy import CATEGORY_INFO
from models.text import fold, search_document
from models.types import row_id, utc_now

log = logging.getLogger(__name__)

BATCH_SIZE = 500
Progress = Callable[[int], None]
R = TypeVar("R", ProviderRecord, LocationRecord, OfferingRecord, SlotRecord)

# Quarantined providers whose reasons a run remembers (a feed has a few hundred at most).
MAX_REMEMBERED = 10_000

# What a record kind is called in problems and deletions.
KINDS: dict[type[Record], str] = {
    ProviderRecord: "provider",
    LocationRecord: "location",
    OfferingRecord: "offering",
    SlotRecord: "slot",
}


@dataclass
class _Counts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    problems: list[Problem] = field(default_factory=list)


async def ensure_source(session: AsyncSession, config: SourceConfig) -> Source:
    """The Source row for `config`, created or brought up to date."""
    source = (
        await session.execute(sa.select(Source).where(col(Source.name) == config.name))
    ).scalar_one_or_none()
    if source is None:
        source = Source(name=config.name, kind=config.kind, url=config.url)
        session.add(source)
    source.kind, source.url, source.description = config.kind, config.url, config.description
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
) -> SyncRun:
    """Pull `config` into the database and return the finished SyncRun.

    Raises SyncInProgress, without recording a run, when the source is being synced
    elsewhere; every other outcome is recorded in the run.
    """
    async with sessions.begin() as session:
        source = await ensure_source(session, config)
        source_id, state = row_id(source.id), dict(source.state or {})
    engine = engine_of(sessions)
    async with source_lock(engine, source_id, config.name) as lock:
        connector = connector_for(config, fetcher or Fetcher(client), state)
        async with sessions.begin() as session:
            await _close_interrupted_runs(session, source_id)
            run = SyncRun(source_id=source_id)
            session.add(run)
        writer = _Writer(sessions, source_id, lock, _priority(config))
        try:
            await _drain(connector.records(), writer, batch_size, progress)
            if connector.complete_snapshot:
                await writer.withdraw_missing()
            await writer.refresh_dependents()
            async with sessions.begin() as session:
                await extend_occurrences(session, source_id=source_id)
        except NotModified:
            run.not_modified = True
            async with sessions.begin() as session:
                await extend_occurrences(session, source_id=source_id)
            await _finish(sessions, run, writer.counts, SyncStatus.SUCCEEDED, None, connector)
        except FetchError as error:
            log.warning("sync of %s failed: %s", config.name, error)
            await _finish(sessions, run, writer.counts, SyncStatus.FAILED, str(error), connector)
        except Exception as error:
            message = f"internal error: {error!r}"
            await _finish(sessions, run, writer.counts, SyncStatus.FAILED, message, connector)
            raise
        else:
            await _finish(sessions, run, writer.counts, SyncStatus.SUCCEEDED, None, connector)
    return run


async def _close_interrupted_runs(session: AsyncSession, source_id: int) -> None:
    """Runs still RUNNING when we hold the source's lock belong to a process that ended
    mid-sync (killed, crashed): record them as failed so operators see what happened."""
    await session.execute(
        sa.update(SyncRun)
        .where(col(SyncRun.source_id) == source_id, col(SyncRun.status) == SyncStatus.RUNNING)
        .values(
            status=SyncStatus.FAILED,
            finished_at=utc_now(),
            error="interrupted: the process ended before the sync finished",
        )
    )


async def _drain(
    items: AsyncIterator[Item], writer: _Writer, batch_size: int, progress: Progress | None
) -> None:
    """Feed a connector's items to the writer in batches; a checkpoint commits the
    batch before it and then stores the connector's state."""
    batch: list[Record | Deletion] = []

    async def flush() -> None:
        nonlocal batch
        await writer.write(batch)
        if progress and batch:
            progress(len(batch))
        batch = []

    async for item in items:
        if isinstance(item, Problem):
            writer.counts.fetched += 1
            writer.unreadable(item)
        elif isinstance(item, Checkpoint):
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
    """Record how the run ended: its counts, quarantined records and unmapped terms."""
    run.status, run.error, run.finished_at = status, error, utc_now()
    run.fetched, run.created, run.updated = counts.fetched, counts.created, counts.updated
    run.unchanged, run.withdrawn = counts.unchanged, counts.withdrawn
    run.quarantined = len(counts.problems)
    async with sessions.begin() as session:
        run = await session.merge(run)
        session.add_all(
            SyncProblem(
                sync_run_id=row_id(run.id),
                record_kind=problem.record_kind,
                external_id=problem.external_id,
                reason=problem.reason,
            )
            for problem in counts.problems
        )
        session.add_all(
            SyncTerm(sync_run_id=row_id(run.id), term=term[:500], count=count)
            for term, count in connector.classifier.unmapped.items()
        )


@dataclass
class _Existing:
    id: int
    content_hash: str | None


class _Writer:
    """Writes batches of one source's records; remembers what later steps need."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        source_id: int,
        lock: SourceLock,
        priority: int = 0,
    ) -> None:
        self.sessions = sessions
        self.source_id = source_id
        self.lock = lock
        self.priority = priority
        self.counts = _Counts()
        # Offerings the source still lists, readable or not: the others are withdrawn.
        self.seen_offerings: set[str] = set()
        # Records already counted, so that an id repeated across batches counts once.
        self.counted: dict[type[Record], set[str]] = defaultdict(set)
        # Offerings written in this run already have current derived columns.
        self.written_offerings: set[int] = set()
        # Providers and locations whose change may alter other offerings' derived columns.
        self.dirty_providers: set[int] = set()
        self.dirty_locations: set[int] = set()
        # Why providers were quarantined in this run: an offering of one of them is
        # quarantined for that root cause, not for a downstream symptom.
        self.quarantined_providers: dict[str, str] = {}
        self.started_at = utc_now()

    def unreadable(self, problem: Problem) -> None:
        """Quarantine a record the connector could not read; an unreadable offering
        keeps its last good version rather than being withdrawn as absent."""
        if problem.record_kind == "offering" and problem.external_id is not None:
            self.seen_offerings.add(problem.external_id)
        self.counts.problems.append(problem)

    async def write(self, batch: Sequence[Record | Deletion]) -> None:
        """Validate and apply one batch in one transaction (the last word on an id wins)."""
        valid: list[Record] = []
        deletions: list[Deletion] = []
        for item in _last_word(batch):
            if isinstance(item, Deletion):
                deletions.append(item)
                continue
            if isinstance(item, OfferingRecord):
                self.seen_offerings.add(item.external_id)
            try:
                valid.append(check(item))
            except InvalidRecord as error:
                reason = with_root_cause(item, str(error), self.quarantined_providers)
                self._quarantine(item, reason)
        if not valid and not deletions:
            return
        async with self.sessions.begin() as session:
            await self._providers(session, [r for r in valid if isinstance(r, ProviderRecord)])
            await self._locations(session, [r for r in valid if isinstance(r, LocationRecord)])
            await self._offerings(session, [r for r in valid if isinstance(r, OfferingRecord)])
            await self._slots(session, [r for r in valid if isinstance(r, SlotRecord)])
            await self._delete(session, deletions)
        await self.lock.renew()

    async def save_state(self, state: dict[str, object]) -> None:
        """Store the connector's checkpoint (everything before it is committed)."""
        async with self.sessions.begin() as session:
            await session.execute(
                sa.update(Source).where(col(Source.id) == self.source_id).values(state=state)
            )

    def _quarantine(self, record: Record, reason: str) -> None:
        if isinstance(record, ProviderRecord) and len(self.quarantined_providers) < MAX_REMEMBERED:
            self.quarantined_providers[record.external_id] = reason
        self.counts.problems.append(Problem(KINDS[type(record)], record.external_id, reason))

    async def _existing(
        self,
        session: AsyncSession,
        model: type[Provider | Location | Offering | Slot],
        ids: Iterable[str],
    ) -> dict[str, _Existing]:
        rows = await session.execute(
            sa.select(col(model.external_id), col(model.id), col(model.content_hash)).where(
                col(model.source_id) == self.source_id,
                col(model.external_id).in_(list(ids)),
            )
        )
        return {str(ext): _Existing(row_id(id_), digest) for ext, id_, digest in rows}

    def _split(
        self,
        records: Sequence[R],
        existing: dict[str, _Existing],
        digest_of: Callable[[R], str] = content_hash,
    ) -> tuple[list[tuple[R, str]], list[tuple[R, str, int]]]:
        """New and changed records (with their hash), counting every outcome."""
        new: list[tuple[R, str]] = []
        changed: list[tuple[R, str, int]] = []
        for record in _last_wins(records):
            digest = digest_of(record)
            found = existing.get(record.external_id)
            if found is None:
                new.append((record, digest))
                self._count(record, "created")
            elif found.content_hash != digest:
                changed.append((record, digest, found.id))
                self._count(record, "updated")
            else:
                self._count(record, "unchanged")
        return new, changed

    def _count(self, record: Record, outcome: str) -> None:
        counted = self.counted[type(record)]
        if record.external_id not in counted:
            counted.add(record.external_id)
            setattr(self.counts, outcome, getattr(self.counts, outcome) + 1)

    def _provenance(self, digest: str, changed_at: datetime | None = None) -> dict[str, object]:
        return {
            "source_id": self.source_id,
            "fetched_at": self.started_at,
            "last_changed_at": changed_at or self.started_at,
            "content_hash": digest,
        }

    async def _providers(self, session: AsyncSession, records: list[ProviderRecord]) -> None:
        """Provider identity: each record is this source's link to the one provider of its
        partita IVA (a new provider when there is none, or when it has no VAT and no link
        yet); the provider's fields are then merged from all its links."""
        if not records:
            return
        links = await self._links(session, [r.external_id for r in records])
        existing = {ext: _Existing(link.id or 0, link.content_hash) for ext, link in links.items()}
        new, changed = self._split(records, existing)
        touched: list[int] = []  # providers to merge: those that lost a link first
        for record, digest in [*new, *((r, d) for r, d, _ in changed)]:
            link = links.get(record.external_id)
            target = await self._provider_for(session, record, link)
            values = {
                "provider_id": target,
                "priority": self.priority,
                "vat_number": record.vat_number,
                "said": _provider_said(record),
                "fetched_at": self.started_at,
                "last_changed_at": self.started_at,
                "content_hash": digest,
            }
            if link is None:
                await session.execute(
                    sa.insert(ProviderLink).values(
                        source_id=self.source_id, external_id=record.external_id, **values
                    )
                )
                # The provider this source stored for it before links existed, when the
                # partita IVA joins it to another: the other takes its rows.
                legacy = await self._legacy(session, record.external_id)
                if legacy is not None and legacy != target:
                    await self._move(session, legacy, target)
                    if not await _drop_if_unlinked(session, legacy, target):
                        touched.insert(0, legacy)
            else:
                previous = link.provider_id  # the update below refreshes `link` itself
                await session.execute(
                    sa.update(ProviderLink).where(col(ProviderLink.id) == link.id).values(**values)
                )
                if previous != target:
                    await self._move(session, previous, target)
                    if await _drop_if_unlinked(session, previous, target):
                        self.dirty_providers.discard(previous)
                    else:
                        touched.insert(0, previous)
            touched.append(target)
        for provider_id in dict.fromkeys(touched):
            await merge_provider(session, provider_id)
        self.dirty_providers.update(touched)

    async def _links(self, session: AsyncSession, ids: list[str]) -> dict[str, ProviderLink]:
        rows = await session.execute(
            sa.select(ProviderLink).where(
                col(ProviderLink.source_id) == self.source_id,
                col(ProviderLink.external_id).in_(ids),
            )
        )
        return {link.external_id: link for link in rows.scalars()}

    async def _provider_for(
        self, session: AsyncSession, record: ProviderRecord, link: ProviderLink | None
    ) -> int:
        """The provider a record belongs to: the one of its partita IVA; else the one it
        was linked to, while nothing else links there; else the provider this source
        created for it before links existed; else a new one."""
        if record.vat_number is not None:
            found = await session.scalar(
                sa.select(col(Provider.id))
                .where(col(Provider.vat_number) == record.vat_number)
                .order_by(col(Provider.id))
                .limit(1)
            )
            if found is not None:
                return row_id(found)
        if link is not None:
            others = await session.scalar(
                sa.select(sa.func.count()).where(
                    col(ProviderLink.provider_id) == link.provider_id,
                    col(ProviderLink.id) != link.id,
                )
            )
            if not others:
                return link.provider_id
        else:
            legacy = await self._legacy(session, record.external_id)
            if legacy is not None:
                return legacy
        # Named by its links once merged (merge_provider): no id of its own until then.
        inserted = await session.execute(
            sa.insert(Provider).returning(col(Provider.id)),
            [
                {
                    **_provider_said(record),
                    "name_sort": fold(record.name),
                    "source_id": self.source_id,
                    "external_id": None,
                }
            ],
        )
        return row_id(inserted.scalar_one())

    async def _legacy(self, session: AsyncSession, external_id: str) -> int | None:
        """The provider this source's record made before provider links existed."""
        found = await session.scalar(
            sa.select(col(Provider.id)).where(
                col(Provider.source_id) == self.source_id,
                col(Provider.external_id) == external_id,
                ~sa.exists().where(col(ProviderLink.provider_id) == col(Provider.id)),
            )
        )
        return None if found is None else row_id(found)

    async def _move(self, session: AsyncSession, old: int, new: int) -> None:
        """This source's offerings and locations of a provider follow its link to another
        (a partita IVA that merges two providers, or one corrected)."""
        for model in (Offering, Location):
            await session.execute(
                sa.update(model)
                .where(col(model.source_id) == self.source_id, col(model.provider_id) == old)
                .values(provider_id=new)
            )

    async def _locations(self, session: AsyncSession, records: list[LocationRecord]) -> None:
        if not records:
            return
        existing = await self._existing(session, Location, (r.external_id for r in records))
        new, changed = self._split(records, existing)
        providers = await self._provider_ids(
            session, [r.provider_external_id for r in records if r.provider_external_id]
        )

        def values(record: LocationRecord, digest: str) -> dict[str, object]:
            return {
                **_location_values(record),
                "provider_id": providers.get(record.provider_external_id or ""),
                **self._provenance(digest),
            }

        if new:
            inserted = await session.execute(
                sa.insert(Location).returning(col(Location.id)), [values(r, d) for r, d in new]
            )
            self.dirty_locations.update(row_id(i) for i in inserted.scalars())
        if changed:
            moved = [i for _, _, i in changed]
            # The providers they belonged to before, in case a location changed hands.
            previous = await session.execute(
                sa.select(col(Location.provider_id)).where(col(Location.id).in_(moved))
            )
            self.dirty_providers.update(p for p in previous.scalars() if p is not None)
            await session.execute(
                sa.update(Location), [{"id": i, **values(r, d)} for r, d, i in changed]
            )
            self.dirty_locations.update(moved)

    async def _ids(
        self,
        session: AsyncSession,
        model: type[Location | Offering],
        external_ids: Iterable[str],
    ) -> dict[str, int]:
        wanted = list(set(external_ids))
        if not wanted:
            return {}
        rows = await session.execute(
            sa.select(col(model.external_id), col(model.id)).where(
                col(model.source_id) == self.source_id,
                col(model.external_id).in_(wanted),
            )
        )
        return {str(external): row_id(id_) for external, id_ in rows}

    async def _provider_ids(self, session: AsyncSession, ids: list[str]) -> dict[str, int]:
        """This source's ids of organisations -> providers, through its links (and, for a
        provider stored before links existed and not read since, its own row)."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        linked = await session.execute(
            sa.select(col(ProviderLink.external_id), col(ProviderLink.provider_id)).where(
                col(ProviderLink.source_id) == self.source_id,
                col(ProviderLink.external_id).in_(wanted),
            )
        )
        found = {str(external): row_id(id_) for external, id_ in linked}
        missing = [external for external in wanted if external not in found]
        if missing:
            legacy = await session.execute(
                sa.select(col(Provider.external_id), col(Provider.id)).where(
                    col(Provider.source_id) == self.source_id,
                    col(Provider.external_id).in_(missing),
                )
            )
            found.update({str(external): row_id(id_) for external, id_ in legacy})
        return found

    async def _offerings(self, session: AsyncSession, records: list[OfferingRecord]) -> None:
        if not records:
            return
        providers = await self._provider_ids(session, [r.provider_external_id for r in records])
        resolvable = []
        for record in records:
            if record.provider_external_id in providers:
                resolvable.append(record)
            else:
                cause = provider_cause(record, self.quarantined_providers)
                unknown = f"provider {record.provider_external_id!r} is unknown or quarantined"
                self._quarantine(record, cause or unknown)
        resolvable = _last_wins(resolvable)
        existing = await self._existing(session, Offering, (r.external_id for r in resolvable))
        # Fast path: a stored hash equal to the plain content hash means nothing changed
        # and every location resolved last time; only the rest needs the context.
        candidates = []
        for record in resolvable:
            found = existing.get(record.external_id)
            if found is not None and found.content_hash == content_hash(record):
                self._count(record, "unchanged")
            else:
                candidates.append(record)
        if not candidates:
            return
        context = await _OfferingContext.load(session, self.source_id, candidates, providers)
        new, changed = self._split(candidates, existing, context.digest)
        if not new and not changed:
            return
        ids: dict[str, int] = {}
        if new:
            inserted = await session.execute(
                sa.insert(Offering).returning(col(Offering.external_id), col(Offering.id)),
                [{**context.values(r), **self._provenance(d, r.last_modified)} for r, d in new],
            )
            ids.update((str(external), row_id(id_)) for external, id_ in inserted)
        if changed:
            await session.execute(
                sa.update(Offering),
                [
                    {"id": i, **context.values(r), **self._provenance(d, r.last_modified)}
                    for r, d, i in changed
                ],
            )
            ids.update((r.external_id, i) for r, _, i in changed)
            await _delete_children(session, [i for _, _, i in changed])
        self.written_offerings.update(ids.values())
        await context.insert_children(
            session, self.source_id, [r for r, _ in new] + [r for r, _, _ in changed], ids
        )
        await refresh_occurrences(session, list(ids.values()))
        await refresh_rule_sets(session, list(ids.values()))

    async def _slots(self, session: AsyncSession, records: list[SlotRecord]) -> None:
        if not records:
            return
        offerings = await self._ids(session, Offering, (r.offering_external_id for r in records))
        resolvable = []
        for record in records:
            if record.offering_external_id in offerings:
                resolvable.append(record)
            else:
                reason = f"offering {record.offering_external_id!r} is unknown or quarantined"
                self._quarantine(record, reason)
        existing = await self._existing(session, Slot, (r.external_id for r in resolvable))
        new, changed = self._split(resolvable, existing)

        def values(record: SlotRecord, digest: str) -> dict[str, object]:
            return {
                "offering_id": offerings[record.offering_external_id],
                "source_id": self.source_id,
                "external_id": record.external_id,
                "starts_at": record.start,
                "ends_at": record.end,
                "capacity": record.capacity,
                "remaining": record.remaining,
                "status": SlotStatus.CANCELLED if record.cancelled else SlotStatus.SCHEDULED,
                "fetched_at": self.started_at,
                "content_hash": digest,
            }

        if new:
            await session.execute(sa.insert(Slot), [values(r, d) for r, d in new])
        if changed:
            await session.execute(
                sa.update(Slot), [{"id": i, **values(r, d)} for r, d, i in changed]
            )

    async def _delete(self, session: AsyncSession, deletions: list[Deletion]) -> None:
        """Withdraw the offerings and cancel the slots the source deleted (RPDE
        `deleted` items); the rows stay, and a later update brings them back."""
        by_kind: defaultdict[str, list[str]] = defaultdict(list)
        for deletion in deletions:
            by_kind[deletion.record_kind].append(deletion.external_id)
        for kind in set(by_kind) - {"offering", "slot"}:
            log.info("ignoring deletions of %s records (only offerings and slots)", kind)
        if by_kind["offering"]:
            withdrawn = await session.execute(
                sa.update(Offering)
                .where(
                    col(Offering.source_id) == self.source_id,
                    col(Offering.external_id).in_(by_kind["offering"]),
                    col(Offering.status) != OfferingStatus.WITHDRAWN,
                )
                .values(
                    status=OfferingStatus.WITHDRAWN,
                    last_changed_at=self.started_at,
                    content_hash=None,
                )
            )
            self.counts.withdrawn += withdrawn.rowcount  # type: ignore[attr-defined]
        if by_kind["slot"]:
            await session.execute(
                sa.update(Slot)
                .where(
                    col(Slot.source_id) == self.source_id,
                    col(Slot.external_id).in_(by_kind["slot"]),
                )
                .values(status=SlotStatus.CANCELLED, content_hash=None)
            )

    async def withdraw_missing(self) -> None:
        """Withdraw this source's offerings that the complete snapshot no longer lists."""
        async with self.sessions.begin() as session:
            rows = await session.execute(
                sa.select(col(Offering.external_id), col(Offering.id)).where(
                    col(Offering.source_id) == self.source_id,
                    col(Offering.status) != OfferingStatus.WITHDRAWN,
                )
            )
            missing = [row_id(id_) for ext, id_ in rows if ext not in self.seen_offerings]
            for chunk in _chunks(missing, BATCH_SIZE):
                # Clearing the hash makes a reappearing record an update that restores it.
                await session.execute(
                    sa.update(Offering)
                    .where(col(Offering.id).in_(chunk))
                    .values(
                        status=OfferingStatus.WITHDRAWN,
                        last_changed_at=self.started_at,
                        content_hash=None,
                    )
                )
        self.counts.withdrawn += len(missing)

    async def refresh_dependents(self) -> None:
        """Recompute search text and district flag of offerings this run did not write
        but whose provider or locations it created, changed or moved."""
        if not self.dirty_providers and not self.dirty_locations:
            return
        async with self.sessions.begin() as session:
            affected: set[int] = set()
            providers = set(self.dirty_providers)
            for chunk in _chunks(sorted(self.dirty_locations), BATCH_SIZE):
                linked = await session.execute(
                    sa.select(col(OfferingLocation.offering_id)).where(
                        col(OfferingLocation.location_id).in_(chunk)
                    )
                )
                affected.update(linked.scalars())
                owners = await session.execute(
                    sa.select(col(Location.provider_id)).where(col(Location.id).in_(chunk))
                )
                providers.update(p for p in owners.scalars() if p is not None)
            for chunk in _chunks(sorted(providers), BATCH_SIZE):
                offered = await session.execute(
                    sa.select(col(Offering.id)).where(col(Offering.provider_id).in_(chunk))
                )
                affected.update(row_id(i) for i in offered.scalars())
            stale = sorted(affected - self.written_offerings)
            for chunk in _chunks(stale, BATCH_SIZE):
                await refresh_offerings(session, chunk)


class _OfferingContext:
    """What computing a batch of offerings' columns needs from the database."""

    def __init__(
        self,
        providers: dict[str, int],
        provider_names: dict[int, str],
        providers_in_district: set[int],
        locations: dict[str, tuple[int, bool]],
        categories: dict[str, int],
    ) -> None:
        self.providers = providers
        self.provider_names = provider_names
        self.providers_in_district = providers_in_district
        self.locations = locations
        self.categories = categories

    @classmethod
    async def load(
        cls,
        session: AsyncSession,
        source_id: int,
        records: list[OfferingRecord],
        providers: dict[str, int],
    ) -> _OfferingContext:
        provider_ids = {providers[r.provider_external_id] for r in records}
        names = await session.execute(
            sa.select(col(Provider.id), col(Provider.name)).where(
                col(Provider.id).in_(provider_ids)
            )
        )
        external = {ext for r in records for ext in r.location_external_ids}
        location_rows = await session.execute(
            sa.select(col(Location.external_id), col(Location.id), col(Location.in_district)).where(
                col(Location.source_id) == source_id,
                col(Location.external_id).in_(external),
            )
        )
        categories = await session.execute(sa.select(col(Category.code), col(Category.id)))
        return cls(
            providers,
            {row_id(id_): name for id_, name in names},
            await _providers_in_district(session, provider_ids),
            {str(ext): (row_id(id_), flag) for ext, id_, flag in location_rows},
            {code: row_id(id_) for code, id_ in categories},
        )

    def digest(self, record: OfferingRecord) -> str:
        """The record's content hash, extended with which of its locations resolved, so
        that a location loaded after its offering (e.g. once fixed) links it in the end."""
        resolved = [e for e in record.location_external_ids if e in self.locations]
        if len(resolved) == len(record.location_external_ids):
            return content_hash(record)
        return hashlib.sha256(f"{content_hash(record)}|{resolved}".encode()).hexdigest()

    def values(self, record: OfferingRecord) -> dict[str, object]:
        provider_id = self.providers[record.provider_external_id]
        known = [self.locations[e] for e in record.location_external_ids if e in self.locations]
        district = (
            any(flag for _, flag in known) if known else provider_id in self.providers_in_district
        )
        amounts = [o.amount_cents for o in record.cost_options if o.amount_cents is not None]
        return {
            "external_id": record.external_id,
            "provider_id": provider_id,
            "title_it": record.title_it,
            "title_en": record.title_en,
            "description_it": record.description_it,
            "description_en": record.description_en,
            "title_sort_it": fold(record.title_it),
            "title_sort_en": fold(record.title_en or record.title_it),
            "area": offering_area(record),
            "delivery_mode": record.delivery_mode,
            "status": record.status,
            "is_free": bool(amounts) and min(amounts) == 0,
            "min_price_cents": min(amounts) if amounts else None,
            "beneficiary_discount_percent": record.beneficiary_discount_percent,
            "valid_from": record.valid_from,
            "valid_until": record.valid_until,
            "booking_url": record.booking_url,
            "email": record.email,
            "in_district": district,
            "min_age": record.min_age,
            "max_age": record.max_age,
            "eligibility_description": record.eligibility_description,
            "search_text": offering_search_text(
                record.title_it,
                record.title_en,
                record.description_it,
                record.description_en,
                self.provider_names.get(provider_id),
                record.categories,
            ),
        }

    async def insert_children(
        self,
        session: AsyncSession,
        source_id: int,
        records: list[OfferingRecord],
        ids: dict[str, int],
    ) -> None:
        """Links to locations, categories and languages, the cost options, schedules and
        the eligibility rule the source gives."""
        links, categories, languages, costs, schedules, rules = [], [], [], [], [], []
        for record in records:
            offering_id = ids[record.external_id]
            body = source_rule(record)
            if body is not None:
                rules.append(
                    {
                        "scope": RuleScope.OFFERING,
                        "offering_id": offering_id,
                        "source_id": source_id,
                        "body": body,
                        "body_hash": rule_hash(body),
                        "updated_at": utc_now(),
                    }
                )
            links += [
                {"offering_id": offering_id, "location_id": self.locations[e][0]}
                for e in record.location_external_ids
                if e in self.locations
            ]
            categories += [
                {"offering_id": offering_id, "category_id": self.categories[c]}
                for c in record.categories
            ]
            languages += [
                {"offering_id": offering_id, "language": code, "position": n}
                for n, code in enumerate(record.languages)
            ]
            costs += [
                {
                    "offering_id": offering_id,
                    "position": n,
                    "label": option.label,
                    "amount_cents": option.amount_cents,
                    "currency": option.currency,
                    "description": option.description,
                }
                for n, option in enumerate(record.cost_options)
            ]
            schedules += [
                {"offering_id": offering_id, "position": n, **schedule_values(schedule)}
                for n, schedule in enumerate(record.schedules)
            ]
        for model, rows in (
            (OfferingLocation, links),
            (OfferingCategory, categories),
            (OfferingLanguage, languages),
            (CostOption, costs),
            (Schedule, schedules),
            (EligibilityRule, rules),
        ):
            if rows:
                await session.execute(sa.insert(model), rows)


async def _providers_in_district(session: AsyncSession, provider_ids: Iterable[int]) -> set[int]:
    rows = await session.execute(
        sa.select(col(Location.provider_id))
        .where(col(Location.provider_id).in_(list(provider_ids)), col(Location.in_district))
        .distinct()
    )
    return {row_id(provider_id) for provider_id in rows.scalars()}


async def _delete_children(session: AsyncSession, offering_ids: list[int]) -> None:
    for model in (OfferingLocation, OfferingCategory, OfferingLanguage, CostOption, Schedule):
        await session.execute(sa.delete(model).where(col(model.offering_id).in_(offering_ids)))
    # The source's own rules; the registry's rules on these offerings stay.
    await session.execute(
        sa.delete(EligibilityRule).where(
            col(EligibilityRule.offering_id).in_(offering_ids),
            col(EligibilityRule.source_id).is_not(None),
        )
    )


def offering_search_text(
    title_it: str,
    title_en: str | None,
    description_it: str | None,
    description_en: str | None,
    provider_name: str | None,
    categories: Iterable[str],
) -> str:
    """The folded search document of an offering (Italian and English, see models.text)."""
    labels = [
        label
        for code in categories
        if code in CATEGORY_INFO
        for label in (CATEGORY_INFO[code].label_it, CATEGORY_INFO[code].label_en)
    ]
    return search_document(
        title_it, title_en, description_it, description_en, provider_name, *labels
    )


async def refresh_offerings(session: AsyncSession, offering_ids: Sequence[int]) -> None:
    """Recompute the derived columns (search text, district flag) of some offerings."""
    rows = (
        await session.execute(
            sa.select(Offering, col(Provider.name))
            .join(Provider, col(Provider.id) == col(Offering.provider_id))
            .where(col(Offering.id).in_(offering_ids))
        )
    ).all()
    codes = await session.execute(
        sa.select(col(OfferingCategory.offering_id), col(Category.code))
        .join(Category, col(Category.id) == col(OfferingCategory.category_id))
        .where(col(OfferingCategory.offering_id).in_(offering_ids))
    )
    categories: dict[int, list[str]] = {}
    for offering_id, code in codes:
        categories.setdefault(offering_id, []).append(code)
    located = await session.execute(
        sa.select(col(OfferingLocation.offering_id), col(Location.in_district))
        .join(Location, col(Location.id) == col(OfferingLocation.location_id))
        .where(col(OfferingLocation.offering_id).in_(offering_ids))
    )
    flags: dict[int, bool] = {}
    for offering_id, flag in located:
        flags[offering_id] = flags.get(offering_id, False) or bool(flag)
    in_district_providers = await _providers_in_district(
        session, {offering.provider_id for offering, _ in rows}
    )
    updates = []
    for offering, name in rows:
        id_ = row_id(offering.id)
        search_text = offering_search_text(
            offering.title_it,
            offering.title_en,
            offering.description_it,
            offering.description_en,
            name,
            categories.get(id_, ()),
        )
        district = flags.get(id_, offering.provider_id in in_district_providers)
        updates.append({"id": id_, "search_text": search_text, "in_district": district})
    if updates:
        await session.execute(sa.update(Offering), updates)


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


# The fields a provider takes from its sources' records (the rest is identity).
PROVIDER_FIELDS = (
    "name",
    "legal_form",
    "vat_number",
    "alliance_member",
    "ateco_code",
    "description",
    "website",
    "email",
    "phone",
)


def _provider_said(record: ProviderRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in PROVIDER_FIELDS}


def _priority(config: SourceConfig) -> int:
    """The source's `priority` option (default 0): whose fields a merged provider shows."""
    value = config.options.get("priority", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"source {config.name!r}: option 'priority' must be an integer")
    return value


async def _drop_if_unlinked(session: AsyncSession, provider_id: int, heir: int) -> bool:
    """A provider whose last link went to another one (`heir`) is gone: the registry's
    rules on it pass to the heir, and the row is deleted once nothing else refers to it.
    Whether it was deleted."""
    if await session.scalar(
        sa.select(sa.func.count()).where(col(ProviderLink.provider_id) == provider_id)
    ):
        return False
    await session.execute(
        sa.update(EligibilityRule)
        .where(col(EligibilityRule.provider_id) == provider_id)
        .values(provider_id=heir)
    )
    for model in (Offering, Location):
        if await session.scalar(
            sa.select(sa.func.count()).where(col(model.provider_id) == provider_id)
        ):
            # Another source's rows (from before links existed) still name it: it stays,
            # without the source id its link had.
            await session.execute(
                sa.update(Provider).where(col(Provider.id) == provider_id).values(external_id=None)
            )
            return False
    await session.execute(sa.delete(Provider).where(col(Provider.id) == provider_id))
    return True


async def merge_provider(session: AsyncSession, provider_id: int) -> None:
    """A provider's fields from its links, by precedence: for each field, the link of
    the highest source `priority`, then the most recently changed, that gives it (the
    registry's own providers have no links and keep theirs); a member of the alliance if
    any source says so. Its provenance columns name that first link. A provider left
    without links keeps what it had."""
    rows = await session.execute(
        sa.select(ProviderLink)
        .where(col(ProviderLink.provider_id) == provider_id)
        .order_by(
            col(ProviderLink.priority).desc(),
            col(ProviderLink.last_changed_at).desc(),
            col(ProviderLink.id).desc(),
        )
    )
    links = list(rows.scalars())
    if not links:
        return
    merged: dict[str, object] = {}
    for name in PROVIDER_FIELDS:
        said = [link.said.get(name) for link in links]
        merged[name] = next((value for value in said if value not in (None, "")), None)
    merged["alliance_member"] = any(link.said.get("alliance_member") for link in links)
    name = str(merged["name"] or "")
    first = links[0]
    await session.execute(
        sa.update(Provider)
        .where(col(Provider.id) == provider_id)
        .values(
            **merged,
            name_sort=fold(name),
            source_id=first.source_id,
            external_id=first.external_id,
            fetched_at=max((link.fetched_at for link in links if link.fetched_at), default=None),
            last_changed_at=first.last_changed_at,
            content_hash=None,
        )
    )


def _location_values(record: LocationRecord) -> dict[str, object]:
    return {
        "external_id": record.external_id,
        "name": record.name,
        "address": record.address,
        "cap": record.cap,
        "city": record.city,
        "province": record.province,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "accessibility": record.accessibility,
        "in_district": in_district(record.cap, record.latitude, record.longitude),
    }


def _last_word(batch: Sequence[Record | Deletion]) -> list[Record | Deletion]:
    """One item per (kind, external id): the last a source said about it in the batch."""
    last: dict[tuple[str, str], Record | Deletion] = {}
    for item in batch:
        kind = item.record_kind if isinstance(item, Deletion) else KINDS[type(item)]
        last.pop((kind, item.external_id), None)
        last[(kind, item.external_id)] = item
    return list(last.values())


def _last_wins(records: Sequence[R]) -> list[R]:
    """One record per external id: a source repeating an id within a batch means its last."""
    return list({record.external_id: record for record in records}.values())


def _chunks(items: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
