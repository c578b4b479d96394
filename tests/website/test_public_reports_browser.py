"""The public reports map and list in a real Chromium: zoomed out, the public cases counted per
cell as circles (never a Rahasia one), a click on one zooming to street level where the case
is a marker; rows for the public cases, a link through to a case's public page, and a case an
officer hides gone from the map, the list and the feed; nothing refused by the CSP, nothing
leaking into the page (SQLite only, skipped without Chromium)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from aduan.app import create_app
from core.settings import Settings
from tests.browser import (
    DESKTOP,
    PHONE,
    csp_refusals,
    needs_chromium,
    shot,
    sign_in,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.helpers import POTHOLE, create_staff, file_complaint, login

pytestmark = needs_chromium

# two places about 3 km apart in Semarang: separate markers at the map's fitted zoom
PLACES = ({"lat": -6.9825, "lon": 110.4093}, {"lat": -6.9600, "lon": 110.4300})


def _public_cases(settings: Settings) -> list[str]:
    """Two complaints an officer has taken up (so public under the default policy), and a
    Rahasia one taken up as well, which must show nowhere."""
    create_staff(settings, "dpu", "officer", "DPU")
    codes = []
    with TestClient(create_app(settings)) as client:
        headers = login(client, "dpu")
        for number, place in enumerate((*PLACES, PLACES[0])):
            text = f"{POTHOLE}, hubungi 0812-3456-7890 ({number})"
            secret = number == len(PLACES)
            filed = file_complaint(client, text=text, confidential=secret, **place)
            code = filed["tracking_code"]
            moved = client.post(
                f"/api/v1/cases/{code}/transitions", json={"status": "in_progress"}, headers=headers
            )
            assert moved.status_code == 200, moved.text
            codes.append(code)
    return codes


LEAKS = ("<bound method", "None", "undefined", "NaN", "in_progress", "__COUNT__")


def _no_leaks(page: Page) -> None:
    shown = page.locator("body").inner_text() + page.locator("#reports-map").inner_html()
    for leak in LEAKS:
        assert leak not in shown, leak


def _clusters(page: Page, count: int) -> list:
    """The map's circles once it shows `count` cases counted per cell, north first."""
    page.wait_for_selector(f"#reports-map[data-shown='clusters'][data-count='{count}']")
    circles = page.locator(".map-cluster").all()
    return sorted(circles, key=lambda circle: circle.bounding_box()["y"])


def test_reports_map_list_case_page_and_a_hidden_case(
    browser: Browser, live_server: str, settings: Settings
) -> None:
    """/laporan shows both cases as markers and rows; a row opens the case page with its pin;
    once hidden in the console, the case is gone from the map, the list and the feed."""
    kept, hidden, secret = _public_cases(settings)
    page = browser.new_page(viewport=DESKTOP)
    refused = csp_refusals(page)
    page.goto(f"{live_server}/laporan")
    # the city at zoom 12: the two places, 3 km apart, are a circle each; the Rahasia case
    # beside the first place counts in neither
    north, south = _clusters(page, 2)
    assert north.inner_text() == south.inner_text() == "1"
    assert north.get_attribute("title") == "1 laporan di sini; klik untuk memperbesar"
    assert page.locator(".leaflet-marker-icon[title]").count() == 2  # the circles only
    assert secret not in page.content()
    for code in (kept, hidden):
        assert page.locator("#report-list").get_by_role("link", name=code).is_visible()
    assert "0812" not in page.content()
    _no_leaks(page)
    shot(page, "public-reports")
    north.click()  # the second place lies north of the first: street level there
    page.wait_for_selector("#reports-map[data-shown='markers'][data-count='1'][data-zoom='16']")
    assert page.locator(".map-cluster").count() == 0
    assert page.locator(f'.leaflet-marker-icon[title="{kept}"]').count() == 0
    _no_leaks(page)
    shot(page, "public-reports-street")
    page.locator(f'.leaflet-marker-icon[title="{hidden}"]').click()
    assert page.locator(".leaflet-popup").get_by_role("link", name=hidden).is_visible()
    page.locator("#report-list").get_by_role("link", name=hidden).click()
    page.wait_for_url(f"{live_server}/track/{hidden}*")
    assert page.locator("#case-text").text_content().endswith("[nomor disembunyikan] (1)")
    page.wait_for_selector("#case-map .leaflet-marker-icon")
    shot(page, "public-case")

    console = browser.new_page(viewport=DESKTOP)
    sign_in(console, live_server, "dpu")
    console.goto(f"{live_server}/console/cases/{hidden}")
    console.get_by_role("button", name="Menyebut atau menuduh seseorang").click()
    console.wait_for_url(f"{live_server}/console/cases/{hidden}")
    assert "Aduan disembunyikan dari publik." in console.content()
    assert console.get_by_role("button", name="Tampilkan lagi untuk publik").is_visible()
    shot(console, "console-case-hidden")
    console.close()

    page.goto(f"{live_server}/laporan")
    [alone] = _clusters(page, 1)
    alone.click()
    page.wait_for_selector(f".leaflet-marker-icon[title='{kept}']")
    assert page.locator(f'.leaflet-marker-icon[title="{hidden}"]').count() == 0
    assert page.locator("#report-list").get_by_role("link", name=hidden).count() == 0
    feed = page.request.get(f"{live_server}/laporan/feed.atom").text()
    assert kept in feed and hidden not in feed
    page.goto(f"{live_server}/track/{hidden}")
    assert page.locator("#not-public").is_visible() and page.locator("#case-map").count() == 0
    assert refused == []
    page.close()


def test_reports_page_on_a_phone_in_english(
    browser: Browser, live_server: str, settings: Settings
) -> None:
    """On a phone the list and the map stack in one column, worded in English at /reports."""
    first, _, _ = _public_cases(settings)
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server}/reports")
    north, _ = _clusters(page, 2)
    assert north.get_attribute("title") == "1 report here; click to zoom in"
    _no_leaks(page)
    north.click()
    page.wait_for_selector("#reports-map[data-shown='markers'][data-count='1']")
    page.locator(".leaflet-marker-icon[alt]").click()
    assert page.locator(".leaflet-popup").get_by_role("link", name="Open the report").is_visible()
    _no_leaks(page)
    assert page.get_by_role("heading", name="Public reports").is_visible()
    assert page.get_by_label("Agency").is_visible()
    row = page.locator("#report-list").get_by_role("link", name=first)
    box, map_box = row.bounding_box(), page.locator("#reports-map").bounding_box()
    assert map_box["width"] <= PHONE["width"] and box["y"] > map_box["y"] + map_box["height"]
    shot(page, "public-reports-phone")
    page.close()
