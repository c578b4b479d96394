"""What the chat channels say; worded once for every channel, in the message catalogue.

Each reply is a named message here; `say` gives it in the contact's language (core/i18n.py).
"""

from __future__ import annotations

from cases.modes import ReportingMode
from core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, translator

HELP_TELEGRAM = N_(
    "Halo! Ini layanan Aduan Warga.\n"
    "• Ceritakan masalahnya dalam satu pesan (minimal 3 kata), misalnya: "
    '"Jalan berlubang di Jl. Pemuda depan SD 2". Anda langsung dapat kode pelacakan.\n'
    "• Kirim lokasi dan foto sesudahnya agar petugas mudah menemukannya.\n"
    "• Cek status: /status KODE, atau /status untuk semua aduan Anda.\n"
    "• Data Anda yang kami simpan: /datasaya. Hapus data kontak Anda: /hapusdata\n"
    "• Tanpa nama (petugas tidak melihat identitas Anda): /anonim. Tidak dipublikasikan: "
    "/rahasia. Berlaku untuk aduan berikutnya; bisa juga #anonim atau #rahasia di awal pesan.\n"
    "• English: /lang en"
)
# one SMS segment; BANTUAN (HELP) answers with HELP_SMS_FULL
HELP_SMS = N_(
    "Aduan Warga: kirim keluhan Anda (minimal 3 kata) untuk membuat aduan. "
    "Cek status: CEK KODE. Semua aduan: CEK. English: EN. BANTUAN: info lengkap"
)
SHARE_LOCATION = N_("Kirim lokasi saya")
TOO_SHORT = N_(
    "Pesan terlalu pendek untuk dijadikan aduan. Ceritakan masalahnya dalam satu pesan: "
    "apa yang terjadi dan di mana."
)
TOO_LONG = N_("Pesan terlalu panjang untuk dijadikan aduan: paling banyak %(limit)s karakter.")
LOCATION_INVALID = N_("Lokasi itu tidak valid. Kirim lagi lokasi Anda.")
LOCATION_ADDED = N_("Lokasi ditambahkan ke aduan %(code)s. Terima kasih.")
LOCATION_KEPT = N_("Lokasi disimpan. Sekarang ceritakan masalahnya dalam satu pesan.")
MEDIA_TOO_LARGE = N_("Maaf, file terlalu besar (maksimal %(limit_mb)s MB).")
MEDIA_UNSUPPORTED = N_(
    "Maaf, jenis file ini tidak bisa kami terima. Kirim foto, video, pesan suara, atau PDF."
)
MEDIA_FAILED = N_("Maaf, foto gagal diunduh. Silakan kirim ulang.")
UNSUPPORTED = N_(
    "Maaf, pesan jenis ini tidak bisa kami proses. Kirim teks, lokasi, foto, video, pesan "
    "suara, atau dokumen."
)
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

