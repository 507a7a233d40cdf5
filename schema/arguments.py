"""Arguments shared by several fields, each described once."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.enums import Language
from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many items to return: 0 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return the items after this cursor (the `endCursor` of the previous page)."
    ),
]
Lang = Annotated[
    Language | None,
    strawberry.argument(
        description="Language of the text; by default the request's (Accept-Language, else IT)."
    ),
]
NodeId = Annotated[strawberry.ID, strawberry.argument(description="A global ID.")]
NodeIds = Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")]
