"""What the static cost of a query assumes about the size of the schema's lists.

Connections (`offerings`, `providers`, `Provider.offerings`) return at most `first` items,
so their `edges` and `nodes` weigh `first`; `nodes(ids:)` weighs the number of IDs and
Federation's `_entities(representations:)` the number of representations. Other
lists of objects have no argument bounding them: the figures below are generous estimates
of how many items they hold (an offering has 1-3 locations), and any list not named here
weighs DEFAULT_LIST_SIZE. Introspection fields weigh a fixed amount, whatever they select:
the schema they describe is fixed, and graphql-core bounds their depth.
"""

from __future__ import annotations

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

LIST_SIZES: dict[str, int] = {
    "Query.areas": 4,
    "Query.categories": 25,
    "Query.sources": 20,
    "Offering.locations": 5,
    "Offering.categories": 5,
    "Offering.costOptions": 5,
    "Offering.schedules": 5,
    "Offering.eligibilityRules": 5,
    "Offering.availability": 20,
    "Provider.locations": 10,
    "SyncRun.quarantined": 20,
    "Eligibility.reasons": 10,
    "Eligibility.rules": 5,
    # A created offering records each of its fields; an update, the few it changed.
    "Change.fields": 30,
}
DEFAULT_LIST_SIZE = 10
INTROSPECTION_COSTS: dict[str, int] = {"__schema": 1_000, "__type": 50, "__typename": 1}

__all__ = [
    "DEFAULT_LIST_SIZE",
    "DEFAULT_PAGE_SIZE",
    "INTROSPECTION_COSTS",
    "LIST_SIZES",
    "MAX_PAGE_SIZE",
]
