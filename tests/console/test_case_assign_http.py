"""A case's map and its named officer, through the console's forms and the staff API."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.settings import Settings
from tests.console.helpers import add_staff, case_row, history, post, signed_in
from tests.helpers import POTHOLE, RUBBISH, create_staff, file_complaint, login

TILES = "https://peta.semarangkota.example/tiles/{z}/{x}/{y}.png"


@pytest.fixture
def dpu(settings: Settings) -> dict[str, int]:
    """The roads agency's people, one of another agency, and one who has left."""
    return {
        "budi": add_staff(settings, "budi", "officer", "DPU", "Budi Santoso"),
        "ani": add_staff(settings, "ani", "officer", "DPU", "Ani Wijaya"),
        "dewi": add_staff(settings, "dewi", "officer", "DLH", "Dewi Lestari"),
        "lama": add_staff(settings, "lama", "officer", "DPU", "Pak Lama", active=False),
    }


def options(page: str) -> list[str]:
    """The assignee choices the case page offers, as (value) usernames."""
    select_box = re.search(r'<select id="assignee" name="assignee".*?</select>', page, re.S)
    assert select_box, "no assignee form on the page"
    return re.findall(r'<option value="([^"]*)"', select_box.group(0))


def test_officer_puts_a_case_on_a_colleagues_desk_and_clears_it(
    web: TestClient, settings: Settings, dpu: dict[str, int]
) -> None:
    """The form lists the agency's active people by name; the choice is kept and recorded."""
    code = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, "budi")
    page = web.get(f"/console/cases/{code}").text
    assert options(page) == ["", "ani", "budi"]  # nobody, then by full name
    assert "Ani Wijaya (ani)" in page and "Belum dipegang siapa pun" in page

    response = post(web, f"/console/cases/{code}/assignee", csrf, assignee="ani")
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/cases/{code}"
    page = web.get(f"/console/cases/{code}").text
    assert "Aduan kini dipegang oleh Ani Wijaya (ani)." in page
    assert '<option value="ani" selected>' in page
    assert "<dt>Petugas</dt><dd>Ani Wijaya (ani)</dd>" in page
    assert case_row(settings, code).assignee_id == dpu["ani"]
    event = history(settings, code)[-1]
    assert (event.kind, event.actor) == ("assignee_changed", "budi")
    assert event.internal_note == "- -> ani"
    assert "Petugas diganti" in page  # the history says so in words

    assert post(web, f"/console/cases/{code}/assignee", csrf, assignee="").status_code == 303
    page = web.get(f"/console/cases/{code}?lang=en").text
    assert "The complaint is no longer with anyone." in page
    assert case_row(settings, code).assignee_id is None
    assert history(settings, code)[-1].internal_note == "ani -> -"


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_assignee_form_needs_the_csrf_token(
    web: TestClient, settings: Settings, dpu: dict[str, int], token: str | None
) -> None:
    """Without this session's token the form is a 403 and the case keeps its desk."""
    code = file_complaint(web)["tracking_code"]
    signed_in(web, "budi")
    response = post(web, f"/console/cases/{code}/assignee", token, assignee="ani")
    assert response.status_code == 403
    assert "tidak ada yang diubah" in response.text
    assert case_row(settings, code).assignee_id is None


@pytest.mark.parametrize("username", ["dewi", "lama", "nobody-here"])
def test_form_refuses_whoever_cannot_hold_the_case(
    web: TestClient, settings: Settings, dpu: dict[str, int], username: str
) -> None:
    """Another agency's officer, a deactivated one or an unknown name: 422, nothing changed."""
    code = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, "budi")
    before = len(history(settings, code))
    response = post(web, f"/console/cases/{code}/assignee", csrf, assignee=username)
    assert response.status_code == 422
    assert "Tidak dapat dilakukan:" in response.text and username in response.text
    assert case_row(settings, code).assignee_id is None
    assert len(history(settings, code)) == before


def test_api_sets_and_clears_the_assignee(
    web: TestClient, settings: Settings, dpu: dict[str, int]
) -> None:
    """The API takes a username, answers with the case, and shows only the username."""
    create_staff(settings, "kepala", "supervisor")
    code = file_complaint(web)["tracking_code"]
    other = file_complaint(web, text=RUBBISH)["tracking_code"]  # DLH's, unassigned
    officer = login(web, "budi")
    path = f"/api/v1/cases/{code}/assignee"

    response = web.post(path, json={"username": "ani"}, headers=officer)
    assert response.status_code == 200, response.text
    assert response.json()["assignee"] == "ani"
    assert "ani@semarangkota.example" not in response.text
    assert web.get(f"/api/v1/cases/{code}", headers=officer).json()["assignee"] == "ani"
    supervisor = login(web, "kepala")
    listed = web.get("/api/v1/cases", headers=supervisor).json()["items"]
    assert {c["tracking_code"]: c["assignee"] for c in listed} == {code: "ani", other: None}

    # a supervisor may move it too, and null clears it
    cleared = web.post(path, json={"username": None}, headers=supervisor)
    assert cleared.status_code == 200 and cleared.json()["assignee"] is None
    assert case_row(settings, code).assignee_id is None


