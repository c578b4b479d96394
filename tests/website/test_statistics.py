"""The public statistics page (/statistik, /statistics) through HTTP, on a hand-built set.

The cases are written straight into the database with chosen timestamps, as the dashboard's
tests write theirs (tests/console/test_dashboard_http.py): the numbers are about time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from cases import public_stats
from cases.day_stats import rebuild
from core import versions
from core.db import get_engine, session_scope, utcnow
from core.settings import Settings
from routing.models import Agency
from tests.console.test_dashboard_http import _add, row_of
from tests.helpers import create_staff, login

SECRET_TEXT = "Pungutan liar oleh oknum di kantor kelurahan, saya takut namanya ketahuan"


def build_cases(settings: Settings) -> None:
    """Over the last 90 days DPU received A B C D and the Rahasia E, resolved A B E after 48,
    24 and 96 hours, and of the cases due A and the still open C are late, B and E on time
    (D is not due yet); F lies before the 90 days. DLH received and resolved G in 12 hours,
    on time."""
    now = utcnow()

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        agencies = {a.code: a.id for a in session.exec(select(Agency))}
        add = partial(_add, session, agencies)
        add("DPU", "closed", ago(10), due_at=ago(9), resolved_at=ago(8), closed_at=ago(1))  # A
        add("DPU", "resolved", ago(6), due_at=ago(4), resolved_at=ago(5))  # B
        add("DPU", "in_progress", ago(5), due_at=ago(1))  # C
        add("DPU", "assigned", ago(2), due_at=ago(-3))  # D
        add(
            "DPU",
            "closed",
            ago(20),
            due_at=ago(15),
            resolved_at=ago(16),
            closed_at=ago(9),
            confidential=True,
        )  # E
        add("DPU", "closed", ago(120), due_at=ago(119), resolved_at=ago(118))  # F
        add("DLH", "resolved", ago(3), due_at=ago(1), resolved_at=ago(3) + timedelta(hours=12))
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(
            sa.text("UPDATE cases SET text = :text WHERE confidential"), {"text": SECRET_TEXT}
        )
        rebuild(connection, settings.city_timezone)  # the cases were written behind its back


def trend(page: str) -> tuple[int, int]:
    """Filed and resolved summed over the weekly trend's table."""
    table = page[page.index('id="trend-stats"') :]
    weeks = [row_of(table, week, "data-week") for week in re.findall(r'data-week="([^"]+)"', table)]
    return sum(int(w["opened"]) for w in weeks), sum(int(w["resolved"]) for w in weeks)


def no_leaks(page: str) -> None:
    for leak in ("<bound method", "None", "in_progress", "confidential", SECRET_TEXT):
        assert leak not in page, leak


def test_numbers_per_agency_count_honestly(client: TestClient, settings: Settings) -> None:
    """Received, resolved, median days and on-time share per agency and in total: an open
    case past due is late, a not yet due one is left out, the Rahasia case counts in its
    agency's numbers; nothing older than 90 days counts."""
    build_cases(settings)
    page = client.get("/statistik")
    assert page.status_code == 200
    assert '<html lang="id">' in page.text
    assert row_of(page.text, "DPU") == {
        "received": "5",
        "resolved": "3",
        "median": "2,0",
        "on_time": "50,0% (2 dari 4)",
    }
    assert row_of(page.text, "DLH") == {
        "received": "1",
        "resolved": "1",
        "median": "0,5",
        "on_time": "100,0% (1 dari 1)",
    }
    assert row_of(page.text, "totals") == {
        "received": "6",
        "resolved": "4",
        "median": "1,5",
        "on_time": "60,0% (3 dari 5)",
    }
    assert row_of(page.text, "DISDIK") == {
        "received": "0",
        "resolved": "0",
        "median": "-",
        "on_time": "-",
    }
    # the method is on the page, in plain words
    assert "Cara menghitung" in page.text
    assert "hari kalender" in page.text
    assert "masih terbuka padahal batas waktunya sudah lewat dihitung terlambat" in page.text
    no_leaks(page.text)


