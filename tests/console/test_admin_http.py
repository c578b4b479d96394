"""The console's admin pages through HTTP: accounts, the catalogue's SLA hours, city days."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from cases.calendar import due_at, load_calendar
from cases.models import Case, Holiday
from core.db import get_engine, session_scope
from core.settings import Settings
from routing.models import Category
from staff.models import User
from tests.console.helpers import csrf_of, post, sign_in
from tests.helpers import PASSWORD, create_staff, file_complaint, login

NEW_PASSWORD = "a-brand-new-passphrase"


def admin_session(web: TestClient, settings: Settings, username: str = "admin") -> str:
    """An admin signed in on `web`; returns the session's CSRF token."""
    create_staff(settings, username, "admin")
    assert sign_in(web, username).status_code == 303
    return csrf_of(web.get("/console/admin/users").text)


def second_browser(web: TestClient) -> TestClient:
    """Another browser on the same app, with cookies of its own."""
    return TestClient(web.app, base_url="https://testserver")


def user_row(settings: Settings, username: str) -> User:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return session.exec(select(User).where(User.username == username)).one()


def category_row(settings: Settings, code: str) -> Category:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return session.exec(select(Category).where(Category.code == code)).one()


def add_holiday(settings: Settings, day: date, name: str, off: bool = True) -> int:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        holiday = Holiday(day=day, name=name, off=off)
        session.add(holiday)
        session.flush()
        return holiday.id


@pytest.fixture
def catalogue_restored(settings: Settings) -> Iterator[None]:
    """The catalogue outlives a test (only cases and users are wiped): put back what it edits."""
    engine = get_engine(settings.database_url)
    with session_scope(engine, dispatcher=None) as session:
        saved = {
            c.code: (c.sla_hours, c.active, c.updated_at) for c in session.exec(select(Category))
        }
    yield
    with session_scope(engine, dispatcher=None) as session:
        for category in session.exec(select(Category)):
            category.sla_hours, category.active, category.updated_at = saved[category.code]
            session.add(category)


def test_admin_pages_turn_away_everyone_but_admins(web: TestClient, settings: Settings) -> None:
    """Signed out: to the login form. Officers and supervisors: the 403 page, nothing changed."""
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "kepala", "supervisor")
    target = user_row(settings, "dpu").id
    holiday = add_holiday(settings, date(2026, 8, 18), "Cuti kota")
    sla = category_row(settings, "road_damage").sla_hours
    pages = (
        "/console/admin/users",
        "/console/admin/users/new",
        f"/console/admin/users/{target}",
        "/console/admin/catalogue",
        "/console/admin/holidays",
        "/console/admin/reveals",
    )
    forms = {
        "/console/admin/users/new": {"username": "x", "role": "admin", "password": NEW_PASSWORD},
        f"/console/admin/users/{target}": {"role": "supervisor"},
        f"/console/admin/users/{target}/deactivate": {},
        f"/console/admin/users/{target}/reactivate": {},
        f"/console/admin/users/{target}/password": {"password": NEW_PASSWORD},
        "/console/admin/catalogue/road_damage": {"sla_hours": "1", "active": "1"},
        "/console/admin/holidays": {"day": "2026-08-19", "name": "x", "kind": "off"},
        f"/console/admin/holidays/{holiday}/delete": {},
    }
    for path in pages:
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/console/login?next={path}"
    for path, fields in forms.items():
        response = post(web, path, None, **fields)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/console/login")

    for username in ("dpu", "kepala"):
        web.cookies.clear()
        assert sign_in(web, username).status_code == 303
        csrf = csrf_of(web.get("/console").text)
        assert "/console/admin" not in web.get("/console").text  # no Admin link
        for path in pages:
            response = web.get(path)
            assert response.status_code == 403, path
            assert "Halaman admin hanya untuk admin." in response.text
        for path, fields in forms.items():
            assert post(web, path, csrf, **fields).status_code == 403, path

    dpu = user_row(settings, "dpu")
    assert dpu.role == "officer" and dpu.active
    assert category_row(settings, "road_damage").sla_hours == sla
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        assert [h.day for h in session.exec(select(Holiday))] == [date(2026, 8, 18)]
        assert session.exec(select(User).where(User.username == "x")).first() is None


