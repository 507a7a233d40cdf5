"""GraphQL over HTTP at /graphql (https://graphql.github.io/graphql-over-http/draft/):
POST and GET requests decoded into a GraphQLRequest for hub.pipeline, GraphiQL for browsers.

A plain ASGI app: the portal's requests are small and many, and this path is all of the
hub's own work between uvicorn and the pipeline.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import Receive, Scope, Send
from strawberry.http.ides import get_graphql_ide_html

from hub import metrics
from hub.caching import Kept, UrlCache
from hub.http_limits import error_body
from hub.language import negotiate
from hub.pipeline import GraphQLRequest, Pipeline, matches

_HTTP_CODES = {
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
_JSON = b"application/json"
_ALLOW = (b"allow", b"GET, POST")


class BadRequest(Exception):
    """A request that is not a GraphQL-over-HTTP request (answered 4xx, not executed)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class GraphQLEndpoint:
    """The /graphql endpoint: POST and GET queries, GraphiQL at GET for browsers."""

    def __init__(self, pipeline: Pipeline, *, graphiql: bool = True, max_age: int = 30) -> None:
        self.pipeline = pipeline
        self.graphiql = get_graphql_ide_html("graphiql").encode() if graphiql else None
        # GET answers that may be cached say so, for `max_age` seconds (RFC 9111).
        self.cache_control = f"public, max-age={max_age}".encode()
        self.urls = UrlCache() if pipeline.cache.enabled else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        method = scope["method"]
        # Answers by URL are anonymous answers: a request that says who it is goes through.
        by_url = method == "GET" and self.urls is not None and b"authorization" not in headers
        if by_url and await self._kept(scope, headers, send):
            return
        try:
            if method == "POST":
                request = self._post(await _body(receive), headers)
            elif method in {"GET", "HEAD"}:
                if self.graphiql is not None and _wants_ide(scope, headers):
                    await _send(send, 200, self.graphiql, b"text/html; charset=utf-8")
                    return
                request = self._get(scope, headers)
            else:
                request = _not_allowed(method)
        except BadRequest as refused:
            body = error_body(str(refused), _HTTP_CODES[refused.status])
            extra = [_ALLOW] if refused.status == 405 else []
            await _send(send, refused.status, body, _JSON, extra)
            return
        response = await self.pipeline.run(request)
        if response.request_error:
            metrics.note_outcome("refused")
        if response.not_allowed:
            await _send(send, 405, response.body, _JSON, [_ALLOW])
            return
        caching = self._caching(response.etag) if method != "POST" else []
        if response.not_modified:
            await _send(send, 304, b"", None, caching)
            return
        if by_url and self.urls is not None and response.etag and response.version is not None:
            kept = Kept(response.version, response.etag, response.body)
            self.urls.put(_url_key(scope, headers), kept)
        await _send(send, 200, response.body, _JSON, caching)

    async def _kept(self, scope: Scope, headers: dict[bytes, bytes], send: Send) -> bool:
        """Answer a GET from the URL cache if it holds a current answer (hub.caching)."""
        assert self.urls is not None
        version = await self.pipeline.clock.current()
        kept = self.urls.get(_url_key(scope, headers), version) if version is not None else None
        if kept is None:
            return False
        caching = self._caching(kept.etag)
        if matches(headers.get(b"if-none-match", b"").decode("latin-1"), kept.etag):
            await _send(send, 304, b"", None, caching)
        else:
            await _send(send, 200, kept.body, _JSON, caching)
        return True

    def _caching(self, etag: str | None) -> list[tuple[bytes, bytes]]:
        """HTTP caching of a GET answer: its ETag (the data version is in it) and for how
        long it may be reused; answers that are not kept (a profile, live places, an
        error) must not be stored either."""
        if etag is None:
            return [(b"cache-control", b"no-store")]
        return [
            (b"cache-control", self.cache_control),
            (b"etag", etag.encode()),
            (b"vary", b"accept-language"),
        ]

    def _post(self, body: bytes, headers: dict[bytes, bytes]) -> GraphQLRequest:
        media_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if media_type != _JSON:
            raise BadRequest("Send the request as application/json.", 415)
        try:
            params = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(params, dict):
            raise BadRequest("The request body must be a JSON object (batching is not supported).")
        return _request(params, headers, mutable=True)

    def _get(self, scope: Scope, headers: dict[bytes, bytes]) -> GraphQLRequest:
        query_string = scope.get("query_string", b"").decode("latin-1")
        params: dict[str, Any] = dict(parse_qsl(query_string, keep_blank_values=True))
        for name in ("variables", "extensions"):
            if params.get(name):
                try:
                    params[name] = orjson.loads(params[name])
                except orjson.JSONDecodeError:
                    raise BadRequest(f"`{name}` is not valid JSON.") from None
            else:
                params.pop(name, None)
        if not params.get("query") and not params.get("documentId") and "extensions" not in params:
            raise BadRequest("The request has no `query`.")
        return _request(params, headers, mutable=False)


def _not_allowed(method: str) -> GraphQLRequest:
    raise BadRequest(f"{method} is not supported: use GET or POST.", 405)


def _request(params: dict[str, Any], headers: dict[bytes, bytes], mutable: bool) -> GraphQLRequest:
    query = params.get("query")
    variables = params.get("variables")
    operation_name = params.get("operationName")
    extensions = params.get("extensions")
    document_id = params.get("documentId")
    if query is not None and not isinstance(query, str):
        raise BadRequest("`query` must be a string.")
    if query is None and document_id is None and not extensions:
        raise BadRequest("The request has no `query`.")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be a JSON object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string.")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("`extensions` must be a JSON object.")
    if document_id is not None and not isinstance(document_id, str):
        raise BadRequest("`documentId` must be a string.")
    language = negotiate(headers.get(b"accept-language", b"").decode("latin-1") or None)
    if_none_match = headers.get(b"if-none-match", b"").decode("latin-1") or None
    return GraphQLRequest(
        query=query,
        variables=variables,
        operation_name=operation_name or None,
        extensions=extensions,
        document_id=document_id,
        lang=language,
        mutable=mutable,
        if_none_match=None if mutable else if_none_match,
    )


def _url_key(scope: Scope, headers: dict[bytes, bytes]) -> tuple[bytes, bytes]:
    return scope.get("query_string", b""), headers.get(b"accept-language", b"")


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return dict(scope.get("headers") or ())


def _wants_ide(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """A browser opening /graphql (no query, HTML accepted) gets GraphiQL."""
    accept = headers.get(b"accept", b"")
    return b"text/html" in accept and b"query=" not in scope.get("query_string", b"")


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequest("The client disconnected.")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(
    send: Send,
    status: int,
    body: bytes,
    media_type: bytes | None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if media_type is not None:
        headers.append((b"content-type", media_type))
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})
