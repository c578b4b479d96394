"""Every public and console page, in both languages, through HTTP: no wording missing, no code
shown in place of words, no leftovers of the templates, no sentence in the other language.

What a page quotes (a complaint, a note: `<blockquote>`, the queue's excerpts), what a form
gives back as typed (`<textarea>`) and what is marked as another language (`lang=`, e.g. the
language switch) is the residents' and staff's own text, not ours, and is not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from core.i18n import LANGUAGES
from core.settings import Settings
from tests.console.helpers import csrf_of, post, sign_in, signed_in
from tests.helpers import POTHOLE, RUBBISH, create_staff, file_complaint, login

VAGUE = "Mohon bantuannya pak, ini sudah lama sekali"  # routing cannot place it: triage
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# codes that must never stand in for words, on a page of either language
CODES = {
    "citizen",
    "web",
    "sms",
    "email",
    "whatsapp",
    "telegram",
    "id",
    "en",
    "None",
    "in_progress",
    "status_changed",
    "public_note",
    "rating_request",
    "auto_closed",
    "assignee_changed",
    "overdue_digest",
    "acknowledgement",
    "sms_fallback",
    "whatsapp_template",
}
# words of our English wording that have no business on an Indonesian page, and the reverse;
# the codes of statuses and roles are English words too, so they are caught here
ENGLISH = {
    "the", "and", "of", "with", "your", "you", "please", "complaint", "complaints", "case",
    "cases", "agency", "save", "sign", "waiting", "resolved", "assigned", "rejected", "closed",
    "triage", "pending", "sending", "sent", "delivered", "failed", "nobody", "back", "new",
    "details", "history", "overdue", "review", "received", "under", "not", "officer", "filed",
    "system",
}  # fmt: skip
INDONESIAN = {
    "dan", "yang", "untuk", "dengan", "tidak", "belum", "sudah", "warga", "kembali",
    "simpan", "masuk", "kirim", "petugas", "catatan", "menunggu", "sedang", "ditangani",
    "selesai", "ditutup", "ditolak", "kasus", "halaman", "keluar", "oleh", "lewat", "tanggal",
    "diteruskan", "dikerjakan", "terlambat", "riwayat", "berubah", "sistem", "dialihkan",
}  # fmt: skip


class VisibleText(HTMLParser):
    """The text a reader sees in the page's language: no markup, scripts, styles, quotations,
    typed input or parts marked as another language."""

    def __init__(self, language: str):
        super().__init__()
        self.language = language
        self.open: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        attributes = dict(attrs)
        skipped = (
            (bool(self.open) and self.open[-1][1])
            or tag in ("script", "style", "blockquote", "textarea")
            or "excerpt" in (attributes.get("class") or "").split()
            or attributes.get("lang", self.language) != self.language
        )
        self.open.append((tag, skipped))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not (self.open and self.open[-1][1]):
            self.parts.append(data)


def visible_words(html: str, language: str) -> list[str]:
    parser = VisibleText(language)
    parser.feed(html)
    return re.findall(r"[\w-]+", " ".join(parser.parts))


def assert_reads_well(html: str, language: str, where: str) -> None:
    """The page says everything in words of `language`, and nothing in code."""
    assert f'<html lang="{language}">' in html, where
    for leftover in ("<bound method", "{{", "{%", "%(", "Undefined"):
        assert leftover not in html, f"{where}: {leftover}"
    words = visible_words(html, language)
    assert words, where
    codes = sorted({w for w in words if w in CODES})
    assert codes == [], f"{where}: codes shown as words"
    foreign = ENGLISH if language == "id" else INDONESIAN
    other = sorted({w for w in words if w.lower() in foreign})
    assert other == [], f"{where}: words of the other language"


def test_the_checks_see_what_they_look_for() -> None:
    """A page with a code, an English word on an Indonesian page or a template leftover fails;
    a quotation and a part marked English do not."""
    good = (
        '<html lang="id"><body><p>Status aduan</p><blockquote>the resident says</blockquote>'
        '<a lang="en">English</a></body></html>'
    )
    assert_reads_well(good, "id", "good")
    for bad in ("<p>oleh citizen</p>", "<p>Waiting</p>", "<p>{{ t.title }}</p>", "<p>None</p>"):
        with pytest.raises(AssertionError):
            assert_reads_well(f'<html lang="id"><body>{bad}</body></html>', "id", "bad")
    with pytest.raises(AssertionError):
        assert_reads_well('<html lang="en"><body><p>Kasus ditutup</p></body></html>', "en", "bad")


@pytest.fixture
def worked_cases(client: TestClient, settings: Settings) -> dict[str, str]:
    """Cases as a working day leaves them: one in progress with notes and a forward behind it,
    one resolved and waiting for its rating, one in triage; each resident with an e-mail."""
    create_staff(settings, "sari", "supervisor")
    create_staff(settings, "budi", "officer", "DPU")
    create_staff(settings, "wati", "admin")
    worked = file_complaint(client, email="warga@example.com")["tracking_code"]
    resolved = file_complaint(client, text=RUBBISH, email="warga2@example.com", language="en")
    vague = file_complaint(client, text=VAGUE, email="warga3@example.com")["tracking_code"]
    headers = login(client, "sari")
    api = f"/api/v1/cases/{worked}"
    for path, body in (
        ("/forward", {"agency": "DLH", "note": "salah dinas"}),
        ("/forward", {"agency": "DPU", "note": "kembali ke DPU"}),
        ("/transitions", {"status": "in_progress", "note": "Tim sudah dikirim"}),
        ("/notes", {"text": "Menunggu alat berat", "public": False}),
        ("/transitions", {"status": "waiting", "note": "Mohon kirim foto"}),
    ):
        response = client.post(api + path, json=body, headers=headers)
        assert response.status_code in (200, 201), response.text
    code = resolved["tracking_code"]
    for status in ("in_progress", "resolved"):
        response = client.post(
            f"/api/v1/cases/{code}/transitions", json={"status": status}, headers=headers
        )
        assert response.status_code == 200, response.text
    return {"worked": worked, "resolved": code, "vague": vague}


def _rating_link(settings: Settings, code: str) -> str:
    from cases.citizen import rate_url

    return rate_url(settings, code).removeprefix(settings.public_base_url)


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_read_well(
    client: TestClient, settings: Settings, worked_cases: dict[str, str], language: str
) -> None:
    """The form, its errors, the status page, a code not found, the statistics, the rating
    page with each of its refusals, the privacy notice and an unknown address, in each language."""
    lang = {"lang": language}
    link = _rating_link(settings, worked_cases["resolved"])
    not_open = _rating_link(settings, worked_cases["worked"])
    pages = {
        "form": (client.get("/", params=lang), 200),
        "form with errors": (
            client.post("/complaints", data={"text": "ok", "notify_via": "sms", **lang}),
            422,
        ),
        "form, e-mail missing": (
            client.post("/complaints", data={"text": POTHOLE, "notify_via": "email", **lang}),
            422,
        ),
        "track": (client.get(f"/track/{worked_cases['worked']}", params=lang), 200),
        "track, new": (
            client.get(f"/track/{worked_cases['vague']}", params={**lang, "new": "1"}),
            200,
        ),
        "track, rated": (
            client.get(f"/track/{worked_cases['resolved']}", params={**lang, "done": "rated"}),
            200,
        ),
        "track, reopened": (
            client.get(f"/track/{worked_cases['worked']}", params={**lang, "done": "reopened"}),
            200,
        ),
        "track not found": (client.get("/track/ZZZZ-ZZZZ", params=lang), 404),
        "statistics": (client.get("/statistik", params=lang), 200),
        "statistics, one agency": (
            client.get("/statistics", params={"agency": "DPU", **lang}),
            200,
        ),
        "form, bad photo": (
            client.post(
                "/complaints",
                data={"text": POTHOLE, **lang},
                files=[("photos", ("surat.pdf", b"%PDF-1.4\n", "application/pdf"))],
            ),
            422,
        ),
        "privacy notice": (client.get("/privasi", params=lang), 200),
        "unknown address": (
            client.get("/tidak-ada", params=lang, headers={"Accept": "text/html"}),
            404,
        ),
        "rate": (client.get(f"{link}&lang={language}"), 200),
        "rate, bad link": (
            client.get(f"/track/{worked_cases['resolved']}/rate", params={"t": "x", **lang}),
            403,
        ),
        "rate, not open": (client.get(f"{not_open}&lang={language}"), 409),
        "rate, no choice": (
            client.post(
                f"/track/{worked_cases['resolved']}/rate",
                data={"t": link.split("t=")[1], **lang},
            ),
            422,
        ),
    }
    for name, (response, status_code) in pages.items():
        assert response.status_code == status_code, name
        assert_reads_well(response.text, language, name)


def _console_pages(web: TestClient, cases: dict[str, str]) -> Iterator[tuple[str, str, int]]:
    worked = cases["worked"]
    yield "queue", "/console", 200
    yield "queue, filtered", "/console?status=waiting&sort=urgent", 200
    yield "triage", "/console/triage", 200
    yield "case", f"/console/cases/{worked}", 200
    yield "case in triage", f"/console/cases/{cases['vague']}", 200
    yield "resolved case", f"/console/cases/{cases['resolved']}", 200
    yield "not found", "/console/cases/ZZZZ-ZZZZ", 404
    yield "dashboard", "/console/dashboard", 200
    yield "dashboard, bad dates", "/console/dashboard?from=2026-02-30", 400


ADMIN_PAGES = (
    ("users", "/console/admin/users", 200),
    ("new user", "/console/admin/users/new", 200),
    ("no such user", "/console/admin/users/999", 404),
    ("catalogue", "/console/admin/catalogue", 200),
    ("holidays", "/console/admin/holidays?year=2026", 200),
    ("forbidden", "/console", 303),  # an admin has no queue
    ("forbidden case", "/console/cases/ABCD-1234", 403),
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_console_pages_read_well(
    web: TestClient, worked_cases: dict[str, str], language: str
) -> None:
    """Sign-in, the queue, triage, cases, the dashboard, the admin pages and the refusals
    (of a sign-in, of a change the case rules or a form's fields turn down, of a forged form),
    in each language, for the staff who may see them."""
    login_page = web.get("/console/login", params={"lang": language})
    assert_reads_well(login_page.text, language, "login")
    refused = web.post(
        "/console/login",
        data={"username": "sari", "password": "wrong", "csrf": csrf_of(login_page.text)},
    )
    assert refused.status_code == 401
    assert_reads_well(refused.text, language, "login refused")
    csrf = signed_in(web, "sari")
    for name, path, status_code in _console_pages(web, worked_cases):
        response = web.get(path)
        assert response.status_code == status_code, name
        assert_reads_well(response.text, language, name)
    changed = post(
        web, f"/console/cases/{worked_cases['worked']}/status", csrf, status="in_progress"
    )
    assert changed.status_code == 303
    flash = web.get(changed.headers["location"])
    assert_reads_well(flash.text, language, "case with a flash message")
    for name, path, fields, status_code in (
        ("refused change", "status", {"status": "closed"}, 409),
        ("refused forward", "forward", {"agency": "DPU", "note": "tetap"}, 400),
        ("invalid form", "forward", {"agency": "", "note": ""}, 422),
    ):
        response = post(web, f"/console/cases/{worked_cases['worked']}/{path}", csrf, **fields)
        assert response.status_code == status_code, name
        assert_reads_well(response.text, language, name)
    refused_triage = post(web, f"/console/triage/{worked_cases['vague']}/assign", csrf, agency="X")
    assert refused_triage.status_code == 422
    assert_reads_well(refused_triage.text, language, "refused triage assignment")
    stale = post(web, f"/console/cases/{worked_cases['worked']}/notes", "forged", text="x")
    assert_reads_well(stale.text, language, "forged form")

    web.cookies.clear()
    assert sign_in(web, "budi").status_code == 303
    web.get("/console", params={"lang": language})
    for name, path, status_code in (
        ("officer's queue", "/console", 200),
        ("officer's case", f"/console/cases/{worked_cases['worked']}", 200),
        ("supervisors only", "/console/triage", 403),
        ("admins only", "/console/admin/users", 403),
    ):
        response = web.get(path)
        assert response.status_code == status_code, name
        assert_reads_well(response.text, language, name)

    web.cookies.clear()
    assert sign_in(web, "wati").status_code == 303
    web.get("/console/admin/users", params={"lang": language})
    for name, path, status_code in ADMIN_PAGES:
        response = web.get(path, follow_redirects=False)
        assert response.status_code == status_code, name
        if status_code != 303:
            assert_reads_well(response.text, language, name)
    account = web.get("/console/admin/users").text
    user_path = re.search(r'href="(/console/admin/users/\d+)"', account).group(1)
    assert_reads_well(web.get(user_path).text, language, "account")
