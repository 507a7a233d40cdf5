"""The one catalogue write path: the only code that turns records into rows.

Every writer (the sync engine, the registry import, the registry mutations to come)
hands its records to a `Catalogue`, which checks them (models.validation), upserts them
by (source, external id), and alone maintains what is derived from them: search text,
district flags, area and price columns, offering links and children, occurrences, rule
sets, and provider identity (one `Provider` per normalised partita IVA, its fields
merged from every source that lists it by a documented precedence).

A writer never copies these steps; it calls the catalogue in its own transaction and
decides what to do with the outcome (the sync engine counts it and quarantines what was
refused).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import audit
from models.audience import source_rule
from models.audit import Actor, ChangeAction, Entry, diff
from models.availability import extend_occurrences, refresh_occurrences
from models.category import Category
from models.district import in_district
from models.enums import OfferingStatus, RuleScope, SlotStatus
from models.location import Location
from models.offering import (
    CostOption,
    Offering,
    OfferingCategory,
    OfferingLanguage,
    OfferingLocation,
)
from models.provider import Provider, ProviderLink
from models.records import (
    LocationRecord,
    OfferingRecord,
    ProviderRecord,
    Record,
    SlotRecord,
    apply_overrides,
    content_hash,
    record_json,
)
from models.rule import EligibilityRule, refresh_rule_sets, rule_hash
from models.schedule import Schedule, Slot
from models.source import Source
from models.taxonomy import CATEGORY_INFO
from models.text import fold, search_document
from models.types import row_id, utc_now
from models.validation import InvalidRecord, check, offering_area, schedule_values

R = TypeVar("R", ProviderRecord, LocationRecord, OfferingRecord, SlotRecord)

CHUNK = 500

# The registry's link to a provider outranks every source's (see merge_provider); the
# sources' `priority` option stays below it.
REGISTRY_PRIORITY = 2**31 - 1

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


@dataclass(frozen=True, slots=True)
class Writer:
    """Who writes, and when: a source's sync run."""

    source_id: int
    # When the writer read what it writes: the rows' fetched_at and last_changed_at.
    at: datetime
    # The sync run: the rows it lists are marked as seen by it (see `withdraw_unlisted`),
    # and a record it repeats counts once.
    run_id: int | None = None
    # The source's `priority`: among the sources of one provider, whose fields win.
    priority: int = 0
    # The source's declared links for organisations without a partita IVA: its external
    # id -> "<source name>/<external id>" or "vat:<partita IVA>" of the same organisation.
    same_as: Mapping[str, str] = field(default_factory=dict)
    # How the audit trail names the writer (models.audit); None records nothing.
    actor: Actor | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """A record the catalogue did not store, and why."""

    record: Record
    reason: str
    # The record itself is invalid (True), or it names a provider or an offering the
    # catalogue does not know (False).
    invalid: bool


