"""The lifecycle table is what happens: every move, however it is made, writes the history entry
and the message its row names; a move the table lacks is refused and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from cases.followups import run_followups
from cases.lifecycle import transition
from cases.service import find_by_code
from cases.transitions import MOVES, MoveName, Party
from core.db import get_engine, session_scope
from core.settings import Settings
from staff.models import User
from tests.channels import inbound, signed_post
from tests.helpers import POTHOLE, create_staff, file_complaint, login

SUPERVISOR = "kepala"
UNROUTABLE = "Mohon bantuannya pak, ini sudah lama sekali"
POWER_CUT = "Listrik di rumah kami padam sejak jam 6 pagi, sampai sekarang belum menyala"
TWO_PROBLEMS = "air PDAM mati dan jalan juga banjir"
# POTHOLE's problem in other words: routing gives it the same category
SAME_POTHOLE = "Aspal Jl. Pemuda rusak berlubang dalam depan toko bangunan, banyak motor terjatuh"
NOTHING_YET: dict[str, Any] = {"status": None, "history": [], "notifications": []}


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, SUPERVISOR, "supervisor")
    return login(client, SUPERVISOR)


def view(client: TestClient, staff: dict, code: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{code}", headers=staff)
    assert response.status_code == 200, response.text
    return response.json()


def ok(response) -> None:
    assert response.status_code in (200, 201), response.text


def move(client: TestClient, staff: dict, code: str, status: str):
    return client.post(f"/api/v1/cases/{code}/transitions", json={"status": status}, headers=staff)


def filed(client: TestClient, text: str = POTHOLE) -> str:
    return file_complaint(client, text=text, email="warga@example.com")["tracking_code"]


def walk(client: TestClient, staff: dict, code: str, *statuses: str) -> str:
    for status in statuses:
        ok(move(client, staff, code, status))
    return code


def walked(client: TestClient, staff: dict, *statuses: str) -> str:
    """A case filed by e-mail and moved through `statuses`."""
    return walk(client, staff, filed(client), *statuses)


def followed(client: TestClient, staff: dict, code: str) -> str:
    """`code`, now also followed by the reporter of a duplicate merged into it."""
    duplicate = file_complaint(client, email="tetangga@example.com")["tracking_code"]
    ok(client.post(f"/api/v1/cases/{duplicate}/merge", json={"into": code}, headers=staff))
    return code


# each driver brings a case to where its move can be made and returns its code (None when
# the move files a new one) with a function that makes the move the way it is made in use,
# returning the code of the case it moved
Made = Callable[[], str]
Driver = Callable[[TestClient, Settings, dict], tuple[str | None, Made]]


def by_status(path: tuple[str, ...], status: str) -> Driver:
    def drive(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
        code = walk(client, staff, followed(client, staff, filed(client)), *path)

        def make() -> str:
            ok(move(client, staff, code, status))
            return code

        return code, make

    return drive


def filing(text: str) -> Driver:
    def drive(client: TestClient, settings: Settings, staff: dict) -> tuple[None, Made]:
        return None, lambda: filed(client, text)

    return drive


def forwarding(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
    code = walk(client, staff, followed(client, staff, filed(client)), "in_progress")

    def make() -> str:
        body = {"agency": "BPBD", "note": "Ini banjir, bukan jalan rusak"}
        ok(client.post(f"/api/v1/cases/{code}/forward", json=body, headers=staff))
        return code

    return code, make


def referring(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
    code = walk(client, staff, followed(client, staff, filed(client)), "in_progress")

    def make() -> str:
        body = {"agency": "BBPJN", "note": "jalan nasional, bukan jalan kota"}
        ok(client.post(f"/api/v1/cases/{code}/refer", json=body, headers=staff))
        return code

    return code, make


def splitting_by_sms(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
    """Two agencies' problems in one SMS wait in triage; "2" splits them."""
    ok(signed_post(client, settings, inbound(TWO_PROBLEMS)))
    [case] = client.get("/api/v1/cases", headers=staff).json()["items"]
    assert case["status"] == "triage"
    code = followed(client, staff, case["tracking_code"])

    def make() -> str:
        ok(signed_post(client, settings, inbound("2")))
        return code

    return code, make


