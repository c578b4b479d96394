"""Fake Twilio REST API: the Programmable Messaging subset Aduan uses.

Pointing the official client at it
----------------------------------
``twilio.rest.Client`` builds URLs at request time as
``client.api.base_url + "/2010-04-01" + "/Accounts/{sid}/Messages.json"``
(``twilio.base.domain.Domain.absolute_url``), and ``client.messages`` is just
``client.api.account.messages``. So this is enough::

    client = Client(fake.account_sid, fake.auth_token)
    client.api.base_url = fake.url

Caveat: do not configure ``edge``/``region`` (nor the ``TWILIO_EDGE`` /
``TWILIO_REGION`` environment variables): ``ClientBase.get_hostname`` would
then rewrite the host (``127.0.0.1`` splits into four dot-separated pieces and
gets treated as ``product.region.twilio.com``).

Behaviour mirrors the real API where it matters to callers: HTTP basic auth
(401/20003), Twilio's legacy error JSON (``code``/``message``/``more_info``/
``status``, which twilio-python turns into ``TwilioRestException.code``), 201 with
a message resource on success, and media URLs that answer with a 307 redirect to
a CDN URL, as api.twilio.com does (so download code must follow redirects).

Content API
-----------
The same fake serves ``content.twilio.com``'s v1 Content resource (point
``client.content.base_url`` at ``fake.url``): ``POST /v1/Content`` with the JSON
``ContentList.create`` sends, ``GET /v1/Content`` (pages with ``meta``, as the
client's ``stream`` reads them), ``GET /v1/Content/{sid}`` and ``DELETE
/v1/Content/{sid}`` (204, as an operator deleting it in Twilio's console). A
message sent with the ``ContentSid`` of a ``twilio/quick-reply`` or
``twilio/list-picker`` content created here is recorded as the resident sees it
(``TwilioMessage.content``, its ``{{n}}`` filled from ``ContentVariables`` over
the content's samples); a filled field longer than its documented maximum is
refused with 21658, and a deleted content's sid with 21655. A ``ContentSid``
never created here is taken as a template approved elsewhere.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from tests.fakes import HttpFake, HttpRequest, HttpResponse

API_VERSION = "2010-04-01"

# Messages for the Twilio error codes tests are expected to use.
ERROR_MESSAGES: dict[int, str] = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    21211: "Invalid 'To' Phone Number: {to}",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21655: "The ContentSid is Invalid.",
    21656: "The ContentVariables Parameter is invalid.",
    21658: "Parameter exceeded character limit",
    21910: "Invalid From and To pair. From and To should be of the same channel",
    63016: (
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template."
    ),
}

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MESSAGES_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages\.json$")
_MEDIA_PATH = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/(?P<suffix>Messages/[^/]+/Media/[^/.]+)$"
)
_CDN_PATH = re.compile(r"^/cdn/(?P<key>[0-9a-f]+)$")
_CONTENTS_PATH = re.compile(r"^/v1/Content(?:/(?P<sid>HX[0-9a-f]{32}))?$")
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
QUICK_REPLY = "twilio/quick-reply"
QUICK_REPLY_BODY_MAX = 1024
QUICK_REPLY_ACTIONS_MAX = 10
QUICK_REPLY_ID_MAX = 200
LIST_PICKER = "twilio/list-picker"
# Twilio's documented maxima for a list picker's fields (the button's is WhatsApp's)
LIST_PICKER_MAX = {"body": 1024, "button": 20, "item": 24, "id": 200, "description": 72}
LIST_PICKER_ITEMS_MAX = 10


@dataclass(frozen=True)
class TwilioMessage:
    """A message the fake accepted (answered 201)."""

    sid: str
    to: str
    from_: str | None
    body: str | None
    content_sid: str | None = None
    content_variables: dict[str, Any] | None = None  # parsed from the JSON string
    status_callback: str | None = None
    media_urls: tuple[str, ...] = ()
    messaging_service_sid: str | None = None
    # a quick reply or list picker sent by ContentSid, as shown: {"body": ..., "actions":
    # [{"id", "title"}]}, or {"body": ..., "button": ..., "items": [{"id", "item", "description"}]}
    content: dict[str, Any] | None = None
    # when the fake accepted it: time.time(), so a benchmark in another process can compare
    accepted_at: float = field(default_factory=time.time, compare=False)

    @property
    def channel(self) -> str:
        return "whatsapp" if self.to.startswith("whatsapp:") else "sms"

    @property
    def buttons(self) -> list[str]:
        """The titles of a quick reply's buttons, in order."""
        return [action["title"] for action in (self.content or {}).get("actions", [])]

    @property
    def items(self) -> list[tuple[str, str, str]]:
        """A list picker's items as (id, title, description), in order."""
        return [
            (item["id"], item["item"], item["description"])
            for item in (self.content or {}).get("items", [])
        ]


