"""Choosing the response's media type from the Accept header (GraphQL over HTTP, "Body")."""

from __future__ import annotations

import pytest

from hub.media import MediaType

GRAPHQL_RESPONSE = MediaType.GRAPHQL_RESPONSE
JSON = MediaType.JSON


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("application/json", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        # What the spec tells clients to send when they do not know the server.
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json;q=0.9", JSON),
        ("application/json;q=0.8, application/graphql-response+json;q=0.9", GRAPHQL_RESPONSE),
        # Named with equal qualities: the GraphQL type, whatever the order.
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
        # Wildcards are what legacy clients send (fetch, curl, browsers).
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),
        ("application/graphql-response+json, */*", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0.5, */*", JSON),
        ("application/graphql-response+json;q=0, */*", JSON),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),
        ("application/json;q=0, application/*;q=0.1", GRAPHQL_RESPONSE),
        ("application/json;q=0.001", JSON),
        # UTF-8 is what the hub sends; naming it is fine, in any case and quoted.
        ("application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE),
        ('application/json; charset="UTF-8"', JSON),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON; Q=1.0", GRAPHQL_RESPONSE),
        # The most specific range gives a type its quality (RFC 9110 section 12.5.1).
        (
            "application/json;charset=utf-8;q=0.2, application/json, "
            "application/graphql-response+json;q=0.5",
            GRAPHQL_RESPONSE,
        ),
        # Malformed elements are skipped, the rest still count.
        ("nonsense, application/json;q=x, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("text/plain;q=2, application/json", JSON),
    ],
)
def test_the_media_type_follows_the_accept_header(accept: str | None, chosen: MediaType) -> None:
    assert MediaType.negotiate(accept) is chosen


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "text/plain, application/xml",
        "application/json; charset=iso-8859-1",
        "application/graphql-response+json;q=0, application/json;q=0",
        "*/*;q=0",
        "text/*",
        "nonsense",
        "application/json;q=1.5",
    ],
)
def test_an_accept_header_ruling_out_both_types_gets_none(accept: str) -> None:
    assert MediaType.negotiate(accept) is None


def test_the_content_types_say_utf_8() -> None:
    assert GRAPHQL_RESPONSE.value == "application/graphql-response+json; charset=utf-8"
    assert JSON.value == "application/json; charset=utf-8"
    assert [m.essence for m in MediaType] == [
        "application/graphql-response+json",
        "application/json",
    ]