def merging(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
    original = filed(client)
    # the duplicate has a follower of its own: both hear of the merge
    duplicate = followed(client, staff, filed(client))

    def make() -> str:
        body = {"into": original}
        ok(client.post(f"/api/v1/cases/{duplicate}/merge", json=body, headers=staff))
        return duplicate

    return duplicate, make


def joining_on_whatsapp(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
    """A resident's complaint, placed next to a public one about the same problem; the bot
    asked "already reported?" and they answer IKUT."""
    here = {"lat": -6.99321, "lon": 110.44210}
    original = file_complaint(client, text=POTHOLE, email="warga@example.com", **here)
    walk(client, staff, original["tracking_code"], "in_progress")
    ok(signed_post(client, settings, inbound(SAME_POTHOLE, whatsapp=True)))
    [mine] = [
        case["tracking_code"]
        for case in client.get("/api/v1/cases", headers=staff).json()["items"]
        if case["tracking_code"] != original["tracking_code"]
    ]
    where = {"Latitude": str(here["lat"]), "Longitude": str(here["lon"])}
    ok(signed_post(client, settings, inbound("", whatsapp=True, **where)))

    def make() -> str:
        ok(signed_post(client, settings, inbound("IKUT", whatsapp=True)))
        return mine

    return mine, make


def not_fixed_by_sms(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
    ok(signed_post(client, settings, inbound(POTHOLE)))
    [case] = client.get("/api/v1/cases", headers=staff).json()["items"]
    code = walk(client, staff, followed(client, staff, case["tracking_code"]), "resolved")

    def make() -> str:
        ok(signed_post(client, settings, inbound("Belum beres")))
        return code

    return code, make


def answering_by_sms(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
    ok(signed_post(client, settings, inbound(POTHOLE)))
    [case] = client.get("/api/v1/cases", headers=staff).json()["items"]
    code = walk(client, staff, followed(client, staff, case["tracking_code"]), "waiting")

    def make() -> str:
        ok(signed_post(client, settings, inbound("RT 02 RW 05 pak, di depan masjid Al Ikhlas")))
        return code

    return code, make


def closing_by_followups(client: TestClient, settings: Settings, staff: dict) -> tuple[str, Made]:
    code = walk(client, staff, followed(client, staff, filed(client)), "resolved")
    resolved_at = datetime.fromisoformat(view(client, staff, code)["resolved_at"])
    later = resolved_at + timedelta(days=settings.auto_close_days, minutes=1)

    def make() -> str:
        report = run_followups(get_engine(settings.database_url), settings, later)
        assert report.closed == 1
        return code

    return code, make


DRIVERS: dict[MoveName, Driver] = {
    MoveName.file: filing(POTHOLE),
    MoveName.file_for_triage: filing(UNROUTABLE),
    MoveName.file_referred: filing(POWER_CUT),
    MoveName.forward: forwarding,
    MoveName.refer: referring,
    MoveName.split: splitting_by_sms,
    MoveName.start: by_status((), "in_progress"),
    MoveName.wait: by_status(("in_progress",), "waiting"),
    MoveName.resume: by_status(("waiting",), "in_progress"),
    MoveName.answer: answering_by_sms,
    MoveName.resolve: by_status(("waiting",), "resolved"),
    MoveName.reject: by_status((), "rejected"),
    MoveName.merge: merging,
    MoveName.join: joining_on_whatsapp,
    MoveName.reopen: by_status(("resolved",), "in_progress"),
    MoveName.not_fixed: not_fixed_by_sms,
    MoveName.close: by_status(("resolved",), "closed"),
    MoveName.auto_close: closing_by_followups,
}


# what each move writes in the history and sends, as the service did before the table held it
EXPECTED: dict[MoveName, tuple[str, str | None]] = {
    MoveName.file: ("created", "acknowledgement"),
    MoveName.file_for_triage: ("created", "acknowledgement"),
    # told where to go instead of being acknowledged
    MoveName.file_referred: ("created", "referred"),
    MoveName.forward: ("forwarded", "forwarded"),
    MoveName.refer: ("status_changed", "referred"),
    MoveName.split: ("forwarded", "forwarded"),
    MoveName.start: ("status_changed", "status_changed"),
    MoveName.wait: ("status_changed", "status_changed"),
    MoveName.resume: ("status_changed", "status_changed"),
    # answered in the chat at once; nobody else is told
    MoveName.answer: ("status_changed", None),
    MoveName.resolve: ("status_changed", "rating_request"),
    MoveName.reject: ("status_changed", "status_changed"),
    MoveName.merge: ("merged", "status_changed"),
    # answered in the chat at once
    MoveName.join: ("merged", None),
    MoveName.reopen: ("status_changed", "status_changed"),
    MoveName.not_fixed: ("status_changed", "reopened"),
    MoveName.close: ("status_changed", "status_changed"),
    MoveName.auto_close: ("status_changed", "auto_closed"),
}


@pytest.mark.parametrize("name", list(MoveName))
def test_each_move_writes_the_entry_and_the_messages_its_row_names(
    name: MoveName, client: TestClient, settings: Settings, staff: dict
) -> None:
    """One history entry, and the message to everyone who follows the case (its reporter and
    the reporter of a duplicate merged into it), both as the move's row of the table says."""
    row = MOVES[name]
    assert (row.event, row.tells) == EXPECTED[name]
    code, make = DRIVERS[name](client, settings, staff)
    before = view(client, staff, code) if code else NOTHING_YET
    code = make()
    after = view(client, staff, code)
    assert (before["status"] in row.sources) or (before["status"] is None and not row.sources)
    assert after["status"] == row.target
    entries = after["history"][len(before["history"]) :]
    actor = SUPERVISOR if row.by is Party.staff else str(row.by)
    assert [(e["kind"], e["from_status"], e["to_status"], e["actor"]) for e in entries] == [
        (row.event, before["status"], row.target, actor)
    ]
    # a case just filed has nobody but its reporter to tell yet
    followers = 2 if row.sources else 1
    messages = after["notifications"][len(before["notifications"]) :]
    assert [m["kind"] for m in messages] == ([row.tells] * followers if row.tells else [])


def merge_into(code: str) -> dict[str, str]:
    return {"into": code}


@pytest.mark.parametrize(
    ("path", "action", "body", "reason"),
    [
        ((), "transitions", {"status": "closed"}, "cannot move a case from 'assigned' to 'closed'"),
        (("rejected",), "transitions", {"status": "in_progress"}, "none (this status is final)"),
        (("resolved",), "forward", {"agency": "DLH", "note": "salah"}, "move 'forward'"),
        (("rejected",), "merge", merge_into, "only an open case"),
    ],
    ids=["closed-from-assigned", "out-of-rejected", "forward-resolved", "merge-rejected"],
)
def test_a_move_the_table_lacks_is_409_and_changes_nothing(
    client: TestClient,
    staff: dict,
    path: tuple[str, ...],
    action: str,
    body: dict | Callable[[str], dict],
    reason: str,
) -> None:
    """Refused with 409 and the reason; the case, its history and its messages stay as they were."""
    other = filed(client)
    code = walked(client, staff, *path)
    before = view(client, staff, code)
    payload = body(other) if callable(body) else body
    response = client.post(f"/api/v1/cases/{code}/{action}", json=payload, headers=staff)
    assert response.status_code == 409
    assert reason in response.json()["detail"]
    assert view(client, staff, code) == before


def test_only_the_party_a_row_names_makes_the_move(
    client: TestClient, settings: Settings, staff: dict
) -> None:
    """Staff cannot make the system's auto-close, and a staff move needs a staff member."""
    code = walked(client, staff, "resolved")
    before = view(client, staff, code)
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        case = find_by_code(session, code)
        user = session.exec(select(User).where(User.username == SUPERVISOR)).one()
        with pytest.raises(ValueError, match="made by the system"):
            transition(session, settings, case, MoveName.auto_close, actor=user)
        with pytest.raises(ValueError, match="made by the staff"):
            transition(session, settings, case, MoveName.close)
    assert view(client, staff, code) == before
