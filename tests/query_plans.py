"""What the database does with the app's own queries: caught as sent, then explained.

Speed is for the benchmarks; what a test can hold fixed is the plan: which index a query
reads and how many rows it takes from the table, on SQLite and on PostgreSQL. PostgreSQL plans
a prepared statement (psycopg prepares one after five runs) with its parameters for the first
runs and then may switch to one generic plan for any parameters, so both are checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


def fill(
    engine: sa.Engine, table: sa.Table, like: sa.ColumnElement[bool], changes: list[dict]
) -> None:
    """Add a row to `table` for each of `changes`: a copy of the row `like` picks out (its id
    left to the database) with those columns changed. On PostgreSQL the table is analysed
    after, so the planner knows its size, as autovacuum would tell it on a live database."""
    with engine.begin() as connection:
        row = connection.execute(sa.select(table).where(like)).mappings().one()
        copied = {column: value for column, value in row.items() if column != "id"}
        connection.execute(sa.insert(table), [copied | change for change in changes])
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ANALYZE {table.name}")


@contextmanager
def statements_sent(engine: sa.Engine, marker: str) -> Iterator[list[tuple[str, Any]]]:
    """The statements (SQL and parameters) `engine` sends inside the block whose SQL holds
    `marker`."""
    sent: list[tuple[str, Any]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if marker in statement:
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def assert_reads_through(
    engine: sa.Engine, sent: tuple[str, Any], index: str, most_rows: int | None = None
) -> None:
    """The statement reads `index`, and on PostgreSQL at most `most_rows` rows of its table
    (those it keeps and those its filters drop), whichever plan it gets."""
    statement, parameters = sent
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            details = " ".join(row.detail for row in plan)
            assert index in details, details
            return
        for mode in ("force_custom_plan", "force_generic_plan"):
            connection.exec_driver_sql(f"SET LOCAL plan_cache_mode = {mode}")
            [[explained]] = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
            ).all()
            nodes = list(_nodes(explained[0]["Plan"]))
            assert index in {node.get("Index Name") for node in nodes}, (mode, explained)
            if most_rows is not None:
                read = sum(
                    node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
                    + node.get("Rows Removed by Filter", 0)
                    + node.get("Rows Removed by Index Recheck", 0)
                    for node in nodes
                    if "Scan" in node["Node Type"]
                )
                assert read <= most_rows, (mode, explained)
