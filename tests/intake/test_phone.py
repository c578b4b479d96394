"""Phone numbers as residents type them: every Indonesian form becomes one E.164 number, numbers
with a country code keep it, and anything that is no real number is refused with a reason."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from intake.phone import normalise_phone
from tests.helpers import POTHOLE, file_complaint

MOBILE = "+6281234567890"
INDONESIAN_FORMS = [
    "081234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "(0812) 3456-7890",
    "0812.3456.7890",
    "6281234567890",
    "62812 3456 7890",
    "+6281234567890",
    "+62 812-3456-7890",
    "+62 (812) 3456 7890",
    "812-3456-7890",  # the leading 0 left out: still Indonesian, not Japan's +81
]
NOT_A_NUMBER = [
    "12ab",
    "0812",
    "081234567",  # a digit short of any Indonesian mobile number
    "+62 000 0000 0000",  # the length of a number, in no range Indonesia hands out
    "+1 000 555 0123",
    "0812 3456 ABCD",  # a keypad would turn the letters into digits
    "hubungi 081234567890",
    "0812-3456-7890 ext. 12",
    "+0812345678",
    "+",
]
REASON = "8 to 15 digits"


def contacts(settings: Settings) -> list[tuple[str, str]]:
    with get_engine(settings.database_url).connect() as connection:
        rows = connection.execute(sa.text("SELECT channel, address FROM contacts"))
        return [tuple(row) for row in rows]


def count(settings: Settings, table: str) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.mark.parametrize("typed", INDONESIAN_FORMS)
def test_every_indonesian_form_of_a_mobile_number_is_one_e164_number(typed: str) -> None:
    """Local 0812…, 62812… without a plus, +62 with separators and brackets: one number."""
    assert normalise_phone(typed) == MOBILE


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(024) 7601234", "+62247601234"),
        ("021-5150-5150", "+622151505150"),
        ("+1 202-555-0123", "+12025550123"),
        ("+44 20 7183 8750", "+442071838750"),
        ("+15005550006", "+15005550006"),  # Twilio's test number, which the fakes use
    ],
    ids=["semarang landline", "jakarta landline", "us", "uk", "twilio test number"],
)
def test_landlines_and_foreign_numbers_are_kept(typed: str, e164: str) -> None:
    """A landline gets Indonesia's code; a number with its own country code keeps it."""
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize("typed", NOT_A_NUMBER)
def test_what_is_no_real_number_is_refused_with_the_residents_wording(typed: str) -> None:
    """Garbage, too short, unallocated ranges, letters and words around a number: refused."""
    with pytest.raises(ValueError, match=REASON):
        normalise_phone(typed)


def test_the_api_stores_every_form_of_one_number_as_one_contact(
    client: TestClient, settings: Settings
) -> None:
    """Complaints from the same mobile number typed every Indonesian way share one contact,
    kept in E.164."""
    for typed in INDONESIAN_FORMS:
        file_complaint(client, phone=typed, notify_via="sms")
    assert count(settings, "cases") == len(INDONESIAN_FORMS)
    assert contacts(settings) == [("sms", MOBILE)]


def test_the_api_refuses_an_invalid_number_with_a_422_and_a_reason(
    client: TestClient, settings: Settings
) -> None:
    """Each invalid number is a 422 saying which field is wrong and why; nothing is stored."""
    for typed in NOT_A_NUMBER:
        body = {"text": POTHOLE, "phone": typed, "notify_via": "sms"}
        response = client.post("/api/v1/complaints", json=body)
        assert response.status_code == 422, typed
        [error] = response.json()["detail"]
        assert (error["loc"], error["type"]) == (["body", "phone"], "phone_invalid")
        assert REASON in error["msg"]
    assert count(settings, "cases") == 0
    assert count(settings, "contacts") == 0


def test_the_web_form_refuses_an_invalid_number_politely(
    client: TestClient, settings: Settings
) -> None:
    """The form comes back (422) with the reason in Indonesian and the complaint text kept."""
    data = {"text": POTHOLE, "phone": "081234567", "notify_via": "sms", "lang": "id"}
    response = client.post("/complaints", data=data)
    assert response.status_code == 422
    assert "Nomor HP: nomor HP harus 8 sampai 15 angka" in response.text
    assert POTHOLE in response.text
    assert count(settings, "cases") == 0
