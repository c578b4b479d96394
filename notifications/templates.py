"""What we say to citizens, in Bahasa Indonesia and English.

Short on purpose: many residents read these on basic phones where one SMS segment is 160
characters, so the tracking code comes first and the link last.
"""

from __future__ import annotations

from string import Formatter

from notifications.enums import MessageKind

STATUS_LABELS: dict[str, dict[str, str]] = {
    "id": {
        "triage": "sedang ditinjau",
        "assigned": "diteruskan ke dinas",
        "in_progress": "sedang dikerjakan",
        "waiting": "menunggu keterangan dari Anda",
        "resolved": "selesai ditangani",
        "closed": "ditutup",
        "rejected": "ditolak",
    },
    "en": {
        "triage": "under review",
        "assigned": "assigned to an agency",
        "in_progress": "in progress",
        "waiting": "waiting for information from you",
        "resolved": "resolved",
        "closed": "closed",
        "rejected": "rejected",
    },
}

TEMPLATES: dict[str, dict[str, str]] = {
    MessageKind.acknowledgement: {
        "id": "Aduan Anda diterima. Kode: {code}. Ditangani: {agency}. Cek status: {track_url}",
        "en": "Your complaint was received. Code: {code}. Handled by: {agency}. "
        "Status: {track_url}",
    },
    MessageKind.status_changed: {
        "id": "Aduan {code}: {status}.{note} Cek: {track_url}",
        "en": "Complaint {code}: {status}.{note} Details: {track_url}",
    },
    MessageKind.forwarded: {
        "id": "Aduan {code} dialihkan ke {agency}.{note} Cek: {track_url}",
        "en": "Complaint {code} was passed to {agency}.{note} Details: {track_url}",
    },
    MessageKind.public_note: {
        "id": "Aduan {code}:{note} Cek: {track_url}",
        "en": "Complaint {code}:{note} Details: {track_url}",
    },
}

SUBJECTS: dict[str, str] = {
    "id": "Aduan {code}",
    "en": "Complaint {code}",
}

NOTE_PREFIX = {"id": " Catatan petugas: ", "en": " Officer's note: "}
# for complaints that came in on a chat app, which can send a location and a photo next
INVITE_DETAILS = {
    "id": " Kirim juga lokasi dan foto agar petugas mudah menemukannya.",
    "en": " Send your location and a photo too, so officers can find it.",
}
TRIAGE_AGENCY = {"id": "petugas verifikasi", "en": "the review desk"}


def _note(language: str, note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        return ""
    if note[-1] not in ".!?":
        note += "."
    return f"{NOTE_PREFIX[language]}{note}"


def language_of(language: str | None) -> str:
    return language if language in STATUS_LABELS else "id"


def render(
    kind: MessageKind,
    language: str,
    *,
    code: str,
    track_url: str,
    agency: str | None = None,
    status: str | None = None,
    note: str | None = None,
    invite_details: bool = False,
) -> str:
    """The text of one message; missing optional parts simply drop out."""
    language = language_of(language)
    template = TEMPLATES[kind][language]
    values = message_variables(
        language, code=code, track_url=track_url, agency=agency, status=status, note=note
    )
    values["note"] = _note(language, note)
    fields = {name for _, name, _, _ in Formatter().parse(template) if name}
    text = template.format(**{k: v for k, v in values.items() if k in fields})
    return text + INVITE_DETAILS[language] if invite_details else text


def message_variables(
    language: str,
    *,
    code: str,
    track_url: str,
    agency: str | None = None,
    status: str | None = None,
    note: str | None = None,
) -> dict[str, str]:
    """The values a message is made from, as the citizen reads them (status label, agency name).

    Stored on the outbox row so a channel that sends pre-approved templates (WhatsApp outside the
    24-hour window) can fill its own text; `note` is the bare note, "" when there is none.
    """
    language = language_of(language)
    return {
        "code": code,
        "status": STATUS_LABELS[language].get(status or "", status or ""),
        "agency": agency or TRIAGE_AGENCY[language],
        "note": (note or "").strip(),
        "track_url": track_url,
    }


def subject(language: str, code: str) -> str:
    return SUBJECTS[language_of(language)].format(code=code)