def twilio_error(status: int, code: int, message: str | None = None) -> HttpResponse:
    """Twilio's legacy error body, the shape twilio-python parses into TwilioRestException."""
    return HttpResponse.json(
        status,
        {
            "code": code,
            "message": message or ERROR_MESSAGES.get(code) or HTTPStatus(status).phrase,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _num_segments(body: str) -> int:
    """GSM-7 (approximated as ASCII) fits 160/153 chars per segment, UCS-2 70/67."""
    single, multi = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


class FakeTwilio(HttpFake):
    """Fake ``api.twilio.com`` for one account.

    Faults: :meth:`fail_next` for transient 5xx/429, :meth:`reject_number` for
    permanent per-recipient errors. :attr:`messages` holds accepted messages only;
    :attr:`requests` holds every attempt, so retries can be counted.
    """

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "test-auth-token",
        *,
        redirect_media: bool = True,
        keep_alive: bool = False,
        latency: float = 0.0,
    ) -> None:
        super().__init__(keep_alive=keep_alive)
        self.account_sid = account_sid
        # seconds every API request waits before its answer, as a round trip to Twilio would
        self.latency = latency
        self.auth_token = auth_token
        self.redirect_media = redirect_media
        self._messages: list[TwilioMessage] = []
        self._faults: list[int] = []  # statuses for the next requests, consumed FIFO
        self._stalls: list[float] = []  # seconds to hang the next requests, consumed FIFO
        self._delays: list[float] = []  # seconds before answering the next requests normally
        self._rejected: dict[str, tuple[int, int]] = {}  # number -> (code, status)
        self._media: dict[str, tuple[bytes, str]] = {}  # path suffix -> (content, type)
        self._cdn: dict[str, str] = {}  # cdn key -> path suffix
        self._contents: dict[str, dict[str, Any]] = {}  # content sid -> resource
        self._deleted_contents: set[str] = set()
        self._answering: Counter[str | None] = Counter()  # API requests in hand, by To
        self._most_total = 0  # the most API requests in hand at once
        self._most_answering: Counter[str | None] = Counter()  # the most at once, by To
        self._lock = threading.Lock()

    # -- test controls -----------------------------------------------------------
    @property
    def messages(self) -> list[TwilioMessage]:
        return self._snapshot(self._messages)

    def messages_to(self, number: str) -> list[TwilioMessage]:
        return [m for m in self.messages if m.to == number]

    @property
    def contents(self) -> list[dict[str, Any]]:
        """The Content resources created, oldest first."""
        with self._lock:
            return list(self._contents.values())

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next ``n`` API requests with ``status`` and Twilio's error JSON."""
        with self._lock:
            self._faults.extend([status] * n)

    def slow_next(self, n: int = 1, seconds: float = 2.0) -> None:
        """Answer the next ``n`` API requests normally, but only after ``seconds``."""
        with self._lock:
            self._delays.extend([seconds] * n)

    def stall_next(self, n: int = 1, seconds: float = 2.0) -> None:
        """Hold the next ``n`` API requests ``seconds`` without doing anything, then answer 504:
        a provider that hangs, for clients with a shorter timeout."""
        with self._lock:
            self._stalls.extend([seconds] * n)

    def reject_number(self, number: str, code: int = 21211, status: int = 400) -> None:
        """Make every message to ``number`` fail permanently with Twilio error ``code``.

        Typical codes: 21211 invalid 'To', 21610 unsubscribed (STOP),
        63016 WhatsApp freeform outside the 24h window. ``number`` is matched
        exactly, so pass ``whatsapp:+62...`` for WhatsApp recipients.
        """
        with self._lock:
            self._rejected[number] = (code, status)

    def add_media(
        self,
        path_suffix: str | None = None,
        content: bytes = b"",
        content_type: str = "image/jpeg",
    ) -> str:
        """Serve ``content`` as message media and return its full API URL.

        ``path_suffix`` is relative to the account, e.g. ``Messages/MM.../Media/ME...``;
        omitted, fresh MM/ME sids are generated. The URL needs basic auth, like the
        ``MediaUrl0`` Twilio puts in incoming-message webhooks.
        """
        suffix = (path_suffix or f"Messages/{_sid('MM')}/Media/{_sid('ME')}").strip("/")
        with self._lock:
            self._media[suffix] = (content, content_type)
        return f"{self.url}/{API_VERSION}/Accounts/{self.account_sid}/{suffix}"

    def most_at_once(self, to: str | None = None) -> int:
        """The most API requests (to ``to`` only, if given) the fake was answering at once."""
        with self._lock:
            return self._most_answering[to] if to is not None else self._most_total

    # -- HTTP ----------------------------------------------------------------------
    def handle(self, request: HttpRequest) -> HttpResponse:
        cdn = _CDN_PATH.match(request.path)
        if cdn and request.method == "GET":
            return self._serve_cdn(cdn["key"])
        to = parse_qs(request.body.decode(errors="replace")).get("To", [None])[0]
        with self._lock:
            self._answering[to] += 1
            self._most_answering[to] = max(self._most_answering[to], self._answering[to])
            self._most_total = max(self._most_total, sum(self._answering.values()))
        try:
            return self._answer(request)
        finally:
            with self._lock:
                self._answering[to] -= 1

    def _answer(self, request: HttpRequest) -> HttpResponse:
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
            stall = self._stalls.pop(0) if self._stalls and fault is None else None
            delay = self._delays.pop(0) if self._delays else 0.0
        time.sleep(delay + self.latency)
        if stall is not None:
            time.sleep(stall)
            return twilio_error(504, 20504)
        if fault is not None:
            return twilio_error(fault, 20000 + fault if fault in (429, 500, 503) else fault)
        if not self._authorized(request):
            response = twilio_error(401, 20003)
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        if (m := _MESSAGES_PATH.match(request.path)) and request.method == "POST":
            return self._create_message(m["account"], request)
        if (m := _MEDIA_PATH.match(request.path)) and request.method == "GET":
            return self._serve_media(m["account"], m["suffix"])
        if m := _CONTENTS_PATH.match(request.path):
            return self._content_api(request, m["sid"])
        return twilio_error(404, 20404)

    def _authorized(self, request: HttpRequest) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(f"{user}:{password}", f"{self.account_sid}:{self.auth_token}")

    def _create_message(self, account: str, request: HttpRequest) -> HttpResponse:
        if account != self.account_sid:
            return twilio_error(404, 20404)
        form = parse_qs(request.body.decode(), keep_blank_values=True)

        def one(name: str) -> str | None:
            return form.get(name, [None])[0] or None

        to, from_, body = one("To"), one("From"), one("Body")
        service_sid, content_sid = one("MessagingServiceSid"), one("ContentSid")
        media_urls = tuple(form.get("MediaUrl", []))
        if not to:
            return twilio_error(400, 21604)
        if not from_ and not service_sid:
            return twilio_error(400, 21603)
        if not body and not content_sid and not media_urls:
            return twilio_error(400, 21602)
        with self._lock:
            rejection = self._rejected.get(to)
        if rejection:
            code, status = rejection
            return twilio_error(status, code, ERROR_MESSAGES.get(code, "").format(to=to) or None)
        if not _E164.match(to.removeprefix("whatsapp:")):
            return twilio_error(400, 21211, ERROR_MESSAGES[21211].format(to=to))
        if from_ and from_.startswith("whatsapp:") != to.startswith("whatsapp:"):
            return twilio_error(400, 21910)
        variables: dict[str, Any] | None = None
        if raw_vars := one("ContentVariables"):
            try:
                variables = json.loads(raw_vars)
            except ValueError:
                return twilio_error(400, 21656)

        with self._lock:
            content = self._contents.get(content_sid or "")
            deleted = content_sid in self._deleted_contents
        if deleted:
            return twilio_error(400, 21655)
        shown = _content_shown(content, variables) if content else None
        if shown is not None and (problem := _shown_problem(content, shown)):
            return twilio_error(400, 21658, problem)
        message = TwilioMessage(
            content=shown,
            sid=_sid("SM"),
            to=to,
            from_=from_,
            body=body,
            content_sid=content_sid,
            content_variables=variables,
            status_callback=one("StatusCallback"),
            media_urls=media_urls,
            messaging_service_sid=service_sid,
        )
        self._record(self._messages, message)
        return HttpResponse.json(201, self._resource(message))

    # -- Content API -----------------------------------------------------------------
    def _content_api(self, request: HttpRequest, sid: str | None) -> HttpResponse:
        if request.method == "POST" and sid is None:
            return self._create_content(request)
        if request.method == "DELETE" and sid is not None:
            with self._lock:
                if self._contents.pop(sid, None) is None:
                    return twilio_error(404, 20404)
                self._deleted_contents.add(sid)
            return HttpResponse(204)
        if request.method != "GET":
            return twilio_error(405, 20004, "Method not allowed")
        with self._lock:
            contents = list(self._contents.values())
        if sid is not None:
            found = [c for c in contents if c["sid"] == sid]
            return HttpResponse.json(200, found[0]) if found else twilio_error(404, 20404)
        size = int(request.query.get("PageSize", ["50"])[0])
        page = int(request.query.get("Page", ["0"])[0])
        url = f"{self.url}/v1/Content?PageSize={size}"
        more = len(contents) > (page + 1) * size
        return HttpResponse.json(
            200,
            {
                "contents": contents[page * size : (page + 1) * size],
                "meta": {
                    "page": page,
                    "page_size": size,
                    "first_page_url": f"{url}&Page=0",
                    "previous_page_url": f"{url}&Page={page - 1}" if page else None,
                    "url": f"{url}&Page={page}",
                    "next_page_url": f"{url}&Page={page + 1}&PageToken=PT{page + 1}"
                    if more
                    else None,
                    "key": "contents",
                },
            },
        )

    def _create_content(self, request: HttpRequest) -> HttpResponse:
        try:
            spec = json.loads(request.body)
        except ValueError:
            return twilio_error(400, 20001, "Request body is not JSON")
        if not isinstance(spec, dict):
            return twilio_error(400, 20001, "Request body is not a JSON object")
        if problem := _content_problem(spec):
            return twilio_error(400, 20001, problem)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        sid = "HX" + secrets.token_hex(16)
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "friendly_name": spec.get("friendly_name"),
            "language": spec["language"],
            "variables": spec.get("variables") or {},
            "types": {name: value for name, value in spec["types"].items() if value},
            "url": f"https://content.twilio.com/v1/Content/{sid}",
            "links": {
                "approval_fetch": f"https://content.twilio.com/v1/Content/{sid}/ApprovalRequests",
                "approval_create": (
                    f"https://content.twilio.com/v1/Content/{sid}/ApprovalRequests/whatsapp"
                ),
            },
            "date_created": now,
            "date_updated": now,
        }
        with self._lock:
            self._contents[sid] = resource
        return HttpResponse.json(201, resource)

    def _resource(self, message: TwilioMessage) -> dict[str, Any]:
        """The JSON twilio-python's MessageInstance reads."""
        now = format_datetime(datetime.now(UTC), usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": message.body or "",
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": str(len(message.media_urls)),
            "num_segments": str(_num_segments(message.body or "")),
            "price": None,
            "price_unit": "USD",
            "sid": message.sid,
            # Twilio answers "accepted" while a Messaging Service still picks a sender.
            "status": "queued" if message.from_ else "accepted",
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": message.to,
            "uri": f"{uri}.json",
        }

    def _serve_media(self, account: str, suffix: str) -> HttpResponse:
        with self._lock:
            media = self._media.get(suffix) if account == self.account_sid else None
            if media is None:
                return twilio_error(404, 20404)
            if not self.redirect_media:
                return HttpResponse(200, media[0], media[1])
            key = secrets.token_hex(16)
            self._cdn[key] = suffix
        return HttpResponse(307, b"", "text/plain", {"Location": f"{self.url}/cdn/{key}"})

    def _serve_cdn(self, key: str) -> HttpResponse:
        """The redirect target: pre-signed, so no auth (like Twilio's media CDN)."""
        with self._lock:
            suffix = self._cdn.get(key)
            media = self._media.get(suffix) if suffix else None
        if media is None:
            return HttpResponse(404, b"Not Found", "text/plain")
        return HttpResponse(200, media[0], media[1])


