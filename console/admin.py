"""The console's admin pages: staff accounts, the catalogue's SLA hours, the city's days off,
and the record of who was shown a resident's full contact.

Admins only. Account changes go through `staff.service`, the same rules the command line
follows; catalogue and calendar edits go through routing's and the calendar's service
functions. Every change is logged
with the admin's name, never with a password.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from cases.calendar import DayTaken, add_city_day, city_days, national_holidays, remove_city_day
from cases.service import find_by_code
from console.session import Visit, VisitDep
from core.i18n import N_
from privacy import reveals
from routing import stored_catalogue
from routing.models import Agency
from staff import service as users
from staff.enums import Role, SessionKind
from staff.models import User
from staff.service import UserError
from staff.sessions import start_session

router = APIRouter(prefix="/console/admin", include_in_schema=False)
log = logging.getLogger(__name__)

USERS, CATALOGUE, HOLIDAYS, REVEALS = (
    "/console/admin/users",
    "/console/admin/catalogue",
    "/console/admin/holidays",
    "/console/admin/reveals",
)
REVEALS_PAGE = 50
USERNAME_MAX = 64
CODE_MAX = 20
SLA_MAX = 24 * 365  # a year, as the catalogue file allows
HOLIDAY_NAME_MAX = 200
YEAR_MIN, YEAR_MAX = 2000, 2100
# account refusals about the state of things rather than a field of the form
CONFLICTS = frozenset({"duplicate", "own_role", "own_account"})
# why an account change was refused, by `UserError.reason`; the placeholders are its params
ACCOUNT_REFUSALS = {
    "unknown_role": N_("Peran '%(role)s' tidak dikenal."),
    "bad_username": N_("Nama pengguna harus 1 sampai %(max)s karakter."),
    "duplicate": N_("Nama pengguna '%(username)s' sudah dipakai."),
    "password_short": N_("Kata sandi minimal %(min)s karakter."),
    "password_long": N_("Kata sandi maksimal %(max)s karakter."),
    "bad_email": N_("'%(email)s' bukan alamat e-mail."),
    "name_long": N_("Nama lengkap maksimal %(max)s karakter."),
    "admin_agency": N_("Admin tidak termasuk dinas mana pun."),
    "agency_required": N_("Petugas harus termasuk sebuah dinas."),
    "head_needs_agency": N_("Hanya anggota sebuah dinas yang bisa menjadi kepalanya."),
    "unknown_agency": N_("Dinas '%(agency)s' tidak ada atau tidak aktif."),
    "referral_agency": N_(
        "%(agency)s adalah lembaga di luar pemerintah kota: aduannya dirujuk ke sana, "
        "jadi tidak punya petugas di sini."
    ),
    "own_role": N_("Anda tidak dapat mencabut peran admin Anda sendiri."),
    "own_account": N_("Anda tidak dapat menonaktifkan akun Anda sendiri."),
}
NO_ACCOUNT = N_("Akun itu tidak ada.")
# the `holidays` library's language codes for the console's languages
HOLIDAY_LANGUAGES = {"id": "id", "en": "en_US"}

Text = Annotated[str, Form()]
RowId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


def _agency_names(visit: Visit) -> dict[int, str]:
    """'CODE · name' by agency id, in the page's language (inactive agencies too)."""
    en = visit.lang == "en"
    return {
        a.id: f"{a.code} · {a.name_en if en else a.name}"
        for a in stored_catalogue.agencies(visit.db)
    }


def _active_agencies(visit: Visit) -> list[Agency]:
    """The agencies an account may belong to: the city's active ones, no referral body."""
    return [a for a in stored_catalogue.agencies(visit.db, active_only=True) if not a.is_referral]


def _refused(visit: Visit, exc: UserError) -> tuple[int, str]:
    """The status and the sentence, in the page's language, for a refused account change."""
    status_code = 409 if exc.reason in CONFLICTS else 422
    return status_code, visit.t.gettext(ACCOUNT_REFUSALS[exc.reason], **exc.params)


