"""The public web pages: the complaint form (which may follow a case already reported
instead of filing: "Ini masalah yang sama"), the case page (`/track/CODE`) with its approved
photos, and the rating page. The public reports map, list and feeds: reports.py; the form's
"already reported?" search: nearby.py."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from fastapi import Path as PathParam
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from cases.calendar import city_time
from cases.citizen import rating_token_matches
from cases.codes import normalise_tracking_code
from cases.enums import CaseStatus
from cases.feedback import rate, reopen
from cases.following import Followed
from cases.proof import PhotoRemoved, photo_by_link
from cases.public_stats import public_statistics
from cases.publishing import public_photos
from cases.service import find_by_code, public_view
from core.charts import weekly_chart
from core.db import utcnow
from core.deps import PublicReadSessionDep, PublicTurn, SessionDep, SettingsDep
from core.i18n import N_, Numbers, day_in_words, jinja_environment
from core.maps import tile_layer
from core.settings import get_settings
from core.storage import MediaNotFound, get_storage
from intake.chat_links import issue_link
from intake.chat_text import LOOKUP_LIMITED
from intake.follows import NotFollowable, follow_by_code
from intake.limits import contact_sender
from intake.lookups import LookupLimited, look_up
from intake.routes import Language, request_sender, retry_after
from intake.schemas import IDEMPOTENCY_KEY, ComplaintIn
from intake.service import IntakeError, IntakeLimited
from intake.uploads import Upload, UploadsRejected, receive_with_photos
from website.filer import filer_view, remember_filing, remember_telegram_link
from website.site import logo, site
from website.words import page_text

pages = APIRouter(include_in_schema=False)
templates = Jinja2Templates(env=jinja_environment(Path(__file__).parent / "templates"))
templates.env.filters["when"] = lambda moment: city_time(get_settings(), moment)
STATIC_DIR = Path(__file__).parent / "static"
BAD_RATING_LINK = N_("Tautan penilaian ini tidak sah. Pakai tautan dari pesan yang kami kirim.")
# what the form sends, shown again as typed when it comes back with errors
FORM_FIELDS = (
    "text",
    "name",
    "phone",
    "email",
    "notify_via",
    "address",
    "lat",
    "lon",
    "anonymous",
    "confidential",
)
# the form's 429, by what hit its limit (intake/limits.py)
LIMITED_BY = {
    "contact": N_(
        "Mohon maaf, dari nomor HP atau e-mail ini sudah masuk %(limit)s aduan dalam satu jam "
        "terakhir. Silakan kirim lagi sekitar %(minutes)s menit lagi. Aduan yang sudah masuk "
        "tetap kami proses; cek statusnya dengan kode pelacakan di bawah."
    ),
    "address": N_(
        "Mohon maaf, dari alamat internet ini sudah masuk %(limit)s aduan dalam satu jam "
        "terakhir. Silakan kirim lagi sekitar %(minutes)s menit lagi. Aduan yang sudah masuk "
        "tetap kami proses; cek statusnya dengan kode pelacakan di bawah."
    ),
}
# "Ini masalah yang sama" (intake/follows.py): following needs a way to be told, and a case
# that may be followed
FOLLOW_NEEDS_CHANNEL = N_(
    "Untuk mengikuti aduan ini, pilih cara kami mengabari Anda (SMS, WhatsApp, e-mail atau "
    "Telegram) dan isi kontaknya. Mengikuti tanpa dikabari tidak ada gunanya."
)
NOT_FOLLOWABLE = N_(
    "Aduan %(code)s tidak bisa diikuti: mungkin sudah selesai, atau tidak ditampilkan untuk "
    "umum. Kirim saja aduan Anda sebagai aduan baru."
)
NOT_AWAITING_RATING = N_("Aduan ini tidak sedang menunggu penilaian (status: %(status)s).")
# the console's words for its own broken forms, which fit this one too
BAD_FORM_TOKEN = N_(
    "Formulir ini sudah kedaluwarsa atau tidak sah, jadi tidak ada yang diubah. "
    "Muat ulang halaman lalu coba lagi."
)


def _language(lang: str | None, settings: SettingsDep) -> Language:
    return lang if lang in ("id", "en") else settings.default_language


def render_page(
    request: Request, name: str, lang: Language, status_code: int = 200, **context
) -> Response:
    """A public page: the template with the language, its words and the city's branding."""
    shown = {"lang": lang, "t": page_text(lang), "site": site(request.app.state.settings)}
    return templates.TemplateResponse(request, name, {**shown, **context}, status_code=status_code)


