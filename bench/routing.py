"""Routing benchmark: training time, predict latency on one core, and how much real chatter routes.

Run from the repository root: `.venv/bin/python -m bench.routing`. It trains the shipped pipeline
(catalogue + examples.csv, no database), times `predict` one text at a time over the held-out
complaints and the 3,272 collected tweets, and reports how many tweets the default threshold would
route. The tweets are unlabelled and many are chatter, so the routed share is a figure to watch,
not a target.
"""

from __future__ import annotations

import csv
import os
import statistics
import time
from collections import Counter
from pathlib import Path

from threadpoolctl import threadpool_limits

from core.settings import Settings
from routing.catalogue import default_catalogue_path, read_catalogue
from routing.keywords import KeywordClassifier
from routing.model import Classifier
from routing.training import train, training_rows

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "routing" / "data" / "heldout.csv"
TWEETS = ROOT.parent / "shared" / "data" / "id_citizen_tweets_2025.csv"
THRESHOLD = Settings.model_fields["routing_min_confidence"].default


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def _latency(classifier: Classifier, texts: list[str]) -> str:
    for text in texts[:200]:  # warm caches (the keyword classifier's token cache, numpy)
        classifier.predict(text)
    times = []
    for text in texts:
        started = time.perf_counter_ns()
        classifier.predict(text)
        times.append((time.perf_counter_ns() - started) / 1e6)
    p99 = statistics.quantiles(times, n=100)[98]
    return f"mean {statistics.fmean(times):.3f} ms, p99 {p99:.3f} ms, max {max(times):.2f} ms"


def _routed(classifier: Classifier, texts: list[str]) -> tuple[int, Counter[str]]:
    agencies: Counter[str] = Counter()
    for text in texts:
        prediction = classifier.predict(text)
        if prediction.agency is not None and prediction.confidence >= THRESHOLD:
            agencies[prediction.agency] += 1
    return sum(agencies.values()), agencies


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with threadpool_limits(limits=1):
        catalogue = read_catalogue(default_catalogue_path())
        started = time.perf_counter()
        rows = training_rows(None, catalogue, Settings().routing_examples_file)
        model = train(catalogue, rows)
        print(f"training: {len(rows)} rows in {time.perf_counter() - started:.2f} s (one core)")
        keywords = KeywordClassifier(catalogue)
        heldout, tweets = _texts(HELDOUT), _texts(TWEETS)
        for name, texts in (("held-out", heldout), ("tweets", tweets), ("both", heldout + tweets)):
            print(f"predict over {len(texts)} {name} texts")
            print(f"  model:    {_latency(model, texts)}")
            print(f"  keywords: {_latency(keywords, texts)}")
        for name, classifier in (("model", model), ("keywords", keywords)):
            routed, agencies = _routed(classifier, tweets)
            top = ", ".join(f"{a} {n}" for a, n in agencies.most_common(5))
            print(
                f"tweets routed at confidence >= {THRESHOLD} by {name}: {routed} of {len(tweets)} "
                f"({routed / len(tweets):.1%}), to triage {len(tweets) - routed}; top: {top}"
            )


if __name__ == "__main__":
    main()
