"""The officers' and supervisors' web console: sign in, the queue, one case, triage.

Thin pages over the case services: every change goes through `cases.lifecycle` or
`cases.duplicates`, exactly as the staff API does.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from cases import assignees, lifecycle, service
from cases import routes as staff_api
from cases.duplicates import merge
from cases.enums import OPEN_STATUSES, CaseStatus, HideReason
from cases.errors import CaseError, SearchRefused
from cases.models import Case
from cases.moderation import HIDE_REASONS
from cases.notes import NoteCode, SystemNote
from cases.proof import proof_required, store_upload
from cases.publishing import is_public
from cases.schemas import CasePage, ForwardIn, Location, NoteIn, ReferIn, TransitionIn
from cases.search import MAX_CHARS as SEARCH_MAX_CHARS
from cases.transitions import MOVES, MoveName, status_targets
from console.refusals import form_errors, refusal_text, search_refusal_text
from console.session import Visit, VisitDep, csrf_failed
from core.deps import ReadSessionDep, client_address
from core.i18n import N_
from core.maps import tile_layer
from core.media import MediaRejected
from privacy import reveals
from privacy.reveals import RevealedContact, RevealRefusal, RevealRefused
from routing import stored_catalogue
from routing.catalogue import CITY, REFERRAL
from routing.models import Agency, Category
from staff.enums import Role, SessionKind
from staff.sessions import end_session
from staff.signin import SignInLocked, password_sign_in

router = APIRouter(prefix="/console", include_in_schema=False)
STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger(__name__)

CASE_ROLES = (Role.officer, Role.supervisor)
PAGE_SIZE = 25
STATUS_ORDER = list(CaseStatus)
USERNAME_MAX = 64
# a complaint longer than this shows its start, the rest behind "show all", so the case's
# actions stay near the top on a phone
LONG_TEXT = 280

Text = Annotated[str, Form()]


# the staff pages outside the console that send a signed-out visitor here (API_DOCS=staff)
OTHER_STAFF_PAGES = ("/docs",)


def _safe_next(target: str) -> str:
    """Only a staff page of this site; anything else could send a fresh sign-in elsewhere."""
    if target in ("/console", *OTHER_STAFF_PAGES):
        return target
    if target.startswith("/console/") and "\\" not in target:
        return target
    return "/console"


def _agencies(session: Session) -> list[Agency]:
    """The city's agencies a case can be forwarded to."""
    return stored_catalogue.agencies(session, active_only=True, kind=CITY)


def _referral_bodies(session: Session) -> list[Agency]:
    """The bodies outside the city government a case can be referred to."""
    return stored_catalogue.agencies(session, active_only=True, kind=REFERRAL)


def _categories(session: Session) -> list[Category]:
    return stored_catalogue.categories(session, active_only=True)


def _names(visit: Visit) -> tuple[dict[str, str], dict[str, str]]:
    """Agency and category names by code, in the page's language (inactive ones too)."""
    en = visit.lang == "en"
    agencies = {a.code: a.name_en if en else a.name for a in stored_catalogue.agencies(visit.db)}
    categories = {
        c.code: c.name_en if en else c.name for c in stored_catalogue.categories(visit.db)
    }
    return agencies, categories


def invalid(visit: Visit, exc: ValidationError) -> str:
    """A case form with invalid fields, each named with what is wrong with it."""
    return visit.t.gettext("Periksa isian: %(message)s", message=form_errors(visit.t, exc))


def refused(visit: Visit, message: str) -> str:
    """A change that was not made, with the reason (a sentence in the page's language)."""
    return visit.t.gettext("Tidak dapat dilakukan: %(message)s", message=message)


def case_refused(visit: Visit, exc: CaseError) -> str:
    """A change the case rules refused, with their reason in the page's words."""
    return refused(visit, refusal_text(visit.t, exc, *_names(visit)))


