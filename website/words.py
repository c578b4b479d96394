"""Words on the public pages, in Bahasa Indonesia and English."""

from __future__ import annotations

from dataclasses import dataclass, field

from notifications.templates import STATUS_LABELS

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Aduan Warga",
        "intro": "Laporkan masalah di kota Anda: jalan rusak, sampah, banjir, lampu jalan mati, "
        "air tidak mengalir, urusan KTP, dan lainnya. Anda langsung mendapat kode pelacakan.",
        "switch": "English",
        "text": "Apa masalahnya dan di mana?",
        "text_hint": "Contoh: Jalan berlubang besar di depan SD Negeri 2, Jl. Pemuda.",
        "address": "Alamat atau patokan lokasi (tidak wajib)",
        "location": "Pakai lokasi saya",
        "location_set": "Lokasi terisi",
        "contact": "Kabari saya lewat",
        "via_none": "Tidak perlu dikabari",
        "via_sms": "SMS",
        "via_whatsapp": "WhatsApp",
        "via_email": "E-mail",
        "name": "Nama (tidak wajib)",
        "phone": "Nomor HP",
        "email": "E-mail",
        "privacy": "Nomor HP dan e-mail hanya dipakai untuk mengabari Anda dan tidak ditampilkan.",
        "submit": "Kirim aduan",
        "errors": "Aduan belum terkirim:",
        "track": "Cek status aduan",
        "track_code": "Kode pelacakan",
        "track_submit": "Cek",
        "received": "Aduan Anda sudah kami terima. Simpan kode ini:",
        "status_label": "Status",
        "agency": "Ditangani oleh",
        "review_desk": "Petugas verifikasi",
        "category": "Kategori",
        "due": "Target selesai",
        "filed": "Dilaporkan",
        "history": "Riwayat",
        "not_found": "Kode tidak ditemukan. Periksa kembali kode pelacakan Anda.",
        "new_complaint": "Buat aduan baru",
        "event_created": "Aduan diterima",
        "event_status_changed": "Status berubah",
        "event_forwarded": "Dialihkan ke",
        "event_note": "Catatan petugas",
        "rate_title": "Bagaimana penanganan aduan Anda?",
        "rate_intro": "Aduan ini sudah dinyatakan selesai. Beri nilai 1 (buruk) sampai 5 (baik).",
        "rate_submit": "Kirim nilai",
        "rate_stars": "Nilai",
        "not_fixed_intro": "Masalahnya belum beres?",
        "not_fixed_submit": "Belum beres, buka kembali aduan ini",
        "rated": "Terima kasih atas penilaian Anda.",
        "reopened": "Aduan dibuka kembali. Petugas akan menanganinya lagi.",
        "rate_bad_link": "Tautan penilaian ini tidak sah. Pakai tautan dari pesan yang kami kirim.",
        "rate_not_open": "Aduan ini tidak sedang menunggu penilaian (status: {status}).",
        "rate_pick": "Pilih nilai 1 sampai 5.",
        "limited": "Mohon maaf, dari alamat internet ini sudah masuk {limit} aduan dalam satu jam "
        "terakhir. Silakan kirim lagi sekitar {minutes} menit lagi. Aduan yang sudah masuk tetap "
        "kami proses; cek statusnya dengan kode pelacakan di bawah.",
    },
    "en": {
        "title": "City Complaints",
        "intro": "Report a problem in your city: damaged roads, rubbish, floods, dark street "
        "lights, no water, ID cards and more. You get a tracking code at once.",
        "switch": "Bahasa Indonesia",
        "text": "What is wrong, and where?",
        "text_hint": "Example: Large pothole in front of SD Negeri 2, Jl. Pemuda.",
        "address": "Address or landmark (optional)",
        "location": "Use my location",
        "location_set": "Location set",
        "contact": "Keep me informed by",
        "via_none": "No updates needed",
        "via_sms": "SMS",
        "via_whatsapp": "WhatsApp",
        "via_email": "E-mail",
        "name": "Name (optional)",
        "phone": "Mobile number",
        "email": "E-mail",
        "privacy": "Your number and e-mail are only used to keep you informed and are never shown.",
        "submit": "Send complaint",
        "errors": "Your complaint was not sent yet:",
        "track": "Check a complaint",
        "track_code": "Tracking code",
        "track_submit": "Check",
        "received": "We have received your complaint. Keep this code:",
        "status_label": "Status",
        "agency": "Handled by",
        "review_desk": "Review desk",
        "category": "Category",
        "due": "Target date",
        "filed": "Reported",
        "history": "History",
        "not_found": "No complaint has this code. Please check your tracking code.",
        "new_complaint": "File another complaint",
        "event_created": "Complaint received",
        "event_status_changed": "Status changed",
        "event_forwarded": "Passed to",
        "event_note": "Officer's note",
        "rate_title": "How was your complaint handled?",
        "rate_intro": "This complaint was marked resolved. Rate it from 1 (poor) to 5 (good).",
        "rate_submit": "Send rating",
        "rate_stars": "Rating",
        "not_fixed_intro": "Is the problem still there?",
        "not_fixed_submit": "Not fixed, reopen this complaint",
        "rated": "Thank you for your rating.",
        "reopened": "The complaint is reopened. Officers will work on it again.",
        "rate_bad_link": "This rating link is not valid. Use the link from the message we sent.",
        "rate_not_open": "This complaint is not waiting for a rating (status: {status}).",
        "rate_pick": "Choose a rating from 1 to 5.",
        "limited": "Sorry, {limit} complaints have come from this internet address within the "
        "last hour. Please send yours again in about {minutes} minutes. Complaints already "
        "received are being handled; check one with its tracking code below.",
    },
}