# --- the conversation: small talk, questions, answers and choices ---------------------------
GREETING = N_("Halo! Ceritakan masalahnya dalam satu pesan: apa yang terjadi dan di mana.")
SALAM = N_("Waalaikumsalam. Ceritakan masalahnya dalam satu pesan: apa yang terjadi dan di mana.")
THANKS = N_("Sama-sama. Terima kasih sudah melapor.")
FAQ = {
    "what": N_(
        "Bisa. Laporkan masalah kota di sini: jalan, lampu jalan, sampah, banjir, air PDAM, "
        "pohon tumbang, KTP/KK, dll. Tulis apa masalahnya dan di mana."
    ),
    "cost": N_("Gratis. Melapor di layanan ini tidak dipungut biaya apa pun."),
    "privacy": N_(
        "Nama dan nomor Anda hanya dilihat petugas yang menangani, tidak pernah ditampilkan "
        "untuk umum. Awali aduan dengan ANONIM agar petugas pun tak melihatnya."
    ),
    "duration": N_(
        "Tiap jenis aduan punya target dalam hari kerja. Targetnya kami kirim bersama kode "
        "pelacakan setelah Anda melapor."
    ),
    "track": N_("Ketik CEK untuk semua aduan Anda, atau CEK KODE untuk satu aduan."),
    "who": N_(
        "Aduan diteruskan ke dinas yang berwenang, misalnya DPU untuk jalan dan PDAM untuk "
        "air. Nama dinasnya ada di pesan tanda terima."
    ),
    "how": N_(
        "Tulis masalahnya dalam satu pesan: apa yang terjadi dan di mana. Kirim lokasi dan "
        "foto sesudahnya. Cek status: CEK KODE."
    ),
}
ANSWER_PASSED_ON = N_(
    "Terima kasih, jawaban Anda sudah kami teruskan ke petugas untuk aduan %(code)s."
)
NOTE_ADDED = N_("Tambahan Anda sudah kami catat pada aduan %(code)s.")
NUDGE_NOTED = N_("Pertanyaan Anda sudah kami sampaikan ke petugas.")
ASK_NEW_OR_ADD = N_(
    "Ini aduan baru? Balas 1 = aduan baru, 2 = tambahan untuk aduan %(code)s (%(summary)s)."
)
ASK_IS_COMPLAINT = N_(
    "Apakah ini aduan? Balas 1 untuk mengirimnya sebagai aduan, atau tulis masalahnya: apa "
    "yang terjadi dan di mana."
)
ASK_WHICH_CASE = N_("Untuk aduan yang mana? Balas nomornya:")
ASK_WHICH_CASE_OR_NEW = N_("%(number)s = aduan baru")
ASK_SPLIT = N_(
    "Pesan Anda berisi %(count)s masalah: %(problems)s. Balas 2 untuk kami pisahkan menjadi "
    "%(count)s aduan, 1 = tetap satu aduan."
)
KEPT_ONE = N_("Baik, tetap satu aduan. Petugas kami akan meneruskannya ke dinas yang tepat.")
CHOICE_RANGE = N_("Balas dengan nomor 1 sampai %(count)s.")
CHOICE_NEW = N_("Aduan baru")
CHOICE_SEND = N_("Kirim sebagai aduan")
CHOICE_ONE = N_("Satu aduan")
CHOICE_SPLIT = N_("Pisahkan")
TEXT_EDITED = N_("Teks aduan %(code)s sudah kami perbarui.")
EDIT_NOTED = N_("Aduan %(code)s sudah diproses; perubahan Anda kami catat sebagai tambahan.")
MEDIA_KINDS = {
    "photo": N_("Foto"),
    "video": N_("Rekaman video"),
    "voice": N_("Pesan suara"),
    "audio": N_("Rekaman suara"),
    "document": N_("Dokumen"),
}
MEDIA_ADDED = N_("%(kind)s ditambahkan ke aduan %(code)s. Terima kasih.")
MEDIA_AND_NOTE_ADDED = N_("%(kind)s dan keterangannya ditambahkan ke aduan %(code)s. Terima kasih.")
MEDIA_NEEDS_TEXT = N_(
    "%(kind)s diterima, tetapi belum ada aduan yang baru Anda buat. Kirim ulang dengan "
    "keterangan masalahnya, atau tulis dulu aduannya lalu kirim lagi."
)


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
    "Aduan Warga via SMS:\n"
    "- Tulis masalah dan tempatnya dalam 1 SMS (min. 3 kata), mis. "
    '"Jalan berlubang di Jl. Pemuda". Anda dapat kode.\n'
    "- CEK KODE: status satu aduan. CEK: semuanya.\n"
    "- Sesudah selesai: balas 1-5 untuk menilai, BELUM bila belum beres.\n"
    "- DATA SAYA: data Anda. HAPUS DATA: hapus.\n"
    "- English: EN"
)
# CEK: after the open cases it lists, how many more there are
STATUS_MORE = N_("+%(count)s aduan lain: CEK KODE")

