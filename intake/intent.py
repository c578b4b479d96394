"""What a resident's words are, before anything is filed: greeting, thanks, a question about
the service, a follow-up on a case, "it is still not fixed", or something to read as a complaint.

Pure rules over the words alone (Indonesian, Javanese, SMS spelling and English); the
conversation weighs them against the resident's open cases and what the bot last asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    greeting = "greeting"
    # "Assalamualaikum": answered in kind
    salam = "salam"
    thanks = "thanks"
    # "ok", "siap": nothing needs saying back
    acknowledgement = "acknowledgement"
    # a question about the service itself, answered from the FAQ
    question = "question"
    # "when will it be fixed?": about a case already filed
    follow_up = "follow_up"
    # "still broken": about a case the agency called resolved
    not_fixed = "not_fixed"
    # anything else: possibly a complaint, possibly more words about one
    talk = "talk"


class Topic(StrEnum):
    """What a question about the service asks; each has an answer in the catalogue."""

    what = "what"
    cost = "cost"
    privacy = "privacy"
    duration = "duration"
    track = "track"
    who = "who"
    how = "how"


@dataclass(frozen=True)
class Reading:
    intent: Intent
    topic: Topic | None = None


# "terima kasih pak" is thanks; a longer message with thanks in it is not, unless it praises
THANKS_MAX_OTHER_WORDS = 4
_PRAISE = re.compile(
    r"\b(sudah|udah|udh|sdh|wis|already)\s+(bagus|beres|selesai|diperbaiki|dibenerin|nyala|"
    r"menyala|bersih|lancar|normal|mengalir|ngalir|diangkut|surut|fixed|done|working)\b"
    r"|\b(mantap|mantab|keren|cepat|sigap|responsif|great|quick)\b"
)

_REPEATS = re.compile(r"(\w)\1{2,}")
_WORD = re.compile(r"[\w']+")

# words that address someone or soften a message, and carry nothing of their own
_FILLERS = {
    "pak",
    "bu",
    "bapak",
    "ibu",
    "min",
    "mimin",
    "admin",
    "kak",
    "ka",
    "mas",
    "mbak",
    "mba",
    "bang",
    "om",
    "gan",
    "sir",
    "ya",
    "yah",
    "yaa",
    "ye",
    "nggih",
    "njih",
    "inggih",
    "ok",
    "banyak",
    "byk",
    "bnyk",
    "sekali",
    "sangat",
    "atas",
    "bantuannya",
    "infonya",
    "responnya",
    "tanggapannya",
    "semua",
    "semuanya",
    "dan",
    "juga",
    "lagi",
    "nya",
    "deh",
    "dong",
    "sih",
    "nih",
    "loh",
    "kok",
    "so",
    "much",
    "very",
    "all",
    "team",
    "tim",
    "petugas",
    "kakak",
    "everyone",
    "you",
    "u",
    "too",
    "a",
    "lot",
    "guys",
    "ges",
}
_GREETINGS = {
    "halo",
    "hallo",
    "hello",
    "helo",
    "hai",
    "hi",
    "hey",
    "hy",
    "pagi",
    "siang",
    "sore",
    "malam",
    "selamat",
    "met",
    "slmt",
    "morning",
    "afternoon",
    "evening",
    "good",
    "permisi",
    "punten",
    "sugeng",
    "enjing",
    "dalu",
    "p",
    "ping",
    "test",
    "tes",
    "salam",
    "kenal",
}
_SALAM = re.compile(r"\b(ass?alamu'?\s?alaikum|assalam|asw|aslkm|ass?wr\s?wb|salamualaikum)\b")
_THANKS_PHRASES = re.compile(
    r"\b(terima\s?kasih|terimakasih|trima\s?kasih|makasi+h?|maksih|mksh|mks|makasi|"
    r"thx|thanks|thank\s?you|thankyou|tq|ty|tengkyu|matur\s?(suwun|nuwun)|maturnuwun|"
    r"suwun|nuwun|hatur\s?nuhun|trims|tks|thks)\b"
)
_ACKNOWLEDGEMENTS = {
    "ok",
    "oke",
    "okay",
    "okey",
    "okeh",
    "okee",
    "sip",
    "siap",
    "baik",
    "y",
    "ya",
    "iya",
    "iyaa",
    "yup",
    "yes",
    "noted",
    "mantap",
    "mantab",
    "good",
    "nice",
    "paham",
    "ngerti",
    "faham",
    "👍",
    "oh",
    "ohh",
    "wokeh",
    "wokey",
    "sippp",
    "baiklah",
}

# "still not fixed", in the ways residents say it
_NOT_FIXED = re.compile(
    r"^(belum|blm|blom|belom|durung|drg|masih|msh|masi|tetap|tetep|ttp|still|nope|not\s+yet)\b"
    r"|\b(belum|blm|blom|belom|durung|gak|ga|nggak|tidak|tdk|ora)\s+"
    r"(beres|selesai|diperbaiki|dibenerin|dibenahi|dibetulkan|ditangani|bener|nyala|menyala|"
    r"surut|jalan|diangkut|mengalir|ngalir|diganti|berubah|ada\s+perbaikan|ada\s+petugas)\b"
    r"|\b(masih|msh|tetap|tetep|isih|tetap\s+saja|masih\s+saja)\s+"
    r"(mati|rusak|banjir|bocor|macet|gelap|menumpuk|numpuk|ada|sama|berlubang|bolong|padam|"
    r"tergenang|mampet|kotor|bau|belum|blm|kayak|seperti|begitu|begini|gitu|gini)\b"
    r"|\bnot\s+(yet\s+)?(fixed|resolved|repaired|done|working)\b|\bstill\s+(broken|out|dark|"
    r"there|not|flooded|blocked|the\s+same)\b|\bnothing\s+(has\s+)?changed\b"
)

# "when will it be handled", "any news"
_FOLLOW_UP = re.compile(
    r"\b(kapan|kpn|kpan|kapn|sampai\s+kapan|sampe\s+kapan|when)\b"
    r"|\b(progres|progress|perkembangan|kelanjutan|tindak\s?lanjut|tindaklanjutnya|"
    r"update|updatenya|kabar|kabarnya|any\s+news|any\s+update)\b"
    r"|\b(sudah|udah|udh|sdh|wis|uwis)\s+(se|\d+\s*)?(minggu|bulan|hari|pekan|week|month|day)"
    r"|\bkok\s+(belum|blm|gak|ga|nggak|ngga|tidak|durung)\b"
    r"|\b(gimana|bagaimana|gmn|gmana|piye)\s+(aduan|laporan|laporannya|aduannya|nasib)"
    r"|\b(how\s+long|how\s+is\s+my|what\s+is\s+happening)\b"
    r"|\b(belum|blm|durung)\s+(ada\s+)?(respon|respons|tanggapan|balasan|kabar|petugas)"
)

# a question about the service, and what it asks about
_ASKS = re.compile(
    r"\b(tanya|nanya|bertanya|apakah|apa\s+bisa|apa\s+boleh|bisa\s+(ga|gak|nggak|tidak|ngga|"
    r"enggak)|boleh\s+(ga|gak|nggak|tidak)|bagaimana\s+cara|gimana\s+cara|caranya|cara\s+"
    r"(lapor|melapor|mengadu|buat)|caranya|cara|berapa\s+lama|berapa\s+hari|can\s+i|could\s+i|how\s+do\s+i|how\s+can\s+i|is\s+it|"
    r"do\s+i|does\s+it|is\s+this)\b"
)
_TOPICS: tuple[tuple[Topic, re.Pattern[str]], ...] = (
    (Topic.cost, re.compile(r"\b(bayar|biaya|gratis|pulsa|tarif|free|cost|pay|charge)\b")),
    (
        Topic.privacy,
        re.compile(
            r"\b(anonim|anonymous|rahasia\w*|dirahasiakan|identitas|nama\s+saya|nomor\s+saya|privasi|privacy|"
            r"disebar|ketahuan|confidential|my\s+name|my\s+number)\b"
        ),
    ),
    (
        Topic.duration,
        re.compile(r"\b(berapa\s+lama|lama\s+proses|berapa\s+hari|how\s+long|how\s+many\s+days)\b"),
    ),
    (
        Topic.track,
        re.compile(r"\b(cek|lacak|melacak|status|kode|track|tracking|code|check)\b"),
    ),
    (
        Topic.who,
        re.compile(r"\b(siapa|dinas\s+mana|instansi|who|which\s+(office|agency|department))\b"),
    ),
    (
        Topic.what,
        re.compile(
            r"\b(lapor|melapor|laporkan|mengadu|aduan|adukan|keluhan|report|complain|complaint)\b"
        ),
    ),
)


# a question mark makes these a question about the service ("lapor di sini bayar gak?")
_SERVICE_WORDS = re.compile(
    r"\b(bayar|biaya|gratis|pulsa|free|cost|anonim|anonymous|rahasia\w*|identitas|privasi|"
    r"privacy|berapa\s+lama|how\s+long)\b"
)


def normalise(text: str) -> str:
    """Lower case, letters stretched for effect shortened ("makasihhh" -> "makasih")."""
    return _REPEATS.sub(r"\1", text.lower()).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def read(text: str) -> Reading:
    """What `text` is, from its words alone; `talk` when the words do not say.

    Greetings and thanks count only when little else is said: "Assalamualaikum, jalan di
    depan SD 2 berlubang" is talk (a complaint), not a greeting.
    """
    clean = normalise(text)
    tokens = _WORD.findall(clean) or [clean]
    asks = _ASKS.search(clean) or ("?" in clean and _SERVICE_WORDS.search(clean))
    if not asks and _NOT_FIXED.search(clean):
        return Reading(Intent.not_fixed)
    if not asks and _FOLLOW_UP.search(clean):
        return Reading(Intent.follow_up)
    if asks:
        topic = next((topic for topic, pattern in _TOPICS if pattern.search(clean)), Topic.how)
        return Reading(Intent.question, topic)
    if all(t in _ACKNOWLEDGEMENTS or t in _FILLERS for t in tokens):
        return Reading(Intent.acknowledgement)
    said = _SALAM.sub(" ", _THANKS_PHRASES.sub(" ", clean))
    rest = [t for t in _WORD.findall(said) if t not in _FILLERS and t not in _GREETINGS]
    if _THANKS_PHRASES.search(clean) and (
        len(rest) <= THANKS_MAX_OTHER_WORDS or _PRAISE.search(clean)
    ):
        return Reading(Intent.thanks)
    if _SALAM.search(clean) and not rest:
        return Reading(Intent.salam)
    if not rest:
        return Reading(Intent.greeting)
    return Reading(Intent.talk)
