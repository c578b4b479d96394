"""The staff console through HTTP, as a browser without JavaScript uses it."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from fastapi.testclient import TestClient
from sqlmodel import select

from aduan.app import create_app
from cases.enums import SourceChannel
from cases.models import Attachment
from console import routes as console_routes
from console.session import COOKIE_NAME, serializer
from core.db import get_engine, session_scope, utcnow
from core.media import store_media
from core.settings import Settings, get_settings
from intake.messages import InboundMessage
from intake.service import receive
from tests.console.helpers import case_row, csrf_of, history, post, sign_in, signed_in
from tests.fakes.media_samples import DOCUMENT_PDF, VIDEO_MP4, VOICE_OGG
from tests.fakes.smtp_sink import SmtpSink
from tests.helpers import (
    PASSWORD,
    POTHOLE,
    RUBBISH,
    create_staff,
    file_complaint,
    png_bytes,
    run_jobs,
)

VAGUE = "Mohon bantuannya pak, ini sudah lama sekali"  # routing cannot place it: triage
FLOOD_A = "Gorong-gorong mampet di Jl. Majapahit depan Indomaret, air meluber ke jalan tiap hujan"
FLOOD_B = "gorong2 mampet jl majapahit dpn indomaret, airnya meluber ke jalan kalau hujan"


STAFF = {
    "dpu": ("officer", "DPU"),
    "dlh": ("officer", "DLH"),
    "kepala": ("supervisor", None),
    "admin": ("admin", None),
}
Staff = Callable[..., None]


@pytest.fixture
def staff(settings: Settings) -> Staff:
    """Creates the named accounts; only those a test needs, as hashing a password is slow."""

    def add(*usernames: str) -> None:
        for username in usernames:
            create_staff(settings, username, *STAFF[username])

    return add


def test_signed_out_visitor_is_sent_to_the_login_form(web: TestClient) -> None:
    """Every console page asks a signed-out visitor to sign in first, then brings them back."""
    response = web.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console"
    case = web.get("/console/cases/ABCD-1234", follow_redirects=False)
    assert case.headers["location"] == "/console/login?next=/console/cases/ABCD-1234"
    login = web.get("/console/login")
    assert login.status_code == 200
    assert '<html lang="id">' in login.text and "Masuk ke konsol" in login.text
    assert 'for="username"' in login.text and 'for="password"' in login.text


def test_login_sets_a_guarded_cookie_and_logout_ends_it(web: TestClient, staff: Staff) -> None:
    """Signing in gives an HttpOnly, SameSite=Lax, Secure cookie; signing out (POST) ends it."""
    staff("dpu")
    response = sign_in(web, "dpu")
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert "Path=/;" in cookie
    queue = web.get("/console")
    assert queue.status_code == 200
    assert "dpu" in queue.text and "Antrean aduan" in queue.text
    assert queue.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in queue.headers["content-security-policy"]

    out = post(web, "/console/logout", csrf_of(queue.text))
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert "Anda sudah keluar" in web.get("/console/login").text
    assert web.get("/console", follow_redirects=False).status_code == 303


def test_next_page_after_login_stays_on_the_console(web: TestClient, staff: Staff) -> None:
    """The page asked for before signing in is where one lands; another site never is."""
    staff("kepala")
    for target, landing in (
        ("/console/triage", "/console/triage"),
        ("https://evil.example/", "/console"),
        ("//evil.example/console", "/console"),
    ):
        web.cookies.clear()
        token = csrf_of(web.get("/console/login").text)
        response = web.post(
            "/console/login",
            data={"username": "kepala", "password": PASSWORD, "csrf": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == landing


def test_wrong_password_shows_the_form_again(
    web: TestClient, staff: Staff, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong password is a 401 page with the error and the username kept, no session, a log."""
    staff("dpu")
    with caplog.at_level(logging.WARNING, logger="staff.signin"):
        response = sign_in(web, "dpu", "not-the-password")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.text
    assert 'value="dpu"' in response.text
    assert "'dpu'" in caplog.text and "not-the-password" not in caplog.text
    assert web.get("/console", follow_redirects=False).status_code == 303


