"""GraphQL enums: the model's and resolvers' enums, registered with descriptions."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import strawberry

from models.audit import ActorKind, ChangeAction
from models.enums import Area, DeliveryMode, Language, OfferingStatus, SyncStatus
from resolvers.offerings import OfferingOrderField
from resolvers.pagination import Direction


def _describe_values(enum: type[Enum], descriptions: Mapping[Enum, str]) -> None:
    """Describe the values of a model enum registered with strawberry (its members cannot
    carry strawberry.enum_value: the models do not know the schema)."""
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = descriptions[enum[value.name]]


# strawberry.enum registers the Python enum itself, so the model's values flow through.
strawberry.enum(Area, description="The four welfare areas of the alliance (labels in `areas`).")
strawberry.enum(
    DeliveryMode,
    description="Where the service reaches the beneficiary: at a location, online, or at home.",
)
strawberry.enum(
    OfferingStatus,
    description="Lifecycle of an offering; withdrawn offerings are kept and hidden by default.",
)
strawberry.enum(Language, description="Languages the hub serves text in; Italian is the default.")
strawberry.enum(SyncStatus, description="How a sync run ended, or that it is still running.")
_describe_values(
    SyncStatus,
    {
        SyncStatus.RUNNING: "The sync is running: its counts are those of its committed batches.",
        SyncStatus.SUCCEEDED: "The sync read the whole source and recorded it.",
        SyncStatus.FAILED: (
            "The sync stopped on an error, its time limit or a shutdown (see `error`): what it"
            " had committed stays, nothing was withdrawn."
        ),
        SyncStatus.DEAD: (
            "The process running the sync stopped (killed, crashed) before it finished: its"
            " lease ran out. Its counts are those of the batches it had committed."
        ),
    },
)
strawberry.enum(Direction, description="Sort direction.")
strawberry.enum(
    ActorKind,
    description=(
        "Who made a change: KEY (a mutation, by an API key's holder), SOURCE (a sync run of "
        "a source), IMPORT (`concilia rules import`), OPERATOR (the operator at the command "
        "line, `concilia query`)."
    ),
)
strawberry.enum(
    ChangeAction,
    description=(
        "What a change did to its object: CREATE, UPDATE, WITHDRAW (an offering is withdrawn, "
        "never deleted), DELETE (only registry rules are ever deleted)."
    ),
)
strawberry.enum(
    OfferingOrderField,
    description=(
        "What offerings can be ordered by: TITLE (in the request's language), "
        "LAST_CHANGED (when the content last changed), PRICE (cheapest cost option; "
        "offerings without a published price come last)."
    ),
)

__all__ = [
    "ActorKind",
    "Area",
    "ChangeAction",
    "DeliveryMode",
    "Direction",
    "Language",
    "OfferingOrderField",
    "OfferingStatus",
    "SyncStatus",
]
