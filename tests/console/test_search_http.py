"""The console queue's search box (cases/search.py behind it), rendered as staff read it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from core.settings import Settings
from tests.console.helpers import signed_in
from tests.helpers import RUBBISH, create_staff, file_complaint, login

NUMBER = "081234567890"


def test_the_console_queue_searches_and_says_why_it_cannot(
    web: TestClient, settings: Settings
) -> None:
    """The queue's search box finds by words, notes, code and number as the API does; a
    search it cannot run shows the reason in the page's language, and the results page shows
    no raw values."""
    rubbish = file_complaint(web, text=RUBBISH, phone=NUMBER, notify_via="sms")
    rubbish = rubbish["tracking_code"]
    pothole = file_complaint(web)["tracking_code"]
    create_staff(settings, "dlh", "officer", agency="DLH")
    noted = web.post(
        f"/api/v1/cases/{rubbish}/notes",
        json={"text": "Truk pengangkut dijadwalkan Kamis"},
        headers=login(web, "dlh"),
    )
    assert noted.status_code == 201, noted.text
    signed_in(web, "dlh")

    def codes(q: str) -> list[str]:
        page = web.get("/console", params={"q": q})
        assert page.status_code == 200, page.text
        for leak in ("<bound method", "None", "CaseStatus.", "assigned<"):
            assert leak not in page.text
        return re.findall(r'<a class="code" href="/console/cases/([0-9A-Z-]+)"', page.text)

    assert codes("truk kamis") == [rubbish]
    assert codes(NUMBER) == [rubbish]
    assert codes(rubbish.lower()) == [rubbish]
    assert codes(pothole) == []  # another agency's case
    page = web.get("/console", params={"q": "truk"})
    assert 'value="truk"' in page.text and "Tidak ada aduan yang cocok" not in page.text

    refused = web.get("/console", params={"q": "?!"})
    assert refused.status_code == 422
    assert "Ketik kata, kode aduan, atau nomor telepon yang dicari." in refused.text
    english = web.get("/console", params={"q": "x" * 201, "lang": "en"})
    assert english.status_code == 422
    assert "A search holds at most 200 characters and 12 words." in english.text
    assert "Pencarian" not in english.text

    export = web.get("/console/export.csv", params={"q": "?!"}, follow_redirects=False)
    assert export.status_code == 303 and export.headers["location"] == "/console?q=%3F%21"
