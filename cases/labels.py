"""Statuses as staff speak of a case ("menunggu keterangan warga"), not as the resident is told
about it ("menunggu keterangan dari Anda", notifications.templates): the console's words and the
CSV export's status names."""

from __future__ import annotations

from cases.enums import CaseStatus
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
