"""Proof of fix and long complaints in a real headless Chromium at a phone's size.

On SQLite, as the other browser modules: the outbox rows a resolve with a photo writes are
tested on both databases over HTTP (tests/cases/test_proof_of_fix.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect

from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.browser import PHONE, needs_chromium, shot, sign_in, sqlite_only  # noqa: F401
from tests.channels import TELEGRAM_HEADERS
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE, create_staff, login, png_bytes, run_jobs

pytestmark = needs_chromium

BRIDGE = "Jembatan Jl. Pemuda rusak, pagar jembatan patah, jembatan goyang kalau dilewati motor"
POTHOLE_TG = "Jembatan kayu di Jl. Pemuda ambrol, pagar jembatan patah dan bahaya buat anak sekolah"
NOTE = "Lubang sudah ditambal aspal baru"
LEAKS = ("<bound method", "None", "road_damage", "in_progress", "resolved")


def test_officer_resolves_on_a_phone_with_an_after_photo(
    live_server: str,
    browser: Browser,
    settings: Settings,
    telegram: FakeTelegram,
    smtp: SmtpSink,
    tmp_path: Path,
) -> None:
    """An officer on a phone attaches the after-photo (the file chooser the camera fills),
    the case page shows it as the proof, and the Telegram reporter and the e-mail follower
    both receive it."""
    base = live_server
    create_staff(settings, "officer.dpu", "officer", "DPU")
    create_staff(settings, "kepala", "supervisor")
    posted = httpx.post(
        f"{base}/webhooks/telegram", json=tg.text(POTHOLE_TG), headers=TELEGRAM_HEADERS
    )
    assert posted.status_code == 200
    with httpx.Client(base_url=base, timeout=10) as api:
        follower = api.post(
            "/api/v1/complaints", json={"text": BRIDGE, "email": "tetangga@example.com"}
        ).json()["tracking_code"]
        supervisor = login(api, "kepala")
        queue = api.get("/api/v1/cases", headers=supervisor).json()["items"]
        [code] = [c["tracking_code"] for c in queue if c["source_channel"] == "telegram"]
        merged = api.post(
            f"/api/v1/cases/{follower}/merge", json={"into": code}, headers=supervisor
        )
        assert merged.status_code == 200, merged.text
    run_jobs(settings)
    photo = tmp_path / "sesudah.png"
    photo.write_bytes(png_bytes(40, 30))

    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = phone.new_page()
    sign_in(page, base, "officer.dpu")
    page.goto(f"{base}/console/cases/{code}")
    field = page.get_by_label("Foto sesudah perbaikan (untuk status selesai)")
    assert field.get_attribute("accept") == "image/*"
    assert field.get_attribute("capture") == "environment"
    assert page.get_by_text("Kategori ini hanya bisa diselesaikan dengan foto.").is_visible()

    # without the photo the category refuses, with the reason, and nothing changes
    page.get_by_label("selesai ditangani").check()
    page.get_by_role("button", name="Simpan status").click()
    assert page.get_by_role("alert").filter(has_text="Lampirkan fotonya").is_visible()
    shot(page, "proof-01-refused-phone")

    page.get_by_label("selesai ditangani").check()
    page.get_by_label("Catatan untuk warga (dikirim ke warga)").fill(NOTE)
    with page.expect_file_chooser() as chooser:
        field.click()
    chooser.value.set_files(str(photo))
    page.get_by_role("button", name="Simpan status").click()
    page.wait_for_url(f"{base}/console/cases/{code}")
    assert page.get_by_role("status").filter(has_text="selesai ditangani").is_visible()
    proof = page.get_by_role("img", name="Foto sesudah perbaikan dari petugas")
    proof.scroll_into_view_if_needed()
    assert proof.is_visible()
    assert page.evaluate("img => img.naturalWidth", proof.element_handle()) == 40
    assert page.get_by_text("Foto bukti penyelesaian").is_visible()
    html = page.content()
    assert not [leak for leak in LEAKS if f">{leak}<" in html or "<bound method" in html]
    shot(page, "proof-02-resolved-phone")
    phone.close()

    run_jobs(settings)
    [sent] = telegram.calls_to("sendPhoto")
    assert sent.params["photo"] == photo.read_bytes()
    assert NOTE in sent.params["caption"]
    [mail] = [m for m in smtp.messages if m.to == "tetangga@example.com" and NOTE in m.body]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content() == photo.read_bytes()


def _actions_top(page, base: str, code: str) -> float:
    page.goto(f"{base}/console/cases/{code}")
    return page.locator("#h-actions").bounding_box()["y"]


def test_a_long_complaint_keeps_the_actions_near_on_a_phone(
    live_server: str, browser: Browser, settings: Settings
) -> None:
    """A 4,000-character complaint shows its start with "show all" (no script needed); the
    actions sit hardly lower than a short complaint's, and a link jumps to them."""
    base = live_server
    create_staff(settings, "officer.dpu", "officer", "DPU")
    long_text = (POTHOLE + ". ") * 44
    long_text = long_text[:4000]
    codes = [
        httpx.post(f"{base}/api/v1/complaints", json={"text": text}, timeout=10).json()[
            "tracking_code"
        ]
        for text in (POTHOLE, long_text)
    ]
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, base, "officer.dpu")
    short_top = _actions_top(page, base, codes[0])
    long_top = _actions_top(page, base, codes[1])
    assert long_top - short_top < 400
    shot(page, "proof-03-long-complaint-phone")

    full = page.locator("details.complaint-full blockquote")
    assert not full.is_visible()
    page.get_by_text(re.compile(r"Tampilkan seluruh isi aduan \(\d+ karakter\)")).click()
    assert full.is_visible()
    assert full.inner_text().strip() == long_text.strip()

    page.get_by_role("link", name="Langsung ke tindakan").click()
    assert page.url.endswith("#h-actions")
    expect(page.locator("#h-actions")).to_be_in_viewport()
    context.close()
