"""The console's CSV download: the queue's export button, with the signed-in console session.

The same cases as the staff API's export (tests/cases/test_export.py), with a byte order mark
for Excel; times are the city's and names stand beside the codes in both.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from fastapi.testclient import TestClient

from cases.export import BYTE_ORDER_MARK, COLUMNS
from core.settings import Settings
from tests.console.helpers import sign_in
from tests.helpers import RUBBISH, create_staff, file_complaint, login


def export_link(page: str) -> str:
    match = re.search(r'<a href="([^"]+)" class="button secondary" id="export" download>', page)
    assert match, "the queue has no export button"
    return match.group(1).replace("&amp;", "&")


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_queue_button_downloads_with_the_console_session(
    web: TestClient, settings: Settings
) -> None:
    """A signed-in supervisor's button gives every case as CSV: a byte order mark, the stable
    header, times in the city's zone with their offset, names beside the codes."""
    pothole = file_complaint(web)["tracking_code"]
    rubbish = file_complaint(web, text=RUBBISH)["tracking_code"]
    create_staff(settings, "kepala", "supervisor")
    assert sign_in(web, "kepala").status_code == 303
    link = export_link(web.get("/console").text)
    response = web.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "private, no-store"
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith(BYTE_ORDER_MARK)
    text = text.removeprefix(BYTE_ORDER_MARK)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = {row["tracking_code"]: row for row in table(text)}
    assert set(rows) == {pothole, rubbish}
    dpu = rows[pothole]
    assert (dpu["agency"], dpu["agency_name"]) == ("DPU", "Dinas Pekerjaan Umum")
    assert dpu["category"] and dpu["category_name"] and dpu["category_name"] != dpu["category"]
    assert (dpu["status"], dpu["status_name"]) == ("assigned", "diteruskan ke dinas")
    created = datetime.fromisoformat(dpu["created_at"])
    assert dpu["created_at"].endswith("+07:00") and created.utcoffset().total_seconds() == 7 * 3600
    assert dpu["due_at"].endswith("+07:00")

    assert link == "/console/export.csv"  # no filters in the queue, none in the link
    assert export_link(web.get("/console/dashboard").text) == link  # and on the dashboard
    english = web.get(link, params={"lang": "en"})
    rows = {row["tracking_code"]: row for row in table(english.content.decode("utf-8-sig"))}
    assert rows[pothole]["agency_name"] == "Public Works Agency"
    assert rows[pothole]["status_name"] == "assigned to an agency"


def test_the_download_keeps_the_queue_filters_and_the_agency_rules(
    web: TestClient, settings: Settings
) -> None:
    """An officer's download holds their agency's cases only, whatever agency the link names;
    the status filter and the search apply; an admin is refused and a signed-out visitor sent
    to sign in."""
    mine = file_complaint(web, text=RUBBISH)["tracking_code"]
    file_complaint(web)  # DPU's
    create_staff(settings, "dlh", "officer", "DLH")
    assert sign_in(web, "dlh").status_code == 303
    link = export_link(web.get("/console", params={"status": "assigned"}).text)
    assert "status=assigned" in link
    assert [r["tracking_code"] for r in table(web.get(link).content.decode("utf-8-sig"))] == [mine]
    other = web.get("/console/export.csv", params={"agency": "DPU"})
    assert [r["tracking_code"] for r in table(other.content.decode("utf-8-sig"))] == [mine]
    resolved = web.get("/console/export.csv", params={"status": "resolved"})
    assert table(resolved.content.decode("utf-8-sig")) == []
    found = web.get("/console/export.csv", params={"q": "pasar Johar"})
    assert [r["tracking_code"] for r in table(found.content.decode("utf-8-sig"))] == [mine]
    elsewhere = web.get("/console/export.csv", params={"q": "berlubang"})  # DPU's words
    assert table(elsewhere.content.decode("utf-8-sig")) == []

    create_staff(settings, "admin", "admin")
    web.cookies.clear()
    assert sign_in(web, "admin").status_code == 303
    assert web.get("/console/export.csv").status_code == 403
    web.cookies.clear()
    signed_out = web.get("/console/export.csv", follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/console/login")


def test_api_export_speaks_city_time_and_names(web: TestClient, settings: Settings) -> None:
    """The API's export (for tools: no byte order mark) has the same local times and names,
    in the language asked for."""
    code = file_complaint(web)["tracking_code"]
    create_staff(settings, "kepala", "supervisor")
    response = web.get(
        "/api/v1/cases/export.csv", params={"lang": "en"}, headers=login(web, "kepala")
    )
    assert not response.text.startswith(BYTE_ORDER_MARK)
    [row] = table(response.text)
    assert row["tracking_code"] == code
    assert row["created_at"].endswith("+07:00")
    assert (row["agency"], row["agency_name"]) == ("DPU", "Public Works Agency")
    bad = web.get("/api/v1/cases/export.csv", params={"lang": "fr"}, headers=login(web, "kepala"))
    assert bad.status_code == 422
