"""What the chat channels say; worded once for every channel, in the message catalogue.

Each reply is a named message here; `say` gives it in the contact's language (core/i18n.py).
"""

from __future__ import annotations

from core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, translator

HELP_TELEGRAM = N_(
    "Halo! Ini layanan Aduan Warga.\n"
    "• Ceritakan masalahnya dalam satu pesan (minimal 3 kata), misalnya: "
    '"Jalan berlubang di Jl. Pemuda depan SD 2". Anda langsung dapat kode pelacakan.\n'
    "• Kirim lokasi dan foto sesudahnya agar petugas mudah menemukannya.\n"
    "• Cek status: /status KODE, atau /status untuk semua aduan Anda.\n"
    "• English: /lang en"
)
# one SMS segment; BANTUAN (HELP) answers with HELP_SMS_FULL
HELP_SMS = N_(
    "Aduan Warga: kirim keluhan Anda (minimal 3 kata) untuk membuat aduan. "
    "Cek status: CEK KODE. Semua aduan: CEK. English: EN. BANTUAN: info lengkap"
)
SHARE_LOCATION = N_("Kirim lokasi saya")
TOO_SHORT = N_("Pesan terlalu pendek untuk dijadikan aduan.")
TOO_LONG = N_("Pesan terlalu panjang untuk dijadikan aduan: paling banyak %(limit)s karakter.")
LOCATION_INVALID = N_("Lokasi itu tidak valid. Kirim lagi lokasi Anda.")
LOCATION_ADDED = N_("Lokasi ditambahkan ke aduan %(code)s. Terima kasih.")
LOCATION_KEPT = N_("Lokasi disimpan. Sekarang ceritakan masalahnya dalam satu pesan.")
PHOTO_ADDED = N_("Foto ditambahkan ke aduan %(code)s. Terima kasih.")
PHOTO_NEEDS_TEXT = N_(
    "Foto diterima, tetapi belum ada aduan yang baru Anda buat. Kirim ulang foto dengan "
    "keterangan masalahnya, atau tulis dulu aduannya lalu kirim fotonya."
)
MEDIA_TOO_LARGE = N_("Maaf, file terlalu besar (maksimal %(limit_mb)s MB).")
MEDIA_UNSUPPORTED = N_("Maaf, jenis file ini tidak bisa kami terima. Kirim foto JPG/PNG.")
MEDIA_FAILED = N_("Maaf, foto gagal diunduh. Silakan kirim ulang.")
UNSUPPORTED = N_("Maaf, kami hanya bisa menerima teks, lokasi, dan foto.")
STATUS_LINE = N_("Aduan %(code)s: %(status)s. Ditangani: %(agency)s.")
STATUS_NOTE = N_("Catatan terakhir: %(note)s")
STATUS_UNKNOWN = N_("Kode %(code)s tidak ditemukan. Periksa lagi kode pelacakan Anda.")
STATUS_BAD_CODE = N_("Format kode tidak dikenal. Contoh: /status ABCD-1234")
STATUS_NONE = N_("Anda tidak punya aduan yang masih terbuka.")
STATUS_LIST = N_("Aduan terbuka Anda:")
REVIEW_DESK = N_("petugas verifikasi")
LANG_SET = N_("Bahasa diganti ke Bahasa Indonesia.")
LIMITED_TELEGRAM = N_(
    "Mohon maaf, dari akun ini sudah masuk %(limit)s aduan dalam satu jam terakhir, "
    "batas yang kami tetapkan agar semua warga terlayani. Silakan kirim aduan baru "
    "sekitar %(minutes)s menit lagi. Aduan yang sudah masuk tetap kami proses; "
    "cek statusnya dengan /status KODE."
)
LIMITED_SMS = N_(
    "Maaf, dari nomor ini sudah masuk %(limit)s aduan dalam 1 jam. Kirim aduan baru "
    "sekitar %(minutes)s menit lagi. Aduan yang sudah masuk tetap kami proses; cek: CEK KODE."
)
RATED = N_("Terima kasih! Penilaian Anda untuk aduan %(code)s: %(rating)s/5.")


# why a message could not be filed, by `intake.service.IntakeError.reason`
REFUSALS = {
    "text_too_short": TOO_SHORT,
    "text_too_long": TOO_LONG,
    "location_invalid": LOCATION_INVALID,
}


def say(language: str, message: str, /, **values: object) -> str:
    """`message` (one of the above) in the contact's `language`, its placeholders filled."""
    return translator(language if language in LANGUAGES else SOURCE_LANGUAGE).gettext(
        message, **values
    )


# the help the word BANTUAN (HELP) gets on SMS: two segments at most, GSM characters only
HELP_SMS_FULL = N_(
    "Aduan Warga lewat SMS:\n"
    "- Tulis masalah dan tempatnya dalam 1 SMS (min. 3 kata), mis. "
    '"Jalan berlubang di Jl. Pemuda depan SD 2". Anda dapat kode aduan.\n'
    "- CEK KODE: status satu aduan. CEK: semua aduan terbuka.\n"
    "- Sesudah selesai: balas 1-5 untuk menilai, atau BELUM bila belum beres.\n"
    "- English: EN"
)
# CEK: after the open cases it lists, how many more there are
STATUS_MORE = N_("+%(count)s aduan lain: CEK KODE")
