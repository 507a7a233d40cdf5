"""GraphQL documents, parsed, measured and validated once, then remembered by their text.

A document costs its parse, its measure (hub.limits) and graphql-core's validation the
first time it is seen; afterwards, and for every client sending it, the hub only looks it
up. Documents can also be known in advance (trusted documents from a manifest) or
registered by hash (automatic persisted queries); both are kept by their SHA-256 hash.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)

from hub.access import selected
from hub.caching import cacheable
from hub.limits import MAX_NESTING, LimitExceeded, Limits, Shape, check_shape, shape

# Documents longer than this are parsed every time rather than remembered: they are rare,
# and remembering them would let a client fill the cache with a few large bodies.
MAX_REMEMBERED_LENGTH = 32_768
MAX_VALIDATION_ERRORS = 20


class DocumentError(Exception):
    """A request's document cannot run: the errors to answer with (codes included)."""

    def __init__(self, errors: list[GraphQLError]) -> None:
        super().__init__(errors[0].message if errors else "invalid document")
        self.errors = errors


@dataclass(eq=False)
class Operation:
    """One operation of a valid document, with what the pipeline learns about it."""

    node: OperationDefinitionNode
    shape: Shape
    # Whether its answers may be kept by the response cache (hub.caching).
    cacheable: bool = False
    # The fields it selects that not every key may (hub.access).
    guarded: frozenset[tuple[str, str]] = frozenset()

    @property
    def is_query(self) -> bool:
        return self.node.operation is OperationType.QUERY


@dataclass(eq=False)
class Document:
    """A document as the hub knows it: valid and measured, or the errors it gets."""

    text: str
    sha256: str
    ast: DocumentNode | None
    errors: list[GraphQLError]
    operations: dict[str | None, Operation] = field(default_factory=dict)
    # How many requests sent it (hot documents get compiled), and whether it is known
    # (trusted, registered by hash): known documents are compiled at once.
    seen: int = 0
    known: bool = False
    # Whatever the executors attach (a compiled plan per operation name).
    plans: dict[str | None, Any] = field(default_factory=dict)

    def operation(self, name: str | None) -> Operation:
        """The operation a request names (GraphQL spec 6.1, GetOperation)."""
        if name is None:
            if len(self.operations) > 1:
                raise DocumentError(
                    [
                        _coded(
                            GraphQLError(
                                "The document has several operations: name the one to run "
                                "in `operationName`."
                            ),
                            "GRAPHQL_VALIDATION_FAILED",
                        )
                    ]
                )
            return next(iter(self.operations.values()))
        found = self.operations.get(name)
        if found is None:
            raise DocumentError(
                [
                    _coded(
                        GraphQLError(f"Unknown operation named '{name}'."),
                        "GRAPHQL_VALIDATION_FAILED",
                    )
                ]
            )
        return found


def sha256(text: str) -> str:
    """The hex SHA-256 of a document's UTF-8 text (the APQ and trusted-documents hash)."""
    return hashlib.sha256(text.encode()).hexdigest()


class Documents:
    """Documents by text (a bounded LRU) and known documents by hash."""

    def __init__(self, schema: GraphQLSchema, limits: Limits, size: int = 1_000) -> None:
        self.schema = schema
        self.limits = limits
        self.size = size
        self._by_text: OrderedDict[str, Document] = OrderedDict()
        self._known: dict[str, Document] = {}

    def get(self, text: str) -> Document:
        """The document of `text`, prepared once; invalid ones carry their errors."""
        document = self._by_text.get(text)
        if document is not None:
            self._by_text.move_to_end(text)
            return document
        known = self._known.get(sha256(text)) if self._known else None
        document = known or prepare(self.schema, text, self.limits)
        if len(text) <= MAX_REMEMBERED_LENGTH:
            self._by_text[text] = document
            if len(self._by_text) > self.size:
                self._by_text.popitem(last=False)
        return document

    def by_id(self, id_: str) -> Document | None:
        """A known document by its SHA-256 hash or manifest id (`sha256:` prefix optional)."""
        return self._known.get(_bare(id_))

    def register(self, text: str, *ids: str) -> Document:
        """Remember a document by its hash, and by the ids a manifest gives it (a trusted
        document, or an APQ registration)."""
        document = self.get(text)
        document.known = True
        for id_ in (document.sha256, *ids):
            self._known[_bare(id_)] = document
        return document

    def load_manifest(self, path: Path) -> int:
        """Register every document of a trusted-documents manifest; how many it had."""
        entries = read_manifest(path)
        for id_, text in entries:
            self.register(text, id_)
        return len(entries)


