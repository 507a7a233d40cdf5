"""The compiled path answers exactly as the general executor does.

Every query of the suite already runs through both (tests/conftest.py turns on
CONCILIA_VERIFY_COMPILED); here the README's queries are checked to take the compiled
path, and a generated corpus of selections, filters, orderings, languages and pages runs
through both executors on the whole demo catalogue (SQLite, or PostgreSQL in CI's second
run) and must give the same response, key order included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from graphql import GraphQLObjectType, get_named_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.limits import Limits
from hub.pipeline import Budget, Compiling, GraphQLRequest, Pipeline, same
from models.db import session_factory
from models.enums import Language
from models.taxonomy import CATEGORIES
from resolvers.compiled import supports
from schema import HubSchema, build_schema
from tests.test_readme import QUERIES


@pytest.fixture
async def pipeline(full_demo_engine: AsyncEngine) -> AsyncIterator[Pipeline]:
    """Both executors on the whole demo; documents are compiled the first time. The
    generated documents alias freely: the alias limit is not what is tested here."""
    pipeline = Pipeline(
        build_schema(),
        session_factory(full_demo_engine),
        budget=Budget(limits=Limits(max_aliases=1_000)),
        compiled=Compiling(hot_after=1, verify=True),
    )
    yield pipeline
    await pipeline.close()


async def both(
    pipeline: Pipeline,
    query: str,
    variables: dict[str, Any] | None = None,
    lang: Language = Language.IT,
) -> dict[str, Any]:
    """The response, checked to come from the compiled path and to equal the general's."""
    compiled_before = pipeline.executed["compiled"]
    response = await pipeline.run(GraphQLRequest(query, variables, lang=lang))
    result: dict[str, Any] = orjson.loads(response.body)
    assert "errors" not in result, result["errors"]
    assert pipeline.executed["compiled"] == compiled_before + 1, f"not compiled: {query}"
    return result


# Which README queries the compiled path takes: the catalogue, counts, taxonomy. The others
# ask for eligibility, availability, sources or entities (Federation), which only the
# general executor answers.
PLANNED_README_QUERIES = [
    q for q in QUERIES if not any(w in q for w in ("eligib", "availab", "sources", "_entities"))
]


@pytest.mark.parametrize("query", PLANNED_README_QUERIES)
async def test_readme_queries_are_compiled_and_agree(pipeline: Pipeline, query: str) -> None:
    await both(pipeline, query)


def test_the_readme_has_queries_for_the_compiled_path() -> None:
    assert len(PLANNED_README_QUERIES) >= 3


async def test_a_document_is_compiled_only_when_hot(full_demo_engine: AsyncEngine) -> None:
    pipeline = Pipeline(
        build_schema(), session_factory(full_demo_engine), compiled=Compiling(hot_after=3)
    )
    try:
        for _ in range(4):
            await pipeline.run(GraphQLRequest("{ offerings(first: 2) { nodes { id } } }"))
    finally:
        await pipeline.close()
    assert dict(pipeline.executed) == {"general": 2, "compiled": 2}


async def test_a_known_document_is_compiled_at_once(full_demo_engine: AsyncEngine) -> None:
    pipeline = Pipeline(build_schema(), session_factory(full_demo_engine))
    try:
        text = "{ areas { area offeringCount } }"
        pipeline.documents.register(text)
        await pipeline.run(GraphQLRequest(text))
    finally:
        await pipeline.close()
    assert dict(pipeline.executed) == {"compiled": 1}


# The generated corpus

LOCATION = ["id", "name", "address", "cap", "city", "province", "latitude", "longitude",
            "accessibility", "inDistrict", "version", "__typename"]  # fmt: skip
PROVIDER = ["id", "name", "legalForm", "vatNumber", "allianceMember", "atecoCode", "description",
            "website", "email", "phone", "version", "active"]  # fmt: skip
