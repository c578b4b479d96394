"""The public side over HTTP: which cases PUBLISH_POLICY publishes, staff moderation and who
may do it, and every public surface (case page, reports list, JSON feed, Atom feed) keeping
Rahasia, hidden and unreviewed cases out and personal data hidden."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from aduan.app import create_app
from cases.enums import CaseStatus, SourceChannel
from cases.models import Attachment, Case
from cases.publishing import is_public, public_condition
from core.db import get_engine, session_scope, utcnow
from core.media import store_media
from core.settings import Settings
from intake.messages import InboundMessage, Location
from intake.service import receive
from tests.console.helpers import case_row, history, post, signed_in
from tests.helpers import create_staff, file_complaint, login, png_bytes
from tests.i18n.test_pages import assert_reads_well

PHONE, NIK = "0812-3456-7890", "3374012345678901"
PRIVATE = f"Jalan berlubang besar di Jl. Pemuda depan SD, hubungi saya {PHONE}, NIK {NIK}"
SEMARANG = {"lat": -6.9825, "lon": 110.4093}
LEAKS = ("<bound method", "None", "in_progress", "PublicCase", "about_person", "Traceback")


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    with _client(settings) as client:
        yield client


def _client(settings: Settings, **changes: object) -> TestClient:
    client = TestClient(create_app(settings.model_copy(update=changes)))
    client.base_url = "https://testserver"  # the console's cookie is Secure
    return client


def _staff(settings: Settings) -> None:
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "dlh", "officer", "DLH")


def _start(client: TestClient, code: str, who: str = "dpu") -> None:
    """An officer takes the case up through the staff API: the review PUBLISH_POLICY waits for."""
    response = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "in_progress", "note": f"Dicek, kontak {PHONE}"},
        headers=login(client, who),
    )
    assert response.status_code == 200, response.text


def _surfaces(client: TestClient) -> dict[str, str]:
    """What each public listing shows now, as text."""
    return {
        "json": client.get("/api/v1/public/cases").text,
        "list": client.get("/laporan").text,
        "list_en": client.get("/reports").text,
        "atom": client.get("/laporan/feed.atom").text,
    }


def _listed_everywhere(client: TestClient, code: str) -> bool:
    found = {name: code in text for name, text in _surfaces(client).items()}
    assert len(set(found.values())) == 1, found  # the surfaces never disagree
    return found["json"]


def test_reviewed_policy_publishes_a_case_once_an_officer_acted_on_it(
    web: TestClient, settings: Settings
) -> None:
    """Default policy: routed by itself the case is not public; taken up by an officer it is,
    on every surface, with the phone number and NIK hidden."""
    _staff(settings)
    code = file_complaint(web, text=PRIVATE, **SEMARANG)["tracking_code"]
    assert not _listed_everywhere(web, code)
    page = web.get(f"/track/{code}").text
    assert "tidak ditampilkan di halaman laporan publik" in page
    assert 'id="case-map"' not in page
    _start(web, code)
    assert _listed_everywhere(web, code)
    for name, text in _surfaces(web).items():
        assert PHONE not in text and NIK not in text, name
        assert "[nomor disembunyikan]" in text or "[number hidden]" in text, name
    page = web.get(f"/track/{code}").text
    assert "[nomor disembunyikan]" in page and PHONE not in page and NIK not in page
    assert 'id="case-map"' in page and 'data-lat="-6.982500"' in page
    assert "tidak ditampilkan" not in page
    for language in ("id", "en"):
        shown = web.get(f"/track/{code}", params={"lang": language}).text
        assert_reads_well(shown, language, f"public case page ({language})")


def test_immediate_policy_publishes_at_filing(settings: Settings) -> None:
    """PUBLISH_POLICY=immediate: a complaint is on the map as soon as it is filed."""
    with _client(settings, publish_policy="immediate") as client:
        code = file_complaint(client, text=PRIVATE, **SEMARANG)["tracking_code"]
        assert _listed_everywhere(client, code)


def test_never_policy_publishes_nothing(settings: Settings) -> None:
    """PUBLISH_POLICY=never: even a reviewed case stays off every surface; the code holder
    still reads its status and words."""
    _staff(settings)
    with _client(settings, publish_policy="never") as client:
        code = file_complaint(client, text=PRIVATE, **SEMARANG)["tracking_code"]
        _start(client, code)
        assert not _listed_everywhere(client, code)
        page = client.get(f"/track/{code}").text
        assert "tidak ditampilkan di halaman laporan publik" in page
        assert "[nomor disembunyikan]" in page and 'id="case-map"' not in page


def test_a_rahasia_case_appears_nowhere_public(web: TestClient, settings: Settings) -> None:
    """A confidential case, reviewed or not, is on no surface, and its page shows no words."""
    _staff(settings)
    code = file_complaint(web, text=PRIVATE, confidential=True, **SEMARANG)["tracking_code"]
    _start(web, code)
    assert not _listed_everywhere(web, code)
    page = web.get(f"/track/{code}").text
    assert "Jalan berlubang" not in page and 'id="case-text"' not in page
    assert 'id="case-map"' not in page
    api = web.get(f"/api/v1/complaints/{code}").json()
    assert api["text"] is None and api["latitude"] is None and not api["shown_publicly"]


def test_hiding_takes_a_case_off_every_surface_and_is_recorded(
    web: TestClient, settings: Settings
) -> None:
    """One click with a reason hides a public case from list, map feed and Atom; the history
    records who and why; showing it again brings it back."""
    _staff(settings)
    code = file_complaint(web, text=PRIVATE, **SEMARANG)["tracking_code"]
    _start(web, code)
    assert _listed_everywhere(web, code)
    csrf = signed_in(web, "dpu")
    hidden = post(web, f"/console/cases/{code}/hide", csrf, reason="about_person", note="nama")
    assert hidden.status_code == 303
    assert not _listed_everywhere(web, code)
    page = web.get(f"/track/{code}").text
    assert "tidak ditampilkan di halaman laporan publik" in page and "Jalan berlubang" not in page
    entry = history(settings, code)[-1]
    assert (entry.kind, entry.actor, entry.note_code) == ("hidden", "dpu", "hidden_about_person")
    console = web.get(f"/console/cases/{code}").text
    assert "Alasan: menyebut atau menuduh seseorang. nama" in console
    assert "Disembunyikan dari publik" in console
    for leak in LEAKS:
        assert leak not in console.split('id="h-history"')[1], leak
    # the event is staff-only: the public history does not show it
    assert "Disembunyikan" not in page
    for language in ("id", "en"):
        web.get("/console", params={"lang": language})
        staff_page = web.get(f"/console/cases/{code}").text
        assert_reads_well(staff_page, language, f"console case, hidden ({language})")
        hidden_page = web.get(f"/track/{code}", params={"lang": language}).text
        assert_reads_well(hidden_page, language, f"hidden case page ({language})")
    assert "Reason: names or accuses a person. nama" in staff_page
    web.get("/console", params={"lang": "id"})
    assert post(web, f"/console/cases/{code}/unhide", csrf).status_code == 303
    assert _listed_everywhere(web, code)


def test_public_text_replaces_the_words_and_keeps_the_original(
    web: TestClient, settings: Settings
) -> None:
    """Staff's public text is what the public reads (still redacted); the resident's text is
    kept as written, and an empty one puts it back."""
    _staff(settings)
    code = file_complaint(web, text=PRIVATE, **SEMARANG)["tracking_code"]
    csrf = signed_in(web, "dpu")
    rewrite = f"Jalan berlubang di Jl. Pemuda. Info {PHONE}"
    assert post(web, f"/console/cases/{code}/public-text", csrf, text=rewrite).status_code == 303
    assert case_row(settings, code).text == PRIVATE
    # writing the public text is a review: the case is public now
    assert _listed_everywhere(web, code)
    page = web.get(f"/track/{code}").text
    assert "Info [nomor disembunyikan]" in page and "hubungi saya" not in page
    assert history(settings, code)[-1].kind == "public_text_edited"
    assert post(web, f"/console/cases/{code}/public-text", csrf, text="").status_code == 303
    assert "hubungi saya [nomor disembunyikan]" in web.get(f"/track/{code}").text


def test_moderation_is_refused_to_other_agencies_and_the_public(
    web: TestClient, settings: Settings
) -> None:
    """An officer of another agency gets 403, a visitor without a session is sent to sign in,
    a form without the CSRF token gets 403: each changes nothing."""
    _staff(settings)
    code = file_complaint(web, text=PRIVATE, **SEMARANG)["tracking_code"]
    _start(web, code)
    anonymous = post(web, f"/console/cases/{code}/hide", None, reason="offensive")
    assert anonymous.status_code == 303 and "/console/login" in anonymous.headers["location"]
    csrf = signed_in(web, "dlh")
    for path, fields in (
        ("hide", {"reason": "offensive"}),
        ("public-text", {"text": "diubah"}),
        ("photos/1/publish", {}),
    ):
        refused = post(web, f"/console/cases/{code}/{path}", csrf, **fields)
        assert refused.status_code == 403, path
        assert "Hanya petugas dinas aduan ini dan supervisor" in refused.text
    web.cookies.clear()
    signed_in(web, "dpu")
    assert post(web, f"/console/cases/{code}/hide", "forged", reason="other").status_code == 403
    row = case_row(settings, code)
    assert row.hidden_at is None and row.public_text is None
    assert _listed_everywhere(web, code)


def test_a_bad_hide_reason_is_a_clear_refusal(web: TestClient, settings: Settings) -> None:
    """A reason outside the list is refused with a sentence, not a 500."""
    _staff(settings)
    code = file_complaint(web, text=PRIVATE)["tracking_code"]
    csrf = signed_in(web, "dpu")
    refused = post(web, f"/console/cases/{code}/hide", csrf, reason="because")
    assert refused.status_code == 422 and "Pilih alasan dari daftar." in refused.text
    assert case_row(settings, code).hidden_at is None


def _case_with_photo(settings: Settings) -> tuple[str, int]:
    media = store_media(settings, png_bytes(), "image/png", "lubang.png")
    message = InboundMessage(
        channel=SourceChannel.telegram,
        text=PRIVATE,
        media=(media,),
        location=Location(SEMARANG["lat"], SEMARANG["lon"]),
    )
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        case = receive(session, settings, message).case
        photo = session.exec(select(Attachment.id).where(Attachment.case_id == case.id)).one()
        return case.tracking_code, photo


def test_photos_are_public_only_once_approved_and_while_the_case_is(
    web: TestClient, settings: Settings
) -> None:
    """A resident's photo is served publicly only after an officer approved it, and not once
    it is withdrawn or the case hidden."""
    _staff(settings)
    code, photo = _case_with_photo(settings)
    url = f"/track/{code}/photos/{photo}"
    assert web.get(url).status_code == 404
    csrf = signed_in(web, "dpu")
    assert post(web, f"/console/cases/{code}/photos/{photo}/publish", csrf).status_code == 303
    assert history(settings, code)[-1].kind == "photo_published"
    served = web.get(url)
    assert served.status_code == 200 and served.content == png_bytes()
    assert served.headers["content-type"] == "image/png"
    assert f'<img src="{url}"' in web.get(f"/track/{code}").text
    post(web, f"/console/cases/{code}/hide", csrf, reason="personal_data")
    assert web.get(url).status_code == 404
    assert f'src="{url}"' not in web.get(f"/track/{code}").text
    post(web, f"/console/cases/{code}/unhide", csrf)
    assert web.get(url).status_code == 200
    assert post(web, f"/console/cases/{code}/photos/{photo}/withdraw", csrf).status_code == 303
    assert web.get(url).status_code == 404
    assert web.get(f"/track/{code}/photos/999999").status_code == 404
    missing = post(web, f"/console/cases/{code}/photos/999999/publish", csrf)
    assert missing.status_code == 404 and "Foto itu tidak ada" in missing.text


def test_the_json_feed_pages_by_keyset_and_filters(settings: Settings) -> None:
    """Following `next` yields every public case once, newest first; bbox, status and
    agency narrow it; bad input is a 422 with a reason."""
    with _client(settings, publish_policy="immediate") as client:
        codes = [
            file_complaint(client, text=f"{PRIVATE} nomor {i}", lat=-6.98 + i / 100, lon=110.41)[
                "tracking_code"
            ]
            for i in range(5)
        ]
        seen, url = [], "/api/v1/public/cases?limit=2"
        while url:
            page = client.get(url).json()
            assert len(page["items"]) <= 2
            seen += [item["tracking_code"] for item in page["items"]]
            url = page["next"]
            if url:
                url = url.removeprefix(settings.public_base_url)
        assert seen == codes[::-1]
        item = client.get("/api/v1/public/cases").json()["items"][0]
        assert set(item) >= {"tracking_code", "text", "latitude", "url", "status_label"}
        assert not {"contact", "phone", "email", "name"} & set(item)
        box = client.get("/api/v1/public/cases", params={"bbox": "110.4,-6.985,110.42,-6.965"})
        assert [i["tracking_code"] for i in box.json()["items"]] == codes[1::-1]
        assert client.get("/api/v1/public/cases", params={"status": "resolved"}).json() == {
            "kind": "cases",
            "items": [],
            "next_cursor": None,
            "next": None,
        }
        agency = client.get("/api/v1/public/cases", params={"agency": "DLH"}).json()
        assert agency["items"] == []
        for bad in (
            {"bbox": "1,2,3"},
            {"bbox": "200,0,10,10"},
            {"cursor": "not-a-cursor"},
            {"agency": "NOPE"},
            {"status": "pending"},
            {"limit": "0"},
            {"created_from": "0001-01-01"},
            {"created_to": "9999-12-31"},
        ):
            refused = client.get("/api/v1/public/cases", params=bad)
            assert refused.status_code == 422, bad
            assert refused.json()["detail"], bad


def test_the_reports_page_lists_filters_and_pages_without_javascript(
    settings: Settings,
) -> None:
    """The list works as plain HTML: filters by status and agency, a next link that carries
    the filters, Indonesian on /laporan and English on /reports, with no leaks."""
    with _client(settings, publish_policy="immediate") as client:
        codes = [file_complaint(client, text=f"{PRIVATE} {i}")["tracking_code"] for i in range(22)]
        page = client.get("/laporan")
        assert page.status_code == 200 and '<html lang="id">' in page.text
        assert codes[-1] in page.text and codes[1] not in page.text
        assert 'rel="next"' in page.text and "Laporan warga" in page.text
        for leak in (*LEAKS, "Reports", "Filter"):
            assert leak not in page.text, leak
        next_url = page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        second = client.get(next_url.replace("&amp;", "&"))
        assert codes[1] in second.text and codes[-1] not in second.text
        english = client.get("/reports")
        assert '<html lang="en">' in english.text and "Public reports" in english.text
        assert_reads_well(page.text, "id", "reports page")
        assert_reads_well(english.text, "en", "reports page (en)")
        assert "[number hidden]" in english.text
        assert codes[0] not in client.get("/laporan", params={"status": "resolved"}).text
        assert codes[-1] not in client.get("/laporan", params={"agency": "DLH"}).text
        bad = client.get("/laporan", params={"from": "kemarin", "cursor": "x"})
        assert bad.status_code == 422 and "tidak valid" in bad.text and codes[-1] in bad.text
        far = client.get("/laporan", params={"from": "0001-01-01", "to": "9999-12-31"})
        assert far.status_code == 422 and "0001-01-01" in far.text and codes[-1] in far.text


def test_the_atom_feed_is_valid_per_agency(settings: Settings) -> None:
    """A feed reader parses the feed; it holds the agency's public cases, redacted."""
    with _client(settings, publish_policy="immediate") as client:
        code = file_complaint(client, text=PRIVATE)["tracking_code"]
        response = client.get("/laporan/feed.atom", params={"agency": "DPU"})
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "atom10"
        [entry] = feed.entries
        assert entry.link.endswith(f"/track/{code}?lang=id") and code in entry.title
        assert PHONE not in response.text and "[nomor disembunyikan]" in entry.summary
        other = feedparser.parse(client.get("/reports/feed.atom?agency=DLH").content)
        assert not other.bozo and other.entries == [] and other.feed.language == "en"
        assert client.get("/laporan/feed.atom", params={"area": "nowhere"}).status_code == 422


