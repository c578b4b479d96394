"""The floor the intake benchmark compares Aduan against: FastAPI, one INSERT, one Redis push.

It takes the same JSON body on the same path and does the least any complaint service must do:
store the complaint and hand a job to a queue; `bench/baseline_worker.py` takes the job, sends
the acknowledgement and sets the row's `sent_at`. It uses the same stack as Aduan (a sync endpoint
in FastAPI's thread pool, SQLAlchemy with psycopg and the same pool size, redis-py), so the
ratio between the two measures Aduan's own work (validation, routing, SLA calendar, duplicate
check, outbox, rate limit, logging), not a choice of driver.

Served by `uvicorn bench.baseline_app:create_app --factory --workers 2`, configured by
BASELINE_DATABASE_URL, BASELINE_REDIS_URL and BASELINE_LIST.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis import Redis

TABLE = "bench_baseline_complaints"
CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    text text NOT NULL,
    phone varchar(32),
    notify_via varchar(16),
    latitude double precision,
    longitude double precision,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
)
"""
INSERT = sa.text(
    f"INSERT INTO {TABLE} (text, phone, notify_via, latitude, longitude) "
    "VALUES (:text, :phone, :notify_via, :lat, :lon) RETURNING id"
)


class Complaint(BaseModel):
    text: str
    phone: str | None = None
    notify_via: str | None = None
    lat: float | None = None
    lon: float | None = None


def create_app() -> FastAPI:
    engine = sa.create_engine(
        os.environ["BASELINE_DATABASE_URL"], pool_pre_ping=True, pool_size=10, max_overflow=10
    )
    redis = Redis.from_url(os.environ["BASELINE_REDIS_URL"])
    list_key = os.environ["BASELINE_LIST"]
    app = FastAPI()

    @app.post("/api/v1/complaints", status_code=201)
    def file_complaint(complaint: Complaint) -> dict[str, int]:
        with engine.begin() as connection:
            complaint_id = connection.execute(INSERT, complaint.model_dump()).scalar_one()
        redis.lpush(list_key, complaint_id)
        return {"id": complaint_id}

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    return app
