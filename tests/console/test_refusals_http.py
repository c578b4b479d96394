"""The case rules' refusals and the case forms' invalid fields, on the console through HTTP: each
said in the page's language from the catalogue, statuses and moves in the staff's words, never
the staff API's English nor a raw code."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from cases.enums import CaseStatus
from cases.errors import Refusal
from cases.schemas import TransitionIn
from cases.transitions import MoveName
from console.refusals import form_errors
from console.words import words_for
from core.db import get_engine
from core.settings import Settings
from tests.console.helpers import case_row, history, post, signed_in
from tests.console.test_admin_http import catalogue_restored
from tests.helpers import POTHOLE, RUBBISH, create_staff, file_complaint, login
from tests.i18n.test_pages import assert_reads_well

__all__ = ["catalogue_restored"]  # a fixture

VAGUE = "Mohon bantuannya pak, ini sudah lama sekali"  # routing cannot place it: triage
FRAME = {"id": "Tidak dapat dilakukan: ", "en": "Not possible: "}
FORM_FRAME = {"id": "Periksa isian: ", "en": "Please check: "}
# a code stands in for words when a snake_case token shows; on an Indonesian page the codes of
# statuses and moves are English words as well
ENUM_VALUES = {str(v) for v in [*CaseStatus, *MoveName]}


@dataclass(frozen=True)
class Desk:
    """A supervisor at the console (who may work every case), and the API for the setting up."""

    web: TestClient
    settings: Settings
    api: dict[str, str]

    def file(self, text: str = POTHOLE) -> str:
        return file_complaint(self.web, text=text)["tracking_code"]

    def move(self, code: str, *statuses: str) -> None:
        for status in statuses:
            response = self.web.post(
                f"/api/v1/cases/{code}/transitions", json={"status": status}, headers=self.api
            )
            assert response.status_code == 200, response.text

    def sql(self, statement: str, **params: object) -> None:
        with get_engine(self.settings.database_url).begin() as connection:
            connection.execute(sa.text(statement), params)

    def mark_duplicate(self, code: str, of: str) -> None:
        self.sql(
            "UPDATE cases SET duplicate_of_id = (SELECT id FROM cases WHERE tracking_code = :of)"
            " WHERE tracking_code = :code",
            code=code,
            of=of,
        )


@dataclass(frozen=True)
class Refused:
    """The form to post, and what the page answers: its status and the reason in each language."""

    path: str
    fields: dict[str, str]
    status_code: int
    id: str
    en: str


def _status_not_allowed(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/status",
        {"status": "closed"},
        409,
        "Status aduan tidak bisa diubah dari “diteruskan ke dinas” menjadi “ditutup”. "
        "Yang bisa: sedang dikerjakan, menunggu keterangan warga, selesai ditangani, ditolak.",
        "The case's status cannot change from “assigned to an agency” to “closed”. "
        "Possible: in progress, waiting for the resident, resolved, rejected.",
    )


def _status_final(desk: Desk) -> Refused:
    code = desk.file()
    desk.move(code, "rejected")
    return Refused(
        f"/console/cases/{code}/status",
        {"status": "in_progress"},
        409,
        "Aduan berstatus “ditolak” sudah final; statusnya tidak bisa diubah lagi.",
        "A case that is “rejected” is final; its status cannot change any more.",
    )


def _move_not_allowed(desk: Desk) -> Refused:
    code = desk.file()
    desk.move(code, "resolved")
    return Refused(
        f"/console/cases/{code}/forward",
        {"agency": "DLH", "note": "salah dinas"},
        409,
        f"{code} berstatus “selesai ditangani”; langkah “alihkan ke dinas lain” hanya untuk "
        "aduan berstatus: menunggu triase, diteruskan ke dinas, sedang dikerjakan, menunggu "
        "keterangan warga.",
        f"{code} is “resolved”; the step “forward to another agency” is only for a case that "
        "is: awaiting triage, assigned to an agency, in progress, waiting for the resident.",
    )


def _triage_needs_forward(desk: Desk) -> Refused:
    code = desk.file(VAGUE)
    return Refused(
        f"/console/cases/{code}/status",
        {"status": "assigned"},
        400,
        "Aduan di triase diberikan ke dinas dengan mengalihkannya lewat formulir Alihkan.",
        "A case in triage goes to an agency by forwarding it with the Forward form.",
    )


def _unknown_agency(desk: Desk) -> Refused:
    code = desk.file(VAGUE)
    return Refused(  # the triage page's one-click assignment, with an agency that is not there
        f"/console/triage/{code}/assign",
        {"agency": "NOPE"},
        422,
        "Dinas 'NOPE' tidak ada atau tidak aktif.",
        "The agency 'NOPE' does not exist or is not active.",
    )


def _agency_without_categories(desk: Desk) -> Refused:
    code = desk.file()
    desk.sql(
        "UPDATE categories SET active = :no"
        " WHERE agency_id = (SELECT id FROM agencies WHERE code = 'DLH')",
        no=False,
    )
    return Refused(
        f"/console/cases/{code}/forward",
        {"agency": "DLH", "note": "soal sampah"},
        422,
        "Dinas Lingkungan Hidup tidak punya kategori yang aktif.",
        "Environment Agency has no active categories.",
    )


def _category_not_in_agency(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/forward",
        {"agency": "DLH", "category": "road_damage", "note": "soal sampah"},
        422,
        "Kategori 'Jalan rusak / berlubang' bukan milik Dinas Lingkungan Hidup. Pilih salah "
        "satu: Sampah tidak diangkut, Pencemaran air / tanah / limbah, Asap, pembakaran "
        "sampah, polusi udara, Buang sampah sembarangan / TPS liar.",
        "The category 'Road damage and potholes' does not belong to Environment Agency. Choose "
        "one of: Rubbish collection, Water and soil pollution, waste discharge, Smoke, rubbish "
        "burning and air pollution, Illegal dumping.",
    )


def _already_with_agency(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/forward",
        {"agency": "DPU", "note": "tetap di sini"},
        400,
        "Aduan ini sudah berada di Dinas Pekerjaan Umum.",
        "The case is already with Public Works Agency.",
    )


def _forward_to_referral(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/forward",
        {"agency": "PLN", "note": "soal listrik"},
        422,
        "PT PLN (Persero) bukan dinas pemkot: rujuk aduan ke sana lewat formulir Rujuk.",
        "PLN, the state electricity company is not a city agency: refer the complaint there "
        "with the Refer form.",
    )


def _not_a_referral(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/refer",
        {"agency": "DLH", "note": "soal sampah"},
        422,
        "Dinas Lingkungan Hidup adalah dinas pemkot: alihkan aduan ke sana lewat formulir Alihkan.",
        "Environment Agency is a city agency: forward the complaint there with the Forward form.",
    )


def _merge_into_itself(desk: Desk) -> Refused:
    code = desk.file()
    desk.mark_duplicate(code, of=code)
    return Refused(
        f"/console/cases/{code}/merge",
        {},
        400,
        "Aduan tidak bisa digabung ke dirinya sendiri.",
        "A case cannot be merged into itself.",
    )


def _original_not_open(desk: Desk) -> Refused:
    original, duplicate = desk.file(), desk.file(RUBBISH)
    desk.mark_duplicate(duplicate, of=original)
    desk.move(original, "rejected")
    return Refused(
        f"/console/cases/{duplicate}/merge",
        {},
        409,
        f"{original} sudah berstatus “ditolak”; gabungkan hanya ke aduan yang masih terbuka.",
        f"{original} is already “rejected”; merge only into a case that is still open.",
    )


def _case_not_open(desk: Desk) -> Refused:
    code = desk.file()
    desk.move(code, "in_progress", "resolved", "closed")
    return Refused(
        f"/console/cases/{code}/assignee",
        {"assignee": "budi"},
        422,
        "Aduan berstatus “ditutup” tidak lagi diberikan ke petugas.",
        "A case that is “closed” is no longer given to an officer.",
    )


def _proof_required(desk: Desk) -> Refused:
    code = desk.file("Jembatan kayu di Jl. Pemuda ambrol, pagar jembatan patah dan bahaya")
    return Refused(
        f"/console/cases/{code}/status",
        {"status": "resolved"},
        422,
        "Aduan kategori “Jembatan rusak” hanya bisa diselesaikan dengan foto sesudah "
        "perbaikan. Lampirkan fotonya.",
        "A case of the category “Damaged bridges” can only be resolved with a photo taken "
        "after the repair. Attach the photo.",
    )


def _not_a_holder(desk: Desk) -> Refused:
    code = desk.file()  # the roads agency's; dewi works for the environment agency
    return Refused(
        f"/console/cases/{code}/assignee",
        {"assignee": "dewi"},
        422,
        "dewi bukan petugas atau supervisor aktif dari dinas aduan ini.",
        "dewi is not an active officer or supervisor of this case's agency.",
    )


def _unknown_holder(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/assignee",
        {"assignee": "siapa"},
        422,
        "Tidak ada petugas atau supervisor bernama 'siapa'.",
        "There is no officer or supervisor 'siapa'.",
    )


def _unknown_hide_reason(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/hide",
        {"reason": "because"},
        422,
        "Pilih alasan dari daftar.",
        "Choose a reason from the list.",
    )


def _already_hidden(desk: Desk) -> Refused:
    code = desk.file()
    desk.sql(
        "UPDATE cases SET hidden_at = updated_at, hidden_reason = 'other' "
        "WHERE tracking_code = :code",
        code=code,
    )
    return Refused(
        f"/console/cases/{code}/hide",
        {"reason": "offensive"},
        409,
        "Aduan ini sudah disembunyikan dari publik.",
        "This case is already hidden from the public.",
    )


def _not_hidden(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/unhide",
        {},
        409,
        "Aduan ini tidak sedang disembunyikan.",
        "This case is not hidden.",
    )


def _no_such_photo(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/photos/99999/publish",
        {},
        404,
        "Foto itu tidak ada pada aduan ini (atau sudah dihapus).",
        "This case has no such photo (or it was deleted).",
    )


def _unknown_kind(desk: Desk) -> Refused:
    code = desk.file()
    return Refused(
        f"/console/cases/{code}/kind",
        {"kind": "aspirasi"},
        422,
        "Pilih aduan atau pertanyaan.",
        "Choose complaint or question.",
    )


SCENARIOS: dict[Refusal, Callable[[Desk], Refused]] = {
    Refusal.status_not_allowed: _status_not_allowed,
    Refusal.status_final: _status_final,
    Refusal.move_not_allowed: _move_not_allowed,
    Refusal.triage_needs_forward: _triage_needs_forward,
    Refusal.unknown_agency: _unknown_agency,
    Refusal.agency_without_categories: _agency_without_categories,
    Refusal.category_not_in_agency: _category_not_in_agency,
    Refusal.already_with_agency: _already_with_agency,
    Refusal.merge_into_itself: _merge_into_itself,
    Refusal.original_not_open: _original_not_open,
    Refusal.case_not_open: _case_not_open,
    Refusal.not_a_holder: _not_a_holder,
    Refusal.unknown_holder: _unknown_holder,
    Refusal.proof_required: _proof_required,
    Refusal.unknown_hide_reason: _unknown_hide_reason,
    Refusal.already_hidden: _already_hidden,
    Refusal.not_hidden: _not_hidden,
    Refusal.no_such_photo: _no_such_photo,
    Refusal.forward_to_referral: _forward_to_referral,
    Refusal.not_a_referral: _not_a_referral,
    Refusal.unknown_kind: _unknown_kind,
}


def alert(page: str) -> str:
    """The text of the page's alert, as a reader sees it."""
    match = re.search(r'<p class="alert" role="alert">(.*?)</p>', page, re.S)
    assert match, "the page has no alert"
    return html.unescape(match.group(1))


