"""After "resolved": the rating request, the citizen's rating or "not fixed", auto-close; and for
overdue cases the escalation ladder and the daily digest. The clock is moved, never waited on."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient

from cases.followups import run_followups
from core.db import get_engine, utcnow
from core.queue import get_queue
from core.settings import Settings
from notifications.dispatch import RQDispatcher, sweep
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE, inbound, signed_post, telegram_post
from tests.console.helpers import csrf_of, post, sign_in
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, create_staff, file_complaint, login, outbox, run_jobs, sql

WIB = ZoneInfo("Asia/Jakarta")


def case_row(settings: Settings, code: str):
    [row] = sql(
        settings,
        "SELECT status, rating, escalation_level, resolved_at, due_at FROM cases "
        "WHERE tracking_code = :c",
        c=code,
    )
    return row


def only_code(settings: Settings) -> str:
    [(code,)] = sql(settings, "SELECT tracking_code FROM cases")
    return code


@pytest.fixture
def officer(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "officer.dpu", "officer", "DPU")
    return login(client, "officer.dpu")


def resolve(client: TestClient, headers: dict, code: str) -> None:
    response = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "resolved", "note": "Lubang sudah ditambal"},
        headers=headers,
    )
    assert response.status_code == 200, response.text


def followups(settings: Settings, now: datetime):
    return run_followups(get_engine(settings.database_url), settings, now, RQDispatcher(settings))


# --- rating and "not fixed" ------------------------------------------------------------------


def test_telegram_citizen_is_asked_to_rate_and_rates_with_a_digit(
    client: TestClient, settings: Settings, telegram: FakeTelegram, officer: dict
) -> None:
    telegram_post(client, tg.text(POTHOLE))
    code = only_code(settings)
    resolve(client, officer, code)
    run_jobs(settings)
    ask = telegram.wait_for(lambda: [m for m in telegram.messages if "balas angka" in m.text])[0]
    assert code in ask.text and "balas angka 1" in ask.text and "Lubang sudah ditambal" in ask.text

    assert telegram_post(client, tg.text("4")).status_code == 200
    assert telegram.messages[-1].text == f"Terima kasih! Penilaian Anda untuk aduan {code}: 4/5."
    assert case_row(settings, code).rating == 4
    assert client.get(f"/api/v1/cases/{code}", headers=officer).json()["rating"] == 4
    # the rating is the staff's business: the public page does not list it
    history = client.get(f"/api/v1/complaints/{code}").json()["history"]
    assert [e["kind"] for e in history] == ["created", "status_changed"]


def test_a_digit_without_a_resolved_case_is_not_a_rating(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    telegram_post(client, tg.text(POTHOLE))
    telegram_post(client, tg.text("5"))
    assert case_row(settings, only_code(settings)).rating is None
    assert "terlalu pendek" in telegram.messages[-1].text


def test_sms_reply_belum_reopens_and_the_citizen_hears_it(
    client: TestClient, settings: Settings, twilio: FakeTwilio, officer: dict
) -> None:
    signed_post(client, settings, inbound(POTHOLE))
    code = only_code(settings)
    resolve(client, officer, code)
    run_jobs(settings)
    assert "Balas BELUM" in twilio.messages_to(PHONE)[-1].body

    assert signed_post(client, settings, inbound("Belum beres")).status_code == 200
    assert case_row(settings, code).status == "in_progress"
    run_jobs(settings)
    assert twilio.messages_to(PHONE)[-1].body.startswith(f"Aduan {code} dibuka kembali")
    detail = client.get(f"/api/v1/cases/{code}", headers=officer).json()
    assert detail["history"][-1]["actor"] == "citizen"


def _rate_link(smtp: SmtpSink, code: str) -> str:
    [mail] = [m for m in smtp.messages if code in m.subject and "/rate?t=" in m.body]
    url = next(word for word in mail.body.split() if "/rate?t=" in word)
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}"


def test_web_citizen_rates_through_the_signed_link(
    client: TestClient, settings: Settings, smtp: SmtpSink, officer: dict
) -> None:
    code = file_complaint(client, email="warga@example.com", notify_via="email")["tracking_code"]
    resolve(client, officer, code)
    run_jobs(settings)
    link = _rate_link(smtp, code)

    page = client.get(link)
    assert page.status_code == 200 and 'name="rating"' in page.text
    token = link.split("t=", 1)[1]
    assert client.get(f"/track/{code}/rate?t=x{token}").status_code == 403
    missing = client.post(f"/track/{code}/rate", data={"t": token})
    assert missing.status_code == 422 and "1 sampai 5" in missing.text

    done = client.post(f"/track/{code}/rate", data={"t": token, "rating": "5"})
    assert done.status_code == 200 and "Terima kasih atas penilaian" in done.text
    assert case_row(settings, code).rating == 5

    reopened = client.post(f"/track/{code}/rate", data={"t": token, "not_fixed": "1"})
    assert "dibuka kembali" in reopened.text
    assert case_row(settings, code).status == "in_progress"
    # once reopened the link no longer rates
    assert client.post(f"/track/{code}/rate", data={"t": token, "rating": "1"}).status_code == 409


def test_a_link_for_one_case_does_not_rate_another(
    client: TestClient, settings: Settings, smtp: SmtpSink, officer: dict
) -> None:
    first = file_complaint(client, email="a@example.com", notify_via="email")["tracking_code"]
    second = file_complaint(client, email="b@example.com", notify_via="email")["tracking_code"]
    resolve(client, officer, first)
    resolve(client, officer, second)
    run_jobs(settings)
    token = _rate_link(smtp, first).split("t=", 1)[1]
    assert client.post(f"/track/{second}/rate", data={"t": token, "rating": "1"}).status_code == 403
    assert case_row(settings, second).rating is None


# --- auto-close --------------------------------------------------------------------------------


def test_resolved_case_closes_itself_after_seven_days_and_tells_the_citizen(
    client: TestClient, settings: Settings, telegram: FakeTelegram, officer: dict
) -> None:
    telegram_post(client, tg.text(POTHOLE))
    code = only_code(settings)
    resolve(client, officer, code)
    detail = client.get(f"/api/v1/cases/{code}", headers=officer).json()
    resolved_at = datetime.fromisoformat(detail["resolved_at"])

    assert followups(settings, resolved_at + timedelta(days=6, hours=23)).closed == 0
    assert case_row(settings, code).status == "resolved"
    assert followups(settings, resolved_at + timedelta(days=7, minutes=1)).closed == 1
    assert case_row(settings, code).status == "closed"
    assert followups(settings, resolved_at + timedelta(days=8)).closed == 0
    run_jobs(settings)
    assert telegram.wait_for(
        lambda: [m for m in telegram.messages if m.text.startswith(f"Aduan {code} sudah selesai")]
    )


def test_reopened_case_does_not_close_itself(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    signed_post(client, settings, inbound(POTHOLE))
    code = only_code(settings)
    resolve(client, officer, code)
    signed_post(client, settings, inbound("not fixed"))
    assert followups(settings, utcnow() + timedelta(days=30)).closed == 0
    assert case_row(settings, code).status == "in_progress"


# --- escalation ladder -------------------------------------------------------------------------


def _staff_with_email(settings: Settings, username: str, role: str, agency: str | None, **flags):
    create_staff(settings, username, role, agency)
    sql(
        settings,
        "UPDATE users SET email = :e, agency_head = :h WHERE username = :u",
        e=f"{username}@kota.go.id",
        h=flags.get("head", False),
        u=username,
    )


def _due(settings: Settings, code: str, when: datetime) -> None:
    sql(settings, "UPDATE cases SET due_at = :d WHERE tracking_code = :c", d=when, c=code)


def _admin_posts(
    client: TestClient, settings: Settings, username: str, action: str = "", **fields: str
) -> None:
    """A new admin signs in to the console and posts the form of `username`'s account: its
    details (`fields`) or, with `action`, e.g. "deactivate"."""
    create_staff(settings, "admin", "admin")
    client.base_url = "https://testserver"  # PUBLIC_BASE_URL is https: the cookie is Secure
    assert sign_in(client, "admin").status_code == 303
    csrf = csrf_of(client.get("/console/admin/users").text)
    [(user_id,)] = sql(settings, "SELECT id FROM users WHERE username = :u", u=username)
    path = f"/console/admin/users/{user_id}" + (f"/{action}" if action else "")
    assert post(client, path, csrf, **fields).status_code == 303


def _staff_addresses_in_contacts(settings: Settings) -> list:
    return sql(settings, "SELECT address FROM contacts WHERE address LIKE '%@kota.go.id'")


def test_escalation_goes_to_the_agency_head_then_the_supervisors(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    _staff_with_email(settings, "kadis.dpu", "officer", "DPU", head=True)
    _staff_with_email(settings, "staf.dpu", "officer", "DPU")
    _staff_with_email(settings, "kadis.dlh", "officer", "DLH", head=True)
    _staff_with_email(settings, "supervisor", "supervisor", None)
    code = file_complaint(client)["tracking_code"]
    due = utcnow().replace(microsecond=0)
    _due(settings, code, due)

    assert followups(settings, due + timedelta(hours=23)).escalated == 0
    assert followups(settings, due + timedelta(hours=25)).escalated == 1
    assert case_row(settings, code).escalation_level == 1
    assert followups(settings, due + timedelta(hours=26)).escalated == 0
    run_jobs(settings)
    [to_head] = [m for m in smtp.messages if code in m.subject]
    assert to_head.to == "kadis.dpu@kota.go.id" and "kepala dinas" in to_head.body
    assert f"/console/cases/{code}" in to_head.body

    assert followups(settings, due + timedelta(hours=73)).escalated == 1
    assert case_row(settings, code).escalation_level == 2
    head = login(client, "kadis.dpu")
    assert client.get(f"/api/v1/cases/{code}", headers=head).json()["escalation_level"] == 2
    # the address changed after the escalation was written: it goes to the new one
    _admin_posts(client, settings, "supervisor", role="supervisor", email="kabid.kota@kota.go.id")
    run_jobs(settings)
    to_supervisors = [m for m in smtp.messages if code in m.subject][1:]
    assert [m.to for m in to_supervisors] == ["kabid.kota@kota.go.id"]
    assert "supervisor kota" in to_supervisors[0].body
    assert _staff_addresses_in_contacts(settings) == []


def test_a_case_waiting_on_the_citizen_is_not_escalated(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    code = file_complaint(client)["tracking_code"]
    client.post(
        f"/api/v1/cases/{code}/transitions", json={"status": "waiting"}, headers=officer
    ).raise_for_status()
    due = utcnow()
    _due(settings, code, due)
    assert followups(settings, due + timedelta(hours=100)).escalated == 0
    assert case_row(settings, code).escalation_level == 0


# --- daily digest -------------------------------------------------------------------------------


def test_officers_get_one_digest_a_day_of_their_agencys_overdue_cases(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    _staff_with_email(settings, "staf1.dpu", "officer", "DPU")
    _staff_with_email(settings, "staf2.dpu", "officer", "DPU")
    _staff_with_email(settings, "staf.dlh", "officer", "DLH")
    late = file_complaint(client)["tracking_code"]
    on_time = file_complaint(client)["tracking_code"]
    day = datetime(2026, 12, 1, tzinfo=WIB)
    _due(settings, late, day - timedelta(days=2))
    _due(settings, on_time, day + timedelta(days=2))

    assert followups(settings, day.replace(hour=6, minute=59)).digests == 0
    assert followups(settings, day.replace(hour=7, minute=5)).digests == 2
    assert followups(settings, day.replace(hour=15)).digests == 0
    run_jobs(settings)
    digests = [m for m in smtp.messages if m.subject == "Kasus terlambat per 2026-12-01"]
    assert sorted(m.to for m in digests) == ["staf1.dpu@kota.go.id", "staf2.dpu@kota.go.id"]
    assert late in digests[0].body and on_time not in digests[0].body
    assert "terlambat 55 jam" in digests[0].body  # 2 days before midnight, read at 07:05

    assert followups(settings, (day + timedelta(days=1)).replace(hour=7)).digests == 2
    assert _staff_addresses_in_contacts(settings) == []


def test_a_digest_goes_to_the_address_the_account_has_when_it_is_sent(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    """An officer's address changed by an admin is the one the next digest goes to, also when
    it was written before the change; no address of staff is kept among the contacts."""
    _staff_with_email(settings, "staf.dpu", "officer", "DPU")
    late = file_complaint(client)["tracking_code"]
    day = datetime(2026, 12, 1, tzinfo=WIB)
    _due(settings, late, day - timedelta(days=2))
    assert followups(settings, day.replace(hour=7)).digests == 1
    run_jobs(settings)
    assert followups(settings, (day + timedelta(days=1)).replace(hour=7)).digests == 1
    _admin_posts(
        client, settings, "staf.dpu", role="officer", agency="DPU", email="baru@kota.go.id"
    )
    run_jobs(settings)
    assert [(m.to, m.subject) for m in smtp.messages] == [
        ("staf.dpu@kota.go.id", "Kasus terlambat per 2026-12-01"),
        ("baru@kota.go.id", "Kasus terlambat per 2026-12-02"),
    ]
    assert _staff_addresses_in_contacts(settings) == []


@pytest.mark.parametrize(
    ("action", "fields", "reason"),
    [
        ("", {"role": "officer", "agency": "DPU", "email": ""}, "has no e-mail address"),
        ("deactivate", {}, "is deactivated"),
    ],
    ids=["address_removed", "deactivated"],
)
def test_a_digest_to_an_account_that_can_no_longer_take_it_fails_with_the_reason(
    client: TestClient,
    settings: Settings,
    smtp: SmtpSink,
    action: str,
    fields: dict[str, str],
    reason: str,
) -> None:
    """A digest written before an admin removed the officer's address or deactivated the
    account fails at its first attempt with the reason, unsent and not tried again."""
    _staff_with_email(settings, "staf.dpu", "officer", "DPU")
    late = file_complaint(client)["tracking_code"]
    day = datetime(2026, 12, 1, tzinfo=WIB)
    _due(settings, late, day - timedelta(days=2))
    assert followups(settings, day.replace(hour=7)).digests == 1
    _admin_posts(client, settings, "staf.dpu", action, **fields)
    run_jobs(settings)
    [row] = outbox(settings)
    assert (row.kind, row.status, row.attempts) == ("overdue_digest", "failed", 1)
    assert reason in row.last_error
    assert smtp.messages == []
    engine = get_engine(settings.database_url)
    assert sweep(engine, RQDispatcher(settings), older_than=timedelta(0)) == 0


# --- scheduling --------------------------------------------------------------------------------


def test_the_scheduler_process_queues_the_followup_job(
    environment: dict[str, str], settings: Settings
) -> None:
    """`aduan scheduler` (RQ's cron scheduler) puts the pass on the queue workers read: the
    follow-ups and retention."""
    queue = get_queue(settings)
    env = {**os.environ, "FOLLOWUP_INTERVAL_SECONDS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "aduan", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while len(queue.job_ids) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        jobs = {job.func_name: job for job in queue.get_jobs()}
    finally:
        process.terminate()
        process.wait(10)
    assert set(jobs) == {"cases.jobs.followups_job", "privacy.jobs.retention_job"}, (
        process.stderr.read().decode()
    )
    run_jobs(settings)
    assert jobs["cases.jobs.followups_job"].latest_result().return_value.startswith("closed 0")
    assert jobs["privacy.jobs.retention_job"].latest_result().return_value == (
        "cases 0, contacts 0, cancelled 0, files 0"
    )


def test_without_redis_the_web_process_runs_the_followups(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aduan.app import create_app
    from core.settings import get_settings

    monkeypatch.delenv("REDIS_URL")
    get_settings.cache_clear()
    settings = get_settings()
    with TestClient(create_app(settings)) as client:
        code = file_complaint(client)["tracking_code"]
    sql(
        settings,
        "UPDATE cases SET status = 'resolved', resolved_at = :r WHERE tracking_code = :c",
        r=utcnow() - timedelta(days=8),
        c=code,
    )
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 20
        while case_row(settings, code).status != "closed" and time.monotonic() < deadline:
            time.sleep(0.05)
    assert case_row(settings, code).status == "closed"


def test_followups_travel_in_time_through_the_rq_job(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """The job a worker runs uses the real clock; moved a week on, it closes the case."""
    from cases.jobs import followups_job

    code = file_complaint(client)["tracking_code"]
    resolve(client, officer, code)
    with time_machine.travel(utcnow() + timedelta(days=7, hours=1), tick=False):
        assert followups_job() == "closed 1, escalated 0, digests 0"
    assert case_row(settings, code).status == "closed"
