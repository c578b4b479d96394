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
    MessageKind.rating_request: {
        "id": "Aduan {code}: {status}.{note}",
        "en": "Complaint {code}: {status}.{note}",
    },
    MessageKind.auto_closed: {
        "id": "Aduan {code} sudah selesai dan kini ditutup. Terima kasih atas laporan Anda. "
        "{track_url}",
        "en": "Complaint {code} was resolved and is now closed. Thank you for reporting. "
        "{track_url}",
    },
    MessageKind.reopened: {
        "id": "Aduan {code} dibuka kembali dan ditangani lagi oleh {agency}. Cek: {track_url}",
        "en": "Complaint {code} is reopened and back with {agency}. Details: {track_url}",
    },
}

# after "resolved": how the citizen rates the handling or says it is not fixed. A chat or SMS
# contact replies in words; an e-mail contact (the web form) follows a link.
RATING_ASK = {
    "reply": {
        "id": " Nilai penanganannya: balas angka 1 (buruk) s.d. 5 (baik). "
        "Belum beres? Balas BELUM.",
        "en": " Rate the handling: reply 1 (poor) to 5 (good). Not fixed? Reply NOT FIXED.",
    },
    "link": {
        "id": " Beri nilai 1-5 atau laporkan belum beres: {rate_url}",
        "en": " Rate it 1-5 or tell us it is not fixed: {rate_url}",
    },
}

SUBJECTS: dict[str, dict[str, str]] = {
    "citizen": {"id": "Aduan {code}", "en": "Complaint {code}"},
    MessageKind.overdue_digest: {
        "id": "Kasus terlambat per {code}",
        "en": "Overdue cases as of {code}",
    },
    MessageKind.escalation: {"id": "Eskalasi: aduan {code}", "en": "Escalation: case {code}"},
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
    rate_url: str | None = None,
) -> str:
    """The text of one message; missing optional parts simply drop out.

    A rating request asks for a reply, or with `rate_url` (contacts who cannot reply) a click.
    """
    language = language_of(language)
    template = TEMPLATES[kind][language]
    values = message_variables(
        language, code=code, track_url=track_url, agency=agency, status=status, note=note
    )
    values["note"] = _note(language, note)
    fields = {name for _, name, _, _ in Formatter().parse(template) if name}
    text = template.format(**{k: v for k, v in values.items() if k in fields})
    if kind is MessageKind.rating_request:
        ask = RATING_ASK["link" if rate_url else "reply"][language]
        text += ask.format(rate_url=rate_url)
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


def subject(language: str, code: str, kind: str | None = None) -> str:
    """An e-mail's subject; `code` is the row's reference (a tracking code, or a digest's date)."""
    words = SUBJECTS.get(kind or "", SUBJECTS["citizen"])
    return words[language_of(language)].format(code=code)
