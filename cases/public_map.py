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
Every cell the box meets counts whole, so a cluster does not change as the reader pans. A
cluster is placed at the mean position of its cases and knows the cells of about 300 m
(SUMMARY_ZOOM) that hold them, so that a click can zoom there.

A city-wide map counts hundreds of thousands of cases, too many to read for every view: the
database keeps the count, the status and the sum of positions of the public cases per cell of
SUMMARY_ZOOM's grid (PublicMapCell, kept by triggers on `cases`), and a zoomed-out map adds
up those cells. A filter they do not know (agency, category, area, dates, words) reads the
cases instead, with the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlmodel import Session, col

from cases.enums import OPEN_STATUSES
from cases.models import Case, PublicMapCell
from cases.public_listing import (
    STATUS_GROUPS,
    BoundingBox,
    PublicFilterError,
    PublicFilters,
    filtered_public_cases,
)
from cases.schemas import PublicCluster, PublicClusterMap
from core.settings import Settings

# from this zoom on the map draws markers (a street fills the screen); below it, clusters
MARKER_ZOOM = 16
# the finest grid the database keeps counts of (PublicMapCell): cells of about 300 m
SUMMARY_ZOOM = MARKER_ZOOM - 1
ZOOM_MAX = 22
CELLS_PER_TILE = 4
# the most cells one answer may span: a large screen at 64 pixels a cell, with room to spare
CELLS_MAX = 10_000


def cell_degrees(zoom: int) -> float:
    """The side of a cluster's cell at `zoom`, in degrees."""
    return 360.0 / (2**zoom * CELLS_PER_TILE)


class _CellIndex(FunctionElement):
    """floor(value / size) as an integer, for a value that is never negative."""

    type = sa.Integer()
    inherit_cache = True