@pages.get("/", response_class=HTMLResponse)
def complaint_form(request: Request, settings: SettingsDep, lang: str | None = None) -> Response:
    # the token makes a double-tapped submit button file one complaint, not two
    token = secrets.token_urlsafe(16)
    blank = {**dict.fromkeys(FORM_FIELDS, ""), "notify_via": "none"}
    return render_page(
        request, "form.html", _language(lang, settings), form=blank, errors=[], form_token=token
    )


@pages.post("/complaints", response_class=HTMLResponse)
def submit_complaint_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    notify_via: Annotated[str, Form()] = "none",
    address: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form(max_length=64)] = "",
    anonymous: Annotated[str, Form(max_length=8)] = "",
    confidential: Annotated[str, Form(max_length=8)] = "",
    photos: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies it
    follow: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """File the form's complaint; or, with `follow` (the "Ini masalah yang sama" button of a
    case offered as already reported), make the resident a follower of that case instead."""
    language = _language(lang, settings)
    form = {
        "text": text,
        "name": name,
        "phone": phone,
        "email": email,
        "notify_via": notify_via,
        "address": address,
        "lat": lat,
        "lon": lon,
        # a ticked box sends its value, an unticked one nothing
        "anonymous": "1" if anonymous else "",
        "confidential": "1" if confidential else "",
    }
    if form_token and not IDEMPOTENCY_KEY.fullmatch(form_token):
        error, token = page_text(language).gettext(BAD_FORM_TOKEN), secrets.token_urlsafe(16)
        return render_page(
            request, "form.html", language, 422, form=form, errors=[error], form_token=token
        )
    # Telegram is a choice only with a bot to link to; its contact comes with the link
    telegram = notify_via == "telegram" and settings.telegram_bot_username is not None
    if follow:
        return _follow(request, session, settings, language, form, follow.strip(), telegram)
    uploads = [
        Upload(photo.filename, photo.content_type, photo.file.read())
        for photo in photos
        if photo.filename  # a file input left empty may still send a part, without a name
    ]
    try:
        complaint = ComplaintIn.model_validate(
            {
                **form,
                "notify_via": "none" if telegram else notify_via,
                "lat": lat or None,
                "lon": lon or None,
                "language": language,
                "anonymous": bool(form["anonymous"]),
                "confidential": bool(form["confidential"]),
            }
        )
        message = complaint.to_message(form_token or None)
        result = receive_with_photos(
            session,
            settings,
            message,
            uploads,
            sender=contact_sender(message.reply_to),
            client=request_sender(request),
        )
    except ValidationError as exc:
        errors = [page_text(language).explain(err) for err in exc.errors()]
        return render_page(
            request, "form.html", language, 422, form=form, errors=errors, form_token=form_token
        )
    except UploadsRejected as exc:
        errors = page_text(language).photo_problems(exc, settings.media_max_bytes)
        return render_page(
            request, "form.html", language, 422, form=form, errors=errors, form_token=form_token
        )
    except IntakeLimited as exc:
        return _limited_form(request, language, form, form_token, exc)
    except IntakeError as exc:
        error = page_text(language).refusal(exc.reason, exc.params)
        return render_page(
            request, "form.html", language, 422, form=form, errors=[error], form_token=form_token
        )
    link = None
    if telegram:
        link = issue_link(session, result.case, utcnow())
        session.commit()
    redirect = RedirectResponse(
        f"/track/{result.tracking_code}?lang={language}&new=1", status.HTTP_303_SEE_OTHER
    )
    remember_filing(redirect, settings, result.tracking_code, link)
    return redirect