# --- signing in and out -------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(visit: VisitDep, next: str = "/console") -> Response:
    if visit.user is not None:
        return visit.redirect(_safe_next(next))
    return visit.render("login.html", next=_safe_next(next), username="", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    visit: VisitDep,
    username: Text = "",
    password: Text = "",
    csrf: Text = "",
    next: Text = "/console",
) -> Response:
    """Check the password, slowly for whoever keeps getting it wrong."""
    username, target = username.strip()[:USERNAME_MAX], _safe_next(next)

    def again(status_code: int, error: str, headers: dict[str, str] | None = None) -> Response:
        return visit.render(
            "login.html",
            status_code,
            headers=headers,
            page_path="/console/login",
            next=target,
            username=username,
            error=error,
        )

    if not visit.state.csrf_matches(csrf):
        return again(403, csrf_failed(visit.t))
    try:
        signed_in = password_sign_in(
            visit.db,
            visit.settings,
            username=username,
            password=password,
            address=client_address(visit.request),
            kind=SessionKind.console,
        )
    except SignInLocked as exc:
        error = visit.t.gettext(
            "Terlalu banyak percobaan masuk yang gagal. Mohon tunggu %(minutes)s menit, "
            "lalu coba lagi.",
            minutes=str(math.ceil(exc.retry_after / 60)),
        )
        return again(429, error, {"Retry-After": str(exc.retry_after)})
    if signed_in is None:
        return again(401, visit.t.gettext("Nama pengguna atau kata sandi salah."))
    visit.db.commit()
    visit.state.sign_in(signed_in.secret)
    return visit.redirect(target)


@router.post("/logout")
def logout(visit: VisitDep, csrf: Text = "") -> Response:
    """End this browser's session on the server too: a copy of the cookie is worth nothing."""
    if visit.user is not None and not visit.state.csrf_matches(csrf):
        return visit.render(
            "forbidden.html", 403, page_path="/console", message=csrf_failed(visit.t)
        )
    if visit.state.sid is not None:
        end_session(visit.db, visit.state.sid)
        visit.db.commit()
    visit.state.sign_out()
    return visit.redirect("/console/login", N_("Anda sudah keluar."))


# --- the queue ----------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def queue(
    visit: VisitDep,
    status: str = "",
    category: str = "",
    agency: str = "",
    q: str = "",
    sort: str = "newest",
    cursor: str = "",
    mine: str = "",
    announced: str = "",
) -> Response:
    """An officer's agency cases, or every case for a supervisor; filtered, searched, paged.
    `announced=hide` leaves out complaints filed under an announcement of a known problem."""
    if visit.user is not None and visit.user.role == Role.admin:  # an admin has no queue
        return visit.redirect("/console/admin/users")
    if refusal := visit.refuse(*CASE_ROLES):
        return refusal
    user = visit.user
    agencies, categories = _agencies(visit.db), _queue_categories(visit)
    supervisor = user.role == Role.supervisor
    filters = _queue_filters(
        visit, agencies, categories, status, category, agency, q, sort, mine, announced
    )
    position = int(cursor) if cursor.isdigit() and len(cursor) < 10 else None
    status_code, error = 200, None
    try:
        page = service.list_cases(
            visit.db,
            user,
            limit=PAGE_SIZE,
            cursor=position,
            order=filters["sort"],
            **_case_filters(visit, filters),
        )
    except SearchRefused as exc:  # what was typed in the search box cannot be searched
        status_code, error = 422, search_refusal_text(visit.t, exc)
        page = CasePage(items=[], next_cursor=None)
    active = {k: v for k, v in filters.items() if v and not (k == "sort" and v == "newest")}
    next_url = (
        "/console?" + urlencode({**active, "cursor": page.next_cursor})
        if page.next_cursor
        else None
    )
    first_url = "/console?" + urlencode(active) if position is not None else None
    agency_names, category_names = _names(visit)
    own_agency = next((a for a in agencies if a.id == user.agency_id), None)
    return visit.render(
        "queue.html",
        status_code,
        error=error,
        search_max=SEARCH_MAX_CHARS,
        page=page,
        filters=filters,
        statuses=STATUS_ORDER,
        agencies=agencies,
        categories=categories,
        agency_names=agency_names,
        category_names=category_names,
        supervisor=supervisor,
        own_agency=agency_names.get(own_agency.code) if own_agency else None,
        assignee_names=assignees.labels(visit.db, (c.assignee for c in page.items)),
        next_url=next_url,
        first_url=first_url,
        export_url=_export_url({k: v for k, v in active.items() if k != "sort"}),
    )


