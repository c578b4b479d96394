"""A web resident who says "Ini masalah yang sama": following a case already reported.

Instead of filing a new complaint, the resident becomes a follower of the open public case
(cases/following.py): no new case, the case's report count goes up, and its every update
reaches them on the channel they chose. Following costs the same places as filing under the
intake limits (intake/limits.py): the contact's hourly limit and the client address's looser
brake; a follow that changed nothing ("already") costs nothing. On Telegram there is no
contact yet: the resident gets a follow link (intake/chat_links.py), which costs the client
address its place when it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from cases.following import Followed, can_follow, follow
from cases.models import Case
from cases.service import find_by_code
from core.db import utcnow
from core.settings import Settings
from intake.chat_links import issue_follow_link
from intake.limits import SenderLimit, chat_sender
from intake.messages import ReplyAddress
from intake.service import IntakeLimited
from notifications.service import get_or_create_contact


class NotFollowable(LookupError):
    """No open public case has that code: unknown, closed, not yet public, Rahasia or
    hidden, all alike, so a guessed code tells nothing."""


@dataclass(frozen=True)
class Following:
    """What following did: `outcome` for a contact; for Telegram, the link `telegram_token`
    that will make the chat a follower once opened."""

    case: Case
    outcome: Followed
    telegram_token: str | None = None


def _followable(session: Session, settings: Settings, code: str) -> Case:
    case = find_by_code(session, code)
    if case is None or not can_follow(settings, case):
        raise NotFollowable(code)
    return case


def follow_by_code(
    session: Session,
    settings: Settings,
    code: str,
    reply_to: ReplyAddress | None,
    *,
    name: str | None,
    language: str,
    client: str | None,
) -> Following:
    """Make the resident at `reply_to` (None: Telegram, which gets a link) a follower of the
    case `code`, told in `language`, and commit. NotFollowable when no open public case has
    that code; IntakeLimited when the contact or the client address is over its limit."""
    case = _followable(session, settings, code)
    limit = SenderLimit(settings, chat_sender(reply_to) if reply_to else None, client)
    if (refusal := limit.refusal()) is not None:
        raise IntakeLimited(refusal)
    if reply_to is None:
        token = issue_follow_link(session, case, language, utcnow())
        outcome = Followed.followed
    else:
        token = None
        contact = get_or_create_contact(
            session,
            channel=reply_to.channel,
            address=reply_to.address,
            name=name,
            language=language,
            new_contact_language=settings.default_language,
        )
        outcome = follow(session, settings, case, contact.id, language)
    if outcome is Followed.followed and (refusal := limit.count()) is not None:
        session.rollback()  # another request of the sender's took the last place meanwhile
        raise IntakeLimited(refusal)
    session.commit()
    return Following(case, outcome, token)
