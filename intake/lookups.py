"""Finding a case by the tracking code someone typed, with a brake on codes that find nothing.

A tracking code is random (40 bits) but not secret: whoever holds one reads the case's public
status. Trying codes until one finds a case is how someone would read other residents' cases,
so one client may look up at most LOOKUP_MISSES_PER_HOUR well-formed codes that find nothing in
any moving hour. Past that, every lookup of theirs is refused (429, or a polite reply) until the
hour has moved on: a hit too, as answering it would tell hits from misses and let the guessing
go on. A code that finds its case costs nothing, so a resident checking their own case again
and again is never braked; words that are no code at all ask the database nothing and are not
counted either.

The client is who intake counts complaints by (intake.limits): the client address on the status
page and the API, the chat or the phone number on the chat channels. Counting is core.ratelimit's
(Redis when REDIS_URL is set, else the process's memory) under keyed hashes, never the raw
address. The brake fails open: a Redis outage lets lookups through with a warning.
"""

from __future__ import annotations

import logging

from limits.errors import StorageError
from sqlmodel import Session

from cases.codes import normalise_tracking_code
from cases.models import Case
from cases.service import find_by_code
from core.ratelimit import rate_limit
from core.settings import Settings
from intake.limits import Refusal, sender_key

log = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
NAME = "lookup-misses"


class LookupLimited(Exception):
    """The client looked up LOOKUP_MISSES_PER_HOUR codes that found nothing within the hour.
    The text (English, for the API) is safe to show; `refusal` says when to come back."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(
            f"too many tracking codes that match no complaint: at most {refusal.limit} an "
            f"hour; please try again in {refusal.minutes} minutes"
        )
        self.refusal = refusal


def look_up(
    session: Session, settings: Settings, raw_code: str, *, client: str | None
) -> Case | None:
    """The case `raw_code` names, or None; LookupLimited (and nothing looked up) when `client`
    is braked. A client of None (the server knows no address) is never braked."""
    amount = settings.lookup_misses_per_hour
    if not amount or client is None:
        return find_by_code(session, raw_code)
    limit, key = rate_limit(settings, NAME, amount, WINDOW_SECONDS), sender_key(settings, client)
    try:
        wait = limit.wait(key)
    except StorageError as exc:
        log.warning("tracking-code lookups not braked, Redis unavailable: %s", exc)
        return find_by_code(session, raw_code)
    if wait:
        log.warning("tracking-code lookups braked for %s", client)
        raise LookupLimited(Refusal(limit=amount, retry_after=wait))
    case = find_by_code(session, raw_code)
    if case is None and normalise_tracking_code(raw_code) is not None:
        try:
            limit.hit(key)
        except StorageError as exc:
            log.warning("tracking-code miss not counted, Redis unavailable: %s", exc)
    return case
