"""The HTTP client the Twilio client sends through: urllib3's connection pool, without requests.

The Twilio library's own client (`TwilioHttpClient`) goes through a requests session, which
prepares every message anew: cookies, hooks, settings merged per call, the URL parsed and the
body encoded through several layers. That cost a worker more CPU than the rest of a message's
delivery together (claim, record, RQ); here a message is one urlencode and one `urlopen` on a
kept-alive connection.

What the environment says about the network (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, ...)
is read once, when the client is made, by requests' own rules: a city network that reaches
the internet only through a proxy keeps working as it did.

Nothing is retried here: Twilio has no idempotency key, so a message resent after a read
timeout could reach the resident twice; the outbox decides about another attempt.
"""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import urlencode

import requests
import urllib3
from requests.certs import where as default_ca_bundle
from requests.utils import select_proxy
from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.response import Response

# what a request's Content-Type says its `data` is sent as
_JSON_TYPES = ("application/json", "application/scim+json")


class PooledHttpClient(HttpClient):
    """Sends Twilio's requests over at most `connections` kept-alive connections per host,
    shared by the threads of a process; each wait for a connection or an answer lasts at
    most `timeout` seconds. A failure to reach the host raises TwilioException."""

    def __init__(self, base_url: str, timeout: float, connections: int) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), False, timeout)
        self._pool = _pool_for(base_url, timeout, connections)

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if params:
            url = f"{url}?{_form(params)}"
        body = None
        if data is not None:
            if headers.get("Content-Type") in _JSON_TYPES:
                body = json.dumps(data).encode()
            else:
                body = _form(data).encode()
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if auth is not None:
            headers["Authorization"] = _basic(*auth)
        wait = timeout or self.timeout
        try:
            answer = self._pool.request(
                method.upper(),
                url,
                body=body,
                headers=headers,
                redirect=allow_redirects,
                timeout=urllib3.Timeout(connect=wait, read=wait) if wait else None,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise TwilioException(f"{type(exc).__name__}: {exc}") from exc
        return Response(answer.status, answer.data.decode(errors="replace"), answer.headers)


def _form(values: dict[str, object]) -> str:
    """`values` form-encoded as requests encodes them: a list as the key repeated, None left
    out."""
    pairs = [
        (key, value)
        for key, listed in values.items()
        for value in (listed if isinstance(listed, list | tuple) else [listed])
        if value is not None
    ]
    return urlencode(pairs)


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _pool_for(base_url: str, timeout: float, connections: int) -> urllib3.PoolManager:
    """A pool that reaches `base_url` as requests would under this environment: through the
    proxy it names for that address, trusting the CA bundle it names (certifi's otherwise)."""
    found = requests.Session().merge_environment_settings(base_url, {}, None, None, None)
    verify = found["verify"]
    tls: dict[str, object] = (
        {"cert_reqs": "CERT_NONE"}
        if verify is False
        else {
            "cert_reqs": "CERT_REQUIRED",
            "ca_certs": verify if isinstance(verify, str) else default_ca_bundle(),
        }
    )
    options = {
        "maxsize": connections,
        "retries": False,
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        **tls,
    }
    proxy = select_proxy(base_url, found["proxies"])
    if proxy:
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)
