"""A city's three years of cases, made up but shaped like real ones, loaded with COPY.

The statistics and the case list are only slow or fast on data that looks like production, so
the spread matters more than the texts: a few big agencies and many small ones, volume growing
over the years, most old cases resolved and closed, some late, a backlog of stuck ones, a share
waiting on the citizen, recent cases still open, some filed to triage and assigned from there, a
few percent forwarded by an agency that was not theirs, ratings on about a third of the resolved
ones. Each case gets the history the app would have written: its `created` event, its forwards,
a `status_changed` event per step it went through, and for an overdue case still on the clock
the escalations the scheduler made as it went past each margin.

What the public side reads is shaped too: located cases lie inside the city's service areas (the
routing catalogue's), most of them around a few busy places, with the service area routing
would give them and, often, an address; `reviewed_at` is the first time staff acted on a case;
a few percent are Rahasia (`confidential`) and about one in a hundred hidden by staff, so the
public condition filters as it would in a real city.

Cases go in with ids in filing order, as the app assigns them. On PostgreSQL the history is
written to a temporary CSV while the cases stream in, then copied after them, so neither is held
in memory; on SQLite both are inserted in batches.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import shapely
from shapely.geometry import shape
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bench.common import (
    Processes,
    complaint_texts,
    free_port,
    libpq_dsn,
    recreate_database,
    run_aduan,
    scratch_directory,
    service_environment,
)
from cases.enums import CLOCK_STATUSES, HideReason
from core.db import get_engine
from core.settings import Settings, normalise_database_url
from routing.areas import area_id_for
from routing.models import Agency, ServiceArea
from routing.models import Category as CatalogueCategory
from routing.versions import catalogue_version

YEARS = 3
# filings per agency code, relative; a code not listed (a city's own agency) weighs 2
AGENCY_WEIGHTS = {
    "DPU": 18, "DLH": 14, "PDAM": 10, "DISHUB": 9, "DISPERKIM": 8, "SATPOLPP": 7,
    "DISDUKCAPIL": 7, "DINKES": 5, "DINSOS": 5, "DISDIK": 4, "BPBD": 3, "DISKOMINFO": 3,
    "BAPENDA": 3, "DAMKAR": 2, "DPMPTSP": 2,
}  # fmt: skip
CHANNELS = (("web", 35), ("whatsapp", 30), ("telegram", 20), ("sms", 15))
TRIAGE_SHARE = 0.08  # filed below the routing threshold
MISROUTED_SHARE = 0.04  # routed to the wrong agency, which forwarded them
REJECTED_SHARE = 0.03
STUCK_SHARE = 0.015  # never worked on: the old part of the backlog
RATED_SHARE = 0.35
RATINGS = ((1, 8), (2, 7), (3, 15), (4, 35), (5, 35))
LOCATED_SHARE = 0.6  # complaints that came with a location
ADDRESS_SHARE = 0.4  # of the located ones: the resident also wrote the street
CONFIDENTIAL_SHARE = 0.03  # Rahasia: never on the public side
HIDDEN_SHARE = 0.01  # hidden by staff (moderation)
# where complaints gather (Semarang: Simpang Lima, Tugu Muda, Pasar Johar, Tembalang,
# Banyumanik, Ngaliyan), relative weight; the rest fall anywhere in the service areas
HOTSPOTS = (
    ((-6.9905, 110.4229), 5), ((-6.9840, 110.4093), 3), ((-6.9680, 110.4270), 3),
    ((-7.0500, 110.4380), 2), ((-7.0610, 110.4170), 2), ((-6.9960, 110.3530), 1),
)  # fmt: skip
HOTSPOT_SHARE = 0.7
HOTSPOT_SPREAD = 0.008  # degrees, one standard deviation: about 900 m
STREETS = (
    "Jl. Pemuda", "Jl. Pandanaran", "Jl. Gajah Mada", "Jl. MT Haryono", "Jl. Pahlawan",
    "Jl. Setiabudi", "Jl. Ngesrep Timur", "Jl. Majapahit", "Jl. Siliwangi", "Jl. Kaligawe",
)  # fmt: skip
WAITING_SHARE = 0.2  # of the open cases: waiting on the citizen
AUTO_CLOSE = timedelta(days=7)
ESCALATION_HOURS = Settings.model_fields["escalation_hours"].default  # the app's default
# alphabet of tracking codes; an odd multiplier is a bijection modulo 2**40, so codes are unique
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_MULTIPLIER = 0x9E3779B97F & ((1 << 40) - 1) | 1

CASE_COLUMNS = (
    "id", "tracking_code", "status", "text", "language", "source_channel", "notify",
    "agency_id", "category_id", "routing_confidence", "due_at", "paused_at", "rating",
    "rated_at", "created_at", "updated_at", "assigned_at", "in_progress_at", "resolved_at",
    "closed_at", "rejected_at", "latitude", "longitude", "address", "service_area_id",
    "confidential", "reviewed_at", "hidden_at", "hidden_reason", "escalation_level",
    "escalated_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "case_id", "kind", "from_status", "to_status", "from_agency_id", "to_agency_id", "actor",
    "created_at",
)  # fmt: skip


@dataclass(frozen=True)
class Category:
    id: int
    agency_id: int
    sla_hours: int


def tracking_code(number: int) -> str:
    value = number * CODE_MULTIPLIER & ((1 << 40) - 1)
    chars = "".join(ALPHABET[value >> shift & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def working_hours(sla_hours: int) -> timedelta:
    """Roughly the calendar time `sla_hours` of working time take (weekdays only)."""
    return timedelta(hours=sla_hours * 7 / 5)


class CityMap:
    """Where located complaints fall: inside the union of the city's service areas, most near
    the hotspots; and which service area of an agency holds a point (routing.areas' answer)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.version = catalogue_version(session)
        areas = session.exec(select(ServiceArea.geometry).where(ServiceArea.active)).all()
        if not areas:
            raise SystemExit("the catalogue has no service areas to place cases in")
        self.city = shapely.union_all([shape(geometry) for geometry in areas])
        shapely.prepare(self.city)
        self.bounds = self.city.bounds  # min lon, min lat, max lon, max lat
        self.hotspots, self.hotspot_weights = zip(*HOTSPOTS, strict=True)

    def place(self, rng: random.Random) -> tuple[float, float]:
        """A (latitude, longitude) inside the service areas."""
        min_lon, min_lat, max_lon, max_lat = self.bounds
        while True:
            if rng.random() < HOTSPOT_SHARE:
                lat, lon = rng.choices(self.hotspots, self.hotspot_weights)[0]
                point = (rng.gauss(lat, HOTSPOT_SPREAD), rng.gauss(lon, HOTSPOT_SPREAD))
            else:
                point = (rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon))
            if shapely.contains_xy(self.city, point[1], point[0]):
                return point

    def area(self, agency_id: int | None, latitude: float, longitude: float) -> int | None:
        return area_id_for(self.session, self.version, agency_id, latitude, longitude)


