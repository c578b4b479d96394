"""The public form in a real Chromium under the Content-Security-Policy: its script still runs.

Uses the console browser tests' server and browser (SQLite only, skipped without Chromium).
"""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.browser import (
    csp_refusals,
    needs_chromium,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.helpers import POTHOLE

pytestmark = needs_chromium
SEMARANG = {"latitude": -6.9932, "longitude": 110.4203}


def test_the_location_button_works_and_nothing_is_refused(
    browser: Browser,
    live_server: str,
) -> None:
    """form.js shows the button and fills the location; the browser reports no CSP violation."""
    context = browser.new_context(geolocation=SEMARANG, permissions=["geolocation"])
    page = context.new_page()
    refused = csp_refusals(page)
    page.goto(f"{live_server}/")
    page.click("#locate")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert page.input_value("#lat") == "-6.993200"
    assert page.input_value("#lon") == "110.420300"
    assert page.text_content("#located") == "Lokasi terisi"

    page.fill("#text", POTHOLE)
    page.check("input[name=notify_via][value=sms]")  # without a number: the server says so
    page.click("button[type=submit]")
    page.wait_for_selector("#errors")
    assert page.evaluate("document.activeElement.id") == "errors"  # focused for screen readers
    assert refused == []
    context.close()