@compiles(_CellIndex)
def _cell_index(element: _CellIndex, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    value, size = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(floor(({value}) / {size}) AS INTEGER)"


@compiles(_CellIndex, "sqlite")
def _cell_index_sqlite(element: _CellIndex, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    # SQLite has floor() only when built with its math functions; CAST truncates, which is
    # floor for the non-negative values given here
    value, size = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(({value}) / {size} AS INTEGER)"


def _constant(value: float | int) -> ColumnElement:
    # constants in the SQL, not parameters: PostgreSQL must see that the ORDER BY's cell is the
    # GROUP BY's
    return sa.literal_column(repr(value), sa.Integer() if isinstance(value, int) else sa.Float())


@dataclass(frozen=True)
class _Cells:
    """The cells of the grid of `zoom` that a box meets, as ranges of SUMMARY_ZOOM's cells
    (each cell of `zoom` holds `per_side` x `per_side` of them)."""

    zoom: int
    rows: tuple[int, int]
    cols: tuple[int, int]

    @property
    def per_side(self) -> int:
        return 2 ** (SUMMARY_ZOOM - self.zoom)

    @classmethod
    def of(cls, box: BoundingBox | None, zoom: int) -> _Cells:
        """PublicFilterError when the box (None: the whole world) meets more than CELLS_MAX
        cells at `zoom`: a map asks for what its screen shows."""
        west, south, east, north = (
            (-180.0, -90.0, 180.0, 90.0)
            if box is None
            else (box.min_lon, box.min_lat, box.max_lon, box.max_lat)
        )
        size = cell_degrees(zoom)
        rows = (math.floor((south + 90) / size), math.floor((north + 90) / size))
        cols = (math.floor((west + 180) / size), math.floor((east + 180) / size))
        count = (rows[1] - rows[0] + 1) * (cols[1] - cols[0] + 1)
        if count > CELLS_MAX:
            raise PublicFilterError(
                f"the box spans {count} cells at zoom {zoom}, more than {CELLS_MAX}: "
                "give the box the map shows, or a lower zoom"
            )
        per_side = 2 ** (SUMMARY_ZOOM - zoom)
        return cls(
            zoom,
            (rows[0] * per_side, (rows[1] + 1) * per_side - 1),
            (cols[0] * per_side, (cols[1] + 1) * per_side - 1),
        )

    def degrees(self) -> BoundingBox:
        """The box these cells cover, in degrees."""
        size = cell_degrees(SUMMARY_ZOOM)
        return BoundingBox(
            min_lon=max(-180.0, self.cols[0] * size - 180),
            min_lat=max(-90.0, self.rows[0] * size - 90),
            max_lon=min(180.0, (self.cols[1] + 1) * size - 180),
            max_lat=min(90.0, (self.rows[1] + 1) * size - 90),
        )


# what a kept cell knows of its cases besides its place: a filter on anything else is counted
# from the cases themselves
_CELL_FILTERS = frozenset({"status", "bbox", "located"})


def _summarised(filters: PublicFilters) -> bool:
    """Whether the kept cells can answer `filters`: they know a case's cell, status and
    whether staff reviewed it, nothing else."""
    return not any(
        getattr(filters, field.name) for field in fields(filters) if field.name not in _CELL_FILTERS
    )


def _from_cells(settings: Settings, filters: PublicFilters, cells: _Cells) -> sa.Select:
    """(fine row, fine col, cases, open, sum of latitudes, of longitudes) per kept cell in
    `cells` of the public cases `filters` asks for."""
    is_open = col(PublicMapCell.status).in_(sorted(OPEN_STATUSES))
    query = sa.select(
        col(PublicMapCell.cell_row).label("fine_row"),
        col(PublicMapCell.cell_col).label("fine_col"),
        col(PublicMapCell.cases).label("cases"),
        sa.case((is_open, col(PublicMapCell.cases)), else_=0).label("open"),
        col(PublicMapCell.sum_lat).label("sum_lat"),
        col(PublicMapCell.sum_lon).label("sum_lon"),
    ).where(
        col(PublicMapCell.cell_row).between(*cells.rows),
        col(PublicMapCell.cell_col).between(*cells.cols),
        col(PublicMapCell.cases) > 0,  # its cases left: no bounds of a cluster
    )
    if settings.publish_policy == "never":
        query = query.where(sa.false())
    elif settings.publish_policy == "reviewed":
        query = query.where(col(PublicMapCell.reviewed))
    if filters.status is not None:
        query = query.where(col(PublicMapCell.status).in_(sorted(STATUS_GROUPS[filters.status])))
    return query


def _from_cases(
    session: Session, settings: Settings, filters: PublicFilters, cells: _Cells
) -> sa.Select:
    """The same columns as `_from_cells`, one row per public case, read from the cases."""
    fine = _constant(cell_degrees(SUMMARY_ZOOM))
    fine_row = _CellIndex(col(Case.latitude) + _constant(90), fine)
    fine_col = _CellIndex(col(Case.longitude) + _constant(180), fine)
    located = filtered_public_cases(session, settings, replace(filters, bbox=cells.degrees()))
    is_open = sa.case((col(Case.status).in_(sorted(OPEN_STATUSES)), 1), else_=0)
    return sa.select(
        fine_row.label("fine_row"),
        fine_col.label("fine_col"),
        sa.literal_column("1").label("cases"),
        is_open.label("open"),
        col(Case.latitude).label("sum_lat"),
        col(Case.longitude).label("sum_lon"),
    ).where(
        located.whereclause,
        col(Case.longitude).is_not(None),
        fine_row.between(*cells.rows),
        fine_col.between(*cells.cols),
    )


def public_clusters(
    session: Session, settings: Settings, filters: PublicFilters, *, zoom: int
) -> PublicClusterMap:
    """The public cases matching `filters` counted per cell of the grid of `zoom`, the fullest
    cell first, every cell the box meets counted whole; PublicFilterError for a box too large
    for the zoom or a filter `filtered_public_cases` refuses.

    From the kept cells (PublicMapCell) when they can answer the filters, else from the
    cases themselves; the two answers are the same."""
    cells = _Cells.of(filters.bbox, zoom)
    parts = (
        _from_cells(settings, filters, cells)
        if _summarised(filters)
        else _from_cases(session, settings, filters, cells)
    ).subquery()
    per_side = _constant(cells.per_side)
    row = (parts.c.fine_row // per_side).label("row")
    column = (parts.c.fine_col // per_side).label("col")
    count = sa.func.sum(parts.c.cases)
    query = (
        sa.select(
            count,
            sa.func.sum(parts.c.open),
            sa.func.sum(parts.c.sum_lat),
            sa.func.sum(parts.c.sum_lon),
            sa.func.min(parts.c.fine_row),
            sa.func.min(parts.c.fine_col),
            sa.func.max(parts.c.fine_row),
            sa.func.max(parts.c.fine_col),
        )
        .group_by(row, column)
        .having(count > 0)
        .order_by(count.desc(), row, column)
    )
    size = cell_degrees(SUMMARY_ZOOM)
    clusters = [
        PublicCluster(
            latitude=round(sum_lat / cases, 6),
            longitude=round(sum_lon / cases, 6),
            count=cases,
            open=open_,
            bounds=(
                first_col * size - 180,
                first_row * size - 90,
                (last_col + 1) * size - 180,
                (last_row + 1) * size - 90,
            ),
        )
        for cases, open_, sum_lat, sum_lon, first_row, first_col, last_row, last_col in (
            session.connection().execute(query)
        )
    ]
    return PublicClusterMap(
        zoom=zoom,
        cell_degrees=cell_degrees(zoom),
        total=sum(c.count for c in clusters),
        clusters=clusters,
    )