def _bare(id_: str) -> str:
    """A document id without the `sha256:` prefix of GraphQL over HTTP's documentId."""
    return id_.removeprefix("sha256:").lower() if len(id_) in {64, 71} else id_


def prepare(schema: GraphQLSchema, text: str, limits: Limits) -> Document:
    """Parse, measure and validate a document: all the work a known document skips."""
    digest = sha256(text)
    try:
        ast = parse(text, max_tokens=limits.max_tokens, no_location=False)
    except GraphQLError as error:
        return Document(text, digest, None, [_parse_error(error, limits)])
    operations: dict[str | None, Operation] = {}
    try:
        for definition in ast.definitions:
            if isinstance(definition, OperationDefinitionNode):
                found = shape(schema, ast, definition)
                check_shape(found, limits)
                name = definition.name.value if definition.name else None
                operations[name] = Operation(definition, found, cacheable(ast, definition))
    except LimitExceeded as error:
        return Document(text, digest, None, [_limit_error(error)])
    errors = validate(schema, ast, specified_rules, max_errors=MAX_VALIDATION_ERRORS)
    if errors:
        coded = [_coded(error, "GRAPHQL_VALIDATION_FAILED") for error in errors]
        return Document(text, digest, None, coded)
    for operation in operations.values():
        operation.guarded = selected(schema, ast, operation.node)
    return Document(text, digest, ast, [], operations)


def _parse_error(error: GraphQLError, limits: Limits) -> GraphQLError:
    if "tokens. Parsing aborted" in error.message:
        return _limit_error(LimitExceeded("tokens", limits.max_tokens))
    if "nested too deeply" in error.message:
        return _limit_error(LimitExceeded("nesting", MAX_NESTING))
    return _coded(error, "GRAPHQL_PARSE_FAILED")


def _limit_error(error: LimitExceeded) -> GraphQLError:
    return GraphQLError(str(error), extensions=error.extensions)


def _coded(error: GraphQLError, code: str) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


class ManifestError(Exception):
    """A trusted-documents manifest that cannot be read."""


def read_manifest(path: Path) -> list[tuple[str, str]]:
    """The (id, document) pairs of a manifest: a JSON object of id -> document (Relay,
    GraphQL Code Generator), or Apollo's persisted query manifest (`operations[]` with
    `id` and `body`)."""
    try:
        content: Any = orjson.loads(path.read_bytes())
    except OSError as error:
        raise ManifestError(f"cannot read {path}: {error.strerror or error}") from None
    except orjson.JSONDecodeError as error:
        raise ManifestError(f"{path} is not JSON: {error}") from None
    entries: list[tuple[Any, Any]]
    if isinstance(content, dict) and isinstance(content.get("operations"), list):
        entries = [
            (op.get("id"), op.get("body")) for op in content["operations"] if isinstance(op, dict)
        ]
    elif isinstance(content, dict):
        entries = list(content.items())
    else:
        raise ManifestError(f"{path}: expected a JSON object of documents")
    if not all(isinstance(id_, str) and isinstance(body, str) for id_, body in entries):
        raise ManifestError(f"{path}: every entry needs a string id and a string document")
    return [(str(id_), str(body)) for id_, body in entries]
