"""Swagger UI in a real Chromium under the site's Content-Security-Policy: it renders the API's
operations and the browser refuses nothing (SQLite only, skipped without Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response

from core.settings import Settings, get_settings
from tests.browser import (
    needs_chromium,
    shot,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.helpers import PASSWORD, create_staff

pytestmark = needs_chromium


@pytest.fixture
def api_docs() -> str:
    """API_DOCS for the test; a test parametrizes it to try another."""
    return "public"


@pytest.fixture
def settings(
    environment: dict[str, str], api_docs: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("API_DOCS", api_docs)
    get_settings.cache_clear()
    return get_settings()


def watched(page: Page) -> list[str]:
    """What goes wrong on the page as it happens: a CSP refusal, a script error, a file of the
    page that fails to load. (The favicon the browser asks for by itself is none of these.)"""
    complaints: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            complaints.append(message.text)

    def response(answer: Response) -> None:
        if answer.status >= 400:
            complaints.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: complaints.append(str(error)))
    page.on("response", response)
    return complaints


def test_swagger_ui_renders_the_operations(browser: Browser, live_server: str) -> None:
    """/docs draws every tag and operation of the schema; no CSP violation, no script error."""
    page = browser.new_page()
    complaints = watched(page)
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock-tag").count() >= 3
    paths = page.locator(".opblock-summary-path").all_text_contents()
    assert "/api/v1/auth/token" in paths and "/api/v1/cases/{code}/notes" in paths
    page.locator(".opblock-summary", has_text="/api/v1/auth/logout-everywhere").first.click()
    page.wait_for_selector(".opblock.is-open")
    shot(page, "api-docs")
    assert complaints == []
    page.close()


@pytest.mark.parametrize("api_docs", ["staff"])
def test_staff_docs_after_signing_in(
    browser: Browser, live_server: str, settings: Settings
) -> None:
    """With API_DOCS=staff, /docs asks for the console sign-in and comes back rendered."""
    create_staff(settings, "dpu", "officer", "DPU")
    page = browser.new_page()
    complaints = watched(page)
    page.goto(f"{live_server}/docs")
    assert "/console/login" in page.url
    page.get_by_label("Nama pengguna").fill("dpu")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live_server}/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock-summary-path").count() > 10
    assert complaints == []
    page.close()
