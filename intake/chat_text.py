"""What the chat channels say, in Bahasa Indonesia and English; worded once for every channel."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "help_telegram": (
            "Halo! Ini layanan Aduan Warga.\n"
            "• Ceritakan masalahnya dalam satu pesan (minimal 3 kata), misalnya: "
            '"Jalan berlubang di Jl. Pemuda depan SD 2". Anda langsung dapat kode pelacakan.\n'
            "• Kirim lokasi dan foto sesudahnya agar petugas mudah menemukannya.\n"
            "• Cek status: /status KODE, atau /status untuk semua aduan Anda.\n"
            "• English: /lang en"
        ),
        "help_sms": (
            "Aduan Warga: kirim keluhan Anda (minimal 3 kata) untuk membuat aduan. "
            "Cek status: CEK KODE. Semua aduan: CEK. English: EN."
        ),
        "share_location": "Kirim lokasi saya",
        "too_short": "Pesan terlalu pendek untuk dijadikan aduan.",
        "location_added": "Lokasi ditambahkan ke aduan {code}. Terima kasih.",
        "location_kept": "Lokasi disimpan. Sekarang ceritakan masalahnya dalam satu pesan.",
        "photo_added": "Foto ditambahkan ke aduan {code}. Terima kasih.",
        "photo_needs_text": (
            "Foto diterima, tetapi belum ada aduan yang baru Anda buat. Kirim ulang foto dengan "
            "keterangan masalahnya, atau tulis dulu aduannya lalu kirim fotonya."
        ),
        "media_too_large": "Maaf, file terlalu besar (maksimal {limit_mb} MB).",
        "media_unsupported": "Maaf, jenis file ini tidak bisa kami terima. Kirim foto JPG/PNG.",
        "media_failed": "Maaf, foto gagal diunduh. Silakan kirim ulang.",
        "unsupported": "Maaf, kami hanya bisa menerima teks, lokasi, dan foto.",
        "status_line": "Aduan {code}: {status}. Ditangani: {agency}.",
        "status_note": "Catatan terakhir: {note}",
        "status_unknown": "Kode {code} tidak ditemukan. Periksa lagi kode pelacakan Anda.",
        "status_bad_code": "Format kode tidak dikenal. Contoh: /status ABCD-1234",
        "status_none": "Anda tidak punya aduan yang masih terbuka.",
        "status_list": "Aduan Anda yang masih terbuka:",
        "review_desk": "petugas verifikasi",
        "lang_set": "Bahasa diganti ke Bahasa Indonesia.",
        "limited_telegram": (
            "Mohon maaf, dari akun ini sudah masuk {limit} aduan dalam satu jam terakhir, "
            "batas yang kami tetapkan agar semua warga terlayani. Silakan kirim aduan baru "
            "sekitar {minutes} menit lagi. Aduan yang sudah masuk tetap kami proses; "
            "cek statusnya dengan /status KODE."
        ),
        "limited_sms": (
            "Mohon maaf, dari nomor ini sudah masuk {limit} aduan dalam satu jam terakhir. "
            "Silakan kirim aduan baru sekitar {minutes} menit lagi. Aduan yang sudah masuk "
            "tetap kami proses; cek statusnya: CEK KODE."
        ),
        "rated": "Terima kasih! Penilaian Anda untuk aduan {code}: {rating}/5.",
    },
    "en": {
        "help_telegram": (
            "Hello! This is the city complaint service.\n"
            "• Describe the problem in one message (at least 3 words), e.g. "
            '"Pothole on Jl. Pemuda in front of SD 2". You get a tracking code at once.\n'
            "• Then send your location and a photo so officers can find it.\n"
            "• Check status: /status CODE, or /status for all your complaints.\n"
            "• Bahasa Indonesia: /lang id"
        ),
        "help_sms": (
            "City complaints: send your complaint (at least 3 words) to file it. "
            "Status: STATUS CODE. All yours: STATUS. Bahasa Indonesia: ID."
        ),
        "share_location": "Send my location",
        "too_short": "That message is too short to file as a complaint.",
        "location_added": "Location added to complaint {code}. Thank you.",
        "location_kept": "Location saved. Now describe the problem in one message.",
        "photo_added": "Photo added to complaint {code}. Thank you.",
        "photo_needs_text": (
            "Photo received, but you have no recent complaint. Send the photo again with a "
            "caption describing the problem, or write the complaint first and then the photo."
        ),
        "media_too_large": "Sorry, the file is too large (at most {limit_mb} MB).",
        "media_unsupported": "Sorry, we cannot accept this kind of file. Please send a JPG/PNG.",
        "media_failed": "Sorry, the photo could not be downloaded. Please send it again.",
        "unsupported": "Sorry, we can only accept text, locations and photos.",
        "status_line": "Complaint {code}: {status}. Handled by: {agency}.",
        "status_note": "Latest note: {note}",
        "status_unknown": "No complaint has the code {code}. Please check your tracking code.",
        "status_bad_code": "That is not a tracking code. Example: /status ABCD-1234",
        "status_none": "You have no open complaints.",
        "status_list": "Your open complaints:",
        "review_desk": "the review desk",
        "lang_set": "Language switched to English.",
        "limited_telegram": (
            "Sorry, this account has sent {limit} complaints within the last hour, the limit "
            "that keeps the service open to every resident. Please send a new complaint in "
            "about {minutes} minutes. Complaints already received are being handled; "
            "check one with /status CODE."
        ),
        "limited_sms": (
            "Sorry, this number has sent {limit} complaints within the last hour. Please send "
            "a new complaint in about {minutes} minutes. Complaints already received are being "
            "handled; check one with: STATUS CODE."
        ),
        "rated": "Thank you! Your rating for complaint {code}: {rating}/5.",
    },
}


def say(language: str, key: str, **values: object) -> str:
    words = TEXT.get(language, TEXT["id"])
    return words[key].format(**values)
