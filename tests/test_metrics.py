"""/metrics through the real app: what filing and delivering move, what the database says at
scrape time, which labels a request gets, and who may scrape at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy.orm import InstrumentedAttribute

from aduan.app import create_app
from cases.models import Case
from core.db import get_engine, session_scope, utcnow
from core.settings import Settings, get_settings
from notifications.models import Notification
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE, inbound, signed_post, telegram_post
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, create_staff, file_complaint, login, run_jobs

TOKEN = "scrape-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WEB_PHONE = "+6281255550199"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def settings(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test environment with a scrape token."""
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)
    get_settings.cache_clear()
    return get_settings()


def scrape(client: TestClient) -> tuple[str, Samples]:
    """The scrape's text and its samples by name and labels."""
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    return response.text, samples


def written(settings: Settings, column: InstrumentedAttribute, moment: datetime) -> None:
    """Set `column` of every row of its table to `moment`, as if written (or due) then."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        session.execute(sa.update(column.class_).values({column.key: moment}))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_filing_and_delivering_move_the_counters_by_what_happened(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Two web complaints, one by SMS and one on Telegram count by channel and outcome; the
    SMS acknowledgements count as sent through Twilio, the one the provider refused first as
    a retry; no label or value holds a phone number, chat id or tracking code."""
    _, before = scrape(client)
    codes = [file_complaint(client, phone=WEB_PHONE)["tracking_code"] for _ in range(2)]
    assert signed_post(client, settings, inbound(POTHOLE)).status_code == 200
    assert telegram_post(client, tg.text(POTHOLE)).status_code == 200
    twilio.fail_next(1, status=500)
    run_jobs(settings)
    text, after = scrape(client)

    filed = "aduan_complaints_filed_total"
    assert moved(before, after, filed, channel="web", outcome="agency") == 2
    assert moved(before, after, filed, channel="sms", outcome="agency") == 1
    assert moved(before, after, filed, channel="telegram", outcome="agency") == 1
    assert moved(before, after, "aduan_routing_confidence_count", channel="web") == 2
    assert moved(before, after, "aduan_routing_confidence_bucket", channel="web", le="1.0") == 2
    # three SMS acknowledgements (two web complaints asked for SMS, one came by SMS); the
    # first try of one failed at the provider and went again
    deliveries = "aduan_deliveries_total"
    assert moved(before, after, deliveries, provider="sms", result="sent") == 3
    assert moved(before, after, deliveries, provider="sms", result="retry") == 1
    assert moved(before, after, deliveries, provider="telegram", result="sent") == 1
    assert len(twilio.messages) == 3
    for private in (WEB_PHONE, WEB_PHONE[1:], PHONE, PHONE[1:], str(tg.CHAT_ID), *codes):
        assert private not in text


def test_the_outbox_and_sla_gauges_are_read_at_scrape_time(
    client: TestClient, settings: Settings
) -> None:
    """An acknowledgement not yet sent is one unsent SMS with an age; once delivered, none.
    A case past its due time counts as a breach of its agency while it is open."""
    code = file_complaint(client, phone=WEB_PHONE)["tracking_code"]
    written(settings, Notification.created_at, utcnow() - timedelta(hours=1))
    _, waiting = scrape(client)
    assert value(waiting, "aduan_outbox_unsent", channel="sms") == 1
    assert value(waiting, "aduan_outbox_unsent", channel="email") == 0
    assert 3600 <= value(waiting, "aduan_outbox_oldest_unsent_age_seconds", channel="sms") < 3700
    assert value(waiting, "aduan_sla_breaches_open", agency="DPU") == 0
    assert ("aduan_sla_breaches_open", (("agency", "PDAM"),)) in waiting  # every agency, 0 too

    run_jobs(settings)
    written(settings, Case.due_at, utcnow() - timedelta(minutes=1))
    _, after = scrape(client)
    assert value(after, "aduan_outbox_unsent", channel="sms") == 0
    assert value(after, "aduan_outbox_oldest_unsent_age_seconds", channel="sms") == 0
    assert value(after, "aduan_sla_breaches_open", agency="DPU") == 1
    assert value(after, "aduan_database_up") == 1

    create_staff(settings, "ani", "supervisor")
    response = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "resolved", "note": "Sudah ditambal"},
        headers=login(client, "ani"),
    )
    assert response.status_code == 200, response.text
    _, resolved = scrape(client)
    assert value(resolved, "aduan_sla_breaches_open", agency="DPU") == 0


