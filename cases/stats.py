"""Supervisor numbers, computed from the per-status timestamp columns."""

from __future__ import annotations

import math

import sqlalchemy as sa
from sqlmodel import Session, col, select

from aduan.db import utcnow
from cases.enums import CLOCK_STATUSES, OPEN_STATUSES, CaseStatus, EventKind
from cases.models import Case, CaseEvent
from cases.schemas import AgencyStats
from routing.models import Agency

RESOLVED_STATUSES = (CaseStatus.resolved, CaseStatus.closed)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between ranks, as PostgreSQL's percentile_cont does."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def agency_stats(session: Session) -> list[AgencyStats]:
    now = utcnow()
    is_open = col(Case.status).in_(list(OPEN_STATUSES))
    counts = {
        row.agency_id: row
        for row in session.execute(
            sa.select(
                Case.agency_id,
                sa.func.count().label("total"),
                sa.func.count().filter(is_open).label("open"),
                sa.func.count()
                .filter(col(Case.status).in_(list(CLOCK_STATUSES)), col(Case.due_at) < now)
                .label("overdue"),
                sa.func.count()
                .filter(col(Case.status).in_(list(RESOLVED_STATUSES)))
                .label("resolved"),
            )
            .where(col(Case.agency_id).is_not(None))
            .group_by(Case.agency_id)
        )
    }
    forwarded = dict(
        session.execute(
            sa.select(CaseEvent.from_agency_id, sa.func.count())
            .where(
                CaseEvent.kind == EventKind.forwarded, col(CaseEvent.from_agency_id).is_not(None)
            )
            .group_by(CaseEvent.from_agency_id)
        ).all()
    )
    hours: dict[int, list[float]] = {}
    for agency_id, created_at, resolved_at in session.execute(
        sa.select(Case.agency_id, Case.created_at, Case.resolved_at).where(
            col(Case.status).in_(list(RESOLVED_STATUSES)), col(Case.resolved_at).is_not(None)
        )
    ):
        hours.setdefault(agency_id, []).append((resolved_at - created_at).total_seconds() / 3600)
    rows = []
    for agency in session.exec(select(Agency).where(Agency.active).order_by(Agency.code)):
        count = counts.get(agency.id)
        durations = sorted(hours.get(agency.id, []))
        median, p90 = percentile(durations, 0.5), percentile(durations, 0.9)
        total = count.total if count else 0
        passed_on = forwarded.get(agency.id, 0)
        received = total + passed_on
        rows.append(
            AgencyStats(
                agency=agency.code,
                name=agency.name,
                total=total,
                open=count.open if count else 0,
                overdue=count.overdue if count else 0,
                resolved=count.resolved if count else 0,
                median_resolution_hours=round(median, 2) if median is not None else None,
                p90_resolution_hours=round(p90, 2) if p90 is not None else None,
                forwarded=passed_on,
                misrouting_rate=round(passed_on / received, 4) if received else None,
            )
        )
    return rows
