"""The GraphQL schema of Concilia Hub, assembled from its types."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import QueryDepthLimiter, ValidationCache
from strawberry.types import ExecutionContext

from schema.eligibility import EligibilityRule
from schema.errors import ErrorCodes, error_code
from schema.location import Location
from schema.offering import Offering
from schema.operations import OperationNameRequired
from schema.provider import Provider
from schema.query import Query
from schema.source import Source, SyncRun
from schema.taxonomy import Category

MAX_QUERY_DEPTH = 12
DOCUMENT_CACHE_SIZE = 256


class HubSchema(strawberry.Schema):
    """The schema; only unexpected errors are logged (by `schema.errors`), not client mistakes."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        del errors, execution_context  # logged by ErrorCodes when they are ours to fix


def build_schema(**kwargs: Any) -> HubSchema:
    """A new schema instance (the extensions are per schema)."""
    return HubSchema(
        query=Query,
        types=[Offering, Provider, Location, Category, Source, SyncRun, EligibilityRule],
        extensions=[
            ErrorCodes,
            OperationNameRequired,
            partial(QueryDepthLimiter, max_depth=MAX_QUERY_DEPTH),
            # The portal and partners send the same documents again and again.
            partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        ],
        **kwargs,
    )


schema = build_schema()

__all__ = ["HubSchema", "build_schema", "error_code", "schema"]
