"""Reading the Open311 answers as a partner's system would: every XML answer validated against
the schema written from the spec (open311/schema/georeport-v2.xsd), JSON and XML compared."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import xmlschema
from fastapi.testclient import TestClient

SCHEMA = xmlschema.XMLSchema(
    Path(__file__).resolve().parents[2] / "open311" / "schema" / "georeport-v2.xsd"
)
BASE = "/open311/v2"
# what no Open311 answer may carry: Python's and the templates' leftovers
LEAKS = ("<bound method", "None", "Traceback", "PublicCase")


def valid_xml(response: httpx.Response) -> ET.Element:
    """The answer's root, after checking it is UTF-8 XML with the declaration the spec asks
    for and valid against the schema."""
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    SCHEMA.validate(response.text)
    for leak in LEAKS:
        assert leak not in response.text, leak
    return ET.fromstring(response.content)


def entries(root: ET.Element) -> list[dict[str, str | None]]:
    """The items of a list answer, each as its child elements' texts (None when empty)."""
    return [{child.tag: child.text for child in item} for item in root]


def read(client: TestClient, path: str, /, **params: Any) -> tuple[Any, ET.Element]:
    """`path` (without its suffix) in JSON and in XML, both answered 200 with a strong ETag;
    the JSON and the XML's root."""
    as_json = client.get(f"{BASE}/{path}.json", params=params)
    as_xml = client.get(f"{BASE}/{path}.xml", params=params)
    assert as_json.status_code == as_xml.status_code == 200, (as_json.text, as_xml.text)
    assert as_json.headers["content-type"] == "application/json; charset=utf-8"
    for response in (as_json, as_xml):
        assert response.headers["etag"].startswith('"')
    for leak in LEAKS:
        assert leak not in as_json.text, leak
    return as_json.json(), valid_xml(as_xml)


def refused(client: TestClient, path: str, status: int, /, **params: Any) -> str:
    """`path` refused with `status` in both formats, as the spec's errors; the description
    (the parameters may include one called `status`)."""
    as_json = client.get(f"{BASE}/{path}.json", params=params)
    as_xml = client.get(f"{BASE}/{path}.xml", params=params)
    assert as_json.status_code == as_xml.status_code == status, (as_json.text, as_xml.text)
    [error] = as_json.json()
    assert error["code"] == status and error["description"]
    root = valid_xml(as_xml)
    assert root.tag == "errors"
    assert entries(root) == [{"code": str(status), "description": error["description"]}]
    return error["description"]
