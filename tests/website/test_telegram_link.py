"""Updates on Telegram for a web complaint: the form's choice, the t.me link on the
acknowledgement, and /start <token> through the real webhook with the fake Bot API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import time_machine
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.db import get_engine
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import telegram_post
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE, outbox, run_jobs
from tests.website.test_web_form import form_token

BOT = "AduanKotaBot"
OTHER_CHAT = 5_550_777_888
LINK = re.compile(r"https://t\.me/AduanKotaBot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """The app with TELEGRAM_BOT_USERNAME set, as a browser that keeps its cookies (over
    https, as PUBLIC_BASE_URL says: the cookies are Secure)."""
    app = create_app(settings.model_copy(update={"telegram_bot_username": BOT}))
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def case_row(settings: Settings) -> dict:
    with get_engine(settings.database_url).connect() as connection:
        row = connection.execute(
            sa.text(
                "SELECT c.tracking_code, c.notify, k.channel, k.address, k.language FROM cases c"
                " LEFT JOIN contacts k ON k.id = c.contact_id"
            )
        ).one()
    return row._asdict()


def file_for_telegram(web: TestClient, lang: str = "id") -> tuple[str, str]:
    """File on the form asking for Telegram; the acknowledgement page's code and link token."""
    token = form_token(web.get("/", params={"lang": lang}).text)
    data = {"text": POTHOLE, "notify_via": "telegram", "lang": lang, "form_token": token}
    page = web.post("/complaints", data=data)
    assert page.status_code == 200
    code = re.search(r"/track/([0-9A-Z]{4}-[0-9A-Z]{4})", str(page.url)).group(1)
    link = LINK.search(page.text)
    assert link, "the acknowledgement shows no Telegram link"
    return code, link.group(1)


def test_telegram_is_offered_only_with_a_bot_username(
    client: TestClient, web: TestClient, settings: Settings
) -> None:
    """Without TELEGRAM_BOT_USERNAME the form has no Telegram choice and refuses one sent
    anyway, naming the field; with it, the choice is there."""
    assert 'value="telegram"' not in client.get("/").text
    refused = client.post("/complaints", data={"text": POTHOLE, "notify_via": "telegram"})
    assert refused.status_code == 422
    assert "Kabari lewat: pilihan tidak dikenal" in refused.text
    page = web.get("/").text
    assert 'value="telegram"' in page
    assert "sesudah mengirim Anda mendapat tautan untuk dibuka di Telegram" in page


def test_the_link_binds_the_case_to_the_chat_that_opens_it(
    web: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """The acknowledgement shows the t.me link; /start with its token (as Telegram sends a
    deep link) makes that chat the case's contact, confirms in the form's language, and later
    updates go to the chat. The link is then gone from the page and works no more."""
    code, token = file_for_telegram(web, lang="en")
    assert case_row(settings)["channel"] is None  # nobody to tell until the link is opened

    assert telegram_post(web, tg.text(f"/start {token}")).status_code == 200
    [confirmation] = telegram.messages
    assert confirmation.chat_id == tg.CHAT_ID
    assert confirmation.text.startswith(f"Complaint {code} from the web form is now linked")
    bound = case_row(settings)
    assert (bound["channel"], bound["address"], bound["notify"]) == (
        "telegram",
        str(tg.CHAT_ID),
        True,
    )
    assert bound["language"] == "en"
    assert LINK.search(web.get(f"/track/{code}").text) is None

    telegram_post(web, tg.text(f"/start {token}"))
    assert telegram.messages[-1].text == f"Complaint {code} is already linked to this Telegram."
    telegram_post(web, tg.text(f"/start {token}", chat_id=OTHER_CHAT))
    assert telegram.messages[-1].chat_id == OTHER_CHAT
    assert telegram.messages[-1].text.startswith("Tautan ini sudah dipakai di akun Telegram lain")
    assert case_row(settings)["address"] == str(tg.CHAT_ID)

    officer_note(web, settings, code)
    run_jobs(settings)
    assert outbox(settings)[-1].status == "sent"
    assert telegram.messages[-1].chat_id == tg.CHAT_ID
    assert code in telegram.messages[-1].text


def officer_note(web: TestClient, settings: Settings, code: str) -> None:
    """An officer of the case's agency starts work on it, with a note to the resident."""
    from tests.helpers import create_staff, login

    create_staff(settings, "dpu", "officer", "DPU")
    body = {"status": "in_progress", "note": "Tim sudah dijadwalkan besok pagi"}
    moved = web.post(f"/api/v1/cases/{code}/transitions", json=body, headers=login(web, "dpu"))
    assert moved.status_code == 200, moved.text


def test_an_expired_or_unknown_token_gets_a_polite_reply(
    web: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """After 24 hours the link no longer binds (the bot says so and how to follow the case);
    a token we never made is answered as unknown; neither changes any case."""
    code, token = file_for_telegram(web)
    with time_machine.travel("2099-01-01 00:00 +0000", tick=False):
        assert LINK.search(web.get(f"/track/{code}").text) is None
        telegram_post(web, tg.text(f"/start {token}"))
    assert telegram.messages[-1].text.startswith("Tautan ini sudah kedaluwarsa (berlaku 24 jam).")
    assert f"/status {code}" in telegram.messages[-1].text
    telegram_post(web, tg.text("/start AAAAAAAAAAAAAAAAAAAAAA"))
    assert telegram.messages[-1].text.startswith("Tautan ini tidak kami kenali.")
    telegram_post(web, tg.text("/start x"))
    assert telegram.messages[-1].text.startswith("Tautan ini tidak kami kenali.")
    assert case_row(settings)["channel"] is None


def test_the_link_is_shown_only_to_the_browser_that_filed(web: TestClient) -> None:
    """Another browser reading the same status page sees no link."""
    code, _ = file_for_telegram(web)
    other = TestClient(web.app, base_url="https://testserver")
    page = other.get(f"/track/{code}")
    assert page.status_code == 200 and LINK.search(page.text) is None
