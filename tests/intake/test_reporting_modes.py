"""Anonim and Rahasia as residents ask for them on every channel: the words in front of a
complaint, the word alone for the next one, Telegram's welcome buttons, the web form's boxes and
the API's fields; each filed complaint stores the mode and its acknowledgement names it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from cases.modes import ORDINARY, ReportingMode
from core.db import get_engine, utcnow
from core.settings import Settings
from intake.modes import split_mode
from tests.bots import telegram_payloads as tg
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.residents import (  # noqa: F401 - on_every_channel is the `resident` fixture
    RUBBISH,
    STREET_LIGHT,
    WATER,
    Resident,
    on_every_channel,
)
from tests.website.test_web_form import form_token

ANONYMOUS = ReportingMode(anonymous=True)
CONFIDENTIAL = ReportingMode(confidential=True)
BOTH = ReportingMode(anonymous=True, confidential=True)
# the acknowledgement's sentence for each mode, in Bahasa Indonesia
ACK_ANONYMOUS = "Mode Anonim: petugas tidak melihat nama dan kontak Anda."
ACK_CONFIDENTIAL = "Mode Rahasia: isi aduan tidak ditampilkan untuk umum."
ACK_BOTH = "Mode Anonim dan Rahasia"
# how a resident writes the word on each channel: a hashtag or command on Telegram, the plain
# word (with a colon, or a dash) in a text message
IN_FRONT = {"telegram": "#anonim", "whatsapp": "Anonim -", "sms": "ANONIM:"}
ALONE = {"telegram": "/anonim", "whatsapp": "Anonim", "sms": "ANONIM"}


@pytest.mark.parametrize(
    ("text", "mode", "rest"),
    [
        ("#anonim jalan rusak di depan SD 2", ANONYMOUS, "jalan rusak di depan SD 2"),
        ("ANONIM: jalan rusak", ANONYMOUS, "jalan rusak"),
        ("anonim - jalan rusak", ANONYMOUS, "jalan rusak"),
        ("Rahasia. Ada pungli di kelurahan", CONFIDENTIAL, "Ada pungli di kelurahan"),
        ("#rahasia pungli", CONFIDENTIAL, "pungli"),
        ("#anonim #rahasia pungli di pasar", BOTH, "pungli di pasar"),
        ("ANONIM RAHASIA pungli", BOTH, "pungli"),
        ("anonim dan rahasia: pungli", BOTH, "pungli"),
        ("Rahasia+Anonim pungli", BOTH, "pungli"),
        ("/anonim", ANONYMOUS, ""),
        ("/rahasia@AduanKotaBot", CONFIDENTIAL, ""),
        ("  RAHASIA  ", CONFIDENTIAL, ""),
        ("Anonymous: street light out", ANONYMOUS, "street light out"),
        ("confidential", CONFIDENTIAL, ""),
    ],
)
def test_the_words_in_front_ask_for_a_mode(text: str, mode: ReportingMode, rest: str) -> None:
    """Either word, both, in any case, with #, / or punctuation, comes off the front."""
    assert split_mode(text) == (mode, rest)


@pytest.mark.parametrize(
    "text",
    [
        "rahasiakan nama saya, jalan rusak di depan SD 2",
        "Anonimitas pelapor dijamin?",
        "jalan rusak, saya mau anonim",
        "apakah laporan saya rahasia?",
        "anonim@example.com lapor",
        "",
    ],
)
def test_other_words_ask_for_nothing(text: str) -> None:
    """A longer word, the word later in the message, or a question about it is no request."""
    assert split_mode(text) == (ORDINARY, text)


def filed(settings: Settings) -> list[tuple[str, bool, bool]]:
    """Every case's text and mode, oldest first."""
    with get_engine(settings.database_url).connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.text("SELECT text, anonymous, confidential FROM cases ORDER BY id")
            )
        ]


def test_a_complaint_with_the_word_in_front_is_filed_in_that_mode(resident: Resident) -> None:
    """The word is not part of the complaint, and the acknowledgement names the mode."""
    assert resident.says(f"{IN_FRONT[resident.channel]} {RUBBISH}") == []
    assert filed(resident.settings) == [(RUBBISH, True, False)]
    [ack] = resident.news()
    assert ACK_ANONYMOUS in ack
    assert resident.says(f"Rahasia: {STREET_LIGHT}") == []
    assert filed(resident.settings)[1] == (STREET_LIGHT, False, True)
    [ack] = resident.news()
    assert ACK_CONFIDENTIAL in ack and "Anonim" not in ack


