"""The Open311 GeoReport v2 server's reading side over HTTP, on both databases: services and
their definitions from the catalogue, discovery, requests and mySociety's updates; only public
cases, with what cases.publishing allows; the spec's errors for bad parameters and unknown
ids; ETag and 304; approved photos as media_url."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from aduan.app import create_app
from cases.enums import SourceChannel
from cases.models import Attachment
from core.db import get_engine, session_scope, utcnow
from core.media import store_media
from core.settings import Settings
from intake.messages import InboundMessage, Location
from intake.service import receive
from tests.console.helpers import post, signed_in
from tests.console.test_admin_http import (
    admin_session,
    catalogue_restored,  # noqa: F401 - puts back the category the test switches off
)
from tests.helpers import RUBBISH, create_staff, file_complaint, login, png_bytes
from tests.open311.helpers import BASE, entries, read, refused, valid_xml

PHONE, NIK = "0812-3456-7890", "3374012345678901"
PRIVATE = f"Jalan berlubang besar di Jl. Pemuda depan SD, hubungi saya {PHONE}, NIK {NIK}"
PEMUDA = {"lat": -6.9825, "lon": 110.4093}
NAME = "Budi Santoso"


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """The app publishing every case at filing, so that a test files what it reads."""
    client = TestClient(create_app(settings.model_copy(update={"publish_policy": "immediate"})))
    client.base_url = "https://testserver"  # the console's cookie is Secure
    with client:
        yield client


def _move(client: TestClient, code: str, status: str, note: str | None = None) -> None:
    body = {"status": status, **({"note": note} if note else {})}
    response = client.post(
        f"/api/v1/cases/{code}/transitions", json=body, headers=login(client, "dpu")
    )
    assert response.status_code == 200, response.text


def test_services_are_the_catalogue_grouped_by_agency(web: TestClient) -> None:
    """Every category is a realtime service named and grouped by its agency in either
    language; those that ask questions say so (`metadata`)."""
    services, root = read(web, "services")
    assert root.tag == "services" and [e["service_code"] for e in entries(root)] == [
        s["service_code"] for s in services
    ]
    by_code = {s["service_code"]: s for s in services}
    assert by_code["road_damage"] == {
        "service_code": "road_damage",
        "service_name": "Jalan rusak / berlubang",
        "description": "Pengaduan tentang Jalan rusak / berlubang, ditangani oleh Dinas "
        "Pekerjaan Umum.",
        "metadata": True,
        "type": "realtime",
        "keywords": by_code["road_damage"]["keywords"],
        "group": "Dinas Pekerjaan Umum",
    }
    assert "jalan berlubang" in by_code["road_damage"]["keywords"]
    assert by_code["bridge_damage"]["metadata"] is False
    assert [e["metadata"] for e in entries(root)][:2] == ["true", "false"]
    english, _ = read(web, "services", lang="en")
    road = next(s for s in english if s["service_code"] == "road_damage")
    assert road["service_name"] == "Road damage and potholes"
    assert road["group"] == "Public Works Agency"
    assert road["description"] == (
        "Complaints about Road damage and potholes, handled by Public Works Agency."
    )
    assert "pothole" in road["keywords"]


def test_a_service_definition_holds_the_questions_of_the_catalogue(web: TestClient) -> None:
    """road_damage asks whether the road is closed (a list) and how wide the hole is; a
    category without questions has an empty definition; an unknown code is 404."""
    definition, root = read(web, "services/road_damage")
    assert definition["service_code"] == "road_damage"
    closed, width = definition["attributes"]
    assert closed == {
        "variable": True,
        "code": "road_closed",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "Apakah jalan tertutup atau tidak bisa dilewati?",
        "values": [
            {"key": "yes", "name": "Ya"},
            {"key": "partly", "name": "Sebagian"},
            {"key": "no", "name": "Tidak"},
        ],
    }
    assert (width["code"], width["datatype"], width["required"]) == (
        "hole_width_cm",
        "number",
        False,
    )
    assert "values" not in width
    xml_closed = root.find("attributes/attribute")
    assert xml_closed is not None and xml_closed.findtext("required") == "true"
    assert [v.findtext("name") for v in xml_closed.iterfind("values/value")] == [
        "Ya",
        "Sebagian",
        "Tidak",
    ]
    english, _ = read(web, "services/road_damage", lang="en")
    assert english["attributes"][0]["values"][0] == {"key": "yes", "name": "Yes"}
    assert english["attributes"][0]["description"] == "Is the road closed or impassable?"
    empty, empty_root = read(web, "services/bridge_damage")
    assert empty == {"service_code": "bridge_damage", "attributes": []}
    assert list(empty_root.find("attributes") or []) == []
    assert refused(web, "services/no_such_thing", 404) == "service_code 'no_such_thing' not found"


def test_discovery_names_this_endpoint(web: TestClient, settings: Settings) -> None:
    """The Service Discovery document points at /open311/v2 in both formats, with the
    catalogue's last change as its changeset."""
    document, root = read(web, "discovery")
    [endpoint] = document["endpoints"]
    assert endpoint["url"] == f"{settings.public_base_url}/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert document["changeset"].endswith("+07:00")  # the city's offset (Asia/Jakarta)
    assert root.findtext("endpoints/endpoint/formats/format") == "text/xml"
    assert "kunci" in document["key_service"].lower()


