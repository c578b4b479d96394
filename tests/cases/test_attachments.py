"""Staff see a case's attachments and download them under the same rules as the case."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from cases.enums import SourceChannel
from cases.models import Attachment
from core.db import get_engine, session_scope
from core.media import store_media
from core.settings import Settings
from intake.messages import InboundMessage
from intake.service import receive
from tests.helpers import POTHOLE, RUBBISH, create_staff, login

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def case_with_photo(settings: Settings, text: str, filename: str | None) -> tuple[str, int]:
    """File a Telegram complaint with one photo through intake; returns (code, attachment id)."""
    media = store_media(settings, JPEG, "image/jpeg", filename)
    message = InboundMessage(channel=SourceChannel.telegram, text=text, media=(media,))
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        case = receive(session, settings, message).case
        attachment = session.exec(select(Attachment).where(Attachment.case_id == case.id)).one()
        return case.tracking_code, attachment.id


@pytest.fixture
def staff(settings: Settings) -> None:
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "dlh", "officer", "DLH")
    create_staff(settings, "admin", "admin")


def test_officer_sees_and_downloads_attachment(
    client: TestClient, settings: Settings, staff: None
) -> None:
    """The case's officer gets a download URL that returns the stored bytes, safely labelled."""
    code, attachment_id = case_with_photo(settings, POTHOLE, 'lubang jalan "besar".jpg')
    headers = login(client, "dpu")

    detail = client.get(f"/api/v1/cases/{code}", headers=headers)
    assert detail.status_code == 200, detail.text
    [attachment] = detail.json()["attachments"]
    assert attachment["id"] == attachment_id
    assert attachment["content_type"] == "image/jpeg"
    assert attachment["size"] == len(JPEG)
    assert attachment["download_url"] == f"/api/v1/cases/{code}/attachments/{attachment_id}"

    download = client.get(attachment["download_url"], headers=headers)
    assert download.status_code == 200, download.text
    assert download.content == JPEG
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["content-disposition"] == (
        'attachment; filename="lubang jalan _besar_.jpg"; '
        "filename*=UTF-8''lubang%20jalan%20%22besar%22.jpg"
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "private, no-store"


def test_download_without_filename_gets_a_generated_one(
    client: TestClient, settings: Settings, staff: None
) -> None:
    """A photo sent without a name downloads as <code>-<id>.jpg."""
    code, attachment_id = case_with_photo(settings, POTHOLE, None)
    download = client.get(
        f"/api/v1/cases/{code}/attachments/{attachment_id}", headers=login(client, "dpu")
    )
    assert download.status_code == 200, download.text
    assert f'filename="{code}-{attachment_id}.jpg"' in download.headers["content-disposition"]


def test_download_follows_case_access_rules(
    client: TestClient, settings: Settings, staff: None
) -> None:
    """Only the case's own officer gets the file: another agency's 404, anonymous 401, admin 403."""
    code, attachment_id = case_with_photo(settings, POTHOLE, "foto.jpg")
    url = f"/api/v1/cases/{code}/attachments/{attachment_id}"
    assert client.get(url, headers=login(client, "dpu")).status_code == 200
    assert client.get(url, headers=login(client, "dlh")).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(url, headers=login(client, "admin")).status_code == 403


def test_unknown_or_foreign_attachment_is_404(
    client: TestClient, settings: Settings, staff: None
) -> None:
    """An unknown id or another case's attachment is 404 even for a supervisor; a huge id 422."""
    create_staff(settings, "boss", "supervisor")
    code, own_id = case_with_photo(settings, POTHOLE, "jalan.jpg")
    _, foreign_id = case_with_photo(settings, RUBBISH, "sampah.jpg")
    headers = login(client, "boss")
    assert client.get(f"/api/v1/cases/{code}/attachments/{own_id}", headers=headers).is_success
    for attachment_id in (foreign_id, own_id + foreign_id + 1000):
        response = client.get(f"/api/v1/cases/{code}/attachments/{attachment_id}", headers=headers)
        assert response.status_code == 404, attachment_id
    too_big = client.get(f"/api/v1/cases/{code}/attachments/{2**63}", headers=headers)
    assert too_big.status_code == 422
