"""Retention: the periodic pass erases the contact details of cases that ended long ago and, later,
deletes their files; timestamps are set in the database, as if the cases had ended then."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.db import get_engine, utcnow
from core.settings import Settings, get_settings
from privacy import retention
from privacy.retention import RetentionReport, run_retention
from tests.console.helpers import signed_in
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import create_staff, file_complaint, login, run_jobs, sql
from tests.residents import RUBBISH, STREET_LIGHT, WATER, Resident, files, move

LONG_AGO = timedelta(days=400)  # past CONTACT_RETENTION_DAYS (365), not MEDIA_RETENTION_DAYS
LONGER_AGO = timedelta(days=800)  # past both


@pytest.fixture
def staff(client: TestClient, settings: Settings) -> dict[str, str]:
    create_staff(settings, "sup", "supervisor")
    return login(client, "sup")


def ended(settings: Settings, code: str, ago: timedelta) -> None:
    """The case ended (closed or rejected) `ago`."""
    sql(
        settings,
        "UPDATE cases SET closed_at = CASE WHEN status = 'closed' THEN :t END, "
        "rejected_at = CASE WHEN status = 'rejected' THEN :t END WHERE tracking_code = :c",
        t=utcnow() - ago,
        c=code,
    )


def close(client: TestClient, staff: dict, code: str) -> None:
    move(client, staff, code, "in_progress")
    move(client, staff, code, "resolved")
    move(client, staff, code, "closed")


def retain(settings: Settings, **changes: object) -> RetentionReport:
    return run_retention(
        get_engine(settings.database_url), settings.model_copy(update=changes), utcnow()
    )


def contact_of(settings: Settings, code: str) -> int | None:
    [(contact_id,)] = sql(settings, "SELECT contact_id FROM cases WHERE tracking_code = :c", c=code)
    return contact_id


def test_old_cases_forget_their_reporters_and_a_contact_goes_when_nothing_keeps_it(
    client: TestClient,
    settings: Settings,
    telegram: FakeTelegram,
    twilio: FakeTwilio,
    staff: dict,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A case closed or rejected over a year ago no longer names its reporter, whose message
    rows stay on it without a recipient; a reporter with a newer open case keeps their contact,
    one with nothing left (or who only ever chatted, long ago) is erased; a case closed this
    year is untouched. The pass works in batches and a second run finds nothing to do."""
    monkeypatch.setattr(retention, "BATCH", 1)  # every batch commits on its own
    siti = Resident(client, settings, telegram, twilio, "telegram")
    budi = Resident(client, settings, telegram, twilio, "sms")
    wati = Resident(client, settings, telegram, twilio, "whatsapp")
    old, still_open = files(siti, RUBBISH), files(siti, STREET_LIGHT)
    rejected, recent = files(budi, WATER), files(wati, RUBBISH)
    close(client, staff, old)
    close(client, staff, recent)
    move(client, staff, rejected, "rejected", "Bukan kewenangan kota")
    file_complaint(client, phone="081390005555", notify_via="sms")  # a web form's contact
    run_jobs(settings)  # the residents were told, long ago
    ended(settings, old, LONG_AGO)
    ended(settings, rejected, LONG_AGO)
    ended(settings, recent, timedelta(days=30))
    sql(
        settings,
        "INSERT INTO contacts (channel, address, language, language_pinned, created_at) "
        "VALUES ('sms', '+6281390009999', 'id', :no, :t)",
        no=False,
        t=utcnow() - LONG_AGO,
    )  # someone who said "halo" once, long ago
    siti_contact, wati_contact = contact_of(settings, still_open), contact_of(settings, recent)

    report = retain(settings)

    assert report == RetentionReport(cases=2, contacts=2, cancelled=0, files=0)
    assert contact_of(settings, old) is None and contact_of(settings, rejected) is None
    [(erased_at,)] = sql(
        settings, "SELECT reporter_erased_at FROM cases WHERE tracking_code = :c", c=old
    )
    assert erased_at is not None
    assert contact_of(settings, still_open) == siti_contact
    assert contact_of(settings, recent) == wati_contact
    kept = {row.address for row in sql(settings, "SELECT address FROM contacts")}
    assert kept == {"5550123456", "+6281390001234", "+6281390005555"}  # Siti, Wati, web form
    assert sql(
        settings,
        "SELECT count(*) FROM notifications n JOIN cases c ON c.id = n.case_id "
        "WHERE c.tracking_code IN (:a, :b) AND (n.contact_id IS NOT NULL "
        "OR n.recipient_erased_at IS NULL)",
        a=old,
        b=rejected,
    ) == [(0,)]
    assert retain(settings) == RetentionReport(cases=0, contacts=0, cancelled=0, files=0)

    # Siti still hears about her open case; nothing goes to Budi, whose contact is gone
    move(client, staff, still_open, "in_progress", "Sedang diperbaiki")
    before = len(twilio.messages)
    run_jobs(settings)
    assert any(still_open in m.text for m in telegram.messages)
    assert len(twilio.messages) == before


