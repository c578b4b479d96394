"""The supervisors' dashboard and the stats API it shares its numbers with, through HTTP.

The cases are written straight into the database with chosen timestamps (filed 10 days ago,
due 9 days ago, ...): the lifecycle would stamp them all "now", and the numbers are about time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cases.day_stats import rebuild
from cases.enums import EventKind
from cases.models import Case, CaseEvent
from core.db import get_engine, session_scope, utcnow
from core.settings import Settings
from routing.models import Agency
from tests.console.helpers import sign_in
from tests.helpers import POTHOLE, create_staff, login

_codes = count(1)


@dataclass(frozen=True)
class Scenario:
    today: date  # in the city's calendar

    def days_ago(self, days: int) -> str:
        return (self.today - timedelta(days=days)).isoformat()


def _add(
    session: Session,
    agencies: dict[str, int],
    agency: str | None,
    status: str,
    filed: datetime,
    *,
    forwarded_from: str | None = None,
    forwarded_at: datetime | None = None,
    **times: datetime | int | None,
) -> None:
    """A case with its history: filed (at `forwarded_from` when it was forwarded later)."""
    case = Case(
        tracking_code=f"TEST-{next(_codes):04d}",
        status=status,
        text=POTHOLE,
        source_channel="web",
        agency_id=agencies[agency] if agency else None,
        created_at=filed,
        updated_at=filed,
        **times,
    )
    session.add(case)
    session.flush()
    first_agency = forwarded_from or agency
    session.add(
        CaseEvent(
            case_id=case.id,
            kind=EventKind.created,
            to_status="assigned",
            to_agency_id=agencies[first_agency] if first_agency else None,
            actor="citizen",
            created_at=filed,
        )
    )
    if forwarded_from:
        session.add(
            CaseEvent(
                case_id=case.id,
                kind=EventKind.forwarded,
                from_agency_id=agencies[forwarded_from],
                to_agency_id=agencies[agency],
                actor="kepala",
                created_at=forwarded_at,
            )
        )


def build_scenario(settings: Settings) -> Scenario:
    """DPU, DLH and the triage desk, with cases inside and outside the last two weeks.

    Asking for the last 14 days (13 days ago to today), DPU has: filed 6 (A B C D E G), open
    now 4 (C D E H), overdue 2 (C H; D waits on the citizen), resolved 2 after 12 and 48 hours
    (A B), SLA on time 1 (A) and late 2 (B resolved late, C still open past due; D paused in
    time, E not yet due and G rejected are left out), ratings 5 and 2, one case forwarded
    away (I) of 7 received. DLH: I forwarded in, J open past due, L paused when already late.
    """
    now = utcnow()

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        agencies = {a.code: a.id for a in session.exec(select(Agency))}
        add = partial(_add, session, agencies)
        # DPU
        add(
            "DPU",
            "closed",
            ago(10),
            due_at=ago(9),
            resolved_at=ago(10) + timedelta(hours=12),
            closed_at=ago(8),
            rating=5,
            rated_at=ago(9),
        )  # A
        add(
            "DPU",
            "resolved",
            ago(8),
            due_at=ago(7),
            resolved_at=ago(8) + timedelta(hours=48),
            rating=2,
            rated_at=ago(5),
        )  # B
        add("DPU", "in_progress", ago(5), due_at=ago(1))  # C
        add("DPU", "waiting", ago(4), due_at=ago(2), paused_at=ago(3))  # D
        add("DPU", "assigned", ago(3), due_at=ago(-2))  # E
        add(
            "DPU",
            "closed",
            ago(20),
            due_at=ago(19),
            resolved_at=ago(20) + timedelta(hours=48),
            closed_at=ago(17),
            rating=1,
            rated_at=ago(18),
        )  # F, outside the range
        add("DPU", "rejected", ago(6), due_at=ago(5), rejected_at=ago(6))  # G
        add("DPU", "in_progress", ago(30), due_at=ago(25))  # H, filed and due long ago
        # DLH
        add(
            "DLH", "assigned", ago(7), due_at=ago(-1), forwarded_from="DPU", forwarded_at=ago(6)
        )  # I
        add("DLH", "assigned", ago(2), due_at=now - timedelta(hours=1))  # J
        add("DLH", "waiting", ago(6), due_at=ago(4), paused_at=ago(3))  # L
        # the triage desk
        add(None, "triage", ago(1), due_at=now - timedelta(hours=2))  # K
        # written behind the lifecycle's back: the daily summaries are computed as after any
        # such change (`aduan stats rebuild`)
        session.flush()
        rebuild(session.connection(), settings.city_timezone)
    return Scenario(datetime.now(ZoneInfo(settings.city_timezone)).date())


# a row of the last 14 days: cell -> text, as the page shows it in Indonesian
DPU_PAGE = {
    "open": "4", "overdue": "2", "total": "6", "resolved": "2", "median": "30,0",
    "p90": "44,4", "on_time": "1", "late": "2", "compliance": "33,3%", "forwarded": "1",
    "received": "7", "misrouting": "14,3%", "rating": "3,50", "ratings": "2",
}  # fmt: skip
DLH_PAGE = {
    "open": "3", "overdue": "1", "total": "3", "resolved": "0", "median": "-", "p90": "-",
    "on_time": "0", "late": "2", "compliance": "0,0%", "forwarded": "0", "received": "3",
    "misrouting": "0,0%", "rating": "-", "ratings": "0",
}  # fmt: skip
TOTALS_PAGE = {
    "open": "7", "overdue": "3", "total": "9", "resolved": "2", "median": "30,0",
    "p90": "44,4", "on_time": "1", "late": "4", "compliance": "20,0%", "forwarded": "1",
    "received": "10", "misrouting": "10,0%", "rating": "3,50", "ratings": "2",
}  # fmt: skip


def row_of(page: str, key: str, attribute: str = "data-agency") -> dict[str, str]:
    """The cells of one table row (by agency code, `totals`, or week), by their data-stat."""
    match = re.search(rf'<tr {attribute}="{re.escape(key)}">(.*?)</tr>', page, re.S)
    assert match, f"no row {key}"
    return dict(re.findall(r'<td data-stat="(\w+)"[^>]*>([^<]*)</td>', match.group(1)))


@pytest.fixture
def supervisor(web: TestClient, settings: Settings) -> TestClient:
    create_staff(settings, "kepala", "supervisor")
    assert sign_in(web, "kepala").status_code == 303
    return web


def test_dashboard_counts_honestly(supervisor: TestClient, settings: Settings) -> None:
    """Per agency and in total: an open case past due is late, a waiting one is not overdue,
    a pause after the due time stays late, rejected and not-yet-due cases are left out."""
    days = build_scenario(settings)
    page = supervisor.get("/console/dashboard", params={"from": days.days_ago(13)})
    assert page.status_code == 200
    assert row_of(page.text, "DPU") == DPU_PAGE
    assert row_of(page.text, "DLH") == DLH_PAGE
    assert row_of(page.text, "totals") == TOTALS_PAGE
    assert row_of(page.text, "DISDIK")["compliance"] == "-"
    assert "Di triase, belum punya dinas: 1 aduan terbuka, 1 lewat batas waktu" in page.text
    # the help text says which cases the SLA percentage is over
    assert "aduan yang batas waktunya jatuh di periode ini" in page.text


def test_api_gives_the_same_numbers(client: TestClient, settings: Settings) -> None:
    """The stats API shares the computation: same range, same numbers, more digits."""
    days = build_scenario(settings)
    create_staff(settings, "kepala", "supervisor")
    response = client.get(
        "/api/v1/stats/agencies",
        params={"from": days.days_ago(13), "to": days.days_ago(0)},
        headers=login(client, "kepala"),
    )
    assert response.status_code == 200
    rows = {row["agency"]: row for row in response.json()}
    assert rows["DPU"] == {
        "agency": "DPU",
        "name": "Dinas Pekerjaan Umum",
        "total": 6,
        "open": 4,
        "overdue": 2,
        "resolved": 2,
        "median_resolution_hours": 30.0,
        "p90_resolution_hours": 44.4,
        "forwarded": 1,
        "received": 7,
        "misrouting_rate": 0.1429,
        "sla_on_time": 1,
        "sla_late": 2,
        "sla_compliance": 0.3333,
        "rating_count": 2,
        "rating_mean": 3.5,
    }
    dlh = rows["DLH"]
    assert (dlh["overdue"], dlh["sla_late"], dlh["sla_compliance"]) == (1, 2, 0.0)


def test_date_range_leaves_out_what_falls_outside(
    supervisor: TestClient, client: TestClient, settings: Settings
) -> None:
    """Filed, resolved, due and rated outside the range: not counted; backlog is always now's."""
    days = build_scenario(settings)
    span = {"from": days.days_ago(30), "to": days.days_ago(15)}
    dpu = row_of(supervisor.get("/console/dashboard", params=span).text, "DPU")
    assert dpu == {
        "open": "4", "overdue": "2", "total": "2", "resolved": "1", "median": "48,0",
        "p90": "48,0", "on_time": "0", "late": "2", "compliance": "0,0%", "forwarded": "0",
        "received": "2", "misrouting": "0,0%", "rating": "1,00", "ratings": "1",
    }  # fmt: skip
    create_staff(settings, "sup2", "supervisor")
    rows = client.get("/api/v1/stats/agencies", params=span, headers=login(client, "sup2")).json()
    dlh = next(row for row in rows if row["agency"] == "DLH")
    assert (dlh["total"], dlh["received"], dlh["sla_late"], dlh["open"]) == (0, 0, 0, 3)


