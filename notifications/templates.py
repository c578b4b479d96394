"""What we say to citizens, in Bahasa Indonesia and English (the message catalogue, core/i18n.py).

Short on purpose: many residents read these on basic phones where one SMS segment is 160
characters, so the tracking code comes first and the link last.
"""

from __future__ import annotations

from core.i18n import LANGUAGES, N_, translator
from notifications.enums import MessageKind

# a case's status as the resident is told it (the console has its own words for staff)
STATUS_LABELS = {
    "triage": N_("sedang ditinjau"),
    "assigned": N_("diteruskan ke dinas"),
    "in_progress": N_("sedang dikerjakan"),
    "waiting": N_("menunggu keterangan dari Anda"),
    "resolved": N_("selesai ditangani"),
    "closed": N_("ditutup"),
    "rejected": N_("ditolak"),
    "referred": N_("dirujuk ke instansi lain"),
}

# %(due)s and %(note)s are empty or a sentence with its own leading space: when the case will
# be handled (cases/due.py) and the officer's note
TEMPLATES = {
    # TRANSLATORS: %(due)s is empty or when the case will be handled, with its own leading space
    MessageKind.acknowledgement: N_(
        "Aduan %(code)s diterima. Ditangani: %(agency)s.%(due)s Cek: %(track_url)s"
    ),
    # TRANSLATORS: %(due)s and %(note)s are empty or a sentence with its own leading space
    MessageKind.status_changed: N_("Aduan %(code)s: %(status)s.%(due)s%(note)s Cek: %(track_url)s"),
    # TRANSLATORS: %(due)s and %(note)s are empty or a sentence with its own leading space
    MessageKind.forwarded: N_(
        "Aduan %(code)s dialihkan ke %(agency)s.%(due)s%(note)s Cek: %(track_url)s"
    ),
    MessageKind.public_note: N_("Aduan %(code)s:%(note)s Cek: %(track_url)s"),
    MessageKind.rating_request: N_("Aduan %(code)s: %(status)s.%(note)s"),
    MessageKind.auto_closed: N_(
        "Aduan %(code)s sudah selesai dan kini ditutup. Terima kasih atas laporan Anda. "
        "%(track_url)s"
    ),
    # TRANSLATORS: %(due)s is empty or when the case will be handled, with its own leading space
    MessageKind.reopened: N_(
        "Aduan %(code)s dibuka kembali dan ditangani lagi oleh %(agency)s.%(due)s "
        "Cek: %(track_url)s"
    ),
    # TRANSLATORS: %(agency)s a body outside the city government (PLN, the police);
    # %(where)s how to reach it, e.g. "aplikasi PLN Mobile, telepon 123"
    MessageKind.referred: N_(
        "Aduan %(code)s tercatat. Ini wewenang %(agency)s, bukan Pemkot. Hubungi %(where)s. "
        "Cek: %(track_url)s"
    ),
}

# the acknowledgement of a question routing placed with an agency (cases.enums.CaseKind): it
# goes there as a question, to be answered, not as a problem to fix
# TRANSLATORS: %(due)s is empty or when the case will be handled, with its own leading space
QUESTION_ACKNOWLEDGEMENT = N_(
    "Pertanyaan %(code)s diteruskan ke %(agency)s.%(due)s Cek: %(track_url)s"
)

# after "resolved": how the citizen rates the handling or says it is not fixed. A chat or SMS
# contact replies in words; an e-mail contact (the web form) follows a link.
RATING_ASK_REPLY = N_(
    "Nilai penanganannya: balas angka 1 (buruk) s.d. 5 (baik). Belum beres? Balas BELUM."
)
RATING_ASK_LINK = N_("Beri nilai 1-5 atau laporkan belum beres: %(rate_url)s")

# an agency's announcement to the residents of an area: not about one case, so no tracking
# code; %(until)s is when it ends, e.g. "sampai 18:00" (cases/announcements.py)
# TRANSLATORS: %(agency)s an agency's name, %(text)s the officer's words, %(until)s "sampai 18:00"
ANNOUNCEMENT = N_("Pengumuman %(agency)s, %(until)s: %(text)s Info: %(map_url)s")
ANNOUNCEMENT_SUBJECT = N_("Pengumuman %(agency)s")

CITIZEN_SUBJECT = N_("Aduan %(code)s")
SUBJECTS = {
    MessageKind.overdue_digest: N_("Kasus terlambat per %(code)s"),
    MessageKind.escalation: N_("Eskalasi: aduan %(code)s"),
    MessageKind.webhook_paused: N_("Webhook dijeda: %(code)s"),
}

