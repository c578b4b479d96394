"""The one Twilio client of a process and configuration, for every SMS and WhatsApp send.

Its messages go to TWILIO_API_URL. Content templates (the Content API, content.twilio.com with
Twilio itself) are asked at that same address when it is not Twilio's: a compatible provider or
a test's fake serves both.
"""

from __future__ import annotations

from functools import lru_cache

import requests
from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

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
    """One client per process and configuration, shared by a job's sending threads: its HTTP
    session keeps up to `connections` connections to Twilio open from one message to the next
    instead of a new TLS handshake each."""
    # without a timeout one hung connection would hold a worker forever; a timed-out send is
    # retried like any unreachable provider (at least once: Twilio may have taken it)
    http_client = TwilioHttpClient(timeout=timeout)
    pooled = HTTPAdapter(pool_maxsize=connections)
    http_client.session.mount("https://", pooled)
    http_client.session.mount("http://", pooled)
    _read_environment_once(http_client.session, base_url)
    client = Client(account_sid, auth_token, http_client=http_client)
    client.api.base_url = base_url
    if base_url != TWILIO_API_URL:
        client.content.base_url = base_url
    return client


def _read_environment_once(session: requests.Session, base_url: str) -> None:
    """Proxy and CA-bundle variables (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, ...) are read
    now instead of on every message: requests looked them up, and parsed the proxy bypass
    list, for each send, a seventh of the worker's CPU per message."""
    found = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies.update(found["proxies"])
    session.verify = found["verify"]
    session.trust_env = False
