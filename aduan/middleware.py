"""What every HTTP request passes through: a request id, a body size limit, security headers.

Plain ASGI middleware rather than `BaseHTTPMiddleware`, so that streamed bodies stay streamed
and the request id set here is seen by the endpoint's own context (log records, threads).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import logs
from core.settings import Settings

REQUEST_ID_HEADER = "X-Request-ID"
# where an error stays JSON whatever the client accepts: the API, webhooks, the console (which
# answers its own pages) and the API documentation
JSON_PATHS = ("/api/", "/webhooks/", "/console", "/openapi.json", "/docs")
# what a proxy or client may hand us as the id: anything else (spaces, newlines, a novel) could
# forge or break log lines, so it is replaced by our own
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/=+-]{0,127}")


class RequestIdMiddleware:
    """Gives each request an id, kept for its log records and returned in X-Request-ID.

    The id is not reset after the response: each request runs in a task of its own, and
    uvicorn logs a crashed request's traceback in that task after the app returns.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        logs.request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyTooLarge(HTTPException):
    """Raised while the app reads a body that streams past the limit; answered as 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=too_large_reason(limit))


def too_large_reason(limit: int) -> str:
    return f"the request body is larger than the limit of {limit:,} bytes"


def wants_page(request: Request) -> bool:
    """A browser asking for a public page: its errors are pages too, not JSON."""
    accepts_html = "text/html" in request.headers.get("accept", "")
    return accepts_html and not request.url.path.startswith(JSON_PATHS)


class BodyLimitMiddleware:
    """Refuses request bodies over `limit` bytes with 413, before they fill memory or disk.

    A Content-Length over the limit is refused at once, without reading a byte: with `page`'s
    answer for a browser (`wants_page`: the web form with too many photos), else JSON. A body
    without one (chunked) is counted as the app reads it, and stopped as soon as it passes the
    limit (BodyTooLarge, which the app's exception handlers answer).
    """

    def __init__(
        self, app: ASGIApp, limit: int, page: Callable[[Request], Response] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            request = Request(scope)
            if self.page is not None and wants_page(request):
                response = self.page(request)
            else:
                response = JSONResponse({"detail": too_large_reason(self.limit)}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted_receive, send)


def _tile_origin(tile_url: str) -> str | None:
    """The origin map tiles come from, as a CSP source; None for tiles served by us.

    `https://{s}.tile.example.org/{z}/{x}/{y}.png` (a subdomain per request) becomes
    `https://*.tile.example.org`.
    """
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = re.sub(r"^\{[a-z]+\}\.", "*.", parts.netloc)
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings, *, inline: bool = False) -> str:
    """Only our own scripts and styles (no inline code, so an injected one cannot run), images
    from us and the map tile server, never framed, forms posting only to us. `inline` allows
    inline scripts and styles, for a page of someone else's that needs them (the RQ dashboard's)."""
    images = " ".join(filter(None, ("'self'", "data:", _tile_origin(settings.map_tile_url))))
    code = "'self' 'unsafe-inline'" if inline else "'self'"
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {code}",
            f"style-src {code}",
            f"img-src {images}",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
        )
    )


def security_headers(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """The headers for every response, and those added to HTML pages."""
    every = {"X-Content-Type-Options": "nosniff"}
    if settings.public_base_url.startswith("https://"):
        every["Strict-Transport-Security"] = "max-age=31536000"
    pages = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Frame-Options": "DENY",
        # tracking codes and rating links are in our URLs: other sites must not see them
        "Referrer-Policy": "same-origin",
        # the public form's "use my location" button; nothing else is asked of the browser
        "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), payment=(), usb=()",
    }
    return every, pages


class SecurityHeadersMiddleware:
    """Sets the site's security headers; they replace any a page set, so one policy holds.

    Under the paths of `inline_allowed` (and only there) the policy allows inline scripts and
    styles.
    """

    def __init__(
        self, app: ASGIApp, settings: Settings, inline_allowed: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.every, self.pages = security_headers(settings)
        self.inline_allowed = inline_allowed
        self.inline_pages = self.pages | {
            "Content-Security-Policy": content_security_policy(settings, inline=True)
        }

    def _under_inline(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.inline_allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pages = self.inline_pages if self._under_inline(scope["path"]) else self.pages

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(self.every)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.update(pages)
            await send(message)

        await self.app(scope, receive, send_with_headers)
