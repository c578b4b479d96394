"""Say when: the messages a resident is sent say when their case will be handled, in their
words and language, and only what is true (on time, late, waiting on them, in review, done).

Complaints are filed through the public API at set moments and moved by staff through the
staff API; what the resident is told is read from the outbox, as it would be sent by SMS.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.helpers import create_staff, file_complaint, login, outbox

WIB = ZoneInfo("Asia/Jakarta")
PHONE = "+6281300000777"
# the road-damage category's 168 working hours from Monday 2 November 2026, 09:00: Wednesday
# 11 November, 09:00 (tests/cases/test_lifecycle_api.py)
FILED = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)
DUE_DAY = {"id": "Rabu, 11 November", "en": "Wednesday, 11 November"}
ON_TIME = {"id": "Target selesai Rabu, 11 November.", "en": "Due Wednesday, 11 November."}
LATE = {
    "id": "Lewat target Rabu, 11 November; dinas kami ingatkan tiap hari.",
    "en": "Overdue since Wednesday, 11 November; we remind the agency daily.",
}
PAUSED = {
    "id": "Hitungan target berhenti sampai Anda menjawab.",
    "en": "The target clock stops until you reply.",
}
# a complaint routing cannot place: triage, whose target (24 working hours) is its review
UNCLEAR = "Tolong dibantu ya pak, terima kasih banyak"
REVIEW = {"id": "Target peninjauan Selasa, 3 November.", "en": "Review due Tuesday, 3 November."}


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def bodies(settings: Settings) -> list[str]:
    return [row.body for row in outbox(settings)]


def file_at(client: TestClient, moment: datetime, language: str, **fields: str) -> str:
    """File a complaint at `moment` by a resident who wants SMS updates; its tracking code."""
    with at(moment):
        body = file_complaint(client, phone=PHONE, notify_via="sms", language=language, **fields)
    return body["tracking_code"]


def move(client: TestClient, settings: Settings, moment: datetime, code: str, status: str) -> None:
    """An officer of the case's agency (DPU) moves it to `status` at `moment`."""
    with at(moment):
        officer = login(client, "officer.dpu")
        response = client.post(
            f"/api/v1/cases/{code}/transitions", json={"status": status}, headers=officer
        )
    assert response.status_code == 200, response.text


@pytest.fixture
def officer(settings: Settings) -> None:
    create_staff(settings, "officer.dpu", "officer", "DPU")


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_acknowledgement_names_the_day_the_case_is_due(
    client: TestClient, settings: Settings, language: str
) -> None:
    """Filed on a Monday with a 168-working-hour target, the case is due a week on Wednesday,
    said with the weekday and month in the resident's language and no year (it is this one)."""
    code = file_at(client, FILED, language)
    [ack] = bodies(settings)
    assert ack.startswith(f"{'Aduan' if language == 'id' else 'Complaint'} {code}")
    assert ON_TIME[language] in ack
    assert "2026" not in ack


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", "Target selesai Kamis, 7 Januari 2027."),
        ("en", "Due Thursday, 7 January 2027."),
    ],
)
def test_a_target_in_the_next_year_names_the_year(
    client: TestClient, settings: Settings, language: str, expected: str
) -> None:
    """Filed on 23 December with a 168-working-hour target, the case is due on Thursday 7
    January (Christmas, its joint leave day, New Year's Day and Isra Mi'raj on 5 January are
    not worked), and the year is said."""
    file_at(client, datetime(2026, 12, 23, 9, 0, tzinfo=WIB), language)
    [ack] = bodies(settings)
    assert expected in ack


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_late_case_says_so_and_a_waiting_one_that_the_clock_stands_still(
    client: TestClient, settings: Settings, officer: None, language: str
) -> None:
    """Work starting after the target is told as late, honestly, with the day it was due; a
    case waiting on the resident says its clock waits for them, with no day."""
    code = file_at(client, FILED, language)
    move(client, settings, datetime(2026, 11, 16, 10, 0, tzinfo=WIB), code, "in_progress")
    move(client, settings, datetime(2026, 11, 16, 11, 0, tzinfo=WIB), code, "waiting")
    _, started, waiting = bodies(settings)
    assert LATE[language] in started
    assert PAUSED[language] in waiting
    assert DUE_DAY[language] not in waiting


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_case_on_time_says_its_target_and_a_finished_one_none(
    client: TestClient, settings: Settings, officer: None, language: str
) -> None:
    """Work starting before the target repeats the day; resolving it asks for a rating and
    says nothing of a target any more."""
    code = file_at(client, FILED, language)
    move(client, settings, datetime(2026, 11, 3, 10, 0, tzinfo=WIB), code, "in_progress")
    move(client, settings, datetime(2026, 11, 4, 10, 0, tzinfo=WIB), code, "resolved")
    _, started, resolved = bodies(settings)
    assert ON_TIME[language] in started
    assert DUE_DAY[language] not in resolved


@pytest.mark.parametrize("language", ["id", "en"])
def test_triage_gives_the_review_target_and_a_forward_the_agency_target(
    client: TestClient, settings: Settings, language: str
) -> None:
    """A complaint nobody has placed yet has no agency target to tell: its acknowledgement
    gives the day its review is due. Forwarded to an agency, the new target is told."""
    code = file_at(client, FILED, language, text=UNCLEAR)
    create_staff(settings, "kepala", "supervisor")
    with at(datetime(2026, 11, 2, 14, 0, tzinfo=WIB)):
        supervisor = login(client, "kepala")
        response = client.post(
            f"/api/v1/cases/{code}/forward",
            json={"agency": "DPU", "note": "Jalan rusak", "category": "road_damage"},
            headers=supervisor,
        )
    assert response.status_code == 200, response.text
    ack, forwarded = bodies(settings)
    assert REVIEW[language] in ack
    # 168 working hours from Monday 14:00: Wednesday 11 November, 14:00
    assert ON_TIME[language] in forwarded