def test_weekly_chart_and_its_table(supervisor: TestClient, settings: Settings) -> None:
    """Filed and resolved per ISO week, for all cases or one agency, drawn as accessible SVG."""
    days = build_scenario(settings)
    span = {"from": days.days_ago(13), "to": days.days_ago(0)}
    page = supervisor.get("/console/dashboard", params=span).text
    assert page.count('role="img"') == 2
    assert '<title id="chart-weekly-title">Aduan masuk dan selesai per minggu</title>' in page
    assert '<title id="chart-hours-title">' in page
    assert "<script" not in page
    weeks = re.findall(r'<tr data-week="([^"]+)">', page)
    assert 2 <= len(weeks) <= 3
    totals = [row_of(page, week, "data-week") for week in weeks]
    # every case filed in the range, the triage desk's and the rejected one too
    assert sum(int(w["opened"]) for w in totals) == 10
    assert sum(int(w["resolved"]) for w in totals) == 2
    dlh = supervisor.get("/console/dashboard", params={**span, "agency": "DLH"}).text
    assert "Aduan masuk dan selesai per minggu: Dinas Lingkungan Hidup" in dlh
    only = [row_of(dlh, week, "data-week") for week in weeks]
    assert sum(int(w["opened"]) for w in only) == 3
    assert sum(int(w["resolved"]) for w in only) == 0