def _export_url(filters: dict[str, str]) -> str:
    """Where the queue's export button downloads the cases of these filters."""
    return "/console/export.csv" + ("?" + urlencode(filters) if filters else "")


def _queue_categories(visit: Visit) -> list[Category]:
    """The categories the visitor's queue filters by: every one for a supervisor, an
    officer's agency's for an officer."""
    categories = _categories(visit.db)
    if visit.user is not None and visit.user.role == Role.supervisor:
        return categories
    return [c for c in categories if visit.user is not None and c.agency_id == visit.user.agency_id]


def _queue_filters(
    visit: Visit,
    agencies: list[Agency],
    categories: list[Category],
    status: str,
    category: str,
    agency: str,
    q: str,
    sort: str,
    mine: str,
    announced: str,
) -> dict[str, str]:
    """The queue's filters as typed, each kept only when it names something the visitor may
    filter by (an officer's queue is their agency's; `categories` are theirs)."""
    supervisor = visit.user is not None and visit.user.role == Role.supervisor
    return {
        "status": status if status in CaseStatus.__members__ else "",
        "category": category if category in {c.code for c in categories} else "",
        "agency": agency if supervisor and agency in {a.code for a in agencies} else "",
        "q": q.strip(),
        "sort": sort if sort in get_args(service.QueueOrder) else "newest",
        "mine": "1" if mine == "1" else "",
        "announced": "hide" if announced == "hide" else "",
    }


def _case_filters(visit: Visit, filters: dict[str, str]) -> dict[str, object]:
    """The queue's filters as `cases.service.visible_cases` takes them."""
    return {
        "status": CaseStatus(filters["status"]) if filters["status"] else None,
        "agency_code": filters["agency"] or None,
        "category_code": filters["category"] or None,
        "search": filters["q"] or None,
        "assignee_id": visit.user.id if filters["mine"] and visit.user else None,
        "without_announced": bool(filters["announced"]),
    }


@router.get("/export.csv")
def export_csv(
    visit: VisitDep,
    reads: ReadSessionDep,
    status: str = "",
    category: str = "",
    agency: str = "",
    q: str = "",
    mine: str = "",
    announced: str = "",
) -> Response:
    """The queue's cases with its filters, every page of them, as the API's CSV (with a byte
    order mark for Excel, names in the console's language); the same role and agency rules."""
    if refusal := visit.refuse(*CASE_ROLES):
        return refusal
    user = visit.user
    agencies, categories = _agencies(visit.db), _queue_categories(visit)
    filters = _queue_filters(
        visit, agencies, categories, status, category, agency, q, "newest", mine, announced
    )
    try:
        download = staff_api.csv_download(
            reads,
            user,
            timezone=visit.settings.city_timezone,
            language=visit.lang,
            byte_order_mark=True,
            **_case_filters(visit, filters),
        )
    except SearchRefused:  # the queue of these filters says why
        shown = {k: v for k, v in filters.items() if v and k != "sort"}
        return visit.redirect("/console?" + urlencode(shown))
    return visit.finish(download)


# --- one case -----------------------------------------------------------------------------


def _case_map(visit: Visit, location: Location) -> dict[str, str] | None:
    """What case-map.js draws the place with, or None when the citizen sent no location."""
    if location.latitude is None or location.longitude is None:
        return None
    return {
        "lat": f"{location.latitude:.6f}",
        "lon": f"{location.longitude:.6f}",
        **tile_layer(visit.settings),
    }