def assert_no_codes(text: str, language: str) -> None:
    tokens = set(re.findall(r"[\w-]+", text))
    codes = {t for t in tokens if "_" in t or (language == "id" and t in ENUM_VALUES)}
    assert codes == set(), text


@pytest.fixture
def desk(web: TestClient, settings: Settings) -> Desk:
    create_staff(settings, "kepala", "supervisor")
    create_staff(settings, "budi", "officer", "DPU")
    create_staff(settings, "dewi", "officer", "DLH")
    return Desk(web, settings, login(web, "kepala"))


@pytest.mark.usefixtures("catalogue_restored")  # one scenario leaves an agency without categories
@pytest.mark.parametrize("reason", list(Refusal))
def test_each_refusal_is_said_in_the_page_language(desk: Desk, reason: Refusal) -> None:
    """Every reason the case rules give, triggered through the console's forms: the sentence of
    the catalogue in Indonesian and in English, with the staff's words for statuses and moves
    and the catalogue's names for agencies and categories; nothing is changed."""
    refused = SCENARIOS[reason](desk)
    code = refused.path.split("/")[3]
    before = (case_row(desk.settings, code).model_dump(), len(history(desk.settings, code)))
    csrf = signed_in(desk.web, "kepala")
    for language in ("id", "en"):
        desk.web.get("/console", params={"lang": language})
        response = post(desk.web, refused.path, csrf, **refused.fields)
        assert response.status_code == refused.status_code, response.text
        assert alert(response.text) == FRAME[language] + getattr(refused, language)
        assert_no_codes(alert(response.text), language)
        assert_reads_well(response.text, language, f"{reason} ({language})")
    after = (case_row(desk.settings, code).model_dump(), len(history(desk.settings, code)))
    assert after == before


