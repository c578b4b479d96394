""" "Already reported?" in a real Chromium on a phone (SQLite only, skipped without Chromium):
a resident places a pin, attaches a photo and types the words; the form offers the case
already reported nearby and they follow it; an officer resolves it with an after photo, and
both the reporter (Telegram) and the follower (e-mail) receive it. The HTTP tests
(test_already_reported.py) cover both databases and the refusals.

Map tiles come from a local address that answers nothing, as on a slow phone.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from core.db import get_engine
from core.settings import Settings, get_settings
from tests.bots import telegram_payloads as tg
from tests.browser import (
    PHONE,
    csp_refusals,
    needs_chromium,
    shot,
    sign_in,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.channels import TELEGRAM_HEADERS
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE, create_staff, login, png_bytes, run_jobs
from tests.processes import free_port
from tests.website.test_public_pages import assert_clean

pytestmark = needs_chromium

# MAP_CENTER: where a tap in the middle of the form's map puts the pin
CENTER = (-6.9932, 110.4203)
WORDS = "Jalan berlubang besar dan dalam di sini, motor sering jatuh"
NOTE = "Lubang sudah ditambal aspal baru"


@pytest.fixture
def settings(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The environment with map tiles from nowhere."""
    monkeypatch.setenv("MAP_TILE_URL", f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png")
    get_settings.cache_clear()
    return get_settings()


def reported_on_telegram(base: str, settings: Settings) -> str:
    """A resident on Telegram shares the place and reports the pothole; an officer takes it
    up, so it is public. Its code."""
    for update in (tg.location(*CENTER), tg.text(POTHOLE)):
        posted = httpx.post(f"{base}/webhooks/telegram", json=update, headers=TELEGRAM_HEADERS)
        assert posted.status_code == 200
    create_staff(settings, "officer.dpu", "officer", "DPU")
    with httpx.Client(base_url=base, timeout=10) as api:
        officer = login(api, "officer.dpu")
        [case] = api.get("/api/v1/cases", headers=officer).json()["items"]
        moved = api.post(
            f"/api/v1/cases/{case['tracking_code']}/transitions",
            json={"status": "in_progress"},
            headers=officer,
        )
        assert moved.status_code == 200, moved.text
    run_jobs(settings)
    return case["tracking_code"]


def tap_map_centre(page: Page) -> None:
    box = page.locator("#map-picker").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_resident_follows_the_case_already_reported_and_hears_it_fixed(
    browser: Browser,
    live_server: str,
    settings: Settings,
    telegram: FakeTelegram,
    smtp: SmtpSink,
    tmp_path: Path,
) -> None:
    """On a phone: pin, photo and words bring up "Sudah ada yang melaporkan?" with the case
    nearby (code, words, status, count, distance); "Ini masalah yang sama" with e-mail chosen
    follows it (no new case) and its page says so with the count; the officer resolves it
    with an after photo and the Telegram reporter and the e-mail follower both receive it.
    No script error or CSP refusal on the way."""
    base = live_server
    code = reported_on_telegram(base, settings)
    photo = tmp_path / "lubang.png"
    photo.write_bytes(png_bytes(40, 30))

    page = browser.new_page(viewport=PHONE)
    problems = csp_refusals(page)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base}/")
    panel = page.locator("#nearby")
    tap_map_centre(page)
    page.set_input_files("#photos", str(photo))
    page.locator("#previews img").wait_for()
    page.fill("#text", "Jalan")  # one word says nothing yet: nothing is asked
    page.wait_for_timeout(1000)  # longer than the form's pause before it asks
    assert not panel.is_visible()
    page.fill("#text", WORDS)
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading")).to_have_text("Sudah ada yang melaporkan?")
    [item] = panel.locator("li").all()
    link = item.get_by_role("link", name=code)
    assert link.get_attribute("href") == f"/track/{code}?lang=id"
    assert "sedang dikerjakan" in item.text_content()
    assert "Jalan berlubang besar" in item.text_content()
    assert "1 warga melapor atau mengikuti" in item.text_content()
    assert " m dari titik Anda" in item.text_content()
    page.get_by_role("radio", name="E-mail").check()
    page.fill("#email", "tetangga@example.com")
    panel.scroll_into_view_if_needed()
    shot(page, "already-reported-01-offered-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing pushes the page sideways on a phone

    item.get_by_role("button", name="Ini masalah yang sama").click()
    page.wait_for_url(f"{base}/track/{code}?*")
    status = page.locator("#followed")
    expect(status).to_contain_text("Anda sekarang mengikuti aduan ini.")
    expect(status).to_contain_text("lewat E-mail")
    expect(page.locator("#report-count")).to_have_text(
        "2 warga melaporkan atau mengikuti aduan ini"
    )
    assert_clean(page.content(), "id")
    shot(page, "already-reported-02-following-phone")
    assert problems == []
    with get_engine(settings.database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 1
    page.close()

    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    officer = phone.new_page()
    sign_in(officer, base, "officer.dpu")
    officer.goto(f"{base}/console/cases/{code}")
    officer.get_by_label("selesai ditangani").check()
    officer.get_by_label("Catatan untuk warga (dikirim ke warga)").fill(NOTE)
    after = tmp_path / "sesudah.png"
    after.write_bytes(png_bytes(48, 36))
    officer.get_by_label("Foto sesudah perbaikan (untuk status selesai)").set_input_files(
        str(after)
    )
    officer.get_by_role("button", name="Simpan status").click()
    officer.wait_for_url(f"{base}/console/cases/{code}")
    assert officer.get_by_role("status").filter(has_text="selesai ditangani").is_visible()
    phone.close()

    run_jobs(settings)
    [sent] = [c for c in telegram.calls_to("sendPhoto") if NOTE in c.params["caption"]]
    assert sent.params["chat_id"] == tg.CHAT_ID
    assert sent.params["photo"] == after.read_bytes()
    [mail] = [m for m in smtp.messages if m.to == "tetangga@example.com" and NOTE in m.body]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content() == after.read_bytes()


def test_the_panel_speaks_english_and_stays_away_without_javascript(
    browser: Browser, live_server: str, settings: Settings
) -> None:
    """In English the panel and its button are English; without JavaScript there is no
    panel and the form files as before."""
    code = reported_on_telegram(live_server, settings)
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server}/?lang=en")
    tap_map_centre(page)
    page.fill("#text", WORDS)
    panel = page.locator("#nearby")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading")).to_have_text("Already reported?")
    expect(panel.get_by_role("link", name=code)).to_have_attribute("href", f"/track/{code}?lang=en")
    expect(panel).to_contain_text("Residents reporting or following: 1")
    # no way to be told chosen yet: said at once, nothing sent
    panel.get_by_role("button", name="This is the same problem").click()
    expect(panel.get_by_role("alert")).to_contain_text("choose how we should keep you informed")
    assert page.url == f"{live_server}/?lang=en"
    assert_clean(page.content(), "en")
    shot(page, "already-reported-03-offered-phone-en")
    page.close()

    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    plain = context.new_page()
    plain.goto(f"{live_server}/")
    assert not plain.locator("#nearby").is_visible()
    plain.fill("#text", WORDS)
    plain.click("button[type=submit]")
    plain.wait_for_url(f"{live_server}/track/*")
    assert "Aduan Anda sudah kami terima" in plain.content()
    with get_engine(settings.database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 2
    context.close()