def _limited_form(
    request: Request, language: Language, form: dict, form_token: str, exc: IntakeLimited
) -> Response:
    """The form again, 429: the sender or its address is over the intake limit."""
    refusal = exc.refusal
    polite = page_text(language).gettext(
        LIMITED_BY[refusal.by], limit=refusal.limit, minutes=refusal.minutes
    )
    page = render_page(
        request, "form.html", language, 429, form=form, errors=[polite], form_token=form_token
    )
    page.headers.update(retry_after(exc))
    return page


def _follow(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    language: Language,
    form: dict,
    code: str,
    telegram: bool,
) -> Response:
    """ "Ini masalah yang sama": the resident follows case `code` on the channel the form
    chose (Telegram: through a link, as a filing's), no new case; the form again, 4xx, when
    they chose none, gave a bad contact, the case may not be followed, or a limit is hit."""
    text = page_text(language)
    token = secrets.token_urlsafe(16)

    def again(status_code: int, errors: list[str]) -> Response:
        return render_page(
            request, "form.html", language, status_code, form=form, errors=errors, form_token=token
        )

    try:
        # the contact as a filing's would be read (the phone normalised); the words stay
        # here: they only found the case, which the resident says is theirs
        contact = {field: form[field] for field in ("text", "name", "phone", "email")}
        via = "none" if telegram else form["notify_via"]
        complaint = ComplaintIn.model_validate({**contact, "notify_via": via})
    except ValidationError as exc:
        return again(422, [text.explain(err) for err in exc.errors()])
    reply_to, notify = complaint.reply_to()
    if not (telegram or notify):
        return again(422, [text.gettext(FOLLOW_NEEDS_CHANNEL)])
    try:
        following = follow_by_code(
            session,
            settings,
            code,
            None if telegram else reply_to,
            name=complaint.name,
            language=language,
            client=request_sender(request),
        )
    except NotFollowable:
        shown = normalise_tracking_code(code) or code[:20]
        return again(409, [text.gettext(NOT_FOLLOWABLE, code=shown)])
    except IntakeLimited as exc:
        return _limited_form(request, language, form, token, exc)
    via = "telegram" if telegram else reply_to.channel
    done = "1" if following.outcome is Followed.followed else "already"
    redirect = RedirectResponse(
        f"/track/{following.case.tracking_code}?lang={language}&followed={done}&via={via}",
        status.HTTP_303_SEE_OTHER,
    )
    if following.telegram_token is not None:
        remember_telegram_link(
            redirect, settings, following.case.tracking_code, following.telegram_token
        )
    return redirect


@pages.get("/track", response_class=HTMLResponse)
def track_lookup(settings: SettingsDep, code: str = "", lang: str | None = None) -> Response:
    language = _language(lang, settings)
    target = quote(code.strip() or "-", safe="")
    return RedirectResponse(f"/track/{target}?lang={language}", status.HTTP_303_SEE_OTHER)


@pages.get("/track/{code}", response_class=HTMLResponse, dependencies=[PublicTurn])
def track_page(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    lang: str | None = None,
    new: bool = False,
    done: Literal["rated", "reopened", ""] = "",
    followed: Literal["1", "already", ""] = "",
    via: Literal["sms", "whatsapp", "email", "telegram", ""] = "",
) -> Response:
    language = _language(lang, settings)
    shown = normalise_tracking_code(code) or code[:20]
    try:
        case = look_up(session, settings, code, client=request_sender(request))
    except LookupLimited as exc:
        limited = page_text(language).gettext(LOOKUP_LIMITED, minutes=exc.refusal.minutes)
        page = render_page(
            request, "track.html", language, 429, case=None, code=shown, limited=limited
        )
        page.headers.update(retry_after(exc))
        return page
    if case is None:
        return render_page(
            request, "track.html", language, 404, case=None, code=shown, limited=None
        )
    view = public_view(session, case, language, settings)
    pin = (
        {"lat": f"{view.latitude:.6f}", "lon": f"{view.longitude:.6f}", **tile_layer(settings)}
        if view.latitude is not None and view.longitude is not None
        else None
    )
    return render_page(
        request,
        "track.html",
        language,
        case=view,
        code=view.tracking_code,
        new=new,
        done=done,
        followed=followed,
        via=via,
        limited=None,
        pin=pin,
        **filer_view(request, session, settings, case),
    )


