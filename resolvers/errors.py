"""Domain errors raised by resolvers; `schema.errors` maps each to an `extensions.code`."""

from __future__ import annotations


class DomainError(Exception):
    """An error whose message is safe to show to the client."""

    code = "INTERNAL_SERVER_ERROR"


class BadUserInput(DomainError):
    """An argument the client sent is invalid (bad ID, cursor, page size, filter value)."""

    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    """A referenced object does not exist."""

    code = "NOT_FOUND"


class Forbidden(DomainError):
    """The request's key may not do this (an editor writing another provider's records)."""

    code = "FORBIDDEN"
