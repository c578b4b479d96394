"""Conversation benchmark: what the chat would do with real residents' words before filing them.

Run from the repository root: `.venv/bin/python -m bench.conversation`. It builds a scratch
SQLite database with the shipped catalogue and a trained model (the Procfile's release step),
then reads two sets of texts the way intake/conversation.py does for a resident with no open
case:
- heldout: routing/data/heldout.csv, 455 labelled complaints: every one read as anything but
  talk (greeting, thanks, question, ...) or asked about as chatter is a complaint the resident
  must send again or confirm;
- tweets: 3,272 collected posts (../shared/data), unlabelled, many of them chatter.
For each it prints the share per intent, the share routing calls chatter (so the bot asks
"Apakah ini aduan?"), the share offered as two problems, and the time per message.
"""

from __future__ import annotations

import csv
import os
import statistics
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session

from bench.common import prepare_service, scratch_directory
from bench.routing import HELDOUT, THRESHOLD, TWEETS
from core.db import get_engine
from intake.intent import Intent, read
from routing.service import route


def texts(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle) if row["text"].strip()]


def report(session: Session, name: str, rows: list[str]) -> None:
    intents: Counter[str] = Counter()
    asked = split = answered = 0
    took: list[float] = []
    for text in rows:
        start = time.perf_counter()
        reading = read(text)
        intents[reading.intent] += 1
        decision = route(session, text, min_confidence=THRESHOLD)
        if reading.intent is Intent.question and decision.agency is None:
            answered += 1
        elif reading.intent in (Intent.talk, Intent.question) and len(text.split()) >= 3:
            if decision.outcome in ("chatter", "question"):
                asked += 1
            elif decision.problems:
                split += 1
        took.append(time.perf_counter() - start)
    total = len(rows)
    print(f"{name}: {total} texts")
    for intent, count in intents.most_common():
        print(f"  read as {intent:<16} {count:5d}  {count / total:6.1%}")
    print(f"  answered from the FAQ        {answered:5d}  {answered / total:6.1%}")
    print(f"  asked 'is this a complaint?' {asked:5d}  {asked / total:6.1%}")
    print(f"  offered as two problems      {split:5d}  {split / total:6.1%}")
    took.sort()
    print(
        f"  per message: median {statistics.median(took) * 1000:.2f} ms, "
        f"p95 {took[int(len(took) * 0.95)] * 1000:.2f} ms"
    )


def main() -> None:
    with scratch_directory() as workdir:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "ROUTING_MODEL_FILE": str(workdir / "model.joblib"),
        }
        env.pop("REDIS_URL", None)
        prepare_service(env, workdir)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "ROUTING_MODEL_FILE")})
        with Session(get_engine(env["DATABASE_URL"])) as session:
            report(session, "heldout complaints", texts(HELDOUT))
            if TWEETS.exists():
                report(session, "tweets", texts(TWEETS))


if __name__ == "__main__":
    main()
