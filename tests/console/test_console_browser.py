"""The console in a real headless Chromium against a real uvicorn server, with screenshots.

Runs on SQLite only (the HTTP tests cover both databases); the screenshots land in
test-artifacts/console/ for a person to look at.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser

from core.settings import Settings, get_settings
from tests.browser import (
    DESKTOP,
    PHONE,
    needs_chromium,
    shot,
    sign_in,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.console.helpers import add_staff
from tests.helpers import POTHOLE, create_staff

VAGUE = "Mohon bantuannya pak, ini sudah lama sekali"

pytestmark = needs_chromium


def test_officer_and_supervisor_work_cases_in_a_browser(
    live_server: str, browser: Browser, settings: Settings
) -> None:
    """Sign in, queue, open a case, change its status, forward it, assign from triage."""
    base = live_server
    create_staff(settings, "officer.dpu", "officer", "DPU")
    create_staff(settings, "kepala", "supervisor")
    filed = [
        httpx.post(f"{base}/api/v1/complaints", json=body, timeout=10).json()["tracking_code"]
        for body in (
            {"text": POTHOLE, "email": "warga@example.com", "lat": -6.9932, "lon": 110.4421},
            {"text": VAGUE},
        )
    ]
    pothole, vague = filed

    # an officer on a phone
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = phone.new_page()
    page.goto(f"{base}/console")
    assert "/console/login?next=" in page.url
    shot(page, "01-login-phone")
    sign_in(page, base, "officer.dpu")
    assert page.get_by_role("heading", name="Antrean aduan").is_visible()
    assert page.get_by_role("link", name=pothole).is_visible()
    shot(page, "02-queue-phone")

    page.get_by_role("link", name=pothole).click()
    page.wait_for_url(f"{base}/console/cases/{pothole}")
    assert page.get_by_text(POTHOLE).is_visible()
    assert page.get_by_role("link", name="Buka di OpenStreetMap").is_visible()
    shot(page, "03-case-phone")

    page.get_by_label("sedang dikerjakan").check()
    page.get_by_label("Catatan untuk warga (dikirim ke warga)").fill("Tim sudah dikirim")
    page.get_by_role("button", name="Simpan status").click()
    page.wait_for_url(f"{base}/console/cases/{pothole}")
    assert page.get_by_role("status").filter(has_text="sedang dikerjakan").is_visible()
    shot(page, "04-status-changed-phone")

    page.get_by_label("Dinas tujuan", exact=True).select_option("DLH")
    page.get_by_label("Alasan (internal)").fill("Ini soal sampah di saluran")
    page.get_by_role("button", name="Alihkan", exact=True).click()
    page.wait_for_url(f"{base}/console")
    assert page.get_by_text("Aduan dialihkan ke Dinas Lingkungan Hidup").is_visible()
    shot(page, "05-forwarded-phone")
    phone.close()

    # a supervisor at a desk, in English
    desk = browser.new_context(viewport=DESKTOP)
    page = desk.new_page()
    sign_in(page, base, "kepala")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"{base}/console?lang=en")
    page.get_by_role("heading", name="Complaint queue").wait_for()  # the page, not the old one
    assert page.get_by_role("heading", name="Complaint queue").is_visible()
    shot(page, "06-queue-desktop-en")

    page.get_by_role("link", name="Triage", exact=True).click()
    page.wait_for_url(f"{base}/console/triage")
    assert page.get_by_role("link", name=vague).is_visible()
    shot(page, "07-triage-desktop")
    buttons = page.get_by_role("button", name="Assign to")
    assert buttons.count() >= 1
    buttons.first.click()
    page.wait_for_url(f"{base}/console/triage")
    assert page.get_by_text(f"{vague} assigned to").is_visible()
    assert page.get_by_text("No complaints in triage.").is_visible()
    shot(page, "08-triage-assigned-desktop")

    page.get_by_role("link", name="Queue", exact=True).click()
    page.get_by_label("Search words, code or phone number").fill(vague)
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name=vague).click()
    assert page.get_by_text("assigned from triage").is_visible()
    shot(page, "09-case-desktop-en")
    desk.close()


# tiles from the test server itself (none exist there: the map stays grey), never the internet
LOCAL_TILES = "/console/static/test-tiles/{z}/{x}/{y}.png"


@pytest.fixture
def local_tiles(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """MAP_TILE_URL as an operator sets it; asked for before `settings` so the app reads it."""
    monkeypatch.setenv("MAP_TILE_URL", LOCAL_TILES)
    get_settings.cache_clear()
    return LOCAL_TILES


def test_case_map_and_assigning_an_officer(
    local_tiles: str, live_server: str, browser: Browser, settings: Settings
) -> None:
    """The case's place on the shipped Leaflet map, then the case put on a colleague's desk."""
    base = live_server
    add_staff(settings, "budi", "officer", "DPU", "Budi Santoso")
    add_staff(settings, "ani", "officer", "DPU", "Ani Wijaya")
    body = {"text": POTHOLE, "lat": -6.9932, "lon": 110.4421, "address": "Jl. Pemuda, Semarang"}
    code = httpx.post(f"{base}/api/v1/complaints", json=body, timeout=10).json()["tracking_code"]

    desk = browser.new_context(viewport=DESKTOP)
    page = desk.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text))
    sign_in(page, base, "budi")
    page.goto(f"{base}/console/cases/{code}")
    page.wait_for_selector("#case-map.leaflet-container .leaflet-marker-icon")
    assert page.locator(".leaflet-container").count() == 1
    assert page.get_by_text("Jl. Pemuda, Semarang").is_visible()
    attribution = page.locator(".leaflet-control-attribution")
    assert "© OpenStreetMap contributors" in attribution.inner_text()
    assert page.get_by_role("button", name="Perbesar peta").is_visible()

    page.get_by_label("Petugas", exact=True).select_option("ani")
    page.get_by_role("button", name="Berikan", exact=True).click()
    page.wait_for_url(f"{base}/console/cases/{code}")
    assert page.get_by_role("status").filter(has_text="Ani Wijaya (ani)").is_visible()
    page.wait_for_selector("#case-map.leaflet-container .leaflet-marker-icon")
    page.wait_for_load_state("networkidle")
    shot(page, "case-map-assign")

    tiles = [url for url in requested if url.startswith(f"{base}/console/static/test-tiles/")]
    assert tiles, "the map asked for no tiles from MAP_TILE_URL"
    assert all(url.startswith(base) for url in requested), "something came from elsewhere"
    assert [text for text in said if "Content Security Policy" in text] == []
    desk.close()
