"""The Telegram bot through its webhook, with updates as Telegram posts them."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from telegram import Bot

from bots.telegram.adapter import send_replies
from core.db import get_engine, utcnow
from core.settings import Settings
from intake.chat import ChatOutcome, ChatReply
from tests.bots import telegram_payloads as tg
from tests.channels import TELEGRAM_HEADERS as HEADERS
from tests.channels import telegram_post as post
from tests.fakes.media_samples import DOCUMENT_PDF, VOICE_OGG
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE, create_staff, login, png_bytes, run_jobs

QUESTION = "Ini aduan baru? Balas 1 = aduan baru, 2 = tambahan untuk aduan HBPS-SX30"


def question_sent(telegram: FakeTelegram) -> int:
    """The bot asks a question with two choices as buttons, as the adapter renders it; the
    message's id."""

    async def send() -> None:
        async with Bot(telegram.token, base_url=telegram.api_url) as bot:
            reply = ChatReply(QUESTION, choices=("Aduan baru", "Tambahan HBPS-SX30"))
            await send_replies(bot, tg.CHAT_ID, ChatOutcome([reply]), update_id=1)

    asyncio.run(send())
    return telegram.messages[-1].message_id


def rows(settings: Settings, sql: str, **params) -> list:
    with get_engine(settings.database_url).connect() as connection:
        return list(connection.execute(sa.text(sql), params))


def cases(settings: Settings) -> list:
    return rows(
        settings, "SELECT tracking_code, source_channel, latitude, longitude, status FROM cases"
    )


def replies(telegram: FakeTelegram) -> list[str]:
    return [m.text for m in telegram.messages]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({}, 401), ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, 403)],
)
def test_webhook_refuses_without_the_secret(
    client: TestClient, settings: Settings, headers: dict, expected: int
) -> None:
    """Without the right secret token nothing is filed or answered."""
    response = post(client, tg.text(POTHOLE), headers=headers)
    assert response.status_code == expected
    assert cases(settings) == []


