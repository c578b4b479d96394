"""The console's webhook page over HTTP, as a browser without JavaScript uses it: admins only,
a refused registration says why, the secret is shown once, the delivery log shows each
delivery's state and attempts, and "send again" delivers an event again with its id."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.console.helpers import post, signed_in
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.helpers import create_staff, file_complaint, scalar
from tests.notifications.test_webhooks import deliver_everything, register
from tests.website.test_public_pages import LEAKS

PAGE = "/console/admin/webhooks"


@pytest.fixture
def admin(web: TestClient, settings: Settings) -> str:
    """Signed in as an admin; the session's CSRF token."""
    create_staff(settings, "admin", "admin")
    return signed_in(web, "admin")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as fake:
        yield fake


def assert_clean(page: str, lang: str) -> None:
    for leak in LEAKS:
        assert leak not in page, leak
    if lang == "id":
        for english in ("Delivery log", "Send again", ">Register<", "Events<", "public only"):
            assert english not in page, english


def test_only_admins_see_or_change_webhooks(web: TestClient, settings: Settings) -> None:
    """A visitor is sent to sign in; an officer is refused the page and its forms."""
    assert web.get(PAGE, follow_redirects=False).headers["location"].startswith("/console/login")
    create_staff(settings, "petugas", "officer", "DPU")
    csrf = signed_in(web, "petugas")
    assert web.get(PAGE).status_code == 403
    refused = post(web, PAGE, csrf, url="https://mitra.example/hook", events="case.created")
    assert refused.status_code == 403
    assert scalar(settings, "SELECT COUNT(*) FROM webhook_endpoints") == 0


def test_a_registration_is_refused_with_its_reason_or_shows_the_secret_once(
    web: TestClient, settings: Settings, admin: str
) -> None:
    """Not http(s), no event, or no CSRF token: refused, nothing stored; registered, the
    answer shows the whsec_ secret, and no page shows it again."""
    ftp = post(web, PAGE, admin, url="ftp://mitra.example/hook", events="case.created")
    assert ftp.status_code == 422
    assert "Alamat harus URL lengkap yang diawali http:// atau https://" in ftp.text
    none = post(web, PAGE, admin, url="https://mitra.example/hook")
    assert none.status_code == 422 and "Pilih minimal satu peristiwa." in none.text
    forged = post(web, PAGE, None, url="https://mitra.example/hook", events="case.created")
    assert forged.status_code == 403
    assert scalar(settings, "SELECT COUNT(*) FROM webhook_endpoints") == 0

    made = web.post(
        PAGE,
        data={
            "csrf": admin,
            "url": "https://mitra.example/hook?key=own-token",
            "events": ["case.created", "case.merged"],
            "agencies": ["DPU"],
            "trusted": "1",
        },
    )
    assert made.status_code == 201
    [secret] = re.findall(r"whsec_[A-Za-z0-9+/=]+", made.text)
    assert secret == scalar(settings, "SELECT secret FROM webhook_endpoints")
    listed, shown = web.get(PAGE).text, web.get(f"{PAGE}/1").text
    for page in (listed, shown):
        assert secret not in page and "own-token" not in page
        assert "https://mitra.example/hook" in page
        assert_clean(page, "id")
    assert "dipercaya" in listed and "DPU" in listed


def test_the_log_shows_each_delivery_and_sends_one_again(
    web: TestClient, settings: Settings, admin: str, receiver: WebhookReceiver
) -> None:
    """A delivery that failed once and then went out is listed as sent after two attempts;
    "send again" delivers it once more with the same webhook-id; one not finished yet is
    refused with the reason."""
    endpoint_id = register(settings, receiver, events=["case.created"])
    receiver.answer(503)
    code = file_complaint(web)["tracking_code"]
    deliver_everything(settings)

    page = web.get(f"{PAGE}/{endpoint_id}")
    assert page.status_code == 200
    row = re.search(r"<tr>\s*<th scope=\"row\".*?</tr>", page.text, re.S).group(0)
    assert code in row and "case.created" in row and "terkirim" in row
    assert re.search(r">2</td>", row)
    assert "204" in page.text  # the last status
    for lang in ("en", "id"):  # the console keeps the last language asked for
        assert_clean(web.get(f"{PAGE}/{endpoint_id}", params={"lang": lang}).text, lang)

    delivery = scalar(settings, "SELECT id FROM notifications WHERE endpoint_id IS NOT NULL")
    again = post(web, f"{PAGE}/{endpoint_id}/deliveries/{delivery}/resend", admin)
    assert again.status_code == 303
    told = web.get(again.headers["location"]).text
    assert f"Pengiriman {delivery} dijadwalkan ulang." in told
    deliver_everything(settings)
    first, second = receiver.accepted
    assert first.webhook_id == second.webhook_id and first.body == second.body

    file_complaint(web)  # not delivered yet: nothing to send again
    waiting = scalar(settings, "SELECT MAX(id) FROM notifications WHERE endpoint_id IS NOT NULL")
    early = post(web, f"{PAGE}/{endpoint_id}/deliveries/{waiting}/resend", admin)
    assert early.status_code == 409 and "belum selesai" in early.text
    missing = post(web, f"{PAGE}/{endpoint_id}/deliveries/999999/resend", admin)
    assert missing.status_code == 404


def test_an_endpoint_is_removed_with_its_log(
    web: TestClient, settings: Settings, admin: str, receiver: WebhookReceiver
) -> None:
    """Removing deletes the endpoint and its deliveries; the page then answers 404."""
    endpoint_id = register(settings, receiver, events=["case.created"])
    file_complaint(web)
    removed = post(web, f"{PAGE}/{endpoint_id}/remove", admin)
    assert removed.status_code == 303
    assert scalar(settings, "SELECT COUNT(*) FROM notifications WHERE endpoint_id IS NOT NULL") == 0
    assert web.get(f"{PAGE}/{endpoint_id}").status_code == 404