NOTE = N_("Catatan petugas: %(note)s")
# for complaints that came in on a chat app, which can send a location and a photo next
INVITE_DETAILS = N_("Kirim juga lokasi dan foto agar petugas mudah menemukannya.")
TRIAGE_AGENCY = N_("petugas verifikasi")
# how to reach a referral body: its channel (website, app, office) and call-centre number
# TRANSLATORS: %(channel)s e.g. "aplikasi PLN Mobile", %(hotline)s a telephone number
REFERRAL_HOTLINE = N_("%(channel)s, telepon %(hotline)s")
# a referred case's status where the body it went to is known: not a failure of the city
# TRANSLATORS: %(agency)s a body outside the city government, e.g. PT PLN (Persero)
REFERRED_TO = N_("dirujuk ke %(agency)s")


def _note(language: str, note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        return ""
    if note[-1] not in ".!?":
        note += "."
    return " " + translator(language).gettext(NOTE, note=note)


def _sentence(text: str | None) -> str:
    """A sentence to follow another in a template: "" or the text with a leading space."""
    text = (text or "").strip()
    return f" {text}" if text else ""


def language_of(language: str | None) -> str:
    return language if language in LANGUAGES else "id"


def where_to_go(language: str, channel: str, hotline: str | None) -> str:
    """How to reach a referral body, in `language`: its channel, and its hotline if it has one.
    `channel` is already in `language` (the catalogue's channel or channel_en)."""
    if not hotline:
        return channel
    return translator(language_of(language)).gettext(
        REFERRAL_HOTLINE, channel=channel, hotline=hotline
    )


def status_label(language: str, status: str | None, referred_to: str | None = None) -> str:
    """A status as the resident reads it; "" for none. A referred case names the body it was
    referred to when `referred_to` gives its name."""
    if not status:
        return ""
    t = translator(language_of(language))
    if status == "referred" and referred_to:
        return t.gettext(REFERRED_TO, agency=referred_to)
    return t.gettext(STATUS_LABELS[status])


def render(
    kind: MessageKind,
    language: str,
    *,
    code: str,
    track_url: str,
    agency: str | None = None,
    status: str | None = None,
    note: str | None = None,
    due: str | None = None,
    invite_details: bool = False,
    rate_url: str | None = None,
    mode: str | None = None,
    notice: str | None = None,
    where: str | None = None,
    question: bool = False,
) -> str:
    """The text of one message; missing optional parts simply drop out.

    `due` is the sentence that says when the case will be handled (cases/due.py), `mode` the
    one that says it was filed Anonim or Rahasia (cases/modes.py), and `notice` the one naming
    the announcement a new complaint was linked to (cases/announcements.py), each already in
    `language`. A rating request asks for a reply, or with `rate_url` (contacts who cannot
    reply) a click. `where` says how to reach a referral body (`where_to_go`). With
    `question`, an acknowledgement says the resident's question went to the agency.
    """
    language = language_of(language)
    t = translator(language)
    values = message_variables(
        language,
        code=code,
        track_url=track_url,
        agency=agency,
        status=status,
        note=note,
        due=due,
        where=where,
    )
    values["note"] = _note(language, note)
    values["due"] = _sentence(due)
    values["where"] = (where or "").strip()
    wording = (
        QUESTION_ACKNOWLEDGEMENT
        if question and kind is MessageKind.acknowledgement
        else TEMPLATES[kind]
    )
    text = t.gettext(wording, **values)
    if kind is MessageKind.rating_request:
        ask = (
            t.gettext(RATING_ASK_LINK, rate_url=rate_url)
            if rate_url
            else t.gettext(RATING_ASK_REPLY)
        )
        text += " " + ask
    text += _sentence(notice) + _sentence(mode)
    return f"{text} {t.gettext(INVITE_DETAILS)}" if invite_details else text


def message_variables(
    language: str,
    *,
    code: str,
    track_url: str,
    agency: str | None = None,
    status: str | None = None,
    note: str | None = None,
    due: str | None = None,
    where: str | None = None,
) -> dict[str, str]:
    """The values a message is made from, as the citizen reads them (status label, agency name).

    Stored on the outbox row so a channel that sends pre-approved templates (WhatsApp outside the
    24-hour window) can fill its own text; `note` is the bare note, `due` the sentence on
    when the case will be handled, each "" when there is none, and `where` how to reach a
    referral body, only in a message that has one.
    """
    language = language_of(language)
    values = {
        "code": code,
        "status": status_label(language, status),
        "agency": agency or translator(language).gettext(TRIAGE_AGENCY),
        "note": (note or "").strip(),
        "due": (due or "").strip(),
        "track_url": track_url,
    }
    return values if where is None else values | {"where": where.strip()}


def subject(language: str, code: str, kind: str | None = None) -> str:
    """An e-mail's subject; `code` is the row's reference (a tracking code, or a digest's date)."""
    message = SUBJECTS.get(kind or "", CITIZEN_SUBJECT)
    return translator(language_of(language)).gettext(message, code=code)