def test_start_welcomes_and_offers_location(client: TestClient, telegram: FakeTelegram) -> None:
    """/start answers in Bahasa Indonesia with a share-location keyboard button, then asks
    whether to report Anonim or Rahasia with a button for each."""
    assert post(client, tg.text("/start")).status_code == 200
    [reply, modes] = telegram.messages
    assert reply.chat_id == modes.chat_id == tg.CHAT_ID
    assert "Ceritakan masalahnya" in reply.text and "/anonim" in reply.text
    [[button]] = reply.reply_markup["keyboard"]
    assert button["request_location"] is True
    buttons = [row[0] for row in modes.reply_markup["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["Anonim", "Rahasia", "Anonim dan Rahasia"]
    assert [b["callback_data"] for b in buttons] == ["1", "2", "3"]


def test_complaint_is_filed_and_acknowledged_with_code_and_agency(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A message of three words or more files a case; the reply names code and agency."""
    assert post(client, tg.text(POTHOLE)).status_code == 200
    [(code, channel, *_)] = cases(settings)
    assert channel == "telegram"
    run_jobs(settings)
    [ack] = telegram.wait_for(lambda: telegram.messages)
    assert code in ack.text and "Dinas Pekerjaan Umum" in ack.text
    assert "Kirim juga lokasi dan foto" in ack.text
    assert ack.chat_id == tg.CHAT_ID


def test_a_retried_update_files_nothing_and_sends_nothing_twice(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """Telegram re-posting the same update_id changes nothing."""
    update = tg.text(POTHOLE)
    assert post(client, update).status_code == 200
    assert post(client, update).status_code == 200
    run_jobs(settings)
    assert len(cases(settings)) == 1
    assert len(telegram.messages) == 1


def test_short_text_gets_help_not_a_case(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """Two words are not a complaint: the bot says how to report, in one message."""
    assert post(client, tg.text("jalan rusak")).status_code == 200
    assert cases(settings) == []
    [answer] = replies(telegram)
    assert "terlalu pendek" in answer
    assert "apa yang terjadi dan di mana" in answer


def test_too_long_text_is_refused_in_the_residents_words(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """Telegram carries up to 4096 characters, intake takes 4000: the rest is told politely, in
    Indonesian, not with the API's English reason."""
    assert post(client, tg.text("jalan berlubang " * 256)).status_code == 200
    assert cases(settings) == []
    assert replies(telegram) == [
        "Pesan terlalu panjang untuk dijadikan aduan: paling banyak 4000 karakter."
    ]


def test_location_after_complaint_is_attached(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A location within 30 minutes of a complaint lands on that case."""
    post(client, tg.text(POTHOLE))
    post(client, tg.location(-6.9932, 110.4203))
    [(code, _, lat, lon, _)] = cases(settings)
    assert (lat, lon) == (-6.9932, 110.4203)
    assert replies(telegram) == [f"Lokasi ditambahkan ke aduan {code}. Terima kasih."]


def test_location_first_is_kept_for_the_next_complaint(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """With no recent case, a location waits and goes with the next complaint."""
    post(client, tg.location(-7.0051, 110.4381))
    assert cases(settings) == []
    assert "Lokasi disimpan" in replies(telegram)[0]
    post(client, tg.text(POTHOLE))
    [(_, _, lat, lon, _)] = cases(settings)
    assert (lat, lon) == (-7.0051, 110.4381)


def test_a_second_location_replaces_the_first_and_goes_with_one_complaint(
    client: TestClient, settings: Settings
) -> None:
    """Of two locations shared before a complaint the later one counts, and once it went with
    a complaint it is not kept for another."""
    post(client, tg.location(-7.0051, 110.4381))
    post(client, tg.location(-6.9811, 110.4092))
    assert rows(settings, "SELECT latitude FROM pending_locations") == [(-6.9811,)]
    post(client, tg.text(POTHOLE))
    [(_, _, lat, lon, _)] = cases(settings)
    assert (lat, lon) == (-6.9811, 110.4092)
    assert rows(settings, "SELECT latitude FROM pending_locations") == []


def test_location_does_not_attach_to_an_old_case(client: TestClient, settings: Settings) -> None:
    """A case filed more than a day ago is not the one a new location belongs to."""
    post(client, tg.text(POTHOLE))
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(
            sa.text("UPDATE cases SET created_at = :t"), {"t": utcnow() - timedelta(hours=25)}
        )
    post(client, tg.location(-6.99, 110.42))
    [(_, _, lat, _, _)] = cases(settings)
    assert lat is None


def test_photo_is_downloaded_and_attached_to_the_recent_case(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """The largest photo size is fetched through the Bot API and stored on the case."""
    image = png_bytes()
    telegram.add_file("AgACAgUAAxkBAAIB", image, file_path="photos/file_7.jpg")
    post(client, tg.text(POTHOLE))
    assert post(client, tg.photo("AgACAgUAAxkBAAIB", size=len(image))).status_code == 200
    [(code, *_)] = cases(settings)
    create_staff(settings, "sup", "supervisor")
    headers = login(client, "sup")
    [attachment] = client.get(f"/api/v1/cases/{code}", headers=headers).json()["attachments"]
    assert attachment["content_type"] == "image/png"
    download = client.get(attachment["download_url"], headers=headers)
    assert download.content == image
    assert replies(telegram) == [f"Foto ditambahkan ke aduan {code}. Terima kasih."]


def test_photo_with_a_caption_files_a_new_complaint(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A captioned photo with no recent case files the caption as a complaint, with the photo."""
    image = png_bytes()
    telegram.add_file("AgACAgQ", image)
    post(client, tg.photo("AgACAgQ", size=len(image), caption=POTHOLE))
    [(code, *_)] = cases(settings)
    attachments = rows(settings, "SELECT size FROM attachments")
    assert attachments == [(len(image),)]
    assert code


def test_photo_without_case_or_caption_asks_for_text(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A bare photo with nothing to attach to gets a polite request for a description."""
    image = png_bytes()
    telegram.add_file("AgACAgZ", image)
    post(client, tg.photo("AgACAgZ", size=len(image)))
    assert cases(settings) == []
    assert "Foto diterima" in replies(telegram)[0]
    assert telegram.calls_to("getFile") == []  # nothing would hold it, so it is not fetched


def test_oversized_photo_is_refused_politely(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A file above MEDIA_MAX_BYTES is not downloaded and the citizen is told why."""
    post(client, tg.text(POTHOLE))
    post(client, tg.photo("AgACHuge", size=settings.media_max_bytes + 1))
    assert rows(settings, "SELECT id FROM attachments") == []
    assert "terlalu besar" in replies(telegram)[-1]
    assert telegram.calls_to("getFile") == []


def test_status_commands(client: TestClient, settings: Settings, telegram: FakeTelegram) -> None:
    """/status CODE answers status and agency; /status lists open cases; a bad code is named."""
    post(client, tg.text(POTHOLE))
    [(code, *_)] = cases(settings)
    post(client, tg.text(f"/status {code.lower()}"))
    post(client, tg.text("/status"))
    post(client, tg.text("/status 12"))
    post(client, tg.text("/status ZZZZ-ZZZZ"))
    answers = replies(telegram)
    assert answers[0].startswith(
        f"Aduan {code}: diteruskan ke dinas. Ditangani: Dinas Pekerjaan Umum"
    )
    assert code in answers[1] and answers[1].startswith("Aduan terbuka Anda:")
    assert "Format kode tidak dikenal" in answers[2]
    assert "ZZZZ-ZZZZ tidak ditemukan" in answers[3]


def test_status_shows_the_last_public_note(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """After an officer's public note, /status repeats it."""
    post(client, tg.text(POTHOLE))
    [(code, *_)] = cases(settings)
    create_staff(settings, "dpu", "officer", "DPU")
    client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "in_progress", "note": "Tim datang besok pagi"},
        headers=login(client, "dpu"),
    )
    post(client, tg.text(f"/status {code}"))
    assert "Catatan terakhir: Tim datang besok pagi" in replies(telegram)[-1]


def test_lang_switches_replies_and_updates_to_english(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """/lang en makes later replies and status updates English; /lang id switches back."""
    post(client, tg.text(POTHOLE))
    [(code, *_)] = cases(settings)
    post(client, tg.text("/lang en"))
    post(client, tg.text("/help"))
    create_staff(settings, "dpu", "officer", "DPU")
    client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "resolved"},
        headers=login(client, "dpu"),
    )
    run_jobs(settings)
    texts = replies(telegram)
    assert "Language switched to English." in texts
    assert any(t.startswith("Hello!") for t in texts)
    assert any(f"Complaint {code}: resolved." in t for t in texts)
    post(client, tg.text("/lang id"))
    assert replies(telegram)[-1] == "Bahasa diganti ke Bahasa Indonesia."


def test_status_changes_are_pushed_to_the_chat(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """Every status change and public note reaches the Telegram chat the case came from."""
    post(client, tg.text(POTHOLE))
    [(code, *_)] = cases(settings)
    create_staff(settings, "dpu", "officer", "DPU")
    headers = login(client, "dpu")
    client.post(
        f"/api/v1/cases/{code}/transitions", json={"status": "in_progress"}, headers=headers
    )
    client.post(
        f"/api/v1/cases/{code}/notes",
        json={"text": "Aspal dipesan", "public": True},
        headers=headers,
    )
    client.post(f"/api/v1/cases/{code}/transitions", json={"status": "resolved"}, headers=headers)
    run_jobs(settings)
    texts = telegram.wait_for(lambda: len(telegram.messages) >= 4 and replies(telegram))
    assert [code in t for t in texts] == [True] * 4
    assert "sedang dikerjakan" in texts[1]
    assert "Aspal dipesan" in texts[2]
    assert "selesai ditangani" in texts[3]


@pytest.mark.parametrize(
    "update",
    [tg.group_message(POTHOLE), tg.channel_post(POTHOLE), tg.edited(POTHOLE)],
    ids=["group", "channel_post", "edit-in-a-group"],
)
def test_updates_we_do_not_answer_are_accepted_and_ignored(
    client: TestClient, settings: Settings, telegram: FakeTelegram, update: dict
) -> None:
    """Group chats (their edits too) and channel posts get 200 and neither a case nor a reply."""
    if "edited_message" in update:
        update["edited_message"]["chat"] = tg.group_message(POTHOLE)["message"]["chat"]
    assert post(client, update).status_code == 200
    assert cases(settings) == []
    assert telegram.messages == []


def test_sticker_gets_a_polite_reply(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A sticker is not a complaint; the bot says what it can accept."""
    assert post(client, tg.sticker()).status_code == 200
    assert cases(settings) == []
    assert "pesan jenis ini tidak bisa kami proses" in replies(telegram)[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", 200),
        (b"not json", 200),
        (b"\xff\xfe\xfa", 200),
        (b"[1, 2]", 200),
        (b'{"message": {"text": "no update id"}}', 200),
        (json.dumps({"update_id": 5, "message": "garbage"}).encode(), 200),
        (b'{"update_id": 1' + b"0" * 5000 + b"}", 200),
        (b"[" * 100_000, 200),
        (b'{"update_id": 6, "pad": "' + b"x" * (1024 * 1024) + b'"}', 413),
    ],
    ids=[
        "empty",
        "not-json",
        "not-utf8",
        "array",
        "no-update-id",
        "bad-message",
        "5000-digits",
        "deep",
        "huge",
    ],
)
def test_bad_bodies_are_never_5xx(
    client: TestClient, settings: Settings, content: bytes, expected: int
) -> None:
    """Broken or foreign bodies with the right secret are accepted (200, so Telegram does not
    deliver them again and again) and store nothing; an oversized one is refused."""
    response = client.post(
        "/webhooks/telegram",
        content=content,
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    assert response.status_code == expected
    assert cases(settings) == []


def test_location_sent_after_filing_finds_the_earlier_report(
    client: TestClient, settings: Settings
) -> None:
    """A chat complaint gets its place only after filing; then it is matched to a nearby report."""
    first = client.post(
        "/api/v1/complaints",
        json={
            "text": "Gorong-gorong mampet di Jl. Majapahit, air meluber",
            "lat": -6.9932,
            "lon": 110.4421,
        },
    ).json()["tracking_code"]
    post(client, tg.text("gorong2 mampet di jl majapahit, airnya meluber ke jalan"))
    post(client, tg.location(-6.9936, 110.4424))
    linked = rows(
        settings,
        "SELECT c.tracking_code FROM cases c JOIN cases o ON c.duplicate_of_id = o.id "
        "WHERE o.tracking_code = :code",
        code=first,
    )
    assert len(linked) == 1


def test_a_pressed_button_is_answered_its_keyboard_removed_and_its_number_read(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """The press stops spinning (answerCallbackQuery), the keyboard goes (editMessageReplyMarkup)
    and the conversation reads the number and answers in the chat."""
    message_id = question_sent(telegram)
    assert post(client, telegram.press(message_id, "1")).status_code == 200
    assert [call.status for call in telegram.calls_to("answerCallbackQuery")] == [200]
    assert telegram.keyboard(message_id) is None
    answers = telegram.messages[1:]
    assert answers and {m.chat_id for m in answers} == {tg.CHAT_ID}
    [receipt] = rows(settings, "SELECT external_id FROM inbound_receipts")
    assert receipt == (f"button:{tg.CHAT_ID}:{message_id}",)


def test_a_second_tap_on_the_same_keyboard_changes_nothing(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """Two taps before the keyboard is gone are two updates: the second is answered (so it
    stops spinning) and otherwise ignored, whichever button it was."""
    message_id = question_sent(telegram)
    first, second = telegram.press(message_id, "1"), telegram.press(message_id, "2")
    post(client, first)
    sent = len(telegram.messages)
    assert post(client, second).status_code == 200
    assert len(telegram.messages) == sent
    assert [call.status for call in telegram.calls_to("answerCallbackQuery")] == [200, 200]
    assert [call.status for call in telegram.calls_to("editMessageReplyMarkup")] == [200, 400]
    assert len(rows(settings, "SELECT id FROM inbound_receipts")) == 1


def test_a_stale_or_forged_press_is_only_answered(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A press of data no shown button carries (a keyboard gone, a forged number) stops
    spinning and does nothing else: no reply, no receipt, the keyboard left as it is."""
    message_id = question_sent(telegram)
    assert post(client, telegram.press(message_id, "9")).status_code == 200
    assert telegram.keyboard(message_id) is not None
    assert [call.status for call in telegram.calls_to("answerCallbackQuery")] == [200]
    assert telegram.calls_to("editMessageReplyMarkup") == []
    assert len(telegram.messages) == 1
    assert rows(settings, "SELECT id FROM inbound_receipts") == []


VOICE_ID, PDF_ID = "AwACAgUAAxkBAAIC", "BQACAgUAAxkBAAID"


@pytest.mark.parametrize(
    ("update", "file", "stored"),
    [
        (tg.voice(VOICE_ID, len(VOICE_OGG)), (VOICE_ID, VOICE_OGG), ("audio/ogg", None)),
        (
            tg.document(PDF_ID, len(DOCUMENT_PDF), "surat-rt.pdf", "application/pdf"),
            (PDF_ID, DOCUMENT_PDF),
            ("application/pdf", "surat-rt.pdf"),
        ),
    ],
    ids=["voice", "document"],
)
def test_a_voice_note_or_document_is_stored_on_the_recent_case(
    client: TestClient,
    settings: Settings,
    telegram: FakeTelegram,
    update: dict,
    file: tuple[str, bytes],
    stored: tuple,
) -> None:
    """Files other than photos are fetched and kept with their type and file name."""
    telegram.add_file(*file, file_path="documents/file_4")
    post(client, tg.text(POTHOLE))
    assert post(client, update).status_code == 200
    assert rows(settings, "SELECT content_type, filename FROM attachments") == [stored]


def test_an_edit_delivered_twice_is_handled_once(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """An edit is a new update with an id of its own; Telegram repeating it changes nothing."""
    original = tg.text(POTHOLE)
    post(client, original)
    edit = tg.edit_of(original, text=POTHOLE + " depan SD 2")
    post(client, edit)
    sent, received = len(telegram.messages), rows(settings, "SELECT id FROM inbound_receipts")
    assert post(client, edit).status_code == 200
    assert len(telegram.messages) == sent
    assert rows(settings, "SELECT id FROM inbound_receipts") == received
    assert len(received) == 2


def test_a_live_location_moving_is_not_answered(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A live location sends an edit every few seconds as the phone moves: the first share is
    taken, its moves neither answered nor stored."""
    original = tg.location(-7.0051, 110.4381)
    original["message"]["location"]["live_period"] = 900
    post(client, original)
    answered = replies(telegram)
    for step in range(1, 4):
        moved = {"latitude": -7.0051 + step / 1000, "longitude": 110.4381, "live_period": 900}
        assert (
            post(client, tg.edit_of(original, seconds=step * 10, location=moved)).status_code == 200
        )
    assert replies(telegram) == answered
    assert rows(settings, "SELECT latitude FROM pending_locations") == [(-7.0051,)]
