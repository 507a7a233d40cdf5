"""schema.graphql, the committed SDL partners read, is current and fully documented."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    specified_scalar_types,
)

from schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def _types() -> list[GraphQLNamedType]:
    """The hub's own types: no introspection types, no built-in scalars."""
    return [
        named
        for name, named in build_schema()._schema.type_map.items()
        if not name.startswith("__") and name not in specified_scalar_types
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
    assert SCHEMA_FILE.read_text(encoding="utf-8") == build_schema().as_str() + "\n", (
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
