"""The GraphQL schema of Concilia Hub, assembled from its types."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.eligibility import EligibilityRule
from schema.errors import error_code
from schema.location import Location
from schema.offering import Offering
from schema.provider import Provider
from schema.query import Query
from schema.scalars import SCALARS
from schema.source import Source, SyncRun
from schema.taxonomy import Category

HubSchema = strawberry.Schema


def build_schema(**kwargs: Any) -> HubSchema:
    """A new schema instance. Requests run through hub.pipeline, which parses, limits,
    validates and formats errors itself; the schema only declares types and resolvers."""
    return HubSchema(
        query=Query,
        types=[Offering, Provider, Location, Category, Source, SyncRun, EligibilityRule],
        scalar_overrides=SCALARS,
        **kwargs,
    )


schema = build_schema()

__all__ = ["HubSchema", "build_schema", "error_code", "schema"]
