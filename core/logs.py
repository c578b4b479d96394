"""Logging for every process (web, worker, CLI): one format, no personal data, a request id.

Every record passes two filters on the one handler, so libraries' records get them too:

- `ContextFilter` stamps the record with the id of the HTTP request it was made for (set by
  `aduan.middleware.RequestIdMiddleware`) or of the RQ job running it, so one complaint's lines
  can be found among many.
- `PrivacyFilter` masks phone numbers, e-mail addresses and Telegram chat ids in the message,
  its arguments and any traceback. Residents' contact details must not end up in log storage,
  which is kept longer and read by more people than the database; masking once here covers
  every logger, including libraries whose error messages quote an address.

`LOG_FORMAT=json` writes one JSON object a line (time, level, logger, message, request_id) for
a log collector; the default is readable text.

Either way a record is one line, whatever it quotes: the formatters escape control characters
(a newline becomes `\\n`) in every record's message, so a value someone typed (a holiday's
name, a complaint, a header) cannot start a line that reads as a record of its own. A
traceback's lines follow their record indented (text) or inside it (JSON).
"""

from __future__ import annotations

import json
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from rq import get_current_job

# the request a log record belongs to; each request runs in a task of its own, which has a copy
request_id: ContextVar[str | None] = ContextVar("aduan_request_id", default=None)
NO_REQUEST = "-"
KEPT_DIGITS = 3  # a masked number keeps its last digits, so support can still tell two apart

_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# a number's separators as typed, and as a URL's query writes them (a staff search for a
# number reaches the access log as `?q=0812+3456+7890` or `?q=%2B62812…`)
_SEPARATOR = r"(?:[ .+-]|%20)"
_ESCAPES = re.compile(r"(%2[0Bb])")
_NUMBERS = re.compile(
    rf"(?<![\w+%])(?:\+|%2[Bb])\d(?:{_SEPARATOR}?\d){{7,14}}(?!\d)"  # E.164, "whatsapp:+…"
    rf"|(?<![\w+])08\d(?:{_SEPARATOR}?\d){{6,11}}(?!\d)"  # Indonesian mobile: 0812-3456-7890
    r"|(?<![\w.+-])-?\d{9,}(?![\w.])"  # a long bare number: 62812…, chat ids, group ids
)
# a shorter number is a chat id when it says so: chat_id=123456, "chat": 123456, telegram:123456
_CHAT_IDS = re.compile(r"(?i)((?:chat(?:[_ ]?id)?|telegram)[\"' ]*[:=][\"' ]*)(-?\d{5,})")


# C0 and C1 control characters, DEL, and what some viewers take as a line break (NEL, the
# Unicode line and paragraph separators): written as escapes, never as themselves
_CONTROLS = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPED = str.maketrans(
    {
        chr(c): _SHORT_ESCAPES.get(chr(c), f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")
        for c in _CONTROLS
    }
)
# the same characters as JSON escapes, which a JSON reader decodes back to the character
_JSON_ESCAPED = str.maketrans({chr(c): f"\\u{c:04x}" for c in _CONTROLS})
CONTINUATION = "  "  # starts each line of a traceback: only a record's own line does not


def escape_controls(text: str) -> str:
    """`text` on one line: each control character written as an escape (`\\n`, `\\x1b`)."""
    return text.translate(_ESCAPED)


def _hide_digits(number: str) -> str:
    """The digits of `number` but its last few as stars; a URL's escapes (`%2B`, `%20`) kept."""
    parts = _ESCAPES.split(number)  # escapes at the odd places
    digits = sum(c.isdigit() for part in parts[::2] for c in part)
    hidden = 0
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(part)
            continue
        for char in part:
            if char.isdigit() and hidden < digits - KEPT_DIGITS:
                out.append("*")
                hidden += 1
            else:
                out.append(char)
    return "".join(out)


def mask_personal(text: str) -> str:
    """`text` with phone numbers, e-mail addresses and chat ids masked."""
    text = _EMAIL.sub(r"\1***@\2", text)
    text = _CHAT_IDS.sub(lambda m: m.group(1) + _hide_digits(m.group(2)), text)
    return _NUMBERS.sub(lambda m: _hide_digits(m.group(0)), text)


class ContextFilter(logging.Filter):
    """Adds `request_id`: the HTTP request's id, else the RQ job's, else "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = get_current_job()
        record.request_id = request_id.get() or (job.id if job else NO_REQUEST)
        return True


class PrivacyFilter(logging.Filter):
    """Masks personal data in the formatted message and traceback of every record.

    The message is formatted here and the arguments dropped, because an argument may be any
    object whose text holds a phone number (an exception, a dataclass).
    """

    _tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken call: logging reports it, unmasked args aside
            message = str(record.msg)
        record.msg, record.args = mask_personal(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._tracebacks.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal(record.stack_info)
        return True


class TextFormatter(logging.Formatter):
    """The readable format: a record's own line, its message's control characters escaped,
    then its traceback, if any, each line indented by CONTINUATION."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        lines = [escape_controls(self.formatMessage(record))]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for detail in (record.exc_text, record.stack_info):
            if detail:
                lines += [CONTINUATION + escape_controls(line) for line in detail.splitlines()]
        return "\n".join(lines)


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with the fields a log collector indexes; the message's control
    characters escaped as the text format escapes them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": escape_controls(record.getMessage()),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        # json.dumps escapes C0 controls but writes DEL, C1 and U+2028/2029 as themselves,
        # which some readers split lines at
        return json.dumps(entry, ensure_ascii=False).translate(_JSON_ESCAPED)


def log_config(log_format: str = "text") -> dict[str, Any]:
    """The dictConfig for `aduan serve` (given to uvicorn) and every other command."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": ContextFilter},
            "privacy": {"()": PrivacyFilter},
        },
        "formatters": {
            "text": {
                "()": TextFormatter,
                "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            },
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context", "privacy"],
            },
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            # httpx logs every Bot API call at INFO, with the bot token in the URL
            "httpx": {"level": "WARNING"},
            # Twilio's client logs each REST call at INFO; the outbox row records every send
            "twilio.http_client": {"level": "WARNING"},
            "uvicorn": {"level": "INFO"},
        },
    }


def configure_logging(log_format: str = "text") -> None:
    logging.config.dictConfig(log_config(log_format))
