"""Partners' Open311 POSTs, sent exactly as FixMyStreet's perllib/Open311.pm sends them, on
SQLite and PostgreSQL: a request is filed through intake into the service it names and its
reporter is told; a resident's update becomes their words on the case; anything refused
stores nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.settings import Settings, get_settings
from tests.console.helpers import sign_in
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import create_staff, run_jobs, scalar, sql
from tests.open311.partners import (
    DESCRIPTION,
    EMAIL,
    PHOTO,
    fms_request,
    fms_update,
    make_key,
    post,
    revoke,
)
from tests.website.test_public_pages import LEAKS

REQUESTS, UPDATES = "/open311/v2/requests.xml", "/open311/v2/servicerequestupdates.xml"


def xml_of(text: str) -> ET.Element:
    return ET.fromstring(text.encode())


def nothing_stored(settings: Settings) -> bool:
    tables = ("cases", "case_events", "contacts", "notifications", "open311_updates")
    return all(scalar(settings, f"SELECT count(*) FROM {table}") == 0 for table in tables)


def file_one(client: TestClient, key: str, **changes: str | None) -> str:
    response = post(client, REQUESTS, fms_request(key, **changes))
    assert response.status_code == 200, response.text
    return xml_of(response.text).findtext("request/service_request_id")


def test_a_fixmystreet_request_is_filed_into_its_service_and_the_reporter_told(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    """XML answer as the spec's service_requests/request; the case is an Open311 complaint of
    street_light with DISPERKIM, at the posted point, with the contact by e-mail; attributes
    and the photo link are in the staff history; the acknowledgement is e-mailed."""
    key = make_key(settings)
    response = post(client, REQUESTS, fms_request(key))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = xml_of(response.text)
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    code = request.findtext("service_request_id")
    notice = request.findtext("service_notice")
    assert code and code in notice and "Dinas Perumahan" in notice
    assert request.find("account_id") is not None and request.findtext("account_id") == ""
    [case] = sql(
        settings,
        "SELECT c.source_channel, g.code, a.code, c.text, c.latitude, c.longitude, "
        "k.channel, k.address, k.name, c.status FROM cases c JOIN categories g ON "
        "g.id = c.category_id JOIN agencies a ON a.id = c.agency_id JOIN contacts k ON "
        "k.id = c.contact_id WHERE c.tracking_code = :code",
        code=code,
    )
    assert tuple(case) == (
        "open311",
        "street_light",
        "DISPERKIM",
        DESCRIPTION.strip(),
        -6.966667,
        110.416664,
        "email",
        EMAIL,
        "Siti Rahayu",
        "assigned",
    )
    [note] = sql(settings, "SELECT internal_note FROM case_events WHERE kind = 'note'")
    assert note[0].splitlines() == [
        "Open311 · FixMyStreet Semarang",
        "attribute[fixmystreet_id]: 4821",
        "attribute[road_closed]: no",
        f"media_url: {PHOTO}",
    ]
    run_jobs(settings)
    [mail] = smtp.wait_for(lambda: smtp.messages)
    assert mail.to == EMAIL and code in mail.body


def test_the_service_code_decides_not_the_classifier(
    client: TestClient, settings: Settings
) -> None:
    """A text about a street light filed into water_pipe_leak goes to PDAM, with certainty."""
    code = file_one(client, make_key(settings), service_code="water_pipe_leak")
    [(agency, confidence)] = sql(
        settings,
        "SELECT a.code, c.routing_confidence FROM cases c JOIN agencies a ON a.id = c.agency_id "
        "WHERE c.tracking_code = :code",
        code=code,
    )
    assert (agency, confidence) == ("PDAM", 1.0)


def test_a_phone_without_email_is_told_by_sms_in_e164(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """The phone as FixMyStreet passes it on (0812-3456-7890) becomes +6281234567890, told by
    SMS; an address_string stands in for the point; JSON is answered as a list."""
    key = make_key(settings)
    fields = fms_request(
        key, email=None, lat=None, long=None, address_string="Jl. Pemuda 12, Semarang"
    )
    response = post(client, "/open311/v2/requests.json", fields)
    assert response.status_code == 200, response.text
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    code = answer["service_request_id"]
    assert sql(settings, "SELECT channel, address FROM contacts") == [("sms", "+6281234567890")]
    assert sql(settings, "SELECT address, latitude FROM cases") == [
        ("Jl. Pemuda 12, Semarang", None)
    ]
    run_jobs(settings)
    [sms] = twilio.wait_for(lambda: twilio.messages)
    assert sms.to == "+6281234567890" and code in sms.body


def test_account_id_and_device_id_are_kept_for_staff(
    client: TestClient, settings: Settings
) -> None:
    """account_id is answered back; both are in the staff history, never in the case text."""
    key = make_key(settings)
    response = post(
        client, "/open311/v2/requests.json", fms_request(key, account_id="u-77", device_id="d-9")
    )
    assert response.json()[0]["account_id"] == "u-77"
    [note] = sql(settings, "SELECT internal_note FROM case_events WHERE kind = 'note'")
    assert note[0].splitlines()[-2:] == ["device_id: d-9", "account_id: u-77"]
    assert "u-77" not in scalar(settings, "SELECT text FROM cases")


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("refusal", ["no key", "blank key", "unknown key", "revoked", "service"])
def test_partners_without_the_right_key_get_403_and_nothing_is_stored(
    client: TestClient, settings: Settings, refusal: str, fmt: str
) -> None:
    """No key, a blank or unknown one, a revoked one, or a key for other services: 403 as the
    spec's errors/error, and no case, contact, history or message."""
    key = make_key(settings, services=["road_damage", "bridge_damage"])
    if refusal == "revoked":
        revoke(settings)
    given = {
        "no key": None,
        "blank key": "",
        "unknown key": "o311_" + "x" * 22,
        "revoked": key,
        "service": key,
    }[refusal]
    fields = fms_request(given, service_code="street_light")
    if refusal == "no key":
        assert "api_key" not in dict(fields)
    response = post(client, f"/open311/v2/requests.{fmt}", fields)
    assert response.status_code == 403
    if fmt == "xml":
        error = xml_of(response.text)
        assert (error.tag, error.findtext("error/code")) == ("errors", "403")
        description = error.findtext("error/description")
    else:
        [error] = response.json()
        assert error["code"] == 403
        description = error["description"]
    assert ("street_light" in description) == (refusal == "service")
    assert nothing_stored(settings)


