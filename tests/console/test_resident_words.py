"""What a resident adds after filing shows on the officer's queue until staff act on it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from core.settings import Settings
from tests.channels import inbound, signed_post
from tests.console.helpers import post, signed_in
from tests.helpers import create_staff

STREET_LIGHT = "Lampu jalan di Gang Melati 3 mati total, gelap sekali kalau malam"


def queue_row(web: TestClient, code: str) -> str:
    page = web.get("/console").text
    start = page.index(f'href="/console/cases/{code}"')
    return page[start : page.index("</tr>", start)]


def test_a_nudge_and_an_answer_are_marked_on_the_queue_until_staff_act(
    web: TestClient, settings: Settings
) -> None:
    signed_post(web, settings, inbound(STREET_LIGHT))
    create_staff(settings, "petugas.perkim", "officer", "DISPERKIM")
    csrf = signed_in(web, "petugas.perkim")
    [code] = re.findall(
        r'href="/console/cases/([0-9A-Z]{4}-[0-9A-Z]{4})"', web.get("/console").text
    )
    assert "ditanyakan warga" not in queue_row(web, code)

    signed_post(web, settings, inbound("kapan dibenerin pak?"))
    signed_post(web, settings, inbound("sudah seminggu kok belum"))
    row = queue_row(web, code)
    assert "ditanyakan warga 2 kali" in row and "tambahan dari warga" in row

    assert post(web, f"/console/cases/{code}/status", csrf, status="in_progress").status_code == 303
    row = queue_row(web, code)
    assert "tambahan dari warga" not in row  # staff acted since
    assert "ditanyakan warga 2 kali" in row  # how often they asked stays in view
    case_page = web.get(f"/console/cases/{code}").text
    assert "Warga menanyakan kelanjutan" in case_page
