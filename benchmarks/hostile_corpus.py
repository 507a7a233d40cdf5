"""The GraphQL documents and request bodies of `benchmarks.hostile`, one builder per case.

Every builder returns the exact bytes of a JSON POST body (`application/json`), built by
hand where the JSON is too deep for an encoder. Nothing here talks to the network.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

BodyBuilder = Callable[[], bytes]

POLL_QUERY = "{ areas { area offeringCount } }"

# Words of the demo catalogue, so a text filter made of them matches for real.
_WORDS = (
    *("yoga", "asilo", "nido", "caffe", "corso", "bambini", "famiglia", "salute", "welfare"),
    *("isola", "coworking", "lettura", "sport", "piscina", "anziani", "assistenza"),
    *("domicilio", "consulenza", "psicologo", "musica", "teatro"),
)


@dataclass(frozen=True, slots=True)
class GraphQLCase:
    """A POST to /graphql: a name, what the hub should answer, and the body."""

    name: str
    summary: str
    expect: str
    body: BodyBuilder


def request(query: str, variables: dict[str, Any] | None = None, **extra: Any) -> bytes:
    """A GraphQL-over-HTTP POST body."""
    payload: dict[str, Any] = {"query": query, **extra}
    if variables is not None:
        payload["variables"] = variables
    return orjson.dumps(payload)


def global_id(raw: str) -> str:
    """A Relay global ID (base64 of `Type:id`) for any text, canonical or not."""
    return base64.b64encode(raw.encode()).decode()


def cursor(payload: bytes) -> str:
    """A keyset cursor in the hub's encoding (URL-safe base64 of JSON, no padding)."""
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


# --- 1-4: documents that cost more to parse, validate or execute than they weigh -------


def fragment_bomb(levels: int = 30) -> str:
    """`{ ...F0 }` where every fragment spreads the next one twice: 2**levels leaves."""
    parts = ["{ ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ areas {{ area }} }}")
    return "\n".join(parts)


def alias_bomb(count: int = 5_000) -> str:
    """`count` aliases of a cheap field."""
    return "{ " + " ".join(f"a{i}: areas {{ area }}" for i in range(count)) + " }"


def cost_bomb(count: int) -> str:
    """`count` aliases of pages of 100 offerings, each with its provider's 100 offerings."""
    inner = (
        "offerings(first: 100) { edges { node { provider { "
        "offerings(first: 100) { edges { node { title } } } } } } }"
    )
    return "{ " + " ".join(f"c{i}: {inner}" for i in range(count)) + " }"


def deep_braces(levels: int = 3_000) -> str:
    """`{a{a{a...}}}`, `levels` selection sets deep."""
    return "{" + "a{" * (levels - 1) + "a" + "}" * levels


def deep_schema_path(levels: int = 3_000) -> str:
    """offerings > edges > node > provider > offerings > ... through real fields."""
    cycle = ("offerings", "edges", "node", "provider")
    names = [cycle[i % len(cycle)] for i in range(levels - 1)]
    return "{ " + "".join(f"{name} {{ " for name in names) + "id" + " }" * levels


def deep_list_literal(levels: int = 3_000) -> str:
    """A list literal `[[[...]]]` nested `levels` deep in an argument."""
    value = "[" * levels + "ACTIVE" + "]" * levels
    return f"{{ offerings(filter: {{status: {value}}}) {{ totalCount }} }}"


# --- 6: the full-text filter ----------------------------------------------------------

_TEXT_QUERY = (
    "query Q($t: String) { offerings(filter: {text: $t}) { totalCount edges { node { id } } } }"
)


def words(total_chars: int) -> str:
    """Catalogue words, space-separated, `total_chars` characters in all."""
    out: list[str] = []
    size = 0
    i = 0
    while size < total_chars:
        word = _WORDS[i % len(_WORDS)]
        out.append(word)
        size += len(word) + 1
        i += 1
    return " ".join(out)[:total_chars]


def distinct_words(count: int) -> str:
    """`count` different words: the catalogue's, then numbered variants of them."""
    n = len(_WORDS)
    return " ".join(_WORDS[i % n] + ("" if i < n else str(i)) for i in range(count))


def text_filter(text: str) -> bytes:
    return request(_TEXT_QUERY, {"t": text})


# --- 7: inputs that reach resolvers and the database -----------------------------------

_BY_ID = "query Q($id: ID!) { offering(id: $id) { id title } }"
_PAGE = "edges { node { id } } totalCount"


def by_id(raw: str) -> bytes:
    return request(_BY_ID, {"id": global_id(raw)})


def filtered(filter_literal: str) -> bytes:
    return request(f"{{ offerings(filter: {filter_literal}) {{ {_PAGE} }} }}")


