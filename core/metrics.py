"""The service's Prometheus metrics: what each process counts, and a scrape of them.

Every process counts into prometheus_client's values. When PROMETHEUS_MULTIPROC_DIR names a
directory before prometheus_client is first imported (the shell sees to that:
`aduan.webserver.metrics_directory`), each process keeps its values in files of its own there
and a scrape adds up the files of every process, living or dead, so a total never falls while
the processes that share the directory run. Without it, a scrape reads this process's values.

No label holds personal data: only channel and provider names, routing outcomes, delivery
results, route templates (never a request's own path, which may hold a tracking code),
methods and status classes. What is read from the database at scrape time (the outbox, SLA
breaches) is a collector of the caller's, passed to `scrape`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics import Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# a request that matched no route: its path is not a label (anyone can send any path)
UNMATCHED = "<unmatched>"

COMPLAINTS = Counter(
    "aduan_complaints_filed",
    "Complaints filed (committed), by the channel they came in on and routing's outcome",
    ["channel", "outcome"],
    registry=None,
)
# every metric has labels: a metric without them would open its file in the multiprocess
# directory when this module is imported, before the shell has made sure the directory exists
ROUTING_CONFIDENCE = Histogram(
    "aduan_routing_confidence",
    "The classifier's calibrated confidence for each complaint filed without a chosen "
    "category, by the channel it came in on",
    ["channel"],
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1.0),
    registry=None,
)
DELIVERIES = Counter(
    "aduan_deliveries",
    "Delivery attempts recorded, by provider (the outbox channel) and result: sent; retry "
    "(failed, tried again later); failed (failed for good)",
    ["provider", "result"],
    registry=None,
)
HTTP_SECONDS = Histogram(
    "aduan_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status class",
    ["route", "method", "status"],
    registry=None,
)
_COUNTED = (COMPLAINTS, ROUTING_CONFIDENCE, DELIVERIES, HTTP_SECONDS)


def complaint_filed(channel: str, outcome: str, confidence: float | None) -> None:
    """Count a committed complaint; `confidence` is the classifier's, None when the sender
    chose the category (an Open311 service code)."""
    COMPLAINTS.labels(channel, outcome).inc()
    if confidence is not None:
        ROUTING_CONFIDENCE.labels(channel).observe(confidence)


def delivery_recorded(provider: str, result: str) -> None:
    """Count one delivery attempt whose result the outbox recorded."""
    DELIVERIES.labels(provider, result).inc()


def multiprocess_directory() -> Path | None:
    """Where this process keeps its values for the others to add up; None: in its memory."""
    given = os.environ.get(MULTIPROC_ENV)
    return Path(given) if given else None


def scrape(extra: Iterable[Collector] = ()) -> bytes:
    """Every process's counted metrics (or this process's alone, see the module's docstring)
    and `extra`'s, in Prometheus' text format."""
    registry = CollectorRegistry()
    directory = multiprocess_directory()
    if directory is not None:
        MultiProcessCollector(registry, path=str(directory))
    else:
        for metric in _COUNTED:
            registry.register(metric)
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


def route_template(scope: Scope) -> str:
    """The template of the route that answered (`/api/v1/complaints/{code}`), under the mount
    it sits in; a mount that routes no further (static files) as `/static/{path}`."""
    route = scope.get("route")
    root = scope.get("root_path", "")[len(scope.get("app_root_path") or "") :]
    if route is not None and not isinstance(route, Mount):
        return root + getattr(route, "path", "")
    # FastAPI's router leaves no route in the scope for a mount, only the mount's app and path
    if route is not None or (root and "endpoint" in scope):
        return f"{root}/{{path}}"
    return UNMATCHED


class RequestMetricsMiddleware:
    """Times every HTTP request, from its arrival to the end of its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before it answers

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            HTTP_SECONDS.labels(
                route_template(scope), scope["method"], f"{status // 100}xx"
            ).observe(time.perf_counter() - started)
