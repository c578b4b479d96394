"""The rating request on WhatsApp as a list the resident taps, through the official client
against the fake Twilio: sent inside the 24-hour window (its photo first), tapped as Twilio
posts it, and the plain text whenever the list cannot go."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bots.twilio import contents
from bots.twilio.client import twilio_client
from bots.twilio.rating_list import CONTENT_NAME, list_variables
from core.db import utcnow
from core.i18n import LANGUAGES
from core.settings import Settings
from tests.bots.twilio.test_status import report
from tests.channels import PHONE, inbound, signed_post, twiml_texts
from tests.conftest import SMS_FROM, WHATSAPP_FROM
from tests.fakes.twilio_api import LIST_PICKER_MAX, FakeTwilio, TwilioMessage
from tests.helpers import POTHOLE, create_staff, login, outbox, png_bytes, run_jobs, sql, words

RESIDENT = f"whatsapp:{PHONE}"
NOTE = "Lubang sudah ditambal aspal baru"
ITEMS_ID = [
    ("5", "Sangat puas", "Nilai 5 dari 5"),
    ("4", "Puas", "Nilai 4 dari 5"),
    ("3", "Biasa saja", "Nilai 3 dari 5"),
    ("2", "Kecewa", "Nilai 2 dari 5"),
    ("1", "Sangat kecewa", "Nilai 1 dari 5"),
    ("BELUM", "Belum beres", "Masalahnya masih ada: aduan dibuka kembali"),
]


@pytest.fixture(autouse=True)
def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process: no content sid remembered."""
    monkeypatch.setattr(contents, "_sids", {})


def _file_on_whatsapp(client: TestClient, settings: Settings, *first: str) -> str:
    """A pothole reported on WhatsApp (after the messages `first`), acknowledged, and the
    supervisor who will resolve it; the case's code."""
    create_staff(settings, "sup", "supervisor")
    for text in first:
        assert signed_post(client, settings, inbound(text, whatsapp=True)).status_code == 200
    assert signed_post(client, settings, inbound(POTHOLE, whatsapp=True)).status_code == 200
    run_jobs(settings)
    [(code,)] = sql(settings, "SELECT tracking_code FROM cases")
    return code


def _resolve(
    client: TestClient, settings: Settings, code: str, *, photo: bytes | None = None, note=NOTE
) -> None:
    """The supervisor resolves the case over HTTP (multipart, as the console's form posts it)."""
    files = {"photo": ("sesudah.png", photo, "image/png")} if photo is not None else None
    response = client.post(
        f"/api/v1/cases/{code}/resolution",
        data={"note": note},
        files=files,
        headers=login(client, "sup"),
    )
    assert response.status_code == 200, response.text
    run_jobs(settings)


def _tap_not_fixed(client: TestClient, settings: Settings) -> None:
    """The resident taps "Belum beres" in the list (a new message each time)."""
    tap = inbound("Belum beres", whatsapp=True, ListId="BELUM", ListTitle="Belum beres")
    assert signed_post(client, settings, tap).status_code == 200


def _rating_rows(settings: Settings) -> list:
    return [row for row in outbox(settings) if row.kind == "rating_request"]


def _lists(twilio: FakeTwilio) -> list[TwilioMessage]:
    return [m for m in twilio.messages if m.content and "items" in m.content]


def _window_closed(settings: Settings) -> None:
    sql(settings, "UPDATE contacts SET last_inbound_at = :t", t=utcnow() - timedelta(hours=25))


