"""The queries the README shows run without errors against the whole demo catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.config import load_sources
from connectors.fetch import Fetcher
from connectors.registry import CONNECTORS, connector_for
from hub.app import create_app
from hub.keys import create_key
from models import Role
from models.audit import Actor, ActorKind
from models.db import session_factory
from models.editing import Editor, create_provider
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
# Mutations run in order on a registry of their own (below); the audit trail needs an
# admin key: tests/api/test_changes.py runs its queries.
QUERIES = [
    block
    for block in BLOCKS
    if not block.lstrip().startswith("mutation") and "changes(" not in block
]
MUTATIONS = [block for block in BLOCKS if block.lstrip().startswith("mutation")]
TRAIL_QUERIES = [block for block in BLOCKS if "changes(" in block]
SOURCES = [
    block
    for block in re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    if "[[source]]" in block and "# ... and" not in block
]


def test_readme_shows_queries() -> None:
    assert len(QUERIES) >= 4


@pytest.mark.parametrize("query", QUERIES, ids=[f"query{n}" for n in range(len(QUERIES))])
async def test_readme_query_runs(full_demo: GraphQLClient, query: str) -> None:
    data = await full_demo.data(query)
    assert data
    assert all(value is not None for value in data.values())


def test_readme_shows_a_source_of_every_kind() -> None:
    kinds = {kind for block in SOURCES for kind in re.findall(r'^kind = "(.*)"', block, re.M)}
    assert kinds == set(CONNECTORS)


@pytest.mark.parametrize("block", SOURCES, ids=[f"sources{n}" for n in range(len(SOURCES))])
def test_readme_sources_are_valid_declarations(block: str, tmp_path: Path) -> None:
    """Each source the README shows builds its connector: no option misnamed or malformed."""
    path = tmp_path / "sources.toml"
    path.write_text(block, encoding="utf-8")
    for config in load_sources(path):
        connector_for(config, Fetcher(httpx.AsyncClient()), {})


async def test_readme_mutations_run_in_order_on_a_new_registry(engine: AsyncEngine) -> None:
    """The README's mutations, by an admin on an empty database holding one provider (the
    README's ID names it), each without errors."""
    async with session_factory(engine).begin() as session:
        await create_provider(
            session, Editor(Actor(ActorKind.OPERATOR, "test")), {"name": "Centro Isola APS"}
        )
        issued = await create_key(session, name="admin", role=Role.ADMIN)
    assert MUTATIONS
    async with hub_client(create_app(engine=engine)) as http:
        client = GraphQLClient(http)
        for mutation in MUTATIONS:
            data = await client.data(mutation, headers={"Authorization": f"Bearer {issued.secret}"})
            for payload in data.values():
                assert payload["userErrors"] == [], payload