# --- residents' data: DATA SAYA shows what is stored, HAPUS DATA erases it (privacy/) --------
# a contact as the resident knows it: the channel, then the number or chat it is
CONTACT_CHANNELS = {
    "sms": N_("SMS"),
    "whatsapp": N_("WhatsApp"),
    "telegram": N_("Telegram"),
    "email": N_("e-mail"),
}
LANGUAGE_NAMES = {"id": N_("Indonesia"), "en": N_("Inggris")}
DATA_CONTACT = N_("%(channel)s %(address)s, bahasa %(language)s")
DATA_CONTACT_NAMED = N_("%(channel)s %(address)s, nama %(name)s, bahasa %(language)s")
DATA_INTRO = N_("Data Anda yang kami simpan:")
DATA_CASES = N_("Aduan Anda (%(count)s):")
DATA_CASE = N_("%(code)s: %(status)s, masuk %(day)s")
DATA_NO_CASES = N_("Tidak ada aduan atas kontak ini.")
DATA_FOLLOWING = N_("Aduan yang Anda ikuti: %(codes)s.")
DATA_MESSAGES = N_("Pesan kami untuk Anda yang tersimpan: %(count)s.")
DATA_LOCATION = N_("Lokasi yang Anda kirim disimpan untuk aduan berikutnya.")
DATA_ERASE_TELEGRAM = N_("Hapus data kontak Anda: /hapusdata")
# on SMS, in a few words: the contacts, then every code without its date
DATA_SMS = N_("Data Anda: %(contacts)s.")
DATA_SMS_CASES = N_("%(count)s aduan: %(codes)s.")
DATA_ERASE = N_("Hapus data kontak Anda: HAPUS DATA")
ASK_ERASE = N_(
    "Hapus data kontak Anda? Aduan Anda tetap tercatat tanpa identitas Anda, dan Anda tidak "
    "dapat kabar lagi tentangnya. Balas 1 = ya, hapus; 2 = tidak."
)
CHOICE_ERASE = N_("Ya, hapus")
CHOICE_KEEP_DATA = N_("Tidak")
ERASED = N_(
    "Data Anda sudah dihapus: kontak %(contacts)s, nama dan bahasa. %(cases)s aduan kini "
    "tanpa identitas Anda; %(cancelled)s pesan dibatalkan."
)
ERASE_KEPT = N_("Baik, data Anda tidak dihapus.")
# --- the brake on tracking-code lookups (intake/lookups.py); the status page says it too -----
LOOKUP_LIMITED = N_(
    "Mohon maaf, terlalu banyak kode pelacakan yang tidak cocok dengan aduan mana pun. "
    "Silakan coba lagi sekitar %(minutes)s menit lagi."
)

# --- Anonim and Rahasia (cases/modes.py, intake/modes.py) ------------------------------------
# BANTUAN (HELP) on SMS and WhatsApp: a second reply, after HELP_SMS_FULL
HELP_MODES = N_(
    "Tanpa nama: awali pesan dengan ANONIM, petugas tidak melihat nama dan nomor Anda. "
    "Tidak dipublikasikan: awali dengan RAHASIA. Bisa keduanya."
)
# the answer to /anonim, a bare RAHASIA or the welcome's button: what the next complaint is
MODE_NEXT = {
    ReportingMode(anonymous=True): N_(
        "Baik, aduan Anda berikutnya Anonim: petugas tidak melihat nama dan nomor Anda. "
        "Silakan tulis aduannya."
    ),
    ReportingMode(confidential=True): N_(
        "Baik, aduan Anda berikutnya Rahasia: isinya tidak ditampilkan untuk umum. Silakan "
        "tulis aduannya."
    ),
    ReportingMode(anonymous=True, confidential=True): N_(
        "Baik, aduan Anda berikutnya Anonim dan Rahasia: petugas tidak melihat nama dan nomor "
        "Anda, isinya tidak ditampilkan untuk umum."
    ),
}
# Telegram's welcome (/start) asks with buttons
ASK_MODE = N_(
    "Ingin melapor tanpa nama atau tanpa dipublikasikan? Pilih sebelum menulis aduan:\n"
    "1 = Anonim: petugas tidak melihat nama dan akun Anda\n"
    "2 = Rahasia: isi aduan tidak ditampilkan untuk umum\n"
    "3 = Anonim dan Rahasia\n"
    "Atau langsung tulis aduannya."
)
CHOICE_ANONYMOUS = N_("Anonim")
CHOICE_CONFIDENTIAL = N_("Rahasia")
CHOICE_BOTH = N_("Anonim dan Rahasia")

# the rating request's buttons (Telegram's inline keyboard, WhatsApp's quick replies): 1 to 5,
# and this one, which sends the word that reopens the case (`NOT_FIXED_REPLY`)
RATING_NOT_FIXED = N_("Belum beres")
# what that button answers, read as typing it; one word the conversation reads in any language
NOT_FIXED_REPLY = "BELUM"
# --- the web form's Telegram link: /start <token> (intake/chat_links.py) ----------------------
LINK_BOUND = N_(
    "Aduan %(code)s dari formulir web kini tersambung dengan Telegram ini. Setiap kabar "
    "penanganannya akan kami kirim di sini. Cek status kapan saja: /status %(code)s"
)
LINK_ALREADY = N_("Aduan %(code)s sudah tersambung dengan Telegram ini.")
LINK_USED = N_(
    "Tautan ini sudah dipakai di akun Telegram lain, jadi tidak ada yang diubah. Kabar aduan "
    "%(code)s tetap dikirim ke akun itu."
)
LINK_EXPIRED = N_(
    "Tautan ini sudah kedaluwarsa (berlaku %(hours)s jam). Aduan %(code)s tetap kami proses; "
    "cek statusnya dengan /status %(code)s"
)
LINK_UNKNOWN = N_(
    "Tautan ini tidak kami kenali. Untuk melapor, tulis saja aduan Anda di sini; untuk cek "
    "status, /status KODE."
)