def render_case_page(
    visit: Visit,
    case: Case,
    status_code: int = 200,
    error: str | None = None,
    revealed: RevealedContact | None = None,
) -> Response:
    """The case page; with `revealed`, the reporter's full contact (shown on this answer only)."""
    detail = service.detail_view(visit.db, case, visit.lang)
    current = CaseStatus(case.status)
    agencies = [a for a in _agencies(visit.db) if a.id != case.agency_id]
    categories = _categories(visit.db)
    agency_names, category_names = _names(visit)
    location = detail.location
    case_map = _case_map(visit, location)
    osm_url = (
        f"https://www.openstreetmap.org/?mlat={location.latitude:.6f}&mlon={location.longitude:.6f}"
        f"#map=18/{location.latitude:.6f}/{location.longitude:.6f}"
        if case_map
        else None
    )
    return visit.render(
        "case.html",
        status_code,
        page_path=f"/console/cases/{case.tracking_code}",
        case=detail,
        error=error,
        next_statuses=status_targets(current),
        can_forward=current in MOVES[MoveName.forward].sources,
        can_refer=current in MOVES[MoveName.refer].sources,
        referral_bodies=_referral_bodies(visit.db),
        can_merge=detail.duplicate_of is not None
        and case.merged_into_id is None
        and current in MOVES[MoveName.merge].sources,
        forward_agencies=agencies,
        categories_by_agency={
            a.code: [c for c in categories if c.agency_id == a.id] for a in agencies
        },
        agency_names=agency_names,
        category_names=category_names,
        osm_url=osm_url,
        case_map=case_map,
        assignee_name=assignees.labels(visit.db, [detail.assignee]).get(detail.assignee),
        can_assign=current in OPEN_STATUSES and case.agency_id is not None,
        officers=[(u.username, assignees.label(u)) for u in assignees.candidates(visit.db, case)],
        # an anonymous reporter's contact is never shown in full (privacy/reveals.py)
        can_reveal=case.contact_id is not None and not case.anonymous,
        revealed=revealed,
        can_resolve=CaseStatus.resolved in status_targets(current),
        proof_required=proof_required(visit.db, case),
        long_text=len(case.text) > LONG_TEXT,
        text_excerpt=case.text[:LONG_TEXT].rsplit(" ", 1)[0],
        shown_publicly=is_public(visit.settings, case),
        publish_policy=visit.settings.publish_policy,
        hide_reasons=[
            (reason.value, visit.t.gettext(HIDE_REASONS[reason])) for reason in HideReason
        ],
        hidden_reason=visit.t.gettext(HIDE_REASONS[HideReason(case.hidden_reason)])
        if case.hidden_reason in HideReason.__members__
        else None,
    )


def not_found_page(visit: Visit, code: str) -> Response:
    title = visit.t.gettext("Kasus tidak ditemukan")
    return visit.render("not_found.html", 404, page_path="/console", code=code[:20], title=title)


@router.get("/cases/{code}", response_class=HTMLResponse)
def case_page(code: str, visit: VisitDep) -> Response:
    """Everything about one case, and the forms to work it."""
    if refusal := visit.refuse(*CASE_ROLES):
        return refusal
    case = service.case_for_user(visit.db, visit.user, code)
    if case is None:
        return not_found_page(visit, code)
    return render_case_page(visit, case)


@router.get("/cases/{code}/attachments/{attachment_id}")
def attachment(
    code: str,
    attachment_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    visit: VisitDep,
) -> Response:
    """A resident's photo or file, for whoever may open the case, with the console session."""
    if refusal := visit.refuse(*CASE_ROLES):
        return refusal
    response = staff_api.download_attachment(
        code, attachment_id, visit.db, visit.settings, visit.user
    )
    return visit.finish(response)