@dataclass
class Outcome:
    """What a write did: records created, updated and unchanged (a record the same run
    wrote before is not counted again), and the records refused."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)


@dataclass
class _Existing:
    id: int
    content_hash: str | None
    seen_run_id: int | None
    version: int = 1
    # What the row's writer said last, and the registry's overrides (models.provenance).
    said: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)


class Catalogue:
    """One writer's access to the catalogue, in the caller's transaction."""

    def __init__(self, session: AsyncSession, writer: Writer) -> None:
        self.session = session
        self.writer = writer
        self.source_id = writer.source_id
        self.outcome = Outcome()
        # Providers and locations changed by this write: the offerings that depend on them
        # and that this write did not store are refreshed at its end.
        self._dirty_providers: set[int] = set()
        self._dirty_locations: set[int] = set()
        self._written_offerings: set[int] = set()
        self._source_name: str | None = None  # read when a declaration needs it
        self._changes: list[Entry] = []  # for the audit trail, recorded at the end
        # Registry edits (see `edit`): external id -> the row's new overrides.
        self._edits: dict[str, dict[str, Any]] = {}

    async def write(self, records: Sequence[Record]) -> Outcome:
        """Check and store records (at most one per kind and external id; providers
        before locations, offerings and slots) and everything derived from them."""
        valid: list[Record] = []
        for record in records:
            try:
                valid.append(check(record))
            except InvalidRecord as error:
                self.outcome.refused.append(Refusal(record, str(error), invalid=True))
        await self._providers([r for r in valid if isinstance(r, ProviderRecord)])
        await self._locations([r for r in valid if isinstance(r, LocationRecord)])
        await self._offerings([r for r in valid if isinstance(r, OfferingRecord)])
        await self._slots([r for r in valid if isinstance(r, SlotRecord)])
        await self._refresh_dependents()
        # A refused offering keeps its last good version: its source still lists it.
        await self.still_listed(
            [
                r.record.external_id
                for r in self.outcome.refused
                if isinstance(r.record, OfferingRecord)
            ]
        )
        await self._record()
        return self.outcome

    async def _record(self) -> None:
        if self.writer.actor is not None:
            await audit.record(self.session, self.writer.actor, self._changes)
        self._changes.clear()

    async def edit(
        self, record: LocationRecord | OfferingRecord, overrides: dict[str, Any]
    ) -> Outcome:
        """Rewrite a stored row from what its writer said (`record`) with the registry's
        new `overrides` (models.editing): everything derived follows, and the row keeps
        its content hash, so that the source's next sync of the same record is no change."""
        self._edits[record.external_id] = overrides
        try:
            return await self.write([record])
        finally:
            self._edits.clear()

    async def withdraw(self, external_ids: Sequence[str]) -> int:
        """Withdraw offerings the source deleted (the rows stay: a later record brings
        them back); how many were listed before."""
        if not external_ids:
            return 0
        return await self._withdraw(col(Offering.external_id).in_(list(external_ids)))

    async def cancel_slots(self, external_ids: Sequence[str]) -> None:
        """Cancel the slots the source deleted."""
        if not external_ids:
            return
        await self.session.execute(
            sa.update(Slot)
            .where(
                col(Slot.source_id) == self.source_id,
                col(Slot.external_id).in_(list(external_ids)),
            )
            .values(status=SlotStatus.CANCELLED, content_hash=None)
        )

    async def still_listed(self, external_ids: Sequence[str]) -> None:
        """The source still lists these offerings though it could not be read this time:
        they keep their last good version instead of being withdrawn as absent."""
        if external_ids and self.writer.run_id is not None:
            await self.session.execute(
                sa.update(Offering)
                .where(
                    col(Offering.source_id) == self.source_id,
                    col(Offering.external_id).in_(list(external_ids)),
                )
                .values(seen_run_id=self.writer.run_id)
            )

    async def withdraw_unlisted(self) -> int:
        """After a complete snapshot: withdraw the source's offerings this run did not
        list (clearing the hash makes a reappearing record an update that restores it);
        how many."""
        run = self.writer.run_id
        if run is None:
            raise ValueError("only a sync run knows what it listed")
        return await self._withdraw(
            sa.or_(col(Offering.seen_run_id).is_(None), col(Offering.seen_run_id) != run)
        )

    async def extend_occurrences(self) -> None:
        """Expand the source's schedules whose stored occurrences are running out."""
        await extend_occurrences(self.session, source_id=self.source_id)

    async def _withdraw(self, condition: Any) -> int:
        """Withdraw the source's listed offerings that meet `condition`; how many."""
        rows = await self.session.execute(
            sa.select(col(Offering.id), col(Offering.status)).where(
                col(Offering.source_id) == self.source_id,
                col(Offering.status) != OfferingStatus.WITHDRAWN,
                condition,
            )
        )
        found = [(row_id(id_), status) for id_, status in rows]
        for chunk in _chunks([id_ for id_, _ in found], CHUNK):
            await self.session.execute(
                sa.update(Offering)
                .where(col(Offering.id).in_(chunk))
                .values(
                    status=OfferingStatus.WITHDRAWN,
                    listed_status=OfferingStatus.WITHDRAWN,
                    last_changed_at=self.writer.at,
                    content_hash=None,
                    version=col(Offering.version) + 1,
                )
            )
        self._changes += [
            Entry(
                "Offering",
                id_,
                ChangeAction.WITHDRAW,
                {"status": [OfferingStatus(status).value, OfferingStatus.WITHDRAWN.value]},
            )
            for id_, status in found
        ]
        await self._record()
        return len(found)

    # Upserts ---------------------------------------------------------------------------

    async def _existing(
        self, model: type[Location | Offering | Slot], ids: Iterable[str]
    ) -> dict[str, _Existing]:
        wanted = (col(model.source_id) == self.source_id, col(model.external_id).in_(list(ids)))
        if model is Slot:
            rows = await self.session.execute(
                sa.select(
                    col(Slot.external_id),
                    col(Slot.id),
                    col(Slot.content_hash),
                    col(Slot.seen_run_id),
                ).where(*wanted)
            )
            return {str(ext): _Existing(row_id(i), digest, seen) for ext, i, digest, seen in rows}
        editable = cast("type[Location | Offering]", model)
        rows_ = await self.session.execute(
            sa.select(
                col(editable.external_id),
                col(editable.id),
                col(editable.content_hash),
                col(editable.seen_run_id),
                col(editable.version),
                col(editable.said),
                col(editable.overrides),
            ).where(*wanted)
        )
        return {
            str(ext): _Existing(row_id(i), digest, seen, version, said or {}, overrides or {})
            for ext, i, digest, seen, version, said, overrides in rows_
        }

    def _edited(self, kind: str, record: R, found: _Existing | None) -> tuple[R, dict[str, object]]:
        """What a record stores: itself with the registry's overrides of its row applied,
        and the columns that say so (what it said, the next version); its change is noted
        for the audit trail."""
        said = record_json(record)
        if found is None:  # a new row: noted by `_created` once its id is known
            return record, {"said": said}
        overrides = self._edits.get(record.external_id, found.overrides)
        effective = apply_overrides(record, overrides)
        if found.said:  # else the row predates the trail: what it was is not known
            before, after = {**found.said, **found.overrides}, {**said, **overrides}
            self._changes.append(Entry(kind, found.id, ChangeAction.UPDATE, diff(before, after)))
        return effective, {"said": said, "overrides": overrides, "version": found.version + 1}

    async def _backfill(
        self,
        model: type[Location | Offering],
        records: Sequence[LocationRecord | OfferingRecord],
        existing: dict[str, _Existing],
        rewritten: set[int],
    ) -> None:
        """Rows stored before they kept what their writer said (an upgraded database)
        learn it from an unchanged record, and nothing else changes: the registry can
        edit them from then on."""
        rows = [
            {"id": found.id, "said": record_json(record)}
            for record in records
            if (found := existing.get(record.external_id)) is not None
            and not found.said
            and found.id not in rewritten
        ]
        if rows:
            await self.session.execute(sa.update(model), rows)

    def _created(self, kind: str, ids: Iterable[int], rows: Iterable[dict[str, Any]]) -> None:
        """Note the rows inserted with these ids: each with all its writer said."""
        for id_, row in zip(ids, rows, strict=True):
            self._changes.append(Entry(kind, id_, ChangeAction.CREATE, diff({}, row["said"])))

    def _split(
        self,
        records: Sequence[R],
        existing: dict[str, _Existing],
        digest_of: Callable[[R], str] = content_hash,
    ) -> tuple[list[tuple[R, str]], list[tuple[R, str, int]], list[int]]:
        """New and changed records (with their hash), and the ids of unchanged rows this
        run has not seen yet; every outcome counted once per run."""
        new: list[tuple[R, str]] = []
        changed: list[tuple[R, str, int]] = []
        unseen: list[int] = []
        for record in _last_wins(records):
            digest = digest_of(record)
            found = existing.get(record.external_id)
            if found is None:
                new.append((record, digest))
                self.outcome.created += 1
                continue
            again = self._counted(found)
            if record.external_id in self._edits:
                changed.append((record, found.content_hash or digest, found.id))
            elif found.content_hash != digest:
                changed.append((record, digest, found.id))
                self.outcome.updated += not again
            else:
                self.outcome.unchanged += not again
                if not again:
                    unseen.append(found.id)
        return new, changed, unseen

    def _counted(self, found: _Existing) -> bool:
        """Whether this run has listed (and counted) the row already."""
        return self.writer.run_id is not None and found.seen_run_id == self.writer.run_id

    async def _seen(
        self, model: type[Location | Offering | Slot | ProviderLink], ids: list[int]
    ) -> None:
        if ids and self.writer.run_id is not None:
            await self.session.execute(
                sa.update(model)
                .where(col(model.id).in_(ids))
                .values(seen_run_id=self.writer.run_id)
            )

    def _provenance(self, digest: str, changed_at: datetime | None = None) -> dict[str, object]:
        return {
            "source_id": self.source_id,
            "fetched_at": self.writer.at,
            "last_changed_at": changed_at or self.writer.at,
            "content_hash": digest,
            "seen_run_id": self.writer.run_id,
        }

    # Providers -------------------------------------------------------------------------

    async def _providers(self, records: list[ProviderRecord]) -> None:
        """Provider identity: each record is this source's link to the one provider of its
        partita IVA (a new provider when there is none, or when it has no VAT and no link
        yet); the provider's fields are then merged from all its links."""
        if not records:
            return
        session = self.session
        links = await self._links([r.external_id for r in records])
        existing = {
            ext: _Existing(link.id or 0, link.content_hash, link.seen_run_id)
            for ext, link in links.items()
        }
        new, changed, unseen = self._split(records, existing, self._provider_digest)
        await self._seen(ProviderLink, unseen)
        touched: list[int] = []  # providers to merge: those that lost a link first
        for record, digest in [*new, *((r, d) for r, d, _ in changed)]:
            link = links.get(record.external_id)
            target = await self._provider_for(record, link)
            values = {
                "provider_id": target,
                "priority": self.writer.priority,
                "vat_number": record.vat_number,
                "said": _provider_said(record),
                "fetched_at": self.writer.at,
                "last_changed_at": self.writer.at,
                "content_hash": digest,
                "seen_run_id": self.writer.run_id,
                "same_as": self._declared(record),
            }
            if link is None:
                await session.execute(
                    sa.insert(ProviderLink).values(
                        source_id=self.source_id, external_id=record.external_id, **values
                    )
                )
                # The provider this source stored for it before links existed, when the
                # partita IVA joins it to another: the other takes its rows.
                legacy = await self._legacy(record.external_id)
                if legacy is not None and legacy != target:
                    await self._move(legacy, target)
                    if not await _drop_if_unlinked(session, legacy, target):
                        touched.insert(0, legacy)
            else:
                previous = link.provider_id  # the update below refreshes `link` itself
                await session.execute(
                    sa.update(ProviderLink).where(col(ProviderLink.id) == link.id).values(**values)
                )
                if previous != target:
                    await self._move(previous, target)
                    if await _drop_if_unlinked(session, previous, target):
                        self._dirty_providers.discard(previous)
                    else:
                        touched.insert(0, previous)
            touched.append(target)
            touched[:0] = await self._adopt_declared(record, target)
        for provider_id in dict.fromkeys(touched):
            await merge_provider(session, provider_id, self.writer.actor)
        self._dirty_providers.update(touched)

    def _declared(self, record: ProviderRecord) -> str | None:
        """The organisation the source declares this one is (only without a VAT)."""
        return None if record.vat_number else self.writer.same_as.get(record.external_id)

    def _provider_digest(self, record: ProviderRecord) -> str:
        declared = self._declared(record)
        digest = content_hash(record)
        if declared is None:
            return digest
        return hashlib.sha256(f"{digest}|same as {declared}".encode()).hexdigest()

    async def _declared_provider(self, declared: str) -> int | None:
        """The provider a declaration names, once its source has listed it."""
        if declared.startswith("vat:"):
            return await provider_of_vat(self.session, declared.removeprefix("vat:"))
        source_name, _, external_id = declared.partition("/")
        return await linked_provider(self.session, source_name, external_id)

    async def _adopt_declared(self, record: ProviderRecord, target: int) -> list[int]:
        """Other sources' organisations declared to be this one, stored before it was:
        their links (with their offerings and locations) join its provider. The providers
        they leave, to merge again when they keep other links."""
        if self._source_name is None:
            self._source_name = await self.session.scalar(
                sa.select(col(Source.name)).where(col(Source.id) == self.source_id)
            )
        names = [f"{self._source_name}/{record.external_id}"]
        if record.vat_number:
            names.append(f"vat:{record.vat_number}")
        rows = await self.session.execute(
            sa.select(
                col(ProviderLink.id), col(ProviderLink.source_id), col(ProviderLink.provider_id)
            ).where(
                col(ProviderLink.same_as).in_(names),
                col(ProviderLink.vat_number).is_(None),
                col(ProviderLink.provider_id) != target,
            )
        )
        left: list[int] = []
        for link_id, source_id, previous in rows.all():
            await self.session.execute(
                sa.update(ProviderLink)
                .where(col(ProviderLink.id) == link_id)
                .values(provider_id=target)
            )
            await _move_rows(self.session, source_id, previous, target)
            if not await _drop_if_unlinked(self.session, previous, target):
                left.append(previous)
        return left

    async def _links(self, ids: list[str]) -> dict[str, ProviderLink]:
        rows = await self.session.execute(
            sa.select(ProviderLink).where(
                col(ProviderLink.source_id) == self.source_id,
                col(ProviderLink.external_id).in_(ids),
            )
        )
        return {link.external_id: link for link in rows.scalars()}

    async def _provider_for(self, record: ProviderRecord, link: ProviderLink | None) -> int:
        """The provider a record belongs to: the one of its partita IVA; else the one it
        was linked to, while nothing else links there; else the provider this source
        created for it before links existed; else a new one."""
        session = self.session
        if record.vat_number is not None:
            found = await provider_of_vat(session, record.vat_number)
            if found is not None:
                return found
        declared = self._declared(record)
        if declared is not None and (same := await self._declared_provider(declared)) is not None:
            return same
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
            legacy = await self._legacy(record.external_id)
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
        created = row_id(inserted.scalar_one())
        self._changes.append(
            Entry("Provider", created, ChangeAction.CREATE, diff({}, _provider_said(record)))
        )
        return created

    async def _legacy(self, external_id: str) -> int | None:
        """The provider this source's record made before provider links existed."""
        found = await self.session.scalar(
            sa.select(col(Provider.id)).where(
                col(Provider.source_id) == self.source_id,
                col(Provider.external_id) == external_id,
                ~sa.exists().where(col(ProviderLink.provider_id) == col(Provider.id)),
            )
        )
        return None if found is None else row_id(found)

    async def _move(self, old: int, new: int) -> None:
        """This source's offerings and locations of a provider follow its link to another
        (a partita IVA that merges two providers, or one corrected)."""
        await _move_rows(self.session, self.source_id, old, new)

    async def _provider_ids(self, ids: list[str]) -> dict[str, int]:
        """This source's ids of organisations -> providers, through its links (and, for a
        provider stored before links existed and not read since, its own row)."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        linked = await self.session.execute(
            sa.select(col(ProviderLink.external_id), col(ProviderLink.provider_id)).where(
                col(ProviderLink.source_id) == self.source_id,
                col(ProviderLink.external_id).in_(wanted),
            )
        )
        found = {str(external): row_id(id_) for external, id_ in linked}
        missing = [external for external in wanted if external not in found]
        if missing:
            legacy = await self.session.execute(
                sa.select(col(Provider.external_id), col(Provider.id)).where(
                    col(Provider.source_id) == self.source_id,
                    col(Provider.external_id).in_(missing),
                )
            )
            found.update({str(external): row_id(id_) for external, id_ in legacy})
        return found

    # Locations -------------------------------------------------------------------------

    async def _locations(self, records: list[LocationRecord]) -> None:
        if not records:
            return
        session = self.session
        existing = await self._existing(Location, (r.external_id for r in records))
        new, changed, unseen = self._split(records, existing)
        await self._seen(Location, unseen)
        await self._backfill(Location, records, existing, {i for _, _, i in changed})
        providers = await self._provider_ids(
            [r.provider_external_id for r in records if r.provider_external_id]
        )

        def values(
            record: LocationRecord, digest: str, found: _Existing | None = None
        ) -> dict[str, object]:
            stored, edited = self._edited("Location", record, found)
            return {
                **_location_values(stored),
                "provider_id": providers.get(stored.provider_external_id or ""),
                **self._provenance(digest),
                **edited,
            }

        if new:
            rows = [values(r, d) for r, d in new]
            inserted = await session.execute(sa.insert(Location).returning(col(Location.id)), rows)
            new_ids = [row_id(i) for i in inserted.scalars()]
            self._created("Location", new_ids, rows)
            self._dirty_locations.update(new_ids)
        if changed:
            found_by_id = {found.id: found for found in existing.values()}
            moved = [i for _, _, i in changed]
            # The providers they belonged to before, in case a location changed hands.
            previous = await session.execute(
                sa.select(col(Location.provider_id)).where(col(Location.id).in_(moved))
            )
            self._dirty_providers.update(p for p in previous.scalars() if p is not None)
            await session.execute(
                sa.update(Location),
                [{"id": i, **values(r, d, found_by_id[i])} for r, d, i in changed],
            )
            self._dirty_locations.update(moved)

    def _resolvable(
        self,
        records: Sequence[R],
        known: Mapping[str, int],
        reference: Callable[[R], str],
        what: str,
    ) -> list[R]:
        """The records whose reference (to a provider or an offering) the catalogue knows;
        the others are refused."""
        resolvable = []
        for record in records:
            if reference(record) in known:
                resolvable.append(record)
            else:
                reason = f"{what} {reference(record)!r} is unknown or quarantined"
                self.outcome.refused.append(Refusal(record, reason, invalid=False))
        return resolvable

    # Offerings -------------------------------------------------------------------------

    async def _offerings(self, records: list[OfferingRecord]) -> None:
        if not records:
            return
        session = self.session
        providers = await self._provider_ids([r.provider_external_id for r in records])
        resolvable = _last_wins(
            self._resolvable(records, providers, lambda r: r.provider_external_id, "provider")
        )
        existing = await self._existing(Offering, (r.external_id for r in resolvable))
        # Fast path: a stored hash equal to the plain content hash means nothing changed
        # and every location resolved last time; only the rest needs the context.
        candidates = []
        unseen: list[int] = []
        for record in resolvable:
            found = existing.get(record.external_id)
            editing = record.external_id in self._edits
            if found is not None and not editing and found.content_hash == content_hash(record):
                if not self._counted(found):
                    self.outcome.unchanged += 1
                    unseen.append(found.id)
            else:
                candidates.append(record)
        await self._seen(Offering, unseen)
        candidate_ids = {r.external_id for r in candidates}
        unchanged = [r for r in resolvable if r.external_id not in candidate_ids]
        await self._backfill(Offering, unchanged, existing, set())
        if not candidates:
            return
        context = await _OfferingContext.load(session, self.source_id, candidates, providers)
        new, changed, unseen = self._split(candidates, existing, context.digest)
        await self._seen(Offering, unseen)
        if not new and not changed:
            return
        ids: dict[str, int] = {}
        stored: list[OfferingRecord] = []  # with the registry's overrides
        if new:
            rows = []
            for r, d in new:
                effective, edited = self._edited("Offering", r, None)
                stored.append(effective)
                rows.append(
                    {**context.values(effective), **self._provenance(d, r.last_modified), **edited}
                )
            inserted = await session.execute(
                sa.insert(Offering).returning(col(Offering.external_id), col(Offering.id)), rows
            )
            ids.update((str(external), row_id(id_)) for external, id_ in inserted)
            self._created("Offering", [ids[r.external_id] for r, _ in new], rows)
        if changed:
            found_by_id = {found.id: found for found in existing.values()}
            rows = []
            for r, d, i in changed:
                effective, edited = self._edited("Offering", r, found_by_id[i])
                stored.append(effective)
                rows.append(
                    {
                        "id": i,
                        **context.values(effective),
                        **self._provenance(d, r.last_modified),
                        **edited,
                    }
                )
            await session.execute(sa.update(Offering), rows)
            ids.update((r.external_id, i) for r, _, i in changed)
            await _delete_children(session, [i for _, _, i in changed])
        self._written_offerings.update(ids.values())
        await context.insert_children(session, self.source_id, stored, ids)
        await refresh_occurrences(session, list(ids.values()))
        await refresh_rule_sets(session, list(ids.values()))

    # Slots -----------------------------------------------------------------------------

    async def _slots(self, records: list[SlotRecord]) -> None:
        if not records:
            return
        offerings = await self._offering_ids(r.offering_external_id for r in records)
        resolvable = self._resolvable(
            records, offerings, lambda r: r.offering_external_id, "offering"
        )
        existing = await self._existing(Slot, (r.external_id for r in resolvable))
        new, changed, unseen = self._split(resolvable, existing)
        await self._seen(Slot, unseen)

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
                "fetched_at": self.writer.at,
                "content_hash": digest,
                "seen_run_id": self.writer.run_id,
            }

        if new:
            await self.session.execute(sa.insert(Slot), [values(r, d) for r, d in new])
        if changed:
            await self.session.execute(
                sa.update(Slot), [{"id": i, **values(r, d)} for r, d, i in changed]
            )

    async def _offering_ids(self, external_ids: Iterable[str]) -> dict[str, int]:
        wanted = list(set(external_ids))
        rows = await self.session.execute(
            sa.select(col(Offering.external_id), col(Offering.id)).where(
                col(Offering.source_id) == self.source_id,
                col(Offering.external_id).in_(wanted),
            )
        )
        return {str(external): row_id(id_) for external, id_ in rows}

    # Derived data ------------------------------------------------------------------------

    async def _refresh_dependents(self) -> None:
        """Recompute search text and district flag of the offerings this write did not
        store but whose provider or locations it created, changed or moved."""
        if not self._dirty_providers and not self._dirty_locations:
            return
        session = self.session
        affected: set[int] = set()
        providers = set(self._dirty_providers)
        for chunk in _chunks(sorted(self._dirty_locations), CHUNK):
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
        for chunk in _chunks(sorted(providers), CHUNK):
            offered = await session.execute(
                sa.select(col(Offering.id)).where(col(Offering.provider_id).in_(chunk))
            )
            affected.update(row_id(i) for i in offered.scalars())
        for chunk in _chunks(sorted(affected - self._written_offerings), CHUNK):
            await refresh_offerings(session, chunk, self.writer.actor)
        self._dirty_providers.clear()
        self._dirty_locations.clear()


class _OfferingContext:
    """What computing a batch of offerings' columns needs from the database."""

    def __init__(
        self,
        providers: dict[str, int],
        provider_names: dict[int, str],
        providers_in_district: set[int],
        locations: dict[str, tuple[int, bool]],
        categories: dict[str, int],
        inactive: set[int],
    ) -> None:
        self.providers = providers
        self.provider_names = provider_names
        self.inactive = inactive
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
        names = (
            await session.execute(
                sa.select(col(Provider.id), col(Provider.name), col(Provider.active)).where(
                    col(Provider.id).in_(provider_ids)
                )
            )
        ).all()
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
            {row_id(id_): name for id_, name, _ in names},
            await _providers_in_district(session, provider_ids),
            {str(ext): (row_id(id_), flag) for ext, id_, flag in location_rows},
            {code: row_id(id_) for code, id_ in categories},
            {row_id(id_) for id_, _, active in names if not active},
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
            "status": offering_status_shown(record.status, provider_id not in self.inactive),
            "listed_status": record.status,
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
    # Sorted: the record's order and the database's give one document (and no spurious
    # change when refresh_offerings recomputes it).
    labels = [
        label
        for code in sorted(set(categories))
        if code in CATEGORY_INFO
        for label in (CATEGORY_INFO[code].label_it, CATEGORY_INFO[code].label_en)
    ]
    return search_document(
        title_it, title_en, description_it, description_en, provider_name, *labels
    )


