"""Look-ahead: which fields a query selects below a connection, fragments included."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from strawberry import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def selected(info: Info, path: Sequence[str]) -> set[str]:
    """Names of the fields selected at `path` below the current field, e.g.
    `selected(info, ["edges", "node"])` on a connection gives the node's fields."""
    level: list[SelectedField] = list(_fields(info.selected_fields))
    level = [child for field in level for child in _fields(field.selections)]
    for name in path:
        level = [
            child for field in level if field.name == name for child in _fields(field.selections)
        ]
    return {field.name for field in level}