def test_api_refusals(web: TestClient, settings: Settings, dpu: dict[str, int]) -> None:
    """A case one cannot see is a 404; a person who cannot hold it is a 422 saying why."""
    code = file_complaint(web)["tracking_code"]
    path = f"/api/v1/cases/{code}/assignee"
    assert web.post(path, json={"username": "ani"}).status_code == 401
    outsider = web.post(path, json={"username": "dewi"}, headers=login(web, "dewi"))
    assert outsider.status_code == 404

    officer = login(web, "budi")
    for username in ("dewi", "lama"):
        response = web.post(path, json={"username": username}, headers=officer)
        assert response.status_code == 422
        assert response.json()["detail"] == (
            f"{username} is not an active officer of the case's agency"
        )
    unknown = web.post(path, json={"username": "siapa"}, headers=officer)
    assert unknown.status_code == 422 and "siapa" in unknown.json()["detail"]
    assert web.post(path, json={}, headers=officer).status_code == 422  # say null to clear
    assert case_row(settings, code).assignee_id is None


def test_forward_clears_the_assignee(
    web: TestClient, settings: Settings, dpu: dict[str, int]
) -> None:
    """A forwarded case leaves the old agency's officer's desk and arrives on nobody's."""
    code = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, "budi")
    assert post(web, f"/console/cases/{code}/assignee", csrf, assignee="budi").status_code == 303
    forwarded = post(web, f"/console/cases/{code}/forward", csrf, agency="DLH", note="sampah")
    assert forwarded.status_code == 303
    assert case_row(settings, code).assignee_id is None

    web.cookies.clear()
    signed_in(web, "dewi")
    page = web.get(f"/console/cases/{code}").text
    assert "Belum dipegang siapa pun" in page
    assert options(page) == ["", "dewi"]


def test_queue_shows_the_assignee_and_filters_my_cases(
    web: TestClient, settings: Settings, dpu: dict[str, int]
) -> None:
    """A column names who has each case; `mine=1` keeps only the signed-in officer's."""
    mine = file_complaint(web)["tracking_code"]
    theirs = file_complaint(web, text=POTHOLE + " lagi")["tracking_code"]
    free = file_complaint(web, text=POTHOLE + " juga")["tracking_code"]
    csrf = signed_in(web, "budi")
    assert post(web, f"/console/cases/{mine}/assignee", csrf, assignee="budi").status_code == 303
    assert post(web, f"/console/cases/{theirs}/assignee", csrf, assignee="ani").status_code == 303

    everything = web.get("/console").text
    assert all(code in everything for code in (mine, theirs, free))
    assert 'data-label="Petugas">Budi Santoso (budi)</td>' in everything
    assert 'data-label="Petugas">Ani Wijaya (ani)</td>' in everything
    assert 'name="mine" value="1">' in everything  # not checked

    filtered = web.get("/console?mine=1").text
    assert mine in filtered and theirs not in filtered and free not in filtered
    assert 'name="mine" value="1" checked>' in filtered


def test_map_only_for_a_case_with_a_location(settings: Settings, dpu: dict[str, int]) -> None:
    """A located case carries the map's data (configured tiles, safe attribution); others not."""
    mapped = settings.model_copy(
        update={"map_tile_url": TILES, "map_attribution": "&copy; Pemkot <b>Semarang</b>"}
    )
    with TestClient(create_app(mapped), base_url="https://testserver") as web:
        placed = file_complaint(
            web, lat=-6.99321, lon=110.4421, address="Jl. Pemuda No. 2, Semarang"
        )["tracking_code"]
        unplaced = file_complaint(web, text=POTHOLE + " lagi")["tracking_code"]
        signed_in(web, "budi")

        page = web.get(f"/console/cases/{placed}").text
        assert '<div id="case-map" class="case-map"' in page
        assert f'data-tiles="{TILES}"' in page
        assert 'data-lat="-6.993210" data-lon="110.442100"' in page
        # the entity becomes its character; the markup stays text even once Leaflet inserts it
        assert 'data-attribution="© Pemkot &amp;lt;b&amp;gt;Semarang&amp;lt;/b&amp;gt;"' in page
        assert "Jl. Pemuda No. 2, Semarang" in page
        assert '<script src="/console/static/case-map.js" defer></script>' in page
        assert "<script>" not in page  # nothing inline: the CSP can stay script-src 'self'

        bare = web.get(f"/console/cases/{unplaced}").text
        assert "Warga tidak mengirim lokasi." in bare
        assert "case-map" not in bare and "leaflet" not in bare


@pytest.mark.parametrize(
    ("path", "content_type", "start"),
    [
        ("leaflet/leaflet.js", "javascript", b"/* @preserve\n * Leaflet 1.9.4"),
        ("leaflet/leaflet.css", "text/css", b"/* required styles */"),
        ("leaflet/images/marker-icon.png", "image/png", b"\x89PNG"),
        ("case-map.js", "javascript", b"/* Draws the case's place"),
    ],
)
def test_leaflet_is_served_by_the_app(
    client: TestClient, path: str, content_type: str, start: bytes
) -> None:
    """Leaflet comes from the app itself, never a CDN, with types a browser will run."""
    response = client.get(f"/console/static/{path}")
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert response.content.startswith(start)