@pytest.mark.parametrize(
    ("form", "fields", "indonesian", "english"),
    [
        (
            "status",
            {"status": ""},
            "Status baru: pilih salah satu pilihan yang ada",
            "New status: choose one of the choices offered",
        ),
        (
            "status",
            {"status": "in_progress", "note": "x" * 2001},
            "Catatan untuk warga (dikirim ke warga): maksimal 2000 karakter",
            "Note to the resident (sent to them): at most 2000 characters",
        ),
        (
            "forward",
            {"agency": "", "note": ""},
            "Dinas tujuan: tidak boleh kosong; Alasan (internal): tidak boleh kosong",
            "Agency: must not be empty; Reason (internal): must not be empty",
        ),
        (
            "forward",
            {"agency": "DLH", "note": "   "},
            "Alasan (internal): tidak boleh kosong",
            "Reason (internal): must not be empty",
        ),
        (
            "notes",
            {"text": "y" * 2001},
            "Catatan: maksimal 2000 karakter",
            "Note: at most 2000 characters",
        ),
    ],
    ids=["no-status", "long-note", "empty-forward", "blank-reason", "long-text"],
)
def test_an_invalid_form_names_the_field_and_the_rule(
    desk: Desk, form: str, fields: dict[str, str], indonesian: str, english: str
) -> None:
    """A case form with invalid fields is a 422 naming each field by its label, in the page's
    language, instead of pydantic's English."""
    code = desk.file()
    csrf = signed_in(desk.web, "kepala")
    for language, reason in (("id", indonesian), ("en", english)):
        desk.web.get("/console", params={"lang": language})
        response = post(desk.web, f"/console/cases/{code}/{form}", csrf, **fields)
        assert response.status_code == 422
        assert alert(response.text) == FORM_FRAME[language] + reason
        assert_reads_well(response.text, language, f"{form} ({language})")
    assert len(history(desk.settings, code)) == 1


class Counted(BaseModel):
    count: int


@pytest.mark.parametrize("language", ["id", "en"])
def test_form_errors_without_a_form_label_or_a_sentence_of_their_own(language: str) -> None:
    """A missing field is named; a field of no case form is said without a label; a rule with
    no sentence of its own is said generally, never in pydantic's English."""
    t = words_for(language)
    with pytest.raises(ValidationError) as missing:
        TransitionIn.model_validate({})
    with pytest.raises(ValidationError) as not_a_number:
        Counted.model_validate({"count": "dua"})
    with pytest.raises(ValidationError) as other_rule:
        Counted.model_validate({"count": ["2"]})
    said = [form_errors(t, e.value) for e in (missing, not_a_number, other_rule)]
    if language == "id":
        assert said == ["Status baru: wajib diisi", "harus berupa angka", "isian ini tidak valid"]
    else:
        assert said == ["New status: is required", "must be a number", "this value is not valid"]
