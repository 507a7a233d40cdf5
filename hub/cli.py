"""`concilia`: the operator's command line."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from contextlib import nullcontext
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from connectors.config import ConfigError, load_sources
from connectors.fetch import FetchError, http_client
from connectors.preview import Preview, preview
from connectors.scheduler import CONCURRENCY
from hub.access import OPERATOR
from hub.documents import ManifestError
from hub.keys import KeyProblem, create_key, list_keys, revoke_key
from hub.logs import JsonFormatter, redact_handlers
from hub.pipeline import GraphQLRequest, Pipeline
from hub.registry import ImportReport, import_rules, load_rules
from hub.scheduling import alongside, run_scheduler
from hub.settings import Settings
from hub.syncing import WAIT, Outcome, print_preview, report, sync_all
from models import Role, migrations
from models.db import drop_db, init_db, is_sqlite, session_factory
from models.migrations import MigrationError
from models.redaction import redact
from schema import build_schema, federation_sdl, public_sdl

T = TypeVar("T")

app = typer.Typer(
    help="Concilia Hub: the GraphQL hub of the Milano Concilia 4.0 welfare alliance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
rules_app = typer.Typer(help="The alliance's registry of eligibility rules.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
sources_app = typer.Typer(help="The declared sources.")
app.add_typer(sources_app, name="sources")
keys_app = typer.Typer(help='API keys (README, "Keys and roles").', no_args_is_help=True)
app.add_typer(keys_app, name="keys")


class CliError(Exception):
    """A failure to report as one line on stderr with a non-zero exit."""


def _settings() -> Settings:
    return Settings()


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(main())


def _echo_err(message: str) -> None:
    typer.echo(f"concilia: {message}", err=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Server processes (default: CONCILIA_WORKERS, else one per core)."
        ),
    ] = None,
    with_scheduler: Annotated[
        bool,
        typer.Option(
            "--with-scheduler", help="Also run the scheduler (`concilia scheduler`), once."
        ),
    ] = False,
) -> None:
    """Serve the hub: GraphQL (and GraphiQL) at /graphql, /healthz, /readyz, /metrics."""
    from hub.serving import serve as run_server  # noqa: PLC0415 - only the server needs it
    from hub.serving import worker_count  # noqa: PLC0415

    settings = _settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    processes = worker_count(settings, workers)
    typer.echo(
        f"Concilia Hub on http://{bind_host}:{bind_port}/graphql ({_db_label(settings)}, "
        f"{processes} worker{'s' if processes > 1 else ''}"
        f"{', scheduler' if with_scheduler else ''})"
    )
    with alongside(_scheduler_process) if with_scheduler else nullcontext():
        run_server(settings, bind_host, bind_port, processes)


@app.command()
def scheduler(
    concurrency: Annotated[
        int, typer.Option(min=1, help="Syncs of different sources running at once.")
    ] = CONCURRENCY,
) -> None:
    """Sync each source that declares `every` whenever it is due, until SIGTERM or SIGINT."""
    _run(lambda: run_scheduler(_settings(), concurrency=concurrency))


def _scheduler_process() -> None:
    """`serve --with-scheduler`'s scheduler, in a process of its own (spawned: it
    configures its logs as the CLI does)."""
    _configure_logging()
    _run(lambda: run_scheduler(_settings()))


@app.command()
def demo(
    yes: Annotated[
        bool, typer.Option("--yes", help="Also recreate a database that is not SQLite.")
    ] = False,
) -> None:
    """Recreate the database and sync the demo sources into it."""
    settings = _settings()

    async def main() -> tuple[list[Outcome], ImportReport]:
        engine = settings.engine()
        try:
            if not is_sqlite(engine) and not yes:
                raise CliError("`demo` erases the database; pass --yes for a non-SQLite one")
            await drop_db(engine)
            await init_db(engine)
            lease = timedelta(seconds=settings.sync_lease)
            outcomes = await sync_all(engine, load_sources(settings.sources), lease=lease)
            return outcomes, await _import_rules(engine, settings.rules)
        finally:
            await engine.dispose()

    outcomes, imported = _run(main)
    synced = report(outcomes)
    typer.echo(_rules_line(settings.rules, imported))
    if not synced:
        raise typer.Exit(1)


@app.command()
def sync(
    source: Annotated[str | None, typer.Option(help="Only the source with this name.")] = None,
    wait: Annotated[
        float,
        typer.Option(min=0, help="Seconds to wait for a source that another process is syncing."),
    ] = WAIT.total_seconds(),
) -> None:
    """Sync the declared sources (CONCILIA_SOURCES) into the database."""
    settings = _settings()

    async def main() -> list[Outcome]:
        sources = load_sources(settings.sources)
        if source is not None:
            sources = [s for s in sources if s.name == source]
            if not sources:
                raise CliError(f"no source named {source!r} in {settings.sources}")
        engine = settings.engine()
        try:
            await init_db(engine)
            return await sync_all(
                engine,
                sources,
                lease=timedelta(seconds=settings.sync_lease),
                wait=timedelta(seconds=wait),
            )
        finally:
            await engine.dispose()

    _report(_run(main))


def _report(outcomes: list[Outcome]) -> None:
    if not report(outcomes):
        raise typer.Exit(1)


@rules_app.command("import")
def rules_import(
    path: Annotated[
        Path | None, typer.Argument(help="The rules file (default: CONCILIA_RULES).")
    ] = None,
) -> None:
    """Replace the registry's rules with the file's; nothing changes if any is invalid."""
    settings = _settings()
    rules_path = path or settings.rules

    async def main() -> ImportReport:
        engine = settings.engine()
        try:
            await init_db(engine)
            return await _import_rules(engine, rules_path)
        finally:
            await engine.dispose()

    typer.echo(_rules_line(rules_path, _run(main)))


@rules_app.command("check")
def rules_check(
    path: Annotated[
        Path | None, typer.Argument(help="The rules file (default: CONCILIA_RULES).")
    ] = None,
) -> None:
    """Validate a rules file without touching the database."""
    rules_path = path or _settings().rules
    typer.echo(f"{rules_path}: {len(load_rules(rules_path))} valid rules")


async def _import_rules(engine: AsyncEngine, path: Path) -> ImportReport:
    rules = load_rules(path)
    async with session_factory(engine).begin() as session:
        return await import_rules(session, rules)


def _rules_line(path: Path, done: ImportReport) -> str:
    return (
        f"rules from {path}: {done.created} created, {done.updated} updated, "
        f"{done.unchanged} unchanged, {done.deleted} deleted"
    )


@sources_app.callback(invoke_without_command=True)
def list_sources(context: typer.Context) -> None:
    """List the declared sources (`sources check NAME` previews one)."""
    if context.invoked_subcommand is not None:
        return
    settings = _settings()
    for config in load_sources(settings.sources):
        typer.echo(f"{config.name:<24} {config.kind:<12} {config.shown_url}")


@sources_app.command("check")
def sources_check(
    name: Annotated[str, typer.Argument(help="The source's name in the sources file.")],
    sample: Annotated[int, typer.Option(min=0, help="Mapped records shown per kind.")] = 3,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many records (default: all).")
    ] = None,
) -> None:
    """Fetch and map a source as a sync would, and show the result, writing nothing: a
    sample of the mapped records, every record that would be quarantined and why, and the
    terms of the source's taxonomy that no `categories` entry maps."""
    settings = _settings()
    sources = {config.name: config for config in load_sources(settings.sources)}
    config = sources.get(name)
    if config is None:
        known = ", ".join(sorted(sources)) or "none"
        raise CliError(f"no source named {name!r} in {settings.sources} (declared: {known})")

    async def main() -> Preview:
        async with http_client() as client:
            try:
                return await preview(config, client, sample=sample, limit=limit)
            except FetchError as error:
                # As a sync stores it: no credentials, paths as the sources file names them.
                raise CliError(config.summarise(str(error))) from None

    print_preview(_run(main))


