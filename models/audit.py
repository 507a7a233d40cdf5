"""The audit trail: who changed what in the catalogue, when, and from what to what.

Every writer names itself with an `Actor` (a key's holder through a mutation, a source's
sync run, the rules import, the operator at the command line); the catalogue write path
(models.catalogue, models.editing) records one `Change` per object it creates, changes
or withdraws, with the before and after of the fields that changed. Rows are appended,
never updated: the trail is what happened.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from models.types import UTCDateTime, enum_column, utc_now


class ActorKind(enum.StrEnum):
    """What kind of writer made a change."""

    KEY = "KEY"  # a mutation, by an API key's holder
    SOURCE = "SOURCE"  # a sync run of a source
    IMPORT = "IMPORT"  # `concilia rules import`
    OPERATOR = "OPERATOR"  # the operator at the command line (`concilia query`)


class ChangeAction(enum.StrEnum):
    """What a change did to its object."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    WITHDRAW = "WITHDRAW"
    DELETE = "DELETE"  # only registry rules are ever deleted; catalogue rows never are


@dataclass(frozen=True, slots=True)
class Actor:
    """Who writes: recorded with every change it makes."""

    kind: ActorKind
    name: str
    key_id: int | None = None
    source_id: int | None = None
    run_id: int | None = None


IMPORT = Actor(ActorKind.IMPORT, "rules import")


class Change(SQLModel, table=True):
    """One change of one object: its before and after, field by field."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    actor_kind: ActorKind = Field(sa_type=enum_column(ActorKind))
    # The key's name, the source's name, "rules import" or "operator".
    actor: str = Field(max_length=120)
    key_id: int | None = Field(default=None, index=True)
    source_id: int | None = Field(default=None, index=True)
    sync_run_id: int | None = None
    # The object's GraphQL type (Offering, Provider, Location, EligibilityRule) and id.
    object_type: str = Field(max_length=40)
    object_id: int
    action: ChangeAction = Field(sa_type=enum_column(ChangeAction))
    # field name -> [before, after], JSON values (dates and times in ISO 8601).
    fields: dict[str, list[Any]] = Field(default_factory=dict, sa_type=sa.JSON)


sa.Index("ix_change_object", col(Change.object_type), col(Change.object_id), col(Change.id))
sa.Index("ix_change_actor", col(Change.actor), col(Change.id))
sa.Index("ix_change_at", col(Change.at), col(Change.id))


def json_value(value: object) -> Any:
    """A value as the trail stores it: JSON, with enums by value and times in ISO 8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): json_value(item) for key, item in value.items()}
    return value


def diff(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, list[Any]]:
    """The fields of `after` whose value differs from `before`'s: name -> [before, after]."""
    changed: dict[str, list[Any]] = {}
    for name, value in after.items():
        old, new = json_value(before.get(name)), json_value(value)
        if old != new:
            changed[name] = [old, new]
    return changed


@dataclass(frozen=True, slots=True)
class Entry:
    """A change to record: the object, what was done, the fields' before and after."""

    object_type: str
    object_id: int
    action: ChangeAction
    fields: dict[str, list[Any]]


async def record(session: AsyncSession, actor: Actor, entries: Sequence[Entry]) -> None:
    """Append changes to the trail, in the writer's transaction (one statement)."""
    if not entries:
        return
    at = utc_now()
    await session.execute(
        sa.insert(Change),
        [
            {
                "at": at,
                "actor_kind": actor.kind,
                "actor": actor.name[:120],
                "key_id": actor.key_id,
                "source_id": actor.source_id,
                "sync_run_id": actor.run_id,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "action": entry.action,
                "fields": entry.fields,
            }
            for entry in entries
        ],
    )
