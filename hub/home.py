"""GET /: where the hub's endpoints are, as a short page for a browser and as JSON for a
program, instead of a bare 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from string import Template

import orjson
from starlette.requests import Request
from starlette.responses import Response

from hub.media import prefers_html

_PAGE = Path(__file__).resolve().parent / "static" / "home.html"
# The page is text and links: it may load nothing at all.
POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def home(*, graphiql: bool) -> Callable[[Request], Awaitable[Response]]:
    """The GET / endpoint of a hub that serves GraphiQL or not."""
    links = {
        "name": "Concilia Hub",
        "graphql": "/graphql",
        "graphiql": "/graphql" if graphiql else None,
        "health": "/healthz",
        "ready": "/readyz",
        "metrics": "/metrics",
        "documentation": "README.md",
    }
    as_json = orjson.dumps(links)
    ide = "Open it in a browser for GraphiQL." if graphiql else "GraphiQL is off on this hub."
    as_html = Template(_PAGE.read_text(encoding="utf-8")).substitute(graphiql=ide).encode()

    async def endpoint(request: Request) -> Response:
        if prefers_html(request.headers.get("accept", "")):
            headers = {"content-security-policy": POLICY, "vary": "accept"}
            return Response(as_html, headers=headers, media_type="text/html")
        return Response(as_json, headers={"vary": "accept"}, media_type="application/json")

    return endpoint
