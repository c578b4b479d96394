"""Whose service the public pages are (city, logo, hotline, privacy notice), the HTML 404 for
browsers, and rating a resolved case from the browser that filed it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.settings import Settings
from tests.helpers import POTHOLE, create_staff, login, png_bytes
from tests.website.test_web_form import form_token

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
# what a page must never show: Python's reprs, unset values, raw codes of enums
LEAKS = ("<bound method", "None", "CaseStatus.", "{{", "}}", "{%")


def assert_clean(page: str, lang: str) -> None:
    for leak in LEAKS:
        assert leak not in page, leak
    if lang == "id":  # the English words of these pages, none on an Indonesian page
        for english in ("Privacy notice", "Page not found", "Send complaint", "Photos", "Map:"):
            assert english not in page, english


@pytest.fixture
def city(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The app as a city sets it up: its name, logo and hotline."""
    logo = tmp_path / "lambang.png"
    logo.write_bytes(png_bytes(16, 16))
    changes = {"city_name": "Kota Semarang", "city_logo": logo, "city_hotline": "(024) 112"}
    with TestClient(create_app(settings.model_copy(update=changes))) as test_client:
        yield test_client


def test_every_public_page_says_whose_service_it_is(city: TestClient) -> None:
    """The form, a status page and the privacy notice show the city's name, logo (also the
    icon) and hotline, and link the privacy notice, in both languages; the console names the
    city."""
    code = city.post("/api/v1/complaints", json={"text": POTHOLE}).json()["tracking_code"]
    for lang in ("id", "en"):
        for path in ("/", f"/track/{code}", "/privasi", "/laporan", "/statistik"):
            page = city.get(path, params={"lang": lang})
            assert page.status_code == 200
            brand = '<img src="/logo" alt="" width="32" height="32"> <span lang="id">'
            assert f"{brand}Kota Semarang</span>" in page.text
            assert '<link rel="icon" href="/logo">' in page.text
            assert '<a href="tel:(024)112">(024) 112</a>' in page.text
            assert f'href="/privasi?lang={lang}"' in page.text
            assert_clean(page.text, lang)
    logo = city.get("/logo")
    assert (logo.status_code, logo.headers["content-type"]) == (200, "image/png")
    assert logo.content == png_bytes(16, 16)
    assert "default-src 'none'" in logo.headers["content-security-policy"]
    assert city.get("/favicon.ico").content == png_bytes(16, 16)
    console = city.get("/console/login").text  # staff see whose console it is too
    assert '<span class="city" lang="id">Kota Semarang</span>' in console


def test_the_shipped_logo_and_name_serve_until_a_city_sets_its_own(client: TestClient) -> None:
    """Unset, the brand is "Aduan Warga" with the shipped SVG, and no hotline line."""
    page = client.get("/").text
    assert '<span lang="id">Aduan Warga</span></a>' in page and "tel:" not in page
    logo = client.get("/logo")
    assert logo.headers["content-type"].startswith("image/svg+xml")
    assert logo.text.startswith("<svg")


def test_the_privacy_notice_names_the_retention_in_both_languages(
    client: TestClient, settings: Settings
) -> None:
    """The notice explains Anonim and Rahasia and says how long, from the settings."""
    page = client.get("/privasi").text
    assert "<h1>Kebijakan privasi</h1>" in page
    assert "Anonim: tidak ada petugas yang melihat nama dan kontak Anda" in page
    assert f"{settings.contact_retention_days} hari sesudah aduan ditutup" in page
    assert f"dihapus {settings.media_retention_days} hari sesudah" in page
    assert_clean(page, "id")
    english = client.get("/privasi", params={"lang": "en"}).text
    assert "<h1>Privacy notice</h1>" in english
    assert "Confidential: what you write, your photos and the place" in english
    assert f"{settings.contact_retention_days} days after a complaint is closed" in english


def test_an_unknown_address_is_a_page_for_browsers_and_json_for_the_api(
    client: TestClient,
) -> None:
    """A browser gets a 404 page in the public style and its language; API clients, the API's
    own paths and the console keep their JSON."""
    page = client.get("/laporan-lama", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Halaman tidak ditemukan</h1>" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert_clean(page.text, "id")
    english = client.get("/laporan-lama", params={"lang": "en"}, headers=HTML)
    assert "<h1>Page not found</h1>" in english.text

    assert client.get("/laporan-lama").json() == {"detail": "Not Found"}
    assert client.get("/api/v1/nothing", headers=HTML).json() == {"detail": "Not Found"}
    assert client.get("/webhooks/nothing", headers=HTML).json() == {"detail": "Not Found"}
    assert client.get("/static/nothing.css", headers={"Accept": "text/css"}).status_code == 404


def resolve(client: TestClient, settings: Settings, code: str) -> None:
    create_staff(settings, "dpu", "officer", "DPU")
    body = {"status": "resolved", "note": "Lubang sudah ditambal"}
    moved = client.post(
        f"/api/v1/cases/{code}/transitions", json=body, headers=login(client, "dpu")
    )
    assert moved.status_code == 200, moved.text


def test_the_filing_browser_rates_its_resolved_case_and_no_other_can(
    settings: Settings, client: TestClient
) -> None:
    """The browser that filed on the form (no contact at all) sees the rating and "not
    fixed" forms on the status page once the case is resolved, and its rating counts;
    another browser sees the status only, and cannot rate with a made-up token."""
    app = client.app
    filer = TestClient(app, base_url="https://testserver")  # the cookies are Secure
    token = form_token(filer.get("/").text)
    filed = filer.post("/complaints", data={"text": POTHOLE, "form_token": token})
    code = re.search(r"/track/([0-9A-Z-]{9})", str(filed.url)).group(1)
    assert "Bagaimana penanganan aduan Anda?" not in filed.text  # not resolved yet
    resolve(client, settings, code)

    for lang in ("id", "en"):
        page = filer.get(f"/track/{code}", params={"lang": lang})
        assert f'action="/track/{code}/rate"' in page.text
        assert_clean(page.text, lang)
    page = filer.get(f"/track/{code}").text
    assert "Belum beres, buka kembali aduan ini" in page
    rating_token = re.search(r'name="t" value="([^"]+)"', page).group(1)
    rated = filer.post(f"/track/{code}/rate", data={"t": rating_token, "rating": "4"})
    assert rated.status_code == 200
    assert "Terima kasih atas penilaian Anda." in rated.text

    other = TestClient(app, base_url="https://testserver")
    page = other.get(f"/track/{code}").text
    assert "selesai ditangani" in page and 'name="t"' not in page
    forged = other.post(f"/track/{code}/rate", data={"t": code, "rating": "1"})
    assert forged.status_code == 403
    elsewhere = filer.get("/track/ZZZZ-ZZZZ")
    assert elsewhere.status_code == 404 and 'name="t"' not in elsewhere.text
