"""Which office of an agency serves a place: point-in-polygon over the agency's service areas.

The polygons are indexed once per process (an STRtree of prepared geometries per agency) and
rebuilt when the catalogue is reloaded or the areas change (`routing.versions`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from threading import Lock

import shapely
from shapely.geometry import shape
from sqlmodel import Session, select

from routing.models import ServiceArea
from routing.versions import catalogue_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _AgencyAreas:
    """The active areas of one agency, ready for point queries."""

    ids: tuple[int, ...]
    codes: tuple[str, ...]
    tree: shapely.STRtree

    def find(self, point: shapely.Point) -> int | None:
        """The id of the area holding `point`; on a shared border, the area with the lowest code."""
        candidates = self.tree.query(point)  # bounding boxes only
        polygons = self.tree.geometries
        # intersects (not contains) so a point on an edge belongs to the areas on both sides
        hits = [int(i) for i in candidates if polygons[i].intersects(point)]
        if not hits:
            return None
        return self.ids[min(hits, key=lambda i: self.codes[i])]


@dataclass
class _AreaCache:
    version: tuple | None = None
    by_agency: dict[int, _AgencyAreas] = field(default_factory=dict)
    lock: Lock = field(default_factory=Lock)


_cache = _AreaCache()


def _build(session: Session) -> dict[int, _AgencyAreas]:
    rows = session.exec(
        select(ServiceArea)
        .where(ServiceArea.active)
        .order_by(ServiceArea.agency_id, ServiceArea.code)
    ).all()
    grouped: dict[int, list[tuple[int, str, shapely.Geometry]]] = {}
    for area in rows:
        try:
            polygon = shape(area.geometry)
        except Exception:  # a row written by hand, not by the catalogue loader
            log.warning("service area %s (id %s) has an unusable geometry", area.code, area.id)
            continue
        shapely.prepare(polygon)
        grouped.setdefault(area.agency_id, []).append((area.id, area.code, polygon))
    return {
        agency_id: _AgencyAreas(
            ids=tuple(a[0] for a in areas),
            codes=tuple(a[1] for a in areas),
            tree=shapely.STRtree([a[2] for a in areas]),
        )
        for agency_id, areas in grouped.items()
    }


def _is_coordinate(value: object, limit: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and -limit <= value <= limit
    )


def area_for(
    session: Session,
    agency_id: int | None,
    latitude: float | None,
    longitude: float | None,
) -> ServiceArea | None:
    """The agency's active service area holding the point, or None.

    None also when there is no agency, the agency has no areas, or the coordinates are missing
    or not valid WGS84 degrees. A point on a border two areas share goes to the lowest code.
    """
    if agency_id is None or not (_is_coordinate(latitude, 90) and _is_coordinate(longitude, 180)):
        return None
    area_id = area_id_for(session, catalogue_version(session), agency_id, latitude, longitude)
    return session.get(ServiceArea, area_id) if area_id is not None else None


def area_id_for(
    session: Session,
    version: tuple,
    agency_id: int | None,
    latitude: float | None,
    longitude: float | None,
) -> int | None:
    """`area_for`'s id, for a caller that already read the catalogue `version`."""
    if agency_id is None or not (_is_coordinate(latitude, 90) and _is_coordinate(longitude, 180)):
        return None
    point = shapely.Point(longitude, latitude)
    # queries stay under the lock too: GEOS builds a prepared polygon's index on first use
    with _cache.lock:
        if _cache.version != version:
            _cache.by_agency = _build(session)
            _cache.version = version
        areas = _cache.by_agency.get(agency_id)
        return areas.find(point) if areas is not None else None
