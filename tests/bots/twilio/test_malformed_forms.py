"""Signed form posts Twilio would never send for an inbound message: each is answered 200 with
no reply, logged, and files, stores and sends nothing."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from core.db import get_engine
from core.settings import Settings
from tests.bots.twilio.helpers import whatsapp_sent
from tests.bots.twilio.test_status import report
from tests.channels import inbound, signed_post, twiml_texts
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, outbox

MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"
LOCATION = {"Latitude": "-6.99", "Longitude": "110.42"}
MALFORMED: dict[str, dict[str, str]] = {
    "Body with NUL": inbound(POTHOLE + "\x00"),
    "From with NUL": inbound(POTHOLE, From="+6281390001234\x00"),
    "From not a number": inbound(POTHOLE, From="abc"),
    "From of 5,000 digits": inbound(POTHOLE, From="+" + "1" * 5000),
    "From empty": inbound(POTHOLE, From=""),
    "MessageSid of 5,000 letters": inbound(POTHOLE, sid="S" * 5000),
    "MessageSid with a space": inbound(POTHOLE, sid="SM 1"),
    "NumMedia of 5,000 digits": inbound(POTHOLE, NumMedia="9" * 5000),
    "NumMedia negative": inbound(POTHOLE, NumMedia="-5"),
    "NumMedia a word": inbound(POTHOLE, NumMedia="nan"),
    "NumMedia 11": inbound(POTHOLE, NumMedia="11"),
    "NumMedia 1 without MediaUrl0": inbound(POTHOLE, NumMedia="1"),
    "MediaUrl0 a file path": inbound(
        "", NumMedia="1", MediaUrl0="file:///etc/passwd", MediaContentType0="image/jpeg"
    ),
    "MediaContentType0 of 5,000 letters": inbound(
        "", NumMedia="1", MediaUrl0=MEDIA_URL, MediaContentType0="image/" + "x" * 5000
    ),
    "Latitude a word": inbound("", whatsapp=True, Latitude="abc", Longitude="110.42"),
    "Latitude 1000": inbound("", whatsapp=True, Latitude="1000", Longitude="110.42"),
    "Latitude nan": inbound("", whatsapp=True, Latitude="nan", Longitude="nan"),
    "Latitude of 5,000 digits": inbound("", whatsapp=True, Latitude="1" * 5000, Longitude="1"),
    "Longitude missing": inbound("", whatsapp=True, Latitude="-6.99"),
    "Address with NUL": inbound("", whatsapp=True, **LOCATION, Address="Jl. Pemuda\x00"),
    "Label of 5,000 letters": inbound("", whatsapp=True, **LOCATION, Label="L" * 5000),
    "ButtonPayload with NUL": inbound("Aduan baru", whatsapp=True, ButtonPayload="\x00"),
    "ButtonPayload of 5,000 digits": inbound("Aduan baru", whatsapp=True, ButtonPayload="9" * 5000),
    "ButtonPayload a word": inbound("Aduan baru", whatsapp=True, ButtonPayload="yes"),
    "ListId a word": inbound("Puas", whatsapp=True, ListId="puas"),
    "ListId with NUL": inbound("Puas", whatsapp=True, ListId="4\x00"),
    "ListId of 5,000 digits": inbound("Puas", whatsapp=True, ListId="4" * 5000),
    "ProfileName with NUL": inbound(POTHOLE, whatsapp=True, ProfileName="Bu\x00di"),
    "ProfileName of 5,000 letters": inbound(POTHOLE, whatsapp=True, ProfileName="B" * 5000),
}


def stored(settings: Settings) -> dict[str, int]:
    with get_engine(settings.database_url).connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("cases", "contacts", "inbound_receipts", "pending_locations")
        }


NOTHING = {"cases": 0, "contacts": 0, "inbound_receipts": 0, "pending_locations": 0}


def test_malformed_forms_are_logged_and_file_nothing(
    client: TestClient,
    settings: Settings,
    twilio: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each malformed form: 200 with an empty TwiML answer, a warning, nothing stored, nothing
    sent or fetched; a well-formed message afterwards files its complaint."""
    caplog.set_level(logging.WARNING, logger="bots.twilio.webhook")
    for number, (name, fields) in enumerate(MALFORMED.items(), start=1):
        response = signed_post(client, settings, fields)
        assert response.status_code == 200, name
        assert twiml_texts(response) == [], name
        warnings = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
        assert len(warnings) == number, name
        assert stored(settings) == NOTHING, name
    assert twilio.messages == []
    assert twilio.requests == []
    assert signed_post(client, settings, inbound(POTHOLE)).status_code == 200
    assert stored(settings)["cases"] == 1


def test_bytes_of_a_lone_surrogate_arrive_as_replacement_characters(
    client: TestClient, settings: Settings
) -> None:
    """A form cannot carry a lone surrogate: its UTF-8-like bytes (%ED%A0%80) are no UTF-8 and
    are read as U+FFFD, which is stored like any other character; nothing fails."""
    fields = inbound("jalan rusak XX parah sekali di depan pasar Johar Semarang")
    body = urlencode(fields).replace("XX", "%ED%A0%80")
    read = dict(fields, Body=fields["Body"].replace("XX", "\ufffd" * 3))
    url = settings.public_base_url + "/webhooks/twilio"
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(url, read)
    response = client.post(
        "/webhooks/twilio",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    assert response.status_code == 200
    with get_engine(settings.database_url).connect() as connection:
        [text] = connection.execute(sa.text("SELECT text FROM cases")).scalars()
    assert text == read["Body"]


def test_malformed_delivery_reports_change_nothing(
    client: TestClient, settings: Settings, twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    """Delivery reports with NUL in the SID or error code, or no SID at all: 204, logged, and
    the message's row is as it was."""
    _, row = whatsapp_sent(client, settings)
    caplog.set_level(logging.WARNING, logger="bots.twilio.status")
    sid = row.provider_message_id
    for name, (message_sid, extra) in {
        "SID with NUL": (sid + "\x00", {}),
        "no SID": ("", {}),
        "error code with NUL": (sid, {"ErrorCode": "30003\x00"}),
    }.items():
        assert report(client, twilio, message_sid, "failed", **extra).status_code == 204, name
    warnings = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(warnings) == 3
    [after] = outbox(settings)
    assert (after.status, after.provider_status, after.last_error) == (
        row.status,
        row.provider_status,
        row.last_error,
    )
