""" "Already reported?" (cases/following.py): the open public cases near a place, followers
counted and told, and a resident's own complaint folded into the one already reported."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cases.duplicates import merge
from cases.following import Followed, follow, nearby_public_cases
from cases.models import Case, CaseEvent
from cases.notes import worded
from core.db import get_engine
from core.settings import Settings
from notifications.enums import Channel
from notifications.service import get_or_create_contact
from tests.fakes.smtp_sink import SmtpSink
from tests.helpers import POTHOLE, RUBBISH, create_staff, file_complaint, login, run_jobs

HERE = {"lat": -6.99321, "lon": 110.44210}
NEAR = {"lat": -6.99380, "lon": 110.44250}  # about 80 m away
FAR = {"lat": -6.98000, "lon": 110.44210}  # about 1.5 km away
POTHOLE_2 = "Aspal jalan rusak dan berlubang dalam di Jl. Pemuda, motor sering jatuh malam hari"


@pytest.fixture
def officer(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "dinas", "officer", "DPU")
    return login(client, "dinas")


def start(client: TestClient, officer: dict, code: str) -> None:
    """An officer takes the case up: with PUBLISH_POLICY=reviewed it is public from now."""
    answer = client.post(
        f"/api/v1/cases/{code}/transitions", json={"status": "in_progress"}, headers=officer
    )
    assert answer.status_code == 200, answer.text


def case_of(session: Session, code: str) -> Case:
    return session.exec(select(Case).where(Case.tracking_code == code)).one()


def test_nearby_offers_open_public_cases_of_the_category_nearest_first(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """Only open, public cases of the category asked about and within the radius are offered,
    nearest first, with their words redacted; a case not yet reviewed, a Rahasia one, one of
    another category and one far away are not."""
    near = file_complaint(client, text=POTHOLE + " hubungi 081234567890", **NEAR)
    here = file_complaint(client, text=POTHOLE_2, **HERE)
    far = file_complaint(client, text=POTHOLE, **FAR)
    secret = file_complaint(client, text=POTHOLE, confidential=True, **HERE)
    unreviewed = file_complaint(client, text=POTHOLE, **HERE)
    rubbish = file_complaint(client, text=RUBBISH, **HERE)
    for filed in (near, here, far, secret, rubbish):
        assert filed["agency"] is not None, filed
    for filed in (near, here, far, secret):
        start(client, officer, filed["tracking_code"])
    with Session(get_engine(settings.database_url)) as session:
        pothole = case_of(session, here["tracking_code"]).category_id
        found = nearby_public_cases(
            session, settings, latitude=HERE["lat"], longitude=HERE["lon"],
            category_id=pothole, language="id",
        )  # fmt: skip
        assert [c.tracking_code for c in found] == [here["tracking_code"], near["tracking_code"]]
        assert found[0].distance_m == 0 and 60 < found[1].distance_m < 100
        assert "[nomor disembunyikan]" in found[1].text and "0812" not in found[1].text
        assert all(c.report_count == 1 for c in found)
        assert unreviewed["tracking_code"] not in {c.tracking_code for c in found}

        # resolved cases are no longer "already reported": a new report is a new problem
        client.post(
            f"/api/v1/cases/{here['tracking_code']}/transitions",
            json={"status": "resolved"},
            headers=officer,
        )
        session.expire_all()
        found = nearby_public_cases(
            session, settings, latitude=HERE["lat"], longitude=HERE["lon"],
            category_id=pothole, language="id",
        )  # fmt: skip
        assert [c.tracking_code for c in found] == [near["tracking_code"]]


def test_a_follower_counts_and_hears_every_update(
    client: TestClient, settings: Settings, officer: dict, smtp: SmtpSink
) -> None:
    """Following adds the resident once, raises the count on the public page and in the
    history, and their e-mail gets the case's next update; the reporter cannot follow their
    own case; a resolved case cannot be followed."""
    filed = file_complaint(client, text=POTHOLE, email="pelapor@example.com", **HERE)
    code = filed["tracking_code"]
    start(client, officer, code)
    engine = get_engine(settings.database_url)
    with Session(engine) as session:
        case = case_of(session, code)
        follower = get_or_create_contact(
            session, channel=Channel.email, address="tetangga@example.com"
        )
        assert follow(session, settings, case, follower.id, "en") is Followed.followed
        assert follow(session, settings, case, follower.id, "en") is Followed.already
        assert follow(session, settings, case, case.contact_id, "id") is Followed.already
        session.commit()
        assert case.report_count == 2
        note = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.note_code.is_not(None))
        ).all()[-1]
        assert "2 warga" in worded(note.note_code, note.note_params, "id")

    client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "resolved", "note": "Lubang sudah ditambal"},
        headers=officer,
    )
    run_jobs(settings)
    to_follower = [mail for mail in smtp.messages if mail.to == "tetangga@example.com"]
    assert len(to_follower) == 1 and "Lubang sudah ditambal" in to_follower[0].body
    assert client.get(f"/api/v1/complaints/{code}").json()["status"] == "resolved"
    with Session(engine) as session:
        case = case_of(session, code)
        other = get_or_create_contact(session, channel=Channel.email, address="lain@example.com")
        assert follow(session, settings, case, other.id, "id") is Followed.not_open
        assert case_of(session, code).report_count == 2


def test_a_confidential_or_unreviewed_case_cannot_be_followed(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """A code guessed or read elsewhere gives no updates of a case the public cannot see."""
    secret = file_complaint(client, text=POTHOLE, confidential=True, **HERE)["tracking_code"]
    start(client, officer, secret)
    unreviewed = file_complaint(client, text=POTHOLE_2, **NEAR)["tracking_code"]
    with Session(get_engine(settings.database_url)) as session:
        someone = get_or_create_contact(session, channel=Channel.email, address="x@example.com")
        for code in (secret, unreviewed):
            case = case_of(session, code)
            assert follow(session, settings, case, someone.id, "id") is Followed.not_open
            assert case.report_count == 1


def test_a_resident_folds_their_own_complaint_into_the_one_already_reported(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """The citizen's own move (no staff member): their case closes into the original, whose
    count takes theirs; the history says the citizen did it."""
    first = file_complaint(client, text=POTHOLE, **HERE)["tracking_code"]
    second = file_complaint(client, text=POTHOLE_2, email="warga@example.com", **NEAR)
    with Session(get_engine(settings.database_url)) as session:
        original, mine = case_of(session, first), case_of(session, second["tracking_code"])
        merge(session, settings, mine, original, actor=None)
        session.commit()
        assert (mine.status, mine.merged_into_id) == ("closed", original.id)
        assert original.report_count == 2
    history = client.get(f"/api/v1/cases/{second['tracking_code']}", headers=officer).json()
    merged = [e for e in history["history"] if e["kind"] == "merged"]
    assert merged and merged[-1]["actor"] == "citizen"
