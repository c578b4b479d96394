"""Instructions the app executes per complaint: a figure that does not move with the machine.

Run from the repository root: `.venv/bin/python -m bench.intake_instructions` (`--help` for the
options). Needs valgrind.

On a shared two-core VM the CPU time of one complaint moves by 15% from one run to the next,
more than most single changes to intake save, so `bench/intake_cpu.py` cannot tell whether a
change helped. Counted instructions can: this runs the app in one process under callgrind
(database `aduan_bench_intake_instructions`, dropped first; PostgreSQL and Redis as in
production, no worker), posts a warm-up and then N complaints straight to the ASGI app, one at
a time, and counts only the N. What it leaves out: uvicorn's HTTP parsing, and waiting; what
it keeps: the framework, validation, routing, the SQL and Redis clients, logging.

`--baseline` counts `bench/baseline_app.py` the same way (one INSERT and one Redis push per
complaint, the same stack): the ratio of the two is what intake's own work costs over the floor
the throughput goal is measured against, without the noise of two shared cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg

from bench import baseline_app
from bench.common import (
    DEFAULT_REDIS_URL,
    ROOT,
    Complaint,
    default_database_url,
    free_port,
    libpq_dsn,
    make_complaints,
    prepare_service,
    recreate_database,
    reset_redis,
    run_benchmark,
    scratch_directory,
    service_environment,
    wait_until,
)
from bench.intake import WARMUP

QUEUE = "aduan-bench-instructions"
READY, GO = "ready", "go"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="complaints counted")
    parser.add_argument("--database-url", default=default_database_url("intake_instructions"))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--baseline", action="store_true", help="count the bare baseline app instead of Aduan"
    )
    parser.add_argument(
        "--counts",
        type=Path,
        help="also keep callgrind's output here, to read with callgrind_annotate",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


async def post(app, complaint: Complaint) -> int:  # type: ignore[no-untyped-def]
    """POST one complaint to the ASGI app as uvicorn would hand it over; returns the status."""
    body = json.dumps(complaint.body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers += [
        (name.lower().encode(), value.encode()) for name, value in complaint.headers.items()
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/complaints",
        "raw_path": b"/api/v1/complaints",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": (complaint.headers["X-Forwarded-For"], 40000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    statuses = []

    async def receive() -> dict:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


def child(workdir: Path, complaints: list[Complaint], baseline: bool) -> None:
    """Under callgrind: warm up, say so, wait for counting to start, file the rest, exit."""
    if baseline:
        app = baseline_app.create_app()
    else:
        from aduan.app import create_app

        app = create_app()

    async def file_all() -> None:
        async with app.router.lifespan_context(app):
            for complaint in complaints[:WARMUP]:
                await post(app, complaint)
            (workdir / READY).write_text(str(os.getpid()))
            wait_until((workdir / GO).exists, timeout=600, interval=0.1)
            statuses = [await post(app, complaint) for complaint in complaints[WARMUP:]]
            if set(statuses) != {201}:
                raise SystemExit(f"complaints refused: {statuses}")

    asyncio.run(file_all())
    sys.stdout.flush()
    os._exit(0)  # what tearing the app down costs is not intake's


def main() -> None:
    args = parse_args()
    complaints = make_complaints(WARMUP + args.n)
    if args.child:
        child(args.child, complaints, args.baseline)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    with ExitStack() as stack:
        workdir = stack.enter_context(scratch_directory())
        database_url = recreate_database(args.database_url)
        reset_redis(args.redis_url, QUEUE)
        env = service_environment(
            database_url=database_url,
            redis_url=args.redis_url,
            queue=QUEUE,
            workdir=workdir,
            port=free_port(),
        )
        if args.baseline:
            env |= {
                "BASELINE_DATABASE_URL": database_url,
                "BASELINE_REDIS_URL": args.redis_url,
                "BASELINE_LIST": f"{QUEUE}:baseline",
            }
            with psycopg.connect(libpq_dsn(database_url)) as connection:
                connection.execute(baseline_app.CREATE_TABLE)
        else:
            prepare_service(env, workdir)
        counts = workdir / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={counts}",
            sys.executable,
            "-m",
            "bench.intake_instructions",
            "-n",
            str(args.n),
            *(["--baseline"] if args.baseline else []),
            "--child",
            str(workdir),
        ]
        started = time.monotonic()
        with (workdir / "child.log").open("wb") as log:
            process = subprocess.Popen(
                command,
                env=env | {"PYTHONPATH": str(ROOT)},
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not wait_until(lambda: (workdir / READY).exists() or process.poll() is not None, 900):
            process.kill()
            process.wait()
        if process.poll() is not None:
            raise SystemExit(
                f"the app under valgrind stopped:\n{(workdir / 'child.log').read_text()}"
            )
        subprocess.run(
            ["callgrind_control", "--instr=on", str(process.pid)], check=True, capture_output=True
        )
        (workdir / GO).touch()
        if process.wait() != 0:
            raise SystemExit(
                f"the app under valgrind failed:\n{(workdir / 'child.log').read_text()}"
            )
        if args.counts:
            shutil.copyfile(counts, args.counts)
        total = next(
            int(line.split()[1])
            for line in counts.read_text().splitlines()
            if line.startswith(("summary:", "totals:"))
        )
        print(
            f"{'baseline' if args.baseline else 'aduan'}: "
            f"{args.n} complaints, one at a time, in one process under callgrind "
            f"({time.monotonic() - started:.0f} s): {total / args.n / 1e6:.2f} M instructions "
            "per complaint"
        )


if __name__ == "__main__":
    run_benchmark(main)