def _content_problem(spec: dict[str, Any]) -> str | None:
    """Why the Content API refuses a content (None when it takes it): the rules of the
    content types this fake knows; others are taken as they are."""
    types = {name: value for name, value in (spec.get("types") or {}).items() if value}
    if not types:
        return "Types must hold at least one content type"
    if not spec.get("language"):
        return "Language is required"
    if (quick_reply := types.get(QUICK_REPLY)) is not None:
        problem = _quick_reply_problem(quick_reply)
        texts = [quick_reply.get("body") or "", *_action_texts(quick_reply.get("actions") or [])]
    elif (list_picker := types.get(LIST_PICKER)) is not None:
        problem = _list_picker_problem(list_picker)
        texts = [list_picker.get(name) or "" for name in ("body", "button")]
        texts += [str(item.get(name) or "") for item in list_picker["items"] for name in item]
    else:
        return None
    if problem:
        return problem
    used = {name for text in texts for name in _VARIABLE.findall(text)}
    if missing := used - set(spec.get("variables") or {}):
        return f"Variables without a sample value: {', '.join(sorted(missing))}"
    return None


def _quick_reply_problem(quick_reply: dict[str, Any]) -> str | None:
    body, actions = quick_reply.get("body") or "", quick_reply.get("actions") or []
    if not body.strip() or len(body) > QUICK_REPLY_BODY_MAX:
        return f"Quick reply body must be 1-{QUICK_REPLY_BODY_MAX} characters"
    if not 1 <= len(actions) <= QUICK_REPLY_ACTIONS_MAX:
        return f"Quick reply holds 1-{QUICK_REPLY_ACTIONS_MAX} actions"
    for action in actions:
        title, action_id = action.get("title") or "", action.get("id") or ""
        if not title.strip() or not action_id or len(action_id) > QUICK_REPLY_ID_MAX:
            return "Each quick reply action needs a title and an id of at most 200 characters"
    return None


