"""`vorderingen-conformance stelsel serve`: serve the suite's test scheme document over HTTP
the way the scheme service does (GET /stelsel/v2/stelseldocument, application/jose, strong
ETag = SHA-256 of the bytes, Cache-Control public max-age=60, If-None-Match → 304).

The file is re-read on every request, so re-running `sleutels` publishes a new document.
The scheme operator's public key is never served: the organisation pins it out of band.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SCHEME_PATH = "/stelsel/v2/stelseldocument"
CACHE_CONTROL = "public, max-age=60"
API_VERSION = "2.1.0"


def build_app(document_path: Path) -> Starlette:
    async def stelseldocument(request: Request) -> Response:
        try:
            body = document_path.read_bytes().strip()
        except OSError:
            return JSONResponse(
                {
                    "type": "urn:nl-vorderingen:probleem:algemeen/interne-fout",
                    "title": "Scheme document unavailable",
                    "status": 500,
                    "code": "algemeen/interne-fout",
                },
                status_code=500,
                media_type="application/problem+json",
                headers={"API-Version": API_VERSION},
            )
        etag = f'"{hashlib.sha256(body).hexdigest()}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "API-Version": API_VERSION}
        tags = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
        if etag in tags or "*" in tags:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/jose", headers=headers)

    return Starlette(routes=[Route(SCHEME_PATH, stelseldocument, methods=["GET"])])