def test_inside_the_window_the_rating_question_goes_as_a_list(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """The rating request's text goes as the list's body from our WhatsApp sender, with the
    content's sid and its variables; the items answer 5 to 1 and BELUM, in Indonesian; the
    content is made once, and the row records the list's sid on the session path."""
    code = _file_on_whatsapp(client, settings)
    _resolve(client, settings, code)

    [row] = _rating_rows(settings)
    [sent] = _lists(twilio)
    [content] = twilio.contents
    assert content["friendly_name"] == CONTENT_NAME
    assert (sent.to, sent.from_, sent.body) == (RESIDENT, WHATSAPP_FROM, None)
    assert sent.content_sid == content["sid"]
    assert sent.content_variables == list_variables("id", row.body)
    assert sent.content["body"] == row.body
    assert code in row.body and NOTE in row.body and "balas angka 1" in row.body
    assert sent.content["button"] == "Pilih jawaban"
    assert sent.items == ITEMS_ID
    assert (row.status, row.path, row.provider_message_id) == ("sent", "whatsapp", sent.sid)
    assert not [m for m in twilio.messages_to(RESIDENT) if m.body and NOTE in m.body]


def test_the_photo_goes_first_then_the_list_and_nothing_twice(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """With an after-photo: a media message of its own (the list cannot carry one), then the
    list with the text; neither goes again."""
    code = _file_on_whatsapp(client, settings)
    before = len(twilio.messages)
    _resolve(client, settings, code, photo=png_bytes(8, 6))

    photo, question = twilio.messages[before:]
    [url] = photo.media_urls
    assert (photo.to, photo.body, photo.content_sid) == (RESIDENT, None, None)
    assert client.get(url.removeprefix(settings.public_base_url)).content == png_bytes(8, 6)
    assert question.items == ITEMS_ID and question.media_urls == ()
    [row] = _rating_rows(settings)
    assert (row.path, row.provider_message_id) == ("whatsapp", question.sid)


@pytest.mark.parametrize(
    ("tapped", "title"), [("4", "Puas"), ("5", "Sangat puas")], ids=["four", "five"]
)
def test_a_tapped_rating_rates_the_case(
    client: TestClient, settings: Settings, twilio: FakeTwilio, tapped: str, title: str
) -> None:
    """Twilio posts the tapped item's title as Body and its id as ListId (signed): the case is
    rated as if the resident had typed the number, and the thanks come back."""
    code = _file_on_whatsapp(client, settings)
    _resolve(client, settings, code)
    [question] = _lists(twilio)
    tap = inbound(
        title,
        whatsapp=True,
        ListId=tapped,
        ListTitle=title,
        MessageType="interactive",
        OriginalRepliedMessageSid=question.sid,
        OriginalRepliedMessageSender=WHATSAPP_FROM,
    )
    response = signed_post(client, settings, tap)
    assert response.status_code == 200
    [(rating, status)] = sql(settings, "SELECT rating, status FROM cases")
    assert (rating, status) == (int(tapped), "resolved")
    assert twiml_texts(response) == [
        f"Terima kasih! Penilaian Anda untuk aduan {code}: {tapped}/5."
    ]


def test_a_tapped_not_fixed_reopens_the_case(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """The "Belum beres" item (ListId BELUM) reopens the case as typing BELUM does, and the
    resident hears it is back with the agency."""
    code = _file_on_whatsapp(client, settings)
    _resolve(client, settings, code)
    tap = inbound("Belum beres", whatsapp=True, ListId="BELUM", ListTitle="Belum beres")
    assert signed_post(client, settings, tap).status_code == 200
    [(status, rating)] = sql(settings, "SELECT status, rating FROM cases")
    assert (status, rating) == ("in_progress", None)
    run_jobs(settings)
    assert twilio.messages_to(RESIDENT)[-1].body.startswith(f"Aduan {code} dibuka kembali")


def test_an_english_resident_gets_the_list_in_english(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """The one content serves both languages: the words are the catalogue's English."""
    code = _file_on_whatsapp(client, settings, "EN")
    _resolve(client, settings, code)
    [sent] = _lists(twilio)
    assert sent.content["button"] == "Choose an answer"
    assert sent.items[0] == ("5", "Very satisfied", "Rating 5 out of 5")
    assert sent.items[-1] == (
        "BELUM",
        "Not fixed",
        "The problem is still there: the complaint is reopened",
    )
    assert len(twilio.contents) == 1


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_list_s_words_fit_whatsapp_s_limits(language: str) -> None:
    """Button 20 characters, titles 24, descriptions 72, in every language we speak."""
    variables = list_variables(language, "Aduan X: selesai ditangani.")
    assert variables is not None
    assert len(variables["2"]) <= LIST_PICKER_MAX["button"]
    titles = [variables[str(n)] for n in range(3, 9)]  # {{3}} to {{8}}, then descriptions
    descriptions = [variables[str(n)] for n in range(9, 15)]
    assert all(0 < len(title) <= LIST_PICKER_MAX["item"] for title in titles)
    assert all(0 < len(text) <= LIST_PICKER_MAX["description"] for text in descriptions)
    assert len(set(titles)) == len(titles)


def test_the_content_is_found_again_after_a_restart(
    client: TestClient, settings: Settings, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process finds the list by its friendly name instead of making another."""
    code = _file_on_whatsapp(client, settings)
    _resolve(client, settings, code)
    monkeypatch.setattr(contents, "_sids", {})  # a new process
    _tap_not_fixed(client, settings)
    _resolve(client, settings, code, note="Ditambal ulang")
    [content] = twilio.contents
    assert [m.content_sid for m in _lists(twilio)] == [content["sid"]] * 2


def test_a_refused_list_sends_the_text_in_the_same_attempt(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """The content deleted in Twilio's console: Twilio refuses the list (21655), the same text
    goes as free text in the same attempt, the photo not again; the next rating request makes
    the content anew."""
    code = _file_on_whatsapp(client, settings)
    _resolve(client, settings, code)
    [content] = twilio.contents
    # an operator deletes it in Twilio's console
    assert twilio_client(settings).content.v1.contents(content["sid"]).delete() is True

    _tap_not_fixed(client, settings)
    run_jobs(settings)
    before = len(twilio.messages)
    _resolve(client, settings, code, photo=png_bytes(), note="Ditambal ulang")

    rows = _rating_rows(settings)
    assert (rows[-1].status, rows[-1].attempts, rows[-1].path) == ("sent", 1, "whatsapp")
    sent = twilio.messages[before:]
    photo, text = sent
    assert (photo.body, len(photo.media_urls)) == (None, 1)
    assert (text.body, text.content_sid, text.media_urls) == (rows[-1].body, None, ())
    assert rows[-1].provider_message_id == text.sid
    refused = [r for r in twilio.requests if r.status == 400]
    assert len(refused) == 1

    _tap_not_fixed(client, settings)
    _resolve(client, settings, code, note="Ditambal lagi")
    [renewed] = twilio.contents
    assert renewed["sid"] != content["sid"]
    assert _lists(twilio)[-1].content_sid == renewed["sid"]


def test_the_content_api_down_sends_the_text(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Twilio failing to list the contents (500): the text goes, nothing is made."""
    code = _file_on_whatsapp(client, settings)
    twilio.fail_next(1, status=500)
    _resolve(client, settings, code)
    [row] = _rating_rows(settings)
    assert (row.status, row.path, row.attempts) == ("sent", "whatsapp", 1)
    assert twilio.messages_to(RESIDENT)[-1].body == row.body
    assert twilio.contents == [] and _lists(twilio) == []


def test_a_text_too_long_for_a_list_goes_as_text(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A list's body holds 1,024 characters: a longer rating request goes as free text."""
    code = _file_on_whatsapp(client, settings)
    _resolve(client, settings, code, note=words(140))
    [row] = _rating_rows(settings)
    assert 1024 < len(row.body) <= 1600
    assert twilio.messages_to(RESIDENT)[-1].body == row.body
    assert twilio.contents == [] and _lists(twilio) == []


def test_a_split_rating_request_asks_with_its_last_part(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A note too long for one message: the first part goes as text, the last, which ends with
    the question, as the list."""
    code = _file_on_whatsapp(client, settings)
    _resolve(client, settings, code, note=words(240))
    first, last = _rating_rows(settings)
    text, question = twilio.messages[-2:]
    assert (text.body, text.content) == (first.body, None)
    assert question.content["body"] == last.body
    assert (first.provider_message_id, last.provider_message_id) == (text.sid, question.sid)


def test_outside_the_window_nothing_changes(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """After 24 hours (no template set) the rating request goes by SMS as before: no list, no
    content made."""
    code = _file_on_whatsapp(client, settings)
    _window_closed(settings)
    _resolve(client, settings, code)
    [row] = _rating_rows(settings)
    assert row.path == "sms_fallback"
    last = twilio.messages[-1]
    assert (last.to, last.from_, last.body) == (PHONE, SMS_FROM, row.body)
    assert twilio.contents == [] and _lists(twilio) == []


def test_a_late_outside_window_report_for_the_list_resends_it(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Twilio accepts the list, then reports 63016 (Meta's clock says the window had closed):
    the message goes again as messages outside the window do, here by SMS."""
    code = _file_on_whatsapp(client, settings)
    _resolve(client, settings, code)
    [question] = _lists(twilio)
    failed = report(client, twilio, question.sid, "undelivered", ErrorCode="63016")
    assert failed.status_code == 204
    run_jobs(settings)
    first, again = _rating_rows(settings)
    assert (first.status, again.status, again.path) == ("failed", "sent", "sms_fallback")
    assert twilio.messages[-1].to == PHONE and code in twilio.messages[-1].body
    assert again.variables == first.variables
