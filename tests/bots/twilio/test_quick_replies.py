"""WhatsApp quick replies for a reply's choices, through the official client against the fake
Twilio (Messages and Content API)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from starlette.datastructures import FormData

from bots.twilio import contents
from bots.twilio.quick_replies import send_ahead
from bots.twilio.webhook import to_chat_event, twiml_answer
from core.settings import Settings
from intake.chat import ChatOutcome, ChatReply
from tests.channels import PHONE, inbound
from tests.fakes.twilio_api import FakeTwilio

RESIDENT = f"whatsapp:{PHONE}"
OURS = "whatsapp:+14155238886"
QUESTION = "Ini aduan baru? Balas 1 = aduan baru, 2 = tambahan untuk aduan HBPS-SX30"
ASK = ChatReply(QUESTION, choices=("Aduan baru", "Tambahan HBPS-SX30"))
THANKS = ChatReply("Foto ditambahkan ke aduan HBPS-SX30. Terima kasih.")


@pytest.fixture
def settings(twilio: FakeTwilio) -> Settings:
    return Settings(
        _env_file=None,
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=twilio.auth_token,
        twilio_api_url=twilio.url,
    )


def ahead(settings: Settings, *replies: ChatReply) -> list[ChatReply]:
    return send_ahead(settings, replies, to=RESIDENT, from_=OURS, about="SM-test")


def test_choices_go_as_buttons_that_answer_with_their_number(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """The question goes as a quick reply from our sender: its text, one button per choice,
    each button's id the choice's number (Twilio's ButtonPayload when pressed)."""
    assert ahead(settings, ASK) == []
    [sent] = twilio.messages
    assert (sent.to, sent.from_, sent.body) == (RESIDENT, OURS, None)
    assert sent.content == {
        "body": QUESTION,
        "actions": [{"id": "1", "title": "Aduan baru"}, {"id": "2", "title": "Tambahan HBPS-SX30"}],
    }


def test_replies_keep_their_order_around_the_buttons(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """Replies before the question go ahead of it by the REST API too; those after it are left
    for the TwiML answer, which Twilio sends after them."""
    after = ChatReply("Balas BANTUAN untuk petunjuk.")
    assert ahead(settings, THANKS, ASK, after) == [after]
    first, second = twilio.messages
    assert (first.body, first.content) == (THANKS.text, None)
    assert second.buttons == ["Aduan baru", "Tambahan HBPS-SX30"]


def test_no_choices_leave_everything_to_twiml(settings: Settings, twilio: FakeTwilio) -> None:
    """Nothing to press, nothing sent ahead: the TwiML answer holds every reply."""
    assert ahead(settings, THANKS) == [THANKS]
    assert twilio.requests == []


@pytest.mark.parametrize(
    "choices",
    [
        ("Satu", "Dua", "Tiga", "Empat"),
        ("Tambahan untuk HBPS-SX30", "Tambahan untuk HBPS-SX31"),
        ("Ya", "  "),
    ],
    ids=["four-buttons", "alike-once-cut", "blank"],
)
def test_choices_whatsapp_cannot_show_stay_numbered_text(
    settings: Settings, twilio: FakeTwilio, choices: tuple[str, ...]
) -> None:
    """More than three buttons, titles alike once cut to 20 characters, or a blank title: the
    numbered text alone."""
    reply = ChatReply(QUESTION, choices=choices)
    assert ahead(settings, reply) == [reply]
    assert twilio.messages == []


def test_a_long_choice_is_cut_to_twenty_characters(settings: Settings, twilio: FakeTwilio) -> None:
    """WhatsApp's button titles hold 20 characters; the text lists the choice in full."""
    ahead(settings, ChatReply(QUESTION, choices=("Aduan baru", "Tambahan untuk aduan HBPS-SX30")))
    [sent] = twilio.messages
    assert sent.buttons == ["Aduan baru", "Tambahan untuk adua…"]
    assert all(len(title) <= 20 for title in sent.buttons)


def test_one_content_per_button_count_made_once_and_found_after_a_restart(
    settings: Settings, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The content for two buttons is made on first need; a new process finds it by name
    instead of making another."""
    ahead(settings, ASK)
    ahead(settings, ASK)
    monkeypatch.setattr(contents, "_sids", {})  # a new process
    ahead(settings, ASK)
    [content] = twilio.contents
    assert content["friendly_name"] == "aduan_choices_2_v1"
    assert {m.content_sid for m in twilio.messages} == {content["sid"]}
    assert len(twilio.messages) == 3


def test_a_content_api_failure_leaves_the_numbered_text(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """Twilio failing to list or make the content sends nothing: the question goes, numbered,
    in the TwiML answer."""
    twilio.fail_next(1, status=500)
    assert ahead(settings, ASK) == [ASK]
    assert twilio.messages == []
    assert ahead(settings, ASK) == []  # Twilio back: the buttons too


def test_a_refused_message_leaves_it_and_the_rest_to_twiml(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """Twilio refusing a reply sent ahead: that reply and those after it go in the TwiML
    answer, so none is lost and none sent twice."""
    twilio.reject_number(RESIDENT, code=21610, status=400)
    assert ahead(settings, THANKS, ASK) == [THANKS, ASK]
    assert twilio.messages == []


def answered(settings: Settings, fields: dict, *replies: ChatReply) -> list[str]:
    """The texts of the TwiML answer to the message `fields` when the conversation replies
    `replies`."""
    form = FormData(fields)
    answer = twiml_answer(form, to_chat_event(form, settings), ChatOutcome(list(replies)), settings)
    return [m.text or "" for m in ET.fromstring(answer).iter("Message")]


def test_on_whatsapp_the_question_comes_from_the_number_the_resident_wrote_to(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """The webhook's answer: the question goes with buttons from our WhatsApp sender (the To of
    the inbound message) to the resident, the reply after it in the TwiML."""
    after = ChatReply("Balas BANTUAN untuk petunjuk.")
    fields = inbound("ada tambahan foto", whatsapp=True)
    assert answered(settings, fields, THANKS, ASK, after) == [after.text]
    assert [(m.from_, m.to) for m in twilio.messages] == [(fields["To"], RESIDENT)] * 2
    assert twilio.messages[1].buttons == ["Aduan baru", "Tambahan HBPS-SX30"]


def test_on_sms_choices_stay_numbered_text(settings: Settings, twilio: FakeTwilio) -> None:
    """SMS has no buttons: every reply is in the TwiML answer."""
    texts = answered(settings, inbound("ada tambahan foto"), THANKS, ASK)
    assert texts == [THANKS.text, QUESTION]
    assert twilio.requests == []
