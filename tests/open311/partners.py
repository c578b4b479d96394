"""Partners' keys and posts as the Open311 tests make them: keys through the service, posts
form-encoded field by field in the order FixMyStreet's perllib/Open311.pm builds them."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import select

from core.db import get_engine, session_scope
from core.settings import Settings
from intake.models import PartnerKey
from intake.partner_keys import create_key, revoke_key

PARTNER = "FixMyStreet Semarang"
DESCRIPTION = (
    "Lampu jalan mati\n\nLampu PJU di depan SD Negeri 3 mati sejak seminggu, gelap sekali.\n\n"
    "https://fixmystreet.example.org/report/4821\n"
)
EMAIL = "siti.rahayu@example.com"
PHOTO = "https://fixmystreet.example.org/photo/4821.0.full.jpeg"
Fields = list[tuple[str, str]]


def make_key(settings: Settings, name: str = PARTNER, services: list[str] | None = None) -> str:
    """A new key's secret, committed."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        made = create_key(session, settings, name=name, services=services, created_by="test")
        return made.secret


def revoke(settings: Settings, name: str = PARTNER) -> None:
    """Revoke the key named `name`, committed."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        row = session.exec(select(PartnerKey).where(PartnerKey.name == name)).one()
        revoke_key(session, row.id, revoked_by="test")


def _changed(fields: Fields, changes: dict[str, str | None]) -> Fields:
    """`fields` with each of `changes` replacing its field (None: leaving it out), new ones
    at the end."""
    kept = [(name, value) for name, value in fields if name not in changes]
    return kept + [(name, value) for name, value in changes.items() if value is not None]


def fms_request(api_key: str | None, **changes: str | None) -> Fields:
    """Open311::send_service_request's fields in its order (jurisdiction_id and api_key first,
    as _request adds them); `changes` as `_changed` applies them."""
    fields = [
        ("jurisdiction_id", "semarang"),
        ("api_key", api_key or ""),
        ("description", DESCRIPTION),
        ("service_code", "street_light"),
        ("first_name", "Siti"),
        ("last_name", "Rahayu"),
        ("phone", "0812-3456-7890"),
        ("email", EMAIL),
        ("lat", "-6.966667"),
        ("long", "110.416664"),
        ("media_url", PHOTO),
        ("attribute[fixmystreet_id]", "4821"),
        ("attribute[road_closed]", "no"),
    ]
    return _changed(fields, {"api_key": None} | changes if api_key is None else changes)


def fms_update(api_key: str | None, code: str, **changes: str | None) -> Fields:
    """Open311::post_service_request_update's fields in its order, as `fms_request`."""
    fields = [
        ("jurisdiction_id", "semarang"),
        ("api_key", api_key or ""),
        ("updated_datetime", "2026-12-05T10:15:00+07:00"),
        ("service_request_id", code),
        ("status", "OPEN"),
        ("description", "Sudah dua malam masih gelap, mohon segera."),
        ("last_name", "Rahayu"),
        ("first_name", "Siti"),
        ("email", EMAIL),
        ("update_id", "9001"),
        ("media_url", "https://fixmystreet.example.org/photo/c/77.0.full.jpeg"),
    ]
    return _changed(fields, {"api_key": None} | changes if api_key is None else changes)


def post(client: TestClient, path: str, fields: Fields) -> Response:
    """`fields` form-encoded, as LWP's `POST $uri, $params` sends them."""
    return client.post(
        path,
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