def test_only_public_cases_are_requests_and_their_words_are_redacted(
    web: TestClient, settings: Settings
) -> None:
    """A public case is listed with its words redacted, its category, agency and place; a
    Rahasia and a hidden case are in no list and answer 404 by id; an Anonim reporter and
    every contact appear nowhere."""
    create_staff(settings, "dpu", "officer", "DPU")
    public = file_complaint(web, text=PRIVATE, name=NAME, phone="081234567890", **PEMUDA)
    anonim = file_complaint(web, text=RUBBISH, name=NAME, email="budi@example.com", anonymous=True)
    rahasia = file_complaint(web, text=PRIVATE, confidential=True, **PEMUDA)
    hidden = file_complaint(web, text=PRIVATE, **PEMUDA)
    csrf = signed_in(web, "dpu")
    hide = post(web, f"/console/cases/{hidden['tracking_code']}/hide", csrf, reason="other")
    assert hide.status_code == 303
    listed, root = read(web, "requests")
    codes = [r["service_request_id"] for r in listed]
    assert codes == [anonim["tracking_code"], public["tracking_code"]]
    assert [e["service_request_id"] for e in entries(root)] == codes
    shown = listed[1]
    assert shown["description"] == (
        "Jalan berlubang besar di Jl. Pemuda depan SD, hubungi saya [nomor disembunyikan], "
        "NIK [NIK/KK disembunyikan]"
    )
    assert (shown["service_code"], shown["service_name"]) == (
        "road_damage",
        "Jalan rusak / berlubang",
    )
    assert shown["agency_responsible"] == "Dinas Pekerjaan Umum"
    assert (shown["lat"], shown["long"]) == (PEMUDA["lat"], PEMUDA["lon"])
    assert (shown["status"], shown["detailed_status"]) == ("open", "assigned")
    assert shown["requested_datetime"].endswith("+07:00")
    for answer in (web.get(f"{BASE}/requests.json").text, web.get(f"{BASE}/requests.xml").text):
        for private in (PHONE, NIK, NAME, "081234567890", "budi@example.com", "Budi"):
            assert private not in answer, private
    english, _ = read(web, "requests", lang="en")
    assert "[number hidden]" in english[1]["description"]
    assert english[1]["service_name"] == "Road damage and potholes"
    for case in (rahasia, hidden):
        code = case["tracking_code"]
        assert refused(web, f"requests/{code}", 404) == f"service_request_id '{code}' not found"
        by_id, _ = read(web, "requests", service_request_id=code)
        assert by_id == []
    one, one_root = read(web, f"requests/{public['tracking_code']}")
    assert one == [shown]
    assert entries(one_root)[0]["description"] == shown["description"]
    several = ",".join(c["tracking_code"] for c in (public, rahasia, anonim))
    by_ids, _ = read(web, "requests", service_request_id=several, status="closed")
    assert [r["service_request_id"] for r in by_ids] == [
        anonim["tracking_code"],
        public["tracking_code"],
    ]