CATEGORY = ["id", "code", "area", "label", "label(lang: EN)", "label(lang: IT)", "offeringCount"]
COST = ["label", "amount", "currency", "description"]
OFFERING = ["id", "title", "title(lang: EN)", "title(lang: IT)", "description",
            "description(lang: EN)", "area", "deliveryMode", "status", "isFree", "minPrice",
            "beneficiaryDiscountPercent", "bookingUrl", "email", "inDistrict", "textLanguages",
            "eligibilityDescription", "languages", "version", "__typename"]  # fmt: skip
WORDS = ["asilo", "yoga", "corso", "caffe", "bambini", "anziani", "coworking", "lettura", "zzz"]


def pick(fields: list[str], minimum: int = 1) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(fields), min_size=minimum, max_size=6, unique=True)


@st.composite
def aliased(draw: st.DrawFn, fields: list[str]) -> str:
    """Some fields, each maybe under an alias (always, for fields with arguments: a field
    selected twice with different arguments needs two response keys)."""
    chosen = draw(pick(fields))
    return " ".join(
        f"a{i}: {f}" if "(" in f or draw(st.booleans()) else f for i, f in enumerate(chosen)
    )


@st.composite
def location(draw: st.DrawFn) -> str:
    inner = draw(aliased(LOCATION))
    if draw(st.booleans()):
        inner += f" provider {{ {draw(aliased(PROVIDER))} }}"
    return inner


@st.composite
def offering(draw: st.DrawFn) -> str:
    parts = [draw(aliased(OFFERING))]
    if draw(st.booleans()):
        provider = draw(aliased(PROVIDER))
        if draw(st.booleans()):
            provider += f" locations {{ {draw(location())} }}"
        parts.append(f"provider {{ {provider} }}")
    if draw(st.booleans()):
        parts.append(f"locations {{ {draw(location())} }}")
    if draw(st.booleans()):
        parts.append(f"categories {{ {draw(aliased(CATEGORY))} }}")
    if draw(st.booleans()):
        parts.append(f"costOptions {{ {draw(aliased(COST))} }}")
    if draw(st.booleans()):  # the same fields through a fragment
        parts.append("...Card")
    return " ".join(parts)


@st.composite
def offering_filter(draw: st.DrawFn) -> str:
    conditions = draw(
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        "area: FAMILY_CARE",
                        "area: WORK_SERVICES",
                        "inDistrict: true",
                        "inDistrict: false",
                        "allianceMember: true",
                        "allianceMember: false",
                        "deliveryMode: ONLINE",
                        "deliveryMode: IN_PERSON",
                        "freeOnly: true",
                        'language: "en"',
                        'maxPrice: "25"',
                        "status: [ACTIVE, WITHDRAWN]",
                        "status: [SUSPENDED]",
                    ]
                ),
                st.sampled_from([c.code for c in CATEGORIES]).map(lambda c: f'category: "{c}"'),
                st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(
                    lambda words: f'text: "{" ".join(words)}"'
                ),
            ),
            max_size=3,
            unique_by=lambda c: c.split(":")[0],
        )
    )
    return ", ".join(conditions)


