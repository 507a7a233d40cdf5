"""The media type of a GraphQL response, negotiated from the request's Accept header
(GraphQL over HTTP, "Body"; content negotiation as in RFC 9110 section 12.5.1).

Two media types: `application/graphql-response+json`, whose status codes say how the
request went, and the legacy `application/json`, answered 200 for anything that reached
GraphQL. The new one is chosen only when the client names it: a missing Accept header,
`*/*` or `application/*` is what legacy clients send, and they get `application/json`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from functools import lru_cache


class MediaType(Enum):
    """A media type the hub answers GraphQL in; its value is the Content-Type it sends."""

    GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"
    JSON = "application/json; charset=utf-8"

    @property
    def essence(self) -> str:
        """The type/subtype, without parameters."""
        return self.value.split(";", 1)[0]

    @classmethod
    def negotiate(cls, accept: str | None) -> MediaType | None:
        """The media type to answer in; None when the Accept header rules out both (406)."""
        if accept is None or not accept.strip():
            return cls.JSON
        return _negotiate(accept)


# Clients send the same few Accept headers again and again: each is parsed once.
@lru_cache(maxsize=256)
def _negotiate(accept: str) -> MediaType | None:
    ranges = _ranges(accept)
    best: tuple[float, bool, int] | None = None
    chosen: MediaType | None = None
    for preference, media in enumerate((MediaType.JSON, MediaType.GRAPHQL_RESPONSE)):
        quality, specificity = _quality(media.essence, ranges)
        named = specificity >= _NAMED
        # Equal qualities: a type the client names beats one it only matches by a
        # wildcard; between two named types the GraphQL one, between two wildcards JSON.
        rank = (quality, named, preference if named else -preference)
        if quality > 0 and (best is None or rank > best):
            best, chosen = rank, media
    return chosen


# How precisely a media range names a type: */*, type/*, type/subtype, with a charset.
_ANY, _SUBTYPES, _NAMED, _WITH_CHARSET = range(4)

_Range = tuple[str, str, str | None, float]


def _media_range(item: str) -> _Range | None:
    """One element of an Accept header as (type, subtype, charset, q), or None when it
    is malformed (such an element is ignored rather than failing the request)."""
    media, *parameters = (part.strip() for part in item.split(";"))
    kind, slash, subtype = media.lower().partition("/")
    if not slash or not kind or not subtype or (kind == "*" and subtype != "*"):
        return None
    quality = q_value(parameters)
    if quality is None:
        return None
    charset: str | None = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return kind, subtype, charset, quality


def q_value(parameters: Iterable[str]) -> float | None:
    """The weight of an Accept or Accept-Language element, from its `q` parameter (RFC 9110
    section 12.4.2): 1 without one, None when it is not a number from 0 to 1."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return None
            return quality if 0.0 <= quality <= 1.0 else None
    return 1.0


def prefers_html(accept: str) -> bool:
    """Whether `accept` ranks text/html above both JSON types, for the routes that answer a
    person with a page and a program with JSON: a browser's navigation does (`text/html,
    …, */*;q=0.8`), `*/*` alone (curl, httpx) does not."""
    ranges = _ranges(accept)
    html, _ = _quality("text/html", ranges)
    return html > 0 and all(html > _quality(m.essence, ranges)[0] for m in MediaType)


def _ranges(accept: str) -> list[_Range]:
    return [parsed for item in accept.split(",") if (parsed := _media_range(item))]


def _quality(media: str, ranges: list[_Range]) -> tuple[float, int]:
    """The q of the most specific range matching the type/subtype `media`, and that
    range's specificity (0 when none matches)."""
    kind, subtype = media.split("/")
    found: tuple[int, float] | None = None
    for range_kind, range_subtype, charset, quality in ranges:
        # GraphQL responses are UTF-8 (GraphQL over HTTP, "Media Types"): a range asking
        # for another charset does not match.
        if charset is not None and charset != "utf-8":
            continue
        if (range_kind, range_subtype) == (kind, subtype):
            specificity = _NAMED if charset is None else _WITH_CHARSET
        elif (range_kind, range_subtype) == (kind, "*"):
            specificity = _SUBTYPES
        elif (range_kind, range_subtype) == ("*", "*"):
            specificity = _ANY
        else:
            continue
        if found is None or specificity > found[0]:
            found = (specificity, quality)
    if found is None:
        return 0.0, 0
    return found[1], found[0]
