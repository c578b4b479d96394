"""Open311 GeoReport v2 answers in XML or JSON, as the path's suffix (`.xml`, `.json`) asks.

The one way every Open311 route answers, so that the two formats never drift apart:

- a list answer (`services`, `service_requests`, `service_requests_updates`) is a list of dicts:
  JSON writes the list itself; XML writes `<root>` with one item element per dict, named as
  the spec names it (`ITEM_ELEMENTS`: `services/service`, `service_requests/request`, ...);
- a document answer (`service_definition`, `discovery`) is one dict: JSON writes the object;
  XML writes `<root>` with one element per key;
- inside a dict, a list is an element holding one item element per entry (`attributes/
  attribute`, `values/value`, `endpoints/endpoint`, `formats/format`), a dict an element
  holding its keys; None is an empty element in XML and null in JSON; True/False are
  `true`/`false` in both. Datetimes go in as strings written by `timestamp` (ISO 8601 with
  the city's offset), so that no answer ever carries one without its zone;
- an error is `errors/error{code,description}` in XML and `[{"code", "description"}]` in
  JSON, with the HTTP status in `code` (400, 403 or 404).

Routes raise `Open311Error` for anything the caller got wrong; a router built with
`route_class=Open311Route` turns it, and FastAPI's own validation errors, into the error
answer in the format the path asked for (XML when the suffix is neither). GET answers carry a
strong ETag over their bytes and are answered 304 when the caller already holds them.
`RESPONSES` documents these answers in the OpenAPI schema.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

Format = Literal["xml", "json"]
MEDIA_TYPES: dict[str, str] = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
# the element each list's entries take in XML, as the spec (and mySociety's extension) names it
ITEM_ELEMENTS: dict[str, str] = {
    "services": "service",
    "service_requests": "request",
    # mySociety's extension: GET servicerequestupdates answers `service_requests_updates`
    # (as FixMyStreet reads it); its POST answers `service_request_updates`
    "service_requests_updates": "request_update",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# characters XML 1.0 cannot carry at all, not even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# public answers may be stored by caches, but are checked with the server before each use
CACHE_CONTROL = "public, no-cache"

Body = list[dict[str, Any]] | dict[str, Any]


def _documented(description: str, json_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": json_schema}, "text/xml": {"schema": {}}},
    }


_ERRORS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
# the answers an Open311 route may give, for the OpenAPI schema (`responses=` of a router)
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _documented("the answer, in the format of the path's suffix", {}),
    304: {"description": "the caller's copy (If-None-Match) is still the answer"},
    400: _documented("a parameter is wrong; the error says which", _ERRORS_SCHEMA),
    403: _documented("no valid API key, or one that may not do this", _ERRORS_SCHEMA),
    404: _documented("no such service, request or format", _ERRORS_SCHEMA),
}


class Open311Error(Exception):
    """What the caller got wrong: answered with `status_code` (400, 403 or 404) and
    `description` as the spec's error element."""

    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def response_format(suffix: str) -> Format:
    """The format a path's suffix (`xml` or `json`, without the dot) asks for;
    Open311Error 404 for any other."""
    if suffix in ("xml", "json"):
        return suffix  # type: ignore[return-value]  # narrowed by the test above
    raise Open311Error(404, f"format '{suffix[:20]}' is not served; use .xml or .json")


def path_format(path: str) -> Format:
    """The format a request path ends in; XML (the spec's required format) for anything else."""
    return "json" if path.endswith(".json") else "xml"


def timestamp(value: datetime, zone: str) -> str:
    """`value` in ISO 8601 to the second, with the offset of `zone` (the city's time zone);
    a naive `value` is read as UTC."""
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def parse_timestamp(text: str, name: str) -> datetime:
    """An aware datetime from the W3C/ISO 8601 `text` a caller sent as parameter `name`
    (`2010-01-01T00:00:00Z`, with an offset, or a bare date read as UTC midnight);
    Open311Error 400 saying which parameter is wrong otherwise."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Open311Error(
            400, f"{name} must be a W3C datetime such as 2010-01-01T00:00:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return _NOT_XML.sub("", str(value))
    raise TypeError(f"an Open311 answer cannot carry {type(value).__name__}")


def _fill(element: ET.Element, value: object) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        for entry in value:
            _fill(ET.SubElement(element, ITEM_ELEMENTS[element.tag]), entry)
    else:
        element.text = _scalar(value)


def _json_default(value: object) -> object:
    raise TypeError(f"an Open311 answer cannot carry {type(value).__name__}")


def render(fmt: Format, root: str, body: Body) -> bytes:
    """The bytes of `body` as the answer `root` in `fmt` (see the module's rules)."""
    if fmt == "json":
        return json.dumps(body, ensure_ascii=False, default=_json_default).encode()
    element = ET.Element(root)
    _fill(element, body)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def _holds(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def answer(
    request: Request, fmt: Format, root: str, body: Body, *, status_code: int = 200
) -> Response:
    """`body` as the answer `root` in `fmt`; a successful GET carries an ETag and is answered
    304 without a body when the request's If-None-Match already names it."""
    content = render(fmt, root, body)
    headers: dict[str, str] = {}
    if request.method in ("GET", "HEAD") and status_code == 200:
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
        if _holds(request.headers.get("if-none-match", ""), etag):
            return Response(status_code=304, headers=headers)
    return Response(content, status_code=status_code, media_type=MEDIA_TYPES[fmt], headers=headers)


def error_answer(fmt: Format, status_code: int, description: str) -> Response:
    """The spec's error answer: one error with `status_code` as its code."""
    body = [{"code": status_code, "description": description}]
    return Response(
        render(fmt, "errors", body), status_code=status_code, media_type=MEDIA_TYPES[fmt]
    )


def _validation_description(exc: RequestValidationError) -> str:
    # never the input itself: it may hold a resident's phone number
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"][1:]) or "request"
        parts.append(f"{where}: {str(error['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)


class Open311Route(APIRoute):
    """A route that answers Open311Error, and FastAPI's validation errors (as 400), as the
    spec's error answer in the format of the request's path."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Open311Error as exc:
                return error_answer(path_format(request.url.path), exc.status_code, exc.description)
            except RequestValidationError as exc:
                description = _validation_description(exc)
                return error_answer(path_format(request.url.path), 400, description)

        return handle
