"""Which media type a request's Accept header prefers (RFC 9110 §12.5.1), for the routes
that answer a person with HTML and a program with JSON."""

from __future__ import annotations

_JSON_TYPES = ("application/json", "application/graphql-response+json")


def prefers_html(accept: str) -> bool:
    """Whether `accept` ranks text/html above every JSON type: a browser's navigation does
    (`text/html, ..., */*;q=0.8`), `*/*` alone (curl, httpx) does not."""
    html = _quality(accept, "text/html")
    return html > 0 and all(html > _quality(accept, json) for json in _JSON_TYPES)


def _quality(accept: str, media_type: str) -> float:
    """The q-value `accept` gives `media_type`: that of the most specific range matching it
    (RFC 9110 §12.5.1), 0 when none does."""
    kind = media_type.partition("/")[0]
    specificity, quality = -1, 0.0
    for item in accept.lower().split(","):
        media_range, *parameters = (part.strip() for part in item.split(";"))
        ranked = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range, -1)
        if ranked > specificity:
            specificity, quality = ranked, _q(parameters)
    return quality


def _q(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
