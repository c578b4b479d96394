"""The public web form and status page, as a browser uses them."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from tests.helpers import POTHOLE


def form_token(page: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', page)
    assert match, "form has no token"
    return match.group(1)


def test_form_is_indonesian_by_default_and_english_on_request(client: TestClient) -> None:
    """The form speaks Bahasa Indonesia, with a switch to English."""
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="id">' in page.text
    assert "Kirim aduan" in page.text
    assert 'href="/?lang=en"' in page.text
    english = client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in english.text and "Send complaint" in english.text


def test_every_input_has_a_label(client: TestClient) -> None:
    """Each visible field is labelled, for screen readers."""
    page = client.get("/").text
    fields = re.findall(r"<(?:input|textarea)\b[^>]*>", page)
    visible = [f for f in fields if 'type="hidden"' not in f and 'type="radio"' not in f]
    ids = [re.search(r'\sid="([^"]+)"', f).group(1) for f in visible]
    assert {"text", "address", "name", "phone", "email", "code"} <= set(ids)
    for field_id in ids:
        assert f'for="{field_id}"' in page, field_id


def test_submitting_the_form_shows_the_tracking_code(client: TestClient) -> None:
    """A filed complaint redirects to its status page, which shows the code and the agency."""
    token = form_token(client.get("/").text)
    response = client.post(
        "/complaints",
        data={"text": POTHOLE, "notify_via": "none", "lang": "id", "form_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    code = re.search(r"/track/([0-9A-Z]{4}-[0-9A-Z]{4})", location).group(1)
    page = client.get(location)
    assert page.status_code == 200
    assert code in page.text
    assert "Aduan Anda sudah kami terima" in page.text
    assert "Dinas Pekerjaan Umum" in page.text
    assert re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d WIB", page.text)  # the city's own time


def test_the_status_page_names_the_status_in_both_languages(client: TestClient) -> None:
    """The status row shows its label and the case's status in words, never a Python repr."""
    token = form_token(client.get("/").text)
    location = client.post(
        "/complaints",
        data={"text": POTHOLE, "notify_via": "none", "lang": "id", "form_token": token},
        follow_redirects=False,
    ).headers["location"]
    for lang, label, status in (
        ("id", "Status", "diteruskan ke dinas"),
        ("en", "Status", "assigned to an agency"),
    ):
        page = client.get(location.split("?")[0], params={"lang": lang}).text
        assert "<bound method" not in page
        assert f"<dt>{label}</dt><dd><strong>{status}</strong></dd>" in page


def test_double_submit_files_one_complaint(client: TestClient, settings: Settings) -> None:
    """Pressing send twice with the same form files one case."""
    token = form_token(client.get("/").text)
    data = {"text": POTHOLE, "notify_via": "none", "form_token": token}
    first = client.post("/complaints", data=data, follow_redirects=False)
    second = client.post("/complaints", data=data, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    with get_engine(settings.database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 1


def test_form_errors_are_shown_and_input_kept(client: TestClient, settings: Settings) -> None:
    """A form with problems comes back with the reasons and what the resident typed."""
    response = client.post(
        "/complaints",
        data={"text": "ok", "notify_via": "sms", "phone": "", "address": "Jl. Pemuda 1"},
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "Isi aduan: tuliskan masalahnya minimal 3 karakter" in response.text
    assert "Jl. Pemuda 1" in response.text
    no_phone = client.post("/complaints", data={"text": POTHOLE, "notify_via": "sms"})
    assert no_phone.status_code == 422
    # the channel in words, not its code ("sms")
    assert "isi nomor HP agar kami bisa mengabari lewat SMS" in no_phone.text
    with get_engine(settings.database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 0


def test_status_page_for_unknown_code_is_404(client: TestClient) -> None:
    """An unknown code gets a friendly page with a 404 status."""
    page = client.get("/track/ZZZZ-ZZZZ")
    assert page.status_code == 404
    assert "Kode tidak ditemukan" in page.text


def test_track_lookup_form_redirects_to_the_status_page(client: TestClient) -> None:
    """The lookup box on the form leads to /track/{code}."""
    response = client.get(
        "/track", params={"code": "abcd-1234", "lang": "en"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/track/abcd-1234?lang=en"


def test_healthz_answers_when_the_database_does(client: TestClient) -> None:
    """/healthz is 200 with a working database."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


def test_openapi_docs_are_served(client: TestClient) -> None:
    """The API is documented at /docs with its schema."""
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/complaints" in paths and "/api/v1/cases/{code}/forward" in paths


def test_form_errors_follow_the_page_language(client: TestClient) -> None:
    """On the English form the reasons are in English."""
    response = client.post(
        "/complaints", data={"text": "Pothole on my street", "email": "nope", "lang": "en"}
    )
    assert response.status_code == 422
    assert "E-mail: this e-mail address is not valid" in response.text


def test_healthz_is_503_when_the_database_is_down(settings: Settings) -> None:
    """With the database unreachable the app still starts and /healthz says so."""
    from aduan.app import create_app

    down = settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    with TestClient(create_app(down)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
