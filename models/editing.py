"""The registry's edits: what the mutations write, through the catalogue write path.

The hub's own registry is a source like the others (the `registry` source row): the
providers, locations and offerings it creates are its records, written by the catalogue
(models.catalogue) with everything derived from them. An edit of a source's row is an
override: the catalogue applies it over everything the source says later, and the row
keeps what the source said (models.provenance.Overridable). A provider's edits are the
registry's link to it, which outranks every source (merge_provider).

Every edit of an existing object names the version it started from; a stale one is a
conflict, never a silent overwrite. The row is claimed first, so that of two concurrent
edits of one version the second waits for the first and then finds its version moved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import Actor, ChangeAction, Entry, diff, record
from models.catalogue import (
    REGISTRY_PRIORITY,
    Catalogue,
    Writer,
    merge_provider,
    provider_of_vat,
    put_registry_rule,
    refresh_offerings,
)
from models.eligibility import RuleError, parse_rule, rule_json
from models.enums import Area, RuleScope
from models.location import Location
from models.offering import Offering
from models.provider import Provider, ProviderLink
from models.records import (
    LocationRecord,
    OfferingRecord,
    ProviderRecord,
    Record,
    apply_overrides,
    json_values,
    load_record,
    record_json,
)
from models.rule import EligibilityRule, refresh_rule_sets, rule_hash
from models.source import REGISTRY, Source
from models.types import row_id, utc_now
from models.validation import InvalidRecord, check

# Fields of a source's offering the registry may not override: which provider and which
# of the source's places it belongs to are the source's to say.
NOT_OVERRIDABLE = frozenset({"external_id", "provider_external_id", "location_external_ids"})


class EditError(Exception):
    """An edit that cannot be made, and why: a code, and the input field at fault."""

    def __init__(self, code: str, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def not_found(what: str, id_: int) -> EditError:
    return EditError("NOT_FOUND", f"no {what} with ID {id_}", ("id",))


@dataclass(frozen=True, slots=True)
class Editor:
    """Who edits, and when."""

    actor: Actor

    def writer(self, source_id: int) -> Writer:
        return Writer(source_id, utc_now(), priority=REGISTRY_PRIORITY, actor=self.actor)


async def registry_source(session: AsyncSession) -> int:
    """The id of the registry's source row, created on first use."""
    query = sa.select(col(Source.id)).where(col(Source.name) == REGISTRY)
    found = await session.scalar(query)
    if found is not None:
        return row_id(found)
    try:
        async with session.begin_nested():
            inserted = await session.execute(
                sa.insert(Source)
                .values(
                    name=REGISTRY,
                    kind=REGISTRY,
                    url="",
                    description="The hub's own registry: what its editors enter in the graph.",
                )
                .returning(col(Source.id))
            )
            return row_id(inserted.scalar_one())
    except IntegrityError:  # a concurrent first edit made it
        return row_id(await session.scalar(query))


