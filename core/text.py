"""Text both databases can store, and the check every public input passes before it is stored.

Two things a JSON body (or a URL-encoded form, with `%00`) can carry are stored by neither
database, or by one only:

- NUL (U+0000): PostgreSQL refuses it in text; SQLite would store it, so the same complaint
  would be a 422 on one database and a row on the other.
- a lone surrogate (U+D800 to U+DFFF, sent as the JSON escape `\\ud800` without its pair): not
  a character at all, it has no UTF-8 form, and both drivers fail to encode it. A pair
  (`\\ud83d\\ude00`, an emoji) is decoded to its one character before it gets here.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_REASON = "holds a character that cannot be stored (NUL or an unpaired surrogate)"


def storable(text: str) -> bool:
    """`text` has neither NUL nor a lone surrogate."""
    return _UNSTORABLE.search(text) is None
