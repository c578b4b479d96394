"""`aduan demo cases`, run in this process through typer's runner on the test database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from aduan.cli import app
from cases.enums import EventKind
from cases.models import Case, CaseEvent
from core.db import get_engine, utcnow
from core.settings import Settings, get_settings
from routing.models import Agency
from staff.models import User

COUNT = 60


@pytest.fixture(autouse=True)
def test_process_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command would set up logging as a process of its own does, onto the runner's
    stream that closes when it returns: in this process pytest's logging stays."""
    monkeypatch.setattr("aduan.cli.configure_logging", lambda log_format: None)


def cases_and_history(settings: Settings) -> tuple[list[Case], list[CaseEvent]]:
    with Session(get_engine(settings.database_url)) as session:
        cases = list(session.exec(select(Case).order_by(Case.id)))
        events = list(session.exec(select(CaseEvent).order_by(CaseEvent.id)))
    return cases, events


def test_demo_cases_are_filed_and_worked_with_a_consistent_history(settings: Settings) -> None:
    """Cases of the past 100 days in many statuses, each with a history that starts with its
    filing and moves forward in time, resolved ones with their times; demo officers exist for
    every city agency (a referral body outside the city has none); a second run adds nothing
    and says why."""
    before = utcnow()
    result = CliRunner().invoke(app, ["demo", "cases", "--count", str(COUNT)])
    assert result.exit_code == 0, result.output
    assert f"demo cases: {COUNT} filed over the past 100 days" in result.output
    cases, events = cases_and_history(settings)
    assert len(cases) == COUNT
    assert len({case.status for case in cases}) >= 4
    history: dict[int, list[CaseEvent]] = {}
    for event in events:
        history.setdefault(event.case_id, []).append(event)
    for case in cases:
        own = history[case.id]
        assert own[0].kind == EventKind.created and own[0].created_at == case.created_at
        times = [event.created_at for event in own]
        assert times == sorted(times), case.tracking_code
        assert before - timedelta(days=101) < case.created_at <= times[-1] <= utcnow()
        assert case.status == (own[-1].to_status or case.status)
        if case.resolved_at is not None:
            assert case.created_at < case.resolved_at
            assert case.closed_at is None or case.resolved_at < case.closed_at
        if case.rating is not None:
            assert case.status in ("resolved", "closed") and case.rated_at >= case.resolved_at
        assert case.contact_id is None  # nobody to tell: nothing is ever sent
    assert any(case.resolved_at and case.resolved_at > case.due_at for case in cases)  # late
    assert any(case.rating for case in cases)
    with Session(get_engine(settings.database_url)) as session:
        agencies = set(session.exec(select(Agency.code, Agency.kind).where(Agency.active)))
        users = set(session.exec(select(User.username)))
    assert {f"officer.{code.lower()}" for code, kind in agencies if kind == "city"} <= users
    assert not {f"officer.{code.lower()}" for code, kind in agencies if kind == "referral"} & users

    again = CliRunner().invoke(app, ["demo", "cases"])
    assert again.exit_code == 0
    assert f"no demo cases added: the database already has {COUNT} cases" in again.output
    assert len(cases_and_history(settings)[0]) == COUNT


def test_demo_cases_are_refused_in_production(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With APP_ENV=production the command stops with the reason and files nothing."""
    monkeypatch.setenv("APP_ENV", "production")
    # production's own password-hash costs (the tests' are too cheap to be allowed there)
    monkeypatch.delenv("PASSWORD_HASH_MEMORY_KIB")
    monkeypatch.delenv("PASSWORD_HASH_TIME_COST")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["demo", "cases"])
    assert result.exit_code == 1
    assert "demo cases are never added with APP_ENV=production" in result.output
    assert cases_and_history(settings) == ([], [])