def test_sixth_attempt_waits_even_with_the_right_password(
    web: TestClient, staff: Staff, caplog: pytest.LogCaptureFixture
) -> None:
    """After 5 failures in 15 minutes the username is locked from this address: 429,
    Retry-After, no check."""
    staff("dpu", "dlh")
    for _ in range(5):
        assert sign_in(web, "dpu", "wrong-password").status_code == 401
    with caplog.at_level(logging.WARNING, logger="staff.signin"):
        response = sign_in(web, "dpu", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "Terlalu banyak percobaan" in response.text
    assert "too many failures" in caplog.text
    assert web.get("/console", follow_redirects=False).status_code == 303
    # another account from the same address is not locked by these five
    assert sign_in(web, "dlh").status_code == 303


def test_with_redis_down_sign_in_is_checked_not_locked(
    settings: Settings, staff: Staff, caplog: pytest.LogCaptureFixture
) -> None:
    """A Redis outage must not lock staff out: every try is checked, with a warning."""
    staff("dpu")
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with (
        TestClient(create_app(down), base_url="https://testserver") as web,
        caplog.at_level(logging.WARNING, logger="staff.signin"),
    ):
        for _ in range(6):
            assert sign_in(web, "dpu", "wrong-password").status_code == 401
        assert sign_in(web, "dpu").status_code == 303
    assert "login throttle unavailable" in caplog.text


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "wrong"])
def test_post_without_the_csrf_token_changes_nothing(
    web: TestClient, settings: Settings, staff: Staff, token: str | None
) -> None:
    """A form post without this session's token is a 403 and the case stays as it was."""
    staff("dpu")
    code = file_complaint(web)["tracking_code"]
    real = signed_in(web, "dpu")
    before = len(history(settings, code))
    for path, fields in (
        (f"/console/cases/{code}/status", {"status": "in_progress", "note": "x"}),
        (f"/console/cases/{code}/forward", {"agency": "DLH", "note": "bukan kami"}),
        (f"/console/cases/{code}/notes", {"text": "catatan", "public": "1"}),
        (f"/console/cases/{code}/merge", {}),
    ):
        response = post(web, path, token, **fields)
        assert response.status_code == 403, path
        assert "tidak ada yang diubah" in response.text
    case = case_row(settings, code)
    assert case.status == "assigned"
    assert len(history(settings, code)) == before
    assert post(web, "/console/logout", token).status_code == 403
    assert web.get("/console").status_code == 200  # still signed in
    assert post(web, f"/console/cases/{code}/status", real, status="in_progress").status_code == 303


