"""Who may use what: the roles of API keys and the fields only some roles may select.

In production (CONCILIA_ENV=production) the rules are checked on the document before
anything runs, once per document (hub.documents keeps what each operation selects): a
request selecting a field its key does not allow is refused as a whole, naming the field,
rather than answered with holes. Development mode lets everyone read everything, as a hub
on a laptop should. The README's table ("Keys and roles") is this module's tables in
words; tests/hub/test_access.py checks each of its cells against a served hub.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)

from models.audit import Actor, ActorKind
from models.enums import Role

# Fields that show how the hub is run (where sources are read from, what failed and why):
# the operator's business, not the catalogue's. Development mode shows them to everyone.
FIELD_ROLES: dict[tuple[str, str], Role] = {
    ("Source", "url"): Role.ADMIN,
    ("SyncRun", "error"): Role.ADMIN,
    ("SyncRun", "quarantined"): Role.ADMIN,
    ("SyncRun", "unmappedTerms"): Role.ADMIN,
}
# Fields that write, or that show who wrote what: guarded in every environment, development
# included (a laptop's hub still keeps anonymous clients from changing its data). An
# editor's mutations are further scoped to its own provider by the resolvers.
WRITE_ROLES: dict[tuple[str, str], Role] = {
    ("Query", "changes"): Role.ADMIN,
    **{
        ("Mutation", name): Role.ADMIN
        for name in ("createProvider", "deactivateProvider", "reactivateProvider")
    },
    **{
        ("Mutation", name): Role.EDITOR
        for name in (
            "updateProvider",
            "createLocation",
            "updateLocation",
            "createOffering",
            "updateOffering",
            "suspendOffering",
            "withdrawOffering",
            "reinstateOffering",
            "setEligibilityRule",
            "removeEligibilityRule",
        )
    },
}
# Fields that describe the schema itself: in production, only for keys allowed to explore
# (GraphQL spec 4, introspection; Apollo Federation's `_service { sdl }` is the same).
EXPLORING: frozenset[tuple[str, str]] = frozenset(
    {("Query", "__schema"), ("Query", "__type"), ("Query", "_service")}
)
GUARDED = frozenset(FIELD_ROLES) | frozenset(WRITE_ROLES) | EXPLORING


@dataclass(frozen=True, slots=True)
class Principal:
    """Who sends a request: a key's holder, or anyone."""

    role: Role = Role.ANONYMOUS
    key_id: int | None = None
    name: str | None = None
    # The provider an editor's key writes for.
    provider_id: int | None = None
    # Whether introspection and GraphiQL are open to it in production.
    explore: bool = False

    def may_explore(self, production: bool) -> bool:
        """Whether it may introspect the schema: anyone in development, keys that allow
        it in production."""
        return not production or (self.role is not Role.ANONYMOUS and self.explore)

    @property
    def actor(self) -> Actor | None:
        """How the audit trail names its writes; None for anonymous clients."""
        if self.key_id is None:
            return Actor(ActorKind.OPERATOR, self.name) if self.name else None
        return Actor(ActorKind.KEY, self.name or f"key {self.key_id}", key_id=self.key_id)

    @property
    def label(self) -> str:
        """How logs and metrics name it: the key's name, or `anonymous`."""
        return self.name or self.role.value


ANONYMOUS = Principal()
# The operator at the command line (`concilia query`): whoever can run it can read the
# database anyway.
OPERATOR = Principal(Role.ADMIN, name="operator", explore=True)


def selected(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> frozenset[tuple[str, str]]:
    """The guarded fields (GUARDED) the operation selects, through any fragment; each
    fragment is visited once, so the time is linear in the document's size."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    found: set[tuple[str, str]] = set()
    visited: set[str] = set()
    pending: list[OperationDefinitionNode | FragmentDefinitionNode] = [operation]
    while pending:
        spreads: list[str] = []
        type_info = TypeInfo(schema)
        visit(pending.pop(), TypeInfoVisitor(type_info, _Guarded(type_info, found, spreads)))
        for name in spreads:
            if name not in visited and name in fragments:
                visited.add(name)
                pending.append(fragments[name])
    return frozenset(found)


class _Guarded(Visitor):
    def __init__(
        self, type_info: TypeInfo, found: set[tuple[str, str]], spreads: list[str]
    ) -> None:
        super().__init__()
        self.type_info = type_info
        self.found = found
        self.spreads = spreads

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None and (parent.name, node.name.value) in GUARDED:
            self.found.add((parent.name, node.name.value))

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.spreads.append(node.name.value)


def refusal(
    fields: frozenset[tuple[str, str]], principal: Principal, production: bool
) -> GraphQLError | None:
    """Why the principal may not run an operation selecting `fields`, or None (in
    development, only writing needs a key)."""
    forbidden = _lacking(fields, WRITE_ROLES, principal)
    if forbidden is not None or not production:
        return forbidden
    # The schema's own fields (on Query) sort before the operator fields.
    if fields & EXPLORING and not principal.may_explore(production=True):
        return GraphQLError(
            "Introspection needs a key that allows exploring the schema.",
            extensions={"code": "FORBIDDEN"},
        )
    return _lacking(fields, FIELD_ROLES, principal)


def _lacking(
    fields: frozenset[tuple[str, str]], roles: dict[tuple[str, str], Role], principal: Principal
) -> GraphQLError | None:
    """The refusal of the first field (by name) whose role the principal lacks."""
    for type_name, field_name in sorted(fields):
        needed = roles.get((type_name, field_name))
        if needed is not None and principal.role.rank < needed.rank:
            return GraphQLError(
                f"`{type_name}.{field_name}` needs a key with the {needed.value} role.",
                extensions={"code": "FORBIDDEN"},
            )
    return None


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """A validation error without graphql-core's "Did you mean …?" hints, which spell out
    the schema to whoever may not introspect it (OWASP GraphQL: field suggestions)."""
    message, hint, _ = error.message.partition(" Did you mean")
    if not hint:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        extensions=error.extensions,
    )
