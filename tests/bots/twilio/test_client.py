"""The Twilio client: made once per configuration, through the network the environment names."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from bots.twilio.client import twilio_client
from core.db import get_engine
from core.settings import Settings
from notifications.channels import Channels
from notifications.delivery import Outcome, attempt_delivery
from notifications.enums import Channel, NotificationStatus
from notifications.models import Notification
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import owe_message
from tests.processes import free_port


def test_twilio_is_reached_through_the_proxy_the_environment_names(
    settings: Settings, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch, channels: Channels
) -> None:
    """A city network that allows the internet only through a proxy: HTTP(S)_PROXY is honoured
    (read once, when the client is made). The fake answers as the proxy, for a host that
    cannot be resolved, so the message arrives only if it went through the proxy."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", twilio.url)
    # a host of its own per fake: a client is made once per process and configuration
    host = f"http://api-{urlsplit(twilio.url).port}.twilio.invalid"
    behind_proxy = settings.model_copy(update={"twilio_api_url": host})
    row_id = owe_message(settings, Channel.sms, "+6281355502100")
    result = attempt_delivery(
        get_engine(settings.database_url), behind_proxy, row_id, channels=channels
    )
    assert result.outcome is Outcome.sent
    assert [m.to for m in twilio.messages] == ["+6281355502100"]


def test_twilio_unreachable_leaves_the_message_for_a_later_attempt(
    settings: Settings, channels: Channels
) -> None:
    """Nothing listens where Twilio should be: the row goes back to pending for its retry, with
    the reason, instead of failing for good or staying claimed."""
    nowhere = settings.model_copy(update={"twilio_api_url": f"http://127.0.0.1:{free_port()}"})
    row_id = owe_message(settings, Channel.sms, "+6281355502101")
    engine = get_engine(settings.database_url)
    result = attempt_delivery(engine, nowhere, row_id, channels=channels)
    assert result.outcome is Outcome.retry
    with Session(engine) as session:
        row = session.get(Notification, row_id)
    assert (row.status, row.attempts, row.lease_until) == (NotificationStatus.pending, 1, None)
    assert row.last_error.startswith("Twilio unreachable: ")


@pytest.mark.parametrize(
    ("api_url", "content_url"),
    [
        ("https://api.twilio.com", "https://content.twilio.com"),
        ("http://127.0.0.1:9/twilio", "http://127.0.0.1:9/twilio"),
    ],
    ids=["twilio", "elsewhere"],
)
def test_content_templates_are_asked_where_messages_go_unless_that_is_twilio(
    api_url: str, content_url: str
) -> None:
    """Twilio answers the Content API at its own host; a compatible provider or a fake at the
    TWILIO_API_URL it is given."""
    settings = Settings(
        _env_file=None,
        twilio_account_sid="AC" + "1" * 32,
        twilio_auth_token="t",
        twilio_api_url=api_url,
    )
    client = twilio_client(settings)
    assert (client.api.base_url, client.content.base_url) == (api_url, content_url)
