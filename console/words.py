"""The staff console's words for codes (statuses, roles, channels, ...), and its translator.

Statuses read as staff speak of a case (cases/labels.py, shared with the CSV export). Every
other sentence of the console is written out where it is used, as `_()` in the templates and
`t.gettext()` here and in the routes; the wording of both languages is in the message
catalogue (core/i18n.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.enums import CaseKind, CaseStatus, EventKind, SourceChannel
from cases.labels import CASE_KIND_NAMES, STAFF_STATUS_NAMES
from cases.transitions import MoveName
from core.i18n import N_, Translator
from notifications.enums import Channel, MessageKind, NotificationStatus
from staff.enums import Role, SessionKind

# the lifecycle's moves (cases.transitions) as steps, the way a refusal names them
STEPS = {
    MoveName.file: N_("masuk ke dinas"),
    MoveName.file_for_triage: N_("masuk ke triase"),
    MoveName.file_referred: N_("masuk dan langsung dirujuk ke instansi di luar pemkot"),
    MoveName.forward: N_("alihkan ke dinas lain"),
    MoveName.refer: N_("rujuk ke instansi di luar pemkot"),
    MoveName.split: N_("warga memisahkan aduan berisi beberapa masalah"),
    MoveName.start: N_("mulai kerjakan"),
    MoveName.wait: N_("tunggu keterangan warga"),
    MoveName.resume: N_("lanjutkan pengerjaan"),
    MoveName.answer: N_("warga menjawab pertanyaan petugas"),
    MoveName.resolve: N_("tandai selesai"),
    MoveName.reject: N_("tolak"),
    MoveName.merge: N_("gabungkan ke aduan asal"),
    MoveName.join: N_("warga menggabungkan aduannya ke aduan yang sudah ada"),
    MoveName.reopen: N_("buka kembali"),
    MoveName.not_fixed: N_("warga bilang belum beres"),
    MoveName.close: N_("tutup"),
    MoveName.auto_close: N_("tutup otomatis"),
}
ROLES = {
    Role.officer: N_("petugas"),
    Role.supervisor: N_("supervisor"),
    Role.admin: N_("admin"),
}
EVENTS = {
    EventKind.created: N_("Aduan masuk"),
    EventKind.status_changed: N_("Status berubah"),
    EventKind.forwarded: N_("Dialihkan"),
    EventKind.note: N_("Catatan"),
    EventKind.merged: N_("Digabung"),
    EventKind.assignee_changed: N_("Petugas diganti"),
    EventKind.escalated: N_("Dieskalasi"),
    EventKind.rated: N_("Dinilai warga"),
    EventKind.citizen_note: N_("Tambahan dari warga"),
    EventKind.nudged: N_("Warga menanyakan kelanjutan"),
    EventKind.text_edited: N_("Warga mengoreksi teks aduan"),
    EventKind.hidden: N_("Disembunyikan dari publik"),
    EventKind.unhidden: N_("Ditampilkan lagi untuk publik"),
    EventKind.public_text_edited: N_("Teks untuk publik diubah"),
    EventKind.photo_published: N_("Foto disetujui untuk publik"),
    EventKind.photo_withdrawn: N_("Foto ditarik dari publik"),
    EventKind.kind_changed: N_("Jenis diubah"),
}
MESSAGE_KINDS = {
    MessageKind.acknowledgement: N_("tanda terima"),
    MessageKind.status_changed: N_("perubahan status"),
    MessageKind.forwarded: N_("pengalihan"),
    MessageKind.public_note: N_("catatan petugas"),
    MessageKind.rating_request: N_("selesai + minta nilai"),
    MessageKind.auto_closed: N_("ditutup otomatis"),
    MessageKind.reopened: N_("dibuka kembali"),
    MessageKind.referred: N_("rujukan ke instansi lain"),
    MessageKind.overdue_digest: N_("ringkasan kasus terlambat"),
    MessageKind.escalation: N_("eskalasi"),
    MessageKind.announcement: N_("pengumuman wilayah"),
    MessageKind.webhook_paused: N_("webhook dijeda"),
}
DELIVERY = {
    NotificationStatus.pending: N_("menunggu"),
    NotificationStatus.sending: N_("sedang dikirim"),
    NotificationStatus.sent: N_("terkirim"),
    NotificationStatus.delivered: N_("diterima warga"),
    NotificationStatus.failed: N_("gagal"),
    NotificationStatus.cancelled: N_("dibatalkan, data warga dihapus"),
    NotificationStatus.held: N_("ditahan, endpoint dijeda"),
}
ESCALATIONS = {1: N_("ke kepala dinas"), 2: N_("ke supervisor kota")}
# where a complaint came in, and where a contact is reached
CHANNELS = {
    SourceChannel.web: N_("formulir daring"),
    SourceChannel.open311: N_("aplikasi mitra (Open311)"),
    Channel.email: N_("e-mail"),
    Channel.sms: N_("SMS"),
    Channel.whatsapp: N_("WhatsApp"),
    Channel.telegram: N_("Telegram"),
}
# how a message went out, where that differs from its channel (notifications.senders)
DELIVERY_PATHS = {
    "whatsapp_template": N_("templat WhatsApp"),
    "whatsapp_template_included": N_("dalam templat WhatsApp pesan sebelumnya"),
    "sms_fallback": N_("SMS pengganti WhatsApp"),
}
LANGUAGES = {"id": N_("Bahasa Indonesia"), "en": N_("Bahasa Inggris")}
# what a resident's file is, by the first part of its content type; anything else is a document
ATTACHMENT_KINDS = {"image": N_("Foto"), "audio": N_("Rekaman suara"), "video": N_("Rekaman video")}
DOCUMENT = N_("Dokumen")
# where a staff session was signed in (the account page)
SESSION_KINDS = {SessionKind.console: N_("konsol (peramban)"), SessionKind.api: N_("token API")}
# the history's author when no staff member acted (cases.lifecycle, cases.feedback)
ACTORS = {"citizen": N_("warga"), "system": N_("sistem")}
# where a staff member was shown a reporter's full contact (privacy.reveals.Via)
VIA = {"console": N_("konsol"), "api": N_("API staf")}


@dataclass(frozen=True)
class Words(Translator):
    """A console page's translator, with the words for the codes its pages show."""

    def status(self, value: str) -> str:
        return self.gettext(STAFF_STATUS_NAMES[CaseStatus(value)])

    def move(self, value: str) -> str:
        return self.gettext(STEPS[MoveName(value)])

    def case_kind(self, value: str) -> str:
        """What a case is: "Aduan" or "Pertanyaan"."""
        return self.gettext(CASE_KIND_NAMES[CaseKind(value)])

    def role(self, value: str) -> str:
        return self.gettext(ROLES[Role(value)])

    def event(self, value: str) -> str:
        return self.gettext(EVENTS[EventKind(value)])

    def kind(self, value: str) -> str:
        return self.gettext(MESSAGE_KINDS[MessageKind(value)])

    def delivery(self, value: str) -> str:
        return self.gettext(DELIVERY[NotificationStatus(value)])

    def escalation(self, level: int) -> str:
        return self.gettext(ESCALATIONS[level])

    def channel(self, value: str) -> str:
        return self.gettext(CHANNELS[value])

    def path(self, value: str) -> str:
        """How a message went out; a path this table does not know yet shows as it is."""
        return self.gettext(DELIVERY_PATHS[value]) if value in DELIVERY_PATHS else value

    def language_name(self, value: str) -> str:
        return self.gettext(LANGUAGES[value])

    def attachment_kind(self, content_type: str) -> str:
        """What a file is ("Foto", "Rekaman suara", "Rekaman video", "Dokumen"), from its content
        type."""
        family = content_type.partition("/")[0]
        return self.gettext(ATTACHMENT_KINDS.get(family, DOCUMENT))

    def via(self, value: str) -> str:
        """Where a full contact was shown: the console or the staff API."""
        return self.gettext(VIA[value])

    def session_kind(self, value: str) -> str:
        return self.gettext(SESSION_KINDS[SessionKind(value)])

    def actor(self, value: str) -> str:
        """Who wrote a history entry: a username, or the resident or the system in words."""
        return self.gettext(ACTORS[value]) if value in ACTORS else value


def words_for(lang: str) -> Words:
    return Words(lang)