@app.command()
def query(
    document: Annotated[str, typer.Argument(help="A GraphQL document, or @FILE to read one.")],
    variables: Annotated[str | None, typer.Option(help="Variables as a JSON object.")] = None,
    lang: Annotated[str, typer.Option(help="Text language: it or en.")] = "it",
) -> None:
    """Execute a GraphQL query in-process and print the JSON response (exit 1 on errors)."""
    from models.enums import Language  # noqa: PLC0415

    settings = _settings()
    text = _read_document(document)
    values = _parse_variables(variables)
    try:
        language = Language(lang)
    except ValueError:
        raise CliError(f"--lang must be one of: {', '.join(m.value for m in Language)}") from None

    async def main() -> dict[str, Any]:
        engine = settings.engine()
        try:
            pipeline = Pipeline.of(settings, session_factory(engine))
            request = GraphQLRequest(
                query=text, variables=values, lang=language, principal=OPERATOR
            )
            try:
                result: dict[str, Any] = orjson.loads((await pipeline.run(request)).body)
            finally:
                await pipeline.close()
        finally:
            await engine.dispose()
        return result

    response = _run(main)
    typer.echo(orjson.dumps(response, option=orjson.OPT_INDENT_2).decode())
    if "errors" in response:
        raise typer.Exit(1)