def offering_status_shown(listed: OfferingStatus, provider_active: bool) -> OfferingStatus:
    """What readers see of an offering's status: a deactivated provider's are suspended.
    (A sync run's shown status is models.source.shown_status.)"""
    if listed is OfferingStatus.ACTIVE and not provider_active:
        return OfferingStatus.SUSPENDED
    return listed


async def refresh_offerings(
    session: AsyncSession, offering_ids: Sequence[int], actor: Actor | None = None
) -> None:
    """Recompute the derived columns (search text, district flag, shown status) of some
    offerings; those whose status changed are recorded in the audit trail by `actor`."""
    rows = (
        await session.execute(
            sa.select(Offering, col(Provider.name), col(Provider.active))
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
        session, {offering.provider_id for offering, _, _ in rows}
    )
    updates: list[dict[str, object]] = []
    changes: list[Entry] = []
    for offering, name, active in rows:
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
        status = offering_status_shown(offering.listed_status, active)
        derived = {"search_text": search_text, "in_district": district, "status": status}
        if all(getattr(offering, name) == value for name, value in derived.items()):
            continue
        updates.append({"id": id_, **derived, "version": offering.version + 1})
        if status != offering.status:
            moved = {"status": [offering.status.value, status.value]}
            changes.append(Entry("Offering", id_, ChangeAction.UPDATE, moved))
    if updates:
        await session.execute(sa.update(Offering), updates)
    if actor is not None:
        await audit.record(session, actor, changes)


async def provider_of_vat(session: AsyncSession, vat_number: str) -> int | None:
    """The provider of a normalised partita IVA (one per VAT; the oldest if rows stored
    before provider identity repeat it)."""
    found = await session.scalar(
        sa.select(col(Provider.id))
        .where(col(Provider.vat_number) == vat_number)
        .order_by(col(Provider.id))
        .limit(1)
    )
    return None if found is None else row_id(found)


async def linked_provider(session: AsyncSession, source_name: str, external_id: str) -> int | None:
    """The provider a source's organisation is part of, through the source's link."""
    found = await session.scalar(
        sa.select(col(ProviderLink.provider_id))
        .join(Source, col(Source.id) == col(ProviderLink.source_id))
        .where(col(Source.name) == source_name, col(ProviderLink.external_id) == external_id)
    )
    return None if found is None else row_id(found)


# The registry's rules ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleChanges:
    """What replacing the registry's rules did."""

    created: int
    updated: int
    unchanged: int
    deleted: int


async def replace_registry_rules(
    session: AsyncSession, rules: Sequence[dict[str, Any]], actor: Actor | None = None
) -> RuleChanges:
    """Make the registry's own rules (those of no source) exactly `rules`, each the
    columns of an EligibilityRule with a unique `key`, and recompute the rule sets."""
    stored = {
        row.key: row
        for row in (
            await session.execute(
                sa.select(EligibilityRule).where(col(EligibilityRule.source_id).is_(None))
            )
        ).scalars()
    }
    created = updated = unchanged = 0
    changes: list[Entry] = []
    for values in rules:
        row = stored.pop(values["key"], None)
        if row is None:
            await put_registry_rule(session, values, actor)
            created += 1
        elif await put_registry_rule(session, values, actor, row):
            updated += 1
        else:
            unchanged += 1
    for row in stored.values():
        changes.append(Entry("EligibilityRule", row_id(row.id), ChangeAction.DELETE, {}))
        await session.delete(row)
    await session.flush()
    if actor is not None:
        await audit.record(session, actor, changes)
    if created or updated or stored:
        await refresh_rule_sets(session)
    return RuleChanges(created, updated, unchanged, len(stored))


# The columns of a registry rule that its audit entries show.
RULE_FIELDS = ("key", "scope", "area", "provider_id", "offering_id", "body")


async def put_registry_rule(
    session: AsyncSession,
    values: dict[str, Any],
    actor: Actor | None,
    row: EligibilityRule | None = None,
) -> EligibilityRule | None:
    """Create a registry rule, or bring `row` to `values` (its version moves); the rule
    written, None when `row` already had them. The caller recomputes the rule sets."""
    if row is None:
        row = EligibilityRule(**values)
        session.add(row)
        await session.flush()
        after = {name: values.get(name) for name in RULE_FIELDS}
        entry = Entry("EligibilityRule", row_id(row.id), ChangeAction.CREATE, diff({}, after))
    else:
        before = {name: getattr(row, name) for name in (*RULE_FIELDS, *values)}
        if all(before[name] == value for name, value in values.items()):
            return None
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utc_now()
        row.version += 1
        await session.flush()
        entry = Entry("EligibilityRule", row_id(row.id), ChangeAction.UPDATE, diff(before, values))
    if actor is not None:
        await audit.record(session, actor, [entry])
    return row


# Provider identity ---------------------------------------------------------------------


def _provider_said(record: ProviderRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in PROVIDER_FIELDS}


async def _move_rows(session: AsyncSession, source_id: int, old: int, new: int) -> None:
    """A source's offerings and locations of one provider pass to another."""
    for model in (Offering, Location):
        await session.execute(
            sa.update(model)
            .where(col(model.source_id) == source_id, col(model.provider_id) == old)
            .values(provider_id=new)
        )


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


async def merge_provider(
    session: AsyncSession, provider_id: int, actor: Actor | None = None
) -> None:
    """A provider's fields from its links, by precedence: for each field, the link of
    the highest source `priority`, then the most recently changed, that gives it; a
    member of the alliance if any source says so. The registry's link (REGISTRY_PRIORITY)
    comes first, and decides membership whenever it states it. Its provenance columns
    name the link that gave the name, `field_sources` the link that gave each field. A
    provider left without links keeps what it had. A change moves its version and is
    recorded in the audit trail by `actor`."""
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
    said_by: dict[str, dict[str, object]] = {}
    registry = links[0] if links[0].priority >= REGISTRY_PRIORITY else None
    for name in PROVIDER_FIELDS:
        if name == "alliance_member":  # a member if any source says so
            if registry is not None and registry.said.get(name) is not None:
                giver: ProviderLink | None = registry
            else:
                giver = next((link for link in links if link.said.get(name)), None)
            merged[name] = bool(giver is not None and giver.said.get(name))
        else:
            giver = next((link for link in links if link.said.get(name) not in (None, "")), None)
            merged[name] = None if giver is None else giver.said[name]
        if giver is not None:
            changed = giver.last_changed_at
            said_by[name] = {
                "source_id": giver.source_id,
                "external_id": giver.external_id,
                "changed_at": changed.isoformat() if changed else None,
            }
            if giver is registry:  # what the sources say, that the registry overrides
                said_by[name]["source_value"] = _sources_value(links[1:], name)
    name = str(merged["name"] or "")
    first = next((link for link in links if link.said.get("name")), links[0])
    before = (
        await session.execute(
            sa.select(*(col(getattr(Provider, f)) for f in PROVIDER_FIELDS)).where(
                col(Provider.id) == provider_id
            )
        )
    ).one()
    changes = diff(dict(zip(PROVIDER_FIELDS, before, strict=True)), merged)
    await session.execute(
        sa.update(Provider)
        .where(col(Provider.id) == provider_id)
        .values(
            **merged,
            field_sources=said_by,
            name_sort=fold(name),
            source_id=first.source_id,
            external_id=first.external_id,
            fetched_at=max((link.fetched_at for link in links if link.fetched_at), default=None),
            last_changed_at=first.last_changed_at,
            content_hash=None,
            version=col(Provider.version) + (1 if changes else 0),
        )
    )
    if changes and actor is not None:
        await audit.record(
            session, actor, [Entry("Provider", provider_id, ChangeAction.UPDATE, changes)]
        )


def _sources_value(links: Sequence[ProviderLink], name: str) -> object:
    """What a provider's sources say of a field, by precedence (None: none says)."""
    if name == "alliance_member":
        return any(link.said.get(name) for link in links)
    return next((link.said[name] for link in links if link.said.get(name) not in (None, "")), None)


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


def _last_wins(records: Sequence[R]) -> list[R]:
    """One record per external id: a source repeating an id within a batch means its last."""
    return list({record.external_id: record for record in records}.values())


def _chunks(items: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
