"""The API documentation: Swagger UI at /docs and the schema at /openapi.json, for everyone,
for staff signed in to the console, or for nobody (API_DOCS).

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script, and the
site's CSP forbids both. This page loads Swagger UI's files from the fastapi-offline package
and starts it with a small script of ours (docs_static/swagger-init.js), all served from
/docs/static, so it runs under the site's CSP as it is. Swagger UI's files are public whatever
API_DOCS says: only the schema describes this service.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from console.session import Visit
from core.deps import app_session
from core.settings import Settings
from staff.enums import Role

DOCS_URL, OPENAPI_URL, STATIC_URL = "/docs", "/openapi.json", "/docs/static"
OWN_STATIC = Path(__file__).parent / "docs_static"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" href="{static}/favicon.png">
  <link rel="stylesheet" href="{static}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi}"></div>
  <script src="{static}/swagger-ui-bundle.js"></script>
  <script src="{static}/swagger-init.js"></script>
</body>
</html>
"""


def _for_staff(
    settings: Settings, make: Callable[[], Response], refused: Callable[[Visit], Response]
) -> Callable[[Request], Response]:
    """An endpoint answering with `make()`; with API_DOCS=staff only to a console session,
    anyone else getting `refused(visit)`."""

    def answer(request: Request) -> Response:
        if settings.api_docs == "public":
            return make()
        with app_session(request.app) as db:
            visit = Visit(request, db, settings)
            return refused(visit) if visit.user is None else visit.finish(make())

    return answer


def _sign_in_first(visit: Visit) -> Response:
    """The console's sign-in form, which brings the visitor back here."""
    return visit.refuse(*Role)


def _not_for_visitors(visit: Visit) -> Response:
    detail = "the API description is for staff: sign in to the console first"
    return visit.finish(JSONResponse({"detail": detail}, status_code=401))


def install_docs(app: FastAPI, settings: Settings) -> None:
    """Serve the documentation as API_DOCS says; the app must be made with FastAPI's own docs
    and schema routes turned off (docs_url, redoc_url and openapi_url None)."""
    if settings.api_docs == "off":
        return
    app.mount(
        STATIC_URL,
        StaticFiles(directory=OWN_STATIC, packages=[("fastapi_offline", "static")]),
        name="docs-static",
    )
    page = _PAGE.format(title=escape(f"{app.title} API"), static=STATIC_URL, openapi=OPENAPI_URL)
    schema = _for_staff(settings, lambda: JSONResponse(app.openapi()), _not_for_visitors)
    docs = _for_staff(settings, lambda: HTMLResponse(page), _sign_in_first)
    app.add_api_route(OPENAPI_URL, schema, methods=["GET"], include_in_schema=False)
    app.add_api_route(DOCS_URL, docs, methods=["GET"], include_in_schema=False)