def _read_document(document: str) -> str:
    if not document.startswith("@"):
        return document
    try:
        return Path(document[1:]).read_text(encoding="utf-8")
    except OSError as error:
        raise CliError(f"cannot read {document[1:]}: {error.strerror or error}") from None


def _parse_variables(variables: str | None) -> dict[str, Any] | None:
    if variables is None:
        return None
    try:
        values = orjson.loads(variables)
    except orjson.JSONDecodeError as error:
        raise CliError(f"--variables is not valid JSON: {error}") from None
    if not isinstance(values, dict):
        raise CliError("--variables must be a JSON object")
    return values


class KeyRole(StrEnum):
    """The roles a key can have (anonymous needs none)."""

    partner = "partner"
    editor = "editor"
    admin = "admin"


@keys_app.command("create")
def keys_create(
    role: Annotated[KeyRole, typer.Option(help="What the key may do (README's table).")],
    name: Annotated[str, typer.Option(help="Who holds it: unique, shown in logs.")],
    provider: Annotated[
        str | None,
        typer.Option(help="An editor's provider: its global ID or partita IVA."),
    ] = None,
    explore: Annotated[bool, typer.Option(help="Introspection and GraphiQL in production.")] = True,
) -> None:
    """Create a key and print it: it is shown this once, the hub keeps only its hash."""
    issued = _with_session(
        lambda session: create_key(
            session, name=name, role=Role(role.value), provider=provider, explore=explore
        )
    )
    typer.echo(issued.secret)
    typer.echo(
        f"key {issued.key.name!r} ({issued.key.role.value}) created: send it as "
        "`Authorization: Bearer <key>`; it cannot be shown again",
        err=True,
    )


@keys_app.command("list")
def keys_list() -> None:
    """The keys: name, role, provider, shown prefix, created, revoked."""
    keys = _with_session(list_keys)
    if not keys:
        typer.echo("no keys")
    for key in keys:
        provider = f"provider {key.provider_id}" if key.provider_id is not None else "-"
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        typer.echo(
            f"{key.name:<24} {key.role.value:<8} {provider:<14} {key.prefix}…  "
            f"created {key.created_at:%Y-%m-%d %H:%M}  {state}"
            + ("" if key.explore else "  no-explore")
        )


@keys_app.command("revoke")
def keys_revoke(
    name: Annotated[str, typer.Argument(help="The key's name, or the prefix `keys list` shows.")],
) -> None:
    """Revoke a key: every worker refuses it within CONCILIA_KEY_CACHE_TTL seconds."""
    key = _with_session(lambda session: revoke_key(session, name))
    typer.echo(f"key {key.name!r} revoked")


def _with_session(work: Callable[[AsyncSession], Coroutine[Any, Any, T]]) -> T:
    """Run `work` in one transaction on the configured database (created if new)."""
    settings = _settings()

    async def main() -> T:
        engine = settings.engine()
        try:
            await init_db(engine)
            async with session_factory(engine).begin() as session:
                done = await work(session)
                await session.flush()
                return done
        finally:
            await engine.dispose()

    return _run(main)