def test_login_form_needs_its_csrf_token(web: TestClient, staff: Staff) -> None:
    """Even the sign-in form is refused without the token its page carried."""
    staff("dpu")
    web.get("/console/login")
    response = web.post(
        "/console/login", data={"username": "dpu", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert web.get("/console", follow_redirects=False).status_code == 303


def test_session_expires_after_access_token_minutes(
    web: TestClient, settings: Settings, staff: Staff
) -> None:
    """A session older than ACCESS_TOKEN_MINUTES sends the visitor back to sign in."""
    staff("dpu")
    signed_in(web, "dpu")
    age = timedelta(minutes=settings.access_token_minutes)
    with time_machine.travel(utcnow() + age - timedelta(minutes=1), tick=False):
        assert web.get("/console", follow_redirects=False).status_code == 200
    with time_machine.travel(utcnow() + age + timedelta(seconds=5), tick=False):
        response = web.get("/console", follow_redirects=False)
        assert response.status_code == 303
        assert "Sesi Anda sudah berakhir" in web.get(response.headers["location"]).text


def test_a_cookie_signed_with_another_key_is_no_session(
    web: TestClient, settings: Settings, staff: Staff
) -> None:
    """The live session's secret in a cookie signed with another key opens nothing."""
    staff("dpu")
    signed_in(web, "dpu")
    secret = serializer(settings).loads(web.cookies[COOKIE_NAME])["s"]
    forged = serializer(settings.model_copy(update={"secret_key": "x" * 40})).dumps(
        {"c": "t", "s": secret, "l": None}
    )
    web.cookies.clear()
    web.cookies.set(COOKIE_NAME, forged, domain="testserver.local", path="/")
    assert web.get("/console", follow_redirects=False).status_code == 303


def test_expiry_follows_the_setting(
    settings: Settings, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ACCESS_TOKEN_MINUTES from the environment sets how long a console session lasts."""
    staff("dpu")
    monkeypatch.setenv("ACCESS_TOKEN_MINUTES", "1")
    get_settings.cache_clear()
    short = get_settings()
    assert short.access_token_minutes == 1
    with TestClient(create_app(short), base_url="https://testserver") as web:
        signed_in(web, "dpu")
        start = utcnow()
        with time_machine.travel(start + timedelta(seconds=50), tick=False):
            assert web.get("/console", follow_redirects=False).status_code == 200
        with time_machine.travel(start + timedelta(seconds=70), tick=False):
            assert web.get("/console", follow_redirects=False).status_code == 303


def test_deactivated_user_is_signed_out_at_once(
    web: TestClient, settings: Settings, staff: Staff
) -> None:
    """Deactivating an account ends its open console session on the next request."""
    staff("dpu")
    signed_in(web, "dpu")
    assert web.get("/console").status_code == 200
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(sa.text("UPDATE users SET active = false WHERE username = 'dpu'"))
    response = web.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")


def test_officer_sees_only_their_agency(web: TestClient, settings: Settings, staff: Staff) -> None:
    """An officer's queue holds their agency's cases; another agency's case is a 404; no triage."""
    staff("dpu")
    mine = file_complaint(web)["tracking_code"]
    theirs = file_complaint(web, text=RUBBISH)["tracking_code"]
    signed_in(web, "dpu")
    queue = web.get("/console").text
    assert mine in queue and theirs not in queue
    assert web.get(f"/console/cases/{mine}").status_code == 200
    other = web.get(f"/console/cases/{theirs}")
    assert other.status_code == 404
    assert RUBBISH not in other.text
    assert web.get("/console/triage").status_code == 403
    assert "hanya untuk supervisor" in web.get("/console/triage").text


def test_admin_may_sign_in_but_not_open_cases(web: TestClient, staff: Staff) -> None:
    """An admin lands on the admin pages; the case pages are for officers and supervisors (403)."""
    staff("admin")
    code = file_complaint(web)["tracking_code"]
    assert sign_in(web, "admin").status_code == 303
    home = web.get("/console", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/console/admin/users"
    for path in (f"/console/cases/{code}", "/console/triage"):
        response = web.get(path)
        assert response.status_code == 403, path
        assert "untuk petugas dan supervisor" in response.text
        assert POTHOLE not in response.text


def test_status_change_through_the_form_reaches_the_citizen(
    web: TestClient, settings: Settings, staff: Staff, smtp: SmtpSink
) -> None:
    """The form offers only allowed moves; a move is saved and the citizen gets the note."""
    staff("dpu")
    code = file_complaint(web, email="warga@example.com")["tracking_code"]
    csrf = signed_in(web, "dpu")
    page = web.get(f"/console/cases/{code}").text
    offered = re.findall(r'name="status" value="([a-z_]+)"', page)
    assert offered == ["in_progress", "waiting", "resolved", "rejected"]
    assert POTHOLE in page and "Dinas Pekerjaan Umum" in page

    response = post(
        web,
        f"/console/cases/{code}/status",
        csrf,
        status="in_progress",
        note="Tim sudah dikirim",
        internal_note="pakai truk 2",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/cases/{code}"
    after = web.get(response.headers["location"]).text
    assert "Status diubah menjadi: sedang dikerjakan" in after
    assert "pakai truk 2" in after
    assert case_row(settings, code).status == "in_progress"

    run_jobs(settings)
    mails = smtp.wait_for(lambda: len(smtp.messages) >= 2 and smtp.messages)
    assert "sedang dikerjakan" in mails[1].body and "Tim sudah dikirim" in mails[1].body
    assert "pakai truk 2" not in mails[1].body
    page = web.get(f"/console/cases/{code}").text  # each message's delivery shows on the case
    assert page.count('class="delivery delivery-sent">terkirim<') == 2


def test_refused_move_shows_why_and_changes_nothing(
    web: TestClient, settings: Settings, staff: Staff
) -> None:
    """A move the lifecycle forbids is answered 409 on the case page with the reason."""
    staff("dpu")
    code = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, "dpu")
    response = post(web, f"/console/cases/{code}/status", csrf, status="closed", note="x")
    assert response.status_code == 409
    assert (
        "Tidak dapat dilakukan: Status aduan tidak bisa diubah dari “diteruskan ke dinas” "
        "menjadi “ditutup”. Yang bisa: sedang dikerjakan, menunggu keterangan warga, "
        "selesai ditangani, ditolak."
    ) in response.text
    assert case_row(settings, code).status == "assigned"
    empty = post(web, f"/console/cases/{code}/forward", csrf, agency="DLH", note="  ")
    assert empty.status_code == 422
    assert "Periksa isian: Alasan (internal): tidak boleh kosong" in empty.text
    assert case_row(settings, code).agency_id is not None
    assert len(history(settings, code)) == 1


def test_forward_hands_the_case_over(web: TestClient, settings: Settings, staff: Staff) -> None:
    """Forwarding moves the case to the other agency's queue; the sender returns to theirs."""
    staff("dpu", "dlh")
    code = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, "dpu")
    response = post(
        web, f"/console/cases/{code}/forward", csrf, agency="DLH", note="Ini soal sampah"
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    assert "Aduan dialihkan ke Dinas Lingkungan Hidup" in web.get("/console").text
    assert web.get(f"/console/cases/{code}").status_code == 404
    event = history(settings, code)[-1]
    assert (event.kind, event.internal_note, event.actor) == ("forwarded", "Ini soal sampah", "dpu")

    web.cookies.clear()
    signed_in(web, "dlh")
    page = web.get(f"/console/cases/{code}")
    assert page.status_code == 200 and "Ini soal sampah" in page.text


def test_notes_public_and_internal(
    web: TestClient, settings: Settings, staff: Staff, smtp: SmtpSink
) -> None:
    """A public note goes to the citizen, an internal one stays on the case."""
    staff("dpu")
    code = file_complaint(web, email="warga@example.com")["tracking_code"]
    csrf = signed_in(web, "dpu")
    assert post(web, f"/console/cases/{code}/notes", csrf, text="Survei besok").status_code == 303
    public = post(web, f"/console/cases/{code}/notes", csrf, text="Mohon sabar ya", public="1")
    assert public.status_code == 303
    assert "Catatan disimpan" in web.get(public.headers["location"]).text
    notes = [(e.public_note, e.internal_note) for e in history(settings, code)[1:]]
    assert notes == [(None, "Survei besok"), ("Mohon sabar ya", None)]
    run_jobs(settings)
    mails = smtp.wait_for(lambda: len(smtp.messages) >= 2 and smtp.messages)
    assert "Mohon sabar ya" in mails[1].body
    assert all("Survei besok" not in m.body for m in mails)


def test_merge_button_folds_a_duplicate_into_its_original(
    web: TestClient, settings: Settings, staff: Staff
) -> None:
    """A likely duplicate shows 'merge into <code>'; one click closes it into the original."""
    staff("dpu")
    first = file_complaint(web, text=FLOOD_A, lat=-6.99321, lon=110.44210)["tracking_code"]
    second = file_complaint(web, text=FLOOD_B, lat=-6.99380, lon=110.44250)["tracking_code"]
    csrf = signed_in(web, "dpu")
    assert f"mungkin sama dengan {first}" in web.get("/console").text
    page = web.get(f"/console/cases/{second}").text
    assert f"Gabungkan ke {first}" in page
    assert "openstreetmap.org/?mlat=-6.993800&amp;mlon=110.442500" in page
    assert f"Gabungkan ke {second}" not in web.get(f"/console/cases/{first}").text

    response = post(web, f"/console/cases/{second}/merge", csrf)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/cases/{first}"
    assert f"Aduan digabung ke {first}" in web.get(response.headers["location"]).text
    merged = case_row(settings, second)
    assert merged.status == "closed" and merged.merged_into_id == case_row(settings, first).id
    again = post(web, f"/console/cases/{second}/merge", csrf)
    assert again.status_code == 409
    assert f"{second} berstatus “ditutup”; langkah “gabungkan ke aduan asal”" in again.text


def test_triage_one_click_assignment(web: TestClient, settings: Settings, staff: Staff) -> None:
    """A supervisor sees triage cases with routing's guesses; a click assigns one."""
    staff("dpu", "kepala")
    code = file_complaint(web, text=VAGUE)["tracking_code"]
    placed = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, "kepala")
    page = web.get("/console/triage")
    assert page.status_code == 200
    assert code in page.text and placed not in page.text
    guesses = re.findall(
        rf'action="/console/triage/{code}/assign">\s*'
        r'<input type="hidden" name="csrf" value="[^"]+">'
        r'\s*<input type="hidden" name="agency" value="([A-Z]+)">'
        r'\s*<input type="hidden" name="category" value="([a-z_]*)">',
        page.text,
    )
    assert 1 <= len(guesses) <= 3
    agency, category = guesses[0]

    response = post(web, f"/console/triage/{code}/assign", csrf, agency=agency, category=category)
    assert response.status_code == 303 and response.headers["location"] == "/console/triage"
    after = web.get("/console/triage").text
    assert f"{code} diberikan ke" in after and "Tidak ada aduan di triase" in after
    case = case_row(settings, code)
    assert case.status == "assigned" and case.agency_id is not None
    event = history(settings, code)[-1]
    assert (event.kind, event.internal_note, event.note_code) == ("forwarded", None, "from_triage")
    assert "diberikan dari triase" in web.get(f"/console/cases/{code}").text

    stale = post(web, f"/console/triage/{code}/assign", csrf, agency="DLH", category="")
    assert stale.status_code == 409
    assert "sudah tidak di triase" in stale.text
    assert case_row(settings, code).agency_id == case.agency_id

    web.cookies.clear()
    officer_csrf = signed_in(web, "dpu")
    refused = post(web, f"/console/triage/{placed}/assign", officer_csrf, agency="DLH")
    assert refused.status_code == 403


def test_search_filters_sort_and_pages(
    web: TestClient, settings: Settings, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search by words or code, filter by status, agency and category, most urgent first."""
    staff("kepala")
    pothole = file_complaint(web)["tracking_code"]
    rubbish = file_complaint(web, text=RUBBISH)["tracking_code"]
    flood = file_complaint(web, text=FLOOD_A)["tracking_code"]
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(
            sa.text("UPDATE cases SET due_at = :due WHERE tracking_code = :code"),
            {"due": (utcnow() - timedelta(hours=2)).replace(tzinfo=None), "code": pothole},
        )
    signed_in(web, "kepala")

    def codes(**params: str) -> list[str]:
        page = web.get("/console", params=params)
        assert page.status_code == 200
        return re.findall(r'<a class="code" href="/console/cases/([0-9A-Z-]+)"', page.text)

    assert codes() == [flood, rubbish, pothole]
    assert codes(q="SAMPAH pasar") == [rubbish]
    assert codes(q=rubbish.lower().replace("-", "")) == [rubbish]
    assert codes(q="100%_") == []
    assert codes(agency="DLH") == [rubbish]
    assert codes(category="drainage_blocked") == [flood]
    assert codes(status="in_progress") == []
    assert codes(sort="urgent")[0] == pothole
    overdue = web.get("/console").text
    assert overdue.count('class="overdue"') == 1 and "Terlambat" in overdue

    monkeypatch.setattr(console_routes, "PAGE_SIZE", 2)
    first = web.get("/console")
    assert re.findall(r'class="code" href="/console/cases/([0-9A-Z-]+)"', first.text) == [
        flood,
        rubbish,
    ]
    next_url = re.search(r'href="(/console\?[^"]*cursor=[^"]+)" rel="next"', first.text).group(1)
    second = web.get(next_url.replace("&amp;", "&"))
    assert re.findall(r'class="code" href="/console/cases/([0-9A-Z-]+)"', second.text) == [pothole]
    assert 'rel="next"' not in second.text
    urgent = web.get("/console", params={"sort": "urgent"})
    assert "cursor=2" in urgent.text


def test_english_switch_is_remembered(web: TestClient, staff: Staff) -> None:
    """?lang=en turns the console English, and it stays English until switched back."""
    staff("dpu")
    login = web.get("/console/login", params={"lang": "en"})
    assert '<html lang="en">' in login.text and "Sign in to the console" in login.text
    signed_in(web, "dpu")
    queue = web.get("/console")
    assert '<html lang="en">' in queue.text and "Complaint queue" in queue.text
    assert 'href="/console?lang=id"' in queue.text
    back = web.get("/console", params={"lang": "id"})
    assert "Antrean aduan" in back.text
    assert "Antrean aduan" in web.get("/console").text


def test_photos_are_served_with_the_console_session(
    web: TestClient, settings: Settings, staff: Staff
) -> None:
    """The case page shows a thumbnail from a console route that follows the case's rules."""
    staff("dpu", "dlh")
    media = store_media(settings, png_bytes(), "image/png", "lubang.png")
    message = InboundMessage(channel=SourceChannel.telegram, text=POTHOLE, media=(media,))
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        case = receive(session, settings, message).case
        code = case.tracking_code
        attachment_id = session.exec(
            select(Attachment.id).where(Attachment.case_id == case.id)
        ).one()
    url = f"/console/cases/{code}/attachments/{attachment_id}"
    assert web.get(url, follow_redirects=False).status_code == 303
    signed_in(web, "dpu")
    assert f'<img src="{url}"' in web.get(f"/console/cases/{code}").text
    photo = web.get(url)
    assert photo.status_code == 200
    assert photo.content == png_bytes()
    assert photo.headers["content-type"] == "image/png"
    web.cookies.clear()
    signed_in(web, "dlh")
    assert web.get(url).status_code == 404


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "id",
            (
                "Unduh Rekaman suara: pesan-suara.ogg",
                "Unduh Rekaman video",
                "Unduh Dokumen: surat.pdf",
            ),
        ),
        (
            "en",
            (
                "Download Audio recording: pesan-suara.ogg",
                "Download Video recording",
                "Download Document",
            ),
        ),
    ],
)
def test_voice_notes_videos_and_documents_show_as_what_they_are(
    web: TestClient, settings: Settings, staff: Staff, language: str, words: tuple[str, ...]
) -> None:
    """A voice note gets an audio player, a video a video player, a PDF a download link, each
    named with its kind and file name; none of them is shown as a (broken) image."""
    staff("dpu")
    files = [
        (VOICE_OGG, "audio/ogg", "pesan-suara.ogg"),
        (VIDEO_MP4, "video/mp4", None),
        (DOCUMENT_PDF, "application/pdf", "surat.pdf"),
    ]
    media = tuple(store_media(settings, data, kind, name) for data, kind, name in files)
    message = InboundMessage(channel=SourceChannel.whatsapp, text=POTHOLE, media=media)
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        case = receive(session, settings, message).case
        code = case.tracking_code
        voice, video, document = session.exec(
            select(Attachment.id).where(Attachment.case_id == case.id).order_by(Attachment.id)
        ).all()
    signed_in(web, "dpu")
    page = web.get(f"/console/cases/{code}", params={"lang": language}).text
    base = f"/console/cases/{code}/attachments"
    assert f'<audio controls preload="none" src="{base}/{voice}"></audio>' in page
    assert f'<video controls preload="none" width="320" src="{base}/{video}"></video>' in page
    assert f'href="{base}/{document}" download>' in page
    assert "<img" not in page.partition('id="h-attachments"')[2].partition("</section>")[0]
    assert all(word in page for word in words)
    served = web.get(f"{base}/{voice}")
    assert (served.headers["content-type"], served.content) == ("audio/ogg", VOICE_OGG)