def test_admin_lands_on_the_users_page_with_an_admin_link(
    web: TestClient, settings: Settings
) -> None:
    """An admin's console home is the users list, linked as "Admin", in both languages."""
    create_staff(settings, "admin", "admin")
    response = sign_in(web, "admin")
    assert response.headers["location"] == "/console"
    page = web.get("/console")
    assert str(page.url).endswith("/console/admin/users")
    assert '<a href="/console/admin/users" aria-current="page">Admin</a>' in page.text
    assert "Pengguna" in page.text and "Akun baru" in page.text
    english = web.get("/console/admin/users?lang=en").text
    assert "Users" in english and "New account" in english and "Agency head" in english


def test_post_without_the_csrf_token_changes_nothing(
    web: TestClient, settings: Settings, catalogue_restored: None
) -> None:
    """Every admin form needs the session's token; without it or with another, a 403."""
    admin_session(web, settings)
    create_staff(settings, "dpu", "officer", "DPU")
    target = user_row(settings, "dpu").id
    holiday = add_holiday(settings, date(2026, 8, 18), "Cuti kota")
    sla = category_row(settings, "road_damage").sla_hours
    forms = {
        "/console/admin/users/new": {"username": "x", "role": "admin", "password": NEW_PASSWORD},
        f"/console/admin/users/{target}": {"role": "supervisor"},
        f"/console/admin/users/{target}/deactivate": {},
        f"/console/admin/users/{target}/password": {"password": NEW_PASSWORD},
        "/console/admin/catalogue/road_damage": {"sla_hours": "1", "active": "1"},
        "/console/admin/holidays": {"day": "2026-08-19", "name": "x", "kind": "off"},
        f"/console/admin/holidays/{holiday}/delete": {},
    }
    for path, fields in forms.items():
        for token in (None, "not-the-token"):
            response = post(web, path, token, **fields)
            assert response.status_code == 403, path
            assert "tidak ada yang diubah" in response.text
    dpu = user_row(settings, "dpu")
    assert dpu.role == "officer" and dpu.active
    assert category_row(settings, "road_damage").sla_hours == sla
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        assert len(session.exec(select(Holiday)).all()) == 1
        assert session.exec(select(User).where(User.username == "x")).first() is None