def test_status_notes_and_updates_follow_the_public_history(
    web: TestClient, settings: Settings
) -> None:
    """Staff's moves show as open/closed with the detailed status and the latest note to the
    resident (redacted) as status_notes; each move and each note to the resident is one
    update in mySociety's words (a note in the status of its case then), oldest first; an
    internal note and a Rahasia case's history are none."""
    create_staff(settings, "dpu", "officer", "DPU")
    code = file_complaint(web, text=PRIVATE, **PEMUDA)["tracking_code"]
    secret = file_complaint(web, text=PRIVATE, confidential=True, **PEMUDA)["tracking_code"]
    _move(web, code, "in_progress", f"Tim menuju lokasi, info {PHONE}")
    _move(web, secret, "in_progress", "Rahasia dikerjakan")
    [working], _ = read(web, f"requests/{code}")
    assert (working["status"], working["detailed_status"]) == ("open", "in_progress")
    assert working["status_notes"] == "Tim menuju lokasi, info [nomor disembunyikan]"
    for public, text in ((True, "Aspal datang besok"), (False, "Internal: tunggu anggaran")):
        noted = web.post(
            f"/api/v1/cases/{code}/notes",
            json={"text": text, "public": public},
            headers=login(web, "dpu"),
        )
        assert noted.status_code == 201, noted.text
    _move(web, code, "resolved", "Sudah ditambal")
    [done], root = read(web, f"requests/{code}")
    assert (done["status"], done["detailed_status"]) == ("closed", "resolved")
    assert done["status_notes"] == "Sudah ditambal"
    assert root.findtext("request/status") == "closed"
    updates, updates_root = read(web, "servicerequestupdates")
    assert updates_root.tag == "service_requests_updates"
    assert [(u["service_request_id"], u["status"], u["description"]) for u in updates] == [
        (code, "in_progress", "Tim menuju lokasi, info [nomor disembunyikan]"),
        (code, "in_progress", "Aspal datang besok"),
        (code, "fixed", "Sudah ditambal"),
    ]
    assert "Internal" not in web.get(f"{BASE}/servicerequestupdates.xml").text
    assert all(u["updated_datetime"].endswith("+07:00") for u in updates)
    assert [e["update_id"] for e in entries(updates_root)] == [u["update_id"] for u in updates]
    later, _ = read(web, "servicerequestupdates", page="2", page_size="2")
    assert later == updates[2:]
    long_ago = (utcnow() - timedelta(days=200)).isoformat()
    none, _ = read(web, "servicerequestupdates", end_date=long_ago)
    assert none == []


def test_requests_filter_and_page(web: TestClient, settings: Settings) -> None:
    """service_code, status, bbox, q, the window and page/page_size narrow the list, newest
    first; the pages together are the whole list."""
    create_staff(settings, "dpu", "officer", "DPU")
    road = file_complaint(web, text=PRIVATE, **PEMUDA)["tracking_code"]
    rubbish = file_complaint(web, text=RUBBISH)["tracking_code"]
    other_road = file_complaint(web, text="Jalan rusak parah di Jl. Kaligawe")["tracking_code"]
    _move(web, road, "resolved")
    everything, _ = read(web, "requests")
    assert [r["service_request_id"] for r in everything] == [other_road, rubbish, road]
    pages = [read(web, "requests", page=str(n), page_size="2")[0] for n in (1, 2, 3)]
    assert [[r["service_request_id"] for r in p] for p in pages] == [
        [other_road, rubbish],
        [road],
        [],
    ]

    def codes(**params: str) -> list[str]:
        return [r["service_request_id"] for r in read(web, "requests", **params)[0]]

    assert codes(service_code="road_damage") == [other_road, road]
    assert codes(service_code="road_damage,rubbish_collection") == [other_road, rubbish, road]
    assert codes(status="closed") == [road]
    assert codes(status="open") == [other_road, rubbish]
    assert codes(status="open,closed") == [other_road, rubbish, road]
    assert codes(bbox="110.40,-6.99,110.42,-6.97") == [road]
    assert codes(q="kaligawe") == [other_road]
    assert codes(q="JALAN pemuda") == [road]
    now = utcnow()
    assert codes(start_date=(now - timedelta(days=1)).isoformat()) == [other_road, rubbish, road]
    assert codes(end_date=(now - timedelta(days=1)).isoformat()) == []
    assert codes(start_date="2020-01-01T00:00:00Z", end_date="2020-03-01T00:00:00+07:00") == []


@pytest.mark.parametrize(
    ("path", "params", "reason"),
    [
        ("requests", {"start_date": "yesterday"}, "start_date must be a W3C datetime"),
        ("requests", {"end_date": "2026-13-01"}, "end_date must be a W3C datetime"),
        (
            "requests",
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "may not span more than 90 days",
        ),
        (
            "requests",
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "start_date must not be after end_date",
        ),
        ("requests", {"status": "pending"}, "status must be open, closed or both"),
        ("requests", {"status": ""}, "status is empty"),
        ("requests", {"page": "0"}, "page must be a whole number from 1 to"),
        ("requests", {"page_size": "5000"}, "page_size must be a whole number from 1 to 1000"),
        ("requests", {"page_size": "ten"}, "page_size must be a whole number"),
        ("requests", {"bbox": "1,2,3"}, "bbox must be four numbers"),
        ("requests", {"q": "0812 3456"}, "search words cannot hold digits or @"),
        ("requests", {"q": "budi@example.com"}, "search words cannot hold digits or @"),
        ("requests", {"service_code": "no_such_thing"}, "unknown category 'no_such_thing'"),
        ("requests", {"lang": "fr"}, "lang:"),
        ("servicerequestupdates", {"start_date": "soon"}, "start_date must be a W3C datetime"),
        ("servicerequestupdates", {"page_size": "-1"}, "page_size must be a whole number"),
    ],
)
def test_bad_parameters_are_refused_with_the_reason(
    web: TestClient, path: str, params: dict[str, str], reason: str
) -> None:
    """Each wrong parameter gets 400 with the spec's error saying which, in JSON and XML."""
    assert reason in refused(web, path, 400, **params)