def test_the_word_alone_is_for_the_next_complaint_only(resident: Resident) -> None:
    """ANONIM then RAHASIA: the next complaint is both, the one after it neither."""
    answer = resident.answer(ALONE[resident.channel])
    assert answer.startswith("Baik, aduan Anda berikutnya Anonim: petugas tidak melihat nama")
    assert resident.answer("rahasia").startswith("Baik, aduan Anda berikutnya Anonim dan Rahasia")
    assert resident.says(WATER) == []
    assert ACK_BOTH in resident.news()[0]
    assert resident.says(STREET_LIGHT) == []
    assert filed(resident.settings) == [(WATER, True, True), (STREET_LIGHT, False, False)]
    assert "Mode" not in resident.news()[0]


def test_a_mode_asked_for_long_ago_is_forgotten(resident: Resident) -> None:
    """A day after ANONIM without a complaint, the next one is ordinary."""
    resident.answer(ALONE[resident.channel])
    with get_engine(resident.settings.database_url).begin() as connection:
        connection.execute(
            sa.text("UPDATE pending_modes SET asked_at = :t"), {"t": utcnow() - timedelta(days=2)}
        )
    assert resident.says(RUBBISH) == []
    assert filed(resident.settings) == [(RUBBISH, False, False)]


def test_complaints_split_apart_keep_the_mode(resident: Resident) -> None:
    """Two problems in one anonymous message, filed apart: both cases are anonymous."""
    resident.answer(f"{IN_FRONT[resident.channel]} air PDAM mati dan jalan juga banjir")
    assert resident.presses("2") == []
    modes = [(anonymous, confidential) for _, anonymous, confidential in filed(resident.settings)]
    assert modes == [(True, False), (True, False)]


def test_telegram_welcome_offers_the_modes_as_buttons(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
) -> None:
    """/start asks with three buttons; pressing "Anonim dan Rahasia" files the next in both."""
    resident = Resident(client, settings, telegram, twilio, "telegram")
    welcome, question = resident._post(tg.text("/start"))
    assert "/anonim" in welcome and "/rahasia" in welcome and "#anonim" in welcome
    assert "1 = Anonim" in question and "3 = Anonim dan Rahasia" in question
    [answer] = resident.presses("3")
    assert answer.startswith("Baik, aduan Anda berikutnya Anonim dan Rahasia")
    assert resident.says(RUBBISH) == []
    assert filed(settings) == [(RUBBISH, True, True)]


def test_writing_on_after_the_welcome_files_an_ordinary_complaint(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
) -> None:
    """The buttons are an offer: a complaint written instead is filed as usual."""
    resident = Resident(client, settings, telegram, twilio, "telegram")
    resident._post(tg.text("/start"))
    assert resident.says(RUBBISH) == []
    assert filed(settings) == [(RUBBISH, False, False)]


def test_an_edit_keeps_the_words_off_and_the_mode_on(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
) -> None:
    """Telegram: correcting "#anonim ..." stores the new words without "#anonim"."""
    resident = Resident(client, settings, telegram, twilio, "telegram")
    original = tg.text(f"#anonim {STREET_LIGHT}")
    assert resident._post(original) == []
    corrected = STREET_LIGHT.replace("Melati 3", "Melati 5")
    [answer] = resident._post(tg.edit_of(original, text=f"#anonim {corrected}"))
    assert "sudah kami perbarui" in answer
    assert filed(settings) == [(corrected, True, False)]


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_bantuan_explains_the_modes(
    channel: str,
    client: TestClient,
    settings: Settings,
    telegram: FakeTelegram,
    twilio: FakeTwilio,
) -> None:
    """BANTUAN answers with the full help and then how to report Anonim or Rahasia."""
    resident = Resident(client, settings, telegram, twilio, channel)
    full, modes = resident._post(None, Body="BANTUAN")
    assert full.startswith("Aduan Warga via SMS")
    assert "ANONIM" in modes and "RAHASIA" in modes
    resident.answer("EN")
    _, modes = resident._post(None, Body="HELP")
    assert modes.startswith("Without your name: start your message with ANONIM")


