"""The console's resolve form with an after-photo: CSRF, refusals, and what the pages show."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.settings import Settings
from tests.console.helpers import case_row, signed_in
from tests.helpers import create_staff, file_complaint, png_bytes

BRIDGE = "Jembatan kayu di Jl. Pemuda ambrol, pagar jembatan patah dan bahaya buat anak sekolah"


def _resolve(web: TestClient, code: str, csrf: str, photo: bytes | None, name: str = "a.png"):
    files = {"photo": (name, photo if photo is not None else b"", "image/png")}
    return web.post(
        f"/console/cases/{code}/status",
        data={"csrf": csrf, "status": "resolved", "note": "Sudah ditambal"},
        files=files,
        follow_redirects=False,
    )


def test_the_resolve_form_takes_a_photo_and_refuses_without_one(
    web: TestClient, settings: Settings
) -> None:
    """An empty file field is refused for bridge_damage with the reason; a wrong CSRF token
    changes nothing; a PNG resolves and the page shows it as the proof."""
    create_staff(settings, "officer.dpu", "officer", "DPU")
    code = file_complaint(web, text=BRIDGE)["tracking_code"]
    csrf = signed_in(web, "officer.dpu")
    page = web.get(f"/console/cases/{code}").text
    assert 'enctype="multipart/form-data"' in page
    assert 'capture="environment"' in page and 'accept="image/*"' in page

    refused = _resolve(web, code, csrf, None, name="")
    assert refused.status_code == 422
    assert "hanya bisa diselesaikan dengan foto sesudah perbaikan" in refused.text
    assert _resolve(web, code, "wrong", png_bytes()).status_code == 403
    not_image = _resolve(web, code, csrf, b"just text, not a photo")
    assert not_image.status_code == 422
    assert "berkas foto harus berupa gambar" in not_image.text
    assert case_row(settings, code).status == "assigned"

    assert _resolve(web, code, csrf, png_bytes()).status_code == 303
    assert case_row(settings, code).status == "resolved"
    page = web.get(f"/console/cases/{code}").text
    assert "Foto bukti penyelesaian" in page
    for leak in ("<bound method", ">None<", "proof_required"):
        assert leak not in page


def test_the_catalogue_page_says_which_categories_require_a_photo(
    web: TestClient, settings: Settings
) -> None:
    """bridge_damage requires a photo in the shipped catalogue; road_damage does not."""
    create_staff(settings, "admin", "admin")
    signed_in(web, "admin")
    page = web.get("/console/admin/catalogue").text
    road = page.split('id="road_damage"')[1].split("</tr>")[0]
    bridge = page.split('id="bridge_damage"')[1].split("</tr>")[0]
    assert "wajib saat selesai" in bridge
    assert "tidak wajib" in road
    english = web.get("/console/admin/catalogue?lang=en").text
    assert "required to resolve" in english.split('id="bridge_damage"')[1].split("</tr>")[0]
