"""Static-bytes ceiling for the hub's cached GET answers: a minimal Starlette app answering
`GET /graphql?query=...` with the exact bytes the hub returned for that URL
(`application/json`), found by the raw query string and read once at start-up. It does no
other work, so it measures uvicorn + Starlette + loopback + the load tool only.

The harness (`python -m benchmarks.peer`) runs it as

    python -m uvicorn benchmarks.peer.static_app:app --host 127.0.0.1 --port P \
        --workers 1 --no-access-log --log-level warning

with `PEER_STATIC_MANIFEST` naming a JSON object that maps each raw query string to the file
holding its answer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

UNKNOWN = b'{"errors":[{"message":"unknown query"}]}'


def _answers() -> dict[bytes, bytes]:
    manifest = os.environ.get("PEER_STATIC_MANIFEST")
    if not manifest:
        return {}
    entries: dict[str, str] = json.loads(Path(manifest).read_text(encoding="utf-8"))
    return {query.encode("ascii"): Path(file).read_bytes() for query, file in entries.items()}


ANSWERS = _answers()


async def graphql(request: Request) -> Response:
    body = ANSWERS.get(request.scope.get("query_string", b""))
    if body is None:
        return Response(UNKNOWN, 404, media_type="application/json")
    return Response(body, media_type="application/json")


app = Starlette(routes=[Route("/graphql", graphql, methods=["GET"])])
