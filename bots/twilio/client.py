"""The one Twilio client of a process and configuration, for every SMS and WhatsApp send.

Its messages go to TWILIO_API_URL. Content templates (the Content API, content.twilio.com with
Twilio itself) are asked at that same address when it is not Twilio's: a compatible provider or
a test's fake serves both.
"""

from __future__ import annotations

from functools import lru_cache

from twilio.rest import Client

from bots.twilio.http import PooledHttpClient
from core.settings import Settings
from notifications.channels import DeliveryError

TWILIO_API_URL = "https://api.twilio.com"


def twilio_client(settings: Settings) -> Client:
    """A Twilio client aimed at TWILIO_API_URL (Twilio itself, a compatible provider, a fake)."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise DeliveryError(
            "Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
            permanent=False,
        )
    return _client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_api_url.rstrip("/"),
        settings.provider_timeout_seconds,
        settings.notify_send_concurrency,
    )


@lru_cache(maxsize=4)
def _client(
    account_sid: str, auth_token: str, base_url: str, timeout: float, connections: int
) -> Client:
    """One client per process and configuration, shared by a job's sending threads: its pool
    keeps up to `connections` connections to Twilio open from one message to the next
    instead of a new TLS handshake each."""
    # without a timeout one hung connection would hold a worker forever; a timed-out send is
    # retried like any unreachable provider (at least once: Twilio may have taken it)
    http_client = PooledHttpClient(base_url, timeout, connections)
    client = Client(account_sid, auth_token, http_client=http_client)
    client.api.base_url = base_url
    if base_url != TWILIO_API_URL:
        client.content.base_url = base_url
    return client