@pages.get("/track/{code}/photos/{photo_id}")
def public_photo(
    code: str,
    photo_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """A photo of a public case that staff approved; 404 for any other (not approved,
    withdrawn, deleted, or the case not public), so a guess learns nothing."""
    case = find_by_code(session, code)
    photo = next(
        (p for p in public_photos(session, settings, case) if p.id == photo_id) if case else (),
        None,
    )
    if photo is None:
        return PlainTextResponse("no such public photo", status.HTTP_404_NOT_FOUND)
    try:
        data = get_storage(settings).read(photo.storage_key)
    except MediaNotFound:
        return PlainTextResponse("no such public photo", status.HTTP_404_NOT_FOUND)
    # a withdrawn photo must not live on in caches: each use asks again
    return Response(data, media_type=photo.content_type, headers={"Cache-Control": "no-cache"})


def _rating_case(session: SessionDep, settings: SettingsDep, code: str, token: str):
    """The case a rating link is for, or the reason (status code, message) it cannot be used."""
    case = find_by_code(session, code)
    if case is None or not rating_token_matches(settings, case.tracking_code, token):
        return None, (status.HTTP_403_FORBIDDEN, BAD_RATING_LINK)
    if case.status != CaseStatus.resolved:
        return case, (status.HTTP_409_CONFLICT, NOT_AWAITING_RATING)
    return case, None


def _rate_page(request: Request, code: str, token: str, language: Language, case, problem):
    text = page_text(language)
    if problem is None:
        return render_page(
            request, "rate.html", language, code=code, token=token, ask=True, error=None
        )
    status_code, message = problem
    shown = case.tracking_code if case else (normalise_tracking_code(code) or code[:20])
    error = text.gettext(message, status=text.status(case.status) if case else "")
    return render_page(
        request, "rate.html", language, status_code, code=shown, ask=False, error=error
    )


@pages.get("/track/{code}/rate", response_class=HTMLResponse)
def rating_form(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    t: str = "",
    lang: str | None = None,
) -> Response:
    """Where a citizen without a chat channel rates a resolved case or says it is not fixed."""
    case, problem = _rating_case(session, settings, code, t)
    return _rate_page(request, code, t, _language(lang, settings), case, problem)


@pages.post("/track/{code}/rate", response_class=HTMLResponse)
def submit_rating(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    t: Annotated[str, Form(max_length=200)] = "",
    rating: Annotated[str, Form(max_length=2)] = "",
    not_fixed: Annotated[str, Form(max_length=1)] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    language = _language(lang, settings)
    case, problem = _rating_case(session, settings, code, t)
    if problem is not None:
        return _rate_page(request, code, t, language, case, problem)
    if not_fixed:
        reopen(session, settings, case)
        outcome = "reopened"
    elif rating in {"1", "2", "3", "4", "5"}:
        rate(session, settings, case, int(rating))
        outcome = "rated"
    else:
        return render_page(
            request,
            "rate.html",
            language,
            422,
            code=case.tracking_code,
            token=t,
            ask=True,
            error=page_text(language).gettext("Pilih nilai 1 sampai 5."),
        )
    session.commit()
    return RedirectResponse(
        f"/track/{case.tracking_code}?lang={language}&done={outcome}", status.HTTP_303_SEE_OTHER
    )


@pages.get("/media/photos/{token}")
def proof_photo(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """An officer's after-photo, by the signed link sent to the residents who follow the case
    (and fetched by Twilio for WhatsApp): 404 for a link we did not make, 410 once removed."""
    try:
        data, content_type = photo_by_link(session, settings, token)
    except PhotoRemoved:
        return Response("gone", status.HTTP_410_GONE, media_type="text/plain")
    except LookupError:
        return Response("not found", status.HTTP_404_NOT_FOUND, media_type="text/plain")
    return Response(
        data,
        media_type=content_type,
        # personal enough: no shared cache keeps it, and no browser reads it as anything else
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def _statistics(
    request: Request, session: SessionDep, settings: SettingsDep, language: Language, agency: str
) -> Response:
    numbers = public_statistics(session, settings.city_timezone)
    chosen = next((row for row in numbers.agencies if row.code == agency), None)
    text = page_text(language)
    title = (
        text.gettext(
            "Aduan masuk dan selesai per minggu: %(agency)s", agency=chosen.name_in(language)
        )
        if chosen
        else text.gettext("Aduan masuk dan selesai per minggu, semua dinas")
    )
    weeks = numbers.weeks[chosen.code if chosen else None]
    # the year is written when the range starts in another one
    today = numbers.period.last
    return render_page(
        request,
        "statistics.html",
        language,
        numbers=numbers,
        n=Numbers(language),
        chosen=chosen.code if chosen else "",
        weeks=weeks,
        trend_title=title,
        trend_chart=weekly_chart(text, "chart-trend", title, weeks),
        timezone=settings.city_timezone,
        first=day_in_words(numbers.period.first, language, today=today, weekday=False),
        last=day_in_words(numbers.period.last, language, today=today, weekday=False),
    )


@pages.get("/statistik", response_class=HTMLResponse)
def statistics_page(
    request: Request,
    session: PublicReadSessionDep,
    settings: SettingsDep,
    lang: str | None = None,
    agency: str = "",
) -> Response:
    """Per agency over the last 90 days: received, resolved, median days, on-time share, and
    the weekly trend; the method in plain words."""
    return _statistics(request, session, settings, _language(lang, settings), agency)


@pages.get("/statistics", response_class=HTMLResponse)
def statistics_page_en(
    request: Request,
    session: PublicReadSessionDep,
    settings: SettingsDep,
    lang: str | None = None,
    agency: str = "",
) -> Response:
    """The statistics page in English, unless `lang` asks otherwise."""
    return _statistics(request, session, settings, _language(lang or "en", settings), agency)


@pages.get("/privasi", response_class=HTMLResponse)
def privacy_notice(request: Request, settings: SettingsDep, lang: str | None = None) -> Response:
    """What is stored about a resident, who sees it, and for how long."""
    return render_page(request, "privacy.html", _language(lang, settings))


@pages.get("/logo")
@pages.get("/favicon.ico")
def city_logo(settings: SettingsDep) -> FileResponse:
    """The city's logo (CITY_LOGO), also the site's icon."""
    path, media_type = logo(settings)
    # an SVG opened on its own is a document: it may draw, never run anything
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    return FileResponse(path, media_type=media_type, headers=headers)


def not_found_page(request: Request) -> Response:
    """An unknown public address, as a page in the public style and the asked-for language."""
    settings = request.app.state.settings
    return render_page(
        request, "not_found.html", _language(request.query_params.get("lang"), settings), 404
    )


def too_large_page(request: Request) -> Response:
    """A form too large to read at all (photos over MAX_REQUEST_BYTES together): what to do."""
    settings = request.app.state.settings
    language = _language(request.query_params.get("lang"), settings)
    limit_mb = f"{round(settings.max_request_bytes / (1024 * 1024), 1):g}"
    return render_page(request, "too_large.html", language, 413, limit_mb=limit_mb)


def busy_page(request: Request, retry_after: str) -> Response:
    """A public page that waited too long for its turn (PUBLIC_READ_CONCURRENCY): come back
    in a moment."""
    settings = request.app.state.settings
    language = _language(request.query_params.get("lang"), settings)
    response = render_page(request, "busy.html", language, 503)
    response.headers["Retry-After"] = retry_after
    return response