def test_officer_names_are_public_only_where_the_city_enables_it(settings: Settings) -> None:
    """PUBLIC_OFFICER_NAMES shows the officer's full name on the public history; off by
    default, where no name shows."""
    _staff(settings)
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        from staff.models import User

        officer = session.exec(select(User).where(User.username == "dpu")).one()
        officer.full_name = "Budi Santoso"
    with _client(settings) as client:
        code = file_complaint(client, text=PRIVATE)["tracking_code"]
        _start(client, code)
        assert "Budi Santoso" not in client.get(f"/track/{code}").text
    with _client(settings, public_officer_names=True) as client:
        assert "(Budi Santoso)" in client.get(f"/track/{code}").text


@pytest.mark.parametrize("policy", ["reviewed", "immediate", "never"])
def test_the_python_rule_and_the_sql_condition_agree(settings: Settings, policy: str) -> None:
    """For every mix of Rahasia, hidden, merged, rejected and reviewed, `is_public` and
    `public_condition` say the same, so no page disagrees with the listings."""
    chosen = settings.model_copy(update={"publish_policy": policy})
    engine = get_engine(settings.database_url)
    with session_scope(engine, dispatcher=None) as session:
        original = Case(
            tracking_code="ORIG-0001", status="assigned", text="x", source_channel="web"
        )
        session.add(original)
        session.flush()
        number = 0
        for confidential in (False, True):
            for hidden in (False, True):
                for merged in (False, True):
                    for status in (CaseStatus.assigned, CaseStatus.rejected):
                        for reviewed in (False, True):
                            number += 1
                            session.add(
                                Case(
                                    tracking_code=f"MIXA-{number:04d}",
                                    status=status,
                                    text="x",
                                    source_channel="web",
                                    confidential=confidential,
                                    hidden_at=utcnow() if hidden else None,
                                    merged_into_id=original.id if merged else None,
                                    reviewed_at=utcnow() if reviewed else None,
                                )
                            )
        session.flush()
        cases = list(session.exec(select(Case).where(Case.tracking_code.startswith("MIXA"))))
        by_sql = set(
            session.exec(
                select(Case.tracking_code).where(
                    Case.tracking_code.startswith("MIXA"), public_condition(chosen)
                )
            )
        )
        assert {c.tracking_code for c in cases if is_public(chosen, c)} == by_sql
        assert len(by_sql) == {"reviewed": 1, "immediate": 2, "never": 0}[policy]


