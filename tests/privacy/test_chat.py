"""A resident's own data on their channel: DATA SAYA shows it, HAPUS DATA erases it after a yes.

Replayed on Telegram, WhatsApp and SMS through the real webhooks (tests/intake/
test_conversation.py's `Resident`), with the staff's views read back through the staff API, the
console and the CSV export.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE
from tests.console.helpers import signed_in
from tests.helpers import create_staff, login, sql
from tests.residents import (  # noqa: F401 - on_every_channel is the `resident` fixture
    RUBBISH,
    STREET_LIGHT,
    Resident,
    files,
    move,
    on_every_channel,
)

# what the channels know the resident by: never on a staff view once they are erased
ADDRESS = {"telegram": str(tg.CHAT_ID), "whatsapp": PHONE, "sms": PHONE}
NAME = {"telegram": "Siti Rahayu", "whatsapp": "Budi", "sms": None}


@pytest.fixture
def staff(client: TestClient, settings: Settings) -> dict[str, str]:
    create_staff(settings, "sup", "supervisor")
    return login(client, "sup")


def command(resident: Resident, sms: str, telegram: str) -> str:
    """What the resident types for a command on their channel."""
    return telegram if resident.channel == "telegram" else sms


def test_data_saya_shows_the_contact_and_every_case(resident: Resident, staff: dict) -> None:
    """DATA SAYA (/datasaya) answers with the contact as the resident knows it and each case's
    code; Telegram and WhatsApp add each case's status and filing day, an SMS stays short."""
    first = files(resident, RUBBISH)
    second = files(resident, STREET_LIGHT)
    move(resident.client, staff, first, "in_progress")
    [answer] = resident.says(command(resident, "DATA SAYA", "/datasaya"))
    assert ADDRESS[resident.channel] in answer
    assert first in answer and second in answer
    assert "bahasa Indonesia" in answer
    if NAME[resident.channel]:
        assert NAME[resident.channel] in answer
    if resident.channel == "sms":
        assert "2 aduan:" in answer and "masuk" not in answer
        assert answer.endswith("Hapus data kontak Anda: HAPUS DATA")
    else:
        assert f"{first}: sedang dikerjakan, masuk" in answer
        assert "Aduan Anda (2):" in answer
        assert answer.endswith("/hapusdata" if resident.channel == "telegram" else "HAPUS DATA")
    assert RUBBISH not in answer  # the codes, not the complaints' words


def test_hapus_data_yes_erases_the_resident_and_keeps_the_case(
    resident: Resident, client: TestClient, settings: Settings, staff: dict
) -> None:
    """After HAPUS DATA and a yes, the contact row is gone, the case stays naming nobody, the
    message still owed is cancelled and never sent, and no staff view (API, console, CSV)
    shows the address or name; the channel then works afresh, as a new contact."""
    code = files(resident, RUBBISH)
    move(client, staff, code, "in_progress", "Petugas menuju lokasi")  # owed, not yet sent
    [question] = resident.says(command(resident, "HAPUS DATA", "/hapusdata"))
    assert "Hapus data kontak Anda?" in question and "1 = ya" in question
    [answer] = resident.presses("1")
    assert "Data Anda sudah dihapus" in answer and ADDRESS[resident.channel] in answer
    assert "1 aduan kini tanpa identitas Anda; 1 pesan dibatalkan" in answer

    assert sql(settings, "SELECT id FROM contacts") == []
    [(contact_id, notify, erased_at)] = sql(
        settings, "SELECT contact_id, notify, reporter_erased_at FROM cases"
    )
    assert contact_id is None and not notify and erased_at is not None
    messages = sql(settings, "SELECT kind, status, contact_id FROM notifications ORDER BY id")
    assert [(kind, status) for kind, status, _ in messages] == [
        ("acknowledgement", "sent"),
        ("status_changed", "cancelled"),
    ]
    assert all(contact is None for _, _, contact in messages)
    assert resident.news() == []  # the cancelled message never goes out

    detail = client.get(f"/api/v1/cases/{code}", headers=staff)
    assert detail.json()["contact"] is None and detail.json()["reporter_erased"] is True
    export = client.get("/api/v1/cases/export.csv", headers=staff)
    client.base_url = "https://testserver"
    signed_in(client, "sup")
    page = client.get(f"/console/cases/{code}")
    assert page.status_code == 200 and "Data pelapor dihapus." in page.text
    assert "Tampilkan kontak lengkap" not in page.text
    assert "dibatalkan, data warga dihapus" in page.text
    for shown in (detail.text, export.text, page.text):
        assert code in shown
        assert ADDRESS[resident.channel] not in shown
        assert ADDRESS[resident.channel].lstrip("+")[-8:] not in shown
        if NAME[resident.channel]:
            assert NAME[resident.channel] not in shown

    [again] = resident.says(command(resident, "DATA SAYA", "/datasaya"))
    assert "Tidak ada aduan atas kontak ini." in again
    assert len(sql(settings, "SELECT id FROM contacts")) == 1


def test_hapus_data_no_keeps_everything(resident: Resident, settings: Settings) -> None:
    """A no (button 2, or typing it) erases nothing: the contact and its case stay linked."""
    code = files(resident, RUBBISH)
    resident.says(command(resident, "HAPUS DATA", "/hapusdata"))
    [answer] = resident.presses("2")
    assert answer == "Baik, data Anda tidak dihapus."
    [(contact_id,)] = sql(settings, "SELECT contact_id FROM cases")
    assert contact_id is not None
    [(address,)] = sql(settings, "SELECT address FROM contacts WHERE id = :i", i=contact_id)
    assert address == ADDRESS[resident.channel]
    [status] = resident.says(command(resident, "CEK", "/status"))
    assert code in status


def test_typed_ya_answers_the_question_and_other_words_move_on(
    resident: Resident, settings: Settings
) -> None:
    """ "YA" typed answers yes as the number does; any other message drops the question unasked,
    so a later "1" erases nothing."""
    files(resident, RUBBISH)
    resident.says(command(resident, "HAPUS DATA", "/hapusdata"))
    assert resident.says("terima kasih") == ["Sama-sama. Terima kasih sudah melapor."]
    resident.says("1")
    assert len(sql(settings, "SELECT id FROM contacts")) == 1
    resident.says(command(resident, "HAPUS DATA", "/hapusdata"))
    [answer] = resident.says("YA")
    assert "Data Anda sudah dihapus" in answer
    assert sql(settings, "SELECT id FROM contacts") == []


def test_hapus_data_also_drops_a_mode_asked_for_the_next_complaint(
    resident: Resident, settings: Settings
) -> None:
    """A resident who asked for Anonim for their next complaint and then erases their data
    leaves no such wish behind, and no contact."""
    files(resident, RUBBISH)
    resident.says(command(resident, "ANONIM", "/anonim"))
    assert sql(settings, "SELECT count(*) FROM pending_modes") == [(1,)]
    resident.says(command(resident, "HAPUS DATA", "/hapusdata"))
    [answer] = resident.presses("1")
    assert "sudah dihapus" in answer
    assert sql(settings, "SELECT count(*) FROM pending_modes") == [(0,)]
    assert sql(settings, "SELECT count(*) FROM contacts") == [(0,)]
