"""`/metrics`: the Prometheus scrape, for the scrapers METRICS_TOKEN and METRICS_ALLOW let in.

With neither set the endpoint is off (404). With a token, a scrape sends it as a bearer token;
with an allow-list, it comes from an address in one of its networks (the client address
uvicorn derives: from X-Forwarded-For only when the proxy is in FORWARDED_ALLOW_IPS); with
both, it needs both. Besides what every process counted (core/metrics.py), a scrape reads from
the database what is true now: the outbox's unsent messages and open SLA breaches.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable, Iterator
from ipaddress import ip_address

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy.engine import Engine

from cases.stats import open_breaches
from core import metrics
from core.db import open_session, utcnow
from core.deps import SettingsDep
from core.settings import Settings
from notifications.service import unsent_by_channel
from routing.stored_catalogue import agencies

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
# the label of the open cases no agency holds yet
TRIAGE = "triage"


class DatabaseGauges:
    """The gauges a scrape reads from the database: unsent messages and the age of the oldest
    per channel (every channel of `channels`, 0 when none waits), open SLA breaches per agency
    (every active agency, 0 when none is late), and whether the database answered at all."""

    def __init__(self, engine: Engine, channels: Iterable[str]) -> None:
        self.engine, self.channels = engine, sorted(channels)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("aduan_database_up", "Whether the scrape could read the database")
        try:
            yield from self._read()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("metrics: database unavailable: %s", exc.__class__.__name__)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield up

    def _read(self) -> list[Metric]:
        now = utcnow()
        with open_session(self.engine, dispatcher=None) as session:
            unsent = unsent_by_channel(session)
            late = open_breaches(session, now)
            codes = {a.id: a.code for a in agencies(session) if a.active or a.id in late}
        depth = GaugeMetricFamily(
            "aduan_outbox_unsent",
            "Messages not yet out (pending, or with a sender now), by channel",
            labels=["channel"],
        )
        age = GaugeMetricFamily(
            "aduan_outbox_oldest_unsent_age_seconds",
            "How long ago the oldest message not yet out was written, by channel (0: none)",
            labels=["channel"],
        )
        for channel in sorted({*self.channels, *unsent}):
            count, oldest = unsent.get(channel, (0, None))
            depth.add_metric([channel], count)
            age.add_metric([channel], (now - oldest).total_seconds() if oldest else 0.0)
        breaches = GaugeMetricFamily(
            "aduan_sla_breaches_open",
            "Open cases past their due time with the SLA clock running, by agency code "
            f"('{TRIAGE}': not yet with an agency)",
            labels=["agency"],
        )
        breaches.add_metric([TRIAGE], late.get(None, 0))
        for agency_id, code in sorted(codes.items(), key=lambda item: item[1]):
            breaches.add_metric([code], late.get(agency_id, 0))
        return [depth, age, breaches]


def _refusal(request: Request, settings: Settings) -> Response | None:
    """Why this request may not read the metrics, as the answer to give it; None: it may."""
    token, allowed = settings.metrics_token, settings.metrics_allow
    if token is None and not allowed:
        return JSONResponse(
            {"detail": "metrics are off: set METRICS_TOKEN and/or METRICS_ALLOW"}, 404
        )
    if allowed and not _address_allowed(request, settings):
        return JSONResponse({"detail": "this address may not read the metrics"}, 403)
    if token is None:
        return None
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return JSONResponse(
            {"detail": "the metrics need a bearer token (Authorization: Bearer …)"},
            401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return JSONResponse(
            {"detail": "the bearer token is wrong"},
            403,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return None


def _address_allowed(request: Request, settings: Settings) -> bool:
    try:
        address = ip_address(request.client.host if request.client else "")
    except ValueError:  # no address, or a name (a test client's)
        return False
    return any(address in network for network in settings.metrics_allow)


@router.get("/metrics")
def scrape_metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus' text format: every process's counters and histograms, and the database's
    gauges as they are now."""
    refusal = _refusal(request, settings)
    if refusal is not None:
        return refusal
    gauges = DatabaseGauges(request.app.state.engine, request.app.state.channels)
    return Response(metrics.scrape([gauges]), media_type=metrics.CONTENT_TYPE)
