"""Partners' webhooks end to end: each event, raised through the HTTP API, arrives at a local
receiver that verifies its Standard Webhooks signature; through the same outbox and RQ jobs as
residents' messages, in order per case under retries, with every kind of failure handled, the
endpoint paused (and the admins told) when it keeps failing, and untrusted endpoints sent no
more than the public side shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from core.db import get_engine, session_scope, utcnow
from core.settings import Settings, get_settings
from notifications.dispatch import RQDispatcher, sweep
from notifications.models import Notification, WebhookEndpoint
from notifications.webhooks import Event, add_endpoint
from tests.cli import run_aduan
from tests.console.helpers import post, signed_in
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.webhook_receiver import STALL, WebhookReceiver, redirect
from tests.helpers import POTHOLE, create_staff, file_complaint, login, run_jobs, scalar

ALL_EVENTS = [str(event) for event in Event]
NAME, EMAIL, PHONE_IN_TEXT = "Budi Santoso", "budi.warga@example.com", "081234567890"
SECRET_WORDS = "Pungutan liar di kantor kelurahan Pleburan oleh oknum petugas loket"
ANNOUNCED = "Perbaikan pipa induk PDAM di Kel. Pleburan, air mati sampai sore"


@pytest.fixture
def settings(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Short timeouts for the slow endpoint, and a pause after three failures in a row."""
    monkeypatch.setenv("PROVIDER_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("WEBHOOK_PAUSE_AFTER_FAILURES", "3")
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as fake:
        yield fake


@pytest.fixture
def supervisor(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "kepala", "supervisor")
    return login(client, "kepala")


def register(
    settings: Settings,
    receiver: WebhookReceiver,
    *,
    events: list[str] = ALL_EVENTS,
    trusted: bool = True,
    agencies: tuple[str, ...] = (),
) -> int:
    """An endpoint for `receiver`, which is given its secret to verify with."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        endpoint = add_endpoint(
            session,
            url=f"{receiver.url}/hooks?token=partner-own",
            events=events,
            agencies=agencies,
            trusted=trusted,
        )
        receiver.secret = endpoint.secret
        return endpoint.id


def deliver_everything(settings: Settings) -> None:
    """Run the worker until nothing is due, the sweep handing over what waited for an earlier
    event (a job comes back for it only once RQ's scheduler runs, which a burst worker
    does not)."""
    engine = get_engine(settings.database_url)
    for _ in range(30):
        run_jobs(settings)
        if not sweep(engine, RQDispatcher(settings), older_than=timedelta(0)):
            return
    raise AssertionError("deliveries never settled")


def endpoint_row(settings: Settings, endpoint_id: int) -> WebhookEndpoint:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return session.get(WebhookEndpoint, endpoint_id)


def rows_of(settings: Settings, endpoint_id: int) -> list[Notification]:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return list(
            session.exec(
                select(Notification)
                .where(Notification.endpoint_id == endpoint_id)
                .order_by(Notification.id)
            )
        )


def by_case(receiver: WebhookReceiver, code: str) -> list[str]:
    return [d.type for d in receiver.accepted if d.code == code]


def test_every_event_arrives_signed_in_order_per_case(
    client: TestClient, settings: Settings, receiver: WebhookReceiver, supervisor: dict
) -> None:
    """Filing, a status change, a public note, a merge, a forward and an announcement each
    reach the endpoint once, signed (the receiver verifies with standardwebhooks), as
    {"type", "timestamp", "data": {"schema_version": 1, ...}}, one case's in the order they
    happened."""
    register(settings, receiver)
    first = file_complaint(client, name=NAME, email=EMAIL)["tracking_code"]
    api = f"/api/v1/cases/{first}"
    assert client.post(
        f"{api}/transitions", json={"status": "in_progress"}, headers=supervisor
    ).is_success
    note = {"text": "Tim sudah di lokasi.", "public": True}
    assert client.post(f"{api}/notes", json=note, headers=supervisor).is_success
    second = file_complaint(client, text=POTHOLE + " lagi")["tracking_code"]
    merged = client.post(f"/api/v1/cases/{second}/merge", json={"into": first}, headers=supervisor)
    assert merged.is_success, merged.text
    forward = {"agency": "DLH", "note": "Ini soal kebersihan"}
    assert client.post(f"{api}/forward", json=forward, headers=supervisor).is_success
    create_staff(settings, "air", "officer", "PDAM")
    client.base_url = "https://testserver"
    csrf = signed_in(client, "air")
    area = str(scalar(settings, "SELECT id FROM service_areas WHERE code = 'uptd_tengah'"))
    announced = post(
        client,
        "/console/announcements",
        csrf,
        agency="PDAM",
        category="water_supply",
        text=ANNOUNCED,
        area_kind="service_area",
        service_area=area,
        ends_at=(utcnow() + timedelta(hours=6))
        .astimezone(ZoneInfo(settings.city_timezone))
        .strftime("%Y-%m-%dT%H:%M"),
    )
    assert announced.status_code in (200, 303), announced.text

    deliver_everything(settings)

    assert receiver.unverified == []
    assert by_case(receiver, first) == [
        "case.created",
        "case.status_changed",
        "case.note_public",
        "case.forwarded",
    ]
    assert by_case(receiver, second) == ["case.created", "case.merged"]
    [announcement] = [d for d in receiver.accepted if d.type == "announcement.published"]
    assert announcement.payload["data"]["announcement"]["agency"] == "PDAM"
    assert announcement.payload["data"]["announcement"]["text"] == ANNOUNCED
    assert len(receiver.accepted) == 7
    for delivery in receiver.accepted:
        assert delivery.payload["data"]["schema_version"] == 1
        assert delivery.payload["timestamp"].endswith("Z")
        assert delivery.webhook_id.startswith("msg_")
    events = {(d.code, d.type): d.payload["data"] for d in receiver.accepted}
    created = events[(first, "case.created")]
    assert created["case"]["text"] and created["case"]["agency"] == "DPU"
    assert created["case"]["url"].endswith(f"/track/{first}")
    assert created["reporter"] == {"channel": "email", "address": EMAIL, "name": NAME}
    assert events[(first, "case.status_changed")]["change"]["to_status"] == "in_progress"
    assert events[(first, "case.note_public")]["change"]["note"] == "Tim sudah di lokasi."
    assert events[(first, "case.forwarded")]["change"] == {
        "from_status": "in_progress",
        "to_status": "assigned",
        "from_agency": "DPU",
        "to_agency": "DLH",
        "note": None,
        "merged_into": None,
    }
    assert events[(second, "case.merged")]["change"]["merged_into"] == first


def test_untrusted_endpoints_get_what_the_public_side_shows(
    client: TestClient, settings: Settings, supervisor: dict
) -> None:
    """An untrusted endpoint is never sent a contact, nor a Rahasia case's words or place,
    nor anything about a hidden case, and reads personal data in a complaint's words hidden;
    a trusted one is sent them all, except an Anonim reporter's contact."""
    with WebhookReceiver() as public, WebhookReceiver() as trusted:
        register(settings, public, trusted=False)
        register(settings, trusted, trusted=True)
        secret = file_complaint(
            client,
            text=SECRET_WORDS,
            name=NAME,
            email=EMAIL,
            confidential=True,
            lat=-6.99,
            lon=110.416,
            address="Jl. Pleburan 3",
        )["tracking_code"]
        anonymous = file_complaint(
            client, text=POTHOLE, email="anonim@example.com", anonymous=True
        )["tracking_code"]
        hidden = file_complaint(
            client, text=f"{POTHOLE}, hubungi saya di {PHONE_IN_TEXT}", phone="+6281390001111"
        )["tracking_code"]
        hide = {"reason": "personal_data"}
        assert client.post(f"/api/v1/cases/{hidden}/hide", json=hide, headers=supervisor).is_success
        note = {"text": "Sudah kami teruskan.", "public": True}
        assert client.post(
            f"/api/v1/cases/{hidden}/notes", json=note, headers=supervisor
        ).is_success

        deliver_everything(settings)

        assert public.unverified == trusted.unverified == []
        shown = {(d.code, d.type): d.payload["data"] for d in public.accepted}
        full = {(d.code, d.type): d.payload["data"] for d in trusted.accepted}
    for body in (d.body for d in public.accepted):
        assert "@example.com" not in body and "+62813" not in body
        assert SECRET_WORDS not in body and "Pleburan 3" not in body
    rahasia = shown[(secret, "case.created")]
    assert rahasia["reporter"] is None and rahasia["case"]["confidential"] is True
    assert {key: rahasia["case"][key] for key in ("text", "address", "latitude")} == {
        "text": None,
        "address": None,
        "latitude": None,
    }
    # filed before it was hidden: its words went out with the phone number hidden
    assert PHONE_IN_TEXT not in shown[(hidden, "case.created")]["case"]["text"]
    assert (hidden, "case.note_public") not in shown
    assert full[(secret, "case.created")]["case"]["text"] == SECRET_WORDS
    assert full[(secret, "case.created")]["case"]["latitude"] == -6.99
    assert full[(secret, "case.created")]["reporter"]["address"] == EMAIL
    assert full[(anonymous, "case.created")]["reporter"] is None
    assert "anonim@example.com" not in json.dumps(list(full.values()))
    assert full[(hidden, "case.note_public")]["change"]["note"] == "Sudah kami teruskan."


def test_a_later_event_waits_for_the_earlier_one_under_retries(
    client: TestClient, settings: Settings, receiver: WebhookReceiver, supervisor: dict
) -> None:
    """While a case's filing is retried (two 503s), its status change is not sent: the
    endpoint sees the filing three times, then the change; another case's event is not held
    up by it."""
    register(settings, receiver, events=["case.created", "case.status_changed"])
    receiver.answer(503, 503)
    code = file_complaint(client)["tracking_code"]
    assert client.post(
        f"/api/v1/cases/{code}/transitions", json={"status": "in_progress"}, headers=supervisor
    ).is_success

    deliver_everything(settings)

    assert [(d.type, d.status) for d in receiver.deliveries if d.code == code] == [
        ("case.created", 503),
        ("case.created", 503),
        ("case.created", 204),
        ("case.status_changed", 204),
    ]
    created, changed = rows_of(settings, endpoint_row(settings, 1).id)
    assert (created.status, created.attempts, changed.attempts) == ("sent", 3, 1)
    # the same message id on every attempt: a receiver can tell a retry from a new event
    assert len({d.webhook_id for d in receiver.deliveries if d.type == "case.created"}) == 1


@pytest.mark.parametrize(
    ("answers", "status", "attempts", "reason"),
    [
        ([redirect("/elsewhere")] * 3, "failed", 3, "302: redirect to /elsewhere not followed"),
        ([404], "failed", 1, "404: refused by the endpoint"),
        ([503, 503, 503], "failed", 3, "503: the endpoint failed"),
        ([500, 204], "sent", 2, None),
        ([STALL] * 3, "failed", 3, "timeout: no answer within 0.5 s"),
    ],
    ids=["3xx-not-followed", "4xx-final", "5xx-retried-then-given-up", "5xx-then-ok", "slow"],
)
def test_each_failure_is_handled(
    client: TestClient,
    settings: Settings,
    receiver: WebhookReceiver,
    answers: list,
    status: str,
    attempts: int,
    reason: str | None,
) -> None:
    """A redirect is not followed and counts as a failure; a 4xx is final after one try; a
    5xx is tried again with NOTIFY_RETRY_DELAYS and given up after the last; a slow endpoint
    times out after PROVIDER_TIMEOUT_SECONDS, and is tried again too."""
    endpoint_id = register(settings, receiver, events=["case.created"])
    receiver.answer(*answers)
    file_complaint(client)
    deliver_everything(settings)
    [row] = rows_of(settings, endpoint_id)
    assert (row.status, row.attempts) == (status, attempts)
    assert (row.last_error or "").startswith(reason or "") and (row.last_error is None) == (
        reason is None
    )
    assert all(request.path == "/hooks" for request in receiver.requests)
    endpoint = endpoint_row(settings, endpoint_id)
    assert endpoint.last_status == ("204" if reason is None else reason.partition(":")[0])


def test_an_untrusted_certificate_is_a_tls_failure(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    """An HTTPS endpoint with a self-signed certificate is refused by the sender, recorded as
    a TLS error and retried; nothing reaches it."""
    with WebhookReceiver(tls_dir=tmp_path) as receiver:
        endpoint_id = register(settings, receiver, events=["case.created"])
        file_complaint(client)
        deliver_everything(settings)
        assert receiver.deliveries == []
    [row] = rows_of(settings, endpoint_id)
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error.startswith("tls: ") and "certificate" in row.last_error
    assert endpoint_row(settings, endpoint_id).last_status == "tls"


def test_an_endpoint_that_keeps_failing_is_paused_the_admins_told_and_resumed(
    client: TestClient, settings: Settings, receiver: WebhookReceiver, smtp: SmtpSink
) -> None:
    """Three failures in a row pause the endpoint: its events wait (held), the admin gets an
    e-mail naming it without its query string; resumed in the console, the held events go
    out in order."""
    create_staff(settings, "admin", "admin", email="admin@kota.example.go.id")
    endpoint_id = register(settings, receiver, events=["case.created"])
    receiver.answer(500, 500, 500)
    codes = [file_complaint(client)["tracking_code"] for _ in range(3)]
    deliver_everything(settings)

    endpoint = endpoint_row(settings, endpoint_id)
    assert endpoint.paused_at is not None and endpoint.consecutive_failures == 3
    assert {row.status for row in rows_of(settings, endpoint_id)} == {"held"}
    [told] = smtp.wait_for(
        lambda: [m for m in smtp.messages if "admin@kota.example.go.id" in m.rcpt_tos]
    )
    assert f"Endpoint webhook {endpoint_id}" in told.body and "dijeda" in told.body
    assert "/hooks" in told.body and "partner-own" not in told.body
    assert told.subject == f"Webhook dijeda: webhook-{endpoint_id}"
    assert len(receiver.deliveries) == 3

    client.base_url = "https://testserver"
    csrf = signed_in(client, "admin")
    resumed = post(client, f"/console/admin/webhooks/{endpoint_id}/resume", csrf)
    assert resumed.status_code == 303
    deliver_everything(settings)

    assert sorted(d.code for d in receiver.accepted) == sorted(codes)
    assert endpoint_row(settings, endpoint_id).paused_at is None
    assert {row.status for row in rows_of(settings, endpoint_id)} == {"sent"}


def test_an_erased_reporter_leaves_the_stored_events_too(
    client: TestClient, settings: Settings, receiver: WebhookReceiver
) -> None:
    """Once a resident's contact details are erased at their request, the events kept for a
    trusted endpoint name them no more, sent or not; the rest of the event stays."""
    endpoint_id = register(settings, receiver, events=["case.created"])
    code = file_complaint(client, name=NAME, email=EMAIL)["tracking_code"]
    deliver_everything(settings)
    assert receiver.accepted[0].payload["data"]["reporter"]["address"] == EMAIL

    erased = run_aduan("privacy", "erase", "--email", EMAIL, "--yes")
    assert erased.returncode == 0, erased.stderr

    [row] = rows_of(settings, endpoint_id)
    kept = json.loads(row.body)["data"]
    assert kept["reporter"] is None and kept["case"]["tracking_code"] == code
    assert EMAIL not in row.body and NAME not in row.body


def test_a_referral_is_a_created_or_status_changed_event_naming_the_body(
    client: TestClient, settings: Settings, receiver: WebhookReceiver, supervisor: dict
) -> None:
    """A power cut filed and referred to PLN at once is case.created with status referred and
    agency PLN; a case a supervisor refers later is case.status_changed to referred, from its
    agency to the body."""
    register(settings, receiver)
    power = file_complaint(client, text="Listrik di rumah kami padam sejak pagi, belum menyala")
    later = file_complaint(client)["tracking_code"]
    refer = {"agency": "BBPJN", "note": "jalan nasional"}
    referred = client.post(f"/api/v1/cases/{later}/refer", json=refer, headers=supervisor)
    assert referred.is_success, referred.text

    deliver_everything(settings)

    events = {(d.code, d.type): d.payload["data"] for d in receiver.accepted}
    created = events[(power["tracking_code"], "case.created")]["case"]
    assert (created["status"], created["agency"]) == ("referred", "PLN")
    assert by_case(receiver, later) == ["case.created", "case.status_changed"]
    change = events[(later, "case.status_changed")]["change"]
    assert (change["from_status"], change["to_status"]) == ("assigned", "referred")
    assert (change["from_agency"], change["to_agency"]) == ("DPU", "BBPJN")