# --- accounts -----------------------------------------------------------------------------


def _users_page(visit: Visit, status_code: int = 200, error: str | None = None) -> Response:
    return visit.render(
        "admin_users.html",
        status_code,
        page_path=USERS,
        users=users.all_users(visit.db),
        agency_names=_agency_names(visit),
        error=error,
    )


def _form_page(
    visit: Visit,
    name: str,
    form: dict[str, object],
    status_code: int = 200,
    error: str | None = None,
    **context: object,
) -> Response:
    """A page with the account form: the new-account page or one account's page."""
    return visit.render(
        name,
        status_code,
        form=form,
        roles=list(Role),
        agencies=_active_agencies(visit),
        agency_names=_agency_names(visit),
        error=error,
        **context,
    )


def _account_page(
    visit: Visit,
    user: User,
    status_code: int = 200,
    *,
    form: dict[str, object] | None = None,
    error: str | None = None,
    new_password: str | None = None,
) -> Response:
    """One account: its profile form (as submitted, after a refusal), password and status."""
    agency = visit.db.get(Agency, user.agency_id) if user.agency_id else None
    saved = {
        "full_name": user.full_name or "",
        "email": user.email or "",
        "role": user.role,
        "agency": agency.code if agency else "",
        "agency_head": user.agency_head,
    }
    return _form_page(
        visit,
        "admin_user.html",
        form or saved,
        status_code,
        error,
        page_path=f"{USERS}/{user.id}",
        account=user,
        is_self=user.id == visit.user.id,
        new_password=new_password,
    )


def _profile(full_name: str, email: str, role: str, agency: str, agency_head: str) -> dict:
    return {
        "full_name": full_name,
        "email": email,
        "role": role,
        "agency": agency,
        "agency_head": bool(agency_head),
    }


@router.get("/users", response_class=HTMLResponse)
def user_list(visit: VisitDep) -> Response:
    if refusal := visit.refuse(Role.admin):
        return refusal
    return _users_page(visit)


@router.get("/users/new", response_class=HTMLResponse)
def new_user_page(visit: VisitDep) -> Response:
    if refusal := visit.refuse(Role.admin):
        return refusal
    form = {"username": "", **_profile("", "", Role.officer, "", "")}
    return _form_page(visit, "admin_user_new.html", form)


@router.post("/users/new", response_class=HTMLResponse)
def create_user(
    visit: VisitDep,
    csrf: Text = "",
    username: Text = "",
    full_name: Text = "",
    email: Text = "",
    role: Text = "",
    agency: Text = "",
    agency_head: Text = "",
    password: Text = "",
) -> Response:
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    form = {"username": username, **_profile(full_name, email, role, agency, agency_head)}
    try:
        user = users.create_user(
            visit.db,
            username=username,
            password=password,
            role=users.parse_role(role),
            agency_code=agency,
            full_name=full_name,
            email=email,
            agency_head=bool(agency_head),
            actor=visit.user,
        )
    except UserError as exc:
        visit.db.rollback()
        status_code, error = _refused(visit, exc)
        return _form_page(
            visit, "admin_user_new.html", form, status_code, error, page_path=f"{USERS}/new"
        )
    visit.db.commit()
    return visit.redirect(USERS, N_("Akun %(username)s dibuat."), username=user.username)


def _posted_account(visit: Visit, user_id: int, csrf: str) -> tuple[User | None, Response | None]:
    if refusal := visit.refuse_post(csrf, Role.admin):
        return None, refusal
    user = visit.db.get(User, user_id)
    if user is None:
        return None, _users_page(visit, 404, visit.t.gettext(NO_ACCOUNT))
    return user, None


