"""The webhook channel: a partner's endpoint is POSTed each event's JSON, signed per the
Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature`).

Only a 2xx answer is a delivery. A redirect is not followed (the signed request would go
somewhere nobody registered) and, like a timeout, a refused connection, a TLS error (a
self-signed or expired certificate) and a 5xx, 408 or 429 answer, is a failure tried again
later. Another 4xx says the request itself is refused: trying the same body again cannot help.
Every reason starts with its outcome and a colon ("503: ...", "timeout: ..."): the endpoint's
last status is that first word (notifications/webhooks.py).
"""

from __future__ import annotations

import ssl
import threading
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from core.settings import Settings
from notifications.channels import DeliveryError, OutboundMessage, SendResult
from notifications.webhooks import WEBHOOK_CHANNEL, shown_url

# answers that say "later", not "never"
RETRYABLE_4XX = frozenset({408, 425, 429})
USER_AGENT = "Aduan-Webhooks/1"


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a connection failure, if that is what it was."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdecimal() else None


class WebhookChannel:
    name: str = WEBHOOK_CHANNEL
    max_chars: int | None = None
    photos: bool = False

    def __init__(self) -> None:
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        """One client (and its connection pool) for every send of the process."""
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=False, trust_env=False)
            return self._client

    def send(self, message: OutboundMessage, settings: Settings) -> SendResult:
        if not message.signing_secret:
            raise DeliveryError("unsigned: the endpoint has no secret", permanent=True)
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(message.signing_secret).sign(
                message.message_id, now, message.body
            ),
        }
        timeout = settings.provider_timeout_seconds
        try:
            # the answer's body is never read: a partner's reply is its status
            with self._http().stream(
                "POST",
                message.address,
                content=message.body.encode(),
                headers=headers,
                timeout=timeout,
            ) as response:
                status = response.status_code
                location = response.headers.get("location", "")
                retry_after = _retry_after(response)
        except httpx.TimeoutException as exc:
            raise DeliveryError(
                f"timeout: no answer within {timeout:g} s ({type(exc).__name__})", permanent=False
            ) from exc
        except httpx.HTTPError as exc:
            tls = _tls_error(exc)
            if tls is not None:
                reason = getattr(tls, "verify_message", None) or tls.reason or str(tls)
                raise DeliveryError(f"tls: {reason}", permanent=False) from exc
            reason = f"connection: {type(exc).__name__}: {exc}"
            raise DeliveryError(reason, permanent=False) from exc
        if 200 <= status < 300:
            return SendResult(provider_id=str(status), path=WEBHOOK_CHANNEL)
        if 300 <= status < 400:
            target = shown_url(location) if location else "-"
            raise DeliveryError(
                f"{status}: redirect to {target} not followed; register the final URL",
                permanent=False,
            )
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            raise DeliveryError(f"{status}: refused by the endpoint", permanent=True)
        raise DeliveryError(
            f"{status}: the endpoint failed", permanent=False, retry_after=retry_after
        )
