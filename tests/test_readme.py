"""The queries the README shows run without errors against the whole demo catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.utils.graphql import GraphQLClient

README = Path(__file__).resolve().parent.parent / "README.md"
QUERIES = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_shows_queries() -> None:
    assert len(QUERIES) >= 4


@pytest.mark.parametrize("query", QUERIES, ids=[f"query{n}" for n in range(len(QUERIES))])
async def test_readme_query_runs(full_demo: GraphQLClient, query: str) -> None:
    data = await full_demo.data(query)
    assert data
    assert all(value is not None for value in data.values())
