"""Phone numbers as residents type them, turned into the E.164 form SMS providers need.

Parsing is Google's libphonenumber (`phonenumbers`), with Indonesia as the region of a number
typed without a country code, so `0812-3456-7890`, `62812 3456 7890`, `+62 812-3456-7890` and
`(0812) 3456-7890` all become `+6281234567890`; a number with its own country code (`+1…`,
`+44…`) keeps it.

A number must be valid (`is_valid_number`), not merely possible: it has to lie in a range its
country has handed out, not just have a plausible length. Replies go to this number, and a digit
too few or too many is best caught while the resident is still at the form; an SMS to a number
that does not exist fails silently, days later.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

REGION = "ID"
INVALID = "phone number must be 8 to 15 digits, e.g. 081234567890 or +6281234567890"
# phonenumbers reads letters as a phone keypad would and skips words around a number; letters
# in a number a resident typed are a mistake, not a vanity number, so only digits and the
# usual separators get through
_TYPED = re.compile(r"[\d\s+().\-]+")


def normalise_phone(raw: str) -> str:
    """`raw` in E.164 (`+6281234567890`); a number without a country code is Indonesian.

    Raises ValueError with a message fit for the resident.
    """
    if _TYPED.fullmatch(raw):
        try:
            number = phonenumbers.parse(raw, REGION)
        except NumberParseException:
            pass
        else:
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    raise ValueError(INVALID)
