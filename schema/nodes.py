"""Objects by their Relay global ID (https://relay.dev/graphql/objectidentification.htm):
the lookup `node`, `nodes`, `offering`, `provider` and Federation's `_entities` share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry import relay

from resolvers.loaders import Loader
from resolvers.nodes import decode_id
from schema.eligibility import EligibilityRule
from schema.info import Info
from schema.location import Location
from schema.maybe import MaybeAwaitable, then
from schema.offering import Offering
from schema.provider import Provider
from schema.source import Source, SyncRun
from schema.taxonomy import Category

_NODE_TYPES: dict[str, tuple[Callable[[Info], Loader[int, Any]], Callable[[Any], relay.Node]]] = {
    "Offering": (lambda info: info.context.loaders.offering, Offering.from_row),
    "Provider": (lambda info: info.context.loaders.provider, Provider.from_row),
    "Location": (lambda info: info.context.loaders.location, Location.from_row),
    "Category": (lambda info: info.context.loaders.category, Category.from_row),
    "Source": (lambda info: info.context.loaders.source, Source.from_row),
    "SyncRun": (lambda info: info.context.loaders.sync_run, SyncRun.from_row),
    "EligibilityRule": (lambda info: info.context.loaders.rule, EligibilityRule.from_row),
}


async def by_global_id(info: Info, global_id: str, expected: str | None = None) -> Any:
    """The object a global ID names, None when it does not exist; BadUserInput when the
    ID is malformed or names another type than `expected`. Loads of one request are
    batched (one statement per type, however many IDs)."""
    type_name, id_ = decode_id(global_id, expected)
    if type_name not in _NODE_TYPES:
        return None
    loader, wrap = _NODE_TYPES[type_name]
    row = await loader(info).load(id_)
    return wrap(row) if row is not None else None


def node_of(info: Info, type_name: str, id_: int) -> MaybeAwaitable[relay.Node | None]:
    """The object of a type name and database id (None when it does not exist), at once
    when this request's loader already holds it, else in the loader's next batch."""
    if type_name not in _NODE_TYPES:
        return None
    loader, wrap = _NODE_TYPES[type_name]
    return then(loader(info).get(id_), lambda row: wrap(row) if row is not None else None)
