"""Posting GraphQL documents to the hub over (ASGI) HTTP."""

from __future__ import annotations

from typing import Any

import httpx


class GraphQLClient:
    """A thin client for the hub's /graphql endpoint."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The JSON response of a POSTed query (any status)."""
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        response = await self.http.post("/graphql", json=body, headers=headers)
        result: dict[str, Any] = response.json()
        return result

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The `data` of a query that must succeed."""
        result = await self.execute(query, variables, headers=headers)
        assert "errors" not in result, result.get("errors")
        data: dict[str, Any] = result["data"]
        return data

    async def error_codes(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        """The `extensions.code` of every error of a query that must fail."""
        result = await self.execute(query, variables)
        assert result.get("errors"), f"expected errors, got {result}"
        return [error["extensions"]["code"] for error in result["errors"]]
