"""CSV export benchmark on a million cases: rows a second, and the server's memory (#25 item 4).

Run from the repository root: `.venv/bin/python -m bench.export` (`--help` for the options).

It creates the database `aduan_bench_export` (dropped first) with `aduan db upgrade`, loads a
city's three years of cases with bench/casegen.py, analyses them, creates a supervisor with
`aduan users create`, starts `aduan serve --workers 2` as the Procfile does, and downloads
`GET /api/v1/cases/export.csv` as that supervisor over HTTP: once to warm up (and to count the
rows with a CSV reader), then `--runs` times timed. For each timed run it prints the rows a
second, the bytes, the CPU time of the web processes and its own (reading the download), and
how far the resident memory of the process that served the download rose above what it held
before the request: its peak (the kernel's high-water mark, VmHWM, reset before the request
through /proc/PID/clear_refs) and what it held when a tenth, half and all of the file had
arrived (VmRSS). Constant memory shows as a peak that does not grow with the number of rows:
compare `--cases 100000` with the default. The downloads' sizes may differ by a few bytes: a
case that became overdue meanwhile says "yes" where it said "no".

The goal is #25's: a million cases at 50,000 rows a second or more, in constant memory.
`--sqlite` runs the same on a SQLite file (100,000 cases unless --cases says otherwise).
`--reuse` keeps a loaded database.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.casegen import loaded_service
from bench.common import (
    ADUAN,
    add_loaded_database_options,
    cpu_seconds,
    loaded_database,
    run_aduan,
    run_benchmark,
)
from core.db import get_engine

GOAL_ROWS_PER_SECOND = 50_000
SUPERVISOR, PASSWORD = "bench.supervisor", "bench-supervisor-password"
QUEUE = "aduan-bench-export"
PATH = "/api/v1/cases/export.csv"
CHUNK = 1 << 16
# the points of the download, as shares of its bytes, at which the server's memory is read
# (and once more at its end)
MILESTONES = (0.1, 0.5)
KIB = 1024


def memory_kib(pid: int, field: str) -> int:
    """`field` of /proc/PID/status (VmRSS, VmHWM) in KiB; 0 once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    """Make PID's high-water mark (VmHWM) its present resident size (proc(5), clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@dataclass(frozen=True)
class Download:
    seconds: float
    bytes: int
    cpu_seconds: float  # the web processes'
    client_cpu_seconds: float  # this process's, reading the download
    # KiB above the serving process's resident size before the request
    peak_growth_kib: int
    growth_at_kib: tuple[int, ...]  # at each of MILESTONES, then at the end

    def rows_per_second(self, rows: int) -> float:
        return rows / self.seconds


def count_rows(client: httpx.Client) -> tuple[int, int]:
    """The export's data rows (a CSV reader's count: a text may hold line breaks) and bytes,
    read as they arrive."""
    size = 0

    def lines(response: httpx.Response) -> Iterator[str]:
        nonlocal size
        decoder = codecs.getincrementaldecoder("utf-8")()
        pending = ""
        for chunk in response.iter_raw(CHUNK):
            size += len(chunk)
            *complete, pending = (pending + decoder.decode(chunk)).split("\n")
            yield from (line + "\n" for line in complete)
        yield pending + decoder.decode(b"", final=True)

    with client.stream("GET", PATH) as response:
        response.raise_for_status()
        records = sum(1 for record in csv.reader(lines(response)) if record)
    return records - 1, size  # the header


def download(client: httpx.Client, pids: list[int], expected_bytes: int) -> Download:
    """One timed download, read in chunks and dropped; the server's memory read beside it."""
    for pid in pids:
        reset_peak(pid)
    before = {pid: memory_kib(pid, "VmRSS") for pid in pids}
    cpu_before, client_before = cpu_seconds(pids), time.process_time()
    marks = [int(expected_bytes * share) for share in MILESTONES]
    at_marks: list[dict[int, int]] = []
    received = 0
    started = time.perf_counter()
    with client.stream("GET", PATH) as response:
        response.raise_for_status()
        for chunk in response.iter_raw(CHUNK):
            received += len(chunk)
            while len(at_marks) < len(marks) and received >= marks[len(at_marks)]:
                at_marks.append({pid: memory_kib(pid, "VmRSS") for pid in pids})
    seconds = time.perf_counter() - started
    at_marks.append({pid: memory_kib(pid, "VmRSS") for pid in pids})
    cpu, client = cpu_seconds(pids) - cpu_before, time.process_time() - client_before
    growth = {pid: memory_kib(pid, "VmHWM") - before[pid] for pid in pids}
    server = max(growth, key=lambda pid: growth[pid])  # the worker that served it
    return Download(
        seconds=seconds,
        bytes=received,
        cpu_seconds=cpu,
        client_cpu_seconds=client,
        peak_growth_kib=growth[server],
        growth_at_kib=tuple(mark[server] - before[server] for mark in at_marks),
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_loaded_database_options(parser, "export", sqlite=True)
    parser.add_argument("--runs", type=int, default=3, help="timed downloads")
    return loaded_database(parser.parse_args(), "export")


def main() -> None:
    args = parse_args()
    with ExitStack() as stack:
        url, workdir, processes, port, env = loaded_service(stack, args, QUEUE)
        engine = get_engine(url)
        with engine.connect() as connection:
            known = connection.execute(
                sa.text("SELECT count(*) FROM users WHERE username = :name"), {"name": SUPERVISOR}
            ).scalar()
        engine.dispose()
        if not known:  # a reused database has them, with their sessions
            create = ["users", "create", SUPERVISOR, "--role", "supervisor"]
            run_aduan(create, env, workdir, PASSWORD)
        base_url = f"http://127.0.0.1:{port}"
        processes.start("aduan", [ADUAN, "serve", "--port", str(port), "--workers", "2"], env)
        processes.wait_healthy("aduan", f"{base_url}/healthz")
        token = httpx.post(
            f"{base_url}/api/v1/auth/token", data={"username": SUPERVISOR, "password": PASSWORD}
        ).json()["access_token"]
        backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=600) as client:
            rows, size = count_rows(client)
            print(
                f"export: {args.cases} cases on {backend}, {rows} rows and {size} bytes "
                f"in the file, {args.runs} timed downloads, goal {GOAL_ROWS_PER_SECOND} rows/s",
                flush=True,
            )
            pids = processes.pids("aduan")
            downloads = []
            for _ in range(args.runs):
                done = download(client, pids, size)
                downloads.append(done)
                growth = " / ".join(f"{kib / KIB:.1f}" for kib in done.growth_at_kib)
                print(
                    f"  {done.seconds:7.2f} s  {done.rows_per_second(rows):9.0f} rows/s  "
                    f"{done.bytes / 1e6:7.1f} MB  CPU server {done.cpu_seconds:6.2f} s, "
                    f"client {done.client_cpu_seconds:6.2f} s  "
                    f"RSS growth peak {done.peak_growth_kib / KIB:6.1f} MiB, at "
                    f"{' / '.join(f'{share:.0%}' for share in MILESTONES)} / end: {growth} MiB",
                    flush=True,
                )
        processes.stop("aduan")
        median = statistics.median(d.rows_per_second(rows) for d in downloads)
        verdict = "met" if median >= GOAL_ROWS_PER_SECOND else "missed"
        peak = max(d.peak_growth_kib for d in downloads) / KIB
        print(f"median {median:.0f} rows/s ({verdict}); largest RSS growth {peak:.1f} MiB")


if __name__ == "__main__":
    run_benchmark(main)
