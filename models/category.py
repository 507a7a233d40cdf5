"""Categories of the controlled taxonomy, stored so that offerings can link to them."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from models.enums import Area
from models.types import enum_column


class Category(SQLModel, table=True):
    """A category of the hub's taxonomy (seeded from `models.taxonomy.CATEGORIES`)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    area: Area = Field(sa_type=enum_column(Area), index=True)
    label_it: str = Field(max_length=120)
    label_en: str = Field(max_length=120)
    position: int = 0
