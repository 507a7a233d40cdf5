"""Running syncs for the operator: a progress bar while they run, a summary table after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from connectors.config import ConfigError, SourceConfig, format_duration
from connectors.fetch import http_client
from connectors.locks import LEASE, SyncInProgress
from connectors.preview import Preview
from connectors.records import Record
from connectors.runs import await_other_run
from connectors.sync import sync_source
from models import Source, SyncProblem, SyncRun, SyncStatus
from models.db import session_factory

# Quarantined records listed under the table, per source (all of them are in the graph).
SHOWN_PROBLEMS = 5
COLUMNS = ("fetched", "created", "updated", "unchanged", "withdrawn", "quarantined")


# How long `concilia sync` waits for another process's sync of a source, by default.
WAIT = timedelta(minutes=10)


@dataclass
class Outcome:
    """How the sync of one source went: its run (this process's, or `elsewhere` that of
    the process that was syncing it), or why there is none (its declaration is invalid,
    or another process's sync did not end in time)."""

    source: SourceConfig
    run: SyncRun | None = None
    refused: str | None = None
    problems: list[SyncProblem] = field(default_factory=list)
    elsewhere: bool = False

    @property
    def failed(self) -> bool:
        return self.run is None or self.run.status in {SyncStatus.FAILED, SyncStatus.DEAD}


def _consoles() -> tuple[Console, Console]:
    out, err = Console(), Console(stderr=True)
    # In logs and pipes, keep each table row and message on one line.
    if not out.is_terminal:
        out = Console(width=160)
    if not err.is_terminal:
        err = Console(stderr=True, width=1000)
    return out, err


async def sync_all(
    engine: AsyncEngine,
    sources: list[SourceConfig],
    *,
    lease: timedelta = LEASE,
    wait: timedelta = WAIT,
) -> list[Outcome]:
    """Sync each source in turn, showing progress on a terminal; a source that another
    process is syncing is waited for (at most `wait`) and reported with its run."""
    sessions = session_factory(engine)
    outcomes = []
    _, err = _consoles()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    async with http_client() as client:
        with Progress(*columns, console=err, transient=True) as progress:
            for source in sources:
                task = progress.add_task(f"{source.name}: 0 records", total=None)
                advance = _counter(progress, task, source.name)
                outcome = Outcome(source)
                try:
                    outcome.run = await sync_source(
                        sessions, source, client, progress=advance, lease=lease
                    )
                except SyncInProgress:
                    progress.update(task, description=f"{source.name}: synced elsewhere")
                    await _await_elsewhere(sessions, outcome, wait)
                except ConfigError as error:
                    # One source misdeclared does not stop the others.
                    outcome.refused = source.redact(str(error))
                progress.remove_task(task)
                if outcome.run is not None and outcome.run.quarantined:
                    outcome.problems = await _problems(engine, outcome.run)
                outcomes.append(outcome)
    return outcomes


async def _await_elsewhere(
    sessions: async_sessionmaker[AsyncSession], outcome: Outcome, wait: timedelta
) -> None:
    """The outcome of another process's sync of the source, once it has ended."""
    async with sessions() as session:
        source_id = await session.scalar(
            sa.select(col(Source.id)).where(col(Source.name) == outcome.source.name)
        )
    if source_id is not None:
        name = outcome.source.name
        outcome.run = await await_other_run(sessions, source_id, name, wait.total_seconds())
    outcome.elsewhere = True
    if outcome.run is None:
        outcome.refused = (
            "another process was syncing it and did not record an outcome within "
            + format_duration(wait)
        )


def _counter(progress: Progress, task: TaskID, name: str) -> Callable[[int], None]:
    """The engine's progress callback: records read so far, on the task's line."""
    read = 0

    def advance(count: int) -> None:
        nonlocal read
        read += count
        progress.update(task, completed=read, description=f"{name}: {read} records")

    return advance


async def _problems(engine: AsyncEngine, run: SyncRun) -> list[SyncProblem]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            sa.select(SyncProblem)
            .where(col(SyncProblem.sync_run_id) == run.id)
            .order_by(col(SyncProblem.id))
            .limit(SHOWN_PROBLEMS)
        )
        return list(rows.scalars())


