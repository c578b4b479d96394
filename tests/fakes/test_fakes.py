"""Prove each fake speaks its protocol by driving it with the official clients."""

from __future__ import annotations

import datetime as dt
import http.client
import smtplib
import threading
from base64 import b64encode
from collections.abc import Iterator
from email.message import EmailMessage
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio

ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "secret-token"
BOT_TOKEN = "7000000001:AAExampleTokenForTests"


# -- Twilio --------------------------------------------------------------------
@pytest.fixture
def twilio_fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


def _client(fake: FakeTwilio, token: str = AUTH_TOKEN) -> Client:
    client = Client(ACCOUNT_SID, token)
    client.api.base_url = client.content.base_url = fake.url
    return client


def test_twilio_sms_is_recorded(twilio_fake: FakeTwilio) -> None:
    """An SMS created through twilio.rest.Client lands in the fake with a realistic resource."""
    message = _client(twilio_fake).messages.create(
        to="+6281234567890", from_="+15005550006", body="Pengaduan Anda telah diterima"
    )
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued"
    assert message.to == "+6281234567890"
    assert message.date_created is not None and message.date_created.tzinfo is not None
    assert message.num_segments == "1"
    [recorded] = twilio_fake.messages
    assert (recorded.to, recorded.from_, recorded.body) == (
        "+6281234567890",
        "+15005550006",
        "Pengaduan Anda telah diterima",
    )
    assert recorded.sid == message.sid and recorded.channel == "sms"


