"""The Twilio client: made once per configuration, through the network the environment names."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from core.db import get_engine
from core.settings import Settings
from notifications.channels import Channels
from notifications.delivery import Outcome, attempt_delivery
from notifications.enums import Channel
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import owe_message


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