@router.get("/users/{user_id}", response_class=HTMLResponse)
def account(user_id: RowId, visit: VisitDep) -> Response:
    if refusal := visit.refuse(Role.admin):
        return refusal
    user = visit.db.get(User, user_id)
    if user is None:
        return _users_page(visit, 404, visit.t.gettext(NO_ACCOUNT))
    return _account_page(visit, user)


@router.post("/users/{user_id}", response_class=HTMLResponse)
def update_account(
    user_id: RowId,
    visit: VisitDep,
    csrf: Text = "",
    full_name: Text = "",
    email: Text = "",
    role: Text = "",
    agency: Text = "",
    agency_head: Text = "",
) -> Response:
    user, refusal = _posted_account(visit, user_id, csrf)
    if refusal:
        return refusal
    form = _profile(full_name, email, role, agency, agency_head)
    try:
        users.update_user(
            visit.db,
            user,
            role=users.parse_role(role),
            agency_code=agency,
            full_name=full_name,
            email=email,
            agency_head=bool(agency_head),
            actor=visit.user,
        )
    except UserError as exc:
        visit.db.rollback()
        status_code, error = _refused(visit, exc)
        return _account_page(visit, user, status_code, form=form, error=error)
    visit.db.commit()
    return visit.redirect(
        f"{USERS}/{user.id}", N_("Data akun %(username)s disimpan."), username=user.username
    )


def _set_active(visit: Visit, user_id: int, csrf: str, active: bool) -> Response:
    user, refusal = _posted_account(visit, user_id, csrf)
    if refusal:
        return refusal
    try:
        users.set_active(visit.db, user, active, actor=visit.user)
    except UserError as exc:
        visit.db.rollback()
        status_code, error = _refused(visit, exc)
        return _account_page(visit, user, status_code, error=error)
    visit.db.commit()
    flash = (
        N_("Akun %(username)s aktif kembali.")
        if active
        else N_("Akun %(username)s dinonaktifkan; semua sesinya berakhir.")
    )
    return visit.redirect(f"{USERS}/{user.id}", flash, username=user.username)


