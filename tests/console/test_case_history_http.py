"""The notes a case's history writes by itself (a likely duplicate, a merge, the resident's "not
fixed", auto-close, escalation, a triage assignment) read in the console page's language; the
staff API keeps them in English; a note written before they were coded shows as it was stored."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from cases.citizen import rate_url
from cases.followups import run_followups
from core.db import get_engine, utcnow
from core.settings import Settings
from notifications.dispatch import RQDispatcher
from tests.console.helpers import add_staff, history, post, signed_in
from tests.helpers import POTHOLE, create_staff, file_complaint, login, sql

VAGUE = "Mohon bantuannya pak, ini sudah lama sekali"  # routing cannot place it: triage
FLOOD_A = "Gorong-gorong mampet di Jl. Majapahit depan Indomaret, air meluber ke jalan tiap hujan"
FLOOD_B = "gorong2 mampet jl majapahit dpn indomaret, airnya meluber ke jalan kalau hujan"
OLD_NOTE = "closed automatically 7 days after resolved"


def internal_notes(page: str) -> list[str]:
    """The internal notes of a case page's history, oldest first, as a reader sees them."""
    found = re.findall(
        r'<blockquote class="internal"><span class="tag">[^<]*</span> (.*?)</blockquote>',
        page,
        re.S,
    )
    return [html.unescape(note) for note in found]


def followups(settings: Settings, now: datetime) -> None:
    run_followups(get_engine(settings.database_url), settings, now, RQDispatcher(settings))


def test_the_historys_own_notes_read_in_the_page_language(
    web: TestClient, settings: Settings
) -> None:
    create_staff(settings, "kepala", "supervisor")
    add_staff(settings, "sari", "supervisor")  # with an e-mail address: told of escalations
    api = login(web, "kepala")
    first = file_complaint(web, text=FLOOD_A, lat=-6.99321, lon=110.44210)["tracking_code"]
    second = file_complaint(web, text=FLOOD_B, lat=-6.99380, lon=110.44250)["tracking_code"]
    vague = file_complaint(web, text=VAGUE)["tracking_code"]
    late = file_complaint(web, text=POTHOLE)["tracking_code"]
    score = history(settings, second)[-1].note_params["score"]
    csrf = signed_in(web, "kepala")
    assert post(web, f"/console/cases/{second}/merge", csrf).status_code == 303

    def resolve() -> None:
        response = web.post(
            f"/api/v1/cases/{first}/transitions", json={"status": "resolved"}, headers=api
        )
        assert response.status_code == 200, response.text

    resolve()
    token = rate_url(settings, first).split("t=", 1)[1]
    said = web.post(
        f"/track/{first}/rate", data={"t": token, "not_fixed": "1"}, follow_redirects=False
    )
    assert said.status_code == 303  # the resident says it is not fixed
    resolve()
    due = utcnow().replace(microsecond=0)
    sql(settings, "UPDATE cases SET due_at = :due WHERE tracking_code = :c", due=due, c=late)
    followups(settings, due + timedelta(hours=25))  # to the agency head: none has an e-mail
    followups(settings, due + timedelta(hours=73))  # to the supervisors: sari has one
    resolved_at = datetime.fromisoformat(
        web.get(f"/api/v1/cases/{first}", headers=api).json()["resolved_at"]
    )
    followups(settings, resolved_at + timedelta(days=settings.auto_close_days, minutes=1))
    assigned = post(web, f"/console/triage/{vague}/assign", csrf, agency="DPU")
    assert assigned.status_code == 303
    sql(  # a note from before the codes: English text, no code
        settings,
        "INSERT INTO case_events (case_id, kind, internal_note, actor, created_at) SELECT id,"
        " 'note', :note, 'system', :now FROM cases WHERE tracking_code = :c",
        note=OLD_NOTE,
        now=utcnow(),
        c=late,
    )

    days = settings.auto_close_days
    expected = {
        "id": {
            second: [
                f"kemungkinan duplikat dari {first} (kemiripan {score})",
                f"digabung ke {first}",
            ],
            first: [
                f"{second} digabung ke aduan ini",
                "warga melaporkan masalahnya belum beres",
                f"ditutup otomatis {days} hari setelah selesai ditangani",
            ],
            vague: ["diberikan dari triase"],
            late: [
                "Dieskalasi ke kepala dinas. Terlambat 25 jam dari target; tidak ada yang punya "
                "alamat e-mail untuk dikabari",
                "Dieskalasi ke supervisor kota. Terlambat 73 jam dari target; dikabari: sari",
                OLD_NOTE,
            ],
        },
        "en": {
            second: [f"possible duplicate of {first} (similarity {score})", f"merged into {first}"],
            first: [
                f"{second} merged into this case",
                "citizen reports it is not fixed",
                f"closed automatically {days} days after resolved",
            ],
            vague: ["assigned from triage"],
            late: [
                "Escalated to the agency head. 25 h past due; told: nobody has an e-mail address",
                "Escalated to the city supervisors. 73 h past due; told: sari",
                OLD_NOTE,
            ],
        },
    }
    for language, notes in expected.items():
        web.get("/console", params={"lang": language})
        for code, said_notes in notes.items():
            assert internal_notes(web.get(f"/console/cases/{code}").text) == said_notes, code
    for code, said_notes in expected["en"].items():  # the staff API speaks English
        events = web.get(f"/api/v1/cases/{code}", headers=api).json()["history"]
        assert [e["internal_note"] for e in events if e["internal_note"]] == said_notes, code
