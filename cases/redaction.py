"""Personal data written into a complaint, hidden before the words are shown to the public.

Residents write their own number ("hubungi saya di 0812-3456-7890"), an e-mail address, their
NIK or KK number (16 digits) and the number plates of vehicles into complaints. Whatever shows a
complaint's words publicly (cases/publishing.py) shows them with each of these replaced by a
word in brackets ("[nomor disembunyikan]"); the text itself is kept as written, for the staff.

What counts, and what does not:

- e-mail addresses;
- NIK and KK numbers: 16 digits, together or in groups ("3374 0123 4567 8901");
- phone numbers as Indonesians write them, with a leading 0, 62 or +62 (and other countries'
  with their +): mobile and fixed, with spaces, dashes, dots or the area code in brackets.
  Google's libphonenumber (`phonenumbers`) decides which are real numbers; a mobile number
  outside the ranges handed out (a typo) is hidden too. A number without its leading 0 or
  country code ("3581234") reads as any other number and stays;
- vehicle plates in capitals: a region code of the national list, 1 to 4 digits and 1 to 3
  letters ("H 1234 AB", "B1234XYZ", "AD 1234 XY"), not after a word that makes it an address
  ("blok D 5 A").

House numbers ("no 12"), RT/RW ("RT 03/RW 05"), dates, times, amounts ("Rp 50.000",
"Rp 1.500.000") and years stay as written.
"""

from __future__ import annotations

import re

from phonenumbers import Leniency, PhoneNumberMatcher

from core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, translator

REGION = "ID"
# what stands in for each kind of data hidden
HIDDEN_PHONE = N_("[nomor disembunyikan]")
HIDDEN_EMAIL = N_("[e-mail disembunyikan]")
HIDDEN_ID_NUMBER = N_("[NIK/KK disembunyikan]")
HIDDEN_PLATE = N_("[pelat nomor disembunyikan]")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# a run of digit groups joined by one space, dot or dash; a NIK may be any 16 digits of it
_DIGIT_RUN = re.compile(r"(?<![\w.,])\d+(?:[ .-]\d+)*(?![\w])")
ID_NUMBER_DIGITS = 16
# what libphonenumber may miss: a mobile number outside the ranges handed out, as typed
_MOBILE = re.compile(r"(?<![\w+])(?:\+62|62|0)[ .-]?8\d(?:[ .-]?\d){6,10}(?!\d)")
# a phone number starts with its national 0 or its country code; "3581234" is any number
_DIALLED = re.compile(r"^\(?(?:0|\+|62)")
# 1.500.000: an amount in thousands, not a number to dial
_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_AMOUNT_BEFORE = re.compile(r"(?:rp|idr)\.?\s*$", re.IGNORECASE)

# the region codes of Indonesian number plates (Korlantas); "RT", "RW", "NO" are none of them
PLATE_REGIONS = (
    *("A", "B", "D", "E", "F", "G", "H", "K", "L", "M", "N", "P", "R", "S", "T", "W", "Z"),
    *("AA", "AB", "AD", "AE", "AG", "BA", "BB", "BD", "BE", "BG", "BH", "BK", "BL", "BM"),
    *("BN", "BP", "DA", "DB", "DC", "DD", "DE", "DG", "DH", "DK", "DL", "DM", "DN", "DP"),
    *("DR", "DT", "DW", "EA", "EB", "ED", "KB", "KH", "KT", "KU", "PA", "PB", "PG", "PS"),
    *("PT", "PY"),
)
_PLATE = re.compile(
    r"(?<![\w-])(?:{})[ -]?\d{{1,4}}[ -]?[A-Z]{{1,3}}(?![\w-])".format(
        "|".join(sorted(PLATE_REGIONS, key=len, reverse=True))
    )
)
# words after which letters and digits are a place, not a vehicle
_ADDRESS_WORD = re.compile(
    r"\b(?:blok|blk|no|nomor|nmr|gang|gg|kav|kavling|lantai|lt|unit|tipe|type|ruko|rumah)"
    r"\.?\s*$",
    re.IGNORECASE,
)


def _hide_id_numbers(text: str, hidden: str) -> str:
    """Each 16 digits of a run of groups that belong together (whole groups) hidden."""

    def hide(match: re.Match[str]) -> str:
        run = match.group(0)
        groups = re.split(r"([ .-])", run)  # digits, separator, digits, ...
        digits = groups[::2]
        for start in range(len(digits)):
            count = 0
            for end in range(start, len(digits)):
                count += len(digits[end])
                if count == ID_NUMBER_DIGITS:
                    before = "".join(groups[: 2 * start])
                    after = "".join(groups[2 * end + 1 :])
                    return before + hidden + after
                if count > ID_NUMBER_DIGITS:
                    break
        return run

    return _DIGIT_RUN.sub(hide, text)


def _hide_phones(text: str, hidden: str) -> str:
    spans = []
    for match in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID):
        raw = match.raw_string
        if not _DIALLED.match(raw) or _THOUSANDS.match(raw):
            continue
        if _AMOUNT_BEFORE.search(text[: match.start]):
            continue
        spans.append((match.start, match.end))
    spans.extend(match.span() for match in _MOBILE.finditer(text))
    out, position = [], 0
    for start, end in sorted(spans):
        if start < position:  # found by both: already hidden
            continue
        out.append(text[position:start] + hidden)
        position = end
    return "".join(out) + text[position:]


def _hide_plates(text: str, hidden: str) -> str:
    def hide(match: re.Match[str]) -> str:
        if _ADDRESS_WORD.search(text[: match.start()]):
            return match.group(0)
        return hidden

    return _PLATE.sub(hide, text)


def redact(text: str, language: str) -> str:
    """`text` with e-mail addresses, NIK/KK numbers, phone numbers and number plates each
    replaced by its bracketed word in `language`."""
    t = translator(language if language in LANGUAGES else SOURCE_LANGUAGE)
    text = _EMAIL.sub(lambda _: t.gettext(HIDDEN_EMAIL), text)
    text = _hide_id_numbers(text, t.gettext(HIDDEN_ID_NUMBER))
    text = _hide_phones(text, t.gettext(HIDDEN_PHONE))
    return _hide_plates(text, t.gettext(HIDDEN_PLATE))
