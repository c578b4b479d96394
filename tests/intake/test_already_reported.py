""" "Sepertinya sudah dilaporkan" in the chat bots (intake/already_reported.py), replayed on
Telegram, WhatsApp and SMS through the real webhooks: a resident whose problem an open public
case near the same place already reports may follow it instead of filing, in both orders (the
location before the words, or after them), by button, number or word."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, RUBBISH, create_staff, file_complaint, login, sql
from tests.residents import (  # noqa: F401 - on_every_channel is the `resident` fixture
    STREET_LIGHT,
    Resident,
    age,
    files,
    move,
    on_every_channel,
)

HERE = {"lat": -6.99321, "lon": 110.44210}
NEAR = (-6.99380, 110.44250)  # about 80 m from HERE
FAR = {"lat": -6.98000, "lon": 110.44210}  # about 1.5 km away
# the same problem in other words: routing gives it the category of POTHOLE
MY_POTHOLE = "Aspal Jl. Pemuda rusak berlubang dalam depan toko bangunan, banyak motor terjatuh"
ASKED = (
    "Sepertinya sudah dilaporkan: {code} (Jalan berlubang..., sedang dikerjakan). Balas IKUT "
    "untuk ikut mendapat kabar, atau LAPOR BARU."
)
FIXED = "Lubang sudah ditambal dan diaspal ulang"


@pytest.fixture
def sms_resident(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
) -> Resident:
    return Resident(client, settings, telegram, twilio, "sms")


@pytest.fixture
def staff(client: TestClient, settings: Settings) -> dict[str, str]:
    create_staff(settings, "sup", "supervisor")
    return login(client, "sup")


def reported(
    client: TestClient, staff: dict, text: str = POTHOLE, *, started: bool = True, **fields
) -> str:
    """A complaint another resident made on the web form at HERE; `started` (an officer took it
    up), it is public under PUBLISH_POLICY=reviewed."""
    code = file_complaint(client, text=text, **{**HERE, **fields})["tracking_code"]
    if started:
        move(client, staff, code, "in_progress")
    return code


def case_rows(settings: Settings) -> list:
    return sql(
        settings,
        "SELECT tracking_code, status, category_id, latitude, report_count, merged_into_id, id "
        "FROM cases ORDER BY id",
    )


def case_row(settings: Settings, code: str):
    [row] = [row for row in case_rows(settings) if row.tracking_code == code]
    return row


def kept_locations(settings: Settings) -> int:
    return len(sql(settings, "SELECT contact_id FROM pending_locations"))


def test_location_then_words_follows_the_case_already_reported_and_hears_its_news(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    """Location, then words about the same problem: the bot asks instead of filing; pressing
    IKUT follows the case (counted, nothing filed, the location let go), and the officer's
    next update of it reaches the resident on their channel."""
    code = reported(client, staff)
    resident.news()
    assert resident.shares_location(*NEAR) == (
        "Lokasi disimpan. Sekarang ceritakan masalahnya dalam satu pesan."
    )
    assert resident.answer(MY_POTHOLE) == ASKED.format(code=code)
    assert len(case_rows(resident.settings)) == 1 and resident.news() == []
    assert resident.presses("1") == [
        f"Baik, Anda kini ikut mendapat kabar aduan {code}. 2 warga sudah melaporkan atau "
        "mengikuti masalah ini."
    ]
    [case] = case_rows(resident.settings)
    assert case.report_count == 2
    assert kept_locations(resident.settings) == 0
    move(client, staff, code, "resolved", FIXED)
    assert [news for news in resident.news() if code in news and FIXED in news]


def test_location_then_words_files_as_usual_on_lapor_baru(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    """LAPOR BARU files the held words at the kept location, acknowledged as any complaint."""
    code = reported(client, staff)
    resident.shares_location(*NEAR)
    assert resident.answer(MY_POTHOLE) == ASKED.format(code=code)
    assert resident.presses("2") == []
    first, mine = case_rows(resident.settings)
    assert (mine.latitude, mine.category_id, mine.report_count) == (
        NEAR[0],
        first.category_id,
        1,
    )
    assert first.report_count == 1
    assert [news for news in resident.news() if mine.tracking_code in news]


def test_words_then_location_joins_the_case_already_reported(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    """Words filed first; the location that places them confirms and asks in one reply, and
    IKUT folds the resident's complaint into the one already reported, whose news they get."""
    code = reported(client, staff)
    mine = files(resident, MY_POTHOLE)
    assert resident.shares_location(*NEAR) == (
        f"Lokasi ditambahkan ke {mine}. Sepertinya sudah dilaporkan: {code}. Balas IKUT untuk "
        f"ikut mendapat kabar ({mine} digabung ke sana), atau LAPOR BARU."
    )
    assert resident.answer("IKUT") == (
        f"Baik, aduan {mine} digabung ke aduan {code}. Kabar selanjutnya kami kirim untuk aduan "
        f"{code}; 2 warga sudah melaporkan atau mengikuti masalah ini."
    )
    original, joined = case_rows(resident.settings)
    assert (joined.status, joined.merged_into_id) == ("closed", original.id)
    assert original.report_count == 2
    assert resident.news() == []  # the reply said it all
    move(client, staff, code, "resolved", FIXED)
    assert [news for news in resident.news() if code in news and FIXED in news]


