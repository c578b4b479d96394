"""Console plumbing: the signed session cookie, CSRF, the brake on password guessing, and
`Visit`, one request's view of all that (who, which language) with the page renderer.

The cookie holds no secret of its own: the user id and their session version, when the
sign-in happened, a random CSRF token, the chosen language and a one-shot flash message, signed
with SECRET_KEY. Each request re-reads the user, so deactivating an account or resetting its
password (both bump `User.session_version`) ends its sessions at once.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits.errors import StorageError
from sqlmodel import Session

from cases.calendar import city_time
from console.words import Words, words_for
from core.deps import SessionDep, SettingsDep
from core.i18n import N_, jinja_environment
from core.ratelimit import rate_limit
from core.settings import Settings, get_settings
from staff.enums import Role
from staff.models import User

log = logging.getLogger(__name__)

COOKIE_NAME = "aduan_console"
COOKIE_PATH = "/console"
SALT = "aduan.console.session"
FAILURE_WINDOW_SECONDS = 15 * 60
# a city office often shares one public address, so the per-address limit is looser
FAILURE_LIMITS = {"user": 5, "ip": 20}
# no script, nothing from elsewhere, never framed: one-click buttons must not be clickjacked
# the site-wide security headers (CSP and the rest) come from aduan.middleware; what is the
# console's own: its pages hold citizens' complaints and must not sit in a shared cache
CONSOLE_HEADERS = {"Cache-Control": "private, no-store"}
templates = Jinja2Templates(env=jinja_environment(Path(__file__).parent / "templates"))


@dataclass
class ConsoleSession:
    """What the cookie carries; `user_id` is None before sign-in."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    user_id: int | None = None
    version: int = 0  # the user's session_version at sign-in
    issued_at: float | None = None
    lang: str | None = None
    flash: list[Any] | None = None  # [message (a msgid), {params}], shown once
    expired: bool = False  # not stored: the sign-in just ran out or was ended
    changed: bool = False  # not stored: the cookie must be written again

    def sign_in(self, user: User) -> None:
        """A new token at sign-in, so a token planted before it is worth nothing after."""
        self.csrf = secrets.token_urlsafe(32)
        self.user_id, self.version = user.id, user.session_version
        self.issued_at, self.changed = time.time(), True

    def sign_out(self) -> None:
        self.csrf = secrets.token_urlsafe(32)
        self.user_id, self.issued_at, self.changed = None, None, True

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
    """The request's session; a missing, forged or expired one becomes a fresh signed-out one."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return ConsoleSession(changed=True)
    try:
        data = serializer(settings).loads(raw)
        state = ConsoleSession(
            csrf=str(data["c"]),
            user_id=int(data["u"]) if data.get("u") is not None else None,
            # a cookie from before versions existed has none: version 0, ended by the first bump
            version=int(data.get("v", 0)),
            issued_at=float(data["i"]) if data.get("i") is not None else None,
            lang=data.get("l") if data.get("l") in ("id", "en") else None,
            flash=data.get("f"),
        )
    except (BadSignature, AttributeError, KeyError, TypeError, ValueError):
        return ConsoleSession(changed=True)
    if state.user_id is not None:
        age = time.time() - (state.issued_at or 0)
        if not 0 <= age <= settings.access_token_minutes * 60:
            state.sign_out()
            state.expired = True
    return state


def write_session(response: Response, settings: Settings, state: ConsoleSession) -> None:
    data = {
        "c": state.csrf,
        "u": state.user_id,
        "v": state.version,
        "i": state.issued_at,
        "l": state.lang,
    }
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


class LoginThrottle:
    """Counts failed sign-ins per username and per client address in a moving 15-minute window.

    The counts are `core.ratelimit`'s: in Redis when REDIS_URL is set (every web process sees
    the same count), else in this process's memory. A Redis outage must not lock everyone out:
    the throttle then lets every try through, with a warning.
    """

    def __init__(self, settings: Settings) -> None:
        self._limits = {
            kind: rate_limit(settings, "console-login-failures", amount, FAILURE_WINDOW_SECONDS)
            for kind, amount in FAILURE_LIMITS.items()
        }

    @staticmethod
    def _who(username: str, ip: str) -> dict[str, str]:
        """Whom each limit counts: the username however it was cased or spaced, the address."""
        return {"user": username.strip().casefold(), "ip": ip}

    def retry_after(self, username: str, ip: str) -> int:
        """Seconds to wait before another try is looked at; 0 when one may try now."""
        try:
            return max(
                self._limits[kind].wait(kind, who) for kind, who in self._who(username, ip).items()
            )
        except StorageError as exc:
            log.warning("login throttle unavailable: %s", exc)
            return 0

    def failed(self, username: str, ip: str) -> None:
        try:
            for kind, who in self._who(username, ip).items():
                self._limits[kind].hit(kind, who)
        except StorageError as exc:
            log.warning("login throttle unavailable: %s", exc)

    def succeeded(self, username: str, ip: str) -> None:
        """A right password clears the username's count, not the address's."""
        try:
            self._limits["user"].clear("user", self._who(username, ip)["user"])
        except StorageError as exc:
            log.warning("login throttle unavailable: %s", exc)


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
        if self.state.user_id is not None:
            user = session.get(User, self.state.user_id)
            if user is not None and user.active and user.session_version == self.state.version:
                self.user = user
            else:  # deleted, deactivated or password reset since sign-in: the session ends now
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
