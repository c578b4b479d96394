"""The public pages' forms with what no browser sends: the complaint form comes back (422) with
the reason in the page's language and the input kept; the status and rating pages answer
4xx; nothing is stored, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cases.citizen import rate_url
from core.db import get_engine
from core.settings import Settings
from tests.helpers import create_staff, file_complaint, login

BAD_TOKEN = "Formulir ini sudah kedaluwarsa atau tidak sah, jadi tidak ada yang diubah."
# raw form bodies (as urlencoded bytes), each with the reason the Indonesian page gives
MALFORMED: dict[str, tuple[bytes, str]] = {
    "text with NUL": (
        b"text=jalan+rusak+%00+parah+sekali&notify_via=none",
        "Isi aduan: berisi karakter yang tidak bisa disimpan; hapus karakter itu",
    ),
    "name with NUL": (
        b"text=jalan+rusak+parah+sekali&name=Si%00ti&notify_via=none",
        "Nama: berisi karakter yang tidak bisa disimpan; hapus karakter itu",
    ),
    "address with NUL": (
        b"text=jalan+rusak+parah+sekali&address=Jl.+Pemuda%00&notify_via=none",
        "Alamat: berisi karakter yang tidak bisa disimpan; hapus karakter itu",
    ),
    "phone with NUL": (
        b"text=jalan+rusak+parah+sekali&phone=0812%003456789&notify_via=sms",
        "Nomor HP: berisi karakter yang tidak bisa disimpan; hapus karakter itu",
    ),
    "lat infinite": (
        b"text=jalan+rusak+parah+sekali&lat=inf&lon=1&notify_via=none",
        "Lokasi: lokasi tidak valid",
    ),
    "lat and lon NaN": (
        b"text=jalan+rusak+parah+sekali&lat=nan&lon=nan&notify_via=none",
        "Lokasi: lokasi tidak valid",
    ),
    "lat of 5,000 digits": (
        b"text=jalan+rusak+parah+sekali&lat=1" + b"0" * 5000 + b"&lon=1&notify_via=none",
        "Lokasi: lokasi tidak valid",
    ),
    "form token with NUL": (
        b"text=jalan+rusak+parah+sekali&notify_via=none&form_token=abc%00",
        BAD_TOKEN,
    ),
    "form token with a newline": (
        b"text=jalan+rusak+parah+sekali&notify_via=none&form_token=abc%0Adef",
        BAD_TOKEN,
    ),
}


def count_cases(settings: Settings) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()


def post_form(client: TestClient, body: bytes):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return client.post("/complaints", content=body, headers=headers, follow_redirects=False)


def test_malformed_form_fields_come_back_with_the_reason(
    client: TestClient, settings: Settings
) -> None:
    """Each malformed post: the form again (422) with the field and reason in Indonesian, the
    typed words kept, no leak of a Python value; nothing stored."""
    for name, (body, reason) in MALFORMED.items():
        page = post_form(client, body)
        assert page.status_code == 422, name
        assert page.headers["content-type"].startswith("text/html"), name
        assert reason in page.text, name
        assert "jalan rusak" in page.text, name
        for leak in ("<bound method", "None", "text_unstorable", "Traceback"):
            assert leak not in page.text, (name, leak)
        assert count_cases(settings) == 0, name


def test_the_english_form_gives_the_reason_in_english(client: TestClient) -> None:
    """The same refusal on the English page is in English."""
    page = post_form(client, b"text=jalan+rusak+%00+parah+sekali&lang=en")
    assert page.status_code == 422
    assert "Complaint: holds a character that cannot be stored; remove it" in page.text
    token = post_form(client, b"text=jalan+rusak+parah+sekali&lang=en&form_token=%01")
    assert "This form has expired or is not valid, so nothing was changed." in token.text


def test_bytes_of_a_lone_surrogate_are_read_as_replacement_characters(
    client: TestClient, settings: Settings
) -> None:
    """A browser cannot send a lone surrogate; the bytes of one (%ED%A0%80) are no UTF-8 and
    the form reads them as U+FFFD, filed like any other character: no 500."""
    filed = post_form(client, b"text=jalan+rusak+%ED%A0%80+parah+sekali&notify_via=none")
    assert filed.status_code == 303
    with get_engine(settings.database_url).connect() as connection:
        [text] = connection.execute(sa.text("SELECT text FROM cases")).scalars()
    assert text == "jalan rusak \ufffd\ufffd\ufffd parah sekali"


def test_the_status_and_rating_pages_refuse_nasty_codes_and_tokens(
    client: TestClient, settings: Settings
) -> None:
    """Codes and tokens with NUL, a surrogate's bytes or 5,000 characters: a 4xx page, no
    rating stored, the case untouched."""
    create_staff(settings, "dpu", "officer", "DPU")
    code = file_complaint(client, email="warga@example.com", notify_via="email")["tracking_code"]
    resolved = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "resolved", "note": "Lubang sudah ditambal"},
        headers=login(client, "dpu"),
    )
    assert resolved.status_code == 200
    token = rate_url(settings, code).split("t=", 1)[1]
    for nasty in ("%00", "%ED%A0%80", "A" * 5000, "ABCD-EFG%00"):
        assert client.get(f"/track/{nasty}").status_code == 404, nasty
        assert client.get(f"/track/{nasty}/rate", params={"t": token}).status_code == 403
        rated = client.post(f"/track/{nasty}/rate", data={"t": token, "rating": "5"})
        assert rated.status_code == 403, nasty
    for bad_token in ("\x00", token + "\x00", "x" * 200):
        rated = client.post(f"/track/{code}/rate", data={"t": bad_token, "rating": "5"})
        assert rated.status_code == 403, bad_token
    for bad_rating in ("\x00", "6", "-1", "5\x00"):
        rated = client.post(f"/track/{code}/rate", data={"t": token, "rating": bad_rating})
        assert rated.status_code == 422, bad_rating
        assert "Pilih nilai 1 sampai 5." in rated.text
    with get_engine(settings.database_url).connect() as connection:
        status, rating = connection.execute(
            sa.text("SELECT status, rating FROM cases WHERE tracking_code = :code"), {"code": code}
        ).one()
    assert (status, rating) == ("resolved", None)
