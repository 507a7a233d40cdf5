"""The budget of a GraphQL request, checked before it runs, in time linear in the document.

A document is measured once: how deep its fields nest, how many aliases and root fields it
has, and its static cost, an upper bound of the values the response can hold (each field
counts once per parent it is resolved for; a connection's `edges`/`nodes` count `first`
times, `nodes(ids:)` and Federation's `_entities(representations:)` the number of items they
are given, other lists the estimates of schema.costs). Fragments are measured once each and
reused, so a document that spreads a fragment twice at every level (the fragment bomb)
costs its size to measure, not the 2^n of expanding it. Nothing here walks the expanded
query: every figure saturates instead of growing without bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)

from schema.costs import (
    DEFAULT_LIST_SIZE,
    DEFAULT_PAGE_SIZE,
    INTROSPECTION_COSTS,
    LIST_SIZES,
    MAX_PAGE_SIZE,
)

CODE = "QUERY_TOO_COMPLEX"
# Figures stop growing here: past any limit, and small enough to stay a machine integer.
_CEILING = 2**40
# Selections (fields, fragments) nested deeper than this are refused whatever the depth
# limit: a chain of hundreds of fragments adds no field depth, but recursion in graphql-core's
# validation and in this module would follow it.
MAX_NESTING = 64
# Representations `_entities` resolves in one request, whatever they select: a gateway sends
# those of one query plan step together, a few per item of a page of at most 100 items.
MAX_REPRESENTATIONS = 1_000
# Root fields whose list holds one item per element of an argument.
_LISTS_BY_ARGUMENT = {"nodes": "ids", "_entities": "representations"}


@dataclass(frozen=True, slots=True)
class Limits:
    """The budget of one request; each is a setting (hub.settings)."""

    max_tokens: int = 5_000
    max_depth: int = 12
    max_aliases: int = 30
    max_root_fields: int = 20
    max_cost: int = 50_000


class LimitExceeded(Exception):
    """A document over one of the limits; `extensions` say which, and by how much."""

    def __init__(self, limit: str, maximum: int, actual: int | None = None) -> None:
        self.limit, self.maximum, self.actual = limit, maximum, actual
        super().__init__(_MESSAGES[limit].format(maximum=maximum, actual=_figure(actual)))

    @property
    def extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": CODE, "limit": self.limit, "maximum": self.maximum}
        if self.actual is not None:
            extensions["actual"] = self.actual
        return extensions


_MESSAGES = {
    "tokens": "The document has more than {maximum} tokens.",
    "nesting": "The document nests selections more than {maximum} levels deep.",
    "depth": "The query nests fields {actual} levels deep; at most {maximum} are allowed.",
    "aliases": "The document has {actual} aliases; at most {maximum} are allowed.",
    "rootFields": "The operation selects {actual} root fields; at most {maximum} are allowed.",
    "representations": (
        "The request has {actual} entity representations; at most {maximum} are allowed."
    ),
    "cost": (
        "The query could return {actual} values, more than the {maximum} allowed: "
        "ask for fewer items (`first`) or fewer nested lists."
    ),
}


def _figure(value: int | None) -> str:
    if value is None:
        return "too many"
    return f"more than {_CEILING:,}" if value >= _CEILING else f"{value:,}"


@dataclass(frozen=True, slots=True)
class Shape:
    """What a document's operation looks like to the limits, variables aside."""

    depth: int
    aliases: int
    root_fields: int
    # The cost when it does not depend on variables (`first: $n`), else None.
    cost: int | None


