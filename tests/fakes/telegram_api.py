"""Fake Telegram Bot API: the methods Aduan's bot uses.

Pointing python-telegram-bot at it::

    async with Bot(fake.token, base_url=fake.api_url, base_file_url=fake.file_url) as bot:
        ...

PTB appends the token itself (``telegram._bot._parse_base_url`` returns
``base_url + token`` unless the string contains a ``{token}`` placeholder), so
``api_url`` is ``{url}/bot`` and ``file_url`` is ``{url}/file/bot``. Note that
``async with Bot`` calls ``getMe`` while initialising; faults queued before that
would hit it, so either queue them afterwards or pass ``method=``.

Wire format as PTB 22 sends it (``HTTPXRequest.do_request``): POST with
``application/x-www-form-urlencoded`` fields whose non-string values are
JSON-encoded (``RequestParameter.json_value``), or multipart when uploading files.
Other clients post JSON bodies. All three are accepted, plus query strings.
Answers use the Bot API envelope ``{"ok": true, "result": ...}`` /
``{"ok": false, "error_code": N, "description": ...}``; PTB maps 401/403/429 to
``InvalidToken``/``Forbidden``/``RetryAfter`` from status and ``parameters``.

Inline keyboards: ``sendMessage`` checks them as Telegram does (a button's ``callback_data`` is
1-64 bytes); :meth:`FakeTelegram.press` is a resident pressing a button, the ``callback_query``
Update Telegram would post, and ``answerCallbackQuery`` / ``editMessageReplyMarkup`` answer
with Telegram's own errors for a query answered twice or a keyboard removed twice.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from tests.fakes import HttpFake, HttpRequest, HttpResponse

METHODS = frozenset(
    {
        "getMe",
        "getUpdates",
        "sendMessage",
        "sendPhoto",
        "getFile",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "sendChatAction",
        "answerCallbackQuery",
        "editMessageReplyMarkup",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Form fields that PTB JSON-encodes; everything else stays a string.
_JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "allowed_updates", "link_preview_options", "reply_parameters"}
)
_INT_FIELDS = frozenset(
    {"chat_id", "message_id", "message_thread_id", "max_connections", "cache_time"}
)
_BOOL_FIELDS = frozenset(
    {
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "show_alert",
    }
)
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
# what a button does when pressed; an inline keyboard button has exactly one of these
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class SentMessage:
    """A ``sendMessage`` (or ``sendPhoto``: ``text`` is its caption) the fake accepted."""

    message_id: int
    chat_id: int | str
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]  # every parameter, decoded
    # when the fake accepted it: time.time(), so a benchmark in another process can compare
    accepted_at: float = field(default_factory=time.time, compare=False)


@dataclass(frozen=True)
class ApiCall:
    """Any Bot API call, including failed ones (``status`` is what the fake answered)."""

    method: str
    params: dict[str, Any]
    status: int


@dataclass(frozen=True)
class _Fault:
    status: int
    description: str
    parameters: dict[str, Any] | None
    method: str | None  # None: any method


def tg_error(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> HttpResponse:
    """The Bot API error envelope; PTB reads ``description`` and ``parameters``."""
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return HttpResponse.json(status, payload)


def _ok(result: Any, description: str | None = None) -> HttpResponse:
    payload: dict[str, Any] = {"ok": True, "result": result}
    if description:
        payload["description"] = description
    return HttpResponse.json(200, payload)


class FakeTelegram(HttpFake):
    """Fake ``api.telegram.org`` for a single bot token."""

    def __init__(
        self,
        token: str = "123456789:AAFakeTokenForAduanTests",
        *,
        username: str = "aduan_test_bot",
        first_name: str = "Aduan Test Bot",
        keep_alive: bool = False,
        latency: float = 0.0,
    ) -> None:
        super().__init__(keep_alive=keep_alive)
        self.token = token
        # seconds every Bot API call waits before its answer, as a round trip to Telegram would
        self.latency = latency
        bot_id = token.partition(":")[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._messages: list[SentMessage] = []
        self._calls: list[ApiCall] = []
        self._files: dict[str, tuple[bytes, str]] = {}  # file_id -> (content, file_path)
        self._faults: list[list[Any]] = []  # [remaining, _Fault]
        self._blocked: set[str] = set()
        self._webhook: dict[str, Any] = {}
        self._next_message_id = 1
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._updates_ready = threading.Condition()
        self._sent: dict[int, dict[str, Any]] = {}  # message_id -> Message, as it is now
        self._queries: dict[str, bool] = {}  # callback query id -> answered
        self._next_update_id = 900_000_001

    # -- URLs for telegram.Bot -------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        return f"{self.url}/file/bot"

    # -- recorded state --------------------------------------------------------
    @property
    def messages(self) -> list[SentMessage]:
        return self._snapshot(self._messages)

    @property
    def calls(self) -> list[ApiCall]:
        return self._snapshot(self._calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def keyboard(self, message_id: int) -> dict[str, Any] | None:
        """The inline keyboard a sent message shows now (None once removed)."""
        with self._lock:
            return self._sent[message_id].get("reply_markup")

    @property
    def webhook(self) -> dict[str, Any]:
        """Parameters of the last ``setWebhook`` (empty once deleted)."""
        with self._lock:
            return dict(self._webhook)

    # -- test controls ---------------------------------------------------------
    def add_file(self, file_id: str, content: bytes, file_path: str = "photos/file_1.jpg") -> None:
        """Make ``getFile(file_id)`` succeed and serve ``content`` under ``file_path``."""
        with self._lock:
            self._files[file_id] = (content, file_path)

    def fail_next(self, n: int = 1, status: int = 500, method: str | None = None) -> None:
        """Answer the next ``n`` API calls (optionally only of ``method``) with ``status``."""
        self._add_fault(n, _Fault(status, HTTPStatus(status).phrase, None, method))

    def rate_limit_next(self, n: int = 1, retry_after: int = 1, method: str | None = None) -> None:
        """Answer the next ``n`` API calls with flood-control 429 and ``retry_after``."""
        description = f"Too Many Requests: retry after {retry_after}"
        self._add_fault(n, _Fault(429, description, {"retry_after": retry_after}, method))

    def block_chat(self, chat_id: int | str) -> None:
        """Make sends to ``chat_id`` fail like a user who blocked the bot (403)."""
        with self._lock:
            self._blocked.add(str(chat_id))

    def press(self, message_id: int, data: str | None = None) -> dict[str, Any]:
        """The Update Telegram posts when the resident presses a button of a sent message:
        ``data`` is the button's ``callback_data`` (the first button's when omitted). The query
        stays open until ``answerCallbackQuery``."""
        with self._lock:
            message = json.loads(json.dumps(self._sent[message_id]))
            update_id = self._next_update_id
            self._next_update_id += 1
            query_id = str(4_000_000_000_000_000_000 + update_id)
            self._queries[query_id] = False
        if data is None:
            data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        chat = message["chat"]
        return {
            "update_id": update_id,
            "callback_query": {
                "id": query_id,
                "from": {"id": chat["id"], "is_bot": False, "first_name": chat.get("first_name")},
                "message": message,
                "chat_instance": f"-{abs(chat['id'])}",
                "data": data,
            },
        }

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an Update for ``getUpdates``, as Telegram holds them for a polling bot."""
        with self._updates_ready:
            self._updates.append(update)
            self._updates_ready.notify_all()

    def _get_updates(self, params: dict[str, Any]) -> HttpResponse:
        """Long polling: wait (briefly) for updates at or after ``offset``, then confirm older."""
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)
        with self._updates_ready:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and wait:
                self._updates_ready.wait(wait)
            return _ok(list(self._updates))

    def _add_fault(self, n: int, fault: _Fault) -> None:
        with self._lock:
            self._faults.append([n, fault])

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for entry in self._faults:
                remaining, fault = entry
                if fault.method in (None, method):
                    entry[0] = remaining - 1
                    if entry[0] <= 0:
                        self._faults.remove(entry)
                    return fault
        return None

    # -- HTTP ------------------------------------------------------------------
    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/file/bot"):
            return self._serve_file(request)
        if not request.path.startswith("/bot"):
            return tg_error(404, "Not Found")
        token, _, method = request.path.removeprefix("/bot").partition("/")
        if token != self.token:
            return tg_error(401, "Unauthorized")
        # Bot API method names are case-insensitive.
        method = next((m for m in METHODS if m.lower() == method.lower()), method)
        params = _parse_params(request)
        time.sleep(self.latency)
        response = self._call(method, params)
        self._record(self._calls, ApiCall(method, params, response.status))
        return response

    def _call(self, method: str, params: dict[str, Any]) -> HttpResponse:
        if method not in METHODS:
            return tg_error(404, "Not Found")
        if fault := self._take_fault(method):
            return tg_error(fault.status, fault.description, fault.parameters)
        if method == "getMe":
            return _ok(self.bot_user)
        if method == "sendMessage":
            return self._send_message(params)
        if method == "sendPhoto":
            return self._send_photo(params)
        if method == "answerCallbackQuery":
            return self._answer_callback_query(params)
        if method == "editMessageReplyMarkup":
            return self._edit_reply_markup(params)
        if method == "sendChatAction":
            if (error := self._check_chat(params)) is not None:
                return error
            if params.get("action") not in CHAT_ACTIONS:
                return tg_error(400, "Bad Request: wrong parameter action in request")
            return _ok(True)
        if method == "getFile":
            return self._get_file(params)
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "setWebhook":
            with self._lock:
                self._webhook = params if params.get("url") else {}
            return _ok(
                True, "Webhook was set" if params.get("url") else "Webhook is already deleted"
            )
        if method == "deleteWebhook":
            with self._lock:
                self._webhook = {}
            return _ok(True, "Webhook was deleted")
        # getWebhookInfo
        with self._lock:
            hook = dict(self._webhook)
        info: dict[str, Any] = {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if hook:
            info["max_connections"] = hook.get("max_connections", 40)
            if "allowed_updates" in hook:
                info["allowed_updates"] = hook["allowed_updates"]
        return _ok(info)

    def _check_chat(self, params: dict[str, Any]) -> HttpResponse | None:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            return tg_error(400, "Bad Request: chat_id is empty")
        with self._lock:
            blocked = str(chat_id) in self._blocked
        return tg_error(403, "Forbidden: bot was blocked by the user") if blocked else None

    def _send_message(self, params: dict[str, Any]) -> HttpResponse:
        if (error := self._check_chat(params)) is not None:
            return error
        text = params.get("text") or ""
        if not text.strip():
            return tg_error(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            return tg_error(400, "Bad Request: message is too long")
        if (error := _check_inline_keyboard(params.get("reply_markup"))) is not None:
            return error
        return _ok(self._sent_message(params, text, {"text": text}))

    def _sent_message(
        self, params: dict[str, Any], text: str, content: Callable[[int], dict] | dict
    ) -> dict[str, Any]:
        """Record a message the bot sent (`text`: its text or caption) and return the Message
        Telegram answers with: `content` (or `content(message_id)`) holds what it carries."""
        markup = params.get("reply_markup")
        with self._lock:
            message_id = self._next_message_id
            self._next_message_id += 1
        chat_id = params["chat_id"]
        self._record(
            self._messages,
            SentMessage(message_id, chat_id, text, params.get("parse_mode"), markup, params),
        )
        result: dict[str, Any] = {
            "message_id": message_id,
            "from": {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": _chat(chat_id),
            "date": int(time.time()),
            **(content(message_id) if callable(content) else content),
        }
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            result["reply_markup"] = markup  # Telegram echoes inline keyboards only
        with self._lock:
            self._sent[message_id] = result
        return result

    def _send_photo(self, params: dict[str, Any]) -> HttpResponse:
        """A photo uploaded (multipart) with an optional caption and keyboard; recorded among
        the messages with the caption as its text and the bytes in ``params["photo"]``."""
        if (error := self._check_chat(params)) is not None:
            return error
        photo = params.get("photo")
        if not photo:
            return tg_error(400, "Bad Request: there is no photo in the request")
        caption = params.get("caption") or ""
        if len(caption) > MAX_CAPTION_LENGTH:
            return tg_error(400, "Bad Request: message caption is too long")
        if (error := _check_inline_keyboard(params.get("reply_markup"))) is not None:
            return error
        size = len(photo) if isinstance(photo, bytes) else 0

        def content(message_id: int) -> dict[str, Any]:
            file_id = f"photo-{message_id}"
            unique = hashlib.sha1(file_id.encode()).hexdigest()[:16]
            sizes = {"file_id": file_id, "file_unique_id": unique, "width": 4, "height": 3}
            return {"photo": [{**sizes, "file_size": size}]} | (
                {"caption": caption} if caption else {}
            )

        return _ok(self._sent_message(params, caption, content))

    def _answer_callback_query(self, params: dict[str, Any]) -> HttpResponse:
        query_id = str(params.get("callback_query_id") or "")
        with self._lock:
            if self._queries.get(query_id, True):  # unknown, or answered already
                return tg_error(400, QUERY_INVALID)
            self._queries[query_id] = True
        return _ok(True)

    def _edit_reply_markup(self, params: dict[str, Any]) -> HttpResponse:
        if params.get("inline_message_id"):
            return tg_error(400, "Bad Request: MESSAGE_ID_INVALID")
        if (error := self._check_chat(params)) is not None:
            return error
        markup = params.get("reply_markup") or None
        if markup is not None and "inline_keyboard" not in markup:
            return tg_error(400, "Bad Request: inline keyboard expected")
        if (error := _check_inline_keyboard(markup)) is not None:
            return error
        with self._lock:
            message = self._sent.get(params.get("message_id"))
            if message is None or message["chat"]["id"] != params["chat_id"]:
                return tg_error(400, "Bad Request: message to edit not found")
            if message.get("reply_markup") == markup:
                return tg_error(400, NOT_MODIFIED)
            if markup is None:
                del message["reply_markup"]
            else:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            return _ok(dict(message))

    def _get_file(self, params: dict[str, Any]) -> HttpResponse:
        file_id = str(params.get("file_id") or "")
        with self._lock:
            entry = self._files.get(file_id)
        if entry is None:
            return tg_error(400, "Bad Request: invalid file_id")
        content, file_path = entry
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": hashlib.sha1(file_id.encode()).hexdigest()[:16],
                "file_size": len(content),
                "file_path": file_path,
            }
        )

    def _serve_file(self, request: HttpRequest) -> HttpResponse:
        token, _, file_path = request.path.removeprefix("/file/bot").partition("/")
        if token != self.token:
            return tg_error(401, "Unauthorized")
        with self._lock:
            content = next((c for c, p in self._files.values() if p == file_path), None)
        if content is None:
            return tg_error(404, "Not Found")
        return HttpResponse(200, content, "application/octet-stream")


def _check_inline_keyboard(markup: Any) -> HttpResponse | None:
    """Telegram's refusals of a malformed inline keyboard (other keyboards are not checked)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return tg_error(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
    for button in (button for row in rows for button in row):
        if not str(button.get("text") or "").strip():
            return tg_error(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        if len(_BUTTON_ACTIONS & button.keys()) != 1:
            return tg_error(400, "Bad Request: can't parse inline keyboard button")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            return tg_error(400, "Bad Request: BUTTON_DATA_INVALID")
    return None


def _chat(chat_id: int | str) -> dict[str, Any]:
    """A Chat object; the type follows Telegram's id conventions."""
    if isinstance(chat_id, str):  # "@channelusername"
        return {"id": -1001234567890, "type": "channel", "username": chat_id.lstrip("@")}
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Warga"}
    if chat_id <= -1_000_000_000_000:
        return {"id": chat_id, "type": "supergroup", "title": "Aduan Group"}
    return {"id": chat_id, "type": "group", "title": "Aduan Group"}


def _parse_params(request: HttpRequest) -> dict[str, Any]:
    """Merge query string and body (form, JSON or multipart) into typed parameters."""
    raw: dict[str, Any] = {k: v[-1] for k, v in request.query.items()}
    content_type = request.headers.get("content-type", "")
    if request.body and content_type.startswith("application/json"):
        return raw | json.loads(request.body)
    if request.body and content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        for part in BytesParser(policy=HTTP).parsebytes(head + request.body).iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            raw[name] = payload if part.get_filename() else payload.decode()
    elif request.body:
        raw |= {k: v[-1] for k, v in parse_qs(request.body.decode(), True).items()}
    return {k: _decode_form_value(k, v) for k, v in raw.items()}


def _decode_form_value(name: str, value: Any) -> Any:
    """Undo PTB's per-field JSON encoding of form values."""
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        return json.loads(value)
    if name in _INT_FIELDS and value.lstrip("-").isdigit():
        return int(value)
    if name in _BOOL_FIELDS:
        return value.lower() == "true"
    return value