def test_a_key_for_some_services_files_into_them(client: TestClient, settings: Settings) -> None:
    """The same restricted key that is refused street_light files road_damage."""
    key = make_key(settings, services=["road_damage"])
    assert file_one(client, key, service_code="road_damage")


@pytest.mark.parametrize(
    ("changes", "status", "names"),
    [
        ({"service_code": "no_such_service"}, 404, "no_such_service"),
        ({"service_code": None}, 400, "service_code"),
        ({"description": None}, 400, "description"),
        ({"description": "  "}, 400, "description"),
        ({"description": "ab"}, 400, "at least 3"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"long": None}, 400, "lat and long"),
        ({"lat": "south"}, 400, "lat"),
        ({"lat": "-95"}, 400, "lat"),
        ({"long": "nan"}, 400, "long"),
        ({"email": "siti at example"}, 400, "email"),
        ({"phone": "12"}, 400, "phone"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url"),
        ({"description": "Lampu\x00mati"}, 400, "description"),
    ],
)
def test_bad_requests_are_refused_with_the_reason_and_nothing_stored(
    client: TestClient,
    settings: Settings,
    changes: dict[str, str | None],
    status: int,
    names: str,
) -> None:
    """Each wrong or missing field: 400 (404 for an unknown service) naming it."""
    response = post(client, REQUESTS, fms_request(make_key(settings), **changes))
    assert response.status_code == status, response.text
    error = xml_of(response.text)
    assert error.findtext("error/code") == str(status)
    assert names in error.findtext("error/description")
    assert nothing_stored(settings)


def test_a_repeated_field_and_an_unknown_format_are_refused(
    client: TestClient, settings: Settings
) -> None:
    """Two descriptions: 400; requests.html: 404 in XML; nothing stored."""
    key = make_key(settings)
    twice = [*fms_request(key), ("description", "lagi")]
    assert post(client, REQUESTS, twice).status_code == 400
    response = post(client, "/open311/v2/requests.html", fms_request(key))
    assert response.status_code == 404
    assert xml_of(response.text).findtext("error/code") == "404"
    assert nothing_stored(settings)