@pytest.mark.parametrize("keep_alive", [False, True])
def test_twilio_keeps_connections_alive_only_when_asked(keep_alive: bool) -> None:
    """The tests' fake closes every connection; a benchmark's fake keeps them open, as the real
    API does, for as many messages as the client sends on one."""
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, keep_alive=keep_alive) as fake:
        connection = http.client.HTTPConnection(urlsplit(fake.url).netloc, timeout=10)
        credentials = f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()
        sockets = []
        for number in ("+6281234567891", "+6281234567892"):
            connection.request(
                "POST",
                f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
                body=urlencode({"To": number, "From": "+15005550006", "Body": "Halo"}),
                headers={
                    "Authorization": "Basic " + b64encode(credentials).decode(),
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            response = connection.getresponse()
            assert response.status == 201, response.read()
            response.read()
            sockets.append(connection.sock)
        connection.close()
        assert [m.to for m in fake.messages] == ["+6281234567891", "+6281234567892"]
    if keep_alive:
        assert sockets[0] is not None and sockets[0] is sockets[1]
    else:
        assert sockets == [None, None]  # closed after each answer


def test_twilio_counts_the_requests_it_answers_at_once() -> None:
    """With a round trip of its own (``latency``), the fake tells how many messages it had in
    hand at once, in all and to one number: what the delivery tests judge concurrency by."""
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, latency=0.3) as fake:
        client = _client(fake)

        def send(number: str) -> None:
            client.messages.create(to=number, from_="+15005550006", body="Halo")

        numbers = ["+6281234567893", "+6281234567894"]
        senders = [threading.Thread(target=send, args=(number,)) for number in numbers]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(10)
        send(numbers[0])
        assert sorted(m.to for m in fake.messages) == sorted([*numbers, numbers[0]])
        assert fake.most_at_once() == 2
        assert [fake.most_at_once(number) for number in numbers] == [1, 1]


def test_twilio_whatsapp_template_is_recorded(twilio_fake: FakeTwilio) -> None:
    """A WhatsApp template send records ContentSid, parsed ContentVariables and StatusCallback."""
    _client(twilio_fake).messages.create(
        to="whatsapp:+6281234567890",
        from_="whatsapp:+14155238886",
        content_sid="HX" + "0" * 32,
        content_variables='{"1": "ADU-0042"}',
        status_callback="https://aduan.example/hooks/twilio/status",
    )
    [recorded] = twilio_fake.wait_for(lambda: twilio_fake.messages)
    assert recorded.channel == "whatsapp"
    assert recorded.body is None
    assert recorded.content_variables == {"1": "ADU-0042"}
    assert recorded.status_callback == "https://aduan.example/hooks/twilio/status"


def _quick_reply(actions: list[dict], body: str = "{{1}}") -> ContentList.ContentCreateRequest:
    return ContentList.ContentCreateRequest(
        {
            "friendly_name": "choices_2",
            "language": "id",
            "variables": {"1": "Pilih satu", "2": "Ya", "3": "Tidak"},
            "types": {"twilio/quick-reply": {"body": body, "actions": actions}},
        }
    )


def test_twilio_content_api_creates_lists_and_sends_a_quick_reply(
    twilio_fake: FakeTwilio,
) -> None:
    """The official client creates a quick-reply content (JSON), finds it again by listing, and
    a message with its ContentSid is recorded as the resident sees it, variables filled."""
    client = _client(twilio_fake)
    actions = [{"id": "1", "title": "{{2}}"}, {"id": "2", "title": "{{3}}"}]
    created = client.content.v1.contents.create(_quick_reply(actions))
    assert created.sid.startswith("HX") and created.friendly_name == "choices_2"
    assert [c.sid for c in client.content.v1.contents.stream(page_size=1)] == [created.sid]
    client.messages.create(
        to="whatsapp:+6281234567890",
        from_="whatsapp:+14155238886",
        content_sid=created.sid,
        content_variables='{"1": "Ini aduan baru?", "2": "Aduan baru"}',
    )
    [sent] = twilio_fake.messages
    assert sent.content == {
        "body": "Ini aduan baru?",
        "actions": [{"id": "1", "title": "Aduan baru"}, {"id": "2", "title": "Tidak"}],
    }
    assert sent.buttons == ["Aduan baru", "Tidak"]


def test_twilio_content_api_lists_page_by_page(twilio_fake: FakeTwilio) -> None:
    """stream() follows meta.next_page_url to the end."""
    client = _client(twilio_fake)
    sids = [
        client.content.v1.contents.create(_quick_reply([{"id": "1", "title": "Ya"}])).sid
        for _ in range(3)
    ]
    assert [c.sid for c in client.content.v1.contents.stream(page_size=2)] == sids


@pytest.mark.parametrize(
    ("actions", "body"),
    [
        ([], "{{1}}"),
        ([{"id": "1", "title": "{{4}}"}], "{{1}}"),
        ([{"id": "1", "title": ""}], "{{1}}"),
        ([{"id": "1", "title": "Ya"}], "x" * 1025),
    ],
    ids=["no-actions", "no-sample", "no-title", "long-body"],
)
def test_twilio_content_api_refuses_a_malformed_quick_reply(
    twilio_fake: FakeTwilio, actions: list[dict], body: str
) -> None:
    """A content Twilio would not take is a 400 TwilioRestException, and is not kept."""
    with pytest.raises(TwilioRestException) as error:
        _client(twilio_fake).content.v1.contents.create(_quick_reply(actions, body))
    assert error.value.status == 400
    assert twilio_fake.contents == []


def _list_picker() -> ContentList.ContentCreateRequest:
    items = [
        {"id": "5", "item": "{{2}}", "description": "{{3}}"},
        {"id": "BELUM", "item": "Belum beres", "description": "Dibuka kembali"},
    ]
    return ContentList.ContentCreateRequest(
        {
            "friendly_name": "rating",
            "language": "id",
            "variables": {"1": "Sudah beres?", "2": "Sangat puas", "3": "Nilai 5 dari 5"},
            "types": {"twilio/list-picker": {"body": "{{1}}", "button": "Pilih", "items": items}},
        }
    )


def _send_content(client: Client, sid: str, variables: str = "{}") -> None:
    client.messages.create(
        to="whatsapp:+6281234567890",
        from_="whatsapp:+14155238886",
        content_sid=sid,
        content_variables=variables,
    )


def test_twilio_content_api_sends_a_list_picker(twilio_fake: FakeTwilio) -> None:
    """A list picker is recorded as shown, its variables filled over the samples; a field
    longer than Twilio's maximum once filled is refused with 21658 and not recorded."""
    client = _client(twilio_fake)
    sid = client.content.v1.contents.create(_list_picker()).sid
    _send_content(client, sid, '{"1": "Aduan X selesai. Nilai?", "2": "Puas sekali"}')
    [sent] = twilio_fake.messages
    assert sent.content == {
        "body": "Aduan X selesai. Nilai?",
        "button": "Pilih",
        "items": [
            {"id": "5", "item": "Puas sekali", "description": "Nilai 5 dari 5"},
            {"id": "BELUM", "item": "Belum beres", "description": "Dibuka kembali"},
        ],
    }
    assert sent.items == [
        ("5", "Puas sekali", "Nilai 5 dari 5"),
        ("BELUM", "Belum beres", "Dibuka kembali"),
    ]
    with pytest.raises(TwilioRestException) as error:
        _send_content(client, sid, '{"2": "Sangat sangat puas sekali!"}')  # 27 characters
    assert (error.value.status, error.value.code) == (400, 21658)
    assert len(twilio_fake.messages) == 1


def test_twilio_deleted_content_is_refused_with_21655(twilio_fake: FakeTwilio) -> None:
    """Deleting a content (204) removes it from the list, and a message naming it is refused."""
    client = _client(twilio_fake)
    sid = client.content.v1.contents.create(_list_picker()).sid
    assert client.content.v1.contents(sid).delete() is True
    assert twilio_fake.contents == []
    with pytest.raises(TwilioRestException) as error:
        _send_content(client, sid)
    assert (error.value.status, error.value.code) == (400, 21655)
    assert twilio_fake.messages == []


def test_twilio_bad_auth_is_401(twilio_fake: FakeTwilio) -> None:
    """Wrong credentials give TwilioRestException with status 401 and code 20003."""
    with pytest.raises(TwilioRestException) as exc_info:
        _client(twilio_fake, token="wrong").messages.create(
            to="+6281234567890", from_="+15005550006", body="x"
        )
    assert exc_info.value.status == 401
    assert exc_info.value.code == 20003
    assert twilio_fake.messages == []


def test_twilio_missing_to_is_400(twilio_fake: FakeTwilio) -> None:
    """A message without To is refused with Twilio error 21604."""
    with pytest.raises(TwilioRestException) as exc_info:
        _client(twilio_fake).messages.create(to="", from_="+15005550006", body="x")
    assert (exc_info.value.status, exc_info.value.code) == (400, 21604)


def test_twilio_reject_number(twilio_fake: FakeTwilio) -> None:
    """reject_number makes sends to that number fail permanently with the given code."""
    twilio_fake.reject_number("+6289999999999")
    twilio_fake.reject_number("whatsapp:+6281111111111", code=63016)
    client = _client(twilio_fake)
    with pytest.raises(TwilioRestException) as exc_info:
        client.messages.create(to="+6289999999999", from_="+15005550006", body="x")
    assert (exc_info.value.status, exc_info.value.code) == (400, 21211)
    with pytest.raises(TwilioRestException) as exc_info:
        client.messages.create(
            to="whatsapp:+6281111111111", from_="whatsapp:+14155238886", body="x"
        )
    assert exc_info.value.code == 63016
    assert twilio_fake.messages == []


def test_twilio_fail_next_then_success(twilio_fake: FakeTwilio) -> None:
    """fail_next answers one 500 (code 20500), after which the same request succeeds."""
    twilio_fake.fail_next(1, status=500)
    client = _client(twilio_fake)
    with pytest.raises(TwilioRestException) as exc_info:
        client.messages.create(to="+6281234567890", from_="+15005550006", body="x")
    assert (exc_info.value.status, exc_info.value.code) == (500, 20500)
    client.messages.create(to="+6281234567890", from_="+15005550006", body="x")
    assert len(twilio_fake.messages) == 1
    assert [r.status for r in twilio_fake.requests] == [500, 201]


def test_twilio_media_download(twilio_fake: FakeTwilio) -> None:
    """Media needs basic auth and redirects (307) to the content, like api.twilio.com."""
    url = twilio_fake.add_media(content=b"\xff\xd8jpeg", content_type="image/jpeg")
    assert url.startswith(f"{twilio_fake.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM")
    assert httpx.get(url).status_code == 401
    response = httpx.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), follow_redirects=True)
    assert response.status_code == 200
    assert response.content == b"\xff\xd8jpeg"
    assert response.headers["content-type"] == "image/jpeg"
    assert response.history[0].status_code == 307