FIELD_NAMES = {
    "id": {
        "text": "Isi aduan",
        "phone": "Nomor HP",
        "email": "E-mail",
        "lat": "Lokasi",
        "lon": "Lokasi",
        "name": "Nama",
        "address": "Alamat",
        "notify_via": "Kabari lewat",
    },
    "en": {
        "text": "Complaint",
        "phone": "Mobile number",
        "email": "E-mail",
        "lat": "Location",
        "lon": "Location",
        "name": "Name",
        "address": "Address",
        "notify_via": "Keep me informed by",
    },
}


ERRORS: dict[str, dict[str, str]] = {
    "id": {
        "text_too_short": "tuliskan masalahnya minimal {limit} karakter",
        "text_too_long": "isi aduan maksimal {limit} karakter",
        "phone_invalid": "nomor HP harus 8 sampai 15 angka, misalnya 081234567890",
        "phone_required": "isi nomor HP agar kami bisa mengabari lewat {via}",
        "email_required": "isi alamat e-mail agar kami bisa mengabari lewat e-mail",
        "location_incomplete": "lokasi tidak lengkap, coba tekan 'Pakai lokasi saya' lagi",
        "email_invalid": "alamat e-mail tidak valid",
        "float_parsing": "lokasi tidak valid",
        "less_than_equal": "lokasi tidak valid",
        "greater_than_equal": "lokasi tidak valid",
        "literal_error": "pilihan tidak dikenal",
        "string_too_long": "terlalu panjang",
    },
    "en": {
        "text_too_short": "describe the problem in at least {limit} characters",
        "text_too_long": "the description must have at most {limit} characters",
        "phone_invalid": "the mobile number must have 8 to 15 digits, e.g. 081234567890",
        "phone_required": "give a mobile number so we can reach you by {via}",
        "email_required": "give an e-mail address so we can reach you by e-mail",
        "location_incomplete": "the location is incomplete; press 'Use my location' again",
        "email_invalid": "this e-mail address is not valid",
        "float_parsing": "the location is not valid",
        "less_than_equal": "the location is not valid",
        "greater_than_equal": "the location is not valid",
        "literal_error": "unknown choice",
        "string_too_long": "too long",
    },
}


@dataclass(frozen=True)
class PageText:
    lang: str
    words: dict[str, str] = field(repr=False)

    def __getattr__(self, key: str) -> str:
        return self.words[key]

    def status(self, value: str | None) -> str:
        return STATUS_LABELS[self.lang].get(value or "", value or "")

    def explain(self, error: dict) -> str:
        """A validation error as a sentence in the page's language, naming the field."""
        names = FIELD_NAMES[self.lang]
        where = next((names[str(p)] for p in error.get("loc", ()) if str(p) in names), None)
        # pydantic reports a bad e-mail as a generic value_error
        key = "email_invalid" if "email" in error.get("loc", ()) else error["type"]
        template = ERRORS[self.lang].get(key)
        if template is None:  # a rule we have no wording for: show pydantic's own
            message = str(error.get("msg", "")).removeprefix("Value error, ")
        else:
            message = template.format(**(error.get("ctx") or {}))
        return f"{where}: {message}" if where else message


def page_text(lang: str) -> PageText:
    return PageText(lang, TEXT[lang])