class CityHistory:
    """Draws the cases and their histories; the same ones for the same seed and `now`."""

    def __init__(
        self,
        agencies: dict[int, str],
        categories: list[Category],
        city: CityMap,
        now: datetime,
        seed: int,
    ) -> None:
        self.rng = random.Random(seed)
        self.city = city
        self.now = now
        self.start = now - timedelta(days=365 * YEARS)
        self.agency_ids = list(agencies)
        self.weights = [AGENCY_WEIGHTS.get(agencies[a], 2) for a in self.agency_ids]
        self.categories = {a: [c for c in categories if c.agency_id == a] for a in agencies}
        texts = complaint_texts()
        self.texts = {
            a: [t for t in texts if t["agency"] == code] or texts for a, code in agencies.items()
        }

    def filing_times(self, count: int) -> list[datetime]:
        """Sorted; volume grows over the years, as a service that more residents learn of."""
        span = (self.now - self.start).total_seconds()
        rng = self.rng
        # half uniform, half with a density rising linearly: recent years busier
        fractions = sorted(
            rng.random() if rng.random() < 0.5 else math.sqrt(rng.random()) for _ in range(count)
        )
        return [self.start + timedelta(seconds=f * span) for f in fractions]

    def stories(self, count: int) -> Iterator[tuple[tuple, list[tuple]]]:
        for number, created in enumerate(self.filing_times(count), start=1):
            yield self.story(number, created)

    def story(self, number: int, created: datetime) -> tuple[tuple, list[tuple]]:
        """One case row and its history rows."""
        rng = self.rng
        topic = rng.choices(self.agency_ids, self.weights)[0]
        text = rng.choice(self.texts[topic])
        agency, assigned, events = self._routing(number, created, topic)
        if agency is None:  # still waiting in triage for a supervisor
            due = created + timedelta(hours=24)
            row = self._row(number, created, text, None, None, "triage", due=due, confidence=0.3)
            return row + self._public_side(number, created, None, events) + (0, None), events
        category = rng.choice(self.categories[agency])
        times = self._outcome(assigned, category.sla_hours)
        for step in ("in_progress", "waiting", "resolved", "closed", "rejected"):
            if times.get(step) is not None:
                events.append(
                    (number, "status_changed", None, step, None, None, "officer", times[step])
                )
        status, due = self._status(times), created + working_hours(category.sla_hours)
        row = self._row(
            number,
            created,
            text,
            agency,
            category.id,
            status,
            due=due,
            confidence=rng.uniform(0.4, 1.0),
            assigned=assigned,
            times=times,
        )
        public = self._public_side(number, created, agency, events)
        return row + public + self._escalation(number, status, due, events), events

    def _escalation(self, number: int, status: str, due: datetime, events: list[tuple]) -> tuple:
        """(escalation_level, escalated_at) of a case the scheduler has been escalating as it
        went overdue (cases.followups.escalate: a rung per ESCALATION_HOURS margin past due,
        for a case on the clock); appends an event per rung taken. Without them, the first
        pass of a freshly started scheduler escalates the whole backlog at once, holding the
        only worker for minutes."""
        if status not in CLOCK_STATUSES:
            return 0, None
        level, escalated = 0, None
        for rung, margin in enumerate(ESCALATION_HOURS, start=1):
            moment = due + timedelta(hours=margin)
            if moment < self.now:
                level, escalated = rung, moment
                events.append((number, "escalated", None, None, None, None, "system", moment))
        return level, escalated

    def _public_side(
        self, number: int, created: datetime, agency: int | None, events: list[tuple]
    ) -> tuple:
        """Where the case is and what the public side decides on: (address, service area,
        confidential, reviewed_at, hidden_at, hidden_reason). Appends the hiding to `events`."""
        rng, now = self.rng, self.now
        address = area = None
        if rng.random() < LOCATED_SHARE:
            latitude, longitude = self.city.place(rng)
            area = self.city.area(agency, latitude, longitude)
            if rng.random() < ADDRESS_SHARE:
                address = f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}, Semarang"
        else:
            latitude = longitude = None
        # the first time staff acted on it: a forward, an assignment, a status move
        reviewed = min((e[-1] for e in events if e[6] != "citizen"), default=None)
        hidden = reason = None
        if rng.random() < HIDDEN_SHARE:
            moment = created + timedelta(hours=rng.uniform(1, 96))
            if moment <= now:
                hidden, reason = moment, rng.choice(list(HideReason)).value
                events.append((number, "hidden", None, None, None, None, "officer", hidden))
        confidential = rng.random() < CONFIDENTIAL_SHARE
        return latitude, longitude, address, area, confidential, reviewed, hidden, reason

    def _routing(
        self, number: int, created: datetime, topic: int
    ) -> tuple[int | None, datetime, list[tuple]]:
        """Where the case is now, since when, and the history of getting there: filed to the
        right agency, or to triage and assigned later, or to a wrong one that forwarded it."""
        rng, now = self.rng, self.now
        if rng.random() < TRIAGE_SHARE:
            assigned = created + timedelta(hours=rng.uniform(0.5, 72))
            events = [(number, "created", None, "triage", None, None, "citizen", created)]
            if assigned > now:
                return None, created, events
            forward = (number, "forwarded", "triage", "assigned", None, topic, "supervisor")
            return topic, assigned, [*events, (*forward, assigned)]
        if rng.random() < MISROUTED_SHARE:
            wrong = rng.choice([a for a in self.agency_ids if a != topic])
            noticed = created + timedelta(hours=rng.uniform(1, 48))
            events = [(number, "created", None, "assigned", None, wrong, "citizen", created)]
            if noticed > now:
                return wrong, created, events
            forward = (number, "forwarded", "assigned", "assigned", wrong, topic, "officer")
            return topic, noticed, [*events, (*forward, noticed)]
        return (
            topic,
            created,
            [(number, "created", None, "assigned", None, topic, "citizen", created)],
        )

    def _outcome(self, assigned: datetime, sla_hours: int) -> dict[str, datetime | None]:
        """When the case reached each step, if it has by now."""
        rng, now = self.rng, self.now
        if rng.random() < REJECTED_SHARE:
            rejected = assigned + timedelta(hours=rng.uniform(1, 72))
            return {"rejected": rejected if rejected <= now else None}
        if rng.random() < STUCK_SHARE:
            return {}
        # resolution takes about 0.6 of the SLA, with a long tail of late ones
        took = working_hours(sla_hours) * 0.6 * math.exp(rng.gauss(0, 0.8))
        started = assigned + took * rng.uniform(0.05, 0.4)
        resolved = assigned + took
        times: dict[str, datetime | None] = {"in_progress": started if started <= now else None}
        if resolved <= now:
            times["resolved"] = resolved
            closed = resolved + AUTO_CLOSE
            times["closed"] = closed if closed <= now else None
            rated = resolved + timedelta(hours=rng.uniform(0.1, 72))
            if rng.random() < RATED_SHARE and rated <= now:
                times["rated"] = rated
        elif rng.random() < WAITING_SHARE:
            times["waiting"] = started + (now - started) * rng.random()
        return times

    @staticmethod
    def _status(times: dict[str, datetime | None]) -> str:
        for step in ("rejected", "closed", "resolved", "waiting", "in_progress"):
            if times.get(step) is not None:
                return step
        return "assigned"

    def _row(
        self,
        number: int,
        created: datetime,
        text: dict[str, str],
        agency: int | None,
        category: int | None,
        status: str,
        *,
        due: datetime,
        confidence: float,
        assigned: datetime | None = None,
        times: dict[str, datetime | None] | None = None,
    ) -> tuple:
        rng, times = self.rng, times or {}
        rated = times.get("rated")
        moments = [created, assigned, *times.values()]
        return (
            number,
            tracking_code(number),
            status,
            text["text"],
            text["language"],
            rng.choices(*zip(*CHANNELS, strict=True))[0],
            True,
            agency,
            category,
            confidence,
            due,
            times.get("waiting"),
            rng.choices(*zip(*RATINGS, strict=True))[0] if rated else None,
            rated,
            created,
            max(m for m in moments if m is not None),
            assigned,
            times.get("in_progress"),
            times.get("resolved"),
            times.get("closed"),
            times.get("rejected"),
        )