@pytest.fixture
def limited_client(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app with OPEN311_POSTS_PER_KEY_PER_HOUR=2 (counted in the real Redis)."""
    monkeypatch.setenv("OPEN311_POSTS_PER_KEY_PER_HOUR", "2")
    get_settings.cache_clear()
    with TestClient(create_app(get_settings())) as client:
        yield client


def test_each_key_has_its_own_hourly_limit(limited_client: TestClient, settings: Settings) -> None:
    """A key's third post in the hour: 429 with Retry-After and nothing stored; another
    partner's key still files."""
    first, second = make_key(settings), make_key(settings, "Lapor Semarang")
    codes = [file_one(limited_client, first) for _ in range(2)]
    response = post(limited_client, REQUESTS, fms_request(first))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert xml_of(response.text).findtext("error/code") == "429"
    assert scalar(settings, "SELECT count(*) FROM cases") == 2
    assert file_one(limited_client, second) not in codes


def test_a_residents_update_is_their_words_on_the_case(
    client: TestClient, settings: Settings
) -> None:
    """servicerequestupdates as FixMyStreet posts it: answered request_update/update_id, kept
    as the resident's note (the officer's queue marks it), photo link included; the same
    update_id again answers the same id and adds nothing."""
    key = make_key(settings)
    code = file_one(client, key)
    response = post(client, UPDATES, fms_update(key, code))
    assert response.status_code == 200, response.text
    root = xml_of(response.text)
    assert root.tag == "service_request_updates"
    update_id = root.findtext("request_update/update_id")
    assert update_id and update_id.isdecimal()
    notes = sql(
        settings, "SELECT internal_note, actor FROM case_events WHERE kind = 'citizen_note'"
    )
    assert notes == [
        (
            "Sudah dua malam masih gelap, mohon segera.\n\n"
            "media_url: https://fixmystreet.example.org/photo/c/77.0.full.jpeg",
            "citizen",
        )
    ]
    assert scalar(settings, "SELECT citizen_noted_at FROM cases") is not None
    again = post(client, "/open311/v2/servicerequestupdates.json", fms_update(key, code))
    assert again.json() == [{"update_id": update_id}]
    assert scalar(settings, "SELECT count(*) FROM case_events WHERE kind = 'citizen_note'") == 1
    other = post(client, UPDATES, fms_update(key, code, update_id="9002"))
    assert xml_of(other.text).findtext("request_update/update_id") != update_id


def test_an_update_on_a_waiting_case_is_the_answer_it_waits_for(
    client: TestClient, settings: Settings
) -> None:
    """A case waiting for the resident goes back to work, as a chat answer sends it."""
    key = make_key(settings)
    code = file_one(client, key)
    sql(settings, "UPDATE cases SET status = 'waiting', paused_at = updated_at")
    assert post(client, UPDATES, fms_update(key, code)).status_code == 200
    assert scalar(settings, "SELECT status FROM cases") == "in_progress"


@pytest.mark.parametrize(
    ("case", "status"),
    [("unknown", 404), ("no key", 403), ("revoked", 403), ("service", 403), ("blank", 400)],
)
def test_bad_updates_are_refused_and_add_nothing(
    client: TestClient, settings: Settings, case: str, status: int
) -> None:
    """An unknown case 404; no key, a revoked key or one for other services 403; no
    description 400; no note either way."""
    filer = make_key(settings, "Filer")
    code = file_one(client, filer)
    key = make_key(settings, services=["road_damage"] if case == "service" else None)
    if case == "revoked":
        revoke(settings)
    fields = fms_update(
        None if case == "no key" else key,
        "XXXX-0000" if case == "unknown" else code,
        description="   " if case == "blank" else "Masih gelap.",
    )
    response = post(client, UPDATES, fields)
    assert response.status_code == status, response.text
    assert xml_of(response.text).findtext("error/code") == str(status)
    assert scalar(settings, "SELECT count(*) FROM open311_updates") == 0
    assert scalar(settings, "SELECT count(*) FROM case_events WHERE kind = 'citizen_note'") == 0


def road(key: str, *answers: tuple[str, str]) -> list[tuple[str, str]]:
    """A road_damage request (its definition asks road_closed, required, and hole_width_cm)
    with `answers` as FixMyStreet's extra fields instead of the street light's."""
    fields = fms_request(
        key,
        service_code="road_damage",
        **{"attribute[fixmystreet_id]": None, "attribute[road_closed]": None},
    )
    return [*fields, *answers, ("attribute[fixmystreet_id]", "4822")]


def test_answers_to_the_service_definition_are_kept_in_its_order(
    client: TestClient, settings: Settings
) -> None:
    """road_closed and hole_width_cm answered as the definition asks are kept first, in its
    order; FixMyStreet's own attribute after them, unchecked."""
    key = make_key(settings)
    fields = road(key, ("attribute[hole_width_cm]", "40"), ("attribute[road_closed]", "partly"))
    assert post(client, REQUESTS, fields).status_code == 200
    [note] = sql(settings, "SELECT internal_note FROM case_events WHERE kind = 'note'")
    assert note[0].splitlines()[1:4] == [
        "attribute[road_closed]: partly",
        "attribute[hole_width_cm]: 40",
        "attribute[fixmystreet_id]: 4822",
    ]


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ((), "attribute[road_closed] is required: Is the road closed or impassable?"),
        ((("attribute[road_closed]", "maybe"),), "must be one of: yes, partly, no"),
        ((("attribute[road_closed]", "yes"), ("attribute[road_closed]", "no")), "one value"),
        ((("attribute[road_closed][]", "yes"),), None),
        (
            (("attribute[road_closed]", "no"), ("attribute[hole_width_cm]", "lebar")),
            "attribute[hole_width_cm] must be a number",
        ),
        ((("attribute[road_closed]", "no"), ("attribute[hole_width_cm]", "inf")), "a number"),
    ],
)
def test_answers_against_the_definition_are_checked(
    client: TestClient, settings: Settings, answers: tuple, reason: str | None
) -> None:
    """A required question unanswered, a value not among the list's keys, two values for
    one, a number that is none: 400 naming it, nothing stored (the list form of a
    singlevaluelist is one value, and files)."""
    response = post(client, REQUESTS, road(make_key(settings), *answers))
    if reason is None:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 400
    assert reason in xml_of(response.text).findtext("error/description")
    assert nothing_stored(settings)


