"""The `georeport` package from PyPI, as a partner would use it, against the app on a real
uvicorn: it lists the services, reads a service definition, fetches one request and pages
through the requests by time window, in JSON and in XML."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from georeport import GeoReport

from core.db import utcnow
from core.settings import Settings, get_settings
from tests.browser import sqlite_only  # noqa: F401 - one backend is enough for a live server
from tests.helpers import RUBBISH, create_staff, sql

PRIVATE = "Jalan berlubang di Jl. Pemuda, hubungi 0812-3456-7890"
FORMATS = ("json", "xml")


@pytest.fixture
def settings(environment: dict[str, str]) -> Settings:
    """Every case public at filing, so that the client reads what the test files."""
    return get_settings().model_copy(update={"publish_policy": "immediate"})


def _listed(found: Any) -> list[dict[str, Any]]:
    """xmltodict gives one element as a dict and several as a list: always a list."""
    return [found] if isinstance(found, dict) else list(found)


def _file(base: str, text: str, **fields: Any) -> str:
    response = httpx.post(f"{base}/api/v1/complaints", json={"text": text, **fields})
    assert response.status_code == 201, response.text
    return response.json()["tracking_code"]


@pytest.mark.parametrize("output_format", FORMATS)
def test_the_georeport_client_reads_services_and_definitions(
    live_server: str, output_format: str
) -> None:
    """The client lists the catalogue's services and reads road_damage's questions."""
    client = GeoReport(f"{live_server}/open311/v2", output_format=output_format)
    services = {s["service_code"]: s for s in client.get_service_list()}
    assert services["road_damage"]["service_name"] == "Jalan rusak / berlubang"
    assert services["road_damage"]["group"] == "Dinas Pekerjaan Umum"
    assert str(services["road_damage"]["metadata"]).lower() == "true"
    definition = client.get_service_definition("road_damage")
    assert definition["service_code"] == "road_damage"
    attributes = definition["attributes"]
    if output_format == "xml":  # <attributes><attribute>...</attribute>...</attributes>
        attributes = _listed(attributes["attribute"])
    assert [a["code"] for a in attributes] == ["road_closed", "hole_width_cm"]
    values = attributes[0]["values"]
    if output_format == "xml":
        values = _listed(values["value"])
    assert [v["key"] for v in values] == ["yes", "partly", "no"]


@pytest.mark.parametrize("output_format", FORMATS)
def test_the_georeport_client_fetches_a_request_and_pages_by_window(
    live_server: str, settings: Settings, output_format: str
) -> None:
    """One request by its tracking code, redacted; then every request of the last four days,
    one day's window at a time, newest day first, each exactly once; a Rahasia case never."""
    create_staff(settings, "dpu", "officer", "DPU")
    today = _file(live_server, PRIVATE, lat=-6.9825, lon=110.4093)
    yesterday = _file(live_server, RUBBISH)
    three_days_ago = _file(live_server, "Lampu jalan mati di gang Melati sejak minggu lalu")
    secret = _file(live_server, PRIVATE, confidential=True)
    now = utcnow()
    for code, days in ((yesterday, 1), (three_days_ago, 3), (secret, 1)):
        sql(
            settings,
            "UPDATE cases SET created_at = :at WHERE tracking_code = :code",
            at=now - timedelta(days=days, hours=1),
            code=code,
        )
    client = GeoReport(f"{live_server}/open311/v2", output_format=output_format)
    one = client.get_service_request(today)
    assert one["service_request_id"] == today
    assert one["status"] == "open" and one["service_code"] == "road_damage"
    assert one["description"] == "Jalan berlubang di Jl. Pemuda, hubungi [nomor disembunyikan]"
    seen: list[str] = []
    for day in range(4):
        end = now - timedelta(days=day)
        start = end - timedelta(days=1)
        if output_format == "xml" and day == 2:
            continue  # an empty <service_requests/>: this client cannot read one in XML
        found = client.get_service_requests(start_date=start.isoformat(), end_date=end.isoformat())
        seen += [r["service_request_id"] for r in _listed(found)]
    # the Rahasia case, filed in yesterday's window, is in none
    assert seen == [today, yesterday, three_days_ago]