# -- Telegram ------------------------------------------------------------------
@pytest.fixture
def telegram_fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(BOT_TOKEN) as fake:
        yield fake


def _bot(fake: FakeTelegram, token: str = BOT_TOKEN) -> Bot:
    return Bot(token, base_url=fake.api_url, base_file_url=fake.file_url)


async def test_telegram_get_me(telegram_fake: FakeTelegram) -> None:
    """Bot.get_me returns the fake bot user; PTB appended the token to base_url itself."""
    async with _bot(telegram_fake) as bot:
        me = await bot.get_me()
    assert me.is_bot and me.username == "aduan_test_bot" and me.id == 7000000001
    assert telegram_fake.calls[0].method == "getMe"


async def test_telegram_wrong_token(telegram_fake: FakeTelegram) -> None:
    """A wrong token is answered 401, which PTB raises as InvalidToken."""
    with pytest.raises(InvalidToken):
        async with _bot(telegram_fake, token="1:wrong") as bot:
            await bot.get_me()


async def test_telegram_send_message_recorded(telegram_fake: FakeTelegram) -> None:
    """send_message returns a Message and the fake records text, parse_mode and markup."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Lihat status", callback_data="s:42")]])
    async with _bot(telegram_fake) as bot:
        sent = await bot.send_message(
            chat_id=555,
            text="Pengaduan *ADU-42* diterima",
            parse_mode="Markdown",
            reply_markup=keyboard,
        )
        await bot.send_chat_action(chat_id=555, action="typing")
    assert sent.chat.id == 555 and sent.chat.type == "private"
    assert sent.text == "Pengaduan *ADU-42* diterima" and sent.message_id == 1
    assert sent.reply_markup == keyboard
    [recorded] = await telegram_fake.wait_for_async(lambda: telegram_fake.messages)
    assert recorded.chat_id == 555
    assert recorded.parse_mode == "Markdown"
    assert recorded.reply_markup == {
        "inline_keyboard": [[{"text": "Lihat status", "callback_data": "s:42"}]]
    }
    assert len(telegram_fake.calls_to("sendChatAction")) == 1


async def test_telegram_get_file_and_download(telegram_fake: FakeTelegram) -> None:
    """get_file points at the fake's file URL and download_as_bytearray fetches the bytes."""
    telegram_fake.add_file("photo-1", b"\x89PNG-bytes", file_path="photos/file_7.png")
    async with _bot(telegram_fake) as bot:
        file = await bot.get_file("photo-1")
        data = await file.download_as_bytearray()
    assert file.file_path == f"{telegram_fake.file_url}{BOT_TOKEN}/photos/file_7.png"
    assert file.file_size == len(b"\x89PNG-bytes")
    assert bytes(data) == b"\x89PNG-bytes"


