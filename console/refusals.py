"""Why the console turned a change down, in the page's language: the case rules' refusals
(`cases.errors.CaseError`, by its `reason`) and a form's invalid fields (pydantic's errors, by
their type and the field's label).

The wording is the console's, not the domain's: the staff API says the same refusals in English
with raw codes (`str(exc)`), which its clients read; a page names statuses and moves by the
staff's words (console.words) and agencies and categories by their names, as `console.admin`
does for account refusals.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from cases.enums import CaseStatus
from cases.errors import CaseError, Refusal, SearchProblem, SearchRefused
from cases.transitions import MoveName
from console.words import Words
from core.i18n import N_

# by `CaseError.reason`; the placeholders are its params
REFUSALS = {
    Refusal.status_not_allowed: N_(
        "Status aduan tidak bisa diubah dari “%(current)s” menjadi “%(target)s”. "
        "Yang bisa: %(allowed)s."
    ),
    Refusal.status_final: N_(
        "Aduan berstatus “%(current)s” sudah final; statusnya tidak bisa diubah lagi."
    ),
    Refusal.move_not_allowed: N_(
        "%(code)s berstatus “%(current)s”; langkah “%(move)s” hanya untuk aduan berstatus: "
        "%(sources)s."
    ),
    Refusal.triage_needs_forward: N_(
        "Aduan di triase diberikan ke dinas dengan mengalihkannya lewat formulir Alihkan."
    ),
    Refusal.unknown_agency: N_("Dinas '%(agency)s' tidak ada atau tidak aktif."),
    Refusal.agency_without_categories: N_("%(agency)s tidak punya kategori yang aktif."),
    Refusal.category_not_in_agency: N_(
        "Kategori '%(category)s' bukan milik %(agency)s. Pilih salah satu: %(choices)s."
    ),
    Refusal.already_with_agency: N_("Aduan ini sudah berada di %(agency)s."),
    Refusal.merge_into_itself: N_("Aduan tidak bisa digabung ke dirinya sendiri."),
    Refusal.original_not_open: N_(
        "%(code)s sudah berstatus “%(status)s”; gabungkan hanya ke aduan yang masih terbuka."
    ),
    Refusal.case_not_open: N_("Aduan berstatus “%(status)s” tidak lagi diberikan ke petugas."),
    Refusal.not_a_holder: N_(
        "%(username)s bukan petugas atau supervisor aktif dari dinas aduan ini."
    ),
    Refusal.unknown_holder: N_("Tidak ada petugas atau supervisor bernama '%(username)s'."),
    Refusal.proof_required: N_(
        "Aduan kategori “%(category)s” hanya bisa diselesaikan dengan foto sesudah perbaikan. "
        "Lampirkan fotonya."
    ),
    Refusal.unknown_hide_reason: N_("Pilih alasan dari daftar."),
    Refusal.already_hidden: N_("Aduan ini sudah disembunyikan dari publik."),
    Refusal.not_hidden: N_("Aduan ini tidak sedang disembunyikan."),
    Refusal.no_such_photo: N_("Foto itu tidak ada pada aduan ini (atau sudah dihapus)."),
    Refusal.forward_to_referral: N_(
        "%(agency)s bukan dinas pemkot: rujuk aduan ke sana lewat formulir Rujuk."
    ),
    Refusal.not_a_referral: N_(
        "%(agency)s adalah dinas pemkot: alihkan aduan ke sana lewat formulir Alihkan."
    ),
    Refusal.unknown_kind: N_("Pilih aduan atau pertanyaan."),
}
# why a search of the queue cannot be run (cases.search)
SEARCH_REFUSALS = {
    SearchProblem.empty: N_("Ketik kata, kode aduan, atau nomor telepon yang dicari."),
    SearchProblem.too_long: N_("Pencarian paling banyak %(chars)s karakter dan %(words)s kata."),
}
# the params that hold codes of the catalogue, shown by their names where they have one
AGENCY_PARAMS, CATEGORY_PARAMS = frozenset({"agency"}), frozenset({"category", "choices"})

# a case form's fields by (form, field), with the labels the form shows them under
FIELDS = {
    ("TransitionIn", "status"): N_("Status baru"),
    ("TransitionIn", "note"): N_("Catatan untuk warga (dikirim ke warga)"),
    ("TransitionIn", "internal_note"): N_("Catatan internal (tidak dikirim)"),
    ("ForwardIn", "agency"): N_("Dinas tujuan"),
    ("ForwardIn", "category"): N_("Kategori di dinas tujuan"),
    ("ForwardIn", "note"): N_("Alasan (internal)"),
    ("ReferIn", "agency"): N_("Instansi tujuan"),
    ("ReferIn", "note"): N_("Alasan merujuk (internal)"),
    ("NoteIn", "text"): N_("Catatan"),
}
# by the error's type (pydantic's, or cases.schemas' own); the placeholders are its context
FORM_ERRORS = {
    "missing": N_("wajib diisi"),
    "blank": N_("tidak boleh kosong"),
    "string_too_short": N_("minimal %(min_length)s karakter"),
    "string_too_long": N_("maksimal %(max_length)s karakter"),
    "enum": N_("pilih salah satu pilihan yang ada"),
    "int_parsing": N_("harus berupa angka"),
    "float_parsing": N_("harus berupa angka"),
}
# a rule the form has no sentence of its own for
UNKNOWN_FORM_ERROR = N_("isian ini tidak valid")


def refusal_text(
    t: Words, exc: CaseError, agencies: Mapping[str, str], categories: Mapping[str, str]
) -> str:
    """The case rules' refusal as a sentence; `agencies` and `categories` are names by code."""

    def shown(name: str, value: object) -> str:
        if isinstance(value, tuple):
            return ", ".join(shown(name, one) for one in value)
        if isinstance(value, CaseStatus):
            return t.status(value)
        if isinstance(value, MoveName):
            return t.move(value)
        if name in AGENCY_PARAMS:
            return agencies.get(str(value), str(value))
        if name in CATEGORY_PARAMS:
            return categories.get(str(value), str(value))
        return str(value)

    params = {name: shown(name, value) for name, value in exc.params.items()}
    return t.gettext(REFUSALS[exc.reason], **params)


def _form_error(t: Words, form: str, error: Mapping) -> str:
    field = str(error["loc"][0]) if error.get("loc") else ""
    kind = error["type"]
    context = dict(error.get("ctx") or {})
    if kind == "string_too_short" and context.get("min_length") == 1:
        kind = "blank"  # one character is the least there is: the field was left empty
    message = t.gettext(FORM_ERRORS.get(kind, UNKNOWN_FORM_ERROR), **context)
    label = FIELDS.get((form, field))
    return f"{t.gettext(label)}: {message}" if label else message


def form_errors(t: Words, exc: ValidationError) -> str:
    """Each invalid field of a case form, named by its label, as one line."""
    return "; ".join(_form_error(t, exc.title, error) for error in exc.errors())


def search_refusal_text(t: Words, exc: SearchRefused) -> str:
    """Why a search cannot be run, as a sentence."""
    return t.gettext(SEARCH_REFUSALS[exc.problem], **{k: str(v) for k, v in exc.params.items()})
