"""schema.graphql, the committed SDL partners read, is current, fully documented, and
buildable by any GraphQL tool: the served schema without Apollo Federation's definitions."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    specified_scalar_types,
)
from graphql import build_schema as build_sdl

from schema import build_schema, public_sdl

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"
# Apollo's types that strawberry's Federation support defines, and never prints.
APOLLO_TYPES = {"_FieldSet", "link__Import", "link__Purpose"}


def _types() -> list[GraphQLNamedType]:
    """The hub's own types: no introspection types, no built-in scalars."""
    return [
        named
        for name, named in build_schema()._schema.type_map.items()
        if not name.startswith("__")
        and name not in specified_scalar_types
        and name not in APOLLO_TYPES
    ]


def _undocumented_types() -> list[str]:
    return [named.name for named in _types() if not named.description]


def _undocumented_fields() -> list[str]:
    return [
        f"{named.name}.{name}"
        for named in _types()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType)
        for name, field in named.fields.items()
        if not field.description
    ]


def _undocumented_arguments() -> list[str]:
    return [
        f"{named.name}.{field_name}({name}:)"
        for named in _types()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        for field_name, field in named.fields.items()
        for name, argument in field.args.items()
        if not argument.description
    ]


def test_schema_file_is_the_current_schema() -> None:
    assert SCHEMA_FILE.exists(), (
        "schema.graphql is missing; run `concilia export-schema --output schema.graphql`"
    )
    assert SCHEMA_FILE.read_text(encoding="utf-8") == public_sdl(build_schema()) + "\n", (
        "schema.graphql is out of date; run `concilia export-schema --output schema.graphql`"
    )


def test_every_type_has_a_description() -> None:
    kinds = {type(named) for named in _types()}
    assert {GraphQLObjectType, GraphQLInputObjectType, GraphQLInterfaceType} <= kinds
    assert any(isinstance(named, GraphQLEnumType) for named in _types())
    missing = _undocumented_types()
    assert not missing, f"types without a description: {', '.join(missing)}"


def test_every_field_and_input_field_has_a_description() -> None:
    missing = _undocumented_fields()
    assert not missing, f"fields without a description: {', '.join(missing)}"


def test_every_argument_has_a_description() -> None:
    missing = _undocumented_arguments()
    assert not missing, f"arguments without a description: {', '.join(missing)}"


def _fields(named: GraphQLNamedType) -> dict[str, GraphQLField] | None:
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return dict(named.fields)
    return None


def test_the_schema_file_is_the_served_schema_without_federation() -> None:
    served = build_schema()._schema.type_map
    public = build_sdl(SCHEMA_FILE.read_text(encoding="utf-8")).type_map  # no unknown directive

    assert set(served) - set(public) == {"_Any", "_Entity", "_Service", *APOLLO_TYPES}
    assert set(public) <= set(served)
    for name, named in public.items():
        fields, served_fields = _fields(named), _fields(served[name])
        if fields is None or served_fields is None:
            continue
        left_out = set(served_fields) - set(fields)
        assert left_out == ({"_entities", "_service"} if name == "Query" else set()), name
        for field_name, field in fields.items():
            assert str(field.type) == str(served_fields[field_name].type)
            assert set(field.args) == set(served_fields[field_name].args)
    assert "@key" not in SCHEMA_FILE.read_text(encoding="utf-8")
