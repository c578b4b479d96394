""" "Already reported?" on the web (issue #22 item 5): the form's search for open public cases
nearby (`/api/v1/public/nearby`), "Ini masalah yang sama" following one instead of filing
(by e-mail, SMS or a Telegram link), the count on the public pages and feeds, and the
console's queue sorted by it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import telegram_post
from tests.console.helpers import signed_in
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, create_staff, file_complaint, login, run_jobs, scalar
from tests.website.test_public_pages import assert_clean

HERE = {"lat": -6.99321, "lon": 110.44210}
NEAR = {"lat": -6.99380, "lon": 110.44250}  # about 80 m away
FAR = {"lat": -6.98000, "lon": 110.44210}  # about 1.5 km away
WORDS = "jalan berlubang dalam, motor jatuh"
TRACK = re.compile(r"/track/([0-9A-Z]{4}-[0-9A-Z]{4})\?lang=(id|en)&followed=(1|already)&via=(\w+)")
LINK = re.compile(r"https://t\.me/AduanKotaBot\?start=([A-Za-z0-9_-]+)")
AppWith = Callable[..., TestClient]


@pytest.fixture
def officer(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "dinas", "officer", "DPU")
    return login(client, "dinas")


@pytest.fixture
def app_with(settings: Settings) -> Iterator[AppWith]:
    """A second app on changed settings, as a browser on https that keeps its cookies."""
    clients: list[TestClient] = []

    def start(**changes: object) -> TestClient:
        app = create_app(settings.model_copy(update=changes))
        test_client = TestClient(app, base_url="https://testserver")
        clients.append(test_client.__enter__())
        return test_client

    yield start
    for test_client in clients:
        test_client.__exit__(None, None, None)


def public(client: TestClient, officer: dict, **fields: object) -> str:
    """A complaint an officer has taken up: with PUBLISH_POLICY=reviewed it is public."""
    code = file_complaint(client, **fields)["tracking_code"]
    moved = client.post(
        f"/api/v1/cases/{code}/transitions", json={"status": "in_progress"}, headers=officer
    )
    assert moved.status_code == 200, moved.text
    return code


def nearby(client: TestClient, text: str = WORDS, lang: str = "id", **place: object):
    return client.get("/api/v1/public/nearby", params={**HERE, **place, "text": text, "lang": lang})


def case_count(settings: Settings) -> int:
    return scalar(settings, "SELECT count(*) FROM cases")


def report_count(settings: Settings, code: str) -> int:
    return scalar(settings, "SELECT report_count FROM cases WHERE tracking_code = :c", c=code)


def follow_form(client: TestClient, code: str, **fields: str):
    """The form as "Ini masalah yang sama" sends it: the words, the pin, the contact."""
    data = {"text": WORDS, "lat": str(HERE["lat"]), "lon": str(HERE["lon"]), "follow": code}
    return client.post("/complaints", data={**data, **fields}, follow_redirects=False)


def test_nearby_offers_only_open_public_cases_of_the_predicted_category(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """The words are read as a category and its open public cases within the radius come
    back, nearest first, redacted, with status, distance, count and page; never a Rahasia, a
    hidden, an unreviewed or a far one; nothing when the words say nothing clear."""
    near = public(client, officer, text=POTHOLE + " hubungi 081234567890", **NEAR)
    public(client, officer, text=POTHOLE, **FAR)
    public(client, officer, text=POTHOLE, confidential=True, **HERE)
    hidden = public(client, officer, text=POTHOLE, **HERE)
    file_complaint(client, text=POTHOLE, **HERE)  # not yet reviewed: not public
    hid = client.post(
        f"/api/v1/cases/{hidden}/hide", json={"reason": "about_person"}, headers=officer
    )
    assert hid.status_code == 200, hid.text

    answer = nearby(client)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["category"] == {"code": "road_damage", "name": "Jalan rusak / berlubang"}
    [found] = body["cases"]
    assert found["tracking_code"] == near
    assert "[nomor disembunyikan]" in found["text"] and "0812" not in found["text"]
    assert (found["status"], found["status_label"]) == ("in_progress", "sedang dikerjakan")
    assert 60 < found["distance_m"] < 100 and found["report_count"] == 1
    assert found["url"] == f"/track/{near}?lang=id"
    assert "contact" not in answer.text and "@" not in answer.text

    english = nearby(client, lang="en").json()
    assert english["category"]["name"] == "Road damage and potholes"
    assert english["cases"][0]["status_label"] == "in progress"
    assert english["cases"][0]["url"] == f"/track/{near}?lang=en"
    unclear = nearby(client, text="halo selamat pagi semuanya").json()
    assert unclear == {"category": None, "cases": []}
    assert nearby(client, lat=-6.5, lon=110.0).json()["cases"] == []


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"lat": "abc"}, "lat"),
        ({"lat": "95"}, "lat"),
        ({"lon": "-181"}, "lon"),
        ({"lat": "nan"}, "lat"),
        ({"text": "ab"}, "text"),
        ({"text": "  a  "}, "at least 3 characters"),
        ({"text": "x" * 1001}, "text"),
        ({"lang": "fr"}, "lang"),
    ],
)
def test_nearby_refuses_bad_input_with_a_reason(
    client: TestClient, params: dict, reason: str
) -> None:
    """A bad place, words too short or too long, or an unknown language: 422 saying why."""
    answer = client.get(
        "/api/v1/public/nearby", params={**HERE, "text": WORDS, "lang": "id", **params}
    )
    assert answer.status_code == 422
    assert reason in answer.text


def test_nearby_without_a_place_is_refused(client: TestClient) -> None:
    """The search needs both coordinates."""
    answer = client.get("/api/v1/public/nearby", params={"lat": HERE["lat"], "text": WORDS})
    assert answer.status_code == 422 and "lon" in answer.text


def test_nearby_searches_are_braked_per_address(app_with: AppWith) -> None:
    """Each search runs the classifier: one address gets NEARBY_SEARCHES_PER_HOUR, then 429
    with Retry-After."""
    client = app_with(nearby_searches_per_hour=2)
    assert [nearby(client).status_code for _ in range(2)] == [200, 200]
    braked = nearby(client)
    assert braked.status_code == 429
    assert int(braked.headers["Retry-After"]) > 0 and "too many searches" in braked.text


def test_the_same_problem_makes_the_resident_a_follower_told_on_their_channel(
    client: TestClient,
    settings: Settings,
    officer: dict,
    smtp: SmtpSink,
    twilio: FakeTwilio,
) -> None:
    """ "Ini masalah yang sama" files nothing: the resident follows the case (by e-mail, or by
    SMS with the phone as the form normalises it), its count goes up on its page, the list
    and the JSON feed, and the next update reaches the reporter and both followers."""
    code = public(client, officer, text=POTHOLE, email="pelapor@example.com", **HERE)
    cases = case_count(settings)

    answer = follow_form(client, code, notify_via="email", email="tetangga@example.com")
    assert answer.status_code == 303
    assert TRACK.search(answer.headers["location"]).groups() == (code, "id", "1", "email")
    page = client.get(answer.headers["location"])
    assert "Anda sekarang mengikuti aduan ini." in page.text
    assert "akan kami kirim lewat E-mail" in page.text
    assert "2 warga melaporkan atau mengikuti aduan ini" in page.text
    assert_clean(page.text, "id")

    by_sms = follow_form(client, code, notify_via="sms", phone="0812-3456-7890", lang="en")
    assert TRACK.search(by_sms.headers["location"]).groups() == (code, "en", "1", "sms")
    english = client.get(by_sms.headers["location"]).text
    assert "You now follow this complaint" in english and "by SMS" in english
    assert "3 residents reported or follow this complaint" in english
    again = follow_form(client, code, notify_via="email", email="tetangga@example.com")
    assert TRACK.search(again.headers["location"]).group(3) == "already"
    assert "Anda sudah mengikuti aduan ini" in client.get(again.headers["location"]).text
    assert (case_count(settings), report_count(settings, code)) == (cases, 3)

    [item] = client.get("/api/v1/public/cases").json()["items"]
    assert (item["tracking_code"], item["report_count"]) == (code, 3)
    assert client.get(f"/api/v1/complaints/{code}").json()["report_count"] == 3
    listing = client.get("/laporan").text
    assert "3 warga melapor atau mengikuti" in listing
    assert_clean(listing, "id")

    resolved = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "resolved", "note": "Lubang sudah ditambal"},
        headers=officer,
    )
    assert resolved.status_code == 200, resolved.text
    run_jobs(settings)
    for address in ("pelapor@example.com", "tetangga@example.com"):
        mails = [m for m in smtp.messages if m.to == address and "Lubang sudah ditambal" in m.body]
        assert len(mails) == 1, address
    [sms] = [m for m in twilio.messages_to("+6281234567890") if "Lubang sudah ditambal" in m.body]
    assert sms.channel == "sms"


def test_following_is_refused_without_a_channel_or_a_followable_case(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """Following without a way to be told, with a bad contact, or of a case that is not open
    and public (Rahasia, unreviewed, resolved, unknown) is the form again, 4xx, saying why;
    nothing is filed or counted."""
    code = public(client, officer, text=POTHOLE, **HERE)
    secret = public(client, officer, text=POTHOLE, confidential=True, **HERE)
    unreviewed = file_complaint(client, text=POTHOLE, **HERE)["tracking_code"]
    done = public(client, officer, text=POTHOLE, **NEAR)
    client.post(f"/api/v1/cases/{done}/transitions", json={"status": "resolved"}, headers=officer)
    cases = case_count(settings)

    silent = follow_form(client, code, notify_via="none", email="a@example.com")
    assert silent.status_code == 422
    assert "pilih cara kami mengabari Anda" in silent.text
    assert WORDS in silent.text  # the form keeps what was typed
    bad_phone = follow_form(client, code, notify_via="whatsapp", phone="12")
    assert bad_phone.status_code == 422 and "Nomor HP: nomor HP harus" in bad_phone.text
    no_email = follow_form(client, code, notify_via="email", lang="en")
    assert no_email.status_code == 422 and "E-mail" in no_email.text
    for other in (secret, unreviewed, done, "ZZZZ-ZZZZ", "nonsense"):
        refused = follow_form(client, other, notify_via="email", email="b@example.com")
        assert refused.status_code == 409, other
        assert "tidak bisa diikuti" in refused.text
        assert_clean(refused.text, "id")
    assert (case_count(settings), report_count(settings, code)) == (cases, 1)


def test_following_meets_the_same_limits_as_filing(
    app_with: AppWith, settings: Settings, officer: dict
) -> None:
    """One contact follows or files INTAKE_LIMIT_PER_HOUR times an hour, one address
    WEB_COMPLAINTS_PER_ADDRESS_PER_HOUR: past either, 429 with the reason; nothing counted."""
    limited = app_with(intake_limit_per_hour=1, web_complaints_per_address_per_hour=4)
    # two of the address's four places: these two filings (no contact given)
    first = public(limited, officer, text=POTHOLE, **HERE)
    second = public(limited, officer, text=POTHOLE, **NEAR)

    ok = follow_form(limited, first, notify_via="email", email="warga@example.com")
    assert ok.status_code == 303
    refused = follow_form(limited, second, notify_via="email", email="warga@example.com")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "dari nomor HP atau e-mail ini sudah masuk 1 aduan" in refused.text
    assert follow_form(limited, second, notify_via="sms", phone="081200001111").status_code == 303
    braked = follow_form(limited, second, notify_via="sms", phone="081200002222")
    assert braked.status_code == 429 and "dari alamat internet ini" in braked.text
    assert (report_count(settings, first), report_count(settings, second)) == (2, 2)


def test_following_on_telegram_binds_the_chat_through_the_link(
    app_with: AppWith, settings: Settings, officer: dict, telegram: FakeTelegram
) -> None:
    """With Telegram chosen the page shows a t.me link; /start with it (through the real
    webhook) makes the chat a follower, counted, and the case's next update reaches the chat;
    the reporter's own contact is untouched and the follower's browser may not rate."""
    web = app_with(telegram_bot_username="AduanKotaBot")
    code = public(web, officer, text=POTHOLE, email="pelapor@example.com", **HERE)
    answer = follow_form(web, code, notify_via="telegram", lang="en")
    assert TRACK.search(answer.headers["location"]).groups() == (code, "en", "1", "telegram")
    assert "aduan_filed" not in answer.headers.get("set-cookie", "")
    page = web.get(answer.headers["location"]).text
    assert "One more step" in page
    token = LINK.search(page).group(1)
    assert report_count(settings, code) == 1  # counted once the chat is there

    assert telegram_post(web, tg.text(f"/start {token}")).status_code == 200
    assert telegram.messages[-1].chat_id == tg.CHAT_ID
    assert telegram.messages[-1].text.startswith(f"You now receive the news of complaint {code}")
    assert report_count(settings, code) == 2
    follower = scalar(
        settings,
        "SELECT k.channel || ':' || k.address || ':' || s.language FROM case_subscribers s"
        " JOIN contacts k ON k.id = s.contact_id",
    )
    assert follower == f"telegram:{tg.CHAT_ID}:en"
    reporter = scalar(
        settings,
        "SELECT k.address FROM cases c JOIN contacts k ON k.id = c.contact_id"
        " WHERE c.tracking_code = :c",
        c=code,
    )
    assert reporter == "pelapor@example.com"
    telegram_post(web, tg.text(f"/start {token}"))
    assert telegram.messages[-1].text == f"Complaint {code} is already linked to this Telegram."
    assert LINK.search(web.get(answer.headers["location"]).text) is None
    assert report_count(settings, code) == 2

    note = {"status": "waiting", "note": "Menunggu aspal datang minggu depan"}
    moved = web.post(f"/api/v1/cases/{code}/transitions", json=note, headers=officer)
    assert moved.status_code == 200, moved.text
    run_jobs(settings)
    told = [m for m in telegram.messages if "Menunggu aspal datang" in m.text]
    assert [m.chat_id for m in told] == [tg.CHAT_ID]


def test_the_console_queue_sorts_by_report_count(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """ "Paling banyak dilaporkan" puts the case most residents reported or follow first and
    shows the count in its row; the staff API carries the count and sorts by it too."""
    create_staff(settings, "kepala", "supervisor")
    lone = public(client, officer, text=POTHOLE, **FAR)
    popular = public(client, officer, text=POTHOLE, **HERE)
    newest = file_complaint(client, text=POTHOLE, **NEAR)["tracking_code"]
    for n in range(2):
        follow_form(client, popular, notify_via="email", email=f"warga{n}@example.com")
    client.base_url = "https://testserver"  # the console's cookie is Secure
    signed_in(client, "kepala")

    def codes(**params: str) -> list[str]:
        page = client.get("/console", params=params)
        assert page.status_code == 200
        return re.findall(r'<a class="code" href="/console/cases/([0-9A-Z-]+)"', page.text)

    assert codes() == [newest, popular, lone]
    assert codes(sort="reported") == [popular, newest, lone]
    page = client.get("/console", params={"sort": "reported"}).text
    assert '<option value="reported" selected>Paling banyak dilaporkan</option>' in page
    assert page.count("warga melapor atau mengikuti") == 1
    assert "3 warga melapor atau mengikuti" in page
    assert_clean(page, "en")
    english = client.get("/console", params={"sort": "reported", "lang": "en"}).text
    assert "Most reported" in english
    token = login(client, "kepala")
    items = client.get("/api/v1/cases", headers=token).json()["items"]
    assert {i["tracking_code"]: i["report_count"] for i in items}[popular] == 3
    by_reports = client.get("/api/v1/cases", params={"sort": "reported"}, headers=token).json()
    assert [i["tracking_code"] for i in by_reports["items"]] == [popular, newest, lone]
    wrong = client.get("/api/v1/cases", params={"sort": "loudest"}, headers=token)
    assert wrong.status_code == 422


def test_a_follow_link_opened_after_the_case_closed_follows_nothing(
    app_with: AppWith, settings: Settings, officer: dict, telegram: FakeTelegram
) -> None:
    """A case resolved between the follow and the /start is no longer followed: the bot
    says the case is no longer open, nothing is counted, and the link is used up."""
    web = app_with(telegram_bot_username="AduanKotaBot")
    code = public(web, officer, text=POTHOLE, **HERE)
    answer = follow_form(web, code, notify_via="telegram")
    token = LINK.search(web.get(answer.headers["location"]).text).group(1)
    web.post(f"/api/v1/cases/{code}/transitions", json={"status": "resolved"}, headers=officer)

    telegram_post(web, tg.text(f"/start {token}"))
    assert telegram.messages[-1].text.startswith(f"Aduan {code} sudah tidak terbuka")
    assert report_count(settings, code) == 1
    assert scalar(settings, "SELECT count(*) FROM case_subscribers") == 0
    assert LINK.search(web.get(answer.headers["location"]).text) is None