def test_files_of_cases_ended_long_ago_are_deleted_and_the_console_says_so(
    client: TestClient,
    settings: Settings,
    telegram: FakeTelegram,
    twilio: FakeTwilio,
    staff: dict,
) -> None:
    """With MEDIA_RETENTION_DAYS 0 files stay; with the default, the photo of a case closed
    over two years ago is deleted from disk, its row marked removed: the API gives 410 and no
    link, the console names the file as removed."""
    siti = Resident(client, settings, telegram, twilio, "telegram")
    code = files(siti, RUBBISH)
    assert code in siti.sends_photo()
    [(attachment_id, key)] = sql(settings, "SELECT id, storage_key FROM attachments")
    stored = Path(settings.media_dir) / key
    assert stored.is_file()
    close(client, staff, code)
    ended(settings, code, LONGER_AGO)

    assert retain(settings, media_retention_days=0).files == 0
    assert stored.is_file()
    assert retain(settings).files == 1
    assert not stored.exists()
    assert retain(settings).files == 0

    download = client.get(f"/api/v1/cases/{code}/attachments/{attachment_id}", headers=staff)
    assert download.status_code == 410
    [attachment] = client.get(f"/api/v1/cases/{code}", headers=staff).json()["attachments"]
    assert attachment["download_url"] is None and attachment["removed_at"]
    client.base_url = "https://testserver"
    signed_in(client, "sup")
    page = client.get(f"/console/cases/{code}").text
    assert "karena masa simpannya habis" in page
    assert f"/attachments/{attachment_id}" not in page
    assert "None" not in page and "<bound method" not in page


def test_without_redis_the_web_process_runs_retention(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded set-up's periodic thread runs retention with the follow-ups."""
    monkeypatch.delenv("REDIS_URL")
    get_settings.cache_clear()
    settings = get_settings()
    with TestClient(create_app(settings)) as client:
        code = file_complaint(client, phone="081390005555", notify_via="sms")["tracking_code"]
    sql(
        settings,
        "UPDATE cases SET status = 'rejected', rejected_at = :t WHERE tracking_code = :c",
        t=utcnow() - LONG_AGO,
        c=code,
    )
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 20
        while contact_of(settings, code) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
    assert contact_of(settings, code) is None


def test_a_case_referred_long_ago_forgets_its_reporter(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
) -> None:
    """A complaint referred to a body outside the city (a power cut, to PLN) has ended too: over
    a year after its referral it no longer names its reporter, who is erased with nothing left;
    one referred this month keeps its reporter."""
    siti = Resident(client, settings, telegram, twilio, "telegram")
    budi = Resident(client, settings, telegram, twilio, "sms")
    old = files(siti, "Listrik di rumah kami padam sejak pagi, sampai sekarang belum menyala")
    recent = files(budi, "Listrik di gang kami mati dari subuh, belum ada petugas PLN datang")
    statuses = sql(
        settings, "SELECT status FROM cases WHERE tracking_code IN (:a, :b)", a=old, b=recent
    )
    assert statuses == [("referred",), ("referred",)]
    sql(
        settings,
        "UPDATE cases SET referred_at = :t WHERE tracking_code = :c",
        t=utcnow() - LONG_AGO,
        c=old,
    )
    budi_contact = contact_of(settings, recent)

    assert retain(settings) == RetentionReport(cases=1, contacts=1, cancelled=0, files=0)
    assert contact_of(settings, old) is None
    assert contact_of(settings, recent) == budi_contact