@st.composite
def offerings_query(draw: st.DrawFn) -> str:
    arguments = [f"first: {draw(st.integers(0, 30))}"]
    flt = draw(offering_filter())
    if flt:
        arguments.append(f"filter: {{{flt}}}")
    if draw(st.booleans()):
        field = draw(st.sampled_from(["TITLE", "PRICE", "LAST_CHANGED"]))
        direction = draw(st.sampled_from(["ASC", "DESC"]))
        lang = draw(st.sampled_from(["", ", lang: EN", ", lang: IT"]))
        arguments.append(f"orderBy: {{field: {field}, direction: {direction}{lang}}}")
    selection = draw(
        st.lists(
            st.sampled_from(["totalCount", "edges", "nodes", "pageInfo", "__typename"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    parts = []
    for name in selection:
        if name == "edges":
            parts.append(f"edges {{ cursor node {{ {draw(offering())} }} }}")
        elif name == "nodes":
            parts.append(f"nodes {{ {draw(offering())} }}")
        elif name == "pageInfo":
            parts.append("pageInfo { hasNextPage hasPreviousPage startCursor endCursor }")
        else:
            parts.append(name)
    return f"offerings({', '.join(arguments)}) {{ {' '.join(parts)} }}"


@st.composite
def providers_query(draw: st.DrawFn) -> str:
    flt = draw(st.sampled_from(["", "filter: {allianceMember: true}", 'filter: {text: "coop"}']))
    first = draw(st.integers(0, 20))
    node = draw(aliased(PROVIDER))
    if draw(st.booleans()):
        node += f" locations {{ {draw(location())} }}"
    arguments = ", ".join(a for a in (f"first: {first}", flt) if a)
    return (
        f"providers({arguments}) {{ totalCount edges {{ cursor node {{ {node} }} }} "
        "pageInfo { hasNextPage endCursor } }"
    )


@st.composite
def documents(draw: st.DrawFn) -> str:
    roots = draw(
        st.lists(
            st.one_of(
                offerings_query(),
                providers_query(),
                st.just("areas { area label offeringCount __typename }"),
                st.sampled_from(["", "(area: HEALTH_WELLBEING)"]).map(
                    lambda a: f"categories{a} {{ code label offeringCount }}"
                ),
            ),
            min_size=1,
            max_size=3,
        )
    )
    body = " ".join(f"r{i}: {root}" for i, root in enumerate(roots))
    card = " fragment Card on Offering { id title area minPrice }" if "...Card" in body else ""
    return f"{{ {body} }}{card}"


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents(), english=st.booleans())
async def test_generated_queries_agree(pipeline: Pipeline, document: str, english: bool) -> None:
    lang = Language.EN if english else Language.IT
    first = await both(pipeline, document, lang=lang)
    # The second page of every connection that has one, through its endCursor.
    for root in first["data"].values():
        info = root.get("pageInfo") if isinstance(root, dict) else None
        if info and info.get("hasNextPage") and info.get("endCursor"):
            await both_after(pipeline, document, info["endCursor"], lang)


async def both_after(pipeline: Pipeline, document: str, cursor: str, lang: Language) -> None:
    """Follow a cursor: both executors must give the same next page too."""
    # Replace each `first: N` of the document's connections with an `after` as well.
    paged = document.replace("first: ", f'after: "{cursor}", first: ', 1)
    response = await pipeline.run(GraphQLRequest(paged, lang=lang))
    result = orjson.loads(response.body)
    # A cursor of one root's ordering is not valid for another's: such requests are
    # refused alike by both (the compiled path leaves them to the general executor).
    if "errors" in result:
        assert {e["extensions"]["code"] for e in result["errors"]} == {"BAD_USER_INPUT"}


def test_same_compares_key_order_and_values() -> None:
    assert same({"a": 1, "b": [1.0, {"c": None}]}, {"a": 1, "b": [1, {"c": None}]})
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same({"a": True}, {"a": 1})
    assert not same([1, 2], [1, 2, 3])


def test_no_compiled_field_is_a_date_time() -> None:
    """The database would write a time in UTC (SQLite has no time zones to put Rome's
    offset in): DateTime fields are left to the general executor, which writes them with
    Rome's offset (schema/scalars.py)."""
    schema = build_schema()
    compiled = [
        f"{type_name}.{name}"
        for type_name, named in schema._schema.type_map.items()
        if isinstance(named, GraphQLObjectType) and not type_name.startswith("__")
        for name, definition in named.fields.items()
        if get_named_type(definition.type).name == "DateTime"
        and supports(type_name, _python_name(schema, type_name, name))
    ]
    assert compiled == []


def _python_name(schema: HubSchema, type_name: str, name: str) -> str:
    found = schema.get_field_for_type(name, type_name)
    assert found is not None
    return found.python_name