def test_unknown_ids_and_formats_are_404(web: TestClient) -> None:
    """A tracking code nobody has, or one not even shaped like one, and a format other than
    .xml and .json are 404 with the spec's error (XML when the format is unknown)."""
    assert "not found" in refused(web, "requests/ZZZZ-ZZZZ", 404)
    assert "not found" in refused(web, "requests/not-a-code", 404)
    for path in ("services.html", "requests.csv", "discovery.yaml", "services/road_damage.txt"):
        response = web.get(f"{BASE}/{path}")
        assert response.status_code == 404
        root = valid_xml(response)
        assert "is not served; use .xml or .json" in (root.findtext("error/description") or "")


def test_answers_carry_an_etag_and_a_repeat_gets_304(web: TestClient) -> None:
    """A client holding an answer gets 304 without a body; a new case changes the list's
    ETag, not the services'."""
    for path in ("services.json", "services.xml", "requests.json", "discovery.xml"):
        first = web.get(f"{BASE}/{path}")
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "public, no-cache"
        again = web.get(f"{BASE}/{path}", headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        weak = web.get(f"{BASE}/{path}", headers={"If-None-Match": f'"other", W/{etag}'})
        assert weak.status_code == 304
        assert web.get(f"{BASE}/{path}", headers={"If-None-Match": '"other"'}).status_code == 200
    services = web.get(f"{BASE}/services.json").headers["etag"]
    requests = web.get(f"{BASE}/requests.json").headers["etag"]
    file_complaint(web)
    assert web.get(f"{BASE}/services.json").headers["etag"] == services
    changed = web.get(f"{BASE}/requests.json", headers={"If-None-Match": requests})
    assert changed.status_code == 200 and changed.headers["etag"] != requests


def test_media_url_is_the_first_photo_anyone_may_see(web: TestClient, settings: Settings) -> None:
    """A resident's photo is the request's media_url once an officer approved it, served at
    that address; withdrawn, the request has none again."""
    create_staff(settings, "dpu", "officer", "DPU")
    media = store_media(settings, png_bytes(), "image/png", "lubang.png")
    message = InboundMessage(
        channel=SourceChannel.telegram,
        text=PRIVATE,
        media=(media,),
        location=Location(PEMUDA["lat"], PEMUDA["lon"]),
    )
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        case = receive(session, settings, message).case
        code = case.tracking_code
        photo = session.exec(select(Attachment.id).where(Attachment.case_id == case.id)).one()
    [before], root = read(web, f"requests/{code}")
    assert before["media_url"] is None and root.findtext("request/media_url") == ""
    csrf = signed_in(web, "dpu")
    assert post(web, f"/console/cases/{code}/photos/{photo}/publish", csrf).status_code == 303
    [after], root = read(web, f"requests/{code}")
    path = f"/track/{code}/photos/{photo}"
    assert after["media_url"] == settings.public_base_url + path
    assert root.findtext("request/media_url") == after["media_url"]
    assert web.get(path).content == png_bytes()
    assert post(web, f"/console/cases/{code}/photos/{photo}/withdraw", csrf).status_code == 303
    assert read(web, f"requests/{code}")[0][0]["media_url"] is None


@pytest.mark.usefixtures("catalogue_restored")
def test_a_category_taken_out_of_service_leaves_the_services(
    web: TestClient, settings: Settings
) -> None:
    """An admin switching a category off in the console takes it off the service list (a
    new ETag) and its definition answers 404; switched on again, both are back."""
    csrf = admin_session(web, settings)
    etag = web.get(f"{BASE}/services.json").headers["etag"]
    off = post(web, "/console/admin/catalogue/road_damage", csrf, sla_hours="168")
    assert off.status_code == 303
    services, _ = read(web, "services")
    assert "road_damage" not in [s["service_code"] for s in services]
    assert web.get(f"{BASE}/services.json").headers["etag"] != etag
    assert "not found" in refused(web, "services/road_damage", 404)
    on = post(web, "/console/admin/catalogue/road_damage", csrf, sla_hours="168", active="1")
    assert on.status_code == 303
    assert read(web, "services/road_damage")[0]["attributes"][0]["code"] == "road_closed"
