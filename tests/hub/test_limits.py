"""The static measure of documents: depth, aliases, root fields and cost, in linear time."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, parse

from hub.limits import (
    MAX_NESTING,
    MAX_REPRESENTATIONS,
    LimitExceeded,
    Limits,
    Shape,
    check_cost,
    check_shape,
    cost,
    shape,
)
from schema import build_schema
from schema.costs import DEFAULT_PAGE_SIZE, LIST_SIZES, MAX_PAGE_SIZE

SCHEMA: GraphQLSchema = build_schema()._schema


def measured(text: str, variables: dict[str, Any] | None = None) -> tuple[Shape, int]:
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return shape(SCHEMA, document, operation), cost(SCHEMA, document, operation, variables)


def fragment_bomb(levels: int) -> str:
    """`{ ...F0 }` where every fragment spreads the next one twice: 2^levels when expanded."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    return (
        "{ ...F0 } " + " ".join(fragments) + f" fragment F{levels} on Query {{ areas {{ area }} }}"
    )


def test_a_connection_weighs_its_page_size() -> None:
    found, value = measured("{ offerings(first: 50) { totalCount edges { node { id title } } } }")
    # offerings 1 + totalCount 1 + edges 50 x (1 + node (1 + id + title))
    assert value == 1 + 1 + 50 * (1 + 1 + 2)
    assert found.cost == value
    assert found.depth == 3


def test_a_connection_without_first_weighs_the_default_page() -> None:
    _, value = measured("{ offerings { nodes: edges { node { id } } } }")
    assert value == 1 + DEFAULT_PAGE_SIZE * (1 + 1 + 1)


def test_first_from_a_variable_makes_the_cost_depend_on_the_request() -> None:
    text = "query($n: Int = 5) { offerings(first: $n) { edges { node { id } } } }"
    found, by_default = measured(text)
    assert found.cost is None
    assert by_default == 1 + 5 * 3
    assert measured(text, {"n": 100})[1] == 1 + 100 * 3


def test_a_first_over_the_maximum_weighs_the_maximum_page() -> None:
    # The resolver refuses it with BAD_USER_INPUT: the cost must not hide that answer.
    assert measured("{ offerings(first: 5000) { edges { cursor } } }")[1] == 1 + MAX_PAGE_SIZE * 2


def test_the_audit_trail_weighs_its_page_and_each_changes_fields() -> None:
    text = "{ changes(first: 40) { nodes { at fields { field before after } } } }"
    _, value = measured(text)
    # changes 1 + 40 nodes x (1 + at 1 + fields 30 x (1 + field + before + after))
    assert value == 1 + 40 * (1 + 1 + LIST_SIZES["Change.fields"] * (1 + 3))


def test_nested_lists_multiply() -> None:
    text = (
        "{ providers(first: 10) { edges { node { "
        "offerings(first: 20) { edges { node { id } } } } } } }"
    )
    _, value = measured(text)
    inner = 1 + 20 * (1 + 1 + 1)
    assert value == 1 + 10 * (1 + 1 + inner)


def test_a_list_without_arguments_weighs_its_estimate() -> None:
    _, value = measured("{ offerings(first: 1) { edges { node { locations { id cap } } } } }")
    assert value == 1 + 1 * (1 + 1 + LIST_SIZES["Offering.locations"] * 3)


def test_nodes_weighs_the_number_of_ids() -> None:
    _, value = measured('{ nodes(ids: ["a", "b", "c"]) { id } }')
    assert value == 3 * 2


ENTITIES = """query($r: [_Any!]!) {
  _entities(representations: $r) { ... on Offering { title provider { name } } }
}"""


def test_entities_weigh_their_representations() -> None:
    literal = '{ _entities(representations: [{__typename: "Offering"}, {}]) { __typename } }'
    found, value = measured(literal)
    assert value == found.cost == 2 * (1 + 1)

    found, value = measured(ENTITIES, {"r": [{}] * 50})
    assert found.cost is None  # it depends on the request's representations
    # 50 x (_entities + title + provider (1 + name))
    assert value == 50 * (1 + 1 + 2)


