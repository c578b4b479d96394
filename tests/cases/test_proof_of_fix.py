"""Proof of fix: an officer resolves with an after-photo, and the reporter and the followers
receive it with the note and the rating question, each on their own channel."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from core.db import utcnow
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE, inbound, signed_post, telegram_post
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import RUBBISH, create_staff, file_complaint, login, png_bytes, run_jobs, sql

POTHOLE_TG = "Jembatan kayu di Jl. Pemuda ambrol, pagar jembatan patah dan bahaya buat anak sekolah"
POTHOLE_WA = "Jembatan Jl. Pemuda rusak, pagar jembatan patah, jembatan goyang kalau dilewati motor"
NOTE = "Lubang sudah ditambal aspal baru"
PHOTO_PREFIX = "https://aduan.example.go.id/media/photos/"


def _code(settings: Settings, channel: str) -> str:
    [(code,)] = sql(
        settings, "SELECT tracking_code FROM cases WHERE source_channel = :c", c=channel
    )
    return code


def _supervisor(client: TestClient, settings: Settings) -> dict[str, str]:
    create_staff(settings, "sup", "supervisor")
    return login(client, "sup")


def _resolve(client: TestClient, headers: dict, code: str, photo: bytes | None = None, **form):
    files = {"photo": ("sesudah.png", photo, "image/png")} if photo is not None else None
    return client.post(
        f"/api/v1/cases/{code}/resolution",
        data={"note": NOTE, **form},
        files=files,
        headers=headers,
    )


def _telegram_reporter_and_whatsapp_follower(
    client: TestClient, settings: Settings, headers: dict
) -> str:
    """A pothole filed on Telegram, and the same one on WhatsApp merged into it; the code."""
    assert telegram_post(client, tg.text(POTHOLE_TG)).status_code == 200
    assert signed_post(client, settings, inbound(POTHOLE_WA, whatsapp=True)).status_code == 200
    code, duplicate = _code(settings, "telegram"), _code(settings, "whatsapp")
    merged = client.post(f"/api/v1/cases/{duplicate}/merge", json={"into": code}, headers=headers)
    assert merged.status_code == 200, merged.text
    run_jobs(settings)
    return code


def test_reporter_on_telegram_and_follower_on_whatsapp_both_receive_the_photo(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
) -> None:
    """Resolved with a photo over HTTP (multipart): Telegram gets sendPhoto with the note as
    caption and rating buttons; WhatsApp, in its window, a media message whose signed link
    serves the same photo, then the note and the question as a list to tap."""
    headers = _supervisor(client, settings)
    code = _telegram_reporter_and_whatsapp_follower(client, settings, headers)
    photo = png_bytes(8, 6)

    response = _resolve(client, headers, code, photo)
    assert response.status_code == 200, response.text
    [proof] = [a for a in response.json()["attachments"] if a["proof"]]
    assert proof["content_type"] == "image/png"
    run_jobs(settings)

    [sent] = [c for c in telegram.calls_to("sendPhoto")]
    assert sent.status == 200
    assert sent.params["photo"] == photo
    assert sent.params["chat_id"] == tg.CHAT_ID
    assert code in sent.params["caption"] and NOTE in sent.params["caption"]
    assert "balas angka 1" in sent.params["caption"]
    keyboard = sent.params["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for row in keyboard for b in row] == [
        "1", "2", "3", "4", "5", "BELUM",
    ]  # fmt: skip
    assert keyboard[1][0]["text"] == "Belum beres"

    [whatsapp] = [m for m in twilio.messages_to(f"whatsapp:{PHONE}") if m.media_urls]
    [question] = [m for m in twilio.messages_to(f"whatsapp:{PHONE}") if m.items]
    assert NOTE in question.content["body"] and code in question.content["body"]
    [url] = whatsapp.media_urls
    assert url.startswith(PHOTO_PREFIX)
    served = client.get(url.removeprefix("https://aduan.example.go.id"))
    assert served.status_code == 200
    assert served.content == photo
    assert served.headers["content-type"] == "image/png"
    [(status, path)] = sql(
        settings,
        "SELECT status, path FROM notifications WHERE attachment_id IS NOT NULL"
        " AND channel = 'whatsapp'",
    )
    assert (status, path) == ("sent", "whatsapp")


def test_a_rating_button_pressed_on_the_photo_rates_the_case(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """The callback_query Telegram posts for the "4" button records 4/5 on the case."""
    headers = _supervisor(client, settings)
    telegram_post(client, tg.text(POTHOLE_TG))
    code = _code(settings, "telegram")
    assert _resolve(client, headers, code, png_bytes()).status_code == 200
    run_jobs(settings)
    [sent] = [m for m in telegram.messages if "photo" in m.params]

    assert telegram_post(client, telegram.press(sent.message_id, "4")).status_code == 200
    [(rating,)] = sql(settings, "SELECT rating FROM cases WHERE tracking_code = :c", c=code)
    assert rating == 4
    assert "4/5" in telegram.messages[-1].text


def test_the_not_fixed_button_reopens_the_case(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """The "Belum beres" button reopens the case as typing BELUM does."""
    headers = _supervisor(client, settings)
    telegram_post(client, tg.text(POTHOLE_TG))
    code = _code(settings, "telegram")
    assert _resolve(client, headers, code, png_bytes()).status_code == 200
    run_jobs(settings)
    [sent] = [m for m in telegram.messages if "photo" in m.params]

    telegram_post(client, telegram.press(sent.message_id, "BELUM"))
    [(status,)] = sql(settings, "SELECT status FROM cases WHERE tracking_code = :c", c=code)
    assert status == "in_progress"


def test_whatsapp_outside_the_window_and_sms_get_a_link(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Outside WhatsApp's 24 hours (no template set) the message goes by SMS with the photo's
    link; an SMS reporter gets the text with the link, never media."""
    headers = _supervisor(client, settings)
    signed_post(client, settings, inbound(POTHOLE_WA, whatsapp=True))
    code = _code(settings, "whatsapp")
    sql(settings, "UPDATE contacts SET last_inbound_at = :t", t=utcnow() - timedelta(hours=25))
    assert _resolve(client, headers, code, png_bytes()).status_code == 200
    run_jobs(settings)

    [last] = [m for m in twilio.messages if NOTE in (m.body or "")]
    assert last.channel == "sms" and last.media_urls == ()
    assert f"\nFoto: {PHOTO_PREFIX}" in last.body
    [(path,)] = sql(settings, "SELECT path FROM notifications WHERE attachment_id IS NOT NULL")
    assert path == "sms_fallback"


