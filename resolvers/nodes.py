"""Relay global IDs (https://relay.dev/graphql/objectidentification.htm): parsing and lookup."""

from __future__ import annotations

import re

from strawberry.relay import GlobalID, GlobalIDValueError

from resolvers.errors import BadUserInput
from resolvers.inputs import MAX_INTEGER, shown

_CANONICAL_ID = re.compile(r"[1-9][0-9]*")


def decode_id(global_id: str, expected: str | None = None) -> tuple[str, int]:
    """The type name and database id in a global ID; BadUserInput when it is malformed,
    not in the canonical form the hub gives out, or names another type than `expected`."""
    try:
        parsed = GlobalID.from_id(global_id)
    except GlobalIDValueError:
        raise BadUserInput(f"malformed ID {shown(global_id)}") from None
    # int() would also take " 1 ", "1_0" or Arabic-Indic digits: one ID, one spelling.
    digits = parsed.node_id
    if not _CANONICAL_ID.fullmatch(digits) or str(parsed) != global_id:
        raise BadUserInput(f"malformed ID {shown(global_id)}")
    if len(digits) > len(str(MAX_INTEGER)) or int(digits) > MAX_INTEGER:
        raise BadUserInput(f"ID {shown(global_id)} is out of range")
    if expected is not None and parsed.type_name != expected:
        raise BadUserInput(f"ID {shown(global_id)} is not the ID of a {expected}")
    return parsed.type_name, int(digits)
