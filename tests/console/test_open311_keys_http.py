"""The console's Open311 keys page through HTTP, on SQLite and PostgreSQL: only admins, with
CSRF; a key made there is shown once and files until it is revoked there."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from core.db import get_engine, session_scope
from core.settings import Settings
from intake.models import PartnerKey
from tests.console.helpers import csrf_of, post, sign_in
from tests.helpers import create_staff, scalar
from tests.open311.partners import fms_request
from tests.open311.partners import post as post_open311
from tests.website.test_public_pages import LEAKS

PAGE = "/console/admin/open311"
REQUESTS = "/open311/v2/requests.json"
SECRET = re.compile(r'value="(o311_[^"]+)"')


def admin(web: TestClient, settings: Settings) -> str:
    """An admin signed in on `web`; the page's CSRF token."""
    create_staff(settings, "admin", "admin")
    assert sign_in(web, "admin").status_code == 303
    return csrf_of(web.get(PAGE).text)


def stored_keys(settings: Settings) -> list[PartnerKey]:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return list(session.exec(select(PartnerKey)))


def assert_clean(page: str) -> None:
    for leak in LEAKS:
        assert leak not in page, leak


def test_only_admins_see_or_change_the_keys(web: TestClient, settings: Settings) -> None:
    """Signed out: to the login form; an officer or a supervisor: 403 for the page and its
    forms; no key is made or revoked."""
    assert web.get(PAGE, follow_redirects=False).headers["location"].startswith("/console/login")
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "kepala", "supervisor")
    for username in ("dpu", "kepala"):
        assert sign_in(web, username).status_code == 303
        assert web.get(PAGE).status_code == 403
        token = csrf_of(web.get("/console/account").text)
        assert post(web, PAGE, token, name="Diam-diam").status_code == 403
        assert post(web, f"{PAGE}/1/revoke", token).status_code == 403
        web.cookies.clear()
    assert scalar(settings, "SELECT count(*) FROM open311_keys") == 0


def test_an_admin_makes_a_key_sees_it_once_and_revokes_it(
    web: TestClient, settings: Settings
) -> None:
    """201 with the key in the page; the list after it never holds it; the key files; after
    revoking (303 and a message) it is refused."""
    token = admin(web, settings)
    made = post(web, PAGE, token, name="FixMyStreet Semarang", scope="all")
    assert made.status_code == 201
    assert_clean(made.text)
    [secret] = SECRET.findall(made.text)
    assert "tidak dapat ditampilkan lagi" in made.text
    listed = web.get(PAGE).text
    assert secret not in listed
    assert "FixMyStreet Semarang" in listed and "semua layanan" in listed and "aktif" in listed
    assert post_open311(web, REQUESTS, fms_request(secret)).status_code == 200
    key_id = scalar(settings, "SELECT id FROM open311_keys")
    revoked = post(web, f"{PAGE}/{key_id}/revoke", token)
    assert (revoked.status_code, revoked.headers["location"]) == (303, PAGE)
    page = web.get(PAGE).text
    assert "Kunci FixMyStreet Semarang dicabut." in page and "dicabut " in page
    assert f"{PAGE}/{key_id}/revoke" not in page
    assert_clean(page)
    assert post_open311(web, REQUESTS, fms_request(secret)).status_code == 403


def test_a_key_for_the_ticked_services_only(web: TestClient, settings: Settings) -> None:
    """The services ticked are named in the list (in the page's language) and are all the key
    may file into."""
    token = admin(web, settings)
    made = web.post(
        PAGE,
        data={"csrf": token, "name": "Lapor", "scope": "some", "service": ["street_light"]},
    )
    assert made.status_code == 201
    [secret] = SECRET.findall(made.text)
    assert [key.services for key in stored_keys(settings)] == [["street_light"]]
    assert "Lampu penerangan jalan" in web.get(PAGE).text
    assert "Street lights" in web.get(PAGE, params={"lang": "en"}).text
    assert post_open311(web, REQUESTS, fms_request(secret)).status_code == 200
    water = fms_request(secret, service_code="water_pipe_leak")
    assert post_open311(web, REQUESTS, water).status_code == 403


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"name": "   "}, 422, "Nama mitra wajib diisi, maksimal 100 karakter."),
        ({"name": "X" * 101}, 422, "Nama mitra wajib diisi, maksimal 100 karakter."),
        ({"name": "X", "scope": "some"}, 422, "Pilih setidaknya satu layanan"),
        ({"name": "X", "scope": "some", "service": "teleport"}, 422, "Layanan teleport tidak"),
    ],
)
def test_refused_keys_say_why_and_keep_the_form(
    web: TestClient, settings: Settings, fields: dict[str, str], status: int, message: str
) -> None:
    """A blank or long name, "some" with nothing ticked, an unknown service: the reason in
    Indonesian, the form as sent, no key."""
    token = admin(web, settings)
    response = post(web, PAGE, token, **fields)
    assert response.status_code == status
    assert message in response.text
    assert_clean(response.text)
    assert scalar(settings, "SELECT count(*) FROM open311_keys") == 0


def test_forms_without_the_csrf_token_change_nothing(web: TestClient, settings: Settings) -> None:
    """No token or another one: 403 for making and for revoking."""
    token = admin(web, settings)
    assert post(web, PAGE, None, name="Tanpa token").status_code == 403
    assert post(web, PAGE, "x" * 43, name="Token lain").status_code == 403
    assert post(web, PAGE, token, name="Sah").status_code == 201
    key_id = scalar(settings, "SELECT id FROM open311_keys")
    assert post(web, f"{PAGE}/{key_id}/revoke", None).status_code == 403
    assert scalar(settings, "SELECT count(*) FROM open311_keys") == 1
    assert scalar(settings, "SELECT revoked_at FROM open311_keys") is None
    assert post(web, f"{PAGE}/999/revoke", token).status_code == 404


def test_the_english_page_speaks_english(web: TestClient, settings: Settings) -> None:
    """?lang=en: the page's own words in English, none of the Indonesian ones."""
    admin(web, settings)
    page = web.get(PAGE, params={"lang": "en"}).text
    assert "Open311 API keys" in page and "Make key" in page and "All services" in page
    for indonesian in ("Kunci mitra", "Buat kunci", "Semua layanan", "Nama mitra"):
        assert indonesian not in page
    assert_clean(page)
