"""Referral bodies in the catalogue file: where residents go for matters outside the city."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from routing.catalogue import REFERRAL, CatalogueError, read_catalogue

CATEGORY = {
    "code": "power",
    "name": "Listrik",
    "name_en": "Electricity",
    "sla_hours": 24,
    "keywords": {"id": ["listrik mati"], "en": ["power cut"]},
}
AGENCY = {
    "code": "DPU",
    "name": "Dinas Pekerjaan Umum",
    "name_en": "Public Works",
    "categories": [{**CATEGORY, "code": "road_damage"}],
}
PLN = {
    "code": "PLN",
    "name": "PT PLN (Persero)",
    "name_en": "PLN",
    "channel": "Aplikasi PLN Mobile",
    "channel_en": "The PLN Mobile app",
    "hotline": "123",
    "categories": [CATEGORY],
}


def _write(folder: Path, content: dict) -> Path:
    path = folder / "catalogue.yaml"
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    return path


def test_referrals_are_read_as_agencies_of_kind_referral(tmp_path: Path) -> None:
    """The `referrals:` list follows the agencies, each with kind referral and where to go."""
    catalogue = read_catalogue(_write(tmp_path, {"agencies": [AGENCY], "referrals": [PLN]}))
    assert [(a.code, a.kind) for a in catalogue.agencies] == [("DPU", "city"), ("PLN", REFERRAL)]
    (pln,) = catalogue.referrals
    assert (pln.channel, pln.channel_en, pln.hotline) == (
        "Aplikasi PLN Mobile",
        "The PLN Mobile app",
        "123",
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ({"agencies": [AGENCY], "referrals": [{**PLN, "channel": None}]}, "needs channel"),
        ({"agencies": [AGENCY], "referrals": [{**PLN, "kind": "city"}]}, "take no kind"),
        ({"agencies": [{**AGENCY, "hotline": "123"}]}, "referral bodies only"),
        ({"agencies": [AGENCY], "referrals": [{**PLN, "code": "DPU"}]}, "repeated: DPU"),
        ({"agencies": [AGENCY], "referrals": "PLN"}, "must be a list"),
    ],
)
def test_bad_referrals_are_refused_with_the_reason(
    tmp_path: Path, content: dict, reason: str
) -> None:
    """A referral without where to go, a city agency with a hotline, a repeated code: refused."""
    with pytest.raises(CatalogueError, match=reason):
        read_catalogue(_write(tmp_path, content))


def test_a_referral_without_a_hotline_is_fine(tmp_path: Path) -> None:
    """Not every body has a call centre: the channel alone says where to go."""
    body = {key: value for key, value in PLN.items() if key != "hotline"}
    catalogue = read_catalogue(_write(tmp_path, {"agencies": [AGENCY], "referrals": [body]}))
    assert catalogue.referrals[0].hotline is None
