"""CPU one web process spends per complaint: where intake's time goes, without the noise of the
whole stack sharing two cores.

Run from the repository root: `.venv/bin/python -m bench.intake_cpu` (`--help` for the options).

It starts `aduan serve --workers 1` on PostgreSQL (database `aduan_bench_intake_cpu`, dropped
first) and Redis, with no worker (the acknowledgements stay queued), sends a warm-up and then N
complaints at the given concurrency, and reads the CPU time of the web process and of all
PostgreSQL processes from /proc before and after.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack

from bench.common import (
    ADUAN,
    DEFAULT_REDIS_URL,
    Processes,
    cpu_seconds,
    default_database_url,
    free_port,
    make_complaints,
    pids_named,
    pids_of,
    prepare_service,
    recreate_database,
    reset_redis,
    run_benchmark,
    scratch_directory,
    service_environment,
)
from bench.intake import WARMUP, load

QUEUE = "aduan-bench-cpu"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="complaints timed")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=default_database_url("intake_cpu"))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    complaints = make_complaints(WARMUP + args.n)
    with ExitStack() as stack:
        workdir = stack.enter_context(scratch_directory())
        database_url = recreate_database(args.database_url)
        reset_redis(args.redis_url, QUEUE)
        processes = stack.enter_context(Processes(workdir))
        port = free_port()
        env = service_environment(
            database_url=database_url,
            redis_url=args.redis_url,
            queue=QUEUE,
            workdir=workdir,
            port=port,
        )
        prepare_service(env, workdir)
        base_url = f"http://127.0.0.1:{port}"
        serve = [ADUAN, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        processes.start("web", serve, env)
        processes.wait_healthy("web", f"{base_url}/healthz")
        load(base_url, complaints[:WARMUP], 4)  # loads the routing model

        web = pids_of(f"aduan serve --host 127.0.0.1 --port {port} ")
        postgres = pids_named("postgres")
        web_before, pg_before = cpu_seconds(web), cpu_seconds(postgres)
        result = load(base_url, complaints[WARMUP:], args.concurrency)
        web_used, pg_used = cpu_seconds(web) - web_before, cpu_seconds(postgres) - pg_before
        print(
            f"{result.ok} complaints at concurrency {args.concurrency}: {result.rate:.1f}/s, "
            f"p50 {result.p50:.0f} ms, p99 {result.p99:.0f} ms, statuses {dict(result.statuses)}"
        )
        print(
            f"CPU per complaint: web process {web_used / args.n * 1000:.2f} ms, "
            f"PostgreSQL {pg_used / args.n * 1000:.2f} ms, "
            f"load generator {result.client_cpu_seconds / args.n * 1000:.2f} ms"
        )


if __name__ == "__main__":
    run_benchmark(main)
