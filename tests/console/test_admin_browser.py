"""The admin pages in a real headless Chromium: create an account, change an SLA.

Uses the browser fixtures of test_console_browser.py (SQLite only, a live uvicorn server);
the screenshots land in test-artifacts/console/.
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from core.settings import Settings
from tests.browser import (
    DESKTOP,
    needs_chromium,
    shot,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.console.test_admin_http import catalogue_restored, category_row
from tests.helpers import PASSWORD, create_staff

__all__ = ["catalogue_restored"]  # a fixture

pytestmark = needs_chromium
ROAD = "Jalan rusak / berlubang"


def test_admin_creates_an_account_and_changes_an_sla(
    live_server: str, browser: Browser, settings: Settings, catalogue_restored: None
) -> None:
    """Sign in, land on the users, add an officer who heads DPU, then lengthen an SLA."""
    base = live_server
    create_staff(settings, "admin", "admin")
    old_hours = category_row(settings, "road_damage").sla_hours
    desk = browser.new_context(viewport=DESKTOP)
    page = desk.new_page()
    page.goto(f"{base}/console")
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base}/console/admin/users")  # an admin's console home
    assert page.get_by_role("heading", name="Pengguna").is_visible()

    page.get_by_role("link", name="Akun baru").click()
    page.get_by_label("Nama pengguna").fill("rina")
    page.get_by_label("Nama lengkap").fill("Rina Wulandari")
    page.get_by_label("E-mail").fill("rina@semarangkota.go.id")
    page.get_by_role("radio", name="petugas").check()
    page.get_by_label("Dinas", exact=True).select_option("DPU")
    page.get_by_label("Kepala dinas ini").check()
    page.get_by_label("Kata sandi awal").fill("rina-password-2026")
    page.get_by_role("button", name="Buat akun").click()
    page.wait_for_url(f"{base}/console/admin/users")
    expect(page.get_by_role("status")).to_have_text("Akun rina dibuat.")
    expect(page.get_by_role("link", name="rina", exact=True)).to_be_visible()
    shot(page, "admin")

    page.get_by_role("link", name="Katalog dinas").click()
    hours = page.get_by_label(f"SLA dalam jam kerja untuk {ROAD}")
    expect(hours).to_have_value(str(old_hours))
    hours.fill(str(old_hours + 24))
    page.get_by_role("button", name=f"Simpan {ROAD}").click()
    expect(page.get_by_role("status")).to_have_text(f"Kategori {ROAD} disimpan.")
    expect(page.get_by_label(f"SLA dalam jam kerja untuk {ROAD}")).to_have_value(
        str(old_hours + 24)
    )
    shot(page, "admin-catalogue")

    page.get_by_role("link", name="Pengguna", exact=True).click()
    page.get_by_role("link", name="rina", exact=True).click()
    page.get_by_role("button", name="Buat kata sandi acak").click()
    expect(page.get_by_text("Kata sandi baru untuk rina:")).to_be_visible()
    shot(page, "admin-account")
    page.get_by_role("link", name="Hari libur kota").click()
    page.get_by_label("Tanggal").fill("2026-04-02")
    page.get_by_label("Keterangan").fill("HUT Kota Semarang")
    page.get_by_role("button", name="Tambah", exact=True).click()
    expect(page.get_by_role("cell", name="HUT Kota Semarang")).to_be_visible()
    shot(page, "admin-holidays")
    desk.close()
    assert category_row(settings, "road_damage").sla_hours == old_hours + 24
