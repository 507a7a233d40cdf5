"""From a GraphQL document to a plan of the compiled path (resolvers.plans).

A document's operation is planned once: its selections are collected on their types as
graphql-core would collect them (fragments spread, fields of one response key merged,
@skip/@include with literal conditions applied) and turned into a tree of the types'
Python field names. Anything the compiled path does not know (a field, an argument,
a directive with a variable, an abstract type) leaves the operation to the general
executor. Per request, only the root fields' arguments are bound: the request's variables
are coerced by graphql-core and converted by strawberry, exactly as for the resolvers,
into the resolvers' values; an operation whose arguments are all literals is bound once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_argument_values,
    get_named_type,
)
from graphql.execution.values import VariableValues
from graphql.language import Visitor, visit
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from models.enums import Area, Language
from models.types import local_today
from resolvers.compiled import supports
from resolvers.errors import DomainError
from resolvers.nodes import decode_id
from resolvers.pagination import DEFAULT_PAGE_SIZE
from resolvers.plans import Plan, Root, Selected, Selection
from schema import HubSchema
from schema.inputs import offering_query, provider_filter

# Fields whose one argument is the language of their text.
_LANG_ARGUMENT = "lang"


class _Unplannable(Exception):
    """Something in the operation the compiled path does not do."""


@dataclass(frozen=True, slots=True)
class _RootTemplate:
    key: str
    name: str
    node: FieldNode
    selection: Selection | None
    # The field's definitions, for its arguments (none for __typename).
    definition: GraphQLField | None = None
    strawberry_field: StrawberryField | None = None


@dataclass(eq=False)
class Template:
    """A planned operation, waiting for each request's variables."""

    operation: OperationDefinitionNode
    roots: tuple[_RootTemplate, ...]
    planner: Planner
    # Whether the root arguments use variables: if not, one plan per language and day
    # serves all.
    uses_variables: bool
    _bound: dict[tuple[Language, date], Plan | None] = field(default_factory=dict)

    def bind(self, variables: VariableValues, lang: Language) -> Plan | None:
        """The plan of this request, given its coerced variables; None when it is for the
        general executor to answer (a bad argument, a filter computed from the
        database...), which then also gives the errors."""
        key = (lang, local_today())
        if not self.uses_variables and key in self._bound:
            return self._bound[key]
        plan = self._bind(variables, *key)
        if not self.uses_variables:
            if len(self._bound) >= len(Language) * 2:  # yesterday's are of no more use
                self._bound.clear()
            self._bound[key] = plan
        return plan

    def _bind(self, variables: VariableValues, lang: Language, today: date) -> Plan | None:
        try:
            roots = tuple(self.planner.bind_root(root, variables) for root in self.roots)
        except (DomainError, GraphQLError, _Unplannable):
            return None
        return Plan(roots, lang, today)


class Planner:
    """Plans operations of one schema for the compiled path."""

    def __init__(self, schema: HubSchema) -> None:
        self.schema = schema
        self.graphql = schema._schema
        self._fields: dict[tuple[str, str], StrawberryField | None] = {}

    def template(
        self, document: DocumentNode, operation: OperationDefinitionNode
    ) -> Template | None:
        """The operation planned, or None when the general executor must run it."""
        if operation.operation is not OperationType.QUERY:
            return None
        query_type = self.graphql.query_type
        assert query_type is not None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        try:
            roots = tuple(
                self._root(key, nodes, query_type, fragments)
                for key, nodes in _collect(operation.selection_set, query_type, fragments).items()
            )
        except _Unplannable:
            return None
        uses_variables = any(_has_variables(root.node) for root in roots)
        return Template(operation, roots, self, uses_variables)

    def _root(
        self,
        key: str,
        nodes: list[FieldNode],
        query_type: GraphQLObjectType,
        fragments: dict[str, FragmentDefinitionNode],
    ) -> _RootTemplate:
        node = nodes[0]
        name = node.name.value
        if name == "__typename":
            return _RootTemplate(key, name, node, None)
        if name.startswith("__"):
            raise _Unplannable(f"introspection ({name})")
        definition = query_type.fields[name]
        strawberry_field = self._strawberry_field("Query", name)
        if not supports("Query", strawberry_field.python_name):
            raise _Unplannable(name)
        returns = get_named_type(definition.type)
        selection = self._selection(nodes, returns, fragments) if node.selection_set else None
        return _RootTemplate(
            key, strawberry_field.python_name, node, selection, definition, strawberry_field
        )

    def _selection(
        self,
        nodes: list[FieldNode],
        of_type: Any,
        fragments: dict[str, FragmentDefinitionNode],
    ) -> Selection:
        if not isinstance(of_type, GraphQLObjectType):
            raise _Unplannable(f"{of_type} is abstract")
        merged = _merge(nodes, of_type, fragments)
        fields = tuple(self._field(key, group, of_type, fragments) for key, group in merged.items())
        return Selection(of_type.name, fields)

    def _field(
        self,
        key: str,
        nodes: list[FieldNode],
        of_type: GraphQLObjectType,
        fragments: dict[str, FragmentDefinitionNode],
    ) -> Selected:
        node = nodes[0]
        name = node.name.value
        if name == "__typename":
            return Selected(key, "__typename")
        if name.startswith("__"):
            raise _Unplannable(f"introspection ({name})")
        strawberry_field = self._strawberry_field(of_type.name, name)
        # relay.Node's global ID is resolved by a field named `_id`.
        python_name = "id" if name == "id" else strawberry_field.python_name
        if not supports(of_type.name, python_name):
            raise _Unplannable(f"{of_type.name}.{name}")
        lang = _language(node)
        returns = get_named_type(of_type.fields[name].type)
        inner = self._selection(nodes, returns, fragments) if node.selection_set else None
        return Selected(key, python_name, lang, inner)

    def _strawberry_field(self, type_name: str, name: str) -> StrawberryField:
        key = (type_name, name)
        if key not in self._fields:
            self._fields[key] = self.schema.get_field_for_type(name, type_name)
        found = self._fields[key]
        if found is None:
            raise _Unplannable(f"{type_name}.{name}")
        return found

    def bind_root(self, root: _RootTemplate, variables: Any) -> Root:
        """A root field with its arguments decoded as the resolver would decode them."""
        if root.definition is None or root.strawberry_field is None:
            return Root(root.key, "__typename")
        raw = get_argument_values(root.definition, root.node, variables)
        kwargs = convert_arguments(
            raw,
            root.strawberry_field.arguments,
            scalar_registry=self.schema.schema_converter.scalar_registry,
            config=self.schema.config,
        )
        first = kwargs.get("first", DEFAULT_PAGE_SIZE)
        after = kwargs.get("after")
        if root.name == "offerings":
            query = offering_query(kwargs.get("filter"), kwargs.get("order_by"))
            return Root(
                root.key, root.name, root.selection, offerings=query, first=first, after=after
            )
        if root.name == "providers":
            providers = provider_filter(kwargs.get("filter"))
            return Root(
                root.key, root.name, root.selection, providers=providers, first=first, after=after
            )
        if root.name in {"offering", "provider"}:
            _, id_ = decode_id(kwargs["id"], "Offering" if root.name == "offering" else "Provider")
            return Root(root.key, root.name, root.selection, id=id_)
        if root.name == "categories":
            area: Area | None = kwargs.get("area")
            return Root(root.key, root.name, root.selection, area=area)
        return Root(root.key, root.name, root.selection)


