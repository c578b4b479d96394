"""The dashboard in a real headless Chromium, on a desk and on a phone, with screenshots.

SQLite only, like every browser test; the screenshots land in test-artifacts/console/.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser

from core.settings import Settings
from tests.browser import (
    DESKTOP,
    PHONE,
    needs_chromium,
    shot,
    sign_in,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.console.test_dashboard_http import DPU_PAGE, build_scenario
from tests.helpers import create_staff

pytestmark = needs_chromium


def test_supervisor_filters_the_dashboard(
    live_server: str, browser: Browser, settings: Settings
) -> None:
    """Menu link, date filter and agency pick, both charts drawn, the table readable on a phone."""
    base = live_server
    days = build_scenario(settings)
    create_staff(settings, "kepala", "supervisor")

    desk = browser.new_context(viewport=DESKTOP)
    page = desk.new_page()
    sign_in(page, base, "kepala")
    page.get_by_role("link", name="Dasbor", exact=True).click()
    page.wait_for_url(f"{base}/console/dashboard")
    assert page.get_by_role("heading", name="Dasbor kinerja dinas").is_visible()

    page.get_by_label("Dari tanggal").fill(days.days_ago(13))
    page.get_by_label("Sampai tanggal").fill(days.days_ago(0))
    page.get_by_label("Dinas di grafik mingguan").select_option("DLH")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url(f"{base}/console/dashboard?from=*")
    assert page.get_by_label("Dari tanggal").input_value() == days.days_ago(13)

    dpu = page.locator('#agency-stats tr[data-agency="DPU"]')
    for stat in ("late", "compliance", "misrouting"):
        assert dpu.locator(f'td[data-stat="{stat}"]').inner_text() == DPU_PAGE[stat]
    charts = page.get_by_role("img")
    assert charts.count() == 2
    weekly = page.get_by_role("img", name="Aduan masuk dan selesai per minggu: Dinas Lingkungan")
    assert weekly.is_visible()
    assert weekly.locator("rect.bar.series-0").count() >= 1  # DLH's filed cases have bars
    assert page.get_by_role("img", name="Waktu sampai selesai per dinas").is_visible()
    assert page.locator("#chart-hours rect.bar.series-1").count() == 1  # only DPU resolved any
    shot(page, "dashboard")
    desk.close()

    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = phone.new_page()
    sign_in(page, base, "kepala")
    page.goto(f"{base}/console/dashboard?from={days.days_ago(13)}&lang=en")
    assert page.get_by_role("heading", name="Agency performance dashboard").is_visible()
    # the page itself never scrolls sideways: the wide table does, inside its box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(
        "(() => { const box = document.querySelector('#agency-stats').parentElement;"
        " return box.scrollWidth > box.clientWidth; })()"
    )
    width = page.locator("#chart-weekly").bounding_box()["width"]
    assert 0 < width <= PHONE["width"]
    shot(page, "dashboard-phone")
    phone.close()


LAPTOP = {"width": 1366, "height": 768}


def test_dashboard_fits_a_laptop_screen(
    live_server: str, browser: Browser, settings: Settings
) -> None:
    """At 1366x768 nothing is cut off: the page does not scroll sideways, the agency table
    ends inside the viewport, and the weeks are named by the day they start."""
    days = build_scenario(settings)
    create_staff(settings, "kepala", "supervisor")
    laptop = browser.new_context(viewport=LAPTOP)
    page = laptop.new_page()
    sign_in(page, live_server, "kepala")
    page.goto(f"{live_server}/console/dashboard?from={days.days_ago(13)}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("#agency-stats").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"]
    scroller = page.locator("#agency-stats").locator("xpath=..")
    assert scroller.evaluate("box => box.scrollWidth <= box.clientWidth")
    shot(page, "dashboard-1366")
    labels = page.locator("#chart-weekly text.label").all_text_contents()
    assert labels and all(re.fullmatch(r"\d{1,2} \w{3}", label) for label in labels), labels
    laptop.close()
