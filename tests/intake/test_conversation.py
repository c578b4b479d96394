"""The conversations residents actually have, replayed on Telegram, WhatsApp and SMS.

Each test talks to the real webhooks with payloads shaped as the platforms send them, moves the
case as staff do through the staff API, and reads what the resident got back: the immediate
answer (Telegram's sendMessage, Twilio's TwiML) and the news the outbox delivers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from core.db import utcnow
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import telegram_post
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import create_staff, login
from tests.residents import (  # noqa: F401 - on_every_channel is the `resident` fixture
    RUBBISH,
    STREET_LIGHT,
    WATER,
    Resident,
    age,
    cases,
    files,
    history,
    move,
    on_every_channel,
    rows,
)


@pytest.fixture
def staff(client: TestClient, settings: Settings) -> dict[str, str]:
    create_staff(settings, "sup", "supervisor")
    return login(client, "sup")


def test_an_answer_to_the_officers_question_goes_to_the_waiting_case(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    """ "Mohon info RT/RW" -> the answer is attached, the agency sees it, the clock runs again."""
    code = files(resident, RUBBISH)
    move(client, staff, code, "waiting", "Mohon info RT/RW")
    assert "Mohon info RT/RW" in resident.news()[0]
    # the case has waited a week for the answer: its target moves on by the time it waited
    rows(
        resident.settings,
        "UPDATE cases SET paused_at = :t WHERE tracking_code = :c",
        t=utcnow() - timedelta(days=7),
        c=code,
    )
    [(due_before,)] = rows(resident.settings, "SELECT due_at FROM cases")
    answer = resident.answer("RT 02 RW 05 pak, TPS nya yg di samping masjid Al Ikhlas")
    assert code in answer and "teruskan ke petugas" in answer
    [case] = cases(resident.settings)
    assert case.status == "in_progress"  # no longer waiting: the SLA clock runs
    [(due_after,)] = rows(resident.settings, "SELECT due_at FROM cases")
    assert due_after > due_before
    last = history(client, staff, code)[-1]
    assert (last["from_status"], last["to_status"], last["actor"]) == (
        "waiting",
        "in_progress",
        "citizen",
    )
    assert "masjid Al Ikhlas" in last["internal_note"]
    assert resident.news() == []  # answered at once, nothing more to send


def test_when_will_it_be_fixed_is_answered_and_counted_as_a_nudge(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    code = files(resident, STREET_LIGHT)
    answer = resident.answer("kapan dibenerin pak?")
    assert code in answer and "sudah kami sampaikan ke petugas" in answer
    [case] = cases(resident.settings)
    assert case.nudges == 1
    assert history(client, staff, code)[-1]["kind"] == "nudged"
    resident.answer("sudah seminggu belum ada petugas datang")
    assert [c.nudges for c in cases(resident.settings)] == [2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("selamat pagi admin", "Ceritakan masalahnya"),
        ("Assalamualaikum", "Waalaikumsalam"),
        ("P", "Ceritakan masalahnya"),
        ("Matur nuwun pak", "Sama-sama"),
        ("makasih", "Sama-sama"),
        ("mau tanya min, ini bisa buat lapor jalan rusak ga?", "Bisa."),
        ("apakah nama saya dirahasiakan?", "tidak pernah ditampilkan untuk umum"),
        ("lapor di sini bayar gak?", "Gratis"),
    ],
)
def test_greetings_thanks_and_questions_file_nothing(
    resident: Resident, text: str, expected: str
) -> None:
    assert expected in resident.answer(text)
    assert cases(resident.settings) == []


def test_ok_needs_no_answer(resident: Resident) -> None:
    assert resident.says("ok") == []
    assert resident.says("oke siap pak") == []
    assert cases(resident.settings) == []


def test_thanks_after_filing_does_not_list_a_new_complaint(resident: Resident) -> None:
    code = files(resident, STREET_LIGHT)
    resident.answer("Matur nuwun pak")
    listing = resident.answer("CEK")
    assert listing.count(code) == 1 and len(cases(resident.settings)) == 1


def test_not_fixed_in_any_words_reopens_the_resolved_case(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    code = files(resident, STREET_LIGHT)
    move(client, staff, code, "resolved", "Lampu sudah diganti")
    resident.news()
    assert resident.says("blm pak, masih mati lampunya") == []
    [case] = cases(resident.settings)
    assert case.status == "in_progress"
    [news] = resident.news()
    assert news.startswith(f"Aduan {code} dibuka kembali")


def test_a_late_location_and_photo_join_the_open_case(resident: Resident) -> None:
    """45 minutes after filing, the location and photo still belong to the complaint."""
    code = files(resident, STREET_LIGHT)
    age(resident.settings, code, 45)
    assert resident.shares_location(-6.9839, 110.4094) == (
        f"Lokasi ditambahkan ke aduan {code}. Terima kasih."
    )
    photo = resident.sends_photo("tiangnya yang dekat pos ronda")
    assert photo == f"Foto dan keterangannya ditambahkan ke aduan {code}. Terima kasih."
    [case] = cases(resident.settings)
    assert case.latitude == -6.9839


def test_with_two_open_cases_the_bot_asks_which_one_a_location_is_for(
    resident: Resident,
) -> None:
    first = files(resident, STREET_LIGHT)
    second = files(resident, WATER)
    question = resident.shares_location(-6.99, 110.42)
    assert "1 = " + second in question and "2 = " + first in question  # newest first
    assert resident.answer("2") == f"Lokasi ditambahkan ke aduan {first}. Terima kasih."
    assert [c.latitude for c in cases(resident.settings)] == [-6.99, None]


def test_two_problems_wait_in_triage_and_become_two_cases_when_the_resident_agrees(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    """Filed for triage with both problems as suggestions; "2" sends the case to the first
    problem's agency (the resident is told) and files the second on its own."""
    offer = resident.answer("air PDAM mati dan jalan juga banjir")
    assert "2 masalah" in offer and "Balas 2" in offer
    [first] = cases(resident.settings)
    assert (first.agency, first.status) == (None, "triage")
    suggested = client.get(f"/api/v1/cases/{first.tracking_code}", headers=staff).json()[
        "routing_suggestion"
    ]
    assert {p["agency"] for p in suggested["problems"]} == {"PDAM", "BPBD"}
    assert resident.says("2") == []
    assert [(c.agency, c.status) for c in cases(resident.settings)] == [
        ("PDAM", "assigned"),
        ("BPBD", "assigned"),
    ]
    codes = [c.tracking_code for c in cases(resident.settings)]
    news = resident.news()
    assert all(any(code in message for message in news) for code in codes)
    assert any(f"Aduan {codes[0]} dialihkan ke" in message for message in news)