def _language(node: FieldNode) -> Language | None:
    """The literal `lang` argument of a text field; other arguments are not planned."""
    language: Language | None = None
    for argument in node.arguments or ():
        if argument.name.value != _LANG_ARGUMENT or not isinstance(argument.value, EnumValueNode):
            raise _Unplannable(f"argument {argument.name.value} of {node.name.value}")
        language = Language[argument.value.value]
    return language


def _included(node: FieldNode | FragmentSpreadNode | InlineFragmentNode) -> bool:
    """@skip/@include with literal conditions; a variable condition is not planned."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in {GraphQLSkipDirective.name, GraphQLIncludeDirective.name}:
            raise _Unplannable(f"directive @{name}")
        [argument] = directive.arguments or ()
        if not isinstance(argument.value, BooleanValueNode):
            raise _Unplannable(f"@{name} with a variable")
        if argument.value.value is (name == GraphQLSkipDirective.name):
            return False
    return True


def _collect(
    selection_set: SelectionSetNode,
    on: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
) -> dict[str, list[FieldNode]]:
    """The fields of a selection set by response key, in order (CollectFields, GraphQL
    spec 6.3.2); fragments whose type condition `on` does not satisfy are left out."""
    fields: dict[str, list[FieldNode]] = {}
    for node in _selections(selection_set, on, fragments, set()):
        fields.setdefault((node.alias or node.name).value, []).append(node)
    return fields


def _selections(
    selection_set: SelectionSetNode,
    on: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
    visited: set[str],
) -> Iterator[FieldNode]:
    for selection in selection_set.selections:
        if not _included(selection):  # type: ignore[arg-type]
            continue
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            if _applies(
                selection.type_condition.name.value if selection.type_condition else None, on
            ):
                yield from _selections(selection.selection_set, on, fragments, visited)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if name in visited or fragment is None:
                continue
            visited.add(name)
            if _applies(fragment.type_condition.name.value, on):
                yield from _selections(fragment.selection_set, on, fragments, visited)


def _applies(condition: str | None, on: GraphQLObjectType) -> bool:
    return condition is None or condition == on.name or condition in {i.name for i in on.interfaces}


def _merge(
    nodes: list[FieldNode], on: GraphQLObjectType, fragments: dict[str, FragmentDefinitionNode]
) -> dict[str, list[FieldNode]]:
    """The fields of several nodes of one response key, merged (GraphQL spec 6.4.3)."""
    merged: dict[str, list[FieldNode]] = {}
    for node in nodes:
        if node.selection_set is None:
            continue
        for key, group in _collect(node.selection_set, on, fragments).items():
            merged.setdefault(key, []).extend(group)
    return merged


class _VariableFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_variable(self, *_: Any) -> None:
        self.found = True


def _has_variables(node: FieldNode) -> bool:
    """Whether a root field's arguments use a variable."""
    finder = _VariableFinder()
    for argument in node.arguments or ():
        if isinstance(argument.value, VariableNode):
            return True
        visit(argument.value, finder)
    return finder.found