@app.command("export-schema")
def export_schema(
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
    federation: Annotated[
        bool,
        typer.Option(
            "--federation",
            help="The subgraph SDL for Apollo Federation (`_service { sdl }`), with @key.",
        ),
    ] = False,
) -> None:
    """Print the schema in GraphQL SDL (what schema.graphql holds)."""
    schema = build_schema()
    sdl = (federation_sdl(schema) if federation else public_sdl(schema)) + "\n"
    if output is None:
        typer.echo(sdl, nl=False)
    else:
        output.write_text(sdl, encoding="utf-8")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[
        str, typer.Argument(help="The revision to upgrade to (default: the newest).")
    ] = "head",
) -> None:
    """Migrate the database to REVISION: create it when empty, adopt one made by the
    release before migrations, and seed the taxonomy (`demo`, `sync` and `serve` do this
    themselves)."""
    settings = _settings()

    async def main() -> str | None:
        engine = settings.engine()
        try:
            await init_db(engine, revision)
            return await migrations.current(engine)
        finally:
            await engine.dispose()

    typer.echo(f"database ready at {_revision_label(_run(main))} ({_db_label(settings)})")


@db_app.command("init")
def db_init() -> None:
    """Migrate the database to the newest revision (`db upgrade` without a revision)."""
    db_upgrade()


@db_app.command("downgrade")
def db_downgrade() -> None:
    """Undo the newest migration the database has; the baseline is never undone."""
    settings = _settings()

    async def main() -> str:
        engine = settings.engine()
        try:
            return await migrations.step_back(engine)
        finally:
            await engine.dispose()

    typer.echo(f"database at {_revision_label(_run(main))} ({_db_label(settings)})")


@db_app.command("current")
def db_current() -> None:
    """The database's revision, and whether it is the newest."""
    settings = _settings()

    async def main() -> str | None:
        engine = settings.engine()
        try:
            return await migrations.current(engine)
        finally:
            await engine.dispose()

    typer.echo(_revision_label(_run(main)))


def _revision_label(revision: str | None) -> str:
    newest = migrations.head()
    if revision is None:
        return "no revision (`concilia db upgrade` creates or adopts the schema)"
    if revision == newest:
        return f"revision {revision} (head)"
    return f"revision {revision} (not head: the newest is {newest})"


def _db_label(settings: Settings) -> str:
    url = settings.database_url
    return url.split("@")[-1] if "@" in url else url


class _OneLineFormatter(logging.Formatter):
    """Log records as one line: an exception shows as its first line, not a traceback."""

    def formatException(self, ei: Any) -> str:  # noqa: N802, ARG002 - logging's API
        return ""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record).rstrip()
        if record.exc_info and record.exc_info[1] is not None:
            line += f": {_first_line(record.exc_info[1])}"
        return line


def _configure_logging() -> None:
    handler = logging.StreamHandler()
    debug = bool(os.environ.get("CONCILIA_DEBUG"))
    if _log_format() == "json":
        handler.setFormatter(JsonFormatter(tracebacks=debug))
    elif not debug:
        handler.setFormatter(_OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    redact_handlers(handler)
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def _log_format() -> str:
    """CONCILIA_LOG_FORMAT, or what CONCILIA_ENV implies; text when the settings are
    invalid (the command then says what is wrong with them)."""
    try:
        return Settings().log_format
    except ValidationError:
        return "text"


def main() -> None:
    """Entry point of the `concilia` console script."""
    _configure_logging()
    try:
        app()
    except (CliError, ConfigError, FetchError, ManifestError, KeyProblem, MigrationError) as error:
        _echo_err(str(error))
        sys.exit(2)
    except ArgumentError as error:
        _echo_err(f"invalid database URL: {error}")
        sys.exit(2)
    except (SQLAlchemyError, OSError) as error:
        _echo_err(f"database error: {_first_line(error)}")
        sys.exit(2)
    except Exception as error:
        if os.environ.get("CONCILIA_DEBUG"):
            raise
        _echo_err(f"internal error: {_first_line(error)} (set CONCILIA_DEBUG=1 for details)")
        sys.exit(70)


def _first_line(error: BaseException) -> str:
    """An unexpected error's first line, without credentials or server paths (relative to
    the working directory)."""
    return redact((str(error).strip().splitlines() or [type(error).__name__])[0], [Path.cwd()])


__all__ = ["app", "main"]