def test_default_range_is_twelve_weeks_and_english_numbers(
    supervisor: TestClient, settings: Settings
) -> None:
    """Without dates the form shows the last 12 weeks; in English the decimals use a point."""
    days = build_scenario(settings)
    page = supervisor.get("/console/dashboard", params={"lang": "en"}).text
    assert f'name="from" type="date" value="{days.days_ago(83)}"' in page
    assert f'name="to" type="date" value="{days.days_ago(0)}"' in page
    dpu = row_of(page, "DPU")
    # 12 weeks hold every case: F and H count now, resolved (F) and late (F, H)
    assert (dpu["total"], dpu["median"], dpu["compliance"]) == ("8", "48.0", "20.0%")
    assert "Agency performance dashboard" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2025-13-45"}, "Tanggal tidak valid"),
        ({"to": "kemarin"}, "Tanggal tidak valid"),
        ({"from": "1999-12-31", "to": "2000-01-05"}, "antara 01-01-2000 dan 31-12-2999"),
        ({"from": "2025-03-10", "to": "2025-03-01"}, "Tanggal awal jatuh sesudah tanggal akhir"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, "paling lama 732 hari"),
    ],
)
def test_bad_dates_are_explained(
    supervisor: TestClient, params: dict[str, str], message: str
) -> None:
    """A date that is no date, a reversed or a too long range: 400 and why, no numbers."""
    page = supervisor.get("/console/dashboard", params=params)
    assert page.status_code == 400
    assert message in page.text and 'role="alert"' in page.text
    assert 'id="agency-stats"' not in page.text
    # what was typed comes back in the form, escaped
    for value in params.values():
        assert f'value="{value}"' in page.text


def test_api_refuses_bad_ranges(client: TestClient, settings: Settings) -> None:
    """The API answers 422 with a reason for a malformed date or a reversed range."""
    create_staff(settings, "kepala", "supervisor")
    headers = login(client, "kepala")
    malformed = client.get("/api/v1/stats/agencies", params={"from": "2025-02-30"}, headers=headers)
    assert malformed.status_code == 422
    reversed_ = client.get(
        "/api/v1/stats/agencies", params={"from": "2025-03-10", "to": "2025-03-01"}, headers=headers
    )
    assert reversed_.status_code == 422
    assert reversed_.json()["detail"] == "'from' must not be after 'to'"
    # the default start is counted back from 'to': from year 1 that would leave the calendar
    ancient = client.get("/api/v1/stats/agencies", params={"to": "0001-01-01"}, headers=headers)
    assert ancient.status_code == 422
    assert ancient.json()["detail"] == "dates must lie between 2000-01-01 and 2999-12-31"