def test_area_and_date_filters_narrow_every_surface(settings: Settings) -> None:
    """A neighbourhood's feed, list and JSON hold only the cases in its service area; the
    page's dates are the city's calendar days."""
    north, centre = {"lat": -6.9600, "lon": 110.4300}, SEMARANG
    with _client(settings, publish_policy="immediate") as client:
        up = file_complaint(client, text=PRIVATE, **north)["tracking_code"]
        mid = file_complaint(client, text=PRIVATE, **centre)["tracking_code"]
        area = {"area": "uptd_utara"}
        items = client.get("/api/v1/public/cases", params=area).json()["items"]
        assert [(i["tracking_code"], i["area"]) for i in items] == [(up, "UPTD Wilayah Utara")]
        feed = feedparser.parse(client.get("/laporan/feed.atom", params=area).content)
        assert feed.feed.title == "Aduan Warga: laporan terbaru · UPTD Wilayah Utara"
        assert [e.title.split(" · ")[0] for e in feed.entries] == [up]
        page = client.get("/laporan", params=area).text
        assert up in page and mid not in page
        assert "feed.atom?area=uptd_utara&amp;lang=id" in page
        today = utcnow().astimezone(ZoneInfo(settings.city_timezone)).date()
        days = {
            "today": {"from": today.isoformat(), "to": today.isoformat()},
            "later": {"from": (today + timedelta(days=1)).isoformat()},
            "earlier": {"to": (today - timedelta(days=1)).isoformat()},
        }
        shown = {name: client.get("/laporan", params=span).text for name, span in days.items()}
        assert up in shown["today"] and mid in shown["today"]
        assert up not in shown["later"] and up not in shown["earlier"]


