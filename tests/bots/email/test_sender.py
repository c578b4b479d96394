"""The e-mail channel out: an SMTP server's answers and a missing configuration."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from notifications.channels import Channels
from notifications.delivery import Outcome, attempt_delivery
from notifications.enums import Channel
from tests.fakes.smtp_sink import SmtpSink
from tests.helpers import file_complaint, outbox, owe_message, run_jobs


def test_smtp_temporary_refusal_is_retried(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    """A 451 from the mail server is a retry, not a failure."""
    smtp.fail_next(1)
    file_complaint(client, email="retry@example.com")
    run_jobs(settings)
    [row] = outbox(settings)
    assert (row.status, row.attempts) == ("sent", 2)
    assert [m.to for m in smtp.messages] == ["retry@example.com"]


def test_unconfigured_channel_retries_then_fails_with_a_clear_reason(
    settings: Settings, channels: Channels
) -> None:
    """Without SMTP settings an e-mail is not dropped: it retries and ends failed, saying why."""
    unconfigured = settings.model_copy(update={"smtp_host": None})
    row_id = owe_message(settings, Channel.email, "nobody@example.com")
    engine = get_engine(settings.database_url)
    outcomes = [
        attempt_delivery(engine, unconfigured, row_id, channels=channels).outcome for _ in range(3)
    ]
    assert outcomes == [Outcome.retry, Outcome.retry, Outcome.failed]
    [row] = outbox(settings)
    assert "SMTP_HOST" in row.last_error
