"""When a case will be handled, in its resident's words: "Target selesai Selasa, 15 Desember."

A case's `due_at` is set by the working-day SLA (cases/calendar.py): at filing (the agency's
category, or the triage target when routing could not place it), anew on a forward, moved on
when it leaves `waiting`. What a resident is told follows what is true of the case now:

- with an agency and on time: the day it is due;
- with an agency and late: that it is late, and that we remind the agency; the daily overdue
  digest and the escalation (cases/followups.py) do, for as long as it stays late;
- waiting on the resident: the clock stands still until they answer (cases/lifecycle.py);
- in triage: the day it is due to be reviewed (its agency's target comes with the forward).
  Nobody is reminded of a late review, so a late one says so and promises nothing;
- finished (resolved, closed, rejected) or without a due time: nothing.

Days are the city's (settings.city_timezone); the year is named only when it is not this one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from cases.enums import OPEN_STATUSES, CaseStatus
from cases.models import Case
from core.db import utcnow
from core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, day_in_words, translator
from core.settings import Settings


class Target(StrEnum):
    """Where a case stands against its due time."""

    on_time = "on_time"
    overdue = "overdue"
    paused = "paused"
    review = "review"
    review_late = "review_late"


# a sentence of its own, for a message about one case
SENTENCES = {
    Target.on_time: N_("Target selesai %(day)s."),
    Target.overdue: N_("Lewat target %(day)s; dinas kami ingatkan tiap hari."),
    Target.paused: N_("Hitungan target berhenti sampai Anda menjawab."),
    Target.review: N_("Target peninjauan %(day)s."),
    Target.review_late: N_("Peninjauan lewat target %(day)s; mohon maaf."),
}
# a few words after a case's status in a list of cases (the status says whether it is in
# review, or waits for the resident): the day without its weekday, to keep the list short
BRIEF_DUE = N_("target %(day)s")
BRIEF_LATE = N_("lewat target %(day)s")
BRIEF = {
    Target.on_time: BRIEF_DUE,
    Target.overdue: BRIEF_LATE,
    Target.review: BRIEF_DUE,
    Target.review_late: BRIEF_LATE,
}


def target_of(case: Case, now: datetime) -> Target | None:
    """Where `case` stands at `now`; None when no target applies (finished, or no due time)."""
    if case.status not in OPEN_STATUSES or case.due_at is None:
        return None
    if case.status == CaseStatus.waiting:
        return Target.paused
    late = case.due_at < now
    if case.status == CaseStatus.triage:
        return Target.review_late if late else Target.review
    return Target.overdue if late else Target.on_time


def _say(settings: Settings, case: Case, language: str, *, brief: bool) -> str:
    now = utcnow()
    target = target_of(case, now)
    messages = BRIEF if brief else SENTENCES
    if target not in messages:
        return ""
    zone = ZoneInfo(settings.city_timezone)
    language = language if language in LANGUAGES else SOURCE_LANGUAGE
    day = day_in_words(
        case.due_at.astimezone(zone).date(),
        language,
        today=now.astimezone(zone).date(),
        weekday=not brief,
    )
    return translator(language).gettext(messages[target], day=day)


def due_sentence(settings: Settings, case: Case, language: str) -> str:
    """The sentence that tells `case`'s resident, now, when it will be handled, in `language`;
    "" when no target applies."""
    return _say(settings, case, language, brief=False)


def due_brief(settings: Settings, case: Case, language: str) -> str:
    """A few words on `case`'s target for its line in a list of cases; "" when its status says
    all there is (finished, or waiting on the resident)."""
    return _say(settings, case, language, brief=True)
