"""The public pages' words for codes and for the form's errors, and their translator.

The pages' sentences are written out in the templates as `_()`; the wording of both languages is
in the message catalogue (core/i18n.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.labels import case_kind_name
from cases.modes import ReportingMode, mode_sentence
from cases.schemas import PublicCase
from core.i18n import N_, Translator
from intake.uploads import MAX_PHOTOS, UploadsRejected
from notifications.templates import status_label

# how a resident may ask to be kept informed (the form's choices)
NOTIFY_CHOICES = {
    "none": N_("Tidak perlu dikabari"),
    "sms": N_("SMS"),
    "whatsapp": N_("WhatsApp"),
    "email": N_("E-mail"),
    "telegram": N_("Telegram"),
}
FIELD_NAMES = {
    "text": N_("Isi aduan"),
    "phone": N_("Nomor HP"),
    "email": N_("E-mail"),
    "lat": N_("Lokasi"),
    "lon": N_("Lokasi"),
    "name": N_("Nama"),
    "address": N_("Alamat"),
    "notify_via": N_("Kabari lewat"),
}
# by the error's type (intake.schemas, pydantic); the placeholders are the error's context
ERRORS = {
    "text_too_short": N_("tuliskan masalahnya minimal %(limit)s karakter"),
    "text_too_long": N_("isi aduan maksimal %(limit)s karakter"),
    "phone_invalid": N_("nomor HP harus 8 sampai 15 angka, misalnya 081234567890"),
    "phone_required": N_("isi nomor HP agar kami bisa mengabari lewat %(via)s"),
    "email_required": N_("isi alamat e-mail agar kami bisa mengabari lewat e-mail"),
    "location_incomplete": N_("lokasi tidak lengkap, coba tekan 'Pakai lokasi saya' lagi"),
    "email_invalid": N_("alamat e-mail tidak valid"),
    "float_parsing": N_("lokasi tidak valid"),
    "less_than_equal": N_("lokasi tidak valid"),
    "greater_than_equal": N_("lokasi tidak valid"),
    "literal_error": N_("pilihan tidak dikenal"),
    "string_too_long": N_("terlalu panjang"),
    "location_invalid": N_("lokasi tidak valid"),
    "text_unstorable": N_("berisi karakter yang tidak bisa disimpan; hapus karakter itu"),
}
# why a photo was refused (intake/uploads.py); %(name)s is the file's name
PHOTO_PROBLEMS = {
    "empty": N_("Foto %(name)s: berkasnya kosong"),
    "too_large": N_("Foto %(name)s: lebih besar dari batas %(limit_mb)s MB"),
    "unsupported_type": N_("Foto %(name)s: jenis berkas ini tidak kami terima"),
    "not_photo": N_("Foto %(name)s: bukan foto; kirim berkas gambar (JPEG, PNG, WebP, GIF)"),
}
TOO_MANY_PHOTOS = N_("Foto: paling banyak %(limit)s foto untuk satu aduan")
PHOTOS_NOT_KEPT = N_("Pilih lagi foto yang ingin dikirim; aduan belum tersimpan.")
# a rule the form has no sentence of its own for
UNKNOWN_ERROR = N_("isian ini tidak valid")
# a case's reporting mode (cases/modes.py), named on its status page
MODE_NAMES = {
    ReportingMode(anonymous=True): N_("Anonim"),
    ReportingMode(confidential=True): N_("Rahasia"),
    ReportingMode(anonymous=True, confidential=True): N_("Anonim dan Rahasia"),
}


@dataclass(frozen=True)
class PageText(Translator):
    """A public page's translator, with the words for statuses, choices and errors."""

    def status(self, value: str) -> str:
        """A case's status as the resident is told it."""
        return status_label(self.language, value)

    def case_kind(self, value: str) -> str:
        """What a case is: "Aduan" or "Pertanyaan"."""
        return case_kind_name(value, self.language)

    def mode(self, case: PublicCase) -> str:
        """The sentence that says which reporting mode the case was filed in; "" for none."""
        return mode_sentence(self.language, ReportingMode(case.anonymous, case.confidential))

    def mode_name(self, case: PublicCase) -> str:
        """The reporting mode's name ("Anonim dan Rahasia"); the case is in one."""
        return self.gettext(MODE_NAMES[ReportingMode(case.anonymous, case.confidential)])

    def via(self, value: str) -> str:
        return self.gettext(NOTIFY_CHOICES[value])

    def explain(self, error: dict) -> str:
        """A validation error as a sentence in the page's language, naming the field."""
        loc = [str(part) for part in error.get("loc", ())]
        where = next((FIELD_NAMES[part] for part in loc if part in FIELD_NAMES), None)
        # pydantic reports a bad e-mail as a generic value_error
        key = "email_invalid" if "email" in loc else error["type"]
        values = dict(error.get("ctx") or {})
        if key == "phone_required":
            values["via"] = self.via(values["via"])
        message = self.gettext(ERRORS.get(key, UNKNOWN_ERROR), **values)
        return f"{self.gettext(where)}: {message}" if where else message

    def photo_problems(self, exc: UploadsRejected, max_bytes: int) -> list[str]:
        """Why the form's photos were refused, one sentence per file, naming it."""
        if exc.too_many:
            problems = [self.gettext(TOO_MANY_PHOTOS, limit=MAX_PHOTOS)]
        else:
            limit_mb = f"{max_bytes / (1024 * 1024):g}"
            problems = [
                self.gettext(PHOTO_PROBLEMS[p.reason], name=p.filename, limit_mb=limit_mb)
                for p in exc.problems
            ]
        return [*problems, self.gettext(PHOTOS_NOT_KEPT)]

    def refusal(self, reason: str, params: dict[str, object]) -> str:
        """Why intake turned the complaint down (`intake.service.IntakeError`), as a sentence."""
        return self.gettext(ERRORS.get(reason, UNKNOWN_ERROR), **params)


def page_text(lang: str) -> PageText:
    return PageText(lang)
