"""Who saw a number: staff of the case's agency are shown a reporter's full contact on request
(console and staff API), each time recorded; admins read the record, nobody else does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from console import admin
from core.settings import Settings
from tests.console.helpers import post, sign_in, signed_in
from tests.helpers import RUBBISH, create_staff, file_complaint, login, sql

PHONE = "+6281390007777"
NAME = "Rina Marlina"
# the masked form staff see without asking (cases/service.py mask_address)
MASKED = "+628*******777"


@pytest.fixture
def web(client: TestClient, settings: Settings) -> TestClient:
    """The console's browser, on https (the session cookie is Secure), with the staff made."""
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "dlh", "officer", "DLH")
    create_staff(settings, "kepala", "supervisor")
    create_staff(settings, "admin", "admin")
    client.base_url = "https://testserver"
    return client


@pytest.fixture
def pothole(web: TestClient) -> str:
    """A DPU case from the web form with the reporter's number and name."""
    case = file_complaint(web, phone="0813-9000-7777", name=NAME, notify_via="sms")
    assert case["agency"]["code"] == "DPU"
    return case["tracking_code"]


def reveals(settings: Settings) -> list[tuple[str, str, str]]:
    """The record: (username, case code, via), oldest first."""
    return [
        tuple(row)
        for row in sql(
            settings,
            "SELECT u.username, c.tracking_code, r.via FROM contact_reveals r "
            "JOIN users u ON u.id = r.user_id JOIN cases c ON c.id = r.case_id ORDER BY r.id",
        )
    ]


def assert_no_leaks(page: str) -> None:
    for leak in ("<bound method", "None", "RevealRefusal.", "Via."):
        assert leak not in page, leak


def test_an_officer_is_shown_the_number_once_per_request_and_it_is_recorded(
    web: TestClient, settings: Settings, pothole: str
) -> None:
    """The case page shows the number masked and a button; a post without the CSRF token
    shows nothing; with it the full number is on that answer only (not cached, not on the next
    view), and the reveal is recorded."""
    csrf = signed_in(web, "dpu")
    page = web.get(f"/console/cases/{pothole}")
    assert MASKED in page.text and PHONE not in page.text
    assert "Tampilkan kontak lengkap" in page.text
    assert_no_leaks(page.text)

    forged = post(web, f"/console/cases/{pothole}/contact", "not-the-token")
    assert forged.status_code == 403 and PHONE not in forged.text
    assert reveals(settings) == []

    shown = post(web, f"/console/cases/{pothole}/contact", csrf)
    assert shown.status_code == 200
    assert f'href="tel:{PHONE}"' in shown.text and "tercatat atas nama Anda" in shown.text
    assert "no-store" in shown.headers["Cache-Control"]
    assert_no_leaks(shown.text)
    assert reveals(settings) == [("dpu", pothole, "console")]
    assert PHONE not in web.get(f"/console/cases/{pothole}").text

    english = post(web, f"/console/cases/{pothole}/contact?lang=en", csrf)
    assert "Full contact" in english.text and "recorded under your name" in english.text
    assert len(reveals(settings)) == 2


