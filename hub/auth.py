"""Who sends each API request, and whether it may send one more: `Authorization: Bearer
<key>` (RFC 6750) resolved to a principal (hub.access), then the principal's rate limit.

An ASGI middleware in front of /graphql: a request with a key that is unknown or revoked is
answered 401 at once (never served as anonymous: the client meant to be someone), and a
client over its rate is answered 429 with Retry-After, before any GraphQL work.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.access import ANONYMOUS, Principal
from hub.http_limits import error_body
from hub.keys import Keys
from hub.ratelimit import RateLimiter, RatePolicy, client_address, retry_after
from models.enums import Role

log = logging.getLogger("concilia.auth")

PRINCIPAL = "concilia.principal"
_JSON = (b"content-type", b"application/json")


def principal_of(scope: Scope) -> Principal:
    """The principal the middleware found for this request (anonymous without one)."""
    found: Principal = scope.get(PRINCIPAL, ANONYMOUS)
    return found


class Authentication:
    """Puts the request's principal in its scope (`principal_of`) and applies rate limits."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: Keys,
        limiter: RateLimiter,
        policy: Callable[[Role], RatePolicy],
        paths: Collection[str] = ("/graphql",),
        on_limited: Callable[[Role], None] | None = None,
    ) -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.policy = policy
        self.paths = frozenset(paths)
        self.on_limited = on_limited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":  # a CORS preflight carries no credentials
            await self.app(scope, receive, send)
            return
        principal: Principal | None = ANONYMOUS
        credentials = _authorization(scope)
        if credentials is not None:
            scheme, _, secret = credentials.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                await _unauthorized(send, "Send the API key as `Authorization: Bearer <key>`.")
                return
            try:
                principal = await self.keys.principal(secret.strip())
            except (SQLAlchemyError, OSError) as error:
                log.warning("API keys cannot be checked, the database is unreachable: %s", error)
                await _answer(send, 503, "Keys cannot be checked now; try again.", "UNAVAILABLE")
                return
        client = client_address((scope.get("client") or (None, None))[0])
        role = principal.role if principal is not None else Role.ANONYMOUS
        # Guessing keys spends the address's anonymous budget, not the database's time.
        counted = f"key:{principal.key_id}" if principal and principal.key_id else f"ip:{client}"
        wait = await self.limiter.wait(counted, self.policy(role))
        if wait:
            if self.on_limited is not None:
                self.on_limited(role)
            seconds = retry_after(wait)
            await _answer(
                send,
                429,
                f"Too many requests: retry in {seconds} s.",
                "RATE_LIMITED",
                [(b"retry-after", str(seconds).encode())],
            )
            return
        if principal is None:
            await _unauthorized(send, "The API key is unknown or revoked.")
            return
        scope[PRINCIPAL] = principal
        await self.app(scope, receive, send)


def _authorization(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            return str(value.decode("latin-1")).strip()
    return None


async def _unauthorized(send: Send, message: str) -> None:
    # RFC 6750 section 3: the challenge names the scheme (and the error, for a bad token).
    challenge = (b"www-authenticate", b'Bearer realm="concilia", error="invalid_token"')
    await _answer(send, 401, message, "UNAUTHENTICATED", [challenge])


async def _answer(
    send: Send,
    status: int,
    message: str,
    code: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = error_body(message, code)
    headers = [_JSON, (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def for_admins(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A route only an admin key may use (/metrics in production): 401 without a key,
    403 with another role's."""

    async def guarded(request: Request) -> Response:
        principal = principal_of(request.scope)
        if principal.role is Role.ADMIN:
            return await endpoint(request)
        if principal.role is Role.ANONYMOUS:
            return Response(
                error_body("Send an admin key: `Authorization: Bearer <key>`.", "UNAUTHENTICATED"),
                401,
                headers={"www-authenticate": 'Bearer realm="concilia"'},
                media_type="application/json",
            )
        return Response(
            error_body("This needs a key with the admin role.", "FORBIDDEN"),
            403,
            media_type="application/json",
        )

    return guarded
