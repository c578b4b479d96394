"""How routing reads what a resident wrote before the model scores it.

Real messages wrap the problem in courtesy ("Assalamualaikum wr. wb. Yth. Bapak Walikota beserta
jajarannya, dengan hormat, izin menyampaikan ... Atas perhatiannya kami ucapkan terima kasih"),
write Javanese and SMS spelling ("dalan", "sy", "blm"), and tell context before the sentence that
says what is wrong. Reading therefore:

- strips greetings, preambles and closings (`strip_formalities`); the case keeps the whole text;
- folds words to one spelling (`normalise`): chat shorthand and common Javanese words become the
  Indonesian word the training examples use most, so "dalan bolong" and "jalan berlubang" share
  their word features;
- splits the text into sentences (`sentences`), so the model can weigh the one that states the
  problem above the ones that only tell context.
"""

from __future__ import annotations

import re
from functools import lru_cache

from routing.keywords import _ALIASES, _STRETCHED, _fold

__all__ = ["asks", "normalise", "sentences", "strip_formalities"]

# words whose normal form each process keeps cached; residents use the same few thousand
_CACHED_WORDS = 20_000

# Chat shorthand beyond the keyword classifier's aliases (those cover words that carry meaning for
# keywords; these only help n-grams line up: "yg rusak" and "yang rusak").
_SHORTHAND = {
    "yg": "yang",
    "tp": "tapi",
    "tpi": "tapi",
    "sm": "sama",
    "jg": "juga",
    "org": "orang",
    "kalo": "kalau",
    "klo": "kalau",
    "kl": "kalau",
    "dr": "dari",
    "utk": "untuk",
    "u": "untuk",
    "gmn": "bagaimana",
    "gimana": "bagaimana",
    "knp": "kenapa",
    "bkn": "bukan",
    "lg": "lagi",
    "sdg": "sedang",
    "dlm": "dalam",
    "kmrn": "kemarin",
    "kmren": "kemarin",
    "hr": "hari",
    "thn": "tahun",
    "bln": "bulan",
    "mgg": "minggu",
    "ujan": "hujan",
    "ngga": "tidak",
    "sy": "saya",
    "sya": "saya",
    "kmi": "kami",
    "trs": "terus",
    "trus": "terus",
    "bnyk": "banyak",
    "byk": "banyak",
    "bnyak": "banyak",
    "sgr": "segera",
    "skr": "sekarang",
    "skrng": "sekarang",
    "mhn": "mohon",
    "kpd": "kepada",
    "tsb": "tersebut",
    "spt": "seperti",
    "hrs": "harus",
    "sblm": "sebelum",
    "stlh": "setelah",
    "sampe": "sampai",
    "ampe": "sampai",
    "kec": "kecamatan",
    "kel": "kelurahan",
    "kab": "kabupaten",
    "gg": "gang",
}

# Javanese words with one plain Indonesian counterpart. Only words that are not also common
# Indonesian words of another meaning: "kali" (river, and "times") and "buntu" (blocked, and
# "dead end") stay as they are.
_JAVANESE = {
    "dalan": "jalan",
    "ndalan": "jalan",
    "banyu": "air",
    "peteng": "gelap",
    "ngarep": "depan",
    "mburi": "belakang",
    "nggih": "ya",
    "inggih": "ya",
    "iki": "ini",
    "kuwi": "itu",
    "iku": "itu",
    "ning": "di",
    "neng": "di",
    "nang": "di",
    "karo": "dengan",
    "ono": "ada",
    "onten": "ada",
    "enten": "ada",
    "uwuh": "sampah",
    "kalen": "selokan",
    "sampun": "sudah",
    "mpun": "sudah",
    "dereng": "belum",
    "akeh": "banyak",
    "kathah": "banyak",
    "nek": "kalau",
    "menawi": "kalau",
    "pripun": "bagaimana",
    "piye": "bagaimana",
    "mampet": "tersumbat",
}

