"""Console plumbing: the signed session cookie, CSRF, and `Visit`, one request's view of all
that (who, which language) with the page renderer.

The cookie, signed with SECRET_KEY, holds the secret of a staff session kept on the server
(`staff.sessions`), a random CSRF token, the chosen language and a one-shot flash message.
Each request checks the session's row: signing out, "sign out everywhere", deactivating the
account or a new password revoke it, and a copy of the cookie is worth nothing from then on.
The cookie covers the whole site (path /), so the API documentation can be kept for signed-in
staff (API_DOCS=staff); the public pages never read it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from cases.calendar import city_time
from console.words import Words, words_for
from core.deps import SessionDep, SettingsDep
from core.i18n import N_, jinja_environment
from core.settings import Settings, get_settings
from staff.enums import Role, SessionKind
from staff.models import User
from staff.sessions import live_session

log = logging.getLogger(__name__)

COOKIE_NAME = "aduan_staff"
COOKIE_PATH = "/"
SALT = "aduan.console.session"
# no script, nothing from elsewhere, never framed: one-click buttons must not be clickjacked
# the site-wide security headers (CSP and the rest) come from aduan.middleware; what is the
# console's own: its pages hold citizens' complaints and must not sit in a shared cache
CONSOLE_HEADERS = {"Cache-Control": "private, no-store"}
templates = Jinja2Templates(env=jinja_environment(Path(__file__).parent / "templates"))


@dataclass
class ConsoleSession:
    """What the cookie carries; `sid`, the staff session's secret, is None before sign-in."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    sid: str | None = None
    lang: str | None = None
    flash: list[Any] | None = None  # [message (a msgid), {params}], shown once
    expired: bool = False  # not stored: the sign-in just ran out or was ended
    changed: bool = False  # not stored: the cookie must be written again

    def sign_in(self, sid: str) -> None:
        """A new token at sign-in, so a token planted before it is worth nothing after."""
        self.csrf = secrets.token_urlsafe(32)
        self.sid, self.changed = sid, True

    def sign_out(self) -> None:
        self.csrf = secrets.token_urlsafe(32)
        self.sid, self.changed = None, True

    def set_flash(self, message: str, **params: str) -> None:
        self.flash, self.changed = [message, params], True

    def pop_flash(self) -> tuple[str, dict[str, str]] | None:
        if not self.flash:
            return None
        message, params = self.flash
        self.flash, self.changed = None, True
        return message, params

    def csrf_matches(self, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf.encode(), submitted.encode())


def serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def read_session(request: Request, settings: Settings) -> ConsoleSession:
    """The request's cookie; a missing or forged one becomes a fresh signed-out one. Whether
    the staff session it names is still live is `Visit`'s question to the server."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return ConsoleSession(changed=True)
    try:
        data = serializer(settings).loads(raw)
        sid = data.get("s")
        return ConsoleSession(
            csrf=str(data["c"]),
            sid=sid if isinstance(sid, str) else None,
            lang=data.get("l") if data.get("l") in ("id", "en") else None,
            flash=data.get("f"),
        )
    except (BadSignature, AttributeError, KeyError, TypeError, ValueError):
        return ConsoleSession(changed=True)


def write_session(response: Response, settings: Settings, state: ConsoleSession) -> None:
    data = {"c": state.csrf, "s": state.sid, "l": state.lang}
    if state.flash:
        data["f"] = state.flash
    response.set_cookie(
        COOKIE_NAME,
        serializer(settings).dumps(data),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.public_base_url.startswith("https://"),
    )


def _when(value: datetime | None) -> str:
    return city_time(get_settings(), value)


templates.env.filters["when"] = _when


class Visit:
    """One request to the console: who is signed in, in which language, and the cookie."""

    def __init__(self, request: Request, session: Session, settings: Settings):
        self.request, self.db, self.settings = request, session, settings
        self.state = read_session(request, settings)
        asked = request.query_params.get("lang")
        if asked in ("id", "en") and asked != self.state.lang:
            self.state.lang, self.state.changed = asked, True
        self.lang = self.state.lang or settings.default_language
        self.t: Words = words_for(self.lang)
        self.user: User | None = None
        if self.state.sid is not None:
            live = live_session(session, self.state.sid, SessionKind.console)
            if live is not None:
                self.user = live[1]
            else:  # expired, signed out, account deactivated or password changed: it ends now
                self.state.sign_out()
                self.state.expired = True

    def finish(self, response: Response) -> Response:
        if self.state.changed:
            write_session(response, self.settings, self.state)
        response.headers.update(CONSOLE_HEADERS)
        return response

    def render(
        self,
        name: str,
        status_code: int = 200,
        *,
        page_path: str | None = None,
        headers: dict[str, str] | None = None,
        **context: object,
    ) -> Response:
        """A page; `page_path` is where the language switch leads when this is a POST's answer."""
        flash = self.state.pop_flash()
        other = "en" if self.lang == "id" else "id"
        query = {k: v for k, v in self.request.query_params.items() if k != "lang"}
        path = page_path or self.request.url.path
        response = templates.TemplateResponse(
            self.request,
            name,
            {
                "t": self.t,
                "lang": self.lang,
                "other_lang": other,
                "switch_url": f"{path}?{urlencode({**query, 'lang': other})}",
                "user": self.user,
                "csrf": self.state.csrf,
                "city_name": self.settings.city_name,
                "flash": self.t.gettext(flash[0], **flash[1]) if flash else None,
                **context,
            },
            status_code=status_code,
            headers=headers,
        )
        return self.finish(response)

    def redirect(self, url: str, flash: str | None = None, **params: str) -> Response:
        """A redirect to `url`, where the message `flash` (marked with N_) shows once."""
        if flash:
            self.state.set_flash(flash, **params)
        return self.finish(RedirectResponse(url, status_code=303))

    def refuse(self, *roles: Role) -> Response | None:
        """A response turning the visitor away (sign in first, or a 403 page), else None."""
        if self.user is None:
            if self.state.expired:
                self.state.set_flash(N_("Sesi Anda sudah berakhir. Silakan masuk lagi."))
            target = self.request.url.path if self.request.method == "GET" else "/console"
            return self.redirect(f"/console/login?next={quote(target)}")
        if self.user.role not in roles:
            if Role.admin in roles:
                message = self.t.gettext("Halaman admin hanya untuk admin.")
            elif self.user.role == Role.admin:
                message = self.t.gettext(
                    "Halaman kasus di konsol ini untuk petugas dan supervisor. Akun admin tidak "
                    "dapat membuka antrean atau kasus."
                )
            else:
                message = self.t.gettext("Halaman ini hanya untuk supervisor.")
            return self.render("forbidden.html", 403, message=message)
        return None

    def refuse_post(self, submitted_csrf: str, *roles: Role) -> Response | None:
        """As `refuse`, and a form without this session's CSRF token changes nothing (403)."""
        if self.user is None:
            return self.refuse(*roles)
        if not self.state.csrf_matches(submitted_csrf):
            log.warning(
                "console: %s posted to %s without a valid CSRF token",
                self.user.username,
                self.request.url.path,
            )
            return self.render(
                "forbidden.html", 403, page_path="/console", message=csrf_failed(self.t)
            )
        return self.refuse(*roles)


def csrf_failed(t: Words) -> str:
    """Why a form without this session's token changed nothing."""
    return t.gettext(
        "Formulir ini sudah kedaluwarsa atau tidak sah, jadi tidak ada yang diubah. "
        "Muat ulang halaman lalu coba lagi."
    )


def open_visit(request: Request, session: SessionDep, settings: SettingsDep) -> Visit:
    return Visit(request, session, settings)


VisitDep = Annotated[Visit, Depends(open_visit)]