async def test_telegram_rate_limit(
    telegram_fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rate_limit_next yields 429 with parameters.retry_after, raised as RetryAfter."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # opt in to PTB 23 semantics, no warning
    async with _bot(telegram_fake) as bot:
        telegram_fake.rate_limit_next(1, retry_after=3)
        with pytest.raises(RetryAfter) as exc_info:
            await bot.send_message(chat_id=555, text="halo")
        await bot.send_message(chat_id=555, text="halo")
    assert exc_info.value.retry_after == dt.timedelta(seconds=3)
    assert [c.status for c in telegram_fake.calls_to("sendMessage")] == [429, 200]


async def test_telegram_fail_next_by_method(telegram_fake: FakeTelegram) -> None:
    """fail_next(method=...) leaves getMe during Bot initialisation untouched."""
    telegram_fake.fail_next(1, status=500, method="sendMessage")
    async with _bot(telegram_fake) as bot:
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(chat_id=555, text="halo")
        await bot.send_message(chat_id=555, text="halo")
    assert len(telegram_fake.messages) == 1


async def test_telegram_blocked_chat(telegram_fake: FakeTelegram) -> None:
    """block_chat answers 403 'bot was blocked by the user', raised as Forbidden."""
    telegram_fake.block_chat(666)
    async with _bot(telegram_fake) as bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(chat_id=666, text="halo")
    assert telegram_fake.messages == []


async def test_telegram_webhook_roundtrip(telegram_fake: FakeTelegram) -> None:
    """set_webhook / get_webhook_info / delete_webhook keep webhook state."""
    async with _bot(telegram_fake) as bot:
        assert await bot.set_webhook(
            "https://aduan.example/tg", secret_token="s3cret", allowed_updates=["message"]
        )
        info = await bot.get_webhook_info()
        assert info.url == "https://aduan.example/tg"
        assert info.allowed_updates == ("message",)
        assert telegram_fake.webhook["secret_token"] == "s3cret"
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""


async def test_telegram_button_press_is_answered_once_and_its_keyboard_removed_once(
    telegram_fake: FakeTelegram,
) -> None:
    """press() is the callback_query Update PTB reads; the query is answered once and the
    keyboard removed once, a second time of either is Telegram's 400."""
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Aduan baru", callback_data="1")],
            [InlineKeyboardButton("Tambahan", callback_data="2")],
        ]
    )
    async with _bot(telegram_fake) as bot:
        sent = await bot.send_message(chat_id=555, text="Ini aduan baru?", reply_markup=keyboard)
        update = Update.de_json(telegram_fake.press(sent.message_id, "2"), bot)
        query = update.callback_query
        assert (query.data, query.message.message_id, query.message.chat.id) == ("2", 1, 555)
        assert query.message.reply_markup == keyboard and query.from_user.id == 555
        assert await query.answer()
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await query.answer()
        edited = await bot.edit_message_reply_markup(chat_id=555, message_id=sent.message_id)
        assert edited.reply_markup is None
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(chat_id=555, message_id=sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_reply_markup(chat_id=556, message_id=sent.message_id)
    assert telegram_fake.keyboard(sent.message_id) is None
    assert telegram_fake.press(sent.message_id, "1")["callback_query"]["message"].keys() == {
        "message_id",
        "from",
        "chat",
        "date",
        "text",
        "edit_date",
    }


async def test_telegram_refuses_callback_data_over_64_bytes(telegram_fake: FakeTelegram) -> None:
    """A button's callback_data is 1-64 bytes, as Telegram checks it."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="9" * 65)]])
    async with _bot(telegram_fake) as bot:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(chat_id=555, text="pilih", reply_markup=keyboard)
    assert telegram_fake.messages == []


def test_telegram_json_body() -> None:
    """Clients posting JSON bodies (not PTB's form encoding) are understood too."""
    with FakeTelegram(BOT_TOKEN) as fake:
        response = httpx.post(
            f"{fake.api_url}{BOT_TOKEN}/sendMessage",
            json={"chat_id": 9, "text": "json", "reply_markup": {"inline_keyboard": []}},
        )
    assert response.json()["result"]["chat"] == {"id": 9, "type": "private", "first_name": "Warga"}
    assert fake.messages[0].reply_markup == {"inline_keyboard": []}


# -- SMTP ----------------------------------------------------------------------
def _complaint_email() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Aduan Kota <noreply@aduan.example>"
    msg["To"] = "warga@example.id"
    msg["Subject"] = "Pengaduan Anda ADU-0042 telah diterima — terima kasih"
    msg.set_content("Halo Budi,\n\nPengaduan Anda tentang jalan berlubang telah diterima. ✅\n")
    return msg


def test_smtp_records_utf8_message() -> None:
    """smtplib delivers a UTF-8 Indonesian message; the sink decodes subject and body."""
    with SmtpSink() as sink, smtplib.SMTP(sink.host, sink.port) as smtp:
        smtp.send_message(_complaint_email())
    [received] = sink.wait_for(lambda: sink.messages)
    assert received.subject == "Pengaduan Anda ADU-0042 telah diterima — terima kasih"
    assert "jalan berlubang telah diterima. ✅" in received.body
    assert received.to == "warga@example.id"
    assert received.from_ == "Aduan Kota <noreply@aduan.example>"
    assert received.rcpt_tos == ("warga@example.id",)
    assert received.mail_from == "noreply@aduan.example"


def test_smtp_fail_next_is_451() -> None:
    """fail_next answers DATA with 451, surfacing as SMTPDataError; the retry succeeds."""
    with SmtpSink() as sink, smtplib.SMTP(sink.host, sink.port) as smtp:
        sink.fail_next(1)
        with pytest.raises(smtplib.SMTPDataError) as exc_info:
            smtp.send_message(_complaint_email())
        assert exc_info.value.smtp_code == 451
        smtp.send_message(_complaint_email())
    assert len(sink.messages) == 1


def test_smtp_reject_recipient() -> None:
    """reject_recipient refuses RCPT TO with a permanent 550."""
    with SmtpSink() as sink, smtplib.SMTP(sink.host, sink.port) as smtp:
        sink.reject_recipient("warga@example.id")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as exc_info:
            smtp.send_message(_complaint_email())
    assert exc_info.value.recipients["warga@example.id"][0] == 550
    assert sink.messages == []


def test_smtp_auth() -> None:
    """With credentials the sink requires AUTH (no TLS) and rejects wrong passwords."""
    with SmtpSink(username="aduan", password="pw") as sink:
        with smtplib.SMTP(sink.host, sink.port) as smtp:
            with pytest.raises(smtplib.SMTPSenderRefused) as exc_info:
                smtp.send_message(_complaint_email())
            assert exc_info.value.smtp_code == 530
            with pytest.raises(smtplib.SMTPAuthenticationError):
                smtp.login("aduan", "wrong")
        with smtplib.SMTP(sink.host, sink.port) as smtp:
            smtp.login("aduan", "pw")
            smtp.send_message(_complaint_email())
    assert sink.messages[0].auth_login == "aduan"


def test_wait_for_sees_delivery_from_another_thread() -> None:
    """wait_for wakes when a background sender delivers, and times out with AssertionError."""
    with SmtpSink() as sink:

        def send() -> None:
            with smtplib.SMTP(sink.host, sink.port) as smtp:
                smtp.send_message(_complaint_email())

        threading.Thread(target=send).start()
        assert sink.wait_for(lambda: len(sink.messages) == 1, timeout=5)
        with pytest.raises(AssertionError):
            sink.wait_for(lambda: len(sink.messages) == 2, timeout=0.1)