def report(outcomes: list[Outcome]) -> bool:
    """Print the summary table (and failures, refusals, sample problems on stderr);
    whether every sync succeeded."""
    out, err = _consoles()
    table = Table("source", "run", "status", *COLUMNS, box=None, pad_edge=False)
    for column in table.columns[3:]:
        column.justify = "right"
    for outcome in outcomes:
        run = outcome.run
        if run is None:
            table.add_row(outcome.source.name, "-", "REFUSED", *["-"] * len(COLUMNS))
            continue
        status = "NOT_MODIFIED" if run.not_modified else run.status.value
        counts = (run.fetched, run.created, run.updated, run.unchanged, run.withdrawn)
        table.add_row(
            outcome.source.name, str(run.id), status, *map(str, counts), str(run.quarantined)
        )
    out.print(table)
    for outcome in outcomes:
        _explain(err, outcome)
    return not any(outcome.failed for outcome in outcomes)


def _explain(err: Console, outcome: Outcome) -> None:
    name = outcome.source.name
    if outcome.refused:
        err.print(f"{name}: {outcome.refused}", markup=False)
    elif outcome.elsewhere and outcome.run is not None:
        err.print(f"{name}: synced by another process (run {outcome.run.id})", markup=False)
    if outcome.run is not None and outcome.run.error:
        err.print(f"{name}: {outcome.run.error}", markup=False)
    for problem in outcome.problems:
        record = f"{problem.record_kind} {problem.external_id or '(no id)'}"
        err.print(f"{name}: quarantined {record}: {problem.reason}", markup=False)
    hidden = (outcome.run.quarantined if outcome.run else 0) - len(outcome.problems)
    if hidden > 0:
        err.print(f"{name}: ... and {hidden} more (query sources {{ lastRun {{ quarantined }} }})")


# The fields of a sample record worth a glance, per kind.
_SAMPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "provider": ("external_id", "name", "vat_number", "alliance_member", "website"),
    "location": ("external_id", "address", "cap", "city", "latitude", "longitude"),
    "offering": (
        "external_id",
        "provider_external_id",
        "title_it",
        "categories",
        "delivery_mode",
        "cost_options",
        "location_external_ids",
        "schedules",
    ),
    "slot": ("external_id", "offering_external_id", "start", "capacity", "remaining"),
}


def print_preview(result: Preview) -> None:
    """What `concilia sources check` shows: counts, samples, problems, unmapped terms."""
    out, _ = _consoles()
    source = result.source
    out.print(f"{source.name} ({source.kind}): {source.shown_url}", markup=False)
    kinds = [k for k in _SAMPLE_FIELDS if result.mapped[k] or result.quarantined[k]]
    table = Table("records", "mapped", "quarantined", box=None, pad_edge=False)
    for kind in kinds:
        table.add_row(kind, str(result.mapped[kind]), str(result.quarantined[kind]))
    if result.deletions:
        table.add_row("deletions", str(result.deletions), "-")
    out.print(table)
    if result.truncated:
        out.print("(stopped at --limit: the source has more records)")
    for kind in kinds:
        for record in result.samples.get(kind, []):
            out.print(f"sample {kind}: {_sample(kind, record)}", markup=False)
    if result.problems:
        problems = Table("quarantined", "id", "reason", box=None, pad_edge=False)
        for problem in result.problems:
            problems.add_row(problem.record_kind, problem.external_id or "(no id)", problem.reason)
        out.print(problems)
        hidden = sum(result.quarantined.values()) - len(result.problems)
        if hidden > 0:
            out.print(f"... and {hidden} more")
    if result.unmapped:
        terms = Table("unmapped term", "records", box=None, pad_edge=False)
        for term, count in result.unmapped.most_common():
            terms.add_row(term, str(count))
        out.print(terms)
        out.print("(map them in the source's [source.categories] table: see the README, Sources)")


def _sample(kind: str, record: Record) -> str:
    parts = []
    for name in _SAMPLE_FIELDS[kind]:
        value = getattr(record, name)
        if value in (None, (), ""):
            continue
        if name == "cost_options":
            value = [_price(option.amount_cents) for option in value]
        elif name == "schedules":
            value = f"{len(value)} schedule(s)"
        elif isinstance(value, tuple):
            value = ", ".join(str(item) for item in value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        parts.append(f"{name}={value}")
    return " ".join(parts)


def _price(cents: int | None) -> str:
    if cents is None:
        return "?"
    return "free" if cents == 0 else f"{cents / 100:.2f}"
