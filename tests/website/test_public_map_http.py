"""The public map's clusters over HTTP (`GET /api/v1/public/cases?zoom=`): counted in the
database per cell of the zoom's grid, they add up to the public cases in the box, never count
a Rahasia or hidden case nor move a cluster towards it, follow the same filters as the markers,
and bad zooms and boxes are refused with a reason."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from aduan.app import create_app
from cases.public_map import MARKER_ZOOM, SUMMARY_ZOOM, cell_degrees
from core.db import get_engine
from core.settings import Settings
from tests.helpers import create_staff, file_complaint, login

# three neighbourhoods of Semarang, a few hundred metres to some kilometres apart
PLACES = (
    (-6.9905, 110.4229),
    (-6.9907, 110.4233),
    (-6.9840, 110.4093),
    (-6.9680, 110.4270),
    (-6.9682, 110.4268),
    (-7.0500, 110.4380),
)
CITY = "110.30,-7.10,110.50,-6.90"
ZOOM = 13


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"publish_policy": "immediate"}))) as c:
        yield c


def _file(client: TestClient, lat: float, lon: float, **fields: object) -> str:
    return file_complaint(client, lat=lat, lon=lon, **fields)["tracking_code"]


def _clusters(client: TestClient, **params: object) -> dict:
    response = client.get("/api/v1/public/cases", params={"bbox": CITY, "zoom": ZOOM, **params})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["kind"] == "clusters"
    return answer


def _markers(client: TestClient, **params: object) -> list[dict]:
    response = client.get("/api/v1/public/cases", params={"bbox": CITY, "limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _same(kept: list[dict], counted: list[dict]) -> bool:
    """The same clusters, their mean positions equal but for the last bits of a float sum."""
    assert len(kept) == len(counted)
    for a, b in zip(kept, counted, strict=True):
        assert {k: a[k] for k in ("count", "open", "bounds")} == {
            k: b[k] for k in ("count", "open", "bounds")
        }
        assert (a["latitude"], a["longitude"]) == pytest.approx(
            (b["latitude"], b["longitude"]), abs=2e-6
        )
    return True


def _fine_cell(lat: float, lon: float) -> tuple[float, float, float, float]:
    """The bounds of the cell of SUMMARY_ZOOM holding a place."""
    size = cell_degrees(SUMMARY_ZOOM)
    row, col = _cell(lat, lon, SUMMARY_ZOOM)
    return (col * size - 180, row * size - 90, (col + 1) * size - 180, (row + 1) * size - 90)


def _cell(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    size = cell_degrees(zoom)
    return math.floor((lat + 90) / size), math.floor((lon + 180) / size)


def test_clusters_add_up_to_the_public_cases_in_the_box(web: TestClient) -> None:
    """Every public case with a place in a cell the box meets counts in the cluster of its
    cell, at every zoom below the street level; a cluster sits at its cases' mean position,
    within their bounds, and counts the open ones."""
    codes = [_file(web, lat, lon) for lat, lon in PLACES]
    file_complaint(web)  # no place: on no map
    jakarta = _file(web, -6.2, 106.8)  # outside the box
    markers = _markers(web, bbox="-180,-90,180,90")
    assert sorted(m["tracking_code"] for m in markers) == sorted([*codes, jakarta])
    west, south, east, north = (float(v) for v in CITY.split(","))
    for zoom in (3, 9, 12, ZOOM, 15):
        answer = _clusters(web, zoom=zoom)
        assert answer["zoom"] == zoom and answer["cell_degrees"] == cell_degrees(zoom)
        (first_row, first_col), (last_row, last_col) = (
            _cell(south, west, zoom),
            _cell(north, east, zoom),
        )
        expected = Counter(
            cell
            for m in markers
            if first_row <= (cell := _cell(m["latitude"], m["longitude"], zoom))[0] <= last_row
            and first_col <= cell[1] <= last_col
        )
        got = Counter()
        for cluster in answer["clusters"]:
            west_, south_, east_, north_ = cluster["bounds"]
            assert south_ <= cluster["latitude"] <= north_
            assert west_ <= cluster["longitude"] <= east_
            assert cluster["open"] == cluster["count"]  # nothing resolved yet
            got[_cell(cluster["latitude"], cluster["longitude"], zoom)] += cluster["count"]
        assert got == expected, zoom
        assert answer["total"] == sum(expected.values())
        assert answer["total"] == len(codes) + (zoom == 3)  # Jakarta shares a cell at zoom 3
        counts = [c["count"] for c in answer["clusters"]]
        assert counts == sorted(counts, reverse=True)
    # the two pairs a few dozen metres apart share a cell at ZOOM; the others are alone
    assert [c["count"] for c in _clusters(web)["clusters"]] == [2, 2, 1, 1]
    pair = _clusters(web)["clusters"][0]
    members = [p for p in PLACES[:2]] if pair["bounds"][0] < 110.425 else list(PLACES[3:5])
    assert pair["latitude"] == pytest.approx(sum(p[0] for p in members) / 2, abs=1e-6)
    assert pair["longitude"] == pytest.approx(sum(p[1] for p in members) / 2, abs=1e-6)


def test_the_kept_cells_answer_as_the_cases_do(web: TestClient, settings: Settings) -> None:
    """The counts the database keeps per cell follow every change that makes a case public
    or not, or moves it: filing, a status change, hiding and showing again, a Rahasia case,
    a move of its pin, a merge and a deletion; at each step they answer what counting the cases
    themselves answers (a filter they do not know, here a date, makes the answer count them)."""
    create_staff(settings, "dpu", "officer", "DPU")
    headers = login(web, "dpu")
    codes = [_file(web, lat, lon) for lat, lon in PLACES]
    _file(web, -6.9906, 110.4230, confidential=True)

    def agree() -> None:
        for zoom in (9, ZOOM, 15):
            kept = _clusters(web, zoom=zoom)
            counted = _clusters(web, zoom=zoom, created_from="2000-01-01")
            assert _same(kept["clusters"], counted["clusters"]), zoom
            assert kept["total"] == counted["total"]
            for status in ("open", "resolved"):
                assert _same(
                    _clusters(web, zoom=zoom, status=status)["clusters"],
                    _clusters(web, zoom=zoom, status=status, created_from="2000-01-01")["clusters"],
                )

    agree()
    for status in ("in_progress", "resolved"):
        moved = web.post(
            f"/api/v1/cases/{codes[0]}/transitions", json={"status": status}, headers=headers
        )
        assert moved.status_code == 200, moved.text
    hid = web.post(f"/api/v1/cases/{codes[2]}/hide", json={"reason": "other"}, headers=headers)
    assert hid.status_code == 200, hid.text
    agree()
    assert _clusters(web)["total"] == len(PLACES) - 1
    assert _clusters(web, status="resolved")["total"] == 1
    web.post(f"/api/v1/cases/{codes[2]}/unhide", json={}, headers=headers)
    with get_engine(settings.database_url).begin() as connection:  # behind the app's back
        connection.execute(
            sa.text("UPDATE cases SET latitude = -7.0001, longitude = 110.4001 WHERE id = 2")
        )
        connection.execute(sa.text("UPDATE cases SET merged_into_id = 1 WHERE id = 4"))
        connection.execute(sa.text("UPDATE cases SET confidential = true WHERE id = 5"))
        connection.execute(sa.text("DELETE FROM case_events WHERE case_id = 6"))
        connection.execute(sa.text("DELETE FROM notifications WHERE case_id = 6"))
        connection.execute(sa.text("DELETE FROM cases WHERE id = 6"))
    agree()
    assert _clusters(web)["total"] == len(PLACES) - 3


def test_rahasia_and_hidden_cases_are_in_no_cluster(web: TestClient, settings: Settings) -> None:
    """A Rahasia case and one staff hid, beside a public one in the same cell, leave its count
    and its position as if they were not there; once shown again the hidden one counts."""
    public = _file(web, -6.9905, 110.4229)
    _file(web, -6.9915, 110.4215, confidential=True)
    hidden = _file(web, -6.9880, 110.4200)
    _file(web, -7.0500, 110.4380, confidential=True)  # alone in its cell
    create_staff(settings, "dpu", "officer", "DPU")
    headers = login(web, "dpu")
    hid = web.post(f"/api/v1/cases/{hidden}/hide", json={"reason": "other"}, headers=headers)
    assert hid.status_code == 200, hid.text
    [cluster] = _clusters(web)["clusters"]
    assert cluster["count"] == 1
    assert (cluster["latitude"], cluster["longitude"]) == (-6.9905, 110.4229)
    assert cluster["bounds"] == list(_fine_cell(-6.9905, 110.4229))
    assert [m["tracking_code"] for m in _markers(web)] == [public]
    shown = web.post(f"/api/v1/cases/{hidden}/unhide", json={}, headers=headers)
    assert shown.status_code == 200, shown.text
    [cluster] = _clusters(web)["clusters"]
    assert cluster["count"] == 2
    assert cluster["latitude"] == pytest.approx((-6.9905 - 6.9880) / 2, abs=1e-6)


def test_clusters_follow_the_markers_filters(web: TestClient, settings: Settings) -> None:
    """Status, agency and date filters narrow the clusters as they narrow the markers."""
    codes = [_file(web, lat, lon) for lat, lon in PLACES[:3]]
    create_staff(settings, "dpu", "officer", "DPU")
    headers = login(web, "dpu")
    for status in ("in_progress", "resolved"):
        moved = web.post(
            f"/api/v1/cases/{codes[0]}/transitions", json={"status": status}, headers=headers
        )
        assert moved.status_code == 200, moved.text
    assert _clusters(web)["total"] == 3
    assert sum(c["open"] for c in _clusters(web)["clusters"]) == 2
    assert _clusters(web, status="resolved")["total"] == 1
    assert _clusters(web, status="open")["total"] == 2
    assert _clusters(web, agency="DLH") == {
        "kind": "clusters",
        "zoom": ZOOM,
        "cell_degrees": cell_degrees(ZOOM),
        "total": 0,
        "clusters": [],
    }
    assert _clusters(web, created_to="2000-01-01")["total"] == 0


def test_street_level_answers_markers(web: TestClient) -> None:
    """From MARKER_ZOOM on the answer is the located cases of the box as markers, newest
    first and paged as the list is: where and what, never the words."""
    first = _file(web, *PLACES[0], text="Jalan berlubang di depan SD, hubungi 0812-3456-7890")
    file_complaint(web)  # no place: no marker
    second = _file(web, *PLACES[1])
    street = "110.4215,-6.9920,110.4245,-6.9890"
    params = {"bbox": street, "zoom": MARKER_ZOOM, "limit": 1}
    answer = web.get("/api/v1/public/cases", params=params)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["kind"] == "markers"
    [marker] = page["items"]
    assert marker["tracking_code"] == second
    assert set(marker) == {
        "tracking_code",
        "status",
        "status_label",
        "category",
        "latitude",
        "longitude",
        "url",
        "report_count",
    }
    after = web.get(page["next"].removeprefix("http://localhost:8000")).json()
    assert [m["tracking_code"] for m in after["items"]] == [first] and after["next"] is None
    assert (after["items"][0]["latitude"], after["items"][0]["longitude"]) == PLACES[0]
    assert "0812" not in answer.text + str(after)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"zoom": "-1"}, "greater than or equal to 0"),
        ({"zoom": "23"}, "less than or equal to 22"),
        ({"zoom": "far"}, "valid integer"),
        ({"zoom": "15", "bbox": "-180,-90,180,90"}, "cells at zoom 15"),
        ({"zoom": "10"}, "cells at zoom 10"),  # no box: the whole world
        ({"zoom": "12", "cursor": "YzEw"}, "drop the cursor"),
        ({"zoom": "12", "bbox": "110.5,-7,110.3,-6.9"}, "each minimum at most its maximum"),
        ({"zoom": "12", "bbox": CITY, "agency": "NOPE"}, "unknown agency"),
    ],
)
def test_bad_zoom_or_box_is_refused_with_a_reason(
    web: TestClient, params: dict[str, str], reason: str
) -> None:
    """A zoom outside 0..22, a box spanning too many cells for its zoom, a cursor with
    clusters or a bad box or code: 422 saying why."""
    refused = web.get("/api/v1/public/cases", params=params)
    assert refused.status_code == 422
    assert reason in str(refused.json()["detail"])