async def claim(session: AsyncSession, model: type[Any], id_: int, version: int, what: str) -> None:
    """Hold the row for this transaction if it is still at `version`; EditError NOT_FOUND
    or CONFLICT otherwise."""
    table = model.__table__
    claimed = await session.execute(
        sa.update(table)
        .where(table.c.id == id_, table.c.version == version)
        .values(version=table.c.version)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return
    current = await session.scalar(sa.select(table.c.version).where(table.c.id == id_))
    if current is None:
        raise not_found(what, id_)
    raise EditError(
        "CONFLICT",
        f"the {what} changed since version {version} (it is at version {current}): "
        "read it again and repeat the edit",
        ("version",),
    )


def _checked(record: Record) -> Record:
    try:
        return check(record)
    except InvalidRecord as error:
        raise EditError("INVALID", str(error), (error.field,) if error.field else ()) from None


async def _write(session: AsyncSession, writer: Writer, record: Record) -> None:
    outcome = await Catalogue(session, writer).write([record])
    if outcome.refused:
        refusal = outcome.refused[0]
        raise EditError("INVALID", refusal.reason)


# Providers -----------------------------------------------------------------------------


async def create_provider(session: AsyncSession, editor: Editor, fields: dict[str, Any]) -> int:
    """A new provider of the registry; DUPLICATE when its partita IVA is known already."""
    record = _checked(ProviderRecord(external_id=uuid.uuid4().hex, **fields))
    assert isinstance(record, ProviderRecord)
    if record.vat_number is not None:
        existing = await provider_of_vat(session, record.vat_number)
        if existing is not None:
            raise EditError(
                "DUPLICATE",
                f"provider {existing} has partita IVA {record.vat_number}: edit it instead",
                ("vatNumber",),
            )
    source_id = await registry_source(session)
    await _write(session, editor.writer(source_id), record)
    link = await _registry_link(session, source_id, external_id=record.external_id)
    assert link is not None
    # What the registry states of it: its values, and membership whatever it is.
    said = {k: v for k, v in record_json(record).items() if v is not None}
    said.pop("external_id", None)
    await _set_said(session, link, said)
    return link.provider_id


async def update_provider(
    session: AsyncSession, editor: Editor, provider_id: int, version: int, changes: dict[str, Any]
) -> None:
    """Set fields of a provider: the registry's values win over every source's."""
    await claim(session, Provider, provider_id, version, "provider")
    current = await session.get_one(Provider, provider_id)
    probe = ProviderRecord(
        external_id="-",
        name=(changes["name"] or "") if "name" in changes else current.name,
        **{k: v for k, v in changes.items() if k != "name"},
    )
    checked = _checked(probe)
    normalised = {name: getattr(checked, name) for name in changes}
    vat = normalised.get("vat_number")
    if vat is not None and vat != current.vat_number:
        other = await provider_of_vat(session, vat)
        if other is not None and other != provider_id:
            raise EditError("DUPLICATE", f"provider {other} has partita IVA {vat}", ("vatNumber",))
    source_id = await registry_source(session)
    link = await _registry_link(session, source_id, provider_id=provider_id)
    if link is None:
        link = await _new_link(session, source_id, provider_id, current.vat_number)
    await _set_said(session, link, {**link.said, **json_values(normalised)})
    if "vat_number" in normalised:
        await session.execute(
            sa.update(ProviderLink).where(col(ProviderLink.id) == link.id).values(vat_number=vat)
        )
    await merge_provider(session, provider_id, editor.actor)


async def set_provider_active(
    session: AsyncSession, editor: Editor, provider_id: int, version: int, active: bool
) -> None:
    """Deactivate a provider (its offerings show SUSPENDED) or activate it again."""
    await claim(session, Provider, provider_id, version, "provider")
    before = await session.scalar(
        sa.select(col(Provider.active)).where(col(Provider.id) == provider_id)
    )
    if before == active:
        return
    await session.execute(
        sa.update(Provider)
        .where(col(Provider.id) == provider_id)
        .values(active=active, version=col(Provider.version) + 1)
    )
    entry = Entry(
        "Provider", provider_id, ChangeAction.UPDATE, diff({"active": before}, {"active": active})
    )
    await record(session, editor.actor, [entry])
    offered = await session.execute(
        sa.select(col(Offering.id)).where(col(Offering.provider_id) == provider_id)
    )
    ids = [row_id(id_) for id_ in offered.scalars()]
    if ids:
        await refresh_offerings(session, ids, editor.actor)


async def _registry_link(
    session: AsyncSession,
    source_id: int,
    *,
    provider_id: int | None = None,
    external_id: str | None = None,
) -> ProviderLink | None:
    condition = (
        col(ProviderLink.provider_id) == provider_id
        if external_id is None
        else col(ProviderLink.external_id) == external_id
    )
    # One per provider, but two providers merged by a partita IVA may bring two: the oldest.
    return (
        await session.execute(
            sa.select(ProviderLink)
            .where(col(ProviderLink.source_id) == source_id, condition)
            .order_by(col(ProviderLink.id))
            .limit(1)
        )
    ).scalar_one_or_none()


async def _new_link(
    session: AsyncSession, source_id: int, provider_id: int, vat_number: str | None
) -> ProviderLink:
    """The registry's link to a provider it has not edited yet: it states nothing, and
    lets the registry's locations and offerings name the provider."""
    link = ProviderLink(
        provider_id=provider_id,
        source_id=source_id,
        external_id=uuid.uuid4().hex,
        vat_number=vat_number,
        priority=REGISTRY_PRIORITY,
        said={},
        fetched_at=utc_now(),
        last_changed_at=utc_now(),
    )
    session.add(link)
    await session.flush()
    return link


async def _set_said(session: AsyncSession, link: ProviderLink, said: dict[str, Any]) -> None:
    await session.execute(
        sa.update(ProviderLink)
        .where(col(ProviderLink.id) == link.id)
        .values(said=said, priority=REGISTRY_PRIORITY, last_changed_at=utc_now(), content_hash=None)
    )
    await session.refresh(link)


async def _provider_reference(session: AsyncSession, provider_id: int) -> tuple[int, str]:
    """The registry source and its external id for a provider (its link, made if new)."""
    current = await session.get(Provider, provider_id)
    if current is None:
        raise EditError("NOT_FOUND", f"no provider with ID {provider_id}", ("providerId",))
    source_id = await registry_source(session)
    link = await _registry_link(session, source_id, provider_id=provider_id)
    if link is None:
        link = await _new_link(session, source_id, provider_id, current.vat_number)
    return source_id, link.external_id


# Locations and offerings ---------------------------------------------------------------


async def create_location(
    session: AsyncSession, editor: Editor, provider_id: int, fields: dict[str, Any]
) -> int:
    """A new place of a provider, in the registry."""
    source_id, provider_ref = await _provider_reference(session, provider_id)
    record = LocationRecord(
        external_id=uuid.uuid4().hex, provider_external_id=provider_ref, **fields
    )
    _checked(record)
    await _write(session, editor.writer(source_id), record)
    return await _row_of(session, Location, source_id, record.external_id)


async def create_offering(
    session: AsyncSession,
    editor: Editor,
    provider_id: int,
    fields: dict[str, Any],
    location_ids: list[int],
) -> int:
    """A new offering of a provider, in the registry, delivered at registry locations."""
    source_id, provider_ref = await _provider_reference(session, provider_id)
    places = await _registry_places(session, source_id, location_ids)
    record = OfferingRecord(
        external_id=uuid.uuid4().hex,
        provider_external_id=provider_ref,
        location_external_ids=places,
        **fields,
    )
    _checked(record)
    await _write(session, editor.writer(source_id), record)
    return await _row_of(session, Offering, source_id, record.external_id)


async def update_location(
    session: AsyncSession, editor: Editor, location_id: int, version: int, changes: dict[str, Any]
) -> None:
    await _edit(session, editor, Location, LocationRecord, location_id, version, changes, [])


async def update_offering(
    session: AsyncSession,
    editor: Editor,
    offering_id: int,
    version: int,
    changes: dict[str, Any],
    restore: list[str] | None = None,
    location_ids: list[int] | None = None,
) -> None:
    """Set fields of an offering (its status too: suspend, withdraw, reinstate); on a
    source's offering they are overrides, and `restore` drops overrides so that the
    source's values show again."""
    if location_ids is not None:
        source_id = await registry_source(session)
        changes = {
            **changes,
            "location_external_ids": await _registry_places(session, source_id, location_ids),
        }
    await _edit(
        session, editor, Offering, OfferingRecord, offering_id, version, changes, restore or []
    )


async def _edit(
    session: AsyncSession,
    editor: Editor,
    model: type[Location | Offering],
    kind: type[LocationRecord | OfferingRecord],
    id_: int,
    version: int,
    changes: dict[str, Any],
    restore: list[str],
) -> None:
    what = model.__name__.lower()
    await claim(session, model, id_, version, what)
    row: Location | Offering = await session.get_one(model, id_)
    if not row.said:
        raise EditError(
            "NOT_EDITABLE",
            f"this {what} was stored before the registry could edit it: it becomes editable"
            " after its source's next sync",
        )
    source_id = await registry_source(session)
    said: Any = load_record(kind, row.said)  # type: ignore[type-var]
    values = json_values(changes)
    if row.source_id == source_id:  # the registry's own: the record itself changes
        said = replace(said, **changes)
        overrides: dict[str, Any] = {}
    else:
        refused = sorted(NOT_OVERRIDABLE & set(changes))
        if refused:
            raise EditError(
                "INVALID",
                f"{refused[0]} of a source's {what} is the source's to say",
                (refused[0],),
            )
        merged = {**(row.overrides or {}), **values}
        overrides = {name: value for name, value in merged.items() if name not in restore}
    _checked(apply_overrides(said, overrides))
    if row.source_id is None:
        raise EditError("NOT_EDITABLE", f"this {what} has no writer to edit it through")
    # The catalogue rewrites the row from what its writer said and the new overrides.
    catalogue = Catalogue(session, editor.writer(row_id(row.source_id)))
    outcome = await catalogue.edit(said, overrides)
    if outcome.refused:
        raise EditError("INVALID", outcome.refused[0].reason)


async def _row_of(
    session: AsyncSession, model: type[Location | Offering], source_id: int, external_id: str
) -> int:
    found = await session.scalar(
        sa.select(col(model.id)).where(
            col(model.source_id) == source_id, col(model.external_id) == external_id
        )
    )
    return row_id(found)


async def _registry_places(
    session: AsyncSession, source_id: int, location_ids: list[int]
) -> tuple[str, ...]:
    """The registry's external ids of locations; INVALID when one is not the registry's
    (a source's place is linked by its own offerings: create the place in the registry)."""
    rows = await session.execute(
        sa.select(col(Location.id), col(Location.source_id), col(Location.external_id)).where(
            col(Location.id).in_(location_ids)
        )
    )
    found = {row_id(id_): (source, external) for id_, source, external in rows}
    for id_ in location_ids:
        if id_ not in found:
            raise EditError("NOT_FOUND", f"no location with ID {id_}", ("locationIds",))
        if found[id_][0] != source_id:
            raise EditError(
                "INVALID",
                f"location {id_} is a source's: an offering of the registry is delivered at"
                " the registry's locations (createLocation)",
                ("locationIds",),
            )
    return tuple(str(found[id_][1]) for id_ in location_ids)


# Eligibility rules ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleTarget:
    """What a registry rule applies to: exactly one of an area, a provider, an offering."""

    area: Area | None = None
    provider_id: int | None = None
    offering_id: int | None = None

    @property
    def scope(self) -> RuleScope:
        if self.area is not None:
            return RuleScope.AREA
        return RuleScope.PROVIDER if self.provider_id is not None else RuleScope.OFFERING


async def set_rule(
    session: AsyncSession,
    editor: Editor,
    key: str,
    target: RuleTarget,
    body: object,
    descriptions: tuple[str | None, str | None],
    version: int | None,
) -> int:
    """Create the registry rule `key`, or replace it (naming the version it edits), by
    the same code as the rules import (models.catalogue.put_registry_rule)."""
    try:
        canonical = rule_json(parse_rule(body))
    except RuleError as error:
        raise EditError("INVALID", f"invalid rule: {error}", ("rule",)) from None
    row = await _rule_of(session, key)
    if row is not None:
        if version is None:
            raise EditError(
                "DUPLICATE", f"rule {key!r} exists: give its version to replace it", ("key",)
            )
        await claim(session, EligibilityRule, row_id(row.id), version, "rule")
    elif version is not None:
        raise EditError("NOT_FOUND", f"no rule {key!r}", ("key",))
    values = {
        "key": key,
        "scope": target.scope,
        "area": target.area,
        "provider_id": target.provider_id,
        "offering_id": target.offering_id,
        "source_id": None,
        "body": canonical,
        "body_hash": rule_hash(canonical),
        "description_it": descriptions[0],
        "description_en": descriptions[1],
    }
    written = await put_registry_rule(session, values, editor.actor, row)
    if written is not None:
        await refresh_rule_sets(session)
    kept = written or row
    assert kept is not None  # a new rule is always written
    return row_id(kept.id)


async def remove_rule(session: AsyncSession, editor: Editor, key: str, version: int) -> None:
    """Delete a registry rule (rules are the registry's own statements; catalogue rows are
    withdrawn, never deleted)."""
    row = await _rule_of(session, key)
    if row is None:
        raise EditError("NOT_FOUND", f"no rule {key!r}", ("key",))
    await claim(session, EligibilityRule, row_id(row.id), version, "rule")
    await record(
        session, editor.actor, [Entry("EligibilityRule", row_id(row.id), ChangeAction.DELETE, {})]
    )
    await session.delete(row)
    await session.flush()
    await refresh_rule_sets(session)


async def rule_by_key(session: AsyncSession, key: str) -> EligibilityRule | None:
    """The registry rule named `key`."""
    return await _rule_of(session, key)


async def _rule_of(session: AsyncSession, key: str) -> EligibilityRule | None:
    return (
        await session.execute(
            sa.select(EligibilityRule).where(
                col(EligibilityRule.key) == key, col(EligibilityRule.source_id).is_(None)
            )
        )
    ).scalar_one_or_none()