def test_one_problem_stays_one_case_in_triage_when_the_resident_says_so(
    resident: Resident,
) -> None:
    resident.answer("air PDAM mati dan jalan juga banjir")
    assert resident.answer("1") == (
        "Baik, tetap satu aduan. Petugas kami akan meneruskannya ke dinas yang tepat."
    )
    [case] = cases(resident.settings)
    assert (case.agency, case.status) == (None, "triage")


def test_a_question_for_nobody_is_answered_and_filed_only_on_1(resident: Resident) -> None:
    """Routing places no agency and the words ask: the resident hears where the city answers
    questions, and may still send them as a complaint."""
    question = "dimana tempat servis sepeda motor yang bagus di semarang?"
    answer = resident.answer(question)
    assert answer.startswith("Ini tampaknya pertanyaan.") and "balas 1" in answer
    assert cases(resident.settings) == []
    assert resident.says("1") == []
    [case] = cases(resident.settings)
    assert (case.text, case.status) == (question, "triage")


def test_words_that_read_like_chatter_are_asked_about_not_filed(resident: Resident) -> None:
    code = files(resident, STREET_LIGHT)
    question = resident.answer("ini fotonya pak")
    assert f"2 = tambahan untuk aduan {code}" in question
    assert resident.answer("2") == f"Tambahan Anda sudah kami catat pada aduan {code}."
    assert len(cases(resident.settings)) == 1


