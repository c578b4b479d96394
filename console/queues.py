"""The RQ queues, jobs and workers for admins: rq-dashboard-fast mounted at /console/queues.

The dashboard is a FastAPI app of its own. Every request to it passes the console's admin check
first (`Visit.refuse`): a visitor not signed in is sent to the sign-in page, any other role gets
the console's 403 page. A request that changes something (requeue, delete, empty a queue) must
also come from our own pages (its Origin, which browsers send with every such request), as
the dashboard's own CSRF token only exists with its own sign-in, which is off here.

Its pages carry inline scripts and styles: the site's Content-Security-Policy allows them under
this mount alone (`aduan.middleware.SecurityHeadersMiddleware`'s `inline_allowed`). Without
REDIS_URL there are no queues: the mount answers 404 with that reason.
"""

from __future__ import annotations

import warnings
from urllib.parse import urlsplit

from fastapi.exceptions import FastAPIDeprecationWarning
from rq_dashboard_fast import RedisQueueDashboard
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from console.session import CONSOLE_HEADERS, Visit
from core.db import open_session
from core.settings import Settings
from staff.enums import Role

QUEUES = "/console/queues"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def queues_app(settings: Settings) -> ASGIApp:
    """The app to mount at QUEUES: the dashboard behind the admin check, or without Redis a
    404 with the reason."""
    if not settings.redis_url:
        return _no_queues
    # it hands its prefix to FastAPI as `root_path`, which FastAPI calls deprecated on stderr
    # at every start: a line no log collector can parse (JSON logs), and nothing to act on here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FastAPIDeprecationWarning)
        dashboard = RedisQueueDashboard(
            redis_url=settings.redis_url,
            prefix=QUEUES,
            # the dashboard's own API documentation is not ours to publish
            docs_url=None,
            redoc_url=None,
            openapi_url=None,
        )
    return AdminsOnly(dashboard, settings)


async def _no_queues(scope: Scope, receive: Receive, send: Send) -> None:
    reason = "there are no queues: REDIS_URL is not set, so the web process delivers itself"
    await JSONResponse({"detail": reason}, 404)(scope, receive, send)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class AdminsOnly:
    """Lets through only a signed-in admin's requests, changes only from our own pages."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.own_origin = _origin(settings.public_base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        refusal = await run_in_threadpool(self._refusal, request)
        if refusal is None and request.method not in SAFE_METHODS:
            refusal = self._foreign(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(CONSOLE_HEADERS)
            await send(message)

        await self.app(scope, receive, send_private)

    def _refusal(self, request: Request) -> Response | None:
        """The console's answer to anyone but a signed-in admin."""
        app = request.app
        with open_session(app.state.engine, dispatcher=None) as session:
            return Visit(request, session, app.state.settings).refuse(Role.admin)

    def _foreign(self, request: Request) -> Response | None:
        """A change asked for from another site's page (or without saying where from)."""
        origin = request.headers.get("origin", "").lower()
        own = {self.own_origin, _origin(str(request.base_url))}
        if origin in own:
            return None
        return JSONResponse(
            {"detail": "a change to the queues must come from the console's own pages"}, 403
        )