def test_requests_are_labelled_by_route_template_method_and_status_class(
    client: TestClient,
) -> None:
    """A tracking code in the path is never a label: the route's template is; a path no route
    answers is one label whatever it was; static files are their mount's template."""
    code = file_complaint(client)["tracking_code"]
    assert client.get(f"/api/v1/complaints/{code}").status_code == 200
    assert client.get("/api/v1/complaints/ZZZZ-0000").status_code == 404
    assert client.get(f"/no/such/page/{code}").status_code == 404
    assert client.get("/static/style.css").status_code == 200
    text, samples = scrape(client)
    count = "aduan_http_request_duration_seconds_count"
    route = "/api/v1/complaints/{code}"
    assert value(samples, count, route=route, method="GET", status="2xx") >= 1
    assert value(samples, count, route=route, method="GET", status="4xx") >= 1
    assert value(samples, count, route="/api/v1/complaints", method="POST", status="2xx") >= 1
    assert value(samples, count, route="<unmatched>", method="GET", status="4xx") >= 1
    assert value(samples, count, route="/static/{path}", method="GET", status="2xx") >= 1
    assert code not in text and "ZZZZ" not in text and "/no/such" not in text
    labelled = {dict(labels)["route"] for name, labels in samples if name == count}
    assert all(re.fullmatch(r"<unmatched>|/[\w/{}.-]*", r) for r in labelled), labelled


def test_without_a_token_or_an_allow_list_metrics_are_off(environment: dict[str, str]) -> None:
    """Neither METRICS_TOKEN nor METRICS_ALLOW: 404, saying how to turn them on."""
    get_settings.cache_clear()
    with TestClient(create_app(get_settings())) as client:
        response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 404
    assert "METRICS_TOKEN" in response.json()["detail"]


def test_a_scrape_without_the_right_token_is_refused_with_the_reason(client: TestClient) -> None:
    """No token: 401 asking for one; a wrong one, or another scheme: refused, and nothing of
    the metrics in the answer."""
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "bearer token" in missing.json()["detail"]
    wrong = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert wrong.status_code == 403
    assert wrong.json() == {"detail": "the bearer token is wrong"}
    basic = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    assert "aduan_" not in missing.text + wrong.text + basic.text


@pytest.fixture
def allow_listed(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """METRICS_ALLOW set to a private network and one IPv6 address, no token."""
    monkeypatch.setenv("METRICS_ALLOW", "10.0.0.0/8, 2001:db8::7")
    get_settings.cache_clear()
    yield "10.0.0.0/8"


def _from(address: str) -> TestClient:
    return TestClient(create_app(get_settings()), client=(address, 50000))


@pytest.mark.parametrize(
    ("address", "status"),
    [("10.20.30.40", 200), ("2001:db8::7", 200), ("192.168.1.10", 403), ("2001:db8::8", 403)],
)
def test_an_allow_list_lets_in_only_its_networks(
    allow_listed: str, address: str, status: int
) -> None:
    """The client address must be in one of METRICS_ALLOW's networks."""
    with _from(address) as client:
        response = client.get("/metrics")
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json() == {"detail": "this address may not read the metrics"}


def test_with_both_a_scrape_needs_the_address_and_the_token(
    allow_listed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Token and allow-list together: an allowed address without the token is refused, and
    the token from elsewhere too."""
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)
    get_settings.cache_clear()
    with _from("10.0.0.5") as inside:
        assert inside.get("/metrics").status_code == 401
        assert inside.get("/metrics", headers=AUTH).status_code == 200
    with _from("172.16.0.5") as outside:
        assert outside.get("/metrics", headers=AUTH).status_code == 403


@pytest.mark.parametrize(
    ("variable", "given", "reason"),
    [
        ("METRICS_ALLOW", "10.0.0.1/8", "'10.0.0.1/8' is not a network"),
        ("METRICS_ALLOW", "intranet", "'intranet' is not a network"),
        ("METRICS_TOKEN", "short", "at least 16 characters"),
    ],
)
def test_settings_refuse_an_unusable_token_or_network(
    monkeypatch: pytest.MonkeyPatch, variable: str, given: str, reason: str
) -> None:
    """A network with host bits set, a name, a guessable token: refused at start, saying why."""
    monkeypatch.setenv(variable, given)
    with pytest.raises(ValidationError, match=reason):
        Settings()