# --- "already reported?" (intake/already_reported.py): an open public case near the place -----
# `about` is the case's first words and its status; one SMS with a 9-character code
ALREADY_REPORTED = N_(
    "Sepertinya sudah dilaporkan: %(code)s (%(about)s). Balas IKUT untuk ikut mendapat kabar, "
    "atau LAPOR BARU."
)
# the answer to a location that placed the resident's complaint `own`, asking on the same
ALREADY_REPORTED_HERE = N_(
    "Lokasi ditambahkan ke %(own)s. Sepertinya sudah dilaporkan: %(code)s. Balas IKUT untuk "
    "ikut mendapat kabar (%(own)s digabung ke sana), atau LAPOR BARU."
)
# the status of a case offered that waits for its reporter (not for the resident asked)
WAITING_FOR_REPORTER = N_("menunggu keterangan pelapor")
CHOICE_FOLLOW = N_("IKUT")
CHOICE_REPORT_NEW = N_("LAPOR BARU")
FOLLOWING = N_(
    "Baik, Anda kini ikut mendapat kabar aduan %(code)s. %(count)s warga sudah melaporkan "
    "atau mengikuti masalah ini."
)
FOLLOWING_ALREADY = N_("Anda sudah mendapat kabar aduan %(code)s.")
FOLLOW_NOT_OPEN = N_(
    "Aduan %(code)s sudah tidak terbuka, jadi aduan Anda kami catat sebagai aduan baru."
)
JOINED = N_(
    "Baik, aduan %(own)s digabung ke aduan %(code)s. Kabar selanjutnya kami kirim untuk "
    "aduan %(code)s; %(count)s warga sudah melaporkan atau mengikuti masalah ini."
)
JOIN_NOT_OPEN = N_(
    "Aduan %(own)s tidak bisa digabung lagi ke aduan %(code)s karena statusnya sudah berubah. "
    "Tidak ada yang diubah."
)
KEPT_OWN = N_("Baik, aduan %(code)s tetap kami proses sebagai aduan tersendiri.")

# --- the rating request's list on WhatsApp (bots/twilio/rating_list.py) ------------------------
# the button that opens the list: at most 20 characters
RATING_LIST_BUTTON = N_("Pilih jawaban")
# each rating's title (at most 24 characters) and its description (at most 72), 5 to 1
RATING_TITLES = {
    5: N_("Sangat puas"),
    4: N_("Puas"),
    3: N_("Biasa saja"),
    2: N_("Kecewa"),
    1: N_("Sangat kecewa"),
}
# TRANSLATORS: under a rating's title in the WhatsApp list, e.g. "Nilai 4 dari 5"
RATING_DESCRIPTION = N_("Nilai %(rating)s dari 5")
# under RATING_NOT_FIXED in the list
NOT_FIXED_DESCRIPTION = N_("Masalahnya masih ada: aduan dibuka kembali")

# --- a web form's follow link opened in Telegram (intake/chat_links.py) ------------------------
LINK_FOLLOWED = N_(
    "Anda kini ikut mendapat kabar aduan %(code)s di Telegram ini. Setiap kabar penanganannya "
    "akan kami kirim di sini. Cek status kapan saja: /status %(code)s"
)
LINK_CLOSED = N_(
    "Aduan %(code)s sudah tidak terbuka, jadi tidak ada yang perlu diikuti. Lihat hasilnya "
    "dengan /status %(code)s"
)
# TRANSLATORS: a message routing reads as a question for the city, not a report of a problem
ASK_IS_QUESTION = N_(
    "Ini tampaknya pertanyaan. Info layanan kota ada di situs resmi pemkot. Kalau ini aduan, "
    "balas 1, atau tulis apa masalahnya dan di mana."
)
ASK_IS_QUESTION_HOTLINE = N_(
    "Ini tampaknya pertanyaan. Info layanan kota: %(hotline)s. Kalau ini aduan, balas 1, atau "
    "tulis apa masalahnya dan di mana."
)

# --- a case referred to a body outside the city government (/status) -------------------------
# TRANSLATORS: %(where)s how to reach the body, e.g. "Aplikasi PLN Mobile, telepon 123"
REFERRAL_WHERE = N_("Hubungi: %(where)s")
