"""The application factory: everything the web process needs, wired once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from datetime import timedelta

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from aduan.channels import build_channels
from aduan.docs import install_docs
from aduan.metrics import router as metrics_router
from aduan.middleware import (
    BodyLimitMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    wants_page,
)
from bots.telegram.runtime import telegram_runtime
from bots.telegram.webhook import router as telegram_webhook_router
from bots.twilio.status import router as twilio_status_router
from bots.twilio.webhook import router as twilio_webhook_router
from cases.followups import run_followups
from cases.routes import router as cases_router
from console import account as console_account
from console import admin as console_admin
from console import announcements as console_announcements
from console import dashboard as console_dashboard
from console import kinds as console_kinds
from console import moderation as console_moderation
from console import open311_keys as console_open311_keys
from console import routes as console
from console import webhooks as console_webhooks
from console.queues import QUEUES, queues_app
from core.db import get_engine, session_scope, utcnow
from core.i18n import require_catalogues
from core.metrics import RequestMetricsMiddleware
from core.periodic import Every
from core.replica import read_routing
from core.settings import Settings, get_settings
from intake.routes import api as intake_api
from notifications.channels import install
from notifications.dispatch import EmbeddedDispatcher, GatheringDispatcher, RQDispatcher, sweep
from open311.routes import router as open311_router
from open311.write_routes import router as open311_write_router
from privacy.retention import run_retention
from privacy.routes import router as privacy_router
from staff.demo import disable_demo_accounts
from staff.routes import router as staff_router
from website.nearby import api as nearby_api
from website.reports import api as public_cases_api
from website.reports import pages as reports_pages
from website.routes import STATIC_DIR, busy_page, not_found_page, too_large_page
from website.routes import pages as public_pages

log = logging.getLogger(__name__)


def _disable_demo_accounts(engine: sa.Engine) -> None:
    """No account signs in with the published demo password in production (staff.demo)."""
    try:
        with session_scope(engine, dispatcher=None) as session:
            disable_demo_accounts(session)
    except sa.exc.SQLAlchemyError as exc:  # a sign-in refuses the demo password all the same
        log.warning("demo account check skipped, database unavailable: %s", exc)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    require_catalogues()  # a missing compiled catalogue stops the start, not a page later
    engine = get_engine(settings.database_url)
    channels = build_channels()
    install(channels)  # the outbox splits what it queues by these channels' limits

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.app_env == "production":
            _disable_demo_accounts(engine)
        async with telegram_runtime(settings) as telegram:
            app.state.telegram = telegram
            if settings.redis_url:
                rq = RQDispatcher(settings)
                # rows left pending by a crash or a Redis outage go out now, not at the next
                # sweep; a database that is still starting must not keep the web app down
                try:
                    sweep(engine, rq, older_than=timedelta(0))
                except sa.exc.SQLAlchemyError as exc:
                    log.warning("start-up sweep skipped, database unavailable: %s", exc)
                gather = settings.notify_gather_ms / 1000
                with GatheringDispatcher(rq, gather) if gather else nullcontext(rq) as dispatcher:
                    app.state.dispatcher = dispatcher
                    yield
            else:
                dispatcher = EmbeddedDispatcher(engine, settings, channels)
                app.state.dispatcher = dispatcher

                def periodic_pass() -> None:
                    now = utcnow()
                    run_followups(engine, settings, now, dispatcher)
                    run_retention(engine, settings, now)

                followups = Every(
                    settings.followup_interval_seconds, periodic_pass, "aduan-followups"
                )
                dispatcher.start()
                followups.start()
                try:
                    yield
                finally:
                    followups.stop()
                    dispatcher.stop()

    app = FastAPI(
        title="Aduan",
        summary="Public complaint intake and case tracking for city governments",
        version="0.1.0",
        lifespan=lifespan,
        # served by aduan.docs as API_DOCS says, under the site's CSP; no ReDoc, which needs
        # inline styles and an image from its maker's server
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    # the last added runs first: the id and headers are on every answer, 413s included, and
    # the timing covers all of it
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes, page=too_large_page)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings, inline_allowed=(QUEUES,))
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(RequestMetricsMiddleware)
    app.state.engine = engine
    app.state.channels = tuple(channels)
    app.state.reads = read_routing(engine, settings)
    app.state.dispatcher = None
    app.state.telegram = None

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the whole input back, which may hold a citizen's phone number
        errors = [
            {
                "loc": list(e["loc"]),
                "msg": str(e["msg"]).removeprefix("Value error, "),
                "type": e["type"],
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # a browser that follows a broken link, or sends too large a form, gets a page it can
        # read and leave by
        if exc.status_code == 404 and wants_page(request):
            return not_found_page(request)
        if exc.status_code == 413 and wants_page(request):
            return too_large_page(request)
        if exc.status_code == 503 and wants_page(request):
            return busy_page(request, (exc.headers or {}).get("Retry-After", "1"))
        return await http_exception_handler(request, exc)

    @app.exception_handler(sa.exc.DataError)
    async def _unstorable(request: Request, exc: sa.exc.DataError) -> JSONResponse:
        # PostgreSQL refuses some input outright (a NUL character); nothing was stored
        return JSONResponse(
            {"detail": "the request holds characters that cannot be stored (such as NUL)"},
            status_code=422,
        )

    @app.exception_handler(sa.exc.OperationalError)
    async def _database_down(request: Request, exc: sa.exc.OperationalError) -> JSONResponse:
        # nothing was stored (the transaction never committed): say so, and when to come back
        log.error("database unavailable: %s", exc.orig.__class__.__name__ if exc.orig else exc)
        return JSONResponse(
            {"detail": "the service is briefly unavailable; nothing was saved, try again shortly"},
            status_code=503,
            headers={"Retry-After": "30"},
        )

    @app.get("/healthz", tags=["ops"])
    def healthz() -> JSONResponse:
        """200 when the database answers, 503 when it does not."""
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "up"})

    app.include_router(intake_api)
    app.include_router(open311_write_router)
    app.include_router(staff_router)
    app.include_router(cases_router)
    app.include_router(privacy_router)
    app.include_router(public_pages)
    app.include_router(reports_pages)
    app.include_router(public_cases_api)
    app.include_router(nearby_api)
    app.include_router(open311_router)
    app.include_router(telegram_webhook_router)
    app.include_router(twilio_webhook_router)
    app.include_router(twilio_status_router)
    app.include_router(console.router)
    app.include_router(console_account.router)
    app.include_router(console_admin.router)
    app.include_router(console_webhooks.router)
    app.include_router(console_open311_keys.router)
    app.include_router(console_dashboard.router)
    app.include_router(console_moderation.router)
    app.include_router(console_kinds.router)
    app.include_router(console_announcements.router)
    app.include_router(metrics_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/console/static", StaticFiles(directory=console.STATIC_DIR), name="console-static")
    app.mount(QUEUES, queues_app(settings), name="console-queues")
    install_docs(app, settings)
    return app
