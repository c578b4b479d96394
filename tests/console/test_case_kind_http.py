"""What a case is, a complaint or a question: the console and the staff API show it and let the
case's agency and the supervisors change it; the public list and page name a question so."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.settings import Settings
from tests.console.helpers import case_row, history, post, signed_in
from tests.helpers import create_staff, file_complaint, login
from tests.intake.test_questions_to_agencies import BIRTH_CERTIFICATE
from tests.website.test_public_pages import LEAKS

# raw values that must never reach a page; a complaint's own words are not in the way
RAW = (">question<", ">complaint<", "kind_changed", "recorded_as_", "%(")


def _clean(page: str) -> None:
    for leak in (*LEAKS, *RAW):
        assert leak not in page, leak


def test_the_console_shows_a_question_and_its_agency_records_it_as_a_complaint(
    web: TestClient, settings: Settings
) -> None:
    """The queue and the case page badge a question "Pertanyaan" ("Question" in English); the
    agency's officer records it as a complaint with one button, which the history keeps with
    who did it, and the badge goes."""
    create_staff(settings, "capil", "officer", "DISDUKCAPIL")
    code = file_complaint(web, text=BIRTH_CERTIFICATE)["tracking_code"]
    csrf = signed_in(web, "capil")
    queue = web.get("/console").text
    row = queue.split(f'href="/console/cases/{code}"')[1].split("</tr>")[0]
    assert '<strong class="badge question-badge">Pertanyaan</strong>' in row
    page = web.get(f"/console/cases/{code}").text
    assert '<strong class="badge question-badge">Pertanyaan</strong>' in page
    assert "<dt>Jenis</dt><dd>Pertanyaan</dd>" in page and "Catat sebagai aduan" in page
    english = web.get(f"/console/cases/{code}", params={"lang": "en"}).text
    assert '<strong class="badge question-badge">Question</strong>' in english
    assert "Record as a complaint" in english and "Pertanyaan" not in english
    for shown in (queue, page, english):
        _clean(shown)
    web.get("/console", params={"lang": "id"})  # the console keeps the language chosen

    response = post(web, f"/console/cases/{code}/kind", csrf, kind="complaint")
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/cases/{code}"
    assert case_row(settings, code).case_kind == "complaint"
    page = web.get(f"/console/cases/{code}").text
    assert "Dicatat sebagai: Aduan." in page and "question-badge" not in page
    assert "Jenis diubah" in page and "dicatat sebagai aduan, bukan pertanyaan" in page
    assert "Catat sebagai pertanyaan" in page
    _clean(page)
    event = history(settings, code)[-1]
    assert (event.kind, event.actor, event.note_code) == (
        "kind_changed",
        "capil",
        "recorded_as_complaint",
    )
    assert "question-badge" not in web.get("/console").text


def test_only_the_cases_agency_and_supervisors_change_its_kind(
    web: TestClient, settings: Settings
) -> None:
    """Another agency's officer gets 403 in the console (404 from the API, as for every case
    outside their queue) and an admin 403; a kind that is neither is refused with the reason
    (422); the same kind again writes no history; a supervisor may change any case."""
    create_staff(settings, "capil", "officer", "DISDUKCAPIL")
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "boss", "supervisor")
    create_staff(settings, "root", "admin")
    code = file_complaint(web, text=BIRTH_CERTIFICATE)["tracking_code"]

    other = signed_in(web, "dpu")
    refused = post(web, f"/console/cases/{code}/kind", other, kind="complaint")
    assert refused.status_code == 403
    assert "Hanya petugas dinas aduan ini dan supervisor yang boleh mengubah jenisnya." in (
        refused.text
    )
    body = {"kind": "complaint"}
    api = web.put(f"/api/v1/cases/{code}/kind", json=body, headers=login(web, "dpu"))
    assert api.status_code == 404
    web.cookies.clear()
    admin = signed_in(web, "root")
    assert post(web, f"/console/cases/{code}/kind", admin, kind="complaint").status_code == 403
    assert case_row(settings, code).case_kind == "question"

    web.cookies.clear()
    own = signed_in(web, "capil")
    wrong = post(web, f"/console/cases/{code}/kind", own, kind="aspirasi")
    assert wrong.status_code == 422 and "Pilih aduan atau pertanyaan." in wrong.text
    _clean(wrong.text)
    headers = login(web, "capil")
    invalid = web.put(f"/api/v1/cases/{code}/kind", json={"kind": "aspirasi"}, headers=headers)
    assert invalid.status_code == 422
    same = web.put(f"/api/v1/cases/{code}/kind", json={"kind": "question"}, headers=headers)
    assert same.status_code == 200 and same.json()["kind"] == "question"
    assert [e.kind for e in history(settings, code)] == ["created"]

    boss = login(web, "boss")
    changed = web.put(f"/api/v1/cases/{code}/kind", json=body, headers=boss)
    assert changed.status_code == 200 and changed.json()["kind"] == "complaint"
    [*_, entry] = changed.json()["history"]
    assert (entry["kind"], entry["actor"]) == ("kind_changed", "boss")
    assert entry["internal_note"] == "recorded as a complaint, not a question"


def test_the_public_list_and_page_name_a_question(web: TestClient, settings: Settings) -> None:
    """Once staff acted on it, the question is public like a complaint, labelled "Pertanyaan"
    on the list and its page ("Question" in English, in the JSON `kind_label`); a complaint
    carries no label."""
    create_staff(settings, "boss", "supervisor")
    boss = login(web, "boss")
    question = file_complaint(web, text=BIRTH_CERTIFICATE)["tracking_code"]
    complaint = file_complaint(web)["tracking_code"]
    for code in (question, complaint):
        moved = web.post(
            f"/api/v1/cases/{code}/transitions", json={"status": "in_progress"}, headers=boss
        )
        assert moved.status_code == 200, moved.text
    listing = web.get("/reports", params={"lang": "id"}).text
    asked = listing.split(f">{question}</a>")[1].split("</li>")[0]
    assert "· Pertanyaan ·" in asked
    assert "Pertanyaan" not in listing.split(f">{complaint}</a>")[1].split("</li>")[0]
    _clean(listing)
    items = web.get("/api/v1/public/cases", params={"lang": "en"}).json()["items"]
    labels = {item["tracking_code"]: (item["kind"], item["kind_label"]) for item in items}
    assert labels == {question: ("question", "Question"), complaint: ("complaint", "Complaint")}
    page = web.get(f"/track/{question}", params={"lang": "id"}).text
    assert '<dd id="case-kind">Pertanyaan</dd>' in page and "Isi pertanyaan" in page
    _clean(page)
    assert 'id="case-kind"' not in web.get(f"/track/{complaint}").text
    english = web.get("/reports", params={"lang": "en"}).text
    assert "· Question ·" in english.split(f">{question}</a>")[1].split("</li>")[0]
    _clean(english)
