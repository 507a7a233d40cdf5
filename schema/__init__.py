"""The GraphQL schema of Concilia Hub, assembled from its types: an Apollo Federation v2
subgraph (schema.federation)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.federation.schema import FederationAny

from schema.editing import Mutation
from schema.eligibility import EligibilityRule
from schema.errors import error_code
from schema.federation import FEDERATION_VERSION, REPRESENTATION, federation_sdl, public_sdl
from schema.location import Location
from schema.offering import Offering
from schema.provider import Provider
from schema.query import Query
from schema.scalars import SCALARS
from schema.source import Source, SyncRun
from schema.taxonomy import Category

HubSchema = strawberry.federation.Schema


def build_schema(**kwargs: Any) -> HubSchema:
    """A new schema instance. Requests run through hub.pipeline, which parses, limits,
    validates and formats errors itself; the schema only declares types and resolvers."""
    return HubSchema(
        query=Query,
        mutation=Mutation,
        types=[Offering, Provider, Location, Category, Source, SyncRun, EligibilityRule],
        federation_version=FEDERATION_VERSION,
        scalar_overrides={**SCALARS, FederationAny: REPRESENTATION},
        **kwargs,
    )


schema = build_schema()

__all__ = ["HubSchema", "build_schema", "error_code", "federation_sdl", "public_sdl", "schema"]