def test_a_rahasia_case_counts_in_totals_only(client: TestClient, settings: Settings) -> None:
    """The weekly trend, of the city or of one agency, leaves the Rahasia case out; no page
    shows its words or its tracking code."""
    build_cases(settings)
    city = client.get("/statistik").text
    assert "<svg" in city and 'id="chart-trend"' in city
    assert trend(city) == (5, 3)  # A B C D G filed, A B G resolved: not E
    dpu = client.get("/statistik", params={"agency": "DPU"}).text
    assert "Aduan masuk dan selesai per minggu: Dinas Pekerjaan Umum" in dpu
    assert '<option value="DPU" selected>' in dpu
    assert trend(dpu) == (4, 2)
    assert row_of(dpu, "DPU")["received"] == "5"  # while the table counts it
    for page in (city, dpu):
        assert "TEST-" not in page
        no_leaks(page)


def test_english_page(client: TestClient, settings: Settings) -> None:
    """/statistics and ?lang=en speak English with English numbers; no Indonesian left."""
    build_cases(settings)
    for page in (
        client.get("/statistics"),
        client.get("/statistik", params={"lang": "en"}),
    ):
        assert page.status_code == 200
        assert '<html lang="en">' in page.text
        assert "Complaint statistics" in page.text
        assert "Public Works Agency" in page.text and "Dinas Pekerjaan Umum" not in page.text
        assert row_of(page.text, "totals") == {
            "received": "6",
            "resolved": "4",
            "median": "1.5",
            "on_time": "60.0% (3 of 5)",
        }
        for indonesian in ("Aduan masuk", "Cara menghitung", "Semua dinas", "hari", " dari "):
            assert indonesian not in page.text, indonesian
        no_leaks(page.text)
    # the English path still answers in Indonesian when asked to
    assert "Statistik aduan" in client.get("/statistics", params={"lang": "id"}).text


def test_cached_until_a_case_changes_status(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change behind the application's back waits for the cache; a status change through
    the lifecycle shows at once; past CACHE_SECONDS the page is computed again."""
    build_cases(settings)
    assert row_of(client.get("/statistik").text, "DLH")["received"] == "1"
    with get_engine(settings.database_url).begin() as connection:  # not through the ORM
        connection.execute(sa.text("UPDATE cases SET agency_id = NULL WHERE status = 'resolved'"))
        rebuild(connection, settings.city_timezone)
    assert row_of(client.get("/statistik").text, "DLH")["received"] == "1"  # cached

    create_staff(settings, "petugas", "officer", "DPU")
    code = client.get("/api/v1/cases", headers=login(client, "petugas")).json()["items"]
    started = next(item["tracking_code"] for item in code if item["status"] == "assigned")
    moved = client.post(
        f"/api/v1/cases/{started}/transitions",
        json={"status": "in_progress"},
        headers=login(client, "petugas"),
    )
    assert moved.status_code == 200, moved.text
    # computed again: the change behind its back shows too (B left DPU, G left DLH)
    page = client.get("/statistik").text
    assert row_of(page, "DLH")["received"] == "0"
    assert row_of(page, "DPU")["received"] == "4"

    with get_engine(settings.database_url).begin() as connection:
        connection.execute(sa.text("UPDATE cases SET confidential = true"))
        rebuild(connection, settings.city_timezone)
    assert trend(client.get("/statistik").text) != (0, 0)  # still cached
    monkeypatch.setattr(public_stats, "CACHE_SECONDS", 0.0)
    assert trend(client.get("/statistik").text) == (0, 0)


def test_a_status_change_in_another_process_is_seen(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A move committed elsewhere (the worker's follow-up pass, another web worker) writes its
    history row; once this process asks the database again (MAX_AGE, here at once), the
    numbers are computed again."""
    build_cases(settings)
    assert row_of(client.get("/statistik").text, "DLH")["resolved"] == "1"
    with get_engine(settings.database_url).begin() as connection:  # as another process would
        case_id = connection.execute(
            sa.text("SELECT id FROM cases WHERE status = 'resolved' AND agency_id = :dlh"),
            {"dlh": agency_id(settings, "DLH")},
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE cases SET status = 'in_progress', resolved_at = NULL WHERE id = :id"),
            {"id": case_id},
        )
        connection.execute(
            sa.text(
                "INSERT INTO case_events (case_id, kind, from_status, to_status, actor, "
                "created_at) VALUES (:id, 'status_changed', 'resolved', 'in_progress', "
                "'citizen', :now)"
            ),
            {"id": case_id, "now": utcnow()},
        )
        rebuild(connection, settings.city_timezone)  # as its move would count it
    monkeypatch.setattr(versions, "MAX_AGE", 0.0)
    assert row_of(client.get("/statistik").text, "DLH")["resolved"] == "0"


def agency_id(settings: Settings, code: str) -> int:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return session.exec(select(Agency.id).where(Agency.code == code)).one()
