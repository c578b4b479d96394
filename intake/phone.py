"""Phone numbers as residents type them, turned into the E.164 form SMS providers need."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_phone(raw: str, country_code: str = "62") -> str:
    """`0812-3456-7890`, `62812...` and `+62 812 ...` all become E.164 (`+62812...`).

    Raises ValueError with a message fit for the resident.
    """
    number = _SEPARATORS.sub("", raw.strip())
    if number.startswith("+"):
        digits = number[1:]
    elif number.startswith("00"):
        digits = number[2:]
    elif number.startswith("0"):
        digits = country_code + number[1:]
    else:
        digits = number
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise ValueError("phone number must be 8 to 15 digits, e.g. 081234567890 or +6281234567890")
    return "+" + digits
