"""Category attributes in the catalogue file: what is refused with its reason, and that the
questions are stored with the category and read back as the file gave them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.db import get_engine, session_scope
from core.settings import Settings
from routing.catalogue import CatalogueError, default_catalogue_path, read_catalogue
from routing.stored_catalogue import catalogue_from_database, category_by_code

CLOSED = {
    "code": "road_closed",
    "datatype": "singlevaluelist",
    "required": True,
    "description": "Apakah jalan tertutup?",
    "description_en": "Is the road closed?",
    "order": 1,
    "values": [{"key": "yes", "name": "Ya", "name_en": "Yes"}],
}
WIDTH = {
    "code": "width",
    "datatype": "number",
    "description": "Lebar",
    "description_en": "Width",
    "order": 2,
}


def _catalogue_with(tmp_path: Path, attributes: list[dict]) -> Path:
    category = {
        "code": "road_damage",
        "name": "Jalan rusak",
        "name_en": "Road damage",
        "sla_hours": 72,
        "keywords": {"id": ["jalan rusak"], "en": ["pothole"]},
        "attributes": attributes,
    }
    agency = {
        "code": "DPU",
        "name": "Dinas PU",
        "name_en": "Public Works",
        "categories": [category],
    }
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"agencies": [agency]}))
    return path


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ([{**CLOSED, "values": []}], "a singlevaluelist attribute needs values to choose from"),
        ([{**WIDTH, "values": CLOSED["values"]}], "a number attribute takes no values"),
        ([CLOSED, {**WIDTH, "code": "road_closed"}], "must each have their own code"),
        ([CLOSED, {**WIDTH, "order": 1}], "must each have their own order"),
        ([{**WIDTH, "datatype": "boolean"}], "datatype"),
        ([{**WIDTH, "code": "lebar jalan"}], "attribute code must be letters, digits and _"),
        ([{**CLOSED, "values": CLOSED["values"] * 2}], "keys of an attribute's values"),
    ],
)
def test_bad_attributes_are_refused_with_the_reason(
    tmp_path: Path, attributes: list[dict], reason: str
) -> None:
    """Each mistake an operator can make in `attributes` stops the load and says which."""
    with pytest.raises(CatalogueError) as error:
        read_catalogue(_catalogue_with(tmp_path, attributes))
    assert "agencies.0.categories.0" in str(error.value)
    assert reason in str(error.value)


def test_a_category_without_attributes_asks_nothing(tmp_path: Path) -> None:
    """`attributes` is optional: the shipped catalogue's categories mostly have none."""
    catalogue = read_catalogue(_catalogue_with(tmp_path, [CLOSED, WIDTH]))
    assert [a.code for a in catalogue.agencies[0].categories[0].attributes] == [
        "road_closed",
        "width",
    ]
    shipped = read_catalogue(default_catalogue_path())
    asking = [c.code for a in shipped.agencies for c in a.categories if c.attributes]
    assert asking == ["road_damage", "street_light"]


def test_attributes_are_stored_with_the_category(settings: Settings) -> None:
    """The shipped catalogue's questions are in the database as the file gives them, and the
    catalogue read back from the database carries them."""
    shipped = read_catalogue(default_catalogue_path())
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        stored = category_by_code(session, "road_damage")
        assert stored is not None
        assert stored.attributes[0]["code"] == "road_closed"
        assert stored.attributes[0]["values"][0] == {"key": "yes", "name": "Ya", "name_en": "Yes"}
        assert category_by_code(session, "bridge_damage").attributes == []
        stored_categories = [
            c for a in catalogue_from_database(session).agencies for c in a.categories
        ]
        assert stored_categories == [c for a in shipped.agencies for c in a.categories]