def _apply(
    visit: Visit, case: Case, change: Callable[[], object], flash: str, **params: str
) -> Response:
    """Run one change and commit it, or show why it was refused with nothing changed."""
    try:
        change()
    except CaseError as exc:
        visit.db.rollback()
        return render_case_page(visit, case, exc.status_code, case_refused(visit, exc))
    visit.db.commit()
    # forwarded to another agency, the case has left this officer's queue: back to the queue
    still_mine = service.can_work_on(visit.user, case)
    target = f"/console/cases/{case.tracking_code}" if still_mine else "/console"
    return visit.redirect(target, flash, **params)


def change_case(
    visit: Visit,
    code: str,
    csrf: str,
    change: Callable[[Case], object],
    flash: str,
    *,
    forbidden: str,
    **params: str,
) -> Response:
    """Check the session, the token and the case, make the change and commit it; or show why
    it was refused with nothing changed. A user who may not work on the case gets 403 with the
    sentence `forbidden` (its tracking code is public, so its existence is no secret)."""
    if refusal := visit.refuse_post(csrf, *CASE_ROLES):
        return refusal
    case = service.find_by_code(visit.db, code)
    if case is None:
        return not_found_page(visit, code)
    if not service.can_work_on(visit.user, case):
        message = visit.t.gettext(forbidden)
        return visit.render("forbidden.html", 403, page_path="/console", message=message)
    return _apply(visit, case, lambda: change(case), flash, **params)


def _posted_case(visit: Visit, code: str, csrf: str) -> tuple[Case | None, Response | None]:
    if refusal := visit.refuse_post(csrf, *CASE_ROLES):
        return None, refusal
    case = service.case_for_user(visit.db, visit.user, code)
    if case is None:
        return None, not_found_page(visit, code)
    return case, None


# why a reporter's full contact was not shown, by `RevealRefused.reason`
REVEAL_REFUSALS = {
    RevealRefusal.anonymous: N_("pelapor aduan ini anonim; kontaknya tidak ditampilkan"),
    RevealRefusal.no_contact: N_("aduan ini tidak punya kontak pelapor (tidak diisi atau dihapus)"),
    RevealRefusal.not_allowed: N_("hanya petugas dinas aduan ini dan supervisor yang boleh"),
}


@router.post("/cases/{code}/contact", response_class=HTMLResponse)
def reveal_contact(code: str, visit: VisitDep, csrf: Text = "") -> Response:
    """The reporter's full contact, to call them: on this answer only (never in the cookie,
    never cached), and recorded with the user's name for the admins."""
    case, refusal = _posted_case(visit, code, csrf)
    if refusal:
        return refusal
    try:
        revealed = reveals.reveal_contact(visit.db, visit.user, case, reveals.Via.console)
    except RevealRefused as exc:
        visit.db.rollback()
        status_code = 403 if exc.reason == RevealRefusal.anonymous else 409
        message = visit.t.gettext(REVEAL_REFUSALS[exc.reason])
        return render_case_page(visit, case, status_code, refused(visit, message))
    visit.db.commit()
    log.info(
        "contact of case %s shown to %s in the console", case.tracking_code, visit.user.username
    )
    return render_case_page(visit, case, revealed=revealed)


# why an after-photo was not taken, by `MediaRejected.reason`
PHOTO_REFUSALS = {
    "too_large": N_("foto lebih besar dari batas %(mb)s MB"),
    "unsupported_type": N_("berkas foto harus berupa gambar (JPEG, PNG, WebP atau GIF)"),
    "not_photo": N_("berkas foto harus berupa gambar (JPEG, PNG, WebP atau GIF)"),
    "empty": N_("berkas foto kosong"),
}