def _catalogue(session: Session) -> tuple[dict[int, str], list[Category]]:
    agencies = dict(session.exec(select(Agency.id, Agency.code).where(Agency.active)).all())
    rows = session.exec(
        select(
            CatalogueCategory.id, CatalogueCategory.agency_id, CatalogueCategory.sla_hours
        ).where(CatalogueCategory.active)
    ).all()
    return agencies, [Category(*row) for row in rows if row[1] in agencies]


def load_cases(url: str, count: int, seed: int = 6) -> tuple[int, int]:
    """Load `count` cases and their histories into the (empty) schema at `url` (the app's
    form or libpq's): COPY on PostgreSQL, batched INSERTs on SQLite. Returns (cases, events)."""
    url = normalise_database_url(url)
    now = datetime.now(UTC)
    with Session(get_engine(url)) as session:
        history = CityHistory(*_catalogue(session), CityMap(session), now=now, seed=seed)
        stories = history.stories(count)
        if make_url(url).get_backend_name() == "sqlite":
            return count, _insert_sqlite(make_url(url).database or "", stories)
        return count, _copy_postgresql(libpq_dsn(url), stories, count)


def _copy_postgresql(dsn: str, stories: Iterable[tuple[tuple, list[tuple]]], count: int) -> int:
    events = 0
    with psycopg.connect(dsn) as connection, tempfile.TemporaryFile("w+", newline="") as spool:
        writer = csv.writer(spool)
        cases = f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(cases) as copy:
            for row, rows in stories:
                copy.write_row(row)
                writer.writerows(rows)
                events += len(rows)
        spool.seek(0)
        history_rows = f"COPY case_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN (FORMAT csv)"
        with connection.cursor() as cursor, cursor.copy(history_rows) as copy:
            while chunk := spool.read(1 << 20):
                copy.write(chunk)
        connection.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), %s)", (count,))
    return events


