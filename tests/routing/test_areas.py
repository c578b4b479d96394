"""Service areas: the catalogue's GeoJSON polygons, point lookup, and the office a case goes to."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core.db import get_engine, session_scope
from core.settings import Settings
from routing.areas import area_for
from routing.catalogue import CatalogueError, default_catalogue_path, read_catalogue
from routing.models import Agency, ServiceArea
from routing.stored_catalogue import load_catalogue
from tests.bots import telegram_payloads as tg
from tests.conftest import TELEGRAM_SECRET
from tests.helpers import create_staff, file_complaint, login

PEMUDA = "Jalan berlubang besar di Jl. Pemuda, bahaya untuk motor"
NEAR_PEMUDA = {"lat": -6.979, "lon": 110.415}
# one point well inside each sample area
SAMPLE_POINTS = {
    ("DPU", "uptd_utara"): (-6.955, 110.42),
    ("DPU", "uptd_barat"): (-7.00, 110.36),
    ("DPU", "uptd_tengah"): (-6.99, 110.42),
    ("DPU", "uptd_timur"): (-6.99, 110.47),
    ("DPU", "uptd_selatan"): (-7.06, 110.43),
    ("DLH", "zona_utara"): (-6.96, 110.42),
    ("DLH", "zona_tengah"): (-7.00, 110.42),
    ("DLH", "zona_selatan"): (-7.07, 110.42),
}


def agency_id(session: Session, code: str) -> int:
    return session.exec(select(Agency).where(Agency.code == code)).one().id


def area_code(settings: Settings, agency: str, latitude, longitude) -> str | None:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        area = area_for(session, agency_id(session, agency), latitude, longitude)
        return area.code if area else None


def feature(code: str, ring: list, name: str = "Kantor") -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


SQUARE = [[110.40, -7.00], [110.41, -7.00], [110.41, -6.99], [110.40, -6.99], [110.40, -7.00]]
BOWTIE = [[110.40, -7.00], [110.41, -6.99], [110.41, -7.00], [110.40, -6.99], [110.40, -7.00]]


def write_catalogue(folder: Path, areas: str, features: list | None = None) -> Path:
    if features is not None:
        (folder / areas).write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    path = folder / "catalogue.yaml"
    path.write_text(
        "agencies:\n  - code: DPU\n    name: x\n    name_en: x\n"
        f"    areas: {areas}\n    categories:\n"
        "      - {code: roads, name: x, name_en: x, sla_hours: 24, keywords: {id: [jalan]}}\n"
    )
    return path


@pytest.fixture
def supervisor(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "kepala", "supervisor")
    return login(client, "kepala")


@pytest.fixture
def restore_catalogue(settings: Settings) -> Iterator[None]:
    yield
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        load_catalogue(session, read_catalogue(default_catalogue_path()))


def test_a_point_inside_each_sample_area_finds_that_area(settings: Settings) -> None:
    """Every shipped DPU and DLH area holds its own sample point."""
    found = {key: area_code(settings, key[0], *point) for key, point in SAMPLE_POINTS.items()}
    assert found == {key: key[1] for key in SAMPLE_POINTS}


def test_a_point_outside_every_area_finds_none(settings: Settings) -> None:
    """The sea north of the city, and an agency without areas, give no area."""
    assert area_code(settings, "DPU", -6.90, 110.42) is None
    assert area_code(settings, "DISHUB", -6.99, 110.42) is None


def test_a_border_point_goes_to_the_lowest_code(settings: Settings) -> None:
    """A corner shared by several areas always goes to the one with the lowest code."""
    assert area_code(settings, "DPU", -7.01, 110.392) == "uptd_barat"  # barat, selatan, tengah
    assert area_code(settings, "DPU", -6.968, 110.44) == "uptd_tengah"  # tengah, timur, utara


def test_invalid_coordinates_find_none(settings: Settings) -> None:
    """Missing, out-of-range or non-finite coordinates give no area."""
    for latitude, longitude in [(None, None), (math.nan, 110.42), (-6.99, 200.0), (95.0, 110.42)]:
        assert area_code(settings, "DPU", latitude, longitude) is None


def test_complaint_with_a_location_gets_the_area(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """A pothole near Jl. Pemuda goes to DPU's central office; staff and public both see it."""
    code = file_complaint(client, text=PEMUDA, **NEAR_PEMUDA)["tracking_code"]
    detail = client.get(f"/api/v1/cases/{code}", headers=supervisor).json()
    assert detail["agency"]["code"] == "DPU"
    assert detail["service_area"] == {"code": "uptd_tengah", "name": "UPTD Wilayah Tengah"}
    public = client.get(f"/api/v1/complaints/{code}").json()
    assert public["service_area_name"] == "UPTD Wilayah Tengah"


