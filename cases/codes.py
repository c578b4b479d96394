"""Tracking codes: short enough to read over the phone, random enough not to be guessed; and
the public page each code names."""

from __future__ import annotations

import secrets

from core.settings import Settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_CHARS = 8  # 8 x 5 bits = 40 bits
# Crockford decoding forgives the letters people mistype for digits
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_tracking_code() -> str:
    # one draw of 40 bits cut into 8 characters: a draw per character read the system's
    # random source eight times for every complaint
    bits = secrets.randbits(5 * CODE_CHARS)
    chars = "".join(ALPHABET[(bits >> shift) & 31] for shift in range(0, 5 * CODE_CHARS, 5))
    return f"{chars[:4]}-{chars[4:]}"


def track_url(settings: Settings, code: str) -> str:
    """The case's public page (`/track/CODE`) under PUBLIC_BASE_URL."""
    return f"{settings.public_base_url}/track/{code}"


def normalise_tracking_code(raw: str) -> str | None:
    """The canonical `XXXX-XXXX` form of what a citizen typed, or None if it cannot be a code."""
    chars = "".join(raw.split()).replace("-", "").upper().translate(_READ_AS)
    if len(chars) != CODE_CHARS or any(c not in ALPHABET for c in chars):
        return None
    return f"{chars[:4]}-{chars[4:]}"
