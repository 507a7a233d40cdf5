"""The media type of a GraphQL response, negotiated from the request's Accept header
(GraphQL over HTTP, "Body"; content negotiation as in RFC 9110 section 12.5.1).

Two media types: `application/graphql-response+json`, whose status codes say how the
request went, and the legacy `application/json`, answered 200 for anything that reached
GraphQL. The new one is chosen only when the client names it: a missing Accept header,
`*/*` or `application/*` is what legacy clients send, and they get `application/json`.
"""

from __future__ import annotations

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
    ranges = [parsed for item in accept.split(",") if (parsed := _media_range(item))]
    best: tuple[float, bool, int] | None = None
    chosen: MediaType | None = None
    for preference, media in enumerate((MediaType.JSON, MediaType.GRAPHQL_RESPONSE)):
        quality, specificity = _quality(media, ranges)
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
    charset: str | None = None
    quality = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        name, value = name.strip().lower(), value.strip().strip('"')
        if name == "q":
            try:
                quality = float(value)
            except ValueError:
                return None
            if not 0.0 <= quality <= 1.0:
                return None
        elif name == "charset":
            charset = value.lower()
    return kind, subtype, charset, quality


def _quality(media: MediaType, ranges: list[_Range]) -> tuple[float, int]:
    """The q of the most specific range matching `media`, and that range's specificity
    (0 when none matches)."""
    kind, subtype = media.essence.split("/")
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
