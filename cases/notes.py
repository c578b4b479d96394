"""The notes the history writes by itself (the follow-up pass, the citizen's reply, a merge, a
likely duplicate, a triage shortcut): stored as a code and its values, worded when read.

A note a person typed is stored as typed, in `internal_note`. These are stored in `note_code`
and `note_params` and worded here in the reader's language: Indonesian or English on the
console, English in the staff API. Rows written before the codes existed hold their English
text in `internal_note` and are shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from core.i18n import N_, translator


class NoteCode(StrEnum):
    possible_duplicate = "possible_duplicate"
    merged_into = "merged_into"
    merged_here = "merged_here"
    not_fixed = "not_fixed"
    auto_closed = "auto_closed"
    from_triage = "from_triage"
    escalated_to_head = "escalated_to_head"
    escalated_to_supervisors = "escalated_to_supervisors"
    escalated_to_head_no_email = "escalated_to_head_no_email"
    escalated_to_supervisors_no_email = "escalated_to_supervisors_no_email"
    # why staff hid a case from the public (cases.moderation.HideReason), with their words
    hidden_about_person = "hidden_about_person"
    hidden_personal_data = "hidden_personal_data"
    hidden_offensive = "hidden_offensive"
    hidden_not_public = "hidden_not_public"
    hidden_other = "hidden_other"
    followed = "followed"
    # staff recorded the case as a question or as a complaint (cases/kinds.py)
    recorded_as_question = "recorded_as_question"
    recorded_as_complaint = "recorded_as_complaint"


# the placeholders are the note's params
WORDING = {
    NoteCode.possible_duplicate: N_("kemungkinan duplikat dari %(code)s (kemiripan %(score)s)"),
    NoteCode.merged_into: N_("digabung ke %(code)s"),
    NoteCode.merged_here: N_("%(code)s digabung ke aduan ini"),
    NoteCode.not_fixed: N_("warga melaporkan masalahnya belum beres"),
    NoteCode.auto_closed: N_("ditutup otomatis %(days)s hari setelah selesai ditangani"),
    NoteCode.from_triage: N_("diberikan dari triase"),
    NoteCode.escalated_to_head: N_(
        "Dieskalasi ke kepala dinas. Terlambat %(hours)s jam dari target; dikabari: %(told)s"
    ),
    NoteCode.escalated_to_supervisors: N_(
        "Dieskalasi ke supervisor kota. Terlambat %(hours)s jam dari target; dikabari: %(told)s"
    ),
    NoteCode.escalated_to_head_no_email: N_(
        "Dieskalasi ke kepala dinas. Terlambat %(hours)s jam dari target; tidak ada yang "
        "punya alamat e-mail untuk dikabari"
    ),
    NoteCode.escalated_to_supervisors_no_email: N_(
        "Dieskalasi ke supervisor kota. Terlambat %(hours)s jam dari target; tidak ada yang "
        "punya alamat e-mail untuk dikabari"
    ),
    NoteCode.hidden_about_person: N_("Alasan: menyebut atau menuduh seseorang. %(note)s"),
    NoteCode.hidden_personal_data: N_("Alasan: berisi data pribadi. %(note)s"),
    NoteCode.hidden_offensive: N_("Alasan: kata-kata kasar atau menyinggung. %(note)s"),
    NoteCode.hidden_not_public: N_("Alasan: bukan urusan publik. %(note)s"),
    NoteCode.hidden_other: N_("Alasan lain. %(note)s"),
    NoteCode.followed: N_(
        "seorang warga melaporkan masalah yang sama dan kini ikut mendapat kabar "
        "(%(count)s warga melapor atau mengikuti)"
    ),
    NoteCode.recorded_as_question: N_("dicatat sebagai pertanyaan, bukan aduan"),
    NoteCode.recorded_as_complaint: N_("dicatat sebagai aduan, bukan pertanyaan"),
}


@dataclass(frozen=True)
class SystemNote:
    """A history note worded at reading time; `params` fill the blanks of its wording."""

    code: NoteCode
    params: Mapping[str, str | int] = field(default_factory=dict)


def note(code: NoteCode, /, **params: str | int) -> SystemNote:
    return SystemNote(code, params)


def worded(code: str, params: Mapping[str, object] | None, language: str) -> str:
    """A stored note's code and params as a sentence in `language`."""
    # a blank at the end (a note without the staff member's own words) is dropped
    return translator(language).gettext(WORDING[NoteCode(code)], **(params or {})).strip()