def _list_picker_problem(list_picker: dict[str, Any]) -> str | None:
    """The list picker's required fields (its lengths are checked once filled, at send)."""
    items = list_picker.get("items") or []
    if not (list_picker.get("body") or "").strip() or not (list_picker.get("button") or "").strip():
        return "List picker needs a body and a button"
    if not 1 <= len(items) <= LIST_PICKER_ITEMS_MAX:
        return f"List picker holds 1-{LIST_PICKER_ITEMS_MAX} items"
    if not all((item.get("item") or "").strip() and item.get("id") for item in items):
        return "Each list item needs an item and an id"
    if len({item["id"] for item in items}) < len(items):
        return "List item ids must be unique"
    return None


def _action_texts(actions: list[dict[str, Any]]) -> list[str]:
    return [text for action in actions for text in (action.get("title"), action.get("id")) if text]


def _content_shown(
    content: dict[str, Any], variables: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The quick reply or list picker of a content with its variables filled (the samples
    where a value is not given), as WhatsApp shows it; None for a content of another type."""
    values = {**content["variables"], **(variables or {})}

    def fill(text: str | None) -> str:
        return _VARIABLE.sub(lambda m: str(values.get(m[1], m[0])), text or "")

    if (quick_reply := content["types"].get(QUICK_REPLY)) is not None:
        return {
            "body": fill(quick_reply["body"]),
            "actions": [
                {"id": fill(action["id"]), "title": fill(action["title"])}
                for action in quick_reply["actions"]
            ],
        }
    if (list_picker := content["types"].get(LIST_PICKER)) is not None:
        return {
            "body": fill(list_picker["body"]),
            "button": fill(list_picker["button"]),
            "items": [
                {name: fill(item.get(name)) for name in ("id", "item", "description")}
                for item in list_picker["items"]
            ],
        }
    return None


def _shown_problem(content: dict[str, Any], shown: dict[str, Any]) -> str | None:
    """Why Twilio refuses to send a list picker filled so (21658), or None."""
    if LIST_PICKER not in content["types"]:
        return None
    fields = [(name, shown[name]) for name in ("body", "button")]
    for item in shown["items"]:
        fields += [(name, item[name]) for name in ("item", "id", "description")]
    for name, value in fields:
        if len(value) > LIST_PICKER_MAX[name]:
            return f"The list picker's {name} is longer than {LIST_PICKER_MAX[name]} characters"
    return None
