"""Staff search benchmark: `GET /api/v1/cases?q=` over a million cases, under 100 ms (#25)?

Run from the repository root: `.venv/bin/python -m bench.search` (`--help` for the options).

It creates the database `aduan_bench_search` (dropped first) with `aduan db upgrade`, loads a
city's three years of cases and their history with bench/casegen.py, then gives what search
reads that casegen does not make: a reporter's phone number to most cases (two cases a number,
a few Anonim) and staff notes to a quarter of them, written through the search index's triggers
as the app writes them. Each note draws its words from a small vocabulary, with a work-order
number that only a few cases share, so a search meets common, middling and rare words. It
analyses the tables, creates a supervisor and an officer of the busiest agency with `aduan
users create`, starts `aduan serve --workers 2` as the Procfile does, and times over HTTP, as
each of them: a common word, a rare word, two words, two words seldom together, two common
words never together (Indonesian's commonest and English's), the start of a word, a tracking
code, a phone number, and the common word on a page deep in its results. Each answer's rows
and the matches in the whole database are printed beside it.

The goal is #25's: under 100 ms on PostgreSQL with 1,000,000 cases; `--sqlite` runs the same on
a SQLite file (100,000 cases unless --cases says otherwise), whose goal is 200 ms. A search over
its goal is taken apart as bench/stats.py does (slowest statements; with --explain every
search, with query plans). `--reuse` keeps a loaded database.
"""

from __future__ import annotations

import argparse
import os
import random
from contextlib import ExitStack
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import sqlalchemy as sa
from sqlmodel import Session, func, select

from bench.casegen import loaded_service
from bench.common import (
    ADUAN,
    add_loaded_database_options,
    loaded_database,
    run_aduan,
    run_benchmark,
)
from bench.http_timing import Endpoint, print_table, take_apart, time_endpoints
from cases.models import Case
from cases.search import SearchTerms, matching
from core.db import get_engine

POSTGRESQL_MS, SQLITE_MS = 100.0, 200.0
SUPERVISOR, OFFICER, PASSWORD = "bench.supervisor", "bench.officer", "bench-search-password"
QUEUE = "aduan-bench-search"
NOTED_SHARE = 0.25  # cases with a staff note
ANONYMOUS_SHARE = 0.02
# a staff note: what was done, by whom, what is next, and a work order (SPK) number
DONE = (
    "Sudah dicek petugas", "Sudah disurvei tim", "Sudah dikoordinasikan dengan kelurahan",
    "Warga sudah dihubungi", "Lokasi sudah difoto", "Sudah diteruskan ke kepala seksi",
    "Material sudah diajukan", "Alat berat dijadwalkan", "Menunggu anggaran perubahan",
    "Sudah ditinjau bersama RT", "Petugas lapangan sudah datang",
)  # fmt: skip
WHO = (
    "Pak Slamet", "Bu Wahyuni", "Mas Joko", "Pak Haryanto", "Bu Sri", "regu tiga",
    "regu satu", "mandor Sugeng", "tim UPTD", "Pak Lurah",
)  # fmt: skip
NEXT = (
    "menunggu material aspal", "dikerjakan minggu depan", "butuh truk tambahan",
    "pipa diganti baru", "kabel diganti", "perlu izin warga", "masuk jadwal pengerukan",
    "tunggu cuaca cerah", "dicek ulang Senin", "sudah beres sebagian",
)  # fmt: skip
# work orders: one number for every this many noted cases, on average
CASES_PER_ORDER = 3


def note_text(rng: random.Random, orders: int) -> str:
    order = f"SPK{rng.randrange(orders):06d}"
    return f"{rng.choice(DONE)} ({rng.choice(WHO)}), {rng.choice(NEXT)}. No. {order}"


# the number that reported a case: one for every two cases (by id), as SQL of each database
NUMBER_SQL = {
    "postgresql": "'+62812' || lpad((cases.id / 2)::text, 8, '0')",
    "sqlite": "printf('+62812%08d', cases.id / 2)",
}
ANONYMOUS_EVERY = 50  # one case in this many is Anonim