def after(cursor_json: bytes, order: str = "") -> bytes:
    """A page after a cursor whose JSON is `cursor_json` (order: an orderBy literal)."""
    args = f'after: "{cursor(cursor_json)}"' + (f", orderBy: {order}" if order else "")
    return request(f"{{ offerings({args}) {{ {_PAGE} }} }}")


def open_at_field(time: str) -> bytes:
    return request(
        f'{{ offerings(first: 5) {{ edges {{ node {{ id openAt(time: "{time}") }} }} }} }}'
    )


def availability_field(start: str, end: str) -> bytes:
    return request(
        "{ offerings(first: 5) { edges { node { id "
        f'availability(from: "{start}", to: "{end}") {{ startsAt }} }} }} }} }}'
    )


def language_variable(language: str) -> bytes:
    query = "query Q($l: String) { offerings(filter: {language: $l}) { totalCount } }"
    return request(query, {"l": language})


# --- 10: shape of the request ---------------------------------------------------------


def many_operations(count: int = 2_000) -> bytes:
    """`count` named operations; the last one is selected, so all must be looked at."""
    document = "\n".join(f"query Q{i} {{ areas {{ area }} }}" for i in range(count))
    return request(document, operationName=f"Q{count - 1}")


def many_variables(count: int = 5_000) -> bytes:
    """An operation declaring `count` variables, all given."""
    declared = ", ".join(f"$v{i}: Int" for i in range(count))
    return request(
        f"query Q({declared}) {{ areas {{ area }} }}", {f"v{i}": i for i in range(count)}
    )


def deep_json_variable(levels: int) -> bytes:
    """A list variable nested `levels` deep in the JSON (written by hand: no encoder
    would go that deep)."""
    query = "query Q($s: [OfferingStatus!]) { offerings(filter: {status: $s}) { totalCount } }"
    head = orjson.dumps(query).decode()
    value = "[" * levels + '"ACTIVE"' + "]" * levels
    return f'{{"query": {head}, "variables": {{"s": {value}}}}}'.encode()


# --- the corpus -----------------------------------------------------------------------

_TOO_COMPLEX = "200 QUERY_TOO_COMPLEX"
_BAD_INPUT = "200 BAD_USER_INPUT"
# A literal that is no DateTime at all (year 10000) fails validation (GraphQL spec 5.6.1,
# Values of Correct Type); the same value in a variable is BAD_USER_INPUT.
_INVALID_LITERAL = "200 GRAPHQL_VALIDATION_FAILED"
_FAR = "9999-12-31T23:59:59+00:00"
_BEYOND = "10000-01-01T00:00:00+00:00"


def _case(name: str, summary: str, expect: str, body: BodyBuilder) -> GraphQLCase:
    return GraphQLCase(name, summary, expect, body)


