"""The schema is made by the Alembic revisions of models.migrations: they produce exactly
the models' tables, step back and forth, and adopt a database of the previous release."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tarfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateIndex
from sqlmodel import SQLModel

from hub.app import create_app
from models import migrations
from models.db import create_engine, init_db
from models.taxonomy import CATEGORIES
from tests.utils.databases import Databases
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client

ROOT = Path(__file__).resolve().parents[2]
CONCILIA = Path(sys.executable).with_name("concilia")
PREVIOUS_RELEASE = ROOT / "models" / "migrations" / "PREVIOUS_RELEASE"
TRIGRAM_INDEX = "ix_offering_search_text_trgm"
# SQLite cannot reflect expression indexes, so reflection and autogenerate skip them there
# (with these warnings); the tests compare the DDL SQLite keeps for them instead.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning"
    ),
    pytest.mark.filterwarnings(
        "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
    ),
]
SQLITE_DDL = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
OFFERINGS = """
query Offerings($after: String) {
  offerings(first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title area status minPrice provider { id name } } }
  }
}
"""


@pytest.fixture
async def empty(databases: Databases) -> AsyncIterator[AsyncEngine]:
    """A new database with no tables: the migrations, not a template, make its schema."""
    engine = create_engine(await databases.create())
    yield engine
    await engine.dispose()


def differences(connection: sa.Connection) -> list[Any]:
    """What autogenerate would change to make the database match the models."""
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_name": lambda name, kind, _: (
                not (kind == "index" and name in migrations.DATABASE_ONLY_INDEXES)
            ),
        },
    )
    found: list[Any] = compare_metadata(context, SQLModel.metadata)
    return found


def shape(connection: sa.Connection) -> dict[str, Any]:
    """Every table's columns, keys, constraints and indexes, as the database reports them
    (on SQLite, also the DDL it keeps, which holds the expression indexes)."""
    inspector = sa.inspect(connection)
    ddl = []
    if connection.dialect.name == "sqlite":
        ddl = [tuple(row) for row in connection.execute(sa.text(SQLITE_DDL))]
    return {"ddl": ddl} | {
        table: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table)
            ],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (fk["constrained_columns"], fk["referred_table"], fk.get("options", {}))
                for fk in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(u["column_names"] for u in inspector.get_unique_constraints(table)),
            "indexes": sorted(
                (i["name"], i["column_names"], i.get("expressions"), i["unique"])
                for i in inspector.get_indexes(table)
            ),
        }
        for table in sorted(inspector.get_table_names())
    }


def expression_indexes(connection: sa.Connection) -> dict[str, tuple[str, str | None]]:
    """The models' expression indexes: their DDL, and the DDL SQLite kept for them."""
    found = {}
    for table in SQLModel.metadata.sorted_tables:
        for index in table.indexes:
            if any(not isinstance(e, sa.Column) for e in index.expressions):
                stored = connection.execute(
                    sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"),
                    {"n": index.name},
                ).scalar()
                found[str(index.name)] = (
                    str(CreateIndex(index).compile(dialect=connection.dialect)).strip(),
                    stored,
                )
    return found


def index_names(connection: sa.Connection) -> set[str]:
    inspector = sa.inspect(connection)
    return {str(i["name"]) for t in inspector.get_table_names() for i in inspector.get_indexes(t)}


async def test_migrations_create_the_models_schema(empty: AsyncEngine) -> None:
    assert await migrations.upgrade(empty) == migrations.head()
    async with empty.connect() as conn:
        assert await conn.run_sync(differences) == []
        if empty.dialect.name == "sqlite":
            indexes = await conn.run_sync(expression_indexes)
            assert "ix_offering_order_price" in indexes
            for model_ddl, database_ddl in indexes.values():
                assert database_ddl == model_ddl
        else:
            # Not in the models (no SQLite equivalent): the text filter's trigram index.
            assert TRIGRAM_INDEX in await conn.run_sync(index_names)


async def test_newest_revision_steps_back_and_forth_to_the_same_schema(
    empty: AsyncEngine,
) -> None:
    await migrations.upgrade(empty)
    async with empty.connect() as conn:
        before = await conn.run_sync(shape)
    newest = migrations.head()
    below = migrations.previous(newest)

    assert await migrations.downgrade(empty, below or "base") == below
    await migrations.upgrade(empty)

    async with empty.connect() as conn:
        assert await conn.run_sync(shape) == before
        assert await conn.run_sync(differences) == []


async def test_downgrade_to_base_drops_every_table(empty: AsyncEngine) -> None:
    await init_db(empty)

    assert await migrations.downgrade(empty, "base") is None

    async with empty.connect() as conn:
        left = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert left <= {"alembic_version"}


async def test_init_db_seeds_the_categories_the_database_lacks(empty: AsyncEngine) -> None:
    await init_db(empty)
    # As when models.taxonomy gains a category after the database was made.
    async with empty.begin() as conn:
        await conn.execute(sa.text("DELETE FROM category WHERE code = 'laundry'"))

    await init_db(empty)

    async with empty.connect() as conn:
        codes = (await conn.execute(sa.text("SELECT code FROM category"))).scalars().all()
    assert sorted(codes) == sorted(info.code for info in CATEGORIES)