def test_a_new_problem_while_a_case_waits_is_asked_about_and_filed_on_1(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    code = files(resident, RUBBISH)
    move(client, staff, code, "waiting", "Mohon info RT/RW")
    question = resident.answer(WATER)
    assert "Ini aduan baru?" in question and code in question
    assert resident.says("1") == []
    assert [c.agency for c in cases(resident.settings)] == ["DLH", "PDAM"]
    assert cases(resident.settings)[0].status == "waiting"


def test_an_english_complaint_is_answered_in_english(resident: Resident) -> None:
    resident.says("The street light on Jalan Pemuda has been out for a week, very dark at night")
    [case] = cases(resident.settings)
    [ack] = resident.news()
    assert ack.startswith(f"Complaint {case.tracking_code} received")
    assert "Sama-sama" not in resident.answer("thank you")


def test_a_voice_note_is_named_as_one_and_joins_the_open_case(resident: Resident) -> None:
    code = files(resident, STREET_LIGHT)
    kind = "Rekaman suara" if resident.channel == "sms" else "Pesan suara"  # MMS audio: a file
    assert resident.sends_voice_note() == f"{kind} ditambahkan ke aduan {code}. Terima kasih."


def test_the_split_question_is_answered_with_a_button_where_there_are_buttons(
    resident: Resident,
) -> None:
    resident.answer("air PDAM mati dan jalan juga banjir")
    assert resident.presses("2") == []
    assert [c.agency for c in cases(resident.settings)] == ["PDAM", "BPBD"]


@pytest.fixture
def telegram_resident(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
) -> Resident:
    return Resident(client, settings, telegram, twilio, "telegram")


def test_an_edit_within_minutes_corrects_the_complaint_and_keeps_the_old_text(
    telegram_resident: Resident, client: TestClient, staff: dict
) -> None:
    """Telegram only: SMS cannot be edited and Twilio delivers no WhatsApp edits."""
    original = tg.text(STREET_LIGHT)
    assert telegram_post(client, original).status_code == 200
    [case] = cases(telegram_resident.settings)
    corrected = STREET_LIGHT.replace("Melati 3", "Melati 5")
    [answer] = telegram_resident._post(tg.edit_of(original, text=corrected))
    assert answer == f"Teks aduan {case.tracking_code} sudah kami perbarui."
    [case] = cases(telegram_resident.settings)
    assert case.text == corrected
    last = history(client, staff, case.tracking_code)[-1]
    assert (last["kind"], last["internal_note"]) == ("text_edited", STREET_LIGHT)


def test_a_late_edit_is_kept_as_an_addition_and_an_edit_of_small_talk_files_nothing(
    telegram_resident: Resident, client: TestClient
) -> None:
    original = tg.text(STREET_LIGHT)
    telegram_post(client, original)
    [case] = cases(telegram_resident.settings)
    age(telegram_resident.settings, case.tracking_code, 20)
    [answer] = telegram_resident._post(tg.edit_of(original, text=STREET_LIGHT + " sekali"))
    assert "kami catat sebagai tambahan" in answer
    assert cases(telegram_resident.settings)[0].text == STREET_LIGHT
    thanks = tg.text("makasih")
    telegram_post(client, thanks)
    assert telegram_resident._post(tg.edit_of(thanks, text=WATER)) == []
    assert len(cases(telegram_resident.settings)) == 1


def test_a_full_complaint_that_also_asks_when_is_asked_about(resident: Resident) -> None:
    """ "... sudah dua minggu belum diperbaiki" from a resident with an open case of the same
    agency may be that case again or a new one: the bot asks, and 2 asks after the case."""
    code = files(resident, "Jalan berlubang besar di Jl. Majapahit dekat pasar Pedurungan")
    question = resident.answer(
        "Jalan berlubang besar di depan SD Negeri 2 Jl. Pemuda, sudah dua minggu belum diperbaiki"
    )
    assert "Ini aduan baru?" in question and code in question
    assert "sudah kami sampaikan ke petugas" in resident.answer("2")
    assert [c.nudges for c in cases(resident.settings)] == [1]
