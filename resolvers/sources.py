"""Sources and their sync runs, for operators and for provenance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel, col

from models import (
    Location,
    Offering,
    ProviderLink,
    Source,
    SyncProblem,
    SyncRun,
    SyncStatus,
    SyncTerm,
)
from models.redaction import redact, summarise
from models.source import DEAD_RUN_ERROR, shown_status
from models.types import utc_now
from resolvers.queries import (
    Sessions,
    by_key,
    children,
    fetch_all,
    fetch_keyed,
    fetch_rows,
    grouped,
)

if TYPE_CHECKING:
    from resolvers.context import Context

M = TypeVar("M", bound=SQLModel)


async def sources(ctx: Context) -> list[Source]:
    rows = await fetch_all(ctx.sessions, sa.select(Source).order_by(col(Source.name)))
    return [_shown_source(row) for row in rows]


async def sources_by_id(sessions: Sessions, ids: Sequence[int]) -> list[Source | None]:
    rows = await fetch_all(sessions, sa.select(Source).where(col(Source.id).in_(ids)))
    return by_key(ids, [_shown_source(row) for row in rows], lambda source: source.id)


# What a row's writer said, and the registry's overrides of it (both JSON objects).
Edits = tuple[dict[str, Any], dict[str, Any]]


async def edits_by_id(
    sessions: Sessions, model: type[Location | Offering], ids: Sequence[int]
) -> list[Edits | None]:
    """What the rows' writers said and the registry's overrides, which the read path
    leaves out of the rows themselves (resolvers.queries.UNREAD)."""
    rows = await fetch_rows(
        sessions,
        sa.select(col(model.id), col(model.said), col(model.overrides)).where(
            col(model.id).in_(ids)
        ),
    )
    found = {id_: (said or {}, overrides or {}) for id_, said, overrides in rows}
    return [found.get(id_) for id_ in ids]


async def sync_runs_by_id(sessions: Sessions, ids: Sequence[int]) -> list[SyncRun | None]:
    rows = await fetch_all(sessions, sa.select(SyncRun).where(col(SyncRun.id).in_(ids)))
    return by_key(ids, [_shown_run(row) for row in rows], lambda run: run.id)


async def last_runs(sessions: Sessions, source_ids: Sequence[int]) -> list[SyncRun | None]:
    """The latest sync run of each source, in one statement."""
    latest = (
        sa.select(sa.func.max(col(SyncRun.id)))
        .where(col(SyncRun.source_id).in_(source_ids))
        .group_by(col(SyncRun.source_id))
    )
    rows = await fetch_all(sessions, sa.select(SyncRun).where(col(SyncRun.id).in_(latest)))
    return by_key(source_ids, [_shown_run(row) for row in rows], lambda run: run.source_id)


async def problems_of_runs(sessions: Sessions, run_ids: Sequence[int]) -> list[list[SyncProblem]]:
    parent, order = col(SyncProblem.sync_run_id), col(SyncProblem.id)
    groups = await children(sessions, SyncProblem, parent, run_ids, order)
    return [[_shown_problem(row) for row in group] for group in groups]


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
        list({source.id: _shown_source(source) for source in group}.values())
        for group in grouped(provider_ids, rows)
    ]


# Rows stored before sources were redacted when synced (models.redaction) may still hold
# credentials and server paths: what is read is redacted again (a no-op on newer rows).


def _shown_source(row: Source) -> Source:
    url = redact(row.url)
    return row if url == row.url else _copy(Source, row, url=url)


def _shown_run(row: SyncRun) -> SyncRun:
    """A run as it is shown: redacted, and DEAD as soon as its lease expires, before the
    next sync or scheduler records it so (a killed process never says it stopped)."""
    error = None if row.error is None else summarise(row.error)
    if shown_status(row.status, row.lease_until, utc_now()) is not row.status:
        return _copy(SyncRun, row, status=SyncStatus.DEAD, error=DEAD_RUN_ERROR)
    return row if error == row.error else _copy(SyncRun, row, error=error)


def _shown_problem(row: SyncProblem) -> SyncProblem:
    reason = summarise(row.reason)
    return row if reason == row.reason else _copy(SyncProblem, row, reason=reason)


def _copy(model: type[M], row: M, **changes: object) -> M:
    """A read-only row as an instance of its model, with `changes`."""
    return model(**{name: getattr(row, name) for name in model.model_fields} | changes)
