"""Apollo Federation v2: the hub as a subgraph of the city's supergraph.

As Apollo's subgraph specification says (https://www.apollographql.com/docs/federation/
subgraph-spec/): `_service { sdl }` gives the gateway the subgraph's SDL with its `@link`
and `@key` directives, and `_entities(representations:)` resolves the references other
subgraphs hold. Offering, Location and Category are keyed by their global `id`; Provider by
`id` or by `vatNumber`, the partita IVA another subgraph may know it by. References are
looked up through the request's DataLoaders: N representations cost one statement per type
and key, not one each.

schema.graphql is the public SDL (`public_sdl`): the same schema without Federation's own
definitions, which only the city's gateway needs and which plain GraphQL tools reject.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable
from typing import Annotated, Any, Final

import strawberry
from graphql import (
    Node,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    parse,
)
from strawberry.federation.schema import FederationAny
from strawberry.schema.base import BaseSchema
from strawberry.types.scalar import ScalarDefinition, scalar

from resolvers.errors import BadUserInput
from resolvers.inputs import shown, vat_number
from schema.info import Info
from schema.location import Location
from schema.nodes import by_global_id
from schema.offering import Offering
from schema.provider import Provider
from schema.taxonomy import Category

# The lowest version with everything the hub uses (`@key`): any Federation 2 gateway
# composes it.
FEDERATION_VERSION: Final = "2.0"

Representation = FederationAny
REPRESENTATION: ScalarDefinition = scalar(
    name="_Any",
    description=(
        "A reference to an entity of this subgraph: its `__typename` and a key, e.g."
        ' {"__typename": "Provider", "vatNumber": "01234567890"}.'
    ),
    serialize=lambda value: value,
    parse_value=lambda value: value,
)

Entity = Annotated[
    Offering | Provider | Location | Category,
    strawberry.union(
        "_Entity", description="The types other subgraphs can reference and extend (`@key`)."
    ),
]
_ENTITY_NAMES = ("Offering", "Provider", "Location", "Category")

# Federation's own definitions: left out of the public SDL.
_FEDERATION_TYPES = frozenset({"_Any", "_Entity", "_Service"})
_FEDERATION_ROOT_FIELDS = frozenset({"_entities", "_service"})
_FEDERATION_DIRECTIVES = frozenset({"key"})  # `@link` is on the schema definition

_SDL: weakref.WeakKeyDictionary[BaseSchema, str] = weakref.WeakKeyDictionary()


def federation_sdl(schema: BaseSchema) -> str:
    """The subgraph's SDL, as `_service { sdl }` gives it; printed once per schema."""
    if schema not in _SDL:
        _SDL[schema] = schema.as_str()
    return _SDL[schema]


@strawberry.type(
    name="_Service",
    description="This subgraph as Apollo Federation composes it (`_service`).",
)
class Service:
    @strawberry.field(
        description="The subgraph's SDL, with its `@link` to Federation v2 and `@key`s."
    )
    def sdl(self, info: Info) -> str:
        return federation_sdl(info.schema)


async def _entity(info: Info, representation: object) -> Any:
    """The object a representation refers to; null when it does not exist."""
    if not isinstance(representation, dict) or not isinstance(
        type_name := representation.get("__typename"), str
    ):
        raise BadUserInput("a representation must be an object with a `__typename`")
    if type_name not in _ENTITY_NAMES:
        raise BadUserInput(
            f"`__typename` {shown(type_name)} is not an entity of this subgraph"
            f" ({', '.join(_ENTITY_NAMES)})"
        )
    global_id = representation.get("id")
    if isinstance(global_id, str):
        return await by_global_id(info, global_id, type_name)
    vat = representation.get("vatNumber")
    if type_name == "Provider" and isinstance(vat, str):
        row = await info.context.loaders.provider_by_vat_number.load(vat_number(vat))
        return Provider.from_row(row) if row is not None else None
    keys = "`id` or `vatNumber`" if type_name == "Provider" else "`id`"
    raise BadUserInput(f"a {type_name} representation needs its key: {keys}")


@strawberry.type(description="The root fields Apollo Federation adds to a subgraph.")
class FederationQuery:
    @strawberry.field(
        name="_entities",
        graphql_type=list[Entity | None],
        description=(
            "The entities the representations refer to, in order: null where one does not"
            " exist, an error (BAD_USER_INPUT) where a representation is malformed. For the"
            " city's gateway (Apollo Federation)."
        ),
    )
    def entities(
        self,
        info: Info,
        representations: Annotated[
            list[Representation],
            strawberry.argument(description="References: `__typename` and a key each."),
        ],
    ) -> list[Awaitable[Any]]:
        # One awaitable per representation, awaited together by graphql-core: their loads
        # meet in the DataLoaders' batches, and an error stays at its own index.
        return [_entity(info, representation) for representation in representations]

    @strawberry.field(
        name="_service",
        description="This subgraph's SDL, for the city's gateway (Apollo Federation).",
    )
    def service(self) -> Service:
        return Service()


def public_sdl(schema: BaseSchema) -> str:
    """The SDL partners read (schema.graphql): the subgraph's SDL without Federation's own
    definitions (`@link`, `@key`, `_entities`, `_service` and their types), so that any
    GraphQL tool builds it as it is, in the same layout as `_service { sdl }`."""
    sdl = federation_sdl(schema)
    lines: list[tuple[int, int]] = []  # definitions and fields: whole lines
    inline: list[tuple[int, int]] = []  # directives: with the space before them
    for definition in parse(sdl).definitions:
        if isinstance(definition, SchemaDefinitionNode) or (
            isinstance(definition, TypeDefinitionNode)
            and definition.name.value in _FEDERATION_TYPES
        ):
            lines.append(_span(definition))
        elif isinstance(definition, ObjectTypeDefinitionNode):
            for directive in definition.directives or ():
                if directive.name.value in _FEDERATION_DIRECTIVES:
                    start, end = _span(directive)
                    inline.append((start - 1, end))
            if definition.name.value == "Query":
                lines.extend(
                    _span(field)
                    for field in definition.fields or ()
                    if field.name.value in _FEDERATION_ROOT_FIELDS
                )
    # From the end, so that the positions of the cuts still to make stay right.
    for start, end, whole_lines in sorted(
        [(*cut, True) for cut in lines] + [(*cut, False) for cut in inline], reverse=True
    ):
        sdl = _cut_lines(sdl, start, end) if whole_lines else sdl[:start] + sdl[end:]
    return sdl


def _span(node: Node) -> tuple[int, int]:
    assert node.loc is not None  # parsed with locations
    return node.loc.start, node.loc.end


def _cut_lines(sdl: str, start: int, end: int) -> str:
    """`sdl` without the lines from `start` to `end`, nor the blank line that separated
    them from what is left: what the SDL printer prints without them."""
    before = sdl[: sdl.rfind("\n", 0, start) + 1]
    rest = sdl[end:]
    if "\n" not in rest:  # the document's last definition
        return before.rstrip("\n")
    after = rest.split("\n", 1)[1]
    if after.startswith("\n") and (before == "" or before.endswith(("\n\n", "{\n"))):
        after = after[1:]
    elif before.endswith("\n\n") and after.startswith("}"):
        before = before[:-1]
    return before + after