def test_admin_creates_an_account_that_signs_in(
    web: TestClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The new account is listed with its details and signs in to the console and the API."""
    csrf = admin_session(web, settings)
    form = web.get("/console/admin/users/new").text
    assert 'for="username"' in form and 'for="password"' in form and 'name="agency_head"' in form
    # a referral body has no staff: the form does not offer it
    assert '<option value="DPU"' in form and '<option value="PLN"' not in form
    with caplog.at_level(logging.INFO, logger="staff.service"):
        response = post(
            web,
            "/console/admin/users/new",
            csrf,
            username="rina",
            full_name="Rina Wulandari",
            email="rina@semarangkota.go.id",
            role="officer",
            agency="DPU",
            agency_head="1",
            password=NEW_PASSWORD,
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/admin/users"
    listing = web.get("/console/admin/users").text
    assert "Akun rina dibuat." in listing
    for shown in ("rina", "Rina Wulandari", "rina@semarangkota.go.id", "petugas", "DPU · "):
        assert shown in listing
    assert "admin created officer 'rina'" in caplog.text and NEW_PASSWORD not in caplog.text
    rina = user_row(settings, "rina")
    assert rina.agency_head and rina.active and rina.email == "rina@semarangkota.go.id"

    other = second_browser(web)
    assert sign_in(other, "rina", NEW_PASSWORD).status_code == 303
    assert "Antrean aduan" in other.get("/console").text
    assert other.get("/api/v1/cases", headers=login(web, "rina", NEW_PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    ("fields", "status_code", "message"),
    [
        ({"username": "dpu"}, 409, "Nama pengguna &#39;dpu&#39; sudah dipakai."),
        ({"username": " "}, 422, "Nama pengguna harus 1 sampai 64 karakter."),
        ({"username": "u" * 65}, 422, "Nama pengguna harus 1 sampai 64 karakter."),
        ({"password": "short"}, 422, "Kata sandi minimal 8 karakter."),
        ({"agency": ""}, 422, "Petugas harus termasuk sebuah dinas."),
        ({"agency": "NOPE"}, 422, "Dinas &#39;NOPE&#39; tidak ada atau tidak aktif."),
        ({"agency": "PLN"}, 422, "PLN adalah lembaga di luar pemerintah kota"),
        ({"role": "admin"}, 422, "Admin tidak termasuk dinas mana pun."),
        ({"role": "king"}, 422, "Peran &#39;king&#39; tidak dikenal."),
        ({"email": "not-an-address"}, 422, "bukan alamat e-mail"),
        ({"role": "supervisor", "agency": "", "agency_head": "1"}, 422, "Hanya anggota"),
    ],
)
def test_bad_account_input_shows_the_form_again(
    web: TestClient,
    settings: Settings,
    fields: dict[str, str],
    status_code: int,
    message: str,
) -> None:
    """A refused account keeps what was typed (but the password) and says why; nothing is made."""
    csrf = admin_session(web, settings)
    create_staff(settings, "dpu", "officer", "DPU")
    form = {
        "username": "baru",
        "full_name": "Budi Santoso",
        "role": "officer",
        "agency": "DPU",
        "password": NEW_PASSWORD,
        **fields,
    }
    response = post(web, "/console/admin/users/new", csrf, **form)
    assert response.status_code == status_code
    assert message in response.text
    assert 'value="Budi Santoso"' in response.text
    assert NEW_PASSWORD not in response.text
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        assert len(session.exec(select(User)).all()) == 2


def test_admin_edits_role_agency_email_and_head(web: TestClient, settings: Settings) -> None:
    """An officer becomes an agency-less supervisor with an e-mail; a bad e-mail is refused."""
    csrf = admin_session(web, settings)
    create_staff(settings, "dpu", "officer", "DPU")
    target = user_row(settings, "dpu").id
    page = web.get(f"/console/admin/users/{target}").text
    assert "Akun dpu" in page and '<option value="DPU" selected>' in page
    bad = post(
        web, f"/console/admin/users/{target}", csrf, role="supervisor", email="kepala@", agency=""
    )
    assert bad.status_code == 422 and "bukan alamat e-mail" in bad.text
    assert user_row(settings, "dpu").role == "officer"
    response = post(
        web,
        f"/console/admin/users/{target}",
        csrf,
        role="supervisor",
        agency="",
        full_name="Kepala Bidang",
        email="kabid@semarangkota.go.id",
    )
    assert response.status_code == 303
    assert "Data akun dpu disimpan." in web.get(response.headers["location"]).text
    dpu = user_row(settings, "dpu")
    assert (dpu.role, dpu.agency_id, dpu.email) == ("supervisor", None, "kabid@semarangkota.go.id")
    post(
        web,
        f"/console/admin/users/{target}",
        csrf,
        role="supervisor",
        agency="DLH",
        agency_head="1",
    )
    dpu = user_row(settings, "dpu")
    assert dpu.agency_head and dpu.agency_id is not None and dpu.email is None


def test_deactivation_ends_the_console_session_and_the_api_token(
    web: TestClient, settings: Settings
) -> None:
    """The officer is out at once, everywhere; reactivated, they sign in again (old token dead)."""
    csrf = admin_session(web, settings)
    create_staff(settings, "dpu", "officer", "DPU")
    target = user_row(settings, "dpu").id
    officer = second_browser(web)
    assert sign_in(officer, "dpu").status_code == 303
    token = login(web, "dpu")
    assert officer.get("/console", follow_redirects=False).status_code == 200
    assert web.get("/api/v1/cases", headers=token).status_code == 200

    response = post(web, f"/console/admin/users/{target}/deactivate", csrf)
    assert response.status_code == 303
    assert "dinonaktifkan" in web.get(response.headers["location"]).text
    ended = officer.get("/console", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/console/login")
    assert "Sesi Anda sudah berakhir" in officer.get(ended.headers["location"]).text
    assert web.get("/api/v1/cases", headers=token).status_code == 401
    assert sign_in(officer, "dpu").status_code == 401
    assert "Nonaktif" in web.get("/console/admin/users").text

    post(web, f"/console/admin/users/{target}/reactivate", csrf)
    assert user_row(settings, "dpu").active
    assert sign_in(officer, "dpu").status_code == 303
    assert web.get("/api/v1/cases", headers=token).status_code == 401
    assert web.get("/api/v1/cases", headers=login(web, "dpu")).status_code == 200


def test_password_reset_ends_sessions_and_the_new_password_works(
    web: TestClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A typed password and a generated one (shown once) both end the old sessions."""
    csrf = admin_session(web, settings)
    create_staff(settings, "dpu", "officer", "DPU")
    target = user_row(settings, "dpu").id
    officer = second_browser(web)
    sign_in(officer, "dpu")
    token = login(web, "dpu")

    short = post(web, f"/console/admin/users/{target}/password", csrf, password="short")
    assert short.status_code == 422 and "Kata sandi minimal 8 karakter." in short.text
    assert officer.get("/console", follow_redirects=False).status_code == 200

    with caplog.at_level(logging.INFO, logger="staff.service"):
        typed = post(web, f"/console/admin/users/{target}/password", csrf, password=NEW_PASSWORD)
    assert typed.status_code == 303
    assert "reset the password of 'dpu'" in caplog.text and NEW_PASSWORD not in caplog.text
    assert officer.get("/console", follow_redirects=False).status_code == 303
    assert web.get("/api/v1/cases", headers=token).status_code == 401
    assert sign_in(officer, "dpu", PASSWORD).status_code == 401
    assert sign_in(officer, "dpu", NEW_PASSWORD).status_code == 303

    generated = post(web, f"/console/admin/users/{target}/password", csrf, generate="1")
    assert generated.status_code == 200
    password = re.search(r'class="secret mono">([^<]+)<', generated.text).group(1)
    assert len(password) >= 16 and password not in caplog.text
    assert password not in web.get(f"/console/admin/users/{target}").text  # shown once only
    assert officer.get("/console", follow_redirects=False).status_code == 303
    assert sign_in(officer, "dpu", password).status_code == 303

    # an admin resetting their own password stays signed in, on the new version
    me = user_row(settings, "admin").id
    fresh = csrf_of(web.get(f"/console/admin/users/{me}").text)
    assert (
        post(web, f"/console/admin/users/{me}/password", fresh, password=NEW_PASSWORD).status_code
        == 303
    )
    assert web.get("/console/admin/users", follow_redirects=False).status_code == 200


def test_admin_cannot_deactivate_or_demote_themselves(web: TestClient, settings: Settings) -> None:
    csrf = admin_session(web, settings)
    me = user_row(settings, "admin").id
    page = web.get(f"/console/admin/users/{me}").text
    assert "/deactivate" not in page and "tidak dapat menonaktifkan akun Anda sendiri" in page
    refused = post(web, f"/console/admin/users/{me}/deactivate", csrf)
    assert refused.status_code == 409
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in refused.text
    demoted = post(web, f"/console/admin/users/{me}", csrf, role="supervisor")
    assert demoted.status_code == 409
    assert "Anda tidak dapat mencabut peran admin Anda sendiri." in demoted.text
    admin = user_row(settings, "admin")
    assert admin.active and admin.role == "admin"
    assert web.get("/console/admin/users", follow_redirects=False).status_code == 200
    assert web.get("/console/admin/users/999999").status_code == 404


def test_sla_edit_is_validated_and_applies_to_new_complaints(
    web: TestClient, settings: Settings, catalogue_restored: None
) -> None:
    """Only whole hours from 1 to 8760; the next complaint of the category gets the new SLA."""
    csrf = admin_session(web, settings)
    before = file_complaint(web)["tracking_code"]
    engine = get_engine(settings.database_url)
    with session_scope(engine, dispatcher=None) as session:
        first = session.exec(select(Case).where(Case.tracking_code == before)).one()
        category = session.get(Category, first.category_id)
    code, old_hours, old_stamp = category.code, category.sla_hours, category.updated_at
    page = web.get("/console/admin/catalogue").text
    assert f'action="/console/admin/catalogue/{code}"' in page
    assert f'value="{old_hours}"' in page

    for value in ("0", "8761", "-3", "1.5", "abc", "", "99999999999"):
        response = post(web, f"/console/admin/catalogue/{code}", csrf, sla_hours=value, active="1")
        assert response.status_code == 422, value
        assert "harus bilangan bulat dari 1 sampai 8760 jam" in response.text
    assert category_row(settings, code).sla_hours == old_hours
    missing = post(web, "/console/admin/catalogue/no_such", csrf, sla_hours="5", active="1")
    assert missing.status_code == 404

    new_hours = old_hours + 48
    response = post(
        web, f"/console/admin/catalogue/{code}", csrf, sla_hours=str(new_hours), active="1"
    )
    assert response.status_code == 303
    assert "disimpan" in web.get(response.headers["location"]).text
    changed = category_row(settings, code)
    assert changed.sla_hours == new_hours and changed.updated_at > old_stamp

    after = file_complaint(web)["tracking_code"]
    with session_scope(engine, dispatcher=None) as session:
        first = session.exec(select(Case).where(Case.tracking_code == before)).one()
        second = session.exec(select(Case).where(Case.tracking_code == after)).one()
        assert second.category_id == category.id
        assert first.due_at == due_at(session, settings, first.created_at, old_hours)
        assert second.due_at == due_at(session, settings, second.created_at, new_hours)
    assert second.due_at > first.due_at

    post(web, f"/console/admin/catalogue/{code}", csrf, sla_hours=str(new_hours))
    assert not category_row(settings, code).active  # an unticked box deactivates


def test_city_days_are_added_listed_and_deleted(web: TestClient, settings: Settings) -> None:
    """A day off and a worked holiday join the calendar; bad dates and repeats are refused."""
    csrf = admin_session(web, settings)
    page = web.get("/console/admin/holidays?year=2026").text
    assert "Hari Kemerdekaan Republik Indonesia" in page and "Belum ada hari khusus kota" in page
    english = web.get("/console/admin/holidays?year=2026&lang=en").text
    assert "Independence Day" in english
    web.get("/console/admin/holidays?lang=id")  # the choice sticks to the session: back

    added = post(
        web, "/console/admin/holidays", csrf, day="2026-04-02", name="HUT Kota Semarang", kind="off"
    )
    assert (
        added.status_code == 303
        and added.headers["location"] == "/console/admin/holidays?year=2026"
    )
    worked = post(web, "/console/admin/holidays", csrf, day="2026-08-17", name="Bakti", kind="work")
    assert worked.status_code == 303
    listing = web.get("/console/admin/holidays?year=2026").text
    assert "HUT Kota Semarang" in listing and "kota masuk kerja" in listing
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        calendar = load_calendar(session, settings)
        assert not calendar.is_working_day(date(2026, 4, 2))
        assert calendar.is_working_day(date(2026, 8, 17))

    for day, name, kind, status_code in (
        ("2026-04-02", "Lagi", "off", 409),
        ("2026-02-30", "Tidak ada", "off", 422),
        ("kemarin", "Tidak ada", "off", 422),
        ("", "Tidak ada", "off", 422),
        ("1999-12-31", "Terlalu lama", "off", 422),
        ("2026-05-05", "  ", "off", 422),
        ("2026-05-05", "Jenis aneh", "maybe", 422),
    ):
        response = post(web, "/console/admin/holidays", csrf, day=day, name=name, kind=kind)
        assert response.status_code == status_code, day
        assert 'class="alert"' in response.text
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        holidays = session.exec(select(Holiday).order_by(Holiday.day)).all()
    assert [(h.day, h.off) for h in holidays] == [
        (date(2026, 4, 2), True),
        (date(2026, 8, 17), False),
    ]

    deleted = post(web, f"/console/admin/holidays/{holidays[0].id}/delete", csrf)
    assert deleted.status_code == 303
    assert "HUT Kota Semarang" not in web.get(deleted.headers["location"]).text
    assert post(web, f"/console/admin/holidays/{holidays[0].id}/delete", csrf).status_code == 404
