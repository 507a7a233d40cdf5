"""Areas and categories: the controlled taxonomy offerings are classified by."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models import Category as CategoryRow
from resolvers.taxonomy import AreaCount
from schema.arguments import Lang
from schema.enums import Area, Language
from schema.info import Info
from schema.maybe import MaybeAwaitable


@strawberry.type(description="One of the four welfare areas, with its labels and offering count.")
class AreaSummary:
    count: strawberry.Private[AreaCount]
    area: Area = strawberry.field(description="The area's enum value.")
    offering_count: int = strawberry.field(
        description="Number of offerings in the area that are not withdrawn."
    )

    @strawberry.field(description="The area's name in the requested language.")
    def label(self, info: Info, lang: Lang = None) -> str:
        return self.count.info.label(info.context.language(lang))

    @classmethod
    def from_count(cls, count: AreaCount) -> AreaSummary:
        return cls(count=count, area=count.info.area, offering_count=count.offering_count)


@strawberry.federation.type(
    keys=["id"],
    description="A category of the hub's controlled taxonomy; each belongs to one area.",
)
class Category(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[CategoryRow]
    code: str = strawberry.field(description="Stable code, used by the `category` filter.")
    area: Area = strawberry.field(description="The area the category belongs to.")

    @strawberry.field(description="The category's name in the requested language.")
    def label(self, info: Info, lang: Lang = None) -> str:
        english = info.context.language(lang) is Language.EN
        return self.row.label_en if english else self.row.label_it

    @strawberry.field(
        graphql_type=int,
        description="Number of offerings in the category that are not withdrawn.",
    )
    def offering_count(self, info: Info) -> MaybeAwaitable[int]:
        return info.context.loaders.category_offering_count.get(self.id)

    @classmethod
    def from_row(cls, row: CategoryRow) -> Category:
        return cls(id=row.id or 0, row=row, code=row.code, area=row.area)
