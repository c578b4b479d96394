"""Statuses as staff speak of a case ("menunggu keterangan warga"), not as the resident is told
about it ("menunggu keterangan dari Anda", notifications.templates): the console's words and the
CSV export's status names. And what a case is (a complaint or a question), in the same words for
staff and the public."""

from __future__ import annotations

from cases.enums import CaseKind, CaseStatus
from core.i18n import N_, translator

STAFF_STATUS_NAMES = {
    CaseStatus.triage: N_("menunggu triase"),
    CaseStatus.assigned: N_("diteruskan ke dinas"),
    CaseStatus.in_progress: N_("sedang dikerjakan"),
    CaseStatus.waiting: N_("menunggu keterangan warga"),
    CaseStatus.resolved: N_("selesai ditangani"),
    CaseStatus.closed: N_("ditutup"),
    CaseStatus.rejected: N_("ditolak"),
    CaseStatus.referred: N_("dirujuk ke instansi di luar pemkot"),
}


def staff_status_name(status: str, language: str) -> str:
    """`status` in `language`, as the console names it."""
    return translator(language).gettext(STAFF_STATUS_NAMES[CaseStatus(status)])


# SP4N-LAPOR!'s names for the two: Pengaduan (here Aduan, as everywhere in Aduan) and Pertanyaan
CASE_KIND_NAMES = {
    CaseKind.complaint: N_("Aduan"),
    CaseKind.question: N_("Pertanyaan"),
}


def case_kind_name(kind: str, language: str) -> str:
    """`kind` (a CaseKind value) in `language`: "Aduan" or "Pertanyaan"."""
    return translator(language).gettext(CASE_KIND_NAMES[CaseKind(kind)])