@router.post("/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate(user_id: RowId, visit: VisitDep, csrf: Text = "") -> Response:
    """Turns the account away at sign-in and ends its sessions and API tokens."""
    return _set_active(visit, user_id, csrf, False)


@router.post("/users/{user_id}/reactivate", response_class=HTMLResponse)
def reactivate(user_id: RowId, visit: VisitDep, csrf: Text = "") -> Response:
    return _set_active(visit, user_id, csrf, True)


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(
    user_id: RowId,
    visit: VisitDep,
    csrf: Text = "",
    password: Text = "",
    generate: Text = "",
) -> Response:
    """The admin's new password, or a random one shown on this answer only (never stored
    in the cookie, which is signed but readable)."""
    user, refusal = _posted_account(visit, user_id, csrf)
    if refusal:
        return refusal
    new_password = users.generate_password() if generate else password
    try:
        users.reset_password(visit.db, user, new_password, actor=visit.user)
    except UserError as exc:
        visit.db.rollback()
        status_code, error = _refused(visit, exc)
        return _account_page(visit, user, status_code, error=error)
    if user.id == visit.user.id:  # every session of the account ended: this one goes on anew
        secret, _ = start_session(visit.db, user, SessionKind.console, visit.settings)
        visit.state.sign_in(secret)
    visit.db.commit()
    if generate:
        return _account_page(visit, user, new_password=new_password)
    return visit.redirect(
        f"{USERS}/{user.id}",
        N_("Kata sandi %(username)s diganti; semua sesinya berakhir."),
        username=user.username,
    )


# --- the catalogue ------------------------------------------------------------------------


def _catalogue_page(
    visit: Visit,
    status_code: int = 200,
    error: str | None = None,
    submitted: dict[str, str] | None = None,
) -> Response:
    """Every agency with its categories; `submitted` keeps a refused SLA value in its field."""
    categories = stored_catalogue.categories(visit.db)
    return visit.render(
        "admin_catalogue.html",
        status_code,
        page_path=CATALOGUE,
        agencies=stored_catalogue.agencies(visit.db),
        by_agency={
            agency_id: [c for c in categories if c.agency_id == agency_id]
            for agency_id in {c.agency_id for c in categories}
        },
        sla_max=SLA_MAX,
        submitted=submitted or {},
        error=error,
    )


def _sla_hours(value: str) -> int | None:
    """A whole number of hours from 1 to SLA_MAX, else None."""
    value = value.strip()
    if not value.isdecimal() or len(value) > 5:
        return None
    hours = int(value)
    return hours if 1 <= hours <= SLA_MAX else None


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue(visit: VisitDep) -> Response:
    if refusal := visit.refuse(Role.admin):
        return refusal
    return _catalogue_page(visit)


@router.post("/catalogue/{code}", response_class=HTMLResponse)
def update_category(
    code: str, visit: VisitDep, csrf: Text = "", sla_hours: Text = "", active: Text = ""
) -> Response:
    """New SLA hours apply to complaints filed from now on; open cases keep their due time."""
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    category = stored_catalogue.category_by_code(visit.db, code)
    if category is None:
        error = visit.t.gettext("Kategori %(code)s tidak ada.", code=code[:64])
        return _catalogue_page(visit, 404, error)
    name = category.name_en if visit.lang == "en" else category.name
    hours = _sla_hours(sla_hours)
    if hours is None:
        error = visit.t.gettext(
            "SLA %(category)s harus bilangan bulat dari 1 sampai %(max)s jam.",
            category=name,
            max=SLA_MAX,
        )
        return _catalogue_page(visit, 422, error, {code: sla_hours[:10]})
    stored_catalogue.set_category_terms(visit.db, category, sla_hours=hours, active=bool(active))
    visit.db.commit()
    log.info(
        "%s set category %s: SLA %d hours, active %s",
        visit.user.username,
        code,
        hours,
        category.active,
    )
    return visit.redirect(
        f"{CATALOGUE}#{code}", N_("Kategori %(category)s disimpan."), category=name
    )


# --- the city's calendar ------------------------------------------------------------------


def _this_year(visit: Visit) -> int:
    return datetime.now(ZoneInfo(visit.settings.city_timezone)).year


def _holidays_page(
    visit: Visit,
    year: int,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The city's own days of one year, beside the national days off for reference."""
    city = city_days(visit.db, year)
    country = visit.settings.holiday_country
    return visit.render(
        "admin_holidays.html",
        status_code,
        page_path=f"{HOLIDAYS}?year={year}",
        year=year,
        years=(year - 1 if year > YEAR_MIN else None, year + 1 if year < YEAR_MAX else None),
        city=city,
        city_days={h.day: h.off for h in city},
        national=national_holidays(country, year, HOLIDAY_LANGUAGES[visit.lang]),
        country=country,
        form=form or {"day": "", "name": "", "kind": "off"},
        name_max=HOLIDAY_NAME_MAX,
        error=error,
    )


@router.get("/holidays", response_class=HTMLResponse)
def holidays(visit: VisitDep, year: str = "") -> Response:
    if refusal := visit.refuse(Role.admin):
        return refusal
    asked = int(year) if year.isdecimal() and len(year) == 4 else 0
    return _holidays_page(visit, asked if YEAR_MIN <= asked <= YEAR_MAX else _this_year(visit))


def _holiday_day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if YEAR_MIN <= day.year <= YEAR_MAX else None


@router.post("/holidays", response_class=HTMLResponse)
def add_holiday(
    visit: VisitDep, csrf: Text = "", day: Text = "", name: Text = "", kind: Text = ""
) -> Response:
    """An extra day off (`kind` off) or a working day that would otherwise be off (work)."""
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    form = {"day": day[:20], "name": name[:HOLIDAY_NAME_MAX], "kind": kind}
    when, name = _holiday_day(day), name.strip()
    year = when.year if when else _this_year(visit)
    if when is None:
        error = visit.t.gettext(
            "Tanggal tidak sah; pakai format TTTT-BB-HH antara tahun %(first)s dan %(last)s.",
            first=YEAR_MIN,
            last=YEAR_MAX,
        )
    elif not name or len(name) > HOLIDAY_NAME_MAX:
        error = visit.t.gettext(
            "Keterangan wajib diisi, maksimal %(max)s karakter.", max=HOLIDAY_NAME_MAX
        )
    elif kind not in ("off", "work"):
        error = visit.t.gettext("Pilih jenis hari: libur atau masuk kerja.")
    else:
        error = None
    if error:
        return _holidays_page(visit, year, 422, error, form)
    try:
        add_city_day(visit.db, when, name, off=kind == "off")
    except DayTaken:
        error = visit.t.gettext("Tanggal %(day)s sudah ada di daftar kota.", day=when.isoformat())
        return _holidays_page(visit, year, 409, error, form)
    visit.db.commit()
    log.info("%s added city day %s (%s): %s", visit.user.username, when, kind, name)
    return visit.redirect(
        f"{HOLIDAYS}?year={year}", N_("%(day)s ditambahkan ke daftar kota."), day=when.isoformat()
    )


@router.post("/holidays/{holiday_id}/delete", response_class=HTMLResponse)
def delete_holiday(holiday_id: RowId, visit: VisitDep, csrf: Text = "") -> Response:
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    holiday = remove_city_day(visit.db, holiday_id)
    if holiday is None:
        error = visit.t.gettext("Hari itu tidak ada di daftar kota.")
        return _holidays_page(visit, _this_year(visit), 404, error)
    visit.db.commit()
    day, name = holiday.day, holiday.name
    log.info("%s deleted city day %s: %s", visit.user.username, day, name)
    return visit.redirect(
        f"{HOLIDAYS}?year={day.year}",
        N_("%(day)s dihapus dari daftar kota."),
        day=day.isoformat(),
    )


# --- who was shown a resident's full contact ----------------------------------------------


@router.get("/reveals", response_class=HTMLResponse)
def reveal_log(visit: VisitDep, user: str = "", case: str = "", before: str = "") -> Response:
    """Every time staff were shown a reporter's full contact, newest first; of one user or one
    case when asked, a page at a time."""
    if refusal := visit.refuse(Role.admin):
        return refusal
    filters = {"user": user.strip()[:USERNAME_MAX], "case": case.strip()[:CODE_MAX]}
    user_id = case_id = None
    error = None
    if filters["user"]:
        account = visit.db.exec(select(User).where(User.username == filters["user"])).first()
        user_id = account.id if account else None
        if account is None:
            error = visit.t.gettext(
                "Tidak ada pengguna bernama %(username)s.", username=filters["user"]
            )
    if filters["case"] and error is None:
        found = find_by_code(visit.db, filters["case"])
        case_id = found.id if found else None
        if found is None:
            error = visit.t.gettext("Tidak ada aduan %(code)s.", code=filters["case"])
    cursor = int(before) if before.isdecimal() and len(before) < 10 else None
    page = (
        reveals.reveal_log(
            visit.db, user_id=user_id, case_id=case_id, before=cursor, limit=REVEALS_PAGE
        )
        if error is None
        else reveals.RevealPage([], None)
    )
    active = {key: value for key, value in filters.items() if value}
    return visit.render(
        "admin_reveals.html",
        404 if error else 200,
        page_path=f"{REVEALS}?{urlencode(active)}" if active else REVEALS,
        page=page,
        filters=filters,
        error=error,
        next_url=f"{REVEALS}?{urlencode({**active, 'before': page.next_before})}"
        if page.next_before
        else None,
        first_url=f"{REVEALS}?{urlencode(active)}" if cursor is not None else None,
    )
