"""The queries the README shows run without errors against the whole demo catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from connectors.config import load_sources
from connectors.fetch import Fetcher
from connectors.registry import CONNECTORS, connector_for
from tests.utils.graphql import GraphQLClient

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
# The audit trail needs an admin key: tests/api/test_changes.py runs its queries.
QUERIES = [block for block in BLOCKS if "changes(" not in block]
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
