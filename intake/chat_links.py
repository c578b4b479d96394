"""Links that bind a web complaint to the resident's Telegram chat.

A resident who files on the web form and asks for updates on Telegram gets a link
`https://t.me/<TELEGRAM_BOT_USERNAME>?start=<token>`. Opening it in Telegram sends the bot
`/start <token>`; the case's contact becomes that chat, so every update goes there, and the bot
confirms in the language the resident filed in. A resident who instead says "the same
problem" about a case someone else reported gets a follow link (`issue_follow_link`): opening
it makes the chat a follower of that case (cases/following.py), counted and told of every
update. A token is 128 random bits, works once, and only for LINK_LIFETIME; only its SHA-256 is
stored.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cases.following import Followed, follow
from cases.models import Case, CaseSubscriber
from core.settings import Settings
from intake.language import set_language
from intake.models import ChatLink
from notifications.models import Contact

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(hours=24)
# what Telegram carries as a /start payload: up to 64 of A-Z, a-z, 0-9, _ and -
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class Bound(StrEnum):
    """What a /start token did."""

    bound = "bound"
    already = "already"  # this chat had used it already: the case is bound to it
    used = "used"  # another chat used it
    expired = "expired"
    unknown = "unknown"
    followed = "followed"  # a follow link: this chat now hears the case's updates
    closed = "closed"  # a follow link opened after the case closed (or left the public)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def telegram_url(settings: Settings, token: str) -> str | None:
    """The t.me link that opens the bot with `token`; None when no bot username is set."""
    if not settings.telegram_bot_username:
        return None
    return f"https://t.me/{settings.telegram_bot_username}?start={token}"


def _new_link(session: Session, case: Case, now: datetime, **kind: object) -> str:
    token = secrets.token_urlsafe(16)
    session.add(
        ChatLink(case_id=case.id, token_hash=_hash(token), expires_at=now + LINK_LIFETIME, **kind)
    )
    return token


def issue_link(session: Session, case: Case, now: datetime) -> str:
    """A new token that makes the opening chat `case`'s contact (a form sent twice gets a
    fresh one, the unused old one goes); the caller commits."""
    session.execute(
        sa.delete(ChatLink).where(
            col(ChatLink.case_id) == case.id,
            col(ChatLink.used_at).is_(None),
            col(ChatLink.follows).is_(False),
        )
    )
    return _new_link(session, case, now)


def issue_follow_link(session: Session, case: Case, language: str, now: datetime) -> str:
    """A new token that makes the opening chat a follower of `case`, told in `language`; each
    follower has their own. The caller checked the case may be followed, and commits."""
    return _new_link(session, case, now, follows=True, language=language)


def link_usable(session: Session, case: Case, token: str, now: datetime) -> bool:
    """`token` is `case`'s, unused and not expired: the link may still be shown."""
    if not TOKEN_SHAPE.fullmatch(token):
        return False
    link = session.exec(select(ChatLink).where(ChatLink.token_hash == _hash(token))).first()
    return (
        link is not None
        and link.case_id == case.id
        and link.used_at is None
        and link.expires_at > now
    )


def bind(
    session: Session, settings: Settings, token: str, contact: Contact, now: datetime
) -> tuple[Bound, Case | None]:
    """Bind the case of `token` to `contact` (a Telegram chat): updates now go there, as to
    the case's contact or (a follow link) to one of its followers. Returns what happened and
    the case (None for an unknown token); the caller commits."""
    link = None
    if TOKEN_SHAPE.fullmatch(token):
        hashed = _hash(token)
        link = session.exec(
            select(ChatLink).where(ChatLink.token_hash == hashed).with_for_update()
        ).first()
    case = session.get(Case, link.case_id) if link is not None else None
    if link is None or case is None:
        return Bound.unknown, None
    if link.used_at is not None:
        mine = _follows(session, case, contact) if link.follows else case.contact_id == contact.id
        return (Bound.already if mine else Bound.used), case
    if link.expires_at <= now:
        return Bound.expired, case
    link.used_at = now
    session.add(link)
    language = link.language or case.language
    if link.follows:
        followed = follow(session, settings, case, contact.id, language, at=now)
        if followed is Followed.not_open:  # closed (or hidden) since the link was given
            return Bound.closed, case
        outcome = Bound.followed if followed is Followed.followed else Bound.already
    else:
        case.contact_id, case.notify, case.updated_at = contact.id, True, now
        session.add(case)
        outcome = Bound.bound
    # the resident chose the form's language: the bot speaks it, unless they pinned another
    if not contact.language_pinned and contact.language != language:
        set_language(session, contact, language)
    log.info(
        "case %s %s a Telegram chat",
        case.tracking_code,
        "followed by" if link.follows else "bound to",
    )
    return outcome, case


def _follows(session: Session, case: Case, contact: Contact) -> bool:
    """`contact` already follows `case` (or reported it)."""
    if case.contact_id == contact.id:
        return True
    found = select(CaseSubscriber.id).where(
        CaseSubscriber.case_id == case.id, CaseSubscriber.contact_id == contact.id
    )
    return session.exec(found).first() is not None