def test_the_privacy_question_points_to_anonim(resident: Resident) -> None:
    """ "Apakah nama saya dirahasiakan?" is answered with how to report without a name."""
    answer = resident.answer("apakah nama saya dirahasiakan?")
    assert "ANONIM" in answer
    assert filed(resident.settings) == []


# --- the web form and the API ---------------------------------------------------------------


def test_the_api_files_in_the_modes_asked_and_says_so(client: TestClient, settings) -> None:
    """`anonymous` and `confidential` are stored; the answer names them in the language."""
    body = {"text": RUBBISH, "anonymous": True, "confidential": True}
    created = client.post("/api/v1/complaints", json=body).json()
    assert (created["anonymous"], created["confidential"]) == (True, True)
    assert created["mode"].startswith(ACK_BOTH)
    english = client.post("/api/v1/complaints", json={**body, "language": "en"}).json()
    assert english["mode"].startswith("Anonymous and Confidential: officers do not see")
    ordinary = client.post("/api/v1/complaints", json={"text": WATER}).json()
    assert (ordinary["anonymous"], ordinary["confidential"], ordinary["mode"]) == (
        False,
        False,
        None,
    )
    assert filed(settings) == [(RUBBISH, True, True), (RUBBISH, True, True), (WATER, False, False)]
    public = client.get(f"/api/v1/complaints/{created['tracking_code']}").json()
    assert (public["anonymous"], public["confidential"]) == (True, True)


def test_the_api_refuses_a_mode_that_is_not_true_or_false(client: TestClient) -> None:
    """A value that is no boolean is a 422 naming the field, and nothing is filed."""
    response = client.post("/api/v1/complaints", json={"text": RUBBISH, "anonymous": "perhaps"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "anonymous"]


def test_the_form_explains_both_modes_in_both_languages(client: TestClient) -> None:
    """Two boxes, each with one line saying what it does; in English on the English form."""
    page = client.get("/").text
    assert 'name="anonymous"' in page and 'name="confidential"' in page
    assert "Petugas tidak melihat nama, nomor HP, dan e-mail Anda." in page
    assert "Isi aduan, foto, dan lokasinya tidak pernah ditampilkan untuk umum." in page
    english = client.get("/", params={"lang": "en"}).text
    assert "Officers do not see your name, mobile number or e-mail." in english
    assert "never shown to the public" in english and " Confidential</label>" in english


def test_the_form_files_in_the_modes_ticked_and_the_page_says_so(
    client: TestClient, settings: Settings
) -> None:
    """Ticked boxes file the complaint in those modes; the status page names them."""
    token = form_token(client.get("/").text)
    data = {"text": RUBBISH, "notify_via": "none", "lang": "id", "form_token": token}
    response = client.post("/complaints", data={**data, "anonymous": "1"}, follow_redirects=True)
    assert response.status_code == 200
    assert ACK_ANONYMOUS in response.text
    assert "Cara melapor</dt><dd>Anonim</dd>" in response.text
    assert filed(settings) == [(RUBBISH, True, False)]
    token = form_token(client.get("/", params={"lang": "en"}).text)
    data = {**data, "lang": "en", "form_token": token, "confidential": "1"}
    response = client.post("/complaints", data=data, follow_redirects=True)
    assert "Confidential: your complaint is never shown to the public." in response.text
    assert "Reporting mode</dt><dd>Confidential</dd>" in response.text
    assert "None" not in response.text and "Rahasia" not in response.text
    assert filed(settings)[1] == (RUBBISH, False, True)


def test_a_form_sent_back_with_errors_keeps_the_boxes_ticked(client: TestClient) -> None:
    """A refused form shows the modes as the resident ticked them."""
    data = {"text": RUBBISH, "notify_via": "sms", "lang": "id", "confidential": "1"}
    page = client.post("/complaints", data=data)
    assert page.status_code == 422
    boxes = dict(re.findall(r'<input type="checkbox" id="(\w+)"([^>]*)>', page.text))
    assert "checked" in boxes["confidential"] and "checked" not in boxes["anonymous"]
