"""The chat status replies say when: CEK KODE gives a case's target, CEK tells each open case
apart by its first words, status and target. Asked by SMS (signed as Twilio signs them) and on
Telegram, in both languages, at set moments.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import inbound, signed_post, telegram_post, twiml_texts
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE, create_staff, login

WIB = ZoneInfo("Asia/Jakarta")
# the road-damage category's 168 working hours from Monday 2 November 2026, 09:00: due on
# Wednesday 11 November; a complaint routing cannot place is due for review a day later
FILED = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)
BEFORE_DUE = datetime(2026, 11, 5, 10, 0, tzinfo=WIB)
AFTER_DUE = datetime(2026, 11, 16, 10, 0, tzinfo=WIB)
UNCLEAR = "Tolong dibantu ya pak, ada masalah di gang kami sejak kemarin"
CRACKED = "Aspal jalan retak dan berlubang dalam di Jl. Majapahit dekat pasar, bahaya untuk motor"
BROKEN = "Jalan rusak berlubang di Jl. Sriwijaya depan taman, banyak pengendara motor jatuh"
STREETLIGHT = "Lampu penerangan jalan padam di Jl. Pandanaran sejak seminggu"


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def sms(client: TestClient, settings: Settings, text: str) -> list[str]:
    """The immediate answers to an SMS `text` from the resident."""
    response = signed_post(client, settings, inbound(text))
    assert response.status_code == 200
    return twiml_texts(response)


def file_by_sms(client: TestClient, settings: Settings, language: str, *texts: str) -> list[str]:
    """File `texts` by SMS from a resident of `language`, a minute apart from FILED on; their
    codes, in order."""
    if language == "en":
        sms(client, settings, "EN")
    for minute, text in enumerate(texts):
        with at(FILED + timedelta(minutes=minute)):
            answers = sms(client, settings, text)
            if any("Balas 1" in a or "Reply 1" in a for a in answers):  # "is this new?"
                sms(client, settings, "1")
    with get_engine(settings.database_url).connect() as connection:
        query = sa.text("SELECT tracking_code FROM cases ORDER BY id")
        return list(connection.execute(query).scalars())


def move(client: TestClient, moment: datetime, code: str, status: str) -> None:
    """An officer of DPU moves case `code` to `status` at `moment`."""
    with at(moment):
        officer = login(client, "officer.dpu")
        response = client.post(
            f"/api/v1/cases/{code}/transitions", json={"status": status}, headers=officer
        )
    assert response.status_code == 200, response.text


def ask(client: TestClient, settings: Settings, moment: datetime, text: str) -> str:
    with at(moment):
        [answer] = sms(client, settings, text)
    return answer


@pytest.fixture
def officer(settings: Settings) -> None:
    create_staff(settings, "officer.dpu", "officer", "DPU")


STATUS_LINE = {
    "id": "Aduan {code}: diteruskan ke dinas. Ditangani: Dinas Pekerjaan Umum.",
    "en": "Complaint {code}: assigned to an agency. Handled by: Public Works Agency.",
}
ON_TIME = {"id": "Target selesai Rabu, 11 November.", "en": "Due Wednesday, 11 November."}
LATE = {
    "id": "Lewat target Rabu, 11 November; dinas kami ingatkan tiap hari.",
    "en": "Overdue since Wednesday, 11 November; we remind the agency daily.",
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_cek_code_gives_the_target_and_later_says_it_is_late(
    client: TestClient, settings: Settings, language: str
) -> None:
    """Before the due day CEK KODE names it; after it, that the case is late and the agency is
    reminded."""
    [code] = file_by_sms(client, settings, language, POTHOLE)
    line = STATUS_LINE[language].format(code=code)
    assert ask(client, settings, BEFORE_DUE, f"CEK {code}") == f"{line}\n{ON_TIME[language]}"
    assert ask(client, settings, AFTER_DUE, f"CEK {code}") == f"{line}\n{LATE[language]}"


@pytest.mark.parametrize(
    ("language", "in_review", "review_late", "waiting"),
    [
        (
            "id",
            "Aduan {code}: sedang ditinjau. Ditangani: petugas verifikasi.\n"
            "Target peninjauan Selasa, 3 November.",
            "Peninjauan lewat target Selasa, 3 November; mohon maaf.",
            "Aduan {code}: menunggu keterangan dari Anda. Ditangani: Dinas Pekerjaan Umum.\n"
            "Hitungan target berhenti sampai Anda menjawab.",
        ),
        (
            "en",
            "Complaint {code}: under review. Handled by: the review desk.\n"
            "Review due Tuesday, 3 November.",
            "Review is past its target of Tuesday, 3 November; we apologise.",
            "Complaint {code}: waiting for information from you. Handled by: Public Works "
            "Agency.\nThe target clock stops until you reply.",
        ),
    ],
)
def test_cek_code_for_a_case_in_review_or_waiting_says_what_is_true(
    client: TestClient,
    settings: Settings,
    officer: None,
    language: str,
    in_review: str,
    review_late: str,
    waiting: str,
) -> None:
    """A case nobody has placed yet has no agency target: its review's target is given, and a
    late review is owned up to without a promise. A case waiting on the resident says the
    clock waits for them."""
    unclear, pothole = file_by_sms(client, settings, language, UNCLEAR, POTHOLE)
    assert ask(client, settings, BEFORE_DUE.replace(day=2), f"CEK {unclear}") == (
        in_review.format(code=unclear)
    )
    assert ask(client, settings, BEFORE_DUE, f"CEK {unclear}").endswith(f"\n{review_late}")
    move(client, BEFORE_DUE, pothole, "waiting")
    assert ask(client, settings, AFTER_DUE, f"CEK {pothole}") == waiting.format(code=pothole)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "id",
            [
                "Aduan terbuka Anda:",
                "{4} Tolong dibantu ya...: sedang ditinjau, lewat target 3 November",
                "{3} Jalan rusak...: menunggu keterangan dari Anda",
                "{2} Aspal jalan retak...: diteruskan ke dinas, target 11 November",
                "+1 aduan lain: CEK KODE",
            ],
        ),
        (
            "en",
            [
                "Your open complaints:",
                "{4} Tolong dibantu ya...: under review, past due 3 November",
                "{3} Jalan rusak...: waiting for information from you",
                "{2} Aspal jalan retak...: assigned to an agency, due 11 November",
                "+1 more: STATUS CODE",
            ],
        ),
    ],
)
def test_cek_lists_each_open_case_with_its_first_words_status_and_target(
    client: TestClient, settings: Settings, officer: None, language: str, expected: list[str]
) -> None:
    """Newest first, three at most, each told apart by its first words (cut between words,
    with a plain "..." that keeps the SMS in GSM-7), its status and its target; a resolved
    case is not listed; the rest are counted."""
    codes = file_by_sms(client, settings, language, POTHOLE, STREETLIGHT, CRACKED, BROKEN, UNCLEAR)
    move(client, FILED.replace(hour=10), codes[0], "resolved")
    move(client, FILED.replace(hour=10), codes[3], "waiting")
    listing = ask(client, settings, BEFORE_DUE, "CEK")
    assert listing.splitlines() == [line.format(*codes) for line in expected]


def test_telegram_lists_more_words_with_an_ellipsis(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """A chat app has room for a case's first five words, and for "…"."""
    with at(FILED):
        telegram_post(client, tg.text(POTHOLE))
    with at(BEFORE_DUE):
        telegram_post(client, tg.text("/status"))
    with get_engine(settings.database_url).connect() as connection:
        code = connection.execute(sa.text("SELECT tracking_code FROM cases")).scalar_one()
    assert telegram.messages[-1].text == (
        "Aduan terbuka Anda:\n"
        f"{code} Jalan berlubang besar di depan…: diteruskan ke dinas, target 11 November"
    )
