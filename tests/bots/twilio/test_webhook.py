"""SMS and WhatsApp through the Twilio webhook, signed as Twilio signs them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from bots.twilio.webhook import to_chat_event
from core.db import get_engine
from core.settings import Settings
from intake.chat import MediaKind
from tests.channels import PHONE, inbound, signed_post, twiml_texts
from tests.fakes.media_samples import VOICE_OGG
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, create_staff, login, png_bytes, run_jobs


def cases(settings: Settings) -> list:
    with get_engine(settings.database_url).connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT tracking_code, source_channel, latitude, longitude FROM cases")
            )
        )


def test_sms_complaint_is_filed_and_acknowledged_by_sms(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A signed SMS files a case and the tracking code goes back by SMS."""
    response = signed_post(client, settings, inbound(POTHOLE))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    [(code, channel, *_)] = cases(settings)
    assert channel == "sms"
    run_jobs(settings)
    [ack] = twilio.wait_for(lambda: twilio.messages)
    assert (ack.to, ack.from_) == (PHONE, "+15005550006")
    assert code in ack.body
    assert "lokasi dan foto" not in ack.body  # an SMS cannot carry either


def test_whatsapp_complaint_replies_on_whatsapp(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """From whatsapp: means the case and its acknowledgement live on WhatsApp."""
    signed_post(client, settings, inbound(POTHOLE, whatsapp=True))
    [(code, channel, *_)] = cases(settings)
    assert channel == "whatsapp"
    run_jobs(settings)
    [ack] = twilio.wait_for(lambda: twilio.messages)
    assert ack.to == f"whatsapp:{PHONE}"
    assert code in ack.body
    assert "Kirim juga lokasi dan foto" in ack.body


@pytest.mark.parametrize(
    "signature", ["", "bm90IGEgc2lnbmF0dXJl", None], ids=["empty", "forged", "wrong-url"]
)
def test_unsigned_or_forged_requests_are_403_and_store_nothing(
    client: TestClient, settings: Settings, signature: str | None
) -> None:
    """Only Twilio's signature over our public URL is accepted."""
    fields = inbound(POTHOLE)
    if signature is None:  # signed for the URL the proxy used, not our public one
        signature = RequestValidator(settings.twilio_auth_token).compute_signature(
            "http://testserver/webhooks/twilio", fields
        )
    response = signed_post(client, settings, fields, signature=signature)
    assert response.status_code == 403
    assert cases(settings) == []


def test_a_tampered_field_breaks_the_signature(client: TestClient, settings: Settings) -> None:
    """Changing any signed field after signing is caught."""
    fields = inbound(POTHOLE)
    url = settings.public_base_url + "/webhooks/twilio"
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(url, fields)
    fields["From"] = "+6289999999999"
    assert signed_post(client, settings, fields, signature=signature).status_code == 403


def test_a_repeated_message_sid_files_nothing(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Twilio retrying the same MessageSid changes nothing and answers nothing."""
    fields = inbound(POTHOLE)
    signed_post(client, settings, fields)
    again = signed_post(client, settings, fields)
    assert again.status_code == 200
    assert twiml_texts(again) == []
    run_jobs(settings)
    assert len(cases(settings)) == 1
    assert len(twilio.messages) == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("BANTUAN", "Aduan Warga via SMS:"),
        ("help", "Aduan Warga via SMS:"),
        ("menu", "BANTUAN: info lengkap"),
        ("halo", "Ceritakan masalahnya"),
        ("jalan rusak", "terlalu pendek"),
        ("CEK", "tidak punya aduan"),
        ("STATUS ZZZZ-ZZZZ", "ZZZZ-ZZZZ tidak ditemukan"),
        ("EN", "Language switched to English."),
    ],
)
def test_keywords_answer_in_twiml(
    client: TestClient, settings: Settings, body: str, expected: str
) -> None:
    """BANTUAN/HELP, CEK/STATUS and EN/ID are answered at once in the TwiML reply."""
    response = signed_post(client, settings, inbound(body))
    assert response.status_code == 200
    assert any(expected in text for text in twiml_texts(response))
    assert cases(settings) == []


def test_cek_code_answers_the_status(client: TestClient, settings: Settings) -> None:
    """CEK CODE names the status and the agency."""
    signed_post(client, settings, inbound(POTHOLE))
    [(code, *_)] = cases(settings)
    response = signed_post(client, settings, inbound(f"cek {code}"))
    [text] = twiml_texts(response)
    assert text.startswith(f"Aduan {code}: diteruskan ke dinas. Ditangani: Dinas Pekerjaan Umum")


def test_a_complaint_starting_with_cek_is_still_a_complaint(
    client: TestClient, settings: Settings
) -> None:
    """'Cek jalan ...' is not a status request: only a bare CEK or CEK + code is."""
    signed_post(client, settings, inbound("Cek jalan rusak parah di Jl. Majapahit dekat pasar"))
    assert len(cases(settings)) == 1


def test_whatsapp_location_attaches_to_the_recent_case(
    client: TestClient, settings: Settings
) -> None:
    """A WhatsApp location (Latitude/Longitude) lands on the complaint just filed."""
    signed_post(client, settings, inbound(POTHOLE, whatsapp=True))
    response = signed_post(
        client,
        settings,
        inbound(whatsapp=True, Latitude="-6.9839", Longitude="110.4094", Address="Jl. Pemuda"),
    )
    [(code, _, lat, lon)] = cases(settings)
    assert (lat, lon) == (-6.9839, 110.4094)
    assert twiml_texts(response) == [f"Lokasi ditambahkan ke aduan {code}. Terima kasih."]


def test_whatsapp_photo_is_downloaded_with_account_credentials(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Media is fetched from Twilio with basic auth and stored as an attachment."""
    image = png_bytes()
    url = twilio.add_media(content=image, content_type="image/png")
    signed_post(client, settings, inbound(POTHOLE, whatsapp=True))
    response = signed_post(
        client,
        settings,
        inbound(whatsapp=True, NumMedia="1", MediaUrl0=url, MediaContentType0="image/png"),
    )
    [(code, *_)] = cases(settings)
    assert twiml_texts(response) == [f"Foto ditambahkan ke aduan {code}. Terima kasih."]
    create_staff(settings, "sup", "supervisor")
    headers = login(client, "sup")
    [attachment] = client.get(f"/api/v1/cases/{code}", headers=headers).json()["attachments"]
    assert client.get(attachment["download_url"], headers=headers).content == image


def test_unknown_media_type_gets_a_polite_reply(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A file type we do not accept is refused with an explanation, not stored."""
    url = twilio.add_media(content=b"BEGIN:VCARD\nFN:Budi\nEND:VCARD\n", content_type="text/vcard")
    signed_post(client, settings, inbound(POTHOLE, whatsapp=True))
    response = signed_post(
        client,
        settings,
        inbound(whatsapp=True, NumMedia="1", MediaUrl0=url, MediaContentType0="text/vcard"),
    )
    assert "tidak bisa kami terima" in twiml_texts(response)[0]
    with get_engine(settings.database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM attachments")).scalar_one() == 0


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (b"", "application/x-www-form-urlencoded", 403),
        (b"\xff\xfe\x00\x01", "application/x-www-form-urlencoded", 403),
        (b"x=" + b"a" * 70_000, "application/x-www-form-urlencoded", 413),
        (b'{"Body": "hi"}', "application/json", 403),
    ],
    ids=["empty", "not-utf8", "huge", "json"],
)
def test_bad_bodies_are_4xx_never_5xx(
    client: TestClient, settings: Settings, content: bytes, content_type: str, expected: int
) -> None:
    """Bodies Twilio would never send are refused without a 5xx or a stored case."""
    response = client.post(
        "/webhooks/twilio",
        content=content,
        headers={"Content-Type": content_type, "X-Twilio-Signature": "abc"},
    )
    assert response.status_code == expected
    assert cases(settings) == []


def test_signed_but_incomplete_form_is_answered_with_no_reply(
    client: TestClient, settings: Settings
) -> None:
    """A correctly signed form without From or MessageSid files nothing and says nothing."""
    response = signed_post(client, settings, {"Body": POTHOLE})
    assert response.status_code == 200
    assert twiml_texts(response) == []
    assert cases(settings) == []


def with_media(content_type: str, whatsapp: bool, body: str = "") -> dict:
    """An inbound message with one file, as Twilio posts it (media URL, declared type)."""
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"
    fields = {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": content_type}
    return inbound(body, whatsapp=whatsapp, **fields)


@pytest.mark.parametrize(
    ("content_type", "whatsapp", "kind"),
    [
        ("image/jpeg", True, MediaKind.photo),
        ("audio/ogg", True, MediaKind.voice),
        ("audio/ogg; codecs=opus", True, MediaKind.voice),
        ("audio/amr", False, MediaKind.audio),
        ("audio/mpeg", False, MediaKind.audio),
        ("video/mp4", True, MediaKind.video),
        ("application/pdf", True, MediaKind.document),
        ("text/vcard", True, MediaKind.document),
    ],
)
def test_each_file_is_named_by_its_declared_type(
    content_type: str, whatsapp: bool, kind: MediaKind
) -> None:
    """Pictures are photos, WhatsApp's recordings voice notes and an MMS's audio a recording,
    films videos, anything else a document; the Body beside a file is its caption."""
    event = to_chat_event(
        FormData(with_media(content_type, whatsapp, "Banjir")), Settings(_env_file=None)
    )
    [item] = event.media
    assert (item.kind, event.text) == (kind, "Banjir")


def test_every_message_names_itself_by_its_sid() -> None:
    """message_ref is Twilio's MessageSid (a repeat delivery has the same one)."""
    fields = inbound(POTHOLE, whatsapp=True)
    event = to_chat_event(FormData(fields), Settings(_env_file=None))
    assert event.message_ref == event.external_id == fields["MessageSid"]


def test_a_pressed_quick_reply_is_its_number_not_its_title(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """WhatsApp sends a button's title as Body and its id as ButtonPayload: the number is what
    the resident chose, so the title (four words here) does not file a complaint."""
    fields = inbound(
        "Tambahan untuk aduan HBPS-SX30",
        whatsapp=True,
        ButtonText="Tambahan untuk aduan HBPS-SX30",
        ButtonPayload="2",
        MessageType="button",
        OriginalRepliedMessageSid=f"SM{'0' * 32}",
        OriginalRepliedMessageSender="whatsapp:+14155238886",
    )
    assert to_chat_event(FormData(fields), settings).text == "2"
    assert signed_post(client, settings, fields).status_code == 200
    assert cases(settings) == []


def test_a_whatsapp_voice_note_is_kept_on_the_recent_case(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A voice note (audio/ogg) is fetched with the account's credentials and stored; with no
    choices to show, every reply is in the TwiML answer and nothing goes by the REST API."""
    url = twilio.add_media(content=VOICE_OGG, content_type="audio/ogg")
    signed_post(client, settings, inbound(POTHOLE, whatsapp=True))
    fields = inbound(whatsapp=True, NumMedia="1", MediaUrl0=url, MediaContentType0="audio/ogg")
    response = signed_post(client, settings, fields)
    assert twiml_texts(response)
    with get_engine(settings.database_url).connect() as connection:
        stored = connection.execute(sa.text("SELECT content_type FROM attachments")).all()
    assert stored == [("audio/ogg",)]
    assert twilio.messages == []
