"""Officers for the benchmarks: created with `aduan users create` as an administrator would,
of the agencies with the most cases, signed in to the console and the staff API as a browser
and a script would."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.common import run_aduan
from core.db import get_engine

COOKIE = "aduan_staff"  # console.session.COOKIE_NAME
PASSWORD = "bench-officer-password-1"


def busiest_agencies(url: str, count: int) -> list[str]:
    """The codes of the `count` agencies with the most cases at `url`, the busiest first."""
    with get_engine(url).connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT a.code FROM cases c JOIN agencies a ON a.id = c.agency_id "
                    "GROUP BY a.code ORDER BY count(*) DESC, a.code LIMIT :count"
                ),
                {"count": count},
            ).scalars()
        )


def ensure_officer(
    url: str, env: dict[str, str], workdir: Path, username: str, agency: str
) -> None:
    """An officer `username` of `agency` with PASSWORD, created unless the database (a
    --reuse'd one) has the username already."""
    with get_engine(url).connect() as connection:
        known = connection.execute(
            sa.text("SELECT count(*) FROM users WHERE username = :name"), {"name": username}
        ).scalar_one()
    if not known:
        run_aduan(
            ["users", "create", username, "--role", "officer", "--agency", agency],
            env,
            workdir,
            stdin=f"{PASSWORD}\n{PASSWORD}\n",
        )


def _staff_cookie(response: httpx.Response, current: str | None) -> str | None:
    # the console's cookie is Secure, which a client keeps off plain HTTP: carried by hand
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{COOKIE}="):
            return header.split(";", 1)[0]
    return current


def console_sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> str:
    """Sign in through the console's form; returns the Cookie header its pages need."""
    login = client.get("/console/login")
    cookie = _staff_cookie(login, None)
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert csrf and cookie, "the console's sign-in page changed"
    signed = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf": csrf.group(1)},
        headers={"Cookie": cookie},
    )
    assert signed.status_code == 303, f"sign-in failed: {signed.status_code}"
    return _staff_cookie(signed, cookie) or ""


def api_sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> str:
    """Exchange the password for a bearer token; returns the Authorization header's value."""
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, f"token refused: {answer.status_code}"
    return f"Bearer {answer.json()['access_token']}"
