"""GraphQL over HTTP at /graphql (https://graphql.github.io/graphql-over-http/draft/):
POST and GET requests decoded into a GraphQLRequest for hub.pipeline, GraphiQL (hub.graphiql)
for browsers, answers in the media type the client accepts (hub.media) with that type's
status codes.

A plain ASGI app: the portal's requests are small and many, and this path is all of the
hub's own work between uvicorn and the pipeline.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import Receive, Scope, Send

from hub import metrics
from hub.access import Principal
from hub.auth import principal_of
from hub.caching import Kept, UrlCache
from hub.graphiql import GraphiQL
from hub.http_limits import error_body
from hub.language import negotiate
from hub.media import MediaType, prefers_html
from hub.pipeline import GraphQLRequest, GraphQLResponse, Pipeline, matches

_HTTP_CODES = {
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
_JSON = b"application/json"
_HTML = b"text/html; charset=utf-8"
_ALLOW = (b"allow", b"GET, POST")
_NO_STORE = (b"cache-control", b"no-store")
# The status of a request error answered as application/graphql-response+json, by its code
# when not 400 (GraphQL over HTTP, "Status Codes"). A persisted query the hub does not hold
# is 404 as in Apollo's router: Apollo Client gives up on persisted queries for good on a
# 400 or 500, and retries with the document on this one.
_REFUSED = {"PERSISTED_QUERY_NOT_FOUND": 404, "DOCUMENT_NOT_TRUSTED": 403}


class BadRequest(Exception):
    """A request that is not a GraphQL-over-HTTP request (answered 4xx, not executed)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class GraphQLEndpoint:
    """The /graphql endpoint: POST and GET queries, GraphiQL at GET for browsers."""

    def __init__(
        self, pipeline: Pipeline, *, graphiql: GraphiQL | None = None, max_age: int = 30
    ) -> None:
        self.pipeline = pipeline
        self.graphiql = graphiql
        # GET answers that may be cached say so, for `max_age` seconds (RFC 9111).
        self.cache_control = f"public, max-age={max_age}".encode()
        self.urls = UrlCache() if pipeline.cache.enabled else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        method = scope["method"]
        if self.graphiql is not None and method in {"GET", "HEAD"} and _wants_ide(headers):
            ide = self.graphiql
            await _send(send, 200, ide.page, _HTML, ide.page_headers)
            return
        media = MediaType.negotiate(_accept(scope))
        if media is None:
            # GraphQL over HTTP, "Body": 406 when no acceptable media type is supported.
            accepted = f"Accept {MediaType.GRAPHQL_RESPONSE.essence} or {MediaType.JSON.essence}."
            await _send(send, 406, error_body(accepted, "NOT_ACCEPTABLE"), _JSON, [_NO_STORE])
            return
        content_type = media.value.encode()
        # Answers by URL are anonymous answers: a request that says who it is goes through.
        by_url = method == "GET" and self.urls is not None and b"authorization" not in headers
        if by_url and await self._kept(scope, headers, content_type, send):
            return
        try:
            if method == "POST":
                request = self._post(await _body(receive), headers, principal_of(scope))
            elif method in {"GET", "HEAD"}:
                request = self._get(scope, headers, principal_of(scope))
            else:
                request = _not_allowed(method)
        except BadRequest as refused:
            body = error_body(str(refused), _HTTP_CODES[refused.status])
            extra = [_ALLOW] if refused.status == 405 else []
            await _send(send, refused.status, body, content_type, [*extra, _NO_STORE])
            return
        response = await self.pipeline.run(request)
        status = _status(response, media)
        if response.request_error:
            metrics.note_outcome("refused")
        if response.not_allowed or response.forbidden:
            extra = [_ALLOW, _NO_STORE] if response.not_allowed else [_NO_STORE]
            await _send(send, status, response.body, content_type, extra)
            return
        caching = self._caching(response.etag) if method != "POST" else []
        if response.not_modified:
            await _send(send, 304, b"", None, caching)
            return
        if by_url and self.urls is not None and response.etag and response.version is not None:
            kept = Kept(response.version, response.etag, response.body)
            self.urls.put(_url_key(scope, headers), kept)
        await _send(send, status, response.body, content_type, caching)

    async def _kept(
        self, scope: Scope, headers: dict[bytes, bytes], content_type: bytes, send: Send
    ) -> bool:
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
            await _send(send, 200, kept.body, content_type, caching)
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
            # The body depends on the language, its Content-Type on the Accept header.
            (b"vary", b"accept, accept-language"),
        ]

    def _post(
        self, body: bytes, headers: dict[bytes, bytes], principal: Principal
    ) -> GraphQLRequest:
        media_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if media_type != _JSON:
            raise BadRequest("Send the request as application/json.", 415)
        try:
            params = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(params, dict):
            raise BadRequest("The request body must be a JSON object (batching is not supported).")
        return _request(params, headers, principal, mutable=True)

    def _get(
        self, scope: Scope, headers: dict[bytes, bytes], principal: Principal
    ) -> GraphQLRequest:
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
        return _request(params, headers, principal, mutable=False)


def _status(response: GraphQLResponse, media: MediaType) -> int:
    """The HTTP status of a response (GraphQL over HTTP, "Status Codes"): 200 when the
    request was executed, field errors or not; for a request error (no `data`), a 4xx with
    application/graphql-response+json and 200 with application/json, as legacy clients
    expect. A mutation over GET is 405 in both (GraphQL over HTTP, "GET"), a field the key
    may not select 403 in both (hub.access)."""
    if not response.request_error:
        return 200
    if response.not_allowed:
        return 405
    if response.forbidden:  # whatever the media type: the key is what is wrong
        return 403
    if media is MediaType.JSON:
        return 200
    return _REFUSED.get(response.code or "", 400)


def _not_allowed(method: str) -> GraphQLRequest:
    raise BadRequest(f"{method} is not supported: use GET or POST.", 405)


def _request(
    params: dict[str, Any], headers: dict[bytes, bytes], principal: Principal, mutable: bool
) -> GraphQLRequest:
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
        principal=principal,
        if_none_match=None if mutable else if_none_match,
    )


def _url_key(scope: Scope, headers: dict[bytes, bytes]) -> tuple[bytes, bytes]:
    return scope.get("query_string", b""), headers.get(b"accept-language", b"")


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return dict(scope.get("headers") or ())


def _accept(scope: Scope) -> str | None:
    """The Accept header, its values joined when the client sent several (RFC 9110
    section 5.3); None when it sent none."""
    values = [value for name, value in scope.get("headers") or () if name == b"accept"]
    return b",".join(values).decode("latin-1") if values else None


def _wants_ide(headers: dict[bytes, bytes]) -> bool:
    """A browser opening /graphql gets GraphiQL, with the editor filled from `?query=` if
    the link has one; programs, which prefer JSON, get the answer."""
    accept = headers.get(b"accept", b"")
    return b"text/html" in accept and prefers_html(accept.decode("latin-1"))


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
