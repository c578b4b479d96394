"""the public map's cells: public cases counted per cell of a fine grid, kept by triggers

Revision ID: 35a2af86e332
Revises: b5a12b2c3a47
Create Date: 2026-12-05 15:20:00

The database keeps the counts itself (triggers on cases), so every writer agrees with them:
the ORM, raw SQL, COPY. SQLite drops a table's triggers with the table: a later migration that
rebuilds `cases` in batch mode must create them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "35a2af86e332"
down_revision: str | None = "b5a12b2c3a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the side of a cell in degrees: cases.public_map.cell_degrees(SUMMARY_ZOOM) as it reads here
CELL = "0.00274658203125"
# cases.models.PUBLIC_PLACE_SQL of the row {0} (NEW or OLD), as it reads here
PLACE = (
    "{0}.confidential = false AND {0}.hidden_at IS NULL AND {0}.merged_into_id IS NULL "
    "AND {0}.status <> 'rejected' AND {0}.latitude IS NOT NULL AND {0}.longitude IS NOT NULL"
)
WATCHED = "latitude, longitude, confidential, hidden_at, merged_into_id, status, reviewed_at"


def _cell(row: str, column: str, shift: int, postgresql: bool) -> str:
    if postgresql:
        return f"CAST(floor(({row}.{column} + {shift}) / {CELL}) AS INTEGER)"
    return f"CAST(({row}.{column} + {shift}) / {CELL} AS INTEGER)"


def _key(row: str, postgresql: bool) -> str:
    return (
        f"cell_row = {_cell(row, 'latitude', 90, postgresql)} "
        f"AND cell_col = {_cell(row, 'longitude', 180, postgresql)} "
        f"AND status = {row}.status AND reviewed = ({row}.reviewed_at IS NOT NULL)"
    )


def _add(postgresql: bool) -> str:
    return (
        "INSERT INTO public_map_cells "
        "(cell_row, cell_col, status, reviewed, cases, sum_lat, sum_lon) VALUES ("
        f"{_cell('NEW', 'latitude', 90, postgresql)}, {_cell('NEW', 'longitude', 180, postgresql)}, "
        "NEW.status, NEW.reviewed_at IS NOT NULL, 1, NEW.latitude, NEW.longitude) "
        "ON CONFLICT (cell_row, cell_col, status, reviewed) DO UPDATE SET "
        "cases = public_map_cells.cases + 1, "
        "sum_lat = public_map_cells.sum_lat + excluded.sum_lat, "
        "sum_lon = public_map_cells.sum_lon + excluded.sum_lon"
    )


def _remove(postgresql: bool) -> str:
    return (
        "UPDATE public_map_cells SET cases = cases - 1, sum_lat = sum_lat - OLD.latitude, "
        f"sum_lon = sum_lon - OLD.longitude WHERE {_key('OLD', postgresql)}"
    )


POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION public_map_cells_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND {PLACE.format("OLD")} THEN
        {_remove(True)};
    END IF;
    IF TG_OP <> 'DELETE' AND {PLACE.format("NEW")} THEN
        {_add(True)};
    END IF;
    RETURN NULL;
END
$$
"""
SQLITE_TRIGGERS = {
    "public_map_cells_insert": f"AFTER INSERT ON cases WHEN {PLACE.format('NEW')} "
    f"BEGIN {_add(False)}; END",
    "public_map_cells_delete": f"AFTER DELETE ON cases WHEN {PLACE.format('OLD')} "
    f"BEGIN {_remove(False)}; END",
    # the old place leaves before the new one comes: two triggers, in the order created
    "public_map_cells_update_old": f"AFTER UPDATE OF {WATCHED} ON cases "
    f"WHEN {PLACE.format('OLD')} BEGIN {_remove(False)}; END",
    "public_map_cells_update_new": f"AFTER UPDATE OF {WATCHED} ON cases "
    f"WHEN {PLACE.format('NEW')} BEGIN {_add(False)}; END",
}


def upgrade() -> None:
    op.create_table(
        "public_map_cells",
        sa.Column("cell_row", sa.Integer(), nullable=False),
        sa.Column("cell_col", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("sum_lat", sa.Float(), nullable=False),
        sa.Column("sum_lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("cell_row", "cell_col", "status", "reviewed"),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    # the triggers first: on PostgreSQL creating one locks out writers of cases until this
    # transaction ends, so no case is counted twice or missed between them and the fill
    if postgresql:
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(
            f"CREATE TRIGGER public_map_cells_keep AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} "
            "ON cases FOR EACH ROW EXECUTE FUNCTION public_map_cells_keep()"
        )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    row, col = _cell("c", "latitude", 90, postgresql), _cell("c", "longitude", 180, postgresql)
    op.execute(
        "INSERT INTO public_map_cells "
        "(cell_row, cell_col, status, reviewed, cases, sum_lat, sum_lon) "
        f"SELECT {row}, {col}, c.status, c.reviewed_at IS NOT NULL, count(*), "
        f"sum(c.latitude), sum(c.longitude) FROM cases c WHERE {PLACE.format('c')} "
        f"GROUP BY {row}, {col}, c.status, c.reviewed_at IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER public_map_cells_keep ON cases")
        op.execute("DROP FUNCTION public_map_cells_keep()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("public_map_cells")
