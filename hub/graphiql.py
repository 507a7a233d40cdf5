"""GraphiQL served by the hub itself, so it works with no internet access: the page that
/graphql gives browsers and its files at /graphiql/<digest>/<name> (the vendored GraphiQL,
React and ReactDOM builds of hub/static/graphiql, the page's own script and style)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import Response

from hub.http_limits import error_body
from hub.pipeline import matches

STATIC = Path(__file__).resolve().parent / "static" / "graphiql"
# UMD builds find what they need as globals: React first, then ReactDOM, then GraphiQL,
# then the page's start.js, which renders GraphiQL.
SCRIPTS = (
    "react/react.production.min.js",
    "react-dom/react-dom.production.min.js",
    "graphiql/graphiql.min.js",
    "start.js",
)
STYLES = ("graphiql/graphiql.min.css", "page.css")
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

# Content Security Policy Level 3 (https://www.w3.org/TR/CSP3/): only the hub's own files
# run, and the page talks to the hub alone.
POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        # Not 'unsafe-inline': the hash of the one <style> GraphiQL adds at run time, the
        # scroll lock of its dialogs (react-remove-scroll-bar) on a page with no scrollbar.
        # The browser test opens a dialog, so a GraphiQL that adds another style fails it.
        "style-src 'self' 'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='",
        "font-src data:",  # graphiql.min.css embeds its fonts
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)
# An asset's URL names its content (the digest), so a browser may keep it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """A file the page loads, as served."""

    body: bytes
    media_type: str
    etag: str


@dataclass(frozen=True)
class GraphiQL:
    """The GraphiQL page and the files it loads, by their path below /graphiql/."""

    page: bytes
    assets: dict[str, Asset]

    @property
    def page_headers(self) -> list[tuple[bytes, bytes]]:
        """The page's headers besides its content type and length."""
        return [
            (b"content-security-policy", POLICY.encode()),
            # The page names the current assets: a browser asks again rather than keep it.
            (b"cache-control", b"no-cache"),
            (b"vary", b"accept"),
        ]


def files(graphiql: GraphiQL | None) -> Callable[[Request], Awaitable[Response]]:
    """GET /graphiql/<digest>/<name>: a file of the page (none when GraphiQL is off), or a
    404 JSON error."""
    assets = graphiql.assets if graphiql is not None else {}

    async def endpoint(request: Request) -> Response:
        asset = assets.get(request.path_params["path"])
        if asset is None:
            body = error_body("No such GraphiQL file.", "NOT_FOUND")
            return Response(body, 404, media_type="application/json")
        headers = {"cache-control": IMMUTABLE, "etag": asset.etag}
        if matches(request.headers.get("if-none-match"), asset.etag):
            return Response(status_code=304, headers=headers)
        return Response(asset.body, headers=headers, media_type=asset.media_type)

    return endpoint


@functools.cache
def load() -> GraphiQL:
    """The page and its files, read once per process (they are part of the package)."""
    assets: dict[str, Asset] = {}
    urls: dict[str, str] = {}
    for name in SCRIPTS + STYLES:
        body = (STATIC / name).read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        path = f"{digest[:16]}/{Path(name).name}"
        assets[path] = Asset(body, _MEDIA_TYPES[Path(name).suffix], f'"{digest[:32]}"')
        # Relative to the page at /graphql, so a hub mounted under a prefix works as well.
        urls[name] = f"graphiql/{path}"
    styles = "\n".join(f'<link rel="stylesheet" href="{urls[name]}">' for name in STYLES)
    scripts = "\n".join(f'<script src="{urls[name]}" defer></script>' for name in SCRIPTS)
    template = Template((STATIC / "index.html").read_text(encoding="utf-8"))
    page = template.substitute(styles=styles, scripts=scripts).encode()
    return GraphiQL(page, assets)
