"""The mutations' resolvers: who may write what, and one transaction per edit.

hub.access has already refused writes to anonymous clients and partners (and the
admin-only mutations to editors) from the document alone; what remains is the editor's
scope, which needs the data: an editor's key writes only its own provider's records.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Location, Offering, Role, editing
from models.editing import EditError, Editor, RuleTarget, rule_by_key
from resolvers.errors import Forbidden
from resolvers.nodes import decode_id
from resolvers.queries import fetch_all

if TYPE_CHECKING:
    from resolvers.context import Context


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an edit was not made (a Relay payload's user error)."""

    field: tuple[str, ...]
    code: str
    message: str


@dataclass
class Edited:
    """An edit's outcome: the object's id (None when there is none), and the problems."""

    id: int | None
    problems: list[Problem] = field(default_factory=list)


Work = Callable[[AsyncSession, Editor], Awaitable[int | None]]


async def edit(ctx: Context, work: Work, object_id: int | None = None) -> Edited:
    """Run one edit in its own transaction; an EditError rolls it back and becomes a
    problem (with the object as it stands, when there is one)."""
    if ctx.actor is None:  # hub.access lets no anonymous write through
        raise Forbidden("writing needs an API key")
    editor = Editor(ctx.actor)
    try:
        async with ctx.sessions.begin() as session:
            done = await work(session, editor)
    except EditError as error:
        problem = Problem(error.field, error.code, error.message)
        return Edited(object_id, [problem])
    return Edited(done if done is not None else object_id)


def require_admin(ctx: Context, what: str) -> None:
    if ctx.role is not Role.ADMIN:
        raise Forbidden(f"{what} needs a key with the admin role")


def require_provider(ctx: Context, provider_id: int | None) -> None:
    """An admin writes everything; an editor only its own provider's records."""
    if ctx.role is Role.ADMIN:
        return
    if ctx.role is Role.EDITOR and provider_id is not None and ctx.editor_of == provider_id:
        return
    raise Forbidden("this key may write only its own provider's records")


def object_id(global_id: str, type_name: str) -> int:
    """The database id in a global ID of `type_name` (BadUserInput otherwise)."""
    return decode_id(global_id, type_name)[1]


async def provider_of(
    session: AsyncSession, model: type[Location | Offering], id_: int
) -> int | None:
    """The provider a location or offering belongs to (None when it does not exist)."""
    found = await session.scalar(sa.select(col(model.provider_id)).where(col(model.id) == id_))
    return None if found is None else int(found)


async def rule_target_provider(session: AsyncSession, target: RuleTarget) -> int | None:
    """The provider whose editors may write a rule on `target` (None: an area's rule)."""
    if target.provider_id is not None:
        return target.provider_id
    if target.offering_id is not None:
        return await provider_of(session, Offering, target.offering_id)
    return None


async def check_rule_scope(ctx: Context, session: AsyncSession, target: RuleTarget) -> None:
    """Area rules are alliance-wide: admins only; others by the provider they concern."""
    if target.area is not None:
        require_admin(ctx, "an alliance-wide (area) rule")
        return
    require_provider(ctx, await rule_target_provider(session, target))


async def check_existing_rule(ctx: Context, session: AsyncSession, key: str) -> None:
    """An existing rule is rewritten or removed only by who may write its target."""
    row = await rule_by_key(session, key)
    if row is not None:
        target = RuleTarget(row.area, row.provider_id, row.offering_id)
        await check_rule_scope(ctx, session, target)


async def rows_by_id(ctx: Context, model: type[Any], id_: int | None) -> Any:
    """A row read fresh after an edit (the request's loaders may hold the old one)."""
    if id_ is None:
        return None
    rows = await fetch_all(ctx.sessions, sa.select(model).where(model.id == id_))
    return rows[0] if rows else None


# The mutations ---------------------------------------------------------------------------


async def create_provider(ctx: Context, fields: dict[str, Any]) -> Edited:
    require_admin(ctx, "creating a provider")
    return await edit(ctx, lambda session, editor: editing.create_provider(session, editor, fields))


async def update_provider(
    ctx: Context, global_id: str, version: int, changes: dict[str, Any]
) -> Edited:
    id_ = object_id(global_id, "Provider")
    require_provider(ctx, id_)
    if "alliance_member" in changes:
        require_admin(ctx, "alliance membership")

    async def work(session: AsyncSession, editor: Editor) -> int:
        await editing.update_provider(session, editor, id_, version, changes)
        return id_

    return await edit(ctx, work, id_)


async def set_provider_active(ctx: Context, global_id: str, version: int, active: bool) -> Edited:
    id_ = object_id(global_id, "Provider")
    require_admin(ctx, "deactivating a provider" if not active else "reactivating a provider")

    async def work(session: AsyncSession, editor: Editor) -> int:
        await editing.set_provider_active(session, editor, id_, version, active)
        return id_

    return await edit(ctx, work, id_)


async def create_location(ctx: Context, provider: str, fields: dict[str, Any]) -> Edited:
    provider_id = object_id(provider, "Provider")
    require_provider(ctx, provider_id)
    return await edit(
        ctx, lambda session, editor: editing.create_location(session, editor, provider_id, fields)
    )


async def update_location(
    ctx: Context, global_id: str, version: int, changes: dict[str, Any]
) -> Edited:
    id_ = object_id(global_id, "Location")

    async def work(session: AsyncSession, editor: Editor) -> int:
        require_provider(ctx, await provider_of(session, Location, id_))
        await editing.update_location(session, editor, id_, version, changes)
        return id_

    return await edit(ctx, work, id_)


async def create_offering(
    ctx: Context, provider: str, fields: dict[str, Any], locations: list[str]
) -> Edited:
    provider_id = object_id(provider, "Provider")
    require_provider(ctx, provider_id)
    location_ids = [object_id(location, "Location") for location in locations]
    return await edit(
        ctx,
        lambda session, editor: editing.create_offering(
            session, editor, provider_id, fields, location_ids
        ),
    )


async def update_offering(
    ctx: Context,
    global_id: str,
    version: int,
    changes: dict[str, Any],
    restore: list[str] | None = None,
    locations: list[str] | None = None,
) -> Edited:
    id_ = object_id(global_id, "Offering")
    location_ids = (
        None if locations is None else [object_id(location, "Location") for location in locations]
    )

    async def work(session: AsyncSession, editor: Editor) -> int:
        require_provider(ctx, await provider_of(session, Offering, id_))
        await editing.update_offering(session, editor, id_, version, changes, restore, location_ids)
        return id_

    return await edit(ctx, work, id_)


async def set_rule(
    ctx: Context,
    key: str,
    target: RuleTarget,
    body: object,
    descriptions: tuple[str | None, str | None],
    version: int | None,
) -> Edited:
    async def work(session: AsyncSession, editor: Editor) -> int:
        await check_rule_scope(ctx, session, target)
        await check_existing_rule(ctx, session, key)
        return await editing.set_rule(session, editor, key, target, body, descriptions, version)

    return await edit(ctx, work)


async def remove_rule(ctx: Context, key: str, version: int) -> Edited:
    async def work(session: AsyncSession, editor: Editor) -> None:
        await check_existing_rule(ctx, session, key)
        await editing.remove_rule(session, editor, key, version)

    return await edit(ctx, work)