def test_the_staff_api_moderates_as_the_console_does(web: TestClient, settings: Settings) -> None:
    """Hide, unhide, public text and photo approval over the staff API: 401 without a token,
    404 for another agency's officer (the API hides whose case it is), 409 and 422 for what
    the rules refuse, and the public side follows each change."""
    _staff(settings)
    code, photo = _case_with_photo(settings)
    own, other = login(web, "dpu"), login(web, "dlh")
    base = f"/api/v1/cases/{code}"
    assert web.post(f"{base}/hide", json={"reason": "offensive"}).status_code == 401
    assert web.post(f"{base}/hide", json={"reason": "offensive"}, headers=other).status_code == 404
    approved = web.post(f"{base}/attachments/{photo}/publish", headers=own)
    assert approved.status_code == 200 and approved.json()["attachments"][0]["published_at"]
    assert web.get(f"/track/{code}/photos/{photo}").status_code == 200
    assert _listed_everywhere(web, code)
    bad = web.post(f"{base}/hide", json={"reason": "because"}, headers=own)
    assert bad.status_code == 422
    hidden = web.post(f"{base}/hide", json={"reason": "about_person", "note": "x"}, headers=own)
    assert hidden.status_code == 200 and hidden.json()["hidden_reason"] == "about_person"
    assert web.post(f"{base}/hide", json={"reason": "other"}, headers=own).status_code == 409
    assert not _listed_everywhere(web, code)
    assert web.get(f"/track/{code}/photos/{photo}").status_code == 404
    assert web.post(f"{base}/unhide", json={}, headers=own).status_code == 200
    assert web.post(f"{base}/unhide", json={}, headers=own).status_code == 409
    text = web.put(f"{base}/public-text", json={"text": f"Lubang. {PHONE}"}, headers=own)
    assert text.status_code == 200 and text.json()["text"] == PRIVATE
    assert "Lubang. [nomor disembunyikan]" in web.get(f"/track/{code}").text
    withdrawn = web.post(f"{base}/attachments/{photo}/withdraw", headers=own)
    assert withdrawn.status_code == 200
    assert web.get(f"/track/{code}/photos/{photo}").status_code == 404
    assert web.post(f"{base}/attachments/999999/publish", headers=own).status_code == 404
