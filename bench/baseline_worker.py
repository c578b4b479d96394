"""The baseline's worker: takes each id the baseline app pushed, sends the complainant one SMS
and marks the complaint sent. The least any service that acknowledges must do after intake.

A few threads (`THREADS`), each a plain loop: BRPOP an id, read the complaint's phone number,
send one SMS through the official `twilio` library's Client, `UPDATE ... SET sent_at = now()`.
The Client is the one Aduan's worker sends through (`bots.twilio.client.twilio_client`, from
the same TWILIO_* settings), so both stacks pay the same for a message's HTTP. Nothing
is retried and nothing survives the process: an id popped when it stops is lost, as it would
be in a stack this bare.

Run as `python -m bench.baseline_worker`, configured by BASELINE_DATABASE_URL,
BASELINE_REDIS_URL, BASELINE_LIST and the TWILIO_* variables Aduan's worker takes.
"""

from __future__ import annotations

import os
import threading

import sqlalchemy as sa
from redis import Redis
from twilio.rest import Client

from bench.baseline_app import TABLE
from bots.twilio.client import twilio_client
from core.settings import get_settings

THREADS = 4  # sends in flight; Aduan's worker keeps up to NOTIFY_SEND_CONCURRENCY

PHONE = sa.text(f"SELECT phone FROM {TABLE} WHERE id = :id")
MARK_SENT = sa.text(f"UPDATE {TABLE} SET sent_at = now() WHERE id = :id")


def work(engine: sa.Engine, redis: Redis, list_key: str, client: Client, sender: str) -> None:
    """Acknowledge complaints one after another, for as long as the process runs."""
    while True:
        _, raw_id = redis.brpop([list_key])
        complaint_id = int(raw_id)
        with engine.connect() as connection:
            phone = connection.execute(PHONE, {"id": complaint_id}).scalar_one()
        client.messages.create(
            to=phone, from_=sender, body=f"Laporan Anda diterima, nomor {complaint_id}."
        )
        with engine.begin() as connection:
            connection.execute(MARK_SENT, {"id": complaint_id})


def main() -> None:
    engine = sa.create_engine(os.environ["BASELINE_DATABASE_URL"], pool_size=THREADS)
    redis = Redis.from_url(os.environ["BASELINE_REDIS_URL"])
    client = twilio_client(get_settings())  # Aduan's own, from the same TWILIO_* settings
    args = (engine, redis, os.environ["BASELINE_LIST"], client, os.environ["TWILIO_SMS_FROM"])
    threads = [threading.Thread(target=work, args=args) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