@router.post("/cases/{code}/status", response_class=HTMLResponse)
def change_status(
    code: str,
    visit: VisitDep,
    csrf: Text = "",
    status: Text = "",
    note: Text = "",
    internal_note: Text = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Change the status; resolving takes the officer's after-photo (the phone's camera)."""
    case, refusal = _posted_case(visit, code, csrf)
    if refusal:
        return refusal
    try:
        body = TransitionIn(status=status, note=note, internal_note=internal_note)
    except ValidationError as exc:
        return render_case_page(visit, case, 422, invalid(visit, exc))
    try:
        stored = (
            store_upload(visit.settings, photo.file, photo.content_type, photo.filename)
            if photo is not None
            else None
        )
    except MediaRejected as exc:
        message = PHOTO_REFUSALS.get(exc.reason, PHOTO_REFUSALS["unsupported_type"])
        limit = visit.settings.media_max_bytes // (1024 * 1024)
        return render_case_page(
            visit, case, 422, refused(visit, visit.t.gettext(message, mb=limit))
        )
    return _apply(
        visit,
        case,
        lambda: lifecycle.move_to(
            visit.db,
            visit.settings,
            case,
            body.status,
            actor=visit.user,
            public_note=body.note,
            internal_note=body.internal_note,
            photo=stored,
        ),
        N_("Status diubah menjadi: %(status)s."),
        status=visit.t.status(body.status),
    )


@router.post("/cases/{code}/forward", response_class=HTMLResponse)
def forward_case(
    code: str,
    visit: VisitDep,
    csrf: Text = "",
    agency: Text = "",
    category: Text = "",
    note: Text = "",
) -> Response:
    case, refusal = _posted_case(visit, code, csrf)
    if refusal:
        return refusal
    try:
        body = ForwardIn(agency=agency, note=note, category=category or None)
    except ValidationError as exc:
        return render_case_page(visit, case, 422, invalid(visit, exc))
    agency_names, _ = _names(visit)
    return _apply(
        visit,
        case,
        lambda: lifecycle.forward(
            visit.db,
            visit.settings,
            case,
            agency_code=body.agency,
            note=body.note,
            actor=visit.user,
            category_code=body.category,
        ),
        N_("Aduan dialihkan ke %(agency)s."),
        agency=agency_names.get(body.agency, body.agency),
    )


@router.post("/cases/{code}/refer", response_class=HTMLResponse)
def refer_case(
    code: str,
    visit: VisitDep,
    csrf: Text = "",
    agency: Text = "",
    note: Text = "",
) -> Response:
    """Refer the case to a body outside the city government; its resident is told where to go."""
    case, refusal = _posted_case(visit, code, csrf)
    if refusal:
        return refusal
    try:
        body = ReferIn(agency=agency, note=note)
    except ValidationError as exc:
        return render_case_page(visit, case, 422, invalid(visit, exc))
    agency_names, _ = _names(visit)
    return _apply(
        visit,
        case,
        lambda: lifecycle.refer(
            visit.db,
            visit.settings,
            case,
            agency_code=body.agency,
            note=body.note,
            actor=visit.user,
        ),
        N_("Aduan dirujuk ke %(agency)s; warga diberi tahu ke mana harus menghubungi."),
        agency=agency_names.get(body.agency, body.agency),
    )


@router.post("/cases/{code}/notes", response_class=HTMLResponse)
def add_note(
    code: str,
    visit: VisitDep,
    csrf: Text = "",
    text: Text = "",
    public: Text = "",
) -> Response:
    case, refusal = _posted_case(visit, code, csrf)
    if refusal:
        return refusal
    try:
        body = NoteIn(text=text, public=bool(public))
    except ValidationError as exc:
        return render_case_page(visit, case, 422, invalid(visit, exc))
    return _apply(
        visit,
        case,
        lambda: lifecycle.add_note(
            visit.db, visit.settings, case, text=body.text, public=body.public, actor=visit.user
        ),
        N_("Catatan disimpan."),
    )


@router.post("/cases/{code}/assignee", response_class=HTMLResponse)
def set_assignee(code: str, visit: VisitDep, csrf: Text = "", assignee: Text = "") -> Response:
    """Put the case on a named officer's desk, or on nobody's (an empty choice)."""
    case, refusal = _posted_case(visit, code, csrf)
    if refusal:
        return refusal
    username = assignee.strip()[:USERNAME_MAX] or None
    if username is None:
        flash, params = N_("Aduan tidak lagi dipegang siapa pun."), {}
    else:
        name = assignees.labels(visit.db, [username]).get(username, username)
        flash, params = N_("Aduan kini dipegang oleh %(name)s."), {"name": name}
    return _apply(
        visit,
        case,
        lambda: assignees.assign(visit.db, case, username, actor=visit.user),
        flash,
        **params,
    )


@router.post("/cases/{code}/merge", response_class=HTMLResponse)
def merge_case(code: str, visit: VisitDep, csrf: Text = "") -> Response:
    """Fold a likely duplicate into the case it repeats."""
    case, refusal = _posted_case(visit, code, csrf)
    if refusal:
        return refusal
    original = visit.db.get(Case, case.duplicate_of_id) if case.duplicate_of_id else None
    if original is None or not service.can_work_on(visit.user, original):
        message = visit.t.gettext("aduan ini tidak punya aduan asal yang bisa Anda buka")
        return render_case_page(visit, case, 409, refused(visit, message))
    try:
        merge(visit.db, visit.settings, case, original, actor=visit.user)
    except CaseError as exc:
        visit.db.rollback()
        return render_case_page(visit, case, exc.status_code, case_refused(visit, exc))
    visit.db.commit()
    return visit.redirect(
        f"/console/cases/{original.tracking_code}",
        N_("Aduan digabung ke %(code)s."),
        code=original.tracking_code,
    )


# --- triage -------------------------------------------------------------------------------


def _triage_page(visit: Visit, status_code: int = 200, error: str | None = None) -> Response:
    page = service.list_cases(
        visit.db,
        visit.user,
        status=CaseStatus.triage,
        agency_code=None,
        limit=PAGE_SIZE,
        cursor=None,
        order="urgent",
    )
    agency_names, category_names = _names(visit)
    return visit.render(
        "triage.html",
        status_code,
        page_path="/console/triage",
        page=page,
        error=error,
        agency_names=agency_names,
        category_names=category_names,
        referral_codes={a.code for a in _referral_bodies(visit.db)},
    )


@router.get("/triage", response_class=HTMLResponse)
def triage(visit: VisitDep) -> Response:
    """Cases routing could not place, each with its top guesses as one-click assignments."""
    if refusal := visit.refuse(Role.supervisor):
        return refusal
    return _triage_page(visit)


@router.post("/triage/{code}/assign", response_class=HTMLResponse)
def assign_from_triage(
    code: str,
    visit: VisitDep,
    csrf: Text = "",
    agency: Text = "",
    category: Text = "",
) -> Response:
    if refusal := visit.refuse_post(csrf, Role.supervisor):
        return refusal
    case = service.case_for_user(visit.db, visit.user, code)
    if case is None:
        return not_found_page(visit, code)
    agency_names, _ = _names(visit)
    if case.status != CaseStatus.triage:  # someone else was quicker: do not move it again
        message = visit.t.gettext(
            "%(code)s sudah tidak di triase (sekarang: %(status)s).",
            code=case.tracking_code,
            status=visit.t.status(case.status),
        )
        return _triage_page(visit, 409, refused(visit, message))
    referral = agency in {a.code for a in _referral_bodies(visit.db)}
    try:
        if referral:
            lifecycle.refer(
                visit.db,
                visit.settings,
                case,
                agency_code=agency,
                note=SystemNote(NoteCode.from_triage),
                actor=visit.user,
            )
        else:
            lifecycle.forward(
                visit.db,
                visit.settings,
                case,
                agency_code=agency,
                note=SystemNote(NoteCode.from_triage),
                actor=visit.user,
                category_code=category or None,
            )
    except CaseError as exc:
        visit.db.rollback()
        return _triage_page(visit, exc.status_code, case_refused(visit, exc))
    visit.db.commit()
    return visit.redirect(
        "/console/triage",
        N_("%(code)s dirujuk ke %(agency)s.")
        if referral
        else N_("%(code)s diberikan ke %(agency)s."),
        code=case.tracking_code,
        agency=agency_names.get(agency, agency),
    )