def test_more_representations_than_the_maximum_are_refused() -> None:
    assert measured(ENTITIES, {"r": [{}] * MAX_REPRESENTATIONS})[1] > 0
    with pytest.raises(LimitExceeded) as refused:
        measured(ENTITIES, {"r": [{}] * (MAX_REPRESENTATIONS + 1)})
    assert refused.value.extensions == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "representations",
        "maximum": MAX_REPRESENTATIONS,
        "actual": MAX_REPRESENTATIONS + 1,
    }


def test_the_maximum_of_representations_is_per_request() -> None:
    half = MAX_REPRESENTATIONS // 2 + 1
    twice = "query($r: [_Any!]!) { a: _entities(representations: $r) { __typename } "
    twice += "b: _entities(representations: $r) { __typename } }"
    with pytest.raises(LimitExceeded) as refused:
        measured(twice, {"r": [{}] * half})
    assert refused.value.limit == "representations"


def test_fragments_and_inline_fragments_count_like_their_fields() -> None:
    plain = measured("{ offerings(first: 3) { edges { node { id title } } } }")
    with_fragments = measured(
        "{ offerings(first: 3) { ...Page } } "
        "fragment Page on OfferingConnection { edges { ... on OfferingEdge { node { ...O } } } } "
        "fragment O on Offering { id title }"
    )
    assert with_fragments[1] == plain[1]
    assert with_fragments[0].depth == plain[0].depth


def test_the_fragment_bomb_saturates_instead_of_expanding() -> None:
    found, value = measured(fragment_bomb(30))
    assert value > 2**30
    with pytest.raises(LimitExceeded) as refused:
        check_cost(value, Limits())
    assert refused.value.extensions["limit"] == "cost"
    # A thousand levels would be 2^1000 expanded; measured, it is as cheap as its text.
    assert measured(fragment_bomb(60))[0].depth == found.depth


def test_depth_ignores_introspection() -> None:
    found, _ = measured("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }")
    assert found.depth == 0


def test_aliases_are_counted_where_they_are_written() -> None:
    text = (
        "{ a: areas { area } b: areas { l: label } ...F } "
        "fragment F on Query { c: sources { name } }"
    )
    assert measured(text)[0].aliases == 4


def test_root_fields_count_fragment_fields() -> None:
    text = "{ areas { area } sources { name } ...F } fragment F on Query { categories { code } }"
    assert measured(text)[0].root_fields == 3


def test_selections_nested_past_the_structural_maximum_are_refused() -> None:
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(MAX_NESTING + 5))
    text = "{ ...F0 } " + chain + f" fragment F{MAX_NESTING + 5} on Query {{ areas {{ area }} }}"
    with pytest.raises(LimitExceeded) as refused:
        measured(text)
    assert refused.value.extensions["limit"] == "nesting"


def test_a_fragment_cycle_is_left_to_validation() -> None:
    found, _ = measured("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    assert found.depth == 0


@pytest.mark.parametrize(
    ("limits", "limit"),
    [
        (Limits(max_depth=2), "depth"),
        (Limits(max_aliases=1), "aliases"),
        (Limits(max_root_fields=1), "rootFields"),
    ],
)
def test_check_shape_names_the_limit_exceeded(limits: Limits, limit: str) -> None:
    found, _ = measured("{ a: areas { area } b: offerings { edges { node { id } } } }")
    with pytest.raises(LimitExceeded) as refused:
        check_shape(found, limits)
    assert refused.value.extensions["code"] == "QUERY_TOO_COMPLEX"
    assert refused.value.extensions["limit"] == limit
    assert refused.value.extensions["maximum"] < refused.value.extensions["actual"]