def test_the_api_reveal_is_recorded_and_refused_where_the_console_refuses(
    web: TestClient, settings: Settings, pothole: str
) -> None:
    """A supervisor gets the contact as JSON, not cached and recorded; another agency's
    officer finds no such case, an admin and a stranger are turned away, an anonymous case and
    one without a contact are refused with the reason; no refusal is recorded."""
    no_contact = file_complaint(web, text=RUBBISH)["tracking_code"]
    anonymous = file_complaint(web, phone="081390008888", notify_via="sms")["tracking_code"]
    sql(
        settings,
        "UPDATE cases SET anonymous = :yes WHERE tracking_code = :c",
        yes=True,
        c=anonymous,
    )
    supervisor = login(web, "kepala")

    shown = web.post(f"/api/v1/cases/{pothole}/contact", headers=supervisor)
    assert shown.status_code == 200
    assert shown.json() == {"channel": "sms", "address": PHONE, "name": NAME}
    assert "no-store" in shown.headers["Cache-Control"]
    assert reveals(settings) == [("kepala", pothole, "api")]

    assert web.post(f"/api/v1/cases/{pothole}/contact").status_code == 401
    other_agency = web.post(f"/api/v1/cases/{pothole}/contact", headers=login(web, "dlh"))
    assert other_agency.status_code == 404 and PHONE not in other_agency.text
    assert (
        web.post(f"/api/v1/cases/{pothole}/contact", headers=login(web, "admin")).status_code == 403
    )
    refused = web.post(f"/api/v1/cases/{anonymous}/contact", headers=supervisor)
    assert refused.status_code == 403 and "anonymous" in refused.json()["detail"]
    assert "08888" not in refused.text
    missing = web.post(f"/api/v1/cases/{no_contact}/contact", headers=supervisor)
    assert missing.status_code == 409 and "names no reporter" in missing.json()["detail"]
    assert reveals(settings) == [("kepala", pothole, "api")]

    csrf = signed_in(web, "dlh")
    assert post(web, f"/console/cases/{pothole}/contact", csrf).status_code == 404
    web.cookies.clear()
    csrf = signed_in(web, "kepala")
    page = web.get(f"/console/cases/{anonymous}").text
    assert "Tampilkan kontak lengkap" not in page
    console_refused = post(web, f"/console/cases/{anonymous}/contact", csrf)
    assert console_refused.status_code == 403
    assert "pelapor aduan ini anonim" in console_refused.text
    assert "+6281390008888" not in console_refused.text
    assert reveals(settings) == [("kepala", pothole, "api")]


def test_admins_read_the_record_by_user_or_case_a_page_at_a_time(
    web: TestClient, settings: Settings, pothole: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin's page lists who saw which case's contact and how, newest first, pages on,
    filters by username or code (an unknown one says so), names no number, and reads in both
    languages; officers and supervisors get the 403 page."""
    other = file_complaint(web, phone="081390006666", notify_via="sms")["tracking_code"]
    for username, code in (("dpu", pothole), ("kepala", other), ("kepala", pothole)):
        shown = web.post(f"/api/v1/cases/{code}/contact", headers=login(web, username))
        assert shown.status_code == 200
    monkeypatch.setattr(admin, "REVEALS_PAGE", 2)

    for username in ("dpu", "kepala"):
        web.cookies.clear()
        assert sign_in(web, username).status_code == 303
        refused = web.get("/console/admin/reveals")
        assert refused.status_code == 403 and pothole not in refused.text

    web.cookies.clear()
    assert sign_in(web, "admin").status_code == 303
    first = web.get("/console/admin/reveals")
    assert first.status_code == 200
    assert first.text.index(pothole) < first.text.index(other)  # newest first
    assert first.text.count("<tr>") == 3  # the header and two entries
    assert "Kontak yang dilihat" in first.text and ">API staf<" in first.text
    assert PHONE not in first.text and "06666" not in first.text
    assert_no_leaks(first.text)
    [next_url] = [
        part.split('"')[0].replace("&amp;", "&")
        for part in first.text.split('href="')
        if part.startswith("/console/admin/reveals?before=")
    ]
    second = web.get(next_url)
    assert second.text.count("<tr>") == 2 and ">dpu<" in second.text
    assert 'rel="next"' not in second.text  # the last page

    by_case = web.get(f"/console/admin/reveals?case={other.lower()}")
    assert by_case.text.count("<tr>") == 2 and other in by_case.text
    by_user = web.get("/console/admin/reveals?user=dpu")
    assert by_user.text.count("<tr>") == 2 and ">dpu<" in by_user.text
    unknown = web.get("/console/admin/reveals?user=nobody")
    assert unknown.status_code == 404 and "Tidak ada pengguna bernama nobody." in unknown.text
    english = web.get("/console/admin/reveals?lang=en")
    assert "Contacts shown" in english.text and "Kontak yang dilihat" not in english.text
    assert_no_leaks(english.text)
    assert "/console/admin/reveals" in web.get("/console/admin/users").text  # in the admin menu
