"""Relay global IDs (https://relay.dev/graphql/objectidentification.htm): parsing and lookup."""

from __future__ import annotations

from strawberry.relay import GlobalID, GlobalIDValueError

from resolvers.errors import BadUserInput


def decode_id(global_id: str, expected: str | None = None) -> tuple[str, int]:
    """The type name and database id in a global ID; BadUserInput when it is malformed
    or names another type than `expected`."""
    try:
        parsed = GlobalID.from_id(global_id)
        node_id = int(parsed.node_id)
    except (GlobalIDValueError, ValueError):
        raise BadUserInput(f"malformed ID {global_id!r}") from None
    if expected is not None and parsed.type_name != expected:
        raise BadUserInput(f"ID {global_id!r} is not the ID of a {expected}")
    return parsed.type_name, node_id