def shape(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> Shape:
    """Measure an operation of a parsed document (LimitExceeded when it nests too deep)."""
    walk = _Walk(schema, document, operation, variables=None)
    depth, cost = walk.measure(operation.selection_set, schema.query_type, None, 0)
    return Shape(
        depth=depth,
        aliases=_aliases(document),
        root_fields=len(walk.root_keys(operation.selection_set, 0)),
        cost=None if walk.uses_variables else cost,
    )


def cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> int:
    """The static cost of an operation with the request's variables."""
    walk = _Walk(schema, document, operation, variables=variables or {})
    return walk.measure(operation.selection_set, schema.query_type, None, 0)[1]


def check_shape(found: Shape, limits: Limits) -> None:
    """LimitExceeded for the first limit the shape is over, cost aside."""
    if found.depth > limits.max_depth:
        raise LimitExceeded("depth", limits.max_depth, found.depth)
    if found.aliases > limits.max_aliases:
        raise LimitExceeded("aliases", limits.max_aliases, found.aliases)
    if found.root_fields > limits.max_root_fields:
        raise LimitExceeded("rootFields", limits.max_root_fields, found.root_fields)


def check_cost(value: int, limits: Limits) -> None:
    if value > limits.max_cost:
        raise LimitExceeded("cost", limits.max_cost, value)


class _Walk:
    """One measurement: fragments are measured once per (name, enclosing page size)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.defaults = {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        self.variables = variables
        self.uses_variables = False
        self.representations = 0
        self.memo: dict[tuple[str, int | None], tuple[int, int]] = {}
        self.keys: dict[str, frozenset[str]] = {}
        # Fragments being measured: a cycle is left to validation (NoFragmentCyclesRule).
        self.open: set[str] = set()

    def measure(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        page: int | None,
        nesting: int,
    ) -> tuple[int, int]:
        """(depth, cost) of a selection set on `parent`; `page` sizes edges and nodes."""
        if nesting > MAX_NESTING:
            raise LimitExceeded("nesting", MAX_NESTING)
        depth = total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field_depth, field_cost = self.field(selection, parent, page, nesting)
            elif isinstance(selection, FragmentSpreadNode):
                field_depth, field_cost = self.spread(selection.name.value, page, nesting)
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                field_depth, field_cost = self.measure(
                    selection.selection_set, on, page, nesting + 1
                )
            depth = max(depth, field_depth)
            total = min(total + field_cost, _CEILING)
        return depth, total

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None, nesting: int
    ) -> tuple[int, int]:
        name = node.name.value
        if name.startswith("__"):
            return 0, INTROSPECTION_COSTS.get(name, 1)
        definition = _field(parent, name)
        if definition is None:  # unknown: validation reports it
            return 0, 1
        returns = get_named_type(definition.type)
        size = self.size(node, parent, definition, page)
        if node.selection_set is None:
            return 0, size
        inner_page = self.page(node, returns)
        depth, inner = self.measure(node.selection_set, returns, inner_page, nesting + 1)
        return depth + 1, min(size * (1 + inner), _CEILING)

    def spread(self, name: str, page: int | None, nesting: int) -> tuple[int, int]:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.open:
            return 0, 0
        key = (name, page)
        if key not in self.memo:
            self.open.add(name)
            on = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[key] = self.measure(fragment.selection_set, on, page, nesting + 1)
            self.open.discard(name)
        return self.memo[key]

    def size(
        self,
        node: FieldNode,
        parent: GraphQLNamedType | None,
        definition: GraphQLField,
        page: int | None,
    ) -> int:
        """How many times the field's value repeats: 1, a page, or a list's estimate."""
        if not is_list_type(get_nullable_type(definition.type)):
            return 1
        if is_leaf_type(get_named_type(definition.type)):
            return 1  # a list of scalars is one value to resolve
        name = node.name.value
        if page is not None and name in {"edges", "nodes"}:
            return page
        if parent is self.schema.query_type and name in _LISTS_BY_ARGUMENT:
            items = self.argument(node, _LISTS_BY_ARGUMENT[name])
            # A single value where a list is expected is coerced to a list of one (spec 3.11).
            count = len(items) if isinstance(items, list) else 1
            if name == "_entities":
                self.representations += count
                if self.representations > MAX_REPRESENTATIONS:
                    raise LimitExceeded(
                        "representations", MAX_REPRESENTATIONS, self.representations
                    )
            return count
        return LIST_SIZES.get(f"{parent.name if parent else ''}.{name}", DEFAULT_LIST_SIZE)

    def page(self, node: FieldNode, returns: GraphQLNamedType) -> int | None:
        """The page size of a connection field (`first`, clamped as the resolver clamps
        it), or None when the field does not return a connection."""
        if not isinstance(returns, GraphQLObjectType) or "edges" not in returns.fields:
            return None
        first = self.argument(node, "first")
        if not isinstance(first, int) or isinstance(first, bool):
            return DEFAULT_PAGE_SIZE
        return max(0, min(first, MAX_PAGE_SIZE))

    def argument(self, node: FieldNode, name: str) -> Any:
        """An argument's value as far as it is known now; lists of unknowns keep their
        length. Variables are read from the request, or their defaults."""
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                self.uses_variables = True
                variable = value.name.value
                if self.variables is None:
                    return None
                return self.variables.get(variable, self.defaults.get(variable))
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, ListValueNode):
                return list(value.values)
            return None
        return None

    def root_keys(self, selection_set: SelectionSetNode, nesting: int) -> frozenset[str]:
        """The response keys a selection set selects, its fragments' included: fields
        selected twice under one key merge into one (GraphQL spec 5.3.2)."""
        if nesting > MAX_NESTING:
            raise LimitExceeded("nesting", MAX_NESTING)
        keys: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                keys.add((selection.alias or selection.name).value)
            elif isinstance(selection, FragmentSpreadNode):
                keys |= self.spread_keys(selection.name.value, nesting)
            else:
                assert isinstance(selection, InlineFragmentNode)
                keys |= self.root_keys(selection.selection_set, nesting + 1)
        return frozenset(keys)

    def spread_keys(self, name: str, nesting: int) -> frozenset[str]:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.open:
            return frozenset()
        if name not in self.keys:
            self.open.add(name)
            self.keys[name] = self.root_keys(fragment.selection_set, nesting + 1)
            self.open.discard(name)
        return self.keys[name]


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _aliases(document: DocumentNode) -> int:
    """Aliased fields anywhere in the document, each written occurrence once."""
    count = 0
    pending: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode) and selection.alias is not None:
                count += 1
            inner = getattr(selection, "selection_set", None)
            if inner is not None:
                pending.append(inner)
    return count