def test_the_officer_sees_where_it_came_from_and_the_partners_details(
    client: TestClient, settings: Settings
) -> None:
    """DISPERKIM's officer finds the case in the console with its channel worded (both
    languages), the partner's staff note and the resident's update; no leak."""
    key = make_key(settings)
    code = file_one(client, key)
    assert post(client, UPDATES, fms_update(key, code)).status_code == 200
    create_staff(settings, "disperkim", "officer", "DISPERKIM")
    client.base_url = "https://testserver"
    assert sign_in(client, "disperkim").status_code == 303
    page = client.get(f"/console/cases/{code}").text
    assert "aplikasi mitra (Open311)" in page
    assert "Open311 · FixMyStreet Semarang" in page and "attribute[fixmystreet_id]: 4821" in page
    assert "Sudah dua malam masih gelap" in page
    assert "partner&#39;s app (Open311)" in client.get(f"/console/cases/{code}?lang=en").text
    for leak in LEAKS:
        assert leak not in page, leak


def test_a_residents_own_hourly_limit_holds_through_a_partner(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """INTAKE_LIMIT_PER_HOUR=1: the same resident's second complaint through the partner is
    429 with Retry-After, nothing stored; another resident still files."""
    monkeypatch.setenv("INTAKE_LIMIT_PER_HOUR", "1")
    get_settings.cache_clear()
    with TestClient(create_app(get_settings())) as client:
        key = make_key(settings)
        file_one(client, key)
        again = post(client, REQUESTS, fms_request(key))
        assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
        assert "at most 1 an hour" in xml_of(again.text).findtext("error/description")
        assert scalar(settings, "SELECT count(*) FROM cases") == 1
        file_one(client, key, email="budi@example.com", phone=None)
