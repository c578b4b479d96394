"""Area announcements (#22 item 8): an agency posts a known problem for an area and a time;
residents there hear it once each on their channel, the public map lists it, and new complaints
about it there during the window are linked to it and told so."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from core.db import utcnow
from core.settings import Settings, get_settings
from tests.channels import PHONE, inbound, signed_post, twiml_texts
from tests.console.helpers import csrf_of, post, signed_in
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, create_staff, file_complaint, login, run_jobs, scalar, sql

WATER = "Air PDAM mati sejak pagi di rumah kami, kran tidak keluar air sama sekali"
SECRET = "Air PDAM mati, pipa bocor di depan rumah saya di gang buntu belakang masjid"
WATER_TOO = "Air PDAM tidak mengalir dari subuh, warga satu gang tidak bisa mandi dan masak"
ANNOUNCED = "Pemadaman air PDAM di Kel. Pleburan karena perbaikan pipa induk"
# inside the DPU's UPTD Wilayah Tengah, and in its Wilayah Utara (outside the first)
INSIDE = {"lat": -6.99, "lon": 110.416}
INSIDE_TOO = {"lat": -6.985, "lon": 110.42}
OUTSIDE = {"lat": -6.9525, "lon": 110.415}
PHONE_A, PHONE_B, PHONE_C = "+6281390001111", "+6281390002222", "+6281390003333"
TEMPLATE = "HX" + "c" * 32


def _area_id(settings: Settings, code: str = "uptd_tengah") -> str:
    return str(scalar(settings, "SELECT id FROM service_areas WHERE code = :c", c=code))


def _local(settings: Settings, hours: float) -> str:
    """A datetime-local field's value `hours` from now, in city time."""
    moment = utcnow() + timedelta(hours=hours)
    return moment.astimezone(ZoneInfo(settings.city_timezone)).strftime("%Y-%m-%dT%H:%M")


def _announce(
    web: TestClient, settings: Settings, csrf: str, *, agency: str = "PDAM", **fields: str
):
    form = {
        "agency": agency,
        "category": "water_supply",
        "text": ANNOUNCED,
        "area_kind": "service_area",
        "service_area": _area_id(settings),
        "ends_at": _local(settings, 6),
        **fields,
    }
    return post(web, "/console/announcements", csrf, **form)


def _latest_id(settings: Settings) -> int:
    return scalar(settings, "SELECT MAX(id) FROM announcements")


@pytest.fixture
def pdam(web: TestClient, settings: Settings) -> str:
    """Signed in as an officer of PDAM; the session's CSRF token."""
    create_staff(settings, "air", "officer", "PDAM")
    return signed_in(web, "air")


def test_posting_and_cancelling_are_for_the_agency_and_supervisors(
    web: TestClient, settings: Settings
) -> None:
    """Another agency's officer gets 403 posting or cancelling; without the CSRF token nothing
    is posted; the agency's officer posts and a supervisor cancels."""
    create_staff(settings, "jalan", "officer", "DPU")
    create_staff(settings, "air", "officer", "PDAM")
    create_staff(settings, "sup", "supervisor")
    csrf = signed_in(web, "jalan")
    refused = _announce(web, settings, csrf)
    assert refused.status_code == 403
    assert "Hanya petugas dinas itu dan supervisor" in refused.text
    web.cookies.clear()
    csrf = signed_in(web, "air")
    assert _announce(web, settings, "not-the-token").status_code == 403
    assert scalar(settings, "SELECT COUNT(*) FROM announcements") == 0
    posted = _announce(web, settings, csrf)
    assert posted.status_code == 303, posted.text
    page = web.get("/console/announcements").text
    assert ANNOUNCED in page and "UPTD Wilayah Tengah" in page and "Berlaku" in page
    announcement = _latest_id(settings)

    web.cookies.clear()
    csrf = signed_in(web, "jalan")
    cancel = f"/console/announcements/{announcement}/cancel"
    assert post(web, cancel, csrf).status_code == 403
    assert ANNOUNCED not in web.get("/console/announcements").text  # not DPU's
    web.cookies.clear()
    csrf = signed_in(web, "sup")
    assert post(web, cancel, csrf).status_code == 303
    assert scalar(settings, "SELECT cancelled_at IS NOT NULL FROM announcements") in (True, 1)
    assert post(web, cancel, csrf).status_code == 409  # already cancelled


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"text": "pendek"}, "Isi pengumuman harus 10 sampai 500 karakter"),
        ({"service_area": "999999"}, "Pilih wilayah layanan dari daftar"),
        ({"area_kind": "circle", "lat": "-6.99", "lon": "", "radius_m": "500"}, "Lingkaran perlu"),
        ({"area_kind": "circle", "lat": "-6.99", "lon": "110.4", "radius_m": "5"}, "jari-jari 50"),
        ({"area_kind": "polygon", "points": "-6.99,110.41;-6.98,110.42"}, "Poligon perlu 3"),
        ({"ends_at": "kemarin"}, "Waktu selesai harus sesudah"),
        ({"category": "road_damage"}, "Kategori itu bukan milik dinas ini"),
    ],
)
def test_bad_input_is_refused_with_the_reason(
    web: TestClient, settings: Settings, pdam: str, fields: dict, reason: str
) -> None:
    """A post the rules refuse answers 422 with the reason and keeps what was typed."""
    response = _announce(web, settings, pdam, **fields)
    assert response.status_code == 422
    assert reason in response.text
    assert scalar(settings, "SELECT COUNT(*) FROM announcements") == 0


