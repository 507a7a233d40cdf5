"""Headers every response carries: security headers, and CORS for the portal's origins."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A JSON API is never a page: nothing may load from it, frame it or sniff it into HTML.
# Pages (GraphiQL, GET /) carry their own Content-Security-Policy, which is kept.
_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
)
# Behind TLS in production, browsers keep to HTTPS for a year (RFC 6797).
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Adds the security headers a response does not set itself."""

    def __init__(self, app: ASGIApp, *, production: bool = False) -> None:
        self.app = app
        self.headers = (*_ALWAYS, _HSTS) if production else _ALWAYS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers") or ()}
                missing = [(n, v) for n, v in self.headers if n not in present]
                if missing:
                    message["headers"] = [*(message.get("headers") or ()), *missing]
            await send(message)

        await self.app(scope, receive, with_headers)


def cors(origins: list[str]) -> Middleware | None:
    """CORS (Fetch standard) for the configured origins, or None when there are none
    (then no response allows any other origin). Keys travel as bearer tokens, never as
    cookies, so credentialed requests are not allowed."""
    if not origins:
        return None
    return Middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "Accept",
            "Accept-Language",
            "If-None-Match",
            "X-Request-Id",
        ],
        expose_headers=["ETag", "Retry-After", "X-Request-Id"],
        max_age=600,
    )
