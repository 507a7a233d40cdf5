"""One place mapping errors to `extensions.code`, and masking unexpected ones.

Codes: BAD_USER_INPUT (bad argument or variable values), NOT_FOUND,
GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, INTERNAL_SERVER_ERROR (message masked,
details only in the server log). Errors raised before execution (parsing, limits,
validation) get their codes where they arise, in hub.documents and hub.pipeline.
"""

from __future__ import annotations

import logging

from graphql.error import GraphQLError

from resolvers.errors import DomainError

log = logging.getLogger("concilia.graphql")

INTERNAL_MESSAGE = "Internal server error"


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` of an error.

    Errors with a path arose while executing a field: ours (DomainError) or a bug.
    Errors without one arose before execution: parsing, validation, or coercing the
    request's variables (GraphQL spec, section 6.1.2), whatever their original error.
    """
    original = error.original_error
    if isinstance(original, DomainError):
        return original.code
    if error.path is not None:
        return "INTERNAL_SERVER_ERROR"
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable "):  # coercing the request's variables
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def coded(error: GraphQLError) -> GraphQLError:
    """The error with its code; unexpected errors are logged and their message masked."""
    code = error_code(error)
    if code == "INTERNAL_SERVER_ERROR":
        log.error("unexpected error at %s", error.path, exc_info=error.original_error or error)
        return GraphQLError(
            INTERNAL_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": code},
        )
    error.extensions = {**(error.extensions or {}), "code": code}
    return error
