"""The audit trail read back: changes newest first, filtered by object, actor, kind, time
and action, paginated by keyset on the change's id (models.audit appends, never updates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col

from models.audit import ActorKind, Change, ChangeAction
from resolvers.errors import BadUserInput
from resolvers.inputs import shown, utc_moment
from resolvers.pagination import Page, decode_cursor, encode_cursor, keyset_page, page_size

if TYPE_CHECKING:
    from resolvers.context import Context

# The types whose changes the catalogue write path records (models.audit: `object_type`).
OBJECT_TYPES = ("Offering", "Provider", "Location", "EligibilityRule")
# Ids grow with every append, so the newest change has the largest id: it alone is the key.
ORDERING = "id:DESC"
_ACTOR_LENGTH = 120  # models.audit.Change.actor


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """Conditions on changes; every one given must hold. Times are checked here."""

    # The object (its type and id), from its global ID.
    object: tuple[str, int] | None = None
    object_type: str | None = None
    actor: str | None = None
    actor_kind: ActorKind | None = None
    since: datetime | None = None
    until: datetime | None = None
    action: ChangeAction | None = None


def conditions(flt: ChangeFilter) -> list[sa.ColumnElement[bool]]:
    """The filter as SQL conditions; BadUserInput for a value no change can have."""
    where: list[sa.ColumnElement[bool]] = []
    if flt.object is not None:
        type_name, id_ = flt.object
        where += [
            col(Change.object_type) == _trailed(type_name, "object"),
            col(Change.object_id) == id_,
        ]
    if flt.object_type is not None:
        where.append(col(Change.object_type) == _trailed(flt.object_type, "objectType"))
    if flt.actor is not None:
        where.append(col(Change.actor) == _actor(flt.actor))
    if flt.actor_kind is not None:
        where.append(col(Change.actor_kind) == flt.actor_kind)
    if flt.action is not None:
        where.append(col(Change.action) == flt.action)
    since = utc_moment(flt.since, "since") if flt.since is not None else None
    until = utc_moment(flt.until, "until") if flt.until is not None else None
    if since is not None and until is not None and since > until:
        raise BadUserInput("`since` must not be after `until`")
    if since is not None:
        where.append(col(Change.at) >= since)
    if until is not None:
        where.append(col(Change.at) < until)
    return where


def _trailed(type_name: str, argument: str) -> str:
    if type_name not in OBJECT_TYPES:
        raise BadUserInput(
            f"`{argument}`: the trail records changes of {', '.join(OBJECT_TYPES)}, "
            f"not {shown(type_name)}"
        )
    return type_name


def _actor(name: str) -> str:
    # PostgreSQL refuses a NUL byte in text; no stored name is longer than the column.
    if "\x00" in name or len(name) > _ACTOR_LENGTH:
        raise BadUserInput(f"`actor` must be a name of at most {_ACTOR_LENGTH} characters")
    return name


async def changes_page(
    ctx: Context, flt: ChangeFilter, first: int | None, after: str | None
) -> Page[Change]:
    """One page of the trail, newest first: one statement, and one more for the total."""
    size = page_size(first)
    where = conditions(flt)
    statement = sa.select(Change).where(*where)
    if after is not None:
        _, last_id = decode_cursor(after, ORDERING, "integer")
        statement = statement.where(col(Change.id) < last_id)
    statement = statement.order_by(col(Change.id).desc())

    count = sa.select(sa.func.count()).select_from(Change).where(*where)
    return await keyset_page(
        ctx.sessions,
        statement,
        count,
        size,
        after,
        lambda c: encode_cursor(ORDERING, c.id, c.id or 0),
    )