def add_reporters_and_notes(url: str, seed: int = 25) -> None:
    """Phone contacts for the cases and staff notes on a quarter of them, once per database."""
    engine = get_engine(url)
    number = NUMBER_SQL[engine.dialect.name]
    with engine.begin() as connection:
        if connection.execute(sa.text("SELECT count(*) FROM contacts")).scalar():
            return
        ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM cases ORDER BY id"))]
        now = datetime.now(UTC).replace(tzinfo=None)
        connection.execute(
            sa.text(
                "INSERT INTO contacts (channel, address, language, language_pinned, created_at)"
                f" SELECT DISTINCT 'sms', {number}, 'id', false, :now FROM cases"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text(
                "UPDATE cases SET contact_id = (SELECT id FROM contacts"
                f" WHERE channel = 'sms' AND address = {number}),"
                f" anonymous = (id % {ANONYMOUS_EVERY} = 7)"
            )
        )
        rng = random.Random(seed)
        noted = [case_id for case_id in ids if rng.random() < NOTED_SHARE]
        orders = max(1, len(noted) // CASES_PER_ORDER)
        # through the search index's trigger, as the app's notes are
        connection.execute(
            sa.text(
                "INSERT INTO case_events (case_id, kind, internal_note, actor, created_at)"
                " VALUES (:case, 'note', :text, 'officer', :now)"
            ),
            [{"case": case_id, "text": note_text(rng, orders), "now": now} for case_id in noted],
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(sa.text("ANALYZE"))
        else:
            for table in ("cases", "contacts", "case_events"):
                connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
    print(f"gave {len(ids)} cases reporters and {len(noted)} of them a note", flush=True)


def items(response: httpx.Response) -> int:
    return len(response.json()["items"])


def search_path(q: str, **params: str) -> str:
    return "/api/v1/cases?" + urlencode({"q": q, "limit": "50", **params})


def searches(url: str) -> tuple[str, list[tuple[str, str]]]:
    """The busiest agency, and the searches to time as (name, q)."""
    engine = get_engine(url)
    with engine.connect() as connection:

        def scalar(sql: str, **params: object) -> object:
            return connection.execute(sa.text(sql), params).scalar()

        agency = scalar(
            "SELECT a.code FROM cases c JOIN agencies a ON a.id = c.agency_id "
            "GROUP BY a.code ORDER BY count(*) DESC LIMIT 1"
        )
        middle = int(scalar("SELECT count(*) FROM cases") or 0) // 2
        code = scalar("SELECT tracking_code FROM cases ORDER BY id LIMIT 1 OFFSET :n", n=middle)
        rare = scalar(
            "SELECT internal_note FROM case_events WHERE kind = 'note' "
            "ORDER BY id LIMIT 1 OFFSET :n",
            n=int(scalar("SELECT count(*) FROM case_events WHERE kind = 'note'") or 0) // 2,
        )
        reporter = scalar(
            "SELECT c.contact_id FROM cases c WHERE NOT c.anonymous "
            "ORDER BY c.id LIMIT 1 OFFSET :n",
            n=middle,
        )
        phone = scalar("SELECT address FROM contacts WHERE id = :id", id=reporter)
    order = str(rare).rsplit(" ", 1)[-1]  # the note's SPK number
    local = "0" + str(phone).removeprefix("+62")  # as a resident says it: 0812…
    return (
        str(agency),
        [
            ("common word", "jalan"),
            ("the commonest word", "di"),
            ("rare word (a work order)", order),
            ("two words", "lampu mati"),
            ("two words never together", "sampah lampu"),
            ("two common words never together", "di the"),
            ("start of a word", "banj"),
            ("a word in notes only", "pengerukan"),
            ("tracking code", str(code).lower()),
            ("phone number", f"{local[:4]}-{local[4:8]}-{local[8:]}"),
        ],
    )


def matches(url: str, q: str) -> int:
    """How many cases the search matches in the whole database (as a supervisor)."""
    with Session(get_engine(url)) as session:
        query = matching(session, select(func.count(Case.id)), SearchTerms.read(q))
        return int(session.exec(query).one())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_loaded_database_options(parser, "search", sqlite=True)
    parser.add_argument("--runs", type=int, default=11, help="timed requests per search")
    parser.add_argument(
        "--explain", action="store_true", help="take every search apart, with query plans"
    )
    return loaded_database(parser.parse_args(), "search")


def main() -> None:
    args = parse_args()
    with ExitStack() as stack:
        url, workdir, processes, port, env = loaded_service(stack, args, QUEUE)
        goal = SQLITE_MS if url.startswith("sqlite") else POSTGRESQL_MS
        add_reporters_and_notes(url)
        agency, terms = searches(url)
        with get_engine(url).begin() as connection:  # an earlier run's (--reuse)
            mine = {"a": SUPERVISOR, "b": OFFICER}
            connection.execute(
                sa.text(
                    "DELETE FROM staff_sessions WHERE user_id IN "
                    "(SELECT id FROM users WHERE username IN (:a, :b))"
                ),
                mine,
            )
            connection.execute(sa.text("DELETE FROM users WHERE username IN (:a, :b)"), mine)
        run_aduan(["users", "create", SUPERVISOR, "--role", "supervisor"], env, workdir, PASSWORD)
        run_aduan(
            ["users", "create", OFFICER, "--role", "officer", "--agency", agency],
            env,
            workdir,
            PASSWORD,
        )
        base_url = f"http://127.0.0.1:{port}"
        processes.start("aduan", [ADUAN, "serve", "--port", str(port), "--workers", "2"], env)
        processes.wait_healthy("aduan", f"{base_url}/healthz")
        backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        print(f"search: {args.cases} cases on {backend}, {args.runs} runs per search")
        for name, q in terms:
            print(f"  {name:<40} q={q!r}: {matches(url, q)} matching cases", flush=True)
        timings, headers_by_user = [], {}
        for user in (SUPERVISOR, OFFICER):
            token = httpx.post(
                f"{base_url}/api/v1/auth/token", data={"username": user, "password": PASSWORD}
            ).json()["access_token"]
            headers_by_user[user] = {"Authorization": f"Bearer {token}"}
            who = "supervisor" if user == SUPERVISOR else f"{agency} officer"
            print(f"as the {who}:")
            targets = [Endpoint(f"{who}: {name}", search_path(q), goal, items) for name, q in terms]
            deep = _deep_cursor(base_url, headers_by_user[user], terms[0][1])
            if deep is not None:
                path = search_path(terms[0][1], cursor=deep)
                targets.append(Endpoint(f"{who}: common word, 20 pages in", path, goal, items))
            timings += [
                (user, timing)
                for timing in time_endpoints(base_url, targets, args.runs, headers_by_user[user])
            ]
        processes.stop("aduan")
        print_table([timing for _, timing in timings])
        slow = [(user, t.endpoint) for user, t in timings if t.over_goal or args.explain]
        if slow:
            os.environ.update(env)
            for user in (SUPERVISOR, OFFICER):
                mine = [endpoint for who, endpoint in slow if who == user]
                if mine:
                    take_apart(mine, headers_by_user[user], with_plans=args.explain)


def _deep_cursor(base_url: str, headers: dict[str, str], q: str, pages: int = 20) -> str | None:
    """The cursor of the page `pages` pages into a search's results (None if it has fewer)."""
    cursor = None
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        for _ in range(pages):
            params = {"q": q, "limit": "50"} | ({"cursor": cursor} if cursor else {})
            cursor = client.get("/api/v1/cases", params=params).json()["next_cursor"]
            if cursor is None:
                return None
    return cursor


if __name__ == "__main__":
    run_benchmark(main)
