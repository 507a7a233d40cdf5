"""Plans: what a query selects, in the resolvers' terms, for the compiled path.

A plan is a tree of the schema's objects and the fields selected on each (by their Python
names), with every argument already decoded into the resolvers' values (an OfferingQuery,
a page size, a language). schema.plans makes one from a GraphQL document and a request's
variables; resolvers.compiled turns it into one SQL statement that returns the response's
JSON. Plans are hashable: equal plans share their compiled statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from models.enums import Area, Language
from models.types import local_today
from resolvers.offerings import OfferingQuery
from resolvers.providers import ProviderFilter


@dataclass(frozen=True, slots=True)
class Selected:
    """A field of an object: its response key, the type's Python field name, its language
    (text fields) and, for fields returning objects, what is selected on them."""

    key: str
    name: str
    lang: Language | None = None
    object: Selection | None = None


@dataclass(frozen=True, slots=True)
class Selection:
    """The fields selected on an object of a GraphQL type."""

    type_name: str
    fields: tuple[Selected, ...]


@dataclass(frozen=True, slots=True)
class Root:
    """A root field with its decoded arguments (those of its kind; the others unset)."""

    key: str
    name: str
    selection: Selection | None = None
    offerings: OfferingQuery | None = None
    providers: ProviderFilter | None = None
    first: int = 0
    after: str | None = None
    id: int | None = None
    area: Area | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """An operation's root fields, in order, the request's language and day (what is
    current depends on it, so a plan, and the statement compiled for it, is a day's)."""

    roots: tuple[Root, ...]
    lang: Language
    today: date = field(default_factory=local_today)
