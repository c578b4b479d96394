"""No value someone typed can forge a log line: the real server's log, in both formats, holds
a holiday name with a newline on its record's own line, escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from core.logs import escape_controls
from core.settings import Settings
from tests.browser import sqlite_only  # noqa: F401 - what a log line holds is the same on both
from tests.helpers import PASSWORD, create_staff
from tests.processes import web_process

FORGED = "2026-08-18 09:00:00,000 WARNING console.admin [-] admin2 deleted city day 2026-08-17"
NAME = f"Cuti bersama\n{FORGED}\r\u2028\x1b[2K"
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "page has no CSRF field"
    return match.group(1)


def add_holiday_through_the_console(client: httpx.Client) -> None:
    """Sign in as the admin and add a city day named NAME, as the browser's form posts it."""
    token = csrf_of(client.get("/console/login").text)
    login = {"username": "admin", "password": PASSWORD, "csrf": token}
    assert client.post("/console/login", data=login).status_code == 303
    csrf = csrf_of(client.get("/console/admin/holidays?year=2026").text)
    form = {"csrf": csrf, "day": "2026-08-18", "name": NAME, "kind": "off"}
    added = client.post("/console/admin/holidays", data=form)
    assert added.status_code == 303, added.text


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_holiday_name_with_a_newline_cannot_forge_a_log_record(
    settings: Settings, tmp_path: Path, log_format: str
) -> None:
    """The record of the added day is one line holding the name escaped; no line of the log
    starts with the forged text, and every line is a record (or a traceback's indented line)."""
    create_staff(settings, "admin", "admin")
    log_file = tmp_path / "web.log"
    # the console's session cookie is Secure on an https PUBLIC_BASE_URL; this client talks http
    env = {"LOG_FORMAT": log_format, "PUBLIC_BASE_URL": "http://aduan.example.go.id"}
    with web_process(log_file, env) as (_, client):
        add_holiday_through_the_console(client)
    lines = log_file.read_text(encoding="utf-8").split("\n")[:-1]
    escaped = escape_controls(NAME)
    assert escaped == (
        "Cuti bersama\\n2026-08-18 09:00:00,000 WARNING console.admin [-] admin2 deleted city "
        "day 2026-08-17\\r\\u2028\\x1b[2K"
    )
    if log_format == "json":
        records = [json.loads(line) for line in lines]
        [added] = [r for r in records if "added city day" in r["message"]]
        assert added["message"] == f"admin added city day 2026-08-18 (off): {escaped}"
        assert not [r for r in records if "admin2" in r["message"] and r is not added]
    else:
        [added] = [line for line in lines if "added city day" in line]
        assert re.fullmatch(
            RECORD_START.pattern + r"console\.admin \[[0-9a-f]{32}\] admin added city day "
            r"2026-08-18 \(off\): " + re.escape(escaped),
            added,
        ), added
        assert not [line for line in lines if line.startswith(FORGED[:23])]
        assert all(RECORD_START.match(line) or line.startswith("  ") for line in lines), lines
    assert not [line for line in lines if "\u2028" in line or "\x1b" in line or "\r" in line]