async def test_init_db_of_a_current_database_changes_nothing(empty: AsyncEngine) -> None:
    await init_db(empty)
    async with empty.connect() as conn:
        before = await conn.run_sync(shape)
        version = (await conn.execute(sa.text("SELECT version FROM data_version"))).scalar()

    await init_db(empty)

    async with empty.connect() as conn:
        assert await conn.run_sync(shape) == before
        assert (await conn.execute(sa.text("SELECT version FROM data_version"))).scalar() == version
    assert await migrations.current(empty) == migrations.head()


def previous_release() -> str:
    lines = PREVIOUS_RELEASE.read_text(encoding="utf-8").splitlines()
    return next(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def checkout(commit: str, into: Path) -> Path:
    """The tree of `commit`, from this repository's history."""
    known = subprocess.run(  # noqa: S603 - git with a commit from our own file
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if known.returncode:
        pytest.fail(
            f"the previous release {commit} is not in this clone's git history (a shallow "
            "clone?): fetch the full history (CI clones fully)"
        )
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit],  # noqa: S607
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def old_concilia(tree: Path, url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The previous release's command line, run from its own tree with this interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCILIA_")}
    env |= {"PYTHONPATH": str(tree), "CONCILIA_DATABASE_URL": url}
    # Its console script's entry point (`concilia = "hub.cli:main"` in its pyproject.toml).
    entry = "import hub.cli; hub.cli.main()"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the previous release of our own command line
            [sys.executable, "-c", entry, *args],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run


def catalogue_of_previous_release(
    run: Callable[..., subprocess.CompletedProcess[str]],
) -> list[Any]:
    offerings: list[Any] = []
    after = None
    while True:
        done = run("query", OFFERINGS, "--variables", orjson.dumps({"after": after}).decode())
        assert done.returncode == 0, done.stderr
        page = orjson.loads(done.stdout)["data"]["offerings"]
        offerings += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return offerings
        after = page["pageInfo"]["endCursor"]


async def catalogue(engine: AsyncEngine) -> list[Any]:
    offerings: list[Any] = []
    after = None
    async with hub_client(create_app(engine=engine)) as http:
        client = GraphQLClient(http)
        while True:
            page = (await client.data(OFFERINGS, {"after": after}))["offerings"]
            offerings += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return offerings
            after = page["pageInfo"]["endCursor"]


def concilia_db_upgrade(url: str) -> subprocess.CompletedProcess[str]:
    """This tree's `concilia db upgrade` of the database at `url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCILIA_")}
    return subprocess.run(  # noqa: S603 - our own console script
        [str(CONCILIA), "db", "upgrade"],
        env=env | {"CONCILIA_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


Contents = dict[str, tuple[int, list[str], list[Any]]]


def contents(connection: sa.Connection, shape: Contents | None = None) -> Contents:
    """Every table's row count, columns and first rows by primary key; with `shape` (an
    earlier reading), only its tables and columns: what a later revision adds is left out."""
    inspector = sa.inspect(connection)
    found: Contents = {}
    tables = sorted(set(inspector.get_table_names()) - {"alembic_version"})
    for table in tables if shape is None else sorted(shape):
        key = ", ".join(inspector.get_pk_constraint(table)["constrained_columns"])
        columns = (
            [column["name"] for column in inspector.get_columns(table)]
            if shape is None
            else shape[table][1]
        )
        count = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
        sample = connection.execute(
            sa.text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key} LIMIT 20")  # noqa: S608
        )
        found[table] = (count, columns, [tuple(row) for row in sample])
    return found


async def test_a_database_of_the_previous_release_upgrades_with_its_data(
    databases: Databases, tmp_path: Path
) -> None:
    url = await databases.create()
    run = old_concilia(checkout(previous_release(), tmp_path / "previous"), url)
    made = await asyncio.to_thread(run, "demo", "--yes")
    assert made.returncode == 0, made.stdout + made.stderr
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            before = await conn.run_sync(contents)
        offerings = await asyncio.to_thread(catalogue_of_previous_release, run)
        assert await migrations.current(engine) is None

        upgraded = await asyncio.to_thread(concilia_db_upgrade, url)
        assert upgraded.returncode == 0, upgraded.stderr
        assert "(head)" in upgraded.stdout

        assert await migrations.current(engine) == migrations.head()
        async with engine.connect() as conn:
            assert await conn.run_sync(contents, before) == before
            # What the new revisions add starts from what the rows were.
            added = await conn.execute(
                sa.text(
                    "SELECT count(*) FROM offering WHERE version <> 1 OR listed_status <> status"
                )
            )
            assert added.scalar_one() == 0
        assert before["offering"][0] > 0
        assert len(offerings) > 100
        assert await catalogue(engine) == offerings
    finally:
        await engine.dispose()