def test_residents_in_the_area_are_told_once_each(
    web: TestClient,
    settings: Settings,
    pdam: str,
    twilio: FakeTwilio,
    smtp: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reporters of open cases in the area and the followers of such a case hear it once each
    (two cases, one message), a Rahasia reporter too, on WhatsApp outside the 24-hour window
    by the `announcement` template; a reporter outside the area or who wants no updates does
    not, and nobody hears it twice."""
    file_complaint(web, text=POTHOLE, phone=PHONE_A, notify_via="sms", **INSIDE)
    file_complaint(web, text=WATER, phone=PHONE_A, notify_via="sms", **INSIDE_TOO)
    secret = file_complaint(
        web, text=SECRET, email="rahasia@example.com", confidential=True, **INSIDE
    )["tracking_code"]
    file_complaint(web, text=WATER, phone=PHONE_B, notify_via="whatsapp", **INSIDE)
    file_complaint(web, text=WATER, phone=PHONE_C, notify_via="sms", **OUTSIDE)
    quiet = file_complaint(
        web, text=WATER_TOO, phone="+6281390004444", notify_via="none", **INSIDE
    )["tracking_code"]
    # a follower: the reporter of a case merged into one in the area
    first = file_complaint(web, text=WATER, email="pertama@example.com", **INSIDE)
    follower = file_complaint(web, text=WATER_TOO, email="ikut@example.com", **OUTSIDE)
    create_staff(settings, "sup", "supervisor")
    supervisor = login(web, "sup")
    merged = web.post(
        f"/api/v1/cases/{follower['tracking_code']}/merge",
        json={"into": first["tracking_code"]},
        headers=supervisor,
    )
    assert merged.status_code == 200, merged.text
    # staff worked the Rahasia case: any other case would now be public
    moved = web.post(
        f"/api/v1/cases/{secret}/transitions", json={"status": "in_progress"}, headers=supervisor
    )
    assert moved.status_code == 200, moved.text
    run_jobs(settings)
    sent_before = len(twilio.messages)
    mails_before = len(smtp.messages)
    monkeypatch.setenv("TWILIO_WHATSAPP_TEMPLATES", json.dumps({"announcement": TEMPLATE}))
    get_settings.cache_clear()

    response = _announce(web, settings, pdam)
    assert response.status_code == 303
    shown = web.get("/console/announcements").text
    assert "5 warga di wilayahnya diberi tahu" in shown
    run_jobs(settings)

    texts = twilio.messages[sent_before:]
    assert [m.to for m in texts if m.channel == "sms"] == [PHONE_A]
    [sms] = [m for m in texts if m.channel == "sms"]
    assert sms.body.startswith("Pengumuman Perumda Air Minum Tirta Moedal, sampai ")
    assert ANNOUNCED in sms.body and "/laporan" in sms.body
    [whatsapp] = [m for m in texts if m.channel == "whatsapp"]
    assert whatsapp.to == f"whatsapp:{PHONE_B}" and whatsapp.content_sid == TEMPLATE
    assert whatsapp.content_variables["1"] == "Perumda Air Minum Tirta Moedal"
    assert whatsapp.content_variables["2"] == ANNOUNCED
    assert whatsapp.content_variables["3"].startswith("sampai ")
    mails = {m.to: m for m in smtp.messages[mails_before:]}
    assert set(mails) == {"rahasia@example.com", "pertama@example.com", "ikut@example.com"}
    assert mails["ikut@example.com"].subject == "Pengumuman Perumda Air Minum Tirta Moedal"
    assert sql(settings, "SELECT COUNT(*) FROM notifications WHERE kind = 'announcement'") == [(5,)]
    assert SECRET not in mails["rahasia@example.com"].body  # the announcement, not their case
    # nothing of the Rahasia case goes public with it
    public = web.get("/laporan").text + web.get("/api/v1/public/announcements").text
    assert ANNOUNCED in public and secret not in public and "gang buntu" not in public
    assert scalar(settings, "SELECT notify FROM cases WHERE tracking_code = :c", c=quiet) in (
        False,
        0,
    )


def test_a_complaint_in_the_area_during_the_window_is_linked(
    web: TestClient, settings: Settings, pdam: str, smtp: SmtpSink
) -> None:
    """A water complaint inside the area is linked and its acknowledgement names the
    announcement; one outside, one about another problem, and one after the announcement was
    cancelled are not; the officer's queue can leave linked cases out."""
    assert _announce(web, settings, pdam).status_code == 303
    announcement = _latest_id(settings)
    inside = file_complaint(web, text=WATER, email="warga@example.com", **INSIDE)
    outside = file_complaint(web, text=WATER_TOO, email="jauh@example.com", **OUTSIDE)
    pothole = file_complaint(web, text=POTHOLE, email="jalan@example.com", **INSIDE)
    run_jobs(settings)

    def linked(code: str) -> object:
        return scalar(
            settings, "SELECT announcement_id FROM cases WHERE tracking_code = :c", c=code
        )

    assert linked(inside["tracking_code"]) == announcement
    assert linked(outside["tracking_code"]) is None
    assert linked(pothole["tracking_code"]) is None
    mails = {m.to: m.body for m in smtp.messages}
    assert f"Sudah ada pengumuman: {ANNOUNCED}, sampai " in mails["warga@example.com"]
    assert "Sudah ada pengumuman" not in mails["jauh@example.com"]

    case_page = web.get(f"/console/cases/{inside['tracking_code']}").text
    assert f"Diadukan saat ada pengumuman dinas: {ANNOUNCED} (sampai " in case_page
    assert f'href="/console/announcements#announcement-{announcement}"' in case_page
    assert "Diadukan saat" not in web.get(f"/console/cases/{outside['tracking_code']}").text
    queue = web.get("/console").text
    assert inside["tracking_code"] in queue and outside["tracking_code"] in queue
    hidden = web.get("/console?announced=hide").text
    assert inside["tracking_code"] not in hidden and outside["tracking_code"] in hidden
    assert "1 aduan terkait" in web.get("/console/announcements").text

    csrf = csrf_of(web.get("/console/announcements").text)
    assert post(web, f"/console/announcements/{announcement}/cancel", csrf).status_code == 303
    later = file_complaint(web, text=WATER_TOO, **INSIDE)
    assert linked(later["tracking_code"]) is None
    assert linked(inside["tracking_code"]) == announcement  # cancelling changes no case
    status = scalar(
        settings, "SELECT status FROM cases WHERE tracking_code = :c", c=inside["tracking_code"]
    )
    assert status == "assigned"


def test_an_announcement_not_started_links_nothing_and_is_not_public(
    web: TestClient, settings: Settings, pdam: str
) -> None:
    """Scheduled for later: a complaint now is not linked and the public does not see it yet;
    a circle drawn by its centre and radius covers the point it holds."""
    scheduled = _announce(
        web,
        settings,
        pdam,
        area_kind="circle",
        lat="-6.99",
        lon="110.416",
        radius_m="800",
        starts_at=_local(settings, 2),
    )
    assert scheduled.status_code == 303
    assert "Terjadwal" in web.get("/console/announcements").text
    case = file_complaint(web, text=WATER, **INSIDE)
    assert (
        scalar(
            settings,
            "SELECT announcement_id FROM cases WHERE tracking_code = :c",
            c=case["tracking_code"],
        )
        is None
    )
    assert web.get("/api/v1/public/announcements").json() == []
    assert ANNOUNCED not in web.get("/laporan").text


def test_public_json_and_list_show_only_active_announcements_redacted(
    web: TestClient, settings: Settings, pdam: str
) -> None:
    """The JSON and both pages list the active announcement, its text with a phone number
    hidden, and not a cancelled one; the English page names the agency in English."""
    with_phone = "Perbaikan pipa di Jl. Pahlawan, info hubungi 0812-3456-7890 ya"
    assert _announce(web, settings, pdam, text=with_phone).status_code == 303
    cancelled_text = "Pemadaman air PDAM di Kel. Mugassari sudah selesai lebih cepat"
    assert _announce(web, settings, pdam, text=cancelled_text).status_code == 303
    cancel = f"/console/announcements/{_latest_id(settings)}/cancel"
    assert post(web, cancel, pdam).status_code == 303
    polygon = "-6.99,110.41;-6.99,110.42;-6.98,110.42;-6.98,110.41"
    drawn = "Genangan di underpass Jatingaleh, lalu lintas dialihkan sementara"
    created = _announce(
        web, settings, pdam, text=drawn, category="", area_kind="polygon", points=polygon
    )
    assert created.status_code == 303

    items = web.get("/api/v1/public/announcements").json()
    assert [i["text"] for i in items] == [
        drawn,
        "Perbaikan pipa di Jl. Pahlawan, info hubungi [nomor disembunyikan] ya",
    ]
    assert items[0]["geometry"]["type"] == "Polygon" and items[0]["category"] is None
    assert items[1]["area"] == "UPTD Wilayah Tengah" and items[1]["until"].startswith("sampai ")
    assert items[1]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    page = web.get("/laporan").text
    assert "Pengumuman gangguan" in page and drawn in page
    assert "0812-3456-7890" not in page and cancelled_text not in page
    english = web.get("/reports").text
    assert "Tirta Moedal Municipal Water Company" in english and "until " in english
    for leak in ("None", "<bound method", "sampai", "Pengumuman gangguan"):
        assert leak not in english
    assert "None" not in page and "<bound method" not in page


def test_an_erased_reporter_is_not_told(
    web: TestClient, settings: Settings, pdam: str, twilio: FakeTwilio
) -> None:
    """A resident who erased their data (HAPUS DATA, then yes, by SMS) keeps their case in the
    area open but hears nothing of the announcement; a neighbour still does."""
    erased = file_complaint(web, text=WATER, phone=PHONE, notify_via="sms", **INSIDE)
    file_complaint(web, text=WATER_TOO, phone=PHONE_A, notify_via="sms", **INSIDE_TOO)
    assert (
        "Hapus data kontak Anda?"
        in twiml_texts(signed_post(web, settings, inbound("HAPUS DATA")))[0]
    )
    assert "Data Anda sudah dihapus" in twiml_texts(signed_post(web, settings, inbound("1")))[0]
    status = scalar(
        settings, "SELECT status FROM cases WHERE tracking_code = :c", c=erased["tracking_code"]
    )
    assert status == "assigned"
    run_jobs(settings)
    sent_before = len(twilio.messages)

    assert _announce(web, settings, pdam).status_code == 303
    run_jobs(settings)
    assert [m.to for m in twilio.messages[sent_before:]] == [PHONE_A]


def test_the_console_page_reads_well_in_english(
    web: TestClient, settings: Settings, pdam: str
) -> None:
    """The announcements page and the queue's filter in English: translated, nothing raw."""
    assert (
        _announce(
            web, settings, pdam, area_kind="circle", lat="-6.99", lon="110.416", radius_m="700"
        ).status_code
        == 303
    )
    page = web.get("/console/announcements?lang=en").text
    for wording in (
        "Area announcements",
        "In force",
        "Circle of 700 m",
        "0 linked complaints",
        "Tirta Moedal Municipal Water Company",
        "Post the announcement",
    ):
        assert wording in page
    for leak in ("None", "<bound method", "Berlaku", "Pengumuman baru", "active", "circle m"):
        assert leak not in page
    assert "Hide complaints covered by an announcement" in web.get("/console").text
