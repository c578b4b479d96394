"""What the browser that filed a complaint may do later, without any contact channel.

The acknowledgement's redirect gives that browser two HttpOnly cookies scoped to the case's
own pages (`/track/<code>`): the case's signed rating token (cases/citizen.py, the one e-mail
links carry), so the status page offers it "rate" and "not fixed" once the case is resolved;
and, when it asked for updates on Telegram, the link token (intake/chat_links.py), so the page
shows the t.me link until it is used or expires. A browser that followed a case someone else
reported on Telegram gets only the link's cookie. Any other browser sees neither.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request, Response
from sqlmodel import Session

from cases.citizen import rating_token, rating_token_matches
from cases.enums import CaseStatus
from cases.models import Case
from core.db import utcnow
from core.settings import Settings
from intake.chat_links import LINK_LIFETIME, link_usable, telegram_url

FILED_COOKIE = "aduan_filed"
TELEGRAM_COOKIE = "aduan_telegram"
# a case may take months; the browser keeps its right to rate it that long
FILED_LIFETIME = timedelta(days=365)


def remember_filing(
    response: Response, settings: Settings, code: str, telegram_token: str | None
) -> None:
    """Give the filing browser its cookies for case `code`."""
    response.set_cookie(
        FILED_COOKIE,
        rating_token(settings, code),
        max_age=int(FILED_LIFETIME.total_seconds()),
        path=f"/track/{code}",
        httponly=True,
        secure=settings.public_base_url.startswith("https://"),
        samesite="lax",
    )
    if telegram_token is not None:
        remember_telegram_link(response, settings, code, telegram_token)


def remember_telegram_link(response: Response, settings: Settings, code: str, token: str) -> None:
    """Give the browser the Telegram link `token` for case `code` (a filing's or a follower's):
    its status page shows the t.me link until it is used or expires."""
    response.set_cookie(
        TELEGRAM_COOKIE,
        token,
        max_age=int(LINK_LIFETIME.total_seconds()),
        path=f"/track/{code}",
        httponly=True,
        secure=settings.public_base_url.startswith("https://"),
        samesite="lax",
    )


def filer_view(request: Request, session: Session, settings: Settings, case: Case) -> dict:
    """What the status page adds for the browser that filed `case`: `rate_token` (the case is
    resolved: it may rate it or say it is not fixed) and `telegram_link` (valid for
    `link_hours`); None each otherwise."""
    code = case.tracking_code
    filed = request.cookies.get(FILED_COOKIE, "")
    rate = case.status == CaseStatus.resolved and rating_token_matches(settings, code, filed)
    token = request.cookies.get(TELEGRAM_COOKIE, "")
    linkable = bool(token) and link_usable(session, case, token, utcnow())
    return {
        "rate_token": filed if rate else None,
        "telegram_link": telegram_url(settings, token) if linkable else None,
        "link_hours": int(LINK_LIFETIME.total_seconds() // 3600),
    }
