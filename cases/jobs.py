"""RQ jobs of the case side, run on the schedule `aduan scheduler` keeps."""

from __future__ import annotations

from cases.followups import run_followups
from core.db import get_engine, utcnow
from core.settings import get_settings
from notifications.dispatch import RQDispatcher


def followups_job() -> str:
    """One pass of auto-close, escalation and digests; safe to run late, twice, or at once."""
    settings = get_settings()
    report = run_followups(
        get_engine(settings.database_url), settings, utcnow(), RQDispatcher(settings)
    )
    return f"closed {report.closed}, escalated {report.escalated}, digests {report.digests}"
