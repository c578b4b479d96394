"""One migration history serves both databases and matches the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.settings import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_match_the_models(database_url: str) -> None:
    """After `upgrade head`, `alembic check` in a fresh process finds nothing to generate.

    A fresh process, because env.py must import every model itself; in the test process they
    are all imported already.
    """
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_platform_database_urls_are_accepted() -> None:
    """postgres:// and postgresql:// from hosting platforms use the psycopg 3 driver."""
    assert normalise_database_url("postgres://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///./core.db") == "sqlite:///./core.db"
