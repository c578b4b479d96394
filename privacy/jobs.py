"""RQ jobs of the privacy side, run on the schedule `aduan scheduler` keeps."""

from __future__ import annotations

from core.db import get_engine, utcnow
from core.settings import get_settings
from privacy.retention import run_retention


def retention_job() -> str:
    """One retention pass (contact details and files of cases that ended long ago)."""
    settings = get_settings()
    report = run_retention(get_engine(settings.database_url), settings, utcnow())
    return (
        f"cases {report.cases}, contacts {report.contacts}, cancelled {report.cancelled}, "
        f"files {report.files}"
    )
