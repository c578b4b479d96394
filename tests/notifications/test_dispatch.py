"""Handing outbox rows to RQ: several rows per job, gathered across a web process's commits."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.db import get_engine, utcnow
from core.queue import get_queue
from core.settings import Settings
from notifications.dispatch import JOB_SIZE, RQDispatcher
from notifications.enums import Channel
from notifications.jobs import deliver_later, deliver_notifications
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import owe_message, run_jobs

PHONES = [f"+62811000{n:05d}" for n in range(6)]


def queued_ids(settings: Settings) -> list[list[int]]:
    return [job.args[0] for job in get_queue(settings).get_jobs()]


def test_many_rows_go_in_jobs_of_at_most_job_size(settings: Settings) -> None:
    """A sweep's hundreds of rows still spread over every worker, a job each JOB_SIZE."""
    RQDispatcher(settings).dispatch(range(1, 2 * JOB_SIZE + 6))
    assert queued_ids(settings) == [
        list(range(1, JOB_SIZE + 1)),
        list(range(JOB_SIZE + 1, 2 * JOB_SIZE + 1)),
        list(range(2 * JOB_SIZE + 1, 2 * JOB_SIZE + 6)),
    ]


def test_a_web_process_gathers_its_commits_into_few_jobs(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """Complaints filed within NOTIFY_GATHER_MS of each other share a job; what is gathered
    when the app stops is handed over, not dropped; every acknowledgement is sent once."""
    gathering = settings.model_copy(update={"notify_gather_ms": 1000})
    with TestClient(create_app(gathering)) as client:
        codes = []
        for phone in PHONES:
            body = {"text": "Lampu jalan mati di gang mawar sejak kemarin", "phone": phone}
            response = client.post("/api/v1/complaints", json=body)
            assert response.status_code == 201
            codes.append(response.json()["tracking_code"])
    with get_engine(settings.database_url).connect() as connection:
        rows = connection.execute(sa.text("SELECT id FROM notifications ORDER BY id")).scalars()
        outbox = list(rows)
    jobs = queued_ids(settings)
    assert len(outbox) == len(PHONES) and sorted(i for job in jobs for i in job) == outbox
    assert len(jobs) < len(PHONES)
    run_jobs(settings)
    assert sorted(m.to for m in twilio.messages) == sorted(PHONES)
    assert all(sum(code in m.body for m in twilio.messages) == 1 for code in codes)


def test_a_job_sends_the_rows_already_due_with_its_own(
    settings: Settings, client: TestClient, twilio: FakeTwilio
) -> None:
    """Jobs of one row queued behind each other (a flood of complaints): the first sends every
    row due with its own, and the jobs queued for those find them sent; each message once."""
    codes = []
    for phone in PHONES:
        body = {"text": "Lampu jalan mati di gang mawar sejak kemarin", "phone": phone}
        response = client.post("/api/v1/complaints", json=body)
        assert response.status_code == 201
        codes.append(response.json()["tracking_code"])
    jobs = queued_ids(settings)
    assert len(jobs) == len(PHONES)
    deliver_notifications(jobs[0])
    assert sorted(m.to for m in twilio.messages) == sorted(PHONES)
    run_jobs(settings)
    assert len(twilio.messages) == len(PHONES)
    assert all(sum(code in m.body for m in twilio.messages) == 1 for code in codes)


def test_a_neighbour_waiting_for_its_case_holds_back_nothing(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """One resident: "a1" about case A waits for its retry, "a2" about A waits for a1, "b1"
    about case B is due. A job for b1 takes a2 along (due) and cannot send it; b1 goes out at
    once, and no job is queued again and again for it."""
    phone = PHONES[0]
    engine = get_engine(settings.database_url)
    a1 = owe_message(settings, Channel.sms, phone, body="a1", reference="CASE-000A")
    a2 = owe_message(settings, Channel.sms, phone, body="a2", reference="CASE-000A")
    b1 = owe_message(settings, Channel.sms, phone, body="b1", reference="CASE-000B")
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE notifications SET next_attempt_at = :later WHERE id = :id"),
            {"later": utcnow() + timedelta(minutes=5), "id": a1},
        )
    assert deliver_notifications([b1]) == {"sent": 1}
    assert [m.body for m in twilio.messages] == ["b1"]
    assert queued_ids(settings) == []
    with engine.connect() as connection:
        statuses = connection.execute(
            sa.text("SELECT id, status FROM notifications ORDER BY id")
        ).all()
    assert statuses == [(a1, "pending"), (a2, "pending"), (b1, "sent")]


def test_a_retry_is_scheduled_no_earlier_than_asked(settings: Settings) -> None:
    """RQ keeps a scheduled job's time in whole seconds, cut down: a retry due at 12.4 s would
    run at 12 s, find its row not due yet, and leave it to the sweep a minute later."""
    when = (utcnow() + timedelta(minutes=5)).replace(microsecond=400_000)
    deliver_later(settings, 7, when)
    registry = get_queue(settings).scheduled_job_registry
    [job_id] = registry.get_job_ids()
    assert registry.get_scheduled_time(job_id) == when.replace(microsecond=0) + timedelta(seconds=1)