def graphql_cases() -> list[GraphQLCase]:
    """Every case sent as one POST to /graphql, in corpus order."""
    q = request
    return [
        _case(
            "fragment-bomb",
            "30 fragments each spreading the next twice (~1.3 KB)",
            _TOO_COMPLEX,
            lambda: q(fragment_bomb()),
        ),
        _case("alias-bomb", "5,000 aliases of areas", _TOO_COMPLEX, lambda: q(alias_bomb())),
        _case(
            "cost-bomb",
            "50 aliases of offerings(100) > provider > offerings(100)",
            _TOO_COMPLEX,
            lambda: q(cost_bomb(50)),
        ),
        _case(
            "cost-bomb-1000",
            "1,000 aliases of offerings(100) > provider > offerings(100)",
            _TOO_COMPLEX,
            lambda: q(cost_bomb(1_000)),
        ),
        _case(
            "deep-braces",
            "{a{a{...}}} 3,000 levels",
            _TOO_COMPLEX,
            lambda: q(deep_braces()),
        ),
        _case(
            "deep-schema",
            "offerings>edges>node>provider>... 3,000 levels",
            _TOO_COMPLEX,
            lambda: q(deep_schema_path()),
        ),
        _case(
            "deep-list-literal",
            "status: [[[...]]] 3,000 levels in the document",
            "coded",
            lambda: q(deep_list_literal()),
        ),
        _case(
            "text-900k",
            "text filter of 900 KB of words",
            "coded (BAD_USER_INPUT)",
            lambda: text_filter(words(900_000)),
        ),
        _case(
            "text-1000-words",
            "text filter of 1,000 different words",
            "coded (BAD_USER_INPUT)",
            lambda: text_filter(distinct_words(1_000)),
        ),
        _case(
            "text-long-word",
            "text filter of one 50,000-character word",
            "coded (BAD_USER_INPUT)",
            lambda: text_filter("a" * 50_000),
        ),
        _case(
            "id-overflow",
            "offering(id:) Offering:99999999999999999999",
            _BAD_INPUT,
            lambda: by_id("Offering:99999999999999999999"),
        ),
        _case(
            "id-spaces",
            "offering(id:) 'Offering: 1 ' (not canonical)",
            _BAD_INPUT,
            lambda: by_id("Offering: 1 "),
        ),
        _case(
            "id-underscore",
            "offering(id:) 'Offering:1_0' (not canonical)",
            _BAD_INPUT,
            lambda: by_id("Offering:1_0"),
        ),
        _case(
            "id-arabic-digit",
            "offering(id:) 'Offering:\\u0661' (Arabic-Indic one)",
            _BAD_INPUT,
            lambda: by_id("Offering:\u0661"),
        ),
        _case(
            "max-price-1e20",
            'filter maxPrice: "1e20"',
            _BAD_INPUT,
            lambda: filtered('{maxPrice: "1e20"}'),
        ),
        _case(
            "max-price-1e999999",
            'filter maxPrice: "1e999999"',
            _BAD_INPUT,
            lambda: filtered('{maxPrice: "1e999999"}'),
        ),
        _case(
            "cursor-wrong-type",
            'after: cursor ["changed:ASC", 12345, 1] (number for a time)',
            _BAD_INPUT,
            lambda: after(b'["changed:ASC",12345,1]', "{field: LAST_CHANGED}"),
        ),
        _case(
            "cursor-bad-time",
            'after: cursor ["changed:ASC", "not-a-time", 1]',
            _BAD_INPUT,
            lambda: after(b'["changed:ASC","not-a-time",1]', "{field: LAST_CHANGED}"),
        ),
        _case(
            "cursor-big-id",
            'after: cursor ["title_it:ASC", "a", 2**70]',
            _BAD_INPUT,
            lambda: after(b'["title_it:ASC","a",1180591620717411303424]'),
        ),
        _case(
            "cursor-nul",
            'after: cursor ["title_it:ASC", "a\\u0000b", 1]',
            _BAD_INPUT,
            lambda: after(b'["title_it:ASC","a\\u0000b",1]'),
        ),
        _case(
            "open-at-9999",
            f"filter openAt: {_FAR}",
            _BAD_INPUT,
            lambda: filtered(f'{{openAt: "{_FAR}"}}'),
        ),
        _case(
            "open-at-10000",
            f"filter openAt: {_BEYOND}",
            _INVALID_LITERAL,
            lambda: filtered(f'{{openAt: "{_BEYOND}"}}'),
        ),
        _case(
            "between-9999",
            "filter availableBetween 9999-12-31 .. 9999-12-31T23:59:59",
            _BAD_INPUT,
            lambda: filtered(
                f'{{availableBetween: {{from: "9999-12-31T00:00:00+00:00", to: "{_FAR}"}}}}'
            ),
        ),
        _case(
            "between-10000",
            "filter availableBetween 9999-12-31 .. 10000-01-01",
            _INVALID_LITERAL,
            lambda: filtered(
                f'{{availableBetween: {{from: "9999-12-31T00:00:00+00:00", to: "{_BEYOND}"}}}}'
            ),
        ),
        _case(
            "field-open-at-9999",
            f"Offering.openAt(time: {_FAR})",
            _BAD_INPUT,
            lambda: open_at_field(_FAR),
        ),
        _case(
            "field-open-at-10000",
            f"Offering.openAt(time: {_BEYOND})",
            _INVALID_LITERAL,
            lambda: open_at_field(_BEYOND),
        ),
        _case(
            "field-availability-9999",
            "Offering.availability(from: 9999-12-31, to: 10000-01-01)",
            _INVALID_LITERAL,
            lambda: availability_field("9999-12-31T00:00:00+00:00", _BEYOND),
        ),
        _case(
            "language-nul",
            'filter language: "i\\u0000t" (variable)',
            _BAD_INPUT,
            lambda: language_variable("i\u0000t"),
        ),
        _case(
            "many-operations",
            "2,000 operations in one document, the last selected",
            "coded (QUERY_TOO_COMPLEX)",
            many_operations,
        ),
        _case(
            "many-variables",
            "5,000 declared and given variables",
            "coded",
            many_variables,
        ),
        _case(
            "deep-json-variable",
            "a variable nested [[[...]]] 1,000 levels in the JSON",
            "coded (BAD_USER_INPUT)",
            lambda: deep_json_variable(1_000),
        ),
        _case(
            "deep-json-variable-100k",
            "a variable nested [[[...]]] 100,000 levels in the JSON",
            "coded (BAD_REQUEST)",
            lambda: deep_json_variable(100_000),
        ),
    ]
