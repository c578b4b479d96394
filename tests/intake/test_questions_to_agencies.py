"""A question routing places with an agency goes there as a question, not as a complaint
(issue #24 item 3): on every chat channel, through the complaints API and the web form; the
resident is told it went to the agency as a question, and staff see it so."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.helpers import create_staff, file_complaint, login, run_jobs
from tests.residents import (  # noqa: F401 - on_every_channel is the `resident` fixture
    RUBBISH,
    Resident,
    on_every_channel,
    rows,
)

# routing places it with DISDUKCAPIL with confidence; its words read as a question
BIRTH_CERTIFICATE = "Bagaimana cara mengurus akta kelahiran anak saya?"
DISDUKCAPIL = "Dinas Kependudukan dan Pencatatan Sipil"
DISDUKCAPIL_EN = "Population and Civil Registration Agency"


def _case(settings: Settings, code: str | None = None):
    """The case `code` (the last one filed without it), with its agency's code and kind."""
    found = rows(
        settings,
        "SELECT c.tracking_code, c.case_kind, c.status, a.code AS agency FROM cases c "
        "LEFT JOIN agencies a ON a.id = c.agency_id ORDER BY c.id",
    )
    return [case for case in found if code in (None, case.tracking_code)][-1]


def _acknowledgement(settings: Settings, code: str) -> str:
    [body] = [
        row.body
        for row in rows(
            settings,
            "SELECT body FROM notifications WHERE reference = :code AND kind = 'acknowledgement'",
            code=code,
        )
    ]
    return body


@pytest.fixture
def staff(client: TestClient, settings: Settings) -> dict[str, str]:
    create_staff(settings, "sup", "supervisor")
    return login(client, "sup")


def test_a_question_placed_with_an_agency_is_filed_there_as_a_question(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    """The question is filed with DISDUKCAPIL as a question; the acknowledgement says the
    question went there, and does not ask for a location and photo. A complaint from the same
    resident stays a complaint, acknowledged as one."""
    assert resident.says(BIRTH_CERTIFICATE) == []
    case = _case(resident.settings)
    assert (case.case_kind, case.status, case.agency) == ("question", "assigned", "DISDUKCAPIL")
    [told] = resident.news()
    assert told.startswith(f"Pertanyaan {case.tracking_code} diteruskan ke {DISDUKCAPIL}.")
    assert "Kirim juga lokasi" not in told and "Aduan" not in told
    detail = client.get(f"/api/v1/cases/{case.tracking_code}", headers=staff).json()
    assert (detail["kind"], detail["agency"]["code"]) == ("question", "DISDUKCAPIL")

    assert resident.says(RUBBISH) == []
    complaint = _case(resident.settings)
    assert (complaint.case_kind, complaint.agency) == ("complaint", "DLH")
    [told] = resident.news()
    assert told.startswith(f"Aduan {complaint.tracking_code} diterima.")
    listed = client.get("/api/v1/cases", headers=staff).json()["items"]
    kinds = {item["tracking_code"]: item["kind"] for item in listed}
    assert kinds == {case.tracking_code: "question", complaint.tracking_code: "complaint"}


def test_the_complaints_api_files_a_question_as_one_in_the_residents_language(
    client: TestClient, settings: Settings
) -> None:
    """The API answers `kind`; the e-mail acknowledgement says the question went to the agency,
    in English for an English complaint. A chosen category makes it a complaint whatever the
    words: the sender said what it is."""
    asked = file_complaint(client, text=BIRTH_CERTIFICATE, email="warga@example.com")
    assert (asked["kind"], asked["agency"]["code"]) == ("question", "DISDUKCAPIL")
    assert _acknowledgement(settings, asked["tracking_code"]).startswith(
        f"Pertanyaan {asked['tracking_code']} diteruskan ke {DISDUKCAPIL}."
    )
    english = file_complaint(
        client, text=BIRTH_CERTIFICATE, email="resident@example.com", language="en"
    )
    assert english["kind"] == "question"
    assert _acknowledgement(settings, english["tracking_code"]).startswith(
        f"Question {english['tracking_code']} was passed to {DISDUKCAPIL_EN}."
    )
    plain = file_complaint(client, email="warga@example.com")
    assert plain["kind"] == "complaint"
    assert _acknowledgement(settings, plain["tracking_code"]).startswith(
        f"Aduan {plain['tracking_code']} diterima."
    )
    run_jobs(settings)
    assert {row.status for row in rows(settings, "SELECT status FROM notifications")} == {"sent"}


def test_the_web_form_says_the_question_went_to_the_agency(
    client: TestClient, settings: Settings
) -> None:
    """After the form files a question, its tracking page says it was received and passed to
    the agency as a question, names it "Pertanyaan" and shows no raw code."""
    response = client.post(
        "/complaints",
        data={"text": BIRTH_CERTIFICATE, "notify_via": "none", "lang": "id"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    code = _case(settings).tracking_code
    assert _case(settings, code).case_kind == "question"
    assert f"Pertanyaan Anda sudah kami terima dan diteruskan ke {DISDUKCAPIL}." in page
    assert "Isi pertanyaan" in page and '<dd id="case-kind">Pertanyaan</dd>' in page
    assert ">question<" not in page and "None" not in page
    english = client.get(f"/track/{code}", params={"lang": "en"}).text
    assert '<dd id="case-kind">Question</dd>' in english and "Pertanyaan" not in english
