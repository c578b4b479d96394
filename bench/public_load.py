"""Public readers against an officer: does a crowd on the public pages starve the console? (#25)

Run from the repository root: `.venv/bin/python -m bench.public_load` (`--help` for the options).

It loads a city's cases as bench/public_map.py does (database `aduan_bench_public_load` unless
--database-url says otherwise; `--reuse` keeps a loaded one), creates an officer of the agency
with the most cases, and for each PUBLIC_READ_CONCURRENCY of `--public-concurrency` starts
`aduan serve --workers 2` as the Procfile does and runs, for `--seconds`, `--readers` anonymous
readers at once (each asks one request after another, pausing only as long as an answer's
Retry-After says: the public map's JSON for the city and a street, `/laporan`, a public case
page, the Atom feed and Open311's reading side, the endpoints of bench/public_map.py) while
one officer, in a process of its own, reads the console queue and a case page of it in turn
with `--officer-pause` between requests. It prints the officer's p50/p99, the public side's
answers a second, its 503s and its other failures, the errors the service logged, and the
load average before and after (the machine may be shared).

A concurrency of at least `--readers` / 2 never makes a public read wait for its turn (two web
processes): the service as it was before public reads had turns. `--read-url` sends the reads
that may lag to a replica (DATABASE_READ_URL) the operator set up.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import time
from collections import Counter
from contextlib import ExitStack
from multiprocessing.connection import Connection as Pipe

import httpx
import sqlalchemy as sa

from bench.casegen import loaded_service
from bench.common import (
    ADUAN,
    Processes,
    add_loaded_database_options,
    load_average,
    loaded_database,
    parse_levels,
    percentile,
    run_aduan,
    run_benchmark,
)
from bench.loadgen import Connection
from bench.officers import busiest_agencies, console_sign_in, ensure_officer
from bench.public_map import endpoints
from core.db import get_engine
from core.settings import normalise_database_url

QUEUE = "aduan-bench-public-load"
OFFICER = "petugas-bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_loaded_database_options(parser, "public_load")
    parser.add_argument("--read-url", help="DATABASE_READ_URL for the service (a replica)")
    parser.add_argument("--readers", type=int, default=200, help="anonymous readers at once")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run")
    parser.add_argument(
        "--officer-pause", type=float, default=0.1, help="seconds the officer waits between reads"
    )
    parser.add_argument(
        "--public-concurrency",
        type=parse_levels,
        default=[100, 1],
        help="PUBLIC_READ_CONCURRENCY of each run, comma-separated (100 with 200 readers: no "
        "turns, as before)",
    )
    return loaded_database(parser.parse_args(), "public_load")


def officer_cases(url: str) -> tuple[str, list[str]]:
    """The agency with the most cases, and codes of 200 of its cases."""
    [agency] = busiest_agencies(url, 1)
    with get_engine(url).connect() as connection:
        codes = connection.execute(
            sa.text(
                "SELECT c.tracking_code FROM cases c JOIN agencies a ON a.id = c.agency_id "
                "WHERE a.code = :agency ORDER BY c.id DESC LIMIT 200"
            ),
            {"agency": agency},
        ).scalars()
        return agency, list(codes)


def officer(base_url: str, codes: list[str], seconds: float, pause: float, out: Pipe) -> None:
    """Sign in to the console, then read the queue and a case page in turn for `seconds`;
    send back the milliseconds of each read and the statuses that were not 200."""
    spent: list[float] = []
    failed: Counter[int] = Counter()
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as client:
        cookie = console_sign_in(client, OFFICER)
        deadline = time.monotonic() + seconds
        turn = 0
        while time.monotonic() < deadline:
            path = "/console" if turn % 2 == 0 else f"/console/cases/{random.choice(codes)}"
            started = time.perf_counter()
            response = client.get(path, headers={"Cookie": cookie})
            spent.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failed[response.status_code] += 1
            turn += 1
            time.sleep(pause)
    out.send((spent, dict(failed)))


async def readers(port: int, paths: list[str], count: int, seconds: float) -> Counter[str]:
    """`count` readers, each asking one of `paths` after another until `seconds` are up."""
    answers: Counter[str] = Counter()
    deadline = time.monotonic() + seconds

    async def reader() -> None:
        connection = Connection("127.0.0.1", port)
        while time.monotonic() < deadline:
            try:
                response = await connection.get(random.choice(paths))
            except (OSError, EOFError) as exc:
                answers[type(exc).__name__] += 1
                continue
            answers[str(response.status)] += 1
            if "retry-after" in response.headers:  # a reader told to come back does, later
                await asyncio.sleep(float(response.headers["retry-after"]))
        connection.close()

    await asyncio.gather(*(reader() for _ in range(count)))
    return answers


def run_once(
    args: argparse.Namespace,
    processes: Processes,
    env: dict[str, str],
    port: int,
    turns: int,
    paths: list[str],
    codes: list[str],
) -> None:
    base_url = f"http://127.0.0.1:{port}"
    run_env = env | {"PUBLIC_READ_CONCURRENCY": str(turns)}
    processes.start("aduan", [ADUAN, "serve", "--port", str(port), "--workers", "2"], run_env)
    processes.wait_healthy("aduan", f"{base_url}/healthz")
    for path in paths:  # warm each worker's caches and connections a little
        httpx.get(base_url + path, timeout=60)
    receiving, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
    clerk = multiprocessing.get_context("fork").Process(
        target=officer, args=(base_url, codes, args.seconds, args.officer_pause, sending)
    )
    before = load_average()
    clerk.start()
    answers = asyncio.run(readers(port, paths, args.readers, args.seconds))
    spent, failed = receiving.recv()
    clerk.join()
    after = load_average()
    errors = [line for line in processes.log_tail("aduan", 5000).splitlines() if "Error" in line]
    processes.stop("aduan")
    ok = answers.pop("200", 0)
    busy = answers.pop("503", 0)
    print(
        f"PUBLIC_READ_CONCURRENCY={turns:<4} officer {len(spent)} reads: p50 "
        f"{statistics.median(spent):6.1f} ms, p99 {percentile(spent, 0.99):7.1f} ms, max "
        f"{max(spent):7.1f} ms, not 200: {failed or 'none'} | public: {ok / args.seconds:6.1f} "
        f"answers/s, 503 {busy / args.seconds:6.1f}/s, other {dict(answers) or 'none'} | "
        f"load average before {' '.join(before)}, after {' '.join(after)}",
        flush=True,
    )
    if errors:
        print(f"  the service logged {len(errors)} errors, the last: {errors[-1][:300]}")


def main() -> None:
    args = parse_args()
    read_env = {"DATABASE_READ_URL": normalise_database_url(args.read_url)} if args.read_url else {}
    with ExitStack() as stack:
        url, workdir, processes, port, env = loaded_service(stack, args, QUEUE, **read_env)
        run_aduan(["routing", "train"], env, workdir)
        agency, codes = officer_cases(url)
        ensure_officer(url, env, workdir, OFFICER, agency)
        paths = [endpoint.path for endpoint in endpoints(url)]
        print(
            f"public load: {args.cases} cases, {args.readers} readers over {len(paths)} public "
            f"endpoints, one {agency} officer (queue and case pages, {args.officer_pause} s "
            f"apart), {args.seconds:.0f} s a run, replica {'yes' if args.read_url else 'no'}",
            flush=True,
        )
        for turns in args.public_concurrency:
            run_once(args, processes, env, port, turns, paths, codes)


if __name__ == "__main__":
    run_benchmark(main)
