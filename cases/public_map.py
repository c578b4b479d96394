"""The public map's clusters: how many public cases lie in each cell of a grid, counted in the
database, for a map too far out to draw every case as a marker.

The grid follows the map's zoom as web maps tile it: at zoom z a 256-pixel tile spans 360/2^z
degrees of longitude, and a cell is a quarter of a tile's side (CELLS_PER_TILE), about 64
pixels on the screen, in degrees of latitude and longitude alike (near the equator, where
Indonesia lies, a degree of latitude and one of longitude are drawn the same size). Cells of a
zoom nest in the cells of the zoom below, so clusters split in place as the reader zooms in.

Only public cases count, by the same condition and filters as the markers
(`cases.public_listing.filtered_public_cases`), each at the position its marker shows: a
Rahasia or hidden case is not public, so it is in no cluster and moves no cluster's position.
A cluster is placed at the mean position of its cases and knows their bounds, so that a click
can zoom to them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlmodel import Session, col

from cases.enums import OPEN_STATUSES
from cases.models import Case
from cases.public_listing import (
    BoundingBox,
    PublicFilterError,
    PublicFilters,
    filtered_public_cases,
)
from cases.schemas import PublicCluster, PublicClusterMap
from core.settings import Settings

# from this zoom on the map draws markers (a street fills the screen); below it, clusters
MARKER_ZOOM = 16
ZOOM_MAX = 22
CELLS_PER_TILE = 4
# the most cells one answer may span: a large screen at 64 pixels a cell, with room to spare
CELLS_MAX = 10_000


def cell_degrees(zoom: int) -> float:
    """The side of a cluster's cell at `zoom`, in degrees."""
    return 360.0 / (2**zoom * CELLS_PER_TILE)


class _CellIndex(FunctionElement):
    """floor(value / size) for a value that is never negative, as an integer."""

    type = sa.Integer()
    inherit_cache = True


@compiles(_CellIndex)
def _cell_index(element: _CellIndex, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    value, size = list(element.clauses)
    return f"floor(({compiler.process(value, **kw)}) / {compiler.process(size, **kw)})"


@compiles(_CellIndex, "sqlite")
def _cell_index_sqlite(element: _CellIndex, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    # SQLite has floor() only when built with its math functions; CAST truncates, which is
    # floor for the non-negative values given here
    value, size = list(element.clauses)
    return f"CAST(({compiler.process(value, **kw)}) / {compiler.process(size, **kw)} AS INTEGER)"


def _cell(column: ColumnElement[float], shift: float, size: float) -> ColumnElement[int]:
    """The cell of `column` + `shift` (which makes every value non-negative) in a grid of
    `size` degrees."""
    # constants in the SQL, not parameters: PostgreSQL must see that the ORDER BY's cell is the
    # GROUP BY's
    return _CellIndex(column + sa.literal_column(repr(shift)), sa.literal_column(repr(size)))


def check_box(box: BoundingBox | None, zoom: int) -> None:
    """PublicFilterError when `box` (None: the whole world) spans more than CELLS_MAX cells at
    `zoom`: a map asks for what its screen shows."""
    size = cell_degrees(zoom)
    west, south, east, north = (
        (-180.0, -90.0, 180.0, 90.0)
        if box is None
        else (
            box.min_lon,
            box.min_lat,
            box.max_lon,
            box.max_lat,
        )
    )
    cells = (int((east - west) / size) + 1) * (int((north - south) / size) + 1)
    if cells > CELLS_MAX:
        raise PublicFilterError(
            f"the box spans {cells} cells at zoom {zoom}, more than {CELLS_MAX}: "
            "give the box the map shows, or a lower zoom"
        )


def public_clusters(
    session: Session, settings: Settings, filters: PublicFilters, *, zoom: int
) -> PublicClusterMap:
    """The public cases matching `filters` counted per cell of the grid of `zoom`, the fullest
    cell first; PublicFilterError for a box too large for the zoom or a filter
    `filtered_public_cases` refuses."""
    check_box(filters.bbox, zoom)
    size = cell_degrees(zoom)
    located = filtered_public_cases(session, settings, filters).where(
        col(Case.latitude).is_not(None), col(Case.longitude).is_not(None)
    )
    row = _cell(col(Case.latitude), 90.0, size).label("row")
    column = _cell(col(Case.longitude), 180.0, size).label("col")
    is_open = sa.case((col(Case.status).in_(sorted(OPEN_STATUSES)), 1), else_=0)
    query = (
        sa.select(
            sa.func.count().label("count"),
            sa.func.sum(is_open).label("open"),
            sa.func.avg(Case.latitude).label("latitude"),
            sa.func.avg(Case.longitude).label("longitude"),
            sa.func.min(Case.latitude),
            sa.func.min(Case.longitude),
            sa.func.max(Case.latitude),
            sa.func.max(Case.longitude),
        )
        .where(located.whereclause)
        .group_by(row, column)
        .order_by(sa.desc("count"), row, column)
    )
    rows = session.connection().execute(query)
    clusters = [
        PublicCluster(
            latitude=round(latitude, 6),
            longitude=round(longitude, 6),
            count=count,
            open=open_ or 0,
            bounds=(min_lon, min_lat, max_lon, max_lat),
        )
        for count, open_, latitude, longitude, min_lat, min_lon, max_lat, max_lon in rows
    ]
    return PublicClusterMap(
        zoom=zoom,
        cell_degrees=size,
        total=sum(c.count for c in clusters),
        clusters=clusters,
    )
