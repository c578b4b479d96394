"""Anonim: no staff view, role or export shows who reported (cases/reporter.py), not even
masked, while the reporter still hears every update on their own channel.

Each test looks for the reporter's actual identifiers (the phone digits, the Telegram chat id,
the name their app sent) in everything staff can read: the staff API, the console pages and the
CSV export; an ordinary complaint of the same resident shows that the search would find them.
"""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from cases.reporter import mask_address
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE
from tests.console.helpers import signed_in
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import create_staff, file_complaint, login, run_jobs
from tests.residents import (  # noqa: F401 - on_every_channel is the `resident` fixture
    RUBBISH,
    WATER,
    Resident,
    on_every_channel,
)

# what would name the reporter of each channel: the chat or number, and the name sent along
# (masked as an ordinary case shows them, too)
NUMBER = [PHONE, PHONE.lstrip("+"), "081390001234", mask_address(PHONE)]
IDENTIFIERS = {
    "telegram": [str(tg.CHAT_ID), mask_address(str(tg.CHAT_ID)), "Siti", "Rahayu"],
    "whatsapp": [*NUMBER, "Budi"],
    "sms": NUMBER,
}
IN_FRONT = {"telegram": "#anonim", "whatsapp": "ANONIM", "sms": "anonim:"}
FLOOD_A = "Gorong-gorong mampet di Jl. Majapahit depan Indomaret, air meluber ke jalan tiap hujan"
FLOOD_B = "gorong2 mampet jl majapahit dpn indomaret, airnya meluber ke jalan kalau hujan"
HERE = {"lat": -6.99321, "lon": 110.44210}
NEAR = {"lat": -6.99380, "lon": 110.44250}


def codes_by_mode(client: TestClient, staff: dict[str, str]) -> tuple[str, str]:
    """The tracking codes of the anonymous case and the ordinary one, in that order."""
    listed = client.get("/api/v1/cases", headers=staff).json()["items"]
    details = [
        client.get(f"/api/v1/cases/{case['tracking_code']}", headers=staff).json()
        for case in listed
    ]
    [anonymous] = [d["tracking_code"] for d in details if d["anonymous"]]
    [ordinary] = [d["tracking_code"] for d in details if not d["anonymous"]]
    return anonymous, ordinary


def named(text: str, identifiers: list[str]) -> list[str]:
    return [identifier for identifier in identifiers if identifier in text]


def test_no_staff_view_names_an_anonymous_reporter(
    resident: Resident, client: TestClient, settings: Settings
) -> None:
    """API detail and list, console queue and case page, CSV: nothing of the reporter; the
    same resident's ordinary complaint shows their contact there as before."""
    identifiers = IDENTIFIERS[resident.channel]
    assert resident.says(f"{IN_FRONT[resident.channel]} {RUBBISH}") == []
    assert resident.says(WATER) == []
    resident.news()  # both acknowledgements, with the outbox rows staff see listed
    create_staff(settings, "kepala", "supervisor")
    supervisor = login(client, "kepala")
    anonymous, ordinary = codes_by_mode(client, supervisor)

    detail = client.get(f"/api/v1/cases/{anonymous}", headers=supervisor)
    assert detail.json()["contact"] is None and detail.json()["anonymous"] is True
    assert len(detail.json()["notifications"]) == 1  # the acknowledgement, to nobody named
    assert named(detail.text, identifiers) == []
    listing = client.get("/api/v1/cases", headers=supervisor).text
    assert named(listing, identifiers) == []
    exported = client.get("/api/v1/cases/export.csv", headers=supervisor).text
    assert named(exported, identifiers) == []
    rows = {row["tracking_code"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert (rows[anonymous]["anonymous"], rows[ordinary]["anonymous"]) == ("yes", "no")

    client.base_url = "https://testserver"  # the console's cookie is Secure
    signed_in(client, "kepala")
    page = client.get(f"/console/cases/{anonymous}").text
    assert "Pelapor anonim" in page
    assert named(page, identifiers) == []
    assert "None" not in page and "<bound method" not in page
    assert named(client.get("/console").text, identifiers) == []
    # the ordinary complaint of the same resident: their contact is shown, as it always was
    ordinary_page = client.get(f"/console/cases/{ordinary}").text
    assert "Pelapor anonim" not in ordinary_page
    assert named(ordinary_page, identifiers)
    assert client.get(f"/api/v1/cases/{ordinary}", headers=supervisor).json()["contact"]


def test_an_anonymous_reporter_still_hears_every_update(
    resident: Resident, client: TestClient, settings: Settings
) -> None:
    """An officer moving the case sends the news to the reporter's own chat or phone."""
    assert resident.says(f"{IN_FRONT[resident.channel]} {RUBBISH}") == []
    [ack] = resident.news()
    create_staff(settings, "dlh", "officer", "DLH")
    officer = login(client, "dlh")
    [case] = client.get("/api/v1/cases", headers=officer).json()["items"]
    code = case["tracking_code"]
    assert code in ack and "Mode Anonim" in ack
    body = {"status": "in_progress", "note": "Truk sampah dijadwalkan besok pagi"}
    moved = client.post(f"/api/v1/cases/{code}/transitions", json=body, headers=officer)
    assert moved.status_code == 200, moved.text
    assert moved.json()["contact"] is None
    [news] = resident.news()
    assert code in news and "sedang dikerjakan" in news and "Truk sampah" in news


def test_a_delivery_error_quoting_the_number_shows_it_to_no_one(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Twilio's refusal names the number it refused; staff read the reason without it."""
    number = "+6281200000003"
    twilio.reject_number(number, code=21211)
    code = file_complaint(client, phone=number, notify_via="sms", anonymous=True)["tracking_code"]
    run_jobs(settings)
    create_staff(settings, "kepala", "supervisor")
    supervisor = login(client, "kepala")
    detail = client.get(f"/api/v1/cases/{code}", headers=supervisor)
    [row] = detail.json()["notifications"]
    assert row["status"] == "failed" and "21211" in row["last_error"]
    assert "81200000003" not in detail.text
    client.base_url = "https://testserver"
    signed_in(client, "kepala")
    page = client.get(f"/console/cases/{code}").text
    assert "21211" in page and "81200000003" not in page


def test_a_merged_anonymous_reporter_is_followed_but_not_named(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """An anonymous duplicate merged into an ordinary case: its reporter hears the original's
    news, and the original's page names neither them nor their number."""
    number = "+6281390005678"
    first = file_complaint(client, text=FLOOD_A, **HERE)["tracking_code"]
    second = file_complaint(
        client, text=FLOOD_B, phone=number, notify_via="sms", anonymous=True, **NEAR
    )["tracking_code"]
    create_staff(settings, "dpu", "officer", "DPU")
    officer = login(client, "dpu")
    merged = client.post(f"/api/v1/cases/{second}/merge", json={}, headers=officer)
    assert merged.status_code == 200, merged.text
    body = {"status": "in_progress"}
    moved = client.post(f"/api/v1/cases/{first}/transitions", json=body, headers=officer)
    assert moved.status_code == 200 and moved.json()["followers"] == 1
    run_jobs(settings)
    assert [m for m in twilio.messages_to(number) if first in m.body]
    assert "5678" not in client.get(f"/api/v1/cases/{first}", headers=officer).text
    client.base_url = "https://testserver"
    signed_in(client, "dpu")
    assert "5678" not in client.get(f"/console/cases/{first}").text
