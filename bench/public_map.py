"""Public map benchmark on a million cases: the public reports against the scale goals (#25).

Run from the repository root: `.venv/bin/python -m bench.public_map` (`--help` for the options).

It creates the database `aduan_bench_public_map` (dropped first) with `aduan db upgrade`, loads a
city's three years of cases with bench/casegen.py (located inside the service areas, most near a
few busy places; a few percent Rahasia or hidden; public once staff acted on them, as the
default PUBLISH_POLICY=reviewed says), analyses them, starts `aduan serve --workers 2` as the
Procfile does, and times anonymous requests over HTTP: the JSON feed of the map for the whole
city (first page, and a page 99% deep through its cursor; with a status and an agency filter),
for a street-level box of about 300 m in the busiest place (alone, with a status filter, and
with the zoom the map sends from there); the clusters the map asks for the whole city at zoom
12 (alone, open ones, the busiest agency's); the reports page `/laporan`, the statistics page
`/statistik` (from its cache after the warm-up request: the cold figure is bench/stats.py's), a
public case page `/track/CODE` and the Atom feed; and the Open311
GeoReport v2 reading side (open311/): the services, a page of requests of the last 90 days (as
a client that asks without dates gets), open ones only, one request by its id, and the updates.

The goals are #25's: the city-wide map under 100 ms (the clusters the map asks for; the page of
up to 500 markers a JSON reader gets is timed against the same goal), a street-level box under
50 ms, a case page under 20 ms, the statistics page under 50 ms. The reports page and the feed
have none.
An endpoint over its goal is taken apart as bench/stats.py does (slowest SQL statements; with
--explain every endpoint, with query plans). `--reuse` keeps a loaded database. `--sqlite`
runs the same on a SQLite file (100,000 cases unless --cases says otherwise).
"""

from __future__ import annotations

import argparse
import os
from contextlib import ExitStack

import httpx
import sqlalchemy as sa
from sqlmodel import Session

from bench.casegen import HOTSPOTS, CityMap, loaded_service
from bench.common import (
    ADUAN,
    add_loaded_database_options,
    loaded_database,
    run_benchmark,
)
from bench.http_timing import Endpoint, print_table, take_apart, time_endpoints
from cases.models import PUBLIC_CANDIDATE_SQL
from cases.public_listing import LIMIT_MAX, encode_cursor
from core.db import get_engine

CITY_MS, STREET_MS, CASE_PAGE_MS, STATISTICS_MS = 100.0, 50.0, 20.0, 50.0
# the zooms the map asks at: the city on a screen, a street of about 300 m
CITY_ZOOM, STREET_ZOOM = 12, 17
# half a side of the street-level box, in degrees: about 150 m, so the box is about 300 m
STREET_HALF = 0.00135
QUEUE = "aduan-bench-public-map"
# the public cases under the default PUBLISH_POLICY=reviewed (cases/publishing.py)
PUBLIC_SQL = f"{PUBLIC_CANDIDATE_SQL} AND reviewed_at IS NOT NULL"


def items(response: httpx.Response) -> int:
    return len(response.json()["items"])


def listed(response: httpx.Response) -> int:
    """Cases on the reports page: each links to its case page with its code."""
    return response.text.count('class="code"')


def clusters(response: httpx.Response) -> int:
    return len(response.json()["clusters"])


def entries(response: httpx.Response) -> int:
    return response.text.count("<entry>")


def one(response: httpx.Response) -> int:
    return 1


def listed_json(response: httpx.Response) -> int:
    """Open311's JSON answers are lists."""
    return len(response.json())