def test_complaint_without_a_location_has_no_area(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """Without coordinates a case has no service area."""
    code = file_complaint(client, text=PEMUDA)["tracking_code"]
    assert client.get(f"/api/v1/cases/{code}", headers=supervisor).json()["service_area"] is None
    assert client.get(f"/api/v1/complaints/{code}").json()["service_area_name"] is None


def test_forwarding_recomputes_the_area_for_the_new_agency(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """A case forwarded to DLH gets DLH's zone for the same place."""
    code = file_complaint(client, text=PEMUDA, **NEAR_PEMUDA)["tracking_code"]
    response = client.post(
        f"/api/v1/cases/{code}/forward",
        json={"agency": "DLH", "note": "Sampah di lubang jalan"},
        headers=supervisor,
    )
    assert response.status_code == 200, response.text
    assert response.json()["service_area"] == {
        "code": "zona_utara",
        "name": "Zona Kebersihan Utara",
    }


def test_a_location_shared_after_filing_sets_the_area(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """A Telegram location sent after the complaint puts the case in that place's area."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    client.post("/webhooks/telegram", json=tg.text(PEMUDA), headers=headers)
    client.post("/webhooks/telegram", json=tg.location(-7.06, 110.43), headers=headers)
    [case] = client.get("/api/v1/cases", headers=supervisor).json()["items"]
    detail = client.get(f"/api/v1/cases/{case['tracking_code']}", headers=supervisor).json()
    assert detail["service_area"]["code"] == "uptd_selatan"


@pytest.mark.parametrize(
    ("features", "reason"),
    [
        ([feature("kantor_a", BOWTIE)], "feature 1 (kantor_a): geometry is not a valid polygon"),
        (
            [feature("kantor_a", SQUARE), feature("kantor_a", SQUARE)],
            "feature 2 (kantor_a): code kantor_a is already used by feature 1",
        ),
        (
            [feature("kantor_a", [[lat, lon] for lon, lat in SQUARE])],
            "coordinates must be [longitude, latitude]",
        ),
        ([feature("Kantor A", SQUARE)], "properties.code must be lower_snake_case"),
    ],
)
def test_bad_area_files_are_refused_with_the_reason(
    tmp_path: Path, features: list, reason: str
) -> None:
    """Invalid polygons, repeated codes, swapped coordinates and bad codes name file and feature."""
    path = write_catalogue(tmp_path, "offices.geojson", features)
    with pytest.raises(CatalogueError) as error:
        read_catalogue(path)
    assert "agency DPU" in str(error.value)
    assert str(tmp_path / "offices.geojson") in str(error.value)
    assert reason in str(error.value)


def test_a_missing_area_file_is_refused(tmp_path: Path) -> None:
    """An `areas` path that does not exist next to the catalogue says which file it looked for."""
    with pytest.raises(CatalogueError) as error:
        read_catalogue(write_catalogue(tmp_path, "missing.geojson"))
    assert f"cannot read service areas {tmp_path / 'missing.geojson'}" in str(error.value)


def test_reloading_without_an_area_deactivates_it(
    settings: Settings, tmp_path: Path, restore_catalogue: None
) -> None:
    """An area dropped from the file is switched off, no longer found, and kept in the table."""
    data = tmp_path / "data"
    shutil.copytree(default_catalogue_path().parent, data)
    areas_file = data / "areas" / "dpu_uptd.geojson"
    collection = json.loads(areas_file.read_text())
    collection["features"] = [
        f for f in collection["features"] if f["properties"]["code"] != "uptd_utara"
    ]
    areas_file.write_text(json.dumps(collection))
    assert area_code(settings, "DPU", -6.955, 110.42) == "uptd_utara"
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        report = load_catalogue(session, read_catalogue(data / "catalogue.yaml"))
    assert report.deactivated == 1
    assert area_code(settings, "DPU", -6.955, 110.42) is None
    assert area_code(settings, "DPU", -6.99, 110.42) == "uptd_tengah"
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        utara = session.exec(select(ServiceArea).where(ServiceArea.code == "uptd_utara")).one()
    assert utara.active is False
