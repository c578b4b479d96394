"""A city's three years of cases, made up but shaped like real ones, loaded with COPY.

The statistics and the case list are only slow or fast on data that looks like production, so
the spread matters more than the texts: a few big agencies and many small ones, volume growing
over the years, most old cases resolved and closed, some late, a backlog of stuck ones, a share
waiting on the citizen, recent cases still open, some filed to triage and assigned from there, a
few percent forwarded by an agency that was not theirs, ratings on about a third of the resolved
ones. Each case gets the history the app would have written: its `created` event, its forwards,
and a `status_changed` event per step it went through.

Cases go in with ids in filing order, as the app assigns them. The history is written to a
temporary CSV while the cases stream in, then copied after them, so neither is held in memory.
"""

from __future__ import annotations

import csv
import math
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from bench.common import LATITUDES, LONGITUDES, complaint_texts

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
WAITING_SHARE = 0.2  # of the open cases: waiting on the citizen
AUTO_CLOSE = timedelta(days=7)
# alphabet of tracking codes; an odd multiplier is a bijection modulo 2**40, so codes are unique
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_MULTIPLIER = 0x9E3779B97F & ((1 << 40) - 1) | 1

CASE_COLUMNS = (
    "id", "tracking_code", "status", "text", "language", "source_channel", "notify",
    "agency_id", "category_id", "routing_confidence", "latitude", "longitude", "due_at",
    "paused_at", "rating", "rated_at", "created_at", "updated_at", "assigned_at",
    "in_progress_at", "resolved_at", "closed_at", "rejected_at",
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


class CityHistory:
    """Draws the cases and their histories; the same ones for the same seed and `now`."""

    def __init__(
        self, agencies: dict[int, str], categories: list[Category], now: datetime, seed: int
    ) -> None:
        self.rng = random.Random(seed)
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
            return row, events
        category = rng.choice(self.categories[agency])
        times = self._outcome(assigned, category.sla_hours)
        for step in ("in_progress", "waiting", "resolved", "closed", "rejected"):
            if times.get(step) is not None:
                events.append(
                    (number, "status_changed", None, step, None, None, "officer", times[step])
                )
        row = self._row(
            number,
            created,
            text,
            agency,
            category.id,
            self._status(times),
            due=created + working_hours(category.sla_hours),
            confidence=rng.uniform(0.4, 1.0),
            assigned=assigned,
            times=times,
        )
        return row, events

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
        located = rng.random() < 0.6
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
            rng.uniform(*LATITUDES) if located else None,
            rng.uniform(*LONGITUDES) if located else None,
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


def _catalogue(connection: psycopg.Connection) -> tuple[dict[int, str], list[Category]]:
    agencies = dict(connection.execute("SELECT id, code FROM agencies WHERE active").fetchall())
    categories = [
        Category(*row)
        for row in connection.execute(
            "SELECT id, agency_id, sla_hours FROM categories WHERE active"
        ).fetchall()
        if row[1] in agencies
    ]
    return agencies, categories


def load_cases(dsn: str, count: int, seed: int = 6) -> tuple[int, int]:
    """COPY `count` cases and their histories into the (empty) schema; (cases, events)."""
    now = datetime.now(UTC)
    events = 0
    with psycopg.connect(dsn) as connection, tempfile.TemporaryFile("w+", newline="") as spool:
        history = CityHistory(*_catalogue(connection), now=now, seed=seed)
        writer = csv.writer(spool)
        cases = f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(cases) as copy:
            for row, rows in history.stories(count):
                copy.write_row(row)
                writer.writerows(rows)
                events += len(rows)
        spool.seek(0)
        history_rows = f"COPY case_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN (FORMAT csv)"
        with connection.cursor() as cursor, cursor.copy(history_rows) as copy:
            while chunk := spool.read(1 << 20):
                copy.write(chunk)
        connection.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), %s)", (count,))
    return count, events