def _box(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> str:
    return f"{min_lon:.5f},{min_lat:.5f},{max_lon:.5f},{max_lat:.5f}"


def endpoints(url: str) -> list[Endpoint]:
    """What a map reader, a list reader, a feed reader and a code holder ask for."""
    with Session(get_engine(url)) as session:
        box = CityMap(session).bounds  # the whole city: every service area
    with get_engine(url).connect() as connection:

        def scalar(sql: str, **params: object) -> object:
            return connection.execute(sa.text(sql), params).scalar()

        in_city = (
            f"{PUBLIC_SQL} AND latitude BETWEEN :min_lat AND :max_lat "
            "AND longitude BETWEEN :min_lon AND :max_lon"
        )
        bounds = dict(zip(("min_lon", "min_lat", "max_lon", "max_lat"), box, strict=True))
        located = scalar(f"SELECT count(*) FROM cases WHERE {in_city}", **bounds)
        deep = scalar(
            f"SELECT id FROM cases WHERE {in_city} ORDER BY id DESC LIMIT 1 OFFSET :skip",
            **bounds,
            skip=int(located or 0) * 99 // 100,
        )
        agency = scalar(
            "SELECT a.code FROM cases c JOIN agencies a ON a.id = c.agency_id "
            "GROUP BY a.code ORDER BY count(*) DESC LIMIT 1"
        )
        rare = scalar(
            "SELECT a.code FROM cases c JOIN agencies a ON a.id = c.agency_id "
            "GROUP BY a.code ORDER BY count(*), a.code LIMIT 1"
        )
        with_area = f"{PUBLIC_SQL} AND service_area_id IS NOT NULL"
        code = scalar(
            f"SELECT tracking_code FROM cases WHERE {with_area} ORDER BY id LIMIT 1 OFFSET :skip",
            skip=int(scalar(f"SELECT count(*) FROM cases WHERE {with_area}") or 0) // 2,
        )
    (lat, lon), _ = HOTSPOTS[0]  # the busiest place
    street = _box(lon - STREET_HALF, lat - STREET_HALF, lon + STREET_HALF, lat + STREET_HALF)
    city = f"/api/v1/public/cases?limit={LIMIT_MAX}&bbox={_box(*box)}"
    street_path = f"/api/v1/public/cases?limit={LIMIT_MAX}&bbox={street}"
    city_map = f"/api/v1/public/cases?bbox={_box(*box)}&zoom={CITY_ZOOM}"
    return [
        Endpoint(f"clusters, city, zoom {CITY_ZOOM}", city_map, CITY_MS, clusters),
        Endpoint(
            f"clusters, city, zoom {CITY_ZOOM}, open", f"{city_map}&status=open", CITY_MS, clusters
        ),
        Endpoint(
            f"clusters, city, zoom {CITY_ZOOM}, {agency}",
            f"{city_map}&agency={agency}",
            CITY_MS,
            clusters,
        ),
        Endpoint(
            f"map, street ~300 m, zoom {STREET_ZOOM}",
            f"{street_path}&zoom={STREET_ZOOM}",
            STREET_MS,
            items,
        ),
        Endpoint("map, city, first page", city, CITY_MS, items),
        Endpoint(
            "map, city, 99% deep (cursor)",
            f"{city}&cursor={encode_cursor(int(deep or 1))}",
            CITY_MS,
            items,
        ),
        Endpoint("map, city, status=open", f"{city}&status=open", CITY_MS, items),
        Endpoint(
            f"map, city, {agency} resolved",
            f"{city}&agency={agency}&status=resolved",
            CITY_MS,
            items,
        ),
        Endpoint(f"map, city, {rare} (fewest cases)", f"{city}&agency={rare}", CITY_MS, items),
        Endpoint("map, street ~300 m", street_path, STREET_MS, items),
        Endpoint("map, street ~300 m, status=open", f"{street_path}&status=open", STREET_MS, items),
        Endpoint("/laporan (first page)", "/laporan", None, listed),
        Endpoint("/statistik (cached)", "/statistik", STATISTICS_MS, one),
        Endpoint("/track/CODE (public case page)", f"/track/{code}", CASE_PAGE_MS, one),
        Endpoint("/laporan/feed.atom", "/laporan/feed.atom", None, entries),
        Endpoint("open311 services.json", "/open311/v2/services.json", None, listed_json),
        Endpoint(
            "open311 requests.json (90 days, 100)",
            "/open311/v2/requests.json?page_size=100",
            None,
            listed_json,
        ),
        Endpoint(
            "open311 requests.json status=open",
            "/open311/v2/requests.json?status=open&page_size=100",
            None,
            listed_json,
        ),
        Endpoint(
            "open311 requests/CODE.json", f"/open311/v2/requests/{code}.json", None, listed_json
        ),
        Endpoint(
            "open311 servicerequestupdates.json",
            "/open311/v2/servicerequestupdates.json?page_size=100",
            None,
            listed_json,
        ),
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_loaded_database_options(parser, "public_map", sqlite=True)
    parser.add_argument("--runs", type=int, default=11, help="timed requests per endpoint")
    parser.add_argument(
        "--explain", action="store_true", help="take every endpoint apart, with query plans"
    )
    return loaded_database(parser.parse_args(), "public_map")


def main() -> None:
    args = parse_args()
    with ExitStack() as stack:
        url, _, processes, port, env = loaded_service(stack, args, QUEUE)
        targets = endpoints(url)
        base_url = f"http://127.0.0.1:{port}"
        processes.start("aduan", [ADUAN, "serve", "--port", str(port), "--workers", "2"], env)
        processes.wait_healthy("aduan", f"{base_url}/healthz")
        backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        print(f"public map: {args.cases} cases on {backend}, {args.runs} runs per endpoint")
        timings = time_endpoints(base_url, targets, args.runs)
        processes.stop("aduan")
        print_table(timings)
        slow = [t.endpoint for t in timings if t.over_goal]
        if slow or args.explain:
            os.environ.update(env)
            take_apart(targets if args.explain else slow, with_plans=args.explain)


if __name__ == "__main__":
    run_benchmark(main)