def test_only_supervisors_see_the_dashboard(web: TestClient, settings: Settings) -> None:
    """Signed out: to the login form and back. Officer and admin: the 403 page. Supervisors
    have the link in the menu; officers do not."""
    response = web.get("/console/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/dashboard"
    for username, role, agency in (("dpu", "officer", "DPU"), ("admin", "admin", None)):
        create_staff(settings, username, role, agency)
        web.cookies.clear()
        assert sign_in(web, username).status_code == 303
        refused = web.get("/console/dashboard")
        assert refused.status_code == 403, username
        assert "Akses ditolak" in refused.text
        assert 'href="/console/dashboard"' not in refused.text
        assert 'id="agency-stats"' not in refused.text
    create_staff(settings, "kepala", "supervisor")
    web.cookies.clear()
    assert sign_in(web, "kepala").status_code == 303
    queue = web.get("/console").text
    assert '<a href="/console/dashboard">Dasbor</a>' in queue
    page = web.get("/console/dashboard")
    assert page.status_code == 200
    assert '<a href="/console/dashboard" aria-current="page">Dasbor</a>' in page.text


def test_weeks_are_named_by_their_first_day(supervisor: TestClient, settings: Settings) -> None:
    """The weekly chart and its table name each week by the city day it starts, as the page's
    language writes a date ("7 Des", "Dec 7"), not by ISO week numbers."""
    days = build_scenario(settings)
    span = {"from": days.days_ago(13), "to": days.days_ago(0)}
    for lang, pattern in (("id", r"\d{1,2} [A-Z][a-z]{2}"), ("en", r"[A-Z][a-z]{2} \d{1,2}")):
        page = supervisor.get("/console/dashboard", params={**span, "lang": lang}).text
        chart = page[page.index('id="chart-weekly"') : page.index("</svg>")]
        labels = re.findall(r'class="label" text-anchor="middle">([^<]+)</text>', chart)
        assert labels and all(re.fullmatch(pattern, label) for label in labels), labels
        table = page[page.index('id="weekly-stats"') :]
        starts = re.findall(r'<tr data-week="([^"]+)">\s*<th scope="row">([^<]+)</th>', table)
        assert [name for _, name in starts] == labels
        assert starts[0][0] == days.days_ago(13)  # the first week starts with the range
        # no ISO week ("2026-W49"); a random token on the page may hold "-W" ("07N-W89J")
        assert re.search(r"\b\d{4}-W\d{2}\b", page) is None


def test_resolution_times_in_one_unit_and_the_page_s_numbers(
    supervisor: TestClient, settings: Settings
) -> None:
    """Cases resolved within minutes are charted in minutes, the scale and the table beside it
    in the same unit and the page's decimal mark; in days when they take weeks."""
    now = utcnow()
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        agencies = {a.code: a.id for a in session.exec(select(Agency))}
        for minutes in (12, 18, 30):
            filed = now - timedelta(hours=2)
            resolved = filed + timedelta(minutes=minutes)
            _add(session, agencies, "DPU", "resolved", filed, due_at=now, resolved_at=resolved)
        # written behind the lifecycle's back: summarised as after any such change
        session.flush()
        rebuild(session.connection(), settings.city_timezone)
    page = supervisor.get("/console/dashboard").text
    assert "Waktu sampai selesai per dinas, dalam menit" in page
    # the agency table speaks the chart's unit
    dpu = row_of(page, "DPU")
    assert (dpu["median"], dpu["p90"]) == ("18,0", "27,6")
    assert "Median menit sampai selesai" in page and "Median jam sampai selesai" not in page
    assert row_of(page[page.index('id="hours-stats"') :], "DPU") == {
        "median": "18,0",
        "p90": "27,6",
    }
    chart = page[page.index('id="chart-hours"') :]
    ticks = re.findall(r'class="tick" text-anchor="middle">([^<]+)</text>', chart)
    assert ticks == ["0", "10", "20", "30"]
    assert "0.005" not in page and "0,005" not in page

    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        agencies = {a.code: a.id for a in session.exec(select(Agency))}
        filed = now - timedelta(days=20)
        resolved = filed + timedelta(days=9, hours=12)
        _add(session, agencies, "DLH", "resolved", filed, due_at=now, resolved_at=resolved)
        session.flush()
        rebuild(session.connection(), settings.city_timezone)
    page = supervisor.get("/console/dashboard", params={"lang": "en"}).text
    assert "Time to resolve per agency, in days" in page
    assert row_of(page[page.index('id="hours-stats"') :], "DLH") == {"median": "9.5", "p90": "9.5"}
