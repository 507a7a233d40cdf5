"""Sources and their sync runs, for operators and for provenance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col

from models import ProviderLink, Source, SyncProblem, SyncRun, SyncTerm
from resolvers.queries import Sessions, by_key, children, fetch_all, fetch_keyed, grouped

if TYPE_CHECKING:
    from resolvers.context import Context


async def sources(ctx: Context) -> list[Source]:
    return await fetch_all(ctx.sessions, sa.select(Source).order_by(col(Source.name)))


async def sources_by_id(sessions: Sessions, ids: Sequence[int]) -> list[Source | None]:
    rows = await fetch_all(sessions, sa.select(Source).where(col(Source.id).in_(ids)))
    return by_key(ids, rows, lambda source: source.id)


async def sync_runs_by_id(sessions: Sessions, ids: Sequence[int]) -> list[SyncRun | None]:
    rows = await fetch_all(sessions, sa.select(SyncRun).where(col(SyncRun.id).in_(ids)))
    return by_key(ids, rows, lambda run: run.id)


async def last_runs(sessions: Sessions, source_ids: Sequence[int]) -> list[SyncRun | None]:
    """The latest sync run of each source, in one statement."""
    latest = (
        sa.select(sa.func.max(col(SyncRun.id)))
        .where(col(SyncRun.source_id).in_(source_ids))
        .group_by(col(SyncRun.source_id))
    )
    rows = await fetch_all(sessions, sa.select(SyncRun).where(col(SyncRun.id).in_(latest)))
    return by_key(source_ids, rows, lambda run: run.source_id)


async def problems_of_runs(sessions: Sessions, run_ids: Sequence[int]) -> list[list[SyncProblem]]:
    parent, order = col(SyncProblem.sync_run_id), col(SyncProblem.id)
    return await children(sessions, SyncProblem, parent, run_ids, order)


async def terms_of_runs(sessions: Sessions, run_ids: Sequence[int]) -> list[list[SyncTerm]]:
    """Each run's unmapped terms, the most frequent first."""
    rows = await fetch_all(
        sessions,
        sa.select(SyncTerm)
        .where(col(SyncTerm.sync_run_id).in_(run_ids))
        .order_by(col(SyncTerm.count).desc(), col(SyncTerm.term)),
    )
    return grouped(run_ids, [(row.sync_run_id, row) for row in rows])


async def sources_of_providers(
    sessions: Sessions, provider_ids: Sequence[int]
) -> list[list[Source]]:
    """The sources each provider was seen in (its links), by name, in one statement (a
    source with two links to one provider is listed once)."""
    rows = await fetch_keyed(
        sessions,
        sa.select(Source)
        .join(ProviderLink, col(ProviderLink.source_id) == col(Source.id))
        .where(col(ProviderLink.provider_id).in_(provider_ids))
        .order_by(col(Source.name)),
        col(ProviderLink.provider_id),
    )
    return [
        list({source.id: source for source in group}.values())
        for group in grouped(provider_ids, rows)
    ]
