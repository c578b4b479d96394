"""Photos on the web form: sent as a browser sends them (multipart), checked as chat media,
stored once as the case's attachments."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from tests.helpers import POTHOLE, RUBBISH, png_bytes
from tests.website.test_web_form import form_token


def rows(settings: Settings, sql: str) -> list[tuple]:
    with get_engine(settings.database_url).connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def stored_files(settings: Settings) -> list[Path]:
    return [path for path in settings.media_dir.rglob("*") if path.is_file()]


def send(client: TestClient, files: list[tuple[str, tuple[str, bytes, str]]], **fields: str):
    data = {"text": POTHOLE, "lang": "id", "form_token": form_token(client.get("/").text)}
    return client.post("/complaints", data={**data, **fields}, files=files, follow_redirects=False)


def test_photos_sent_with_the_form_are_the_cases_attachments(
    client: TestClient, settings: Settings
) -> None:
    """Two photos of a form become two attachments of its case, typed by their bytes (a PNG
    named .jpg is a PNG), with their names; an empty file input adds nothing."""
    files = [
        ("photos", ("lubang.jpg", png_bytes(), "image/jpeg")),
        ("photos", ("dekat.png", png_bytes(8, 6), "image/png")),
    ]
    response = send(client, files)
    assert response.status_code == 303
    attachments = rows(
        settings, "SELECT content_type, filename, size FROM attachments ORDER BY filename"
    )
    assert attachments == [
        ("image/png", "dekat.png", len(png_bytes(8, 6))),
        ("image/png", "lubang.jpg", len(png_bytes())),
    ]
    assert len(stored_files(settings)) == 2

    # a file input left empty, as Chromium sends it: a part with an empty file name
    body = (
        b'--B\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
        + RUBBISH.encode()
        + b'\r\n--B\r\nContent-Disposition: form-data; name="photos"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\r\n--B--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=B"}
    empty = client.post("/complaints", content=body, headers=headers, follow_redirects=False)
    assert empty.status_code == 303
    assert rows(settings, "SELECT count(*) FROM cases") == [(2,)]
    assert rows(settings, "SELECT count(*) FROM attachments") == [(2,)]


def test_a_bad_photo_is_named_and_nothing_is_stored(client: TestClient, settings: Settings) -> None:
    """A file that is no photo, and one that is empty, come back named with their reasons, in
    the page's language; the rest of the form is kept; no case and no file is stored."""
    files = [
        ("photos", ("bagus.png", png_bytes(), "image/png")),
        ("photos", ("virus.jpg", b"MZ\x90\x00 this is no photo at all", "image/jpeg")),
        ("photos", ("kosong.jpg", b"", "image/jpeg")),
    ]
    response = send(client, files, address="Jl. Pemuda 1")
    assert response.status_code == 422
    assert "Foto virus.jpg: jenis berkas ini tidak kami terima" in response.text
    assert "Foto kosong.jpg: berkasnya kosong" in response.text
    assert "bagus.png" not in response.text
    assert "Pilih lagi foto yang ingin dikirim" in response.text
    assert POTHOLE in response.text and "Jl. Pemuda 1" in response.text
    assert rows(settings, "SELECT count(*) FROM cases") == [(0,)]
    assert stored_files(settings) == []

    pdf = [("photos", ("surat.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"))]
    english = send(client, pdf, lang="en")
    assert english.status_code == 422
    assert "Photo surat.pdf: not a photo; send an image file" in english.text


def test_a_photo_over_the_size_limit_is_refused(client: TestClient, settings: Settings) -> None:
    """MEDIA_MAX_BYTES holds for each photo of the form as for chat media."""
    client.app.state.settings = settings.model_copy(update={"media_max_bytes": 1024 * 1024})
    large = png_bytes() + os.urandom(1024 * 1024)  # a PNG still, by its first bytes
    response = send(client, [("photos", ("besar.png", large, "image/png"))])
    assert response.status_code == 422
    assert "Foto besar.png: lebih besar dari batas 1 MB" in response.text
    assert rows(settings, "SELECT count(*) FROM cases") == [(0,)]
    assert stored_files(settings) == []


def test_too_many_photos_are_refused(client: TestClient, settings: Settings) -> None:
    """More photos than one WhatsApp message may carry (10) are refused before any is read."""
    files = [("photos", (f"f{n}.png", png_bytes(), "image/png")) for n in range(11)]
    response = send(client, files)
    assert response.status_code == 422
    assert "Foto: paling banyak 10 foto untuk satu aduan" in response.text
    assert stored_files(settings) == []


def test_a_double_submit_with_photos_stores_them_once(
    client: TestClient, settings: Settings
) -> None:
    """The same form sent twice (same token) files one case whose photos are stored once."""
    token = form_token(client.get("/").text)
    data = {"text": POTHOLE, "form_token": token}
    files = [("photos", ("lubang.png", png_bytes(), "image/png"))]
    first = client.post("/complaints", data=data, files=files, follow_redirects=False)
    second = client.post("/complaints", data=data, files=files, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert rows(settings, "SELECT count(*) FROM cases") == [(1,)]
    assert rows(settings, "SELECT count(*) FROM attachments") == [(1,)]
    assert len(stored_files(settings)) == 1