def test_sms_reporter_gets_the_link(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """An SMS channel carries no photo: the outbox gives it the text with the signed link."""
    headers = _supervisor(client, settings)
    signed_post(client, settings, inbound(POTHOLE_WA))
    code = _code(settings, "sms")
    assert _resolve(client, headers, code, png_bytes()).status_code == 200
    run_jobs(settings)
    [last] = [m for m in twilio.messages_to(PHONE) if NOTE in (m.body or "")]
    assert last.media_urls == ()
    link = last.body.rsplit("Foto: ", 1)[1]
    assert link.startswith(PHOTO_PREFIX)
    assert client.get(link.removeprefix("https://aduan.example.go.id")).content == png_bytes()


def test_the_after_photo_shows_on_the_public_case_page(
    client: TestClient, settings: Settings
) -> None:
    """Resolving is staff's review: the case is public, its page shows the after-photo, marked
    as such, and serves it to anyone."""
    headers = _supervisor(client, settings)
    signed_post(client, settings, inbound(POTHOLE_WA))
    code = _code(settings, "sms")
    assert _resolve(client, headers, code, png_bytes()).status_code == 200
    page = client.get(f"/track/{code}")
    assert page.status_code == 200
    [url] = re.findall(
        rf'<img src="(/track/{code}/photos/\d+)" alt="Foto sesudah perbaikan"', page.text
    )
    assert "Sesudah perbaikan</span>" in page.text
    assert client.get(url).content == png_bytes()
    feed = client.get("/api/v1/public/cases").json()
    assert [c["tracking_code"] for c in feed["items"]] == [code]


def test_email_reporter_gets_the_photo_attached(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    """A web reporter who asked for e-mail receives the photo as an attachment."""
    headers = _supervisor(client, settings)
    code = file_complaint(client, email="warga@example.com")["tracking_code"]
    photo = png_bytes(5, 5)
    assert _resolve(client, headers, code, photo).status_code == 200
    run_jobs(settings)
    mail = smtp.messages[-1]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "image/png"
    assert attachment.get_content() == photo
    assert NOTE in mail.body


def test_resolving_without_a_photo_is_refused_where_the_category_requires_one(
    client: TestClient, settings: Settings
) -> None:
    """bridge_damage requires a photo (the shipped catalogue): multipart without one and the JSON
    transition are both refused with 422 and the reason; a category without the rule is not."""
    headers = _supervisor(client, settings)
    code = file_complaint(client, text=POTHOLE_TG)["tracking_code"]
    refused = _resolve(client, headers, code)
    assert refused.status_code == 422
    assert "bridge_damage" in refused.json()["detail"]
    assert "after-photo" in refused.json()["detail"]
    by_json = client.post(
        f"/api/v1/cases/{code}/transitions", json={"status": "resolved"}, headers=headers
    )
    assert by_json.status_code == 422
    assert "after-photo" in by_json.json()["detail"]
    detail = client.get(f"/api/v1/cases/{code}", headers=headers).json()
    assert detail["status"] == "assigned"
    assert detail["attachments"] == []

    rubbish = file_complaint(client, text=RUBBISH)["tracking_code"]
    assert _resolve(client, headers, rubbish).status_code == 200


def test_a_photo_that_is_not_an_image_is_refused(client: TestClient, settings: Settings) -> None:
    """The bytes decide: a PDF named .png is 415 and nothing changes."""
    headers = _supervisor(client, settings)
    code = file_complaint(client, text=POTHOLE_TG)["tracking_code"]
    response = _resolve(client, headers, code, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n")
    assert response.status_code == 415
    detail = client.get(f"/api/v1/cases/{code}", headers=headers).json()
    assert detail["status"] == "assigned"


def test_an_officer_of_another_agency_cannot_resolve(
    client: TestClient, settings: Settings
) -> None:
    """The resolve is checked against role and agency like every staff change: 404."""
    code = file_complaint(client, text=POTHOLE_TG)["tracking_code"]
    create_staff(settings, "dlh", "officer", agency="DLH")
    response = _resolve(client, login(client, "dlh"), code, png_bytes())
    assert response.status_code == 404


def test_the_photo_link_refuses_bad_unknown_and_removed_photos(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A forged token is 404, a resident's own photo is never served by link, and a photo
    retention removed is 410."""
    headers = _supervisor(client, settings)
    signed_post(client, settings, inbound(POTHOLE_WA))
    code = _code(settings, "sms")
    _resolve(client, headers, code, png_bytes())
    run_jobs(settings)
    [last] = [m for m in twilio.messages_to(PHONE) if NOTE in (m.body or "")]
    path = last.body.rsplit("Foto: ", 1)[1].removeprefix("https://aduan.example.go.id")
    assert client.get(path).status_code == 200
    assert client.get(path[:-3] + "abc").status_code == 404
    assert client.get("/media/photos/1").status_code == 404
    sql(settings, "UPDATE attachments SET proof = :f", f=False)
    assert client.get(path).status_code == 404
    sql(settings, "UPDATE attachments SET proof = :t, removed_at = :now", t=True, now=utcnow())
    assert client.get(path).status_code == 410


def test_a_confidential_case_s_followers_get_no_photo(
    client: TestClient, settings: Settings, smtp: SmtpSink, twilio: FakeTwilio
) -> None:
    """Rahasia: the reporter receives the photo (it is theirs), a follower the text only."""
    headers = _supervisor(client, settings)
    code = file_complaint(client, email="pelapor@example.com", confidential=True)["tracking_code"]
    signed_post(client, settings, inbound(POTHOLE_WA))
    duplicate = _code(settings, "sms")
    client.post(f"/api/v1/cases/{duplicate}/merge", json={"into": code}, headers=headers)
    assert _resolve(client, headers, code, png_bytes()).status_code == 200
    run_jobs(settings)
    [mail] = [m for m in smtp.messages if NOTE in m.body]
    assert len(list(mail.iter_attachments())) == 1
    [sms] = [m for m in twilio.messages_to(PHONE) if NOTE in (m.body or "")]
    assert "Foto:" not in sms.body and sms.media_urls == ()