def test_words_then_location_keeps_the_complaint_on_lapor_baru_by_button(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    code = reported(client, staff)
    mine = files(resident, MY_POTHOLE)
    assert code in resident.shares_location(*NEAR)
    assert resident.presses("2") == [
        f"Baik, aduan {mine} tetap kami proses sebagai aduan tersendiri."
    ]
    assert [(c.status, c.merged_into_id, c.report_count) for c in case_rows(resident.settings)] == [
        ("in_progress", None, 1),
        ("assigned", None, 1),
    ]


@pytest.mark.parametrize(
    ("answer", "follows"),
    [("ikut", True), ("Follow", True), ("1", True), ("lapor baru", False), ("new", False)],
)
def test_the_answer_is_read_in_both_languages(
    sms_resident: Resident, client: TestClient, staff: dict, answer: str, follows: bool
) -> None:
    reported(client, staff)
    sms_resident.shares_location(*NEAR)
    sms_resident.answer(MY_POTHOLE)
    sms_resident.says(answer)
    assert len(case_rows(sms_resident.settings)) == (1 if follows else 2)


def test_an_english_resident_is_asked_in_english(
    sms_resident: Resident, client: TestClient, staff: dict
) -> None:
    code = reported(client, staff, STREET_LIGHT)
    sms_resident.shares_location(*NEAR)
    asked = sms_resident.answer(
        "The street light on Gang Melati has been out for a week, very dark at night"
    )
    assert asked == (
        f"Looks already reported: {code} (Lampu jalan di Gang..., in progress). Reply FOLLOW "
        "to get its updates, or NEW to file yours."
    )
    assert sms_resident.answer("FOLLOW") == (
        f"OK, you now get the updates of complaint {code}. 2 residents have reported or follow "
        "this problem."
    )


def test_another_answer_moves_on_and_a_case_closed_meanwhile_files_the_words(
    sms_resident: Resident, client: TestClient, staff: dict
) -> None:
    """Anything else than the answers drops the question, as with every question; a case
    resolved between the question and IKUT is not followed, and the words are filed."""
    code = reported(client, staff)
    sms_resident.shares_location(*NEAR)
    sms_resident.answer(MY_POTHOLE)
    assert "Ceritakan masalahnya" in sms_resident.answer("halo")
    assert sms_resident.says("IKUT") != [] and len(case_rows(sms_resident.settings)) == 1
    sms_resident.answer(MY_POTHOLE)
    move(client, staff, code, "resolved", FIXED)
    assert sms_resident.answer("IKUT") == (
        f"Aduan {code} sudah tidak terbuka, jadi aduan Anda kami catat sebagai aduan baru."
    )
    assert [c.report_count for c in case_rows(sms_resident.settings)] == [1, 1]


def test_a_case_the_public_cannot_see_or_of_another_problem_is_never_offered(
    sms_resident: Resident, client: TestClient, staff: dict
) -> None:
    """Rahasia, not yet reviewed, another category, far away or resolved: the words are filed
    at once, as if there were nothing near."""
    reported(client, staff, confidential=True)
    reported(client, staff, started=False)
    reported(client, staff, RUBBISH)
    reported(client, staff, **FAR)
    resolved = reported(client, staff)
    move(client, staff, resolved, "resolved", FIXED)
    sms_resident.shares_location(*NEAR)
    files(sms_resident, MY_POTHOLE)
    assert case_rows(sms_resident.settings)[-1].latitude == NEAR[0]


def test_nothing_is_offered_for_a_rahasia_complaint_in_either_order(
    sms_resident: Resident, client: TestClient, staff: dict
) -> None:
    """A resident's Rahasia complaint is not compared with public cases."""
    reported(client, staff)
    sms_resident.shares_location(*NEAR)
    first = files(sms_resident, "RAHASIA " + MY_POTHOLE)  # filed at once, at the location
    assert case_rows(sms_resident.settings)[-1].latitude == NEAR[0]
    age(sms_resident.settings, first, 2 * 24 * 60)  # a location no longer joins it
    secret = files(sms_resident, "RAHASIA " + MY_POTHOLE)
    assert sms_resident.shares_location(*NEAR) == (
        f"Lokasi ditambahkan ke aduan {secret}. Terima kasih."
    )


def test_the_residents_own_public_case_is_not_offered_to_them(
    sms_resident: Resident, client: TestClient, staff: dict
) -> None:
    mine = files(sms_resident, MY_POTHOLE)
    move(client, staff, mine, "in_progress")  # public now
    assert sms_resident.shares_location(*NEAR) == (
        f"Lokasi ditambahkan ke aduan {mine}. Terima kasih."
    )


def test_a_photo_with_words_after_the_location_is_held_and_filed_with_them_on_lapor_baru(
    resident: Resident, client: TestClient, staff: dict
) -> None:
    """The words of a photo's caption are asked about like words alone; the photo is held
    with them and joins the complaint LAPOR BARU files."""
    code = reported(client, staff)
    resident.shares_location(*NEAR)
    assert resident.sends_photo(MY_POTHOLE) == ASKED.format(code=code)
    assert len(case_rows(resident.settings)) == 1
    assert resident.presses("2") == []
    [*_, mine] = case_rows(resident.settings)
    assert mine.latitude == NEAR[0]
    assert sql(resident.settings, "SELECT case_id FROM attachments") == [(mine.id,)]


def test_a_case_waiting_for_its_reporter_is_not_said_to_wait_for_the_resident_asked(
    sms_resident: Resident, client: TestClient, staff: dict
) -> None:
    code = reported(client, staff)
    move(client, staff, code, "waiting", "Mohon info RT/RW")
    sms_resident.shares_location(*NEAR)
    assert sms_resident.answer(MY_POTHOLE) == (
        f"Sepertinya sudah dilaporkan: {code} (Jalan berlubang..., menunggu keterangan "
        "pelapor). Balas IKUT untuk ikut mendapat kabar, atau LAPOR BARU."
    )


def test_the_buttons_read_ikut_and_lapor_baru(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio, staff: dict
) -> None:
    """Telegram's inline keyboard and WhatsApp's quick replies label the two answers."""
    reported(client, staff)
    for channel in ("telegram", "whatsapp"):
        resident = Resident(client, settings, telegram, twilio, channel)
        resident.shares_location(*NEAR)
        resident.answer(MY_POTHOLE)
    [keyboard] = [m.reply_markup for m in telegram.messages if m.reply_markup]
    labels = [button["text"] for row in keyboard["inline_keyboard"] for button in row]
    assert labels == ["IKUT", "LAPOR BARU"]
    [quick_reply] = [m for m in twilio.messages if m.content]
    assert quick_reply.buttons == ["IKUT", "LAPOR BARU"]


def test_of_several_cases_near_the_nearest_is_offered(
    sms_resident: Resident, client: TestClient, staff: dict
) -> None:
    reported(client, staff)  # about 80 m from where the resident is
    nearest = reported(client, staff, lat=NEAR[0], lon=NEAR[1])
    sms_resident.shares_location(*NEAR)
    assert sms_resident.answer(MY_POTHOLE) == ASKED.format(code=nearest)
