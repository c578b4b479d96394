"""How many SMS segments a text costs, as a phone network counts them (3GPP TS 23.038/23.040).

A text of GSM-7 characters only takes 160 of them in one segment, 153 in each part of a longer
one (the rest of a part carries the header that joins them); a character of the extension
table (`[]{}|^~€\\` and form feed) takes two, an escape and itself, and never straddles two
parts. One character outside GSM-7 ("…", "•", curly quotes, an emoji) sends the whole text as
UCS-2: 70 UTF-16 units in one segment, 67 a part, a surrogate pair kept whole.

The characters are looked up with the `gsm0338` codec; only the counting is done here.
"""

from __future__ import annotations

from dataclasses import dataclass

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# (one segment, one part of several) per encoding
CAPACITY = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class Segments:
    encoding: str
    # septets (GSM-7) or UTF-16 units (UCS-2)
    units: int
    count: int

    def __str__(self) -> str:
        return f"{self.count} segment(s), {self.units} {self.encoding} units"


def _widths(text: str) -> tuple[str, list[int]]:
    try:
        return GSM7, [len(char.encode("gsm03.38")) for char in text]
    except UnicodeEncodeError:
        return UCS2, [len(char.encode("utf-16-be")) // 2 for char in text]


def segments(text: str) -> Segments:
    """The encoding `text` goes out in, its length in that encoding and its segment count."""
    encoding, widths = _widths(text)
    single, part = CAPACITY[encoding]
    total = sum(widths)
    if total <= single:
        return Segments(encoding, total, 1)
    count, used = 1, 0
    for width in widths:
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return Segments(encoding, total, count)