# Courtesy that says nothing about the problem: salutations, addresses to officials, preambles,
# thanks and closings, in Indonesian, Javanese and English. Matched in lower case.
_TO_OFFICIAL = (
    r"(?:bapak|ibu|bpk|pak|bu)\s+"
    r"(?:bupati|walikota|wali\s+kota|gubernur|camat|lurah|kepala\s+dinas)"
)
_FORMALITIES = re.compile(
    r"\b(?:"
    + "|".join(
        (
            r"(?:was+|as+)alam\w*(?:\s+(?:wr\.?\s*wb\.?|warahmatullahi\s+wabarakatuh))?",
            r"salam\s+(?:sejahtera|hormat|sehat)(?:\s+untuk\s+kita\s+semua)?",
            r"(?:selamat|slmt|met|sugeng)\s+(?:pagi|siang|sore|malam|malem|enjing|sonten|dalu)",
            r"(?:kepada\s+)?yth\.?(?:\s+[^.,:;!?\n]{0,60}?(?:jajaran(?:nya)?|$|(?=[.,:;!?\n])))?",
            _TO_OFFICIAL + r"(?:\s+(?:beserta|dan)\s+jajaran(?:nya)?)?",
            r"dengan\s+hormat",
            r"hormat\s+(?:kami|saya)",
            r"(?:mohon\s+)?(?:izin|ijin)\s+(?:menyampaikan|melaporkan|bertanya|lapor|mengadu)",
            r"(?:mohon\s+)?maaf\s+(?:mengganggu|sebelumnya|(?:apabila|bila|jika)[^.!?\n]*)",
            r"demikian\s+(?:laporan|surat|pengaduan|aduan|keluhan|yang\s+dapat)[^.!?\n]*",
            r"(?:atas\s+perhatian(?:nya)?(?:\s+dan\s+kerja\s*sama(?:nya)?)?\s+)?"
            r"(?:(?:kami|saya)\s+)?(?:ucapkan\s+)?"
            r"(?:terima\s*kasih|trima\s*kasih|makasih|trims|matur\s+(?:nuwun|suwun)|thank\s+you)"
            r"(?:\s+(?:banyak|sebelumnya|atas\s+perhatian(?:nya)?))*",
            r"(?:halo|hallo|hai|permisi|punten|nuwun\s+sewu|kulo\s+nuwun)",
            r"good\s+(?:morning|afternoon|evening)",
        )
    )
    + r")(?!\w)[\s.,:;!]*",
)
_WORDS = re.compile(r"[^\W\d_]{2,}")
MIN_LEFT_WORDS = 2

# a sentence ends at . ! ? or a line break; "Jl. Pemuda" and "No. 5" do not end one
# (the punctuation first and the places looked for behind it: the same matches, but a scan
# that fails at once at every other character instead of trying three look-behinds there)
_SENTENCE_END = re.compile(r"[.!?](?<!\b[Jj]l.)(?<!\b[Nn]o.)(?<!\b[Gg]g.)[.!?]*\s+|\n+")
MIN_SENTENCE_WORDS = 3


# words that ask, in Indonesian, Javanese and English ("-kah" words: "apakah", "bisakah")
_ASKING = re.compile(
    r"\?|\b(?:apa|apakah|bagaimana|gimana|gmn|kapan|kenapa|knp|mengapa|dimana|kemana|berapa|"
    r"siapa|\w+kah|piye|pripun|nopo|sinten|pundi|what|how|when|where|why|who)\b"
    r"|\b(?:di|ke)\s+mana\b"
)


def asks(text: str) -> bool:
    """Whether `text` asks something: a question mark or a question word."""
    return _ASKING.search(text.lower()) is not None


def strip_formalities(text: str) -> str:
    """`text` without its greetings, preambles and closings; the whole text when fewer than
    MIN_LEFT_WORDS words are left ("Terima kasih", "Selamat pagi semua" are what the resident
    said)."""
    stripped = _FORMALITIES.sub(" ", text.lower())
    return stripped if len(_WORDS.findall(stripped)) >= MIN_LEFT_WORDS else text.lower()


def sentences(text: str) -> list[str]:
    """The sentences of `text` that have at least MIN_SENTENCE_WORDS words (of letters); a
    shorter one is joined to the next (a place, "Gg. Melati 3", said on its own line belongs to
    the problem)."""
    found: list[str] = []
    carried = ""
    for part in _SENTENCE_END.split(text):
        part = f"{carried} {part}".strip() if carried else part.strip()
        if len(_WORDS.findall(part)) < MIN_SENTENCE_WORDS:
            carried = part
            continue
        found.append(part)
        carried = ""
    if carried:
        if found:
            found[-1] = f"{found[-1]} {carried}"
        else:
            found.append(carried)
    return found


def normalise(text: str) -> str:
    """Fold, then collapse stretched letters and unify shorthand and Javanese, word by word.

    Filler words stay (unlike in keyword matching): "tolong dibantu ya" is chatter precisely
    because it is all filler.
    """
    return " ".join(map(_normal_word, _fold(text).split()))


@lru_cache(maxsize=_CACHED_WORDS)
def _normal_word(raw: str) -> str:
    """One folded word as the model sees it; cached, as a regex per word cost a fifth of a
    prediction."""
    word = _STRETCHED.sub(r"\1", raw)
    return _ALIASES.get(word) or _SHORTHAND.get(word) or _JAVANESE.get(word, word)