def _sqlite_value(value: object) -> object:
    """A value as SQLAlchemy stores it in SQLite: UTC timestamps naive, in its text form."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _insert_sqlite(path: str, stories: Iterable[tuple[tuple, list[tuple]]]) -> int:
    events = 0
    insert_case = "INSERT INTO cases ({}) VALUES ({})".format(
        ", ".join(CASE_COLUMNS), ", ".join("?" * len(CASE_COLUMNS))
    )
    insert_event = "INSERT INTO case_events ({}) VALUES ({})".format(
        ", ".join(EVENT_COLUMNS), ", ".join("?" * len(EVENT_COLUMNS))
    )
    connection = sqlite3.connect(path)
    try:
        stream = iter(stories)
        while batch := list(itertools.islice(stream, 10_000)):
            with connection:
                connection.executemany(
                    insert_case, ([_sqlite_value(v) for v in row] for row, _ in batch)
                )
                history = [[_sqlite_value(v) for v in e] for _, rows in batch for e in rows]
                connection.executemany(insert_event, history)
            events += len(history)
    finally:
        connection.close()
    return events


def loaded_service(
    stack: ExitStack, args: argparse.Namespace, queue: str, **extra_env: str
) -> tuple[str, Path, Processes, int, dict[str, str]]:
    """What a benchmark over a loaded database starts with, on `stack`: the database of
    `args` (from bench.common.add_loaded_database_options) prepared, a scratch directory, the
    processes' keeper, a free port and the service's environment (with `extra_env`)."""
    url = normalise_database_url(args.database_url)
    workdir = stack.enter_context(scratch_directory())
    processes = stack.enter_context(Processes(workdir))
    port = free_port()
    env = service_environment(
        database_url=url, redis_url=args.redis_url, queue=queue, workdir=workdir, port=port
    )
    env |= extra_env
    prepare_database(url, args.cases, args.reuse, workdir, env)
    return url, workdir, processes, port, env


def prepare_database(url: str, cases: int, reuse: bool, workdir: Path, env: dict[str, str]) -> None:
    """A schema at `url` with `cases` cases and their history, analysed for the planner; unless
    `reuse` and the database already holds exactly that many loaded (cases a benchmark filed
    through the app since, which have an idempotency key, are not counted)."""
    if reuse:
        engine = get_engine(url)
        try:
            with engine.connect() as connection:
                found = connection.exec_driver_sql(
                    "SELECT count(*) FROM cases WHERE intake_key IS NULL"
                ).scalar()
        except Exception:  # no database, no schema: load it
            found = None
        engine.dispose()  # a pooled connection must not outlive the database it opened
        if found == cases:
            # a database loaded by an earlier revision gets its new tables (and their rows)
            upgrading = time.monotonic()
            run_aduan(["db", "upgrade"], env, workdir)
            print(
                f"reusing {url}: {found} cases, schema upgraded in "
                f"{time.monotonic() - upgrading:.0f} s",
                flush=True,
            )
            return
    recreate_database(url)
    run_aduan(["db", "upgrade"], env, workdir)
    started = time.monotonic()
    loaded, events = load_cases(url, cases)
    # COPY went past the lifecycle that keeps the daily summaries: computed as an operator would
    summarised = time.monotonic()
    run_aduan(["stats", "rebuild"], env, workdir)
    print(f"daily summaries rebuilt in {time.monotonic() - summarised:.0f} s", flush=True)
    if make_url(url).get_backend_name() == "sqlite":
        with sqlite3.connect(make_url(url).database or "") as connection:
            connection.execute("ANALYZE")
    else:
        with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE cases")
            connection.execute("VACUUM ANALYZE case_events")
            connection.execute("VACUUM ANALYZE agency_day_stats")
    print(
        f"loaded {loaded} cases and {events} history rows, analysed, "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )
