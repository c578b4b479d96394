"""Routing benchmark: training time, latency on one core, long letters, and real chatter routed.

Run from the repository root: `.venv/bin/python -m bench.routing`. It trains the shipped pipeline
(catalogue + examples.csv, no database), times `predict` one text at a time over the held-out
complaints and the 3,272 collected tweets, and reports how many tweets the default threshold would
route. The tweets are unlabelled and many are chatter, so the routed share is a figure to watch,
not a target.

Long messages: each held-out complaint is also written into a formal letter of at least 1,000
characters (greeting, address to the mayor, context sentences, closing: `LETTER`), as residents
write to a portal. These letters are made up here (no real long letters could be used), so they
measure how much courtesy and context cost the model in time and in accuracy, not how well it
reads any real letter. Timed: `predict` alone, and `assess` (what routing does per message:
the prediction, one per part for "several problems", and the question check).
"""

from __future__ import annotations

import csv
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

from core.settings import Settings
from routing.catalogue import default_catalogue_path, read_catalogue
from routing.keywords import KeywordClassifier
from routing.model import Classifier
from routing.service import assess
from routing.training import train, training_rows

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "routing" / "data" / "heldout.csv"
TWEETS = ROOT.parent / "shared" / "data" / "id_citizen_tweets_2025.csv"
THRESHOLD = Settings.model_fields["routing_min_confidence"].default


# a resident's formal letter around the complaint; {complaint} is the held-out text
LETTER = (
    "Assalamualaikum wr. wb. Yth. Bapak Walikota beserta jajarannya. Dengan hormat, izin "
    "menyampaikan keluhan warga. Saya warga yang sudah tinggal di lingkungan ini lebih dari "
    "sepuluh tahun dan selama ini kami selalu mendukung program pemerintah kota. Sebelumnya "
    "kami sudah menyampaikan hal ini kepada ketua RT dan ke kantor kelurahan, namun sampai "
    "sekarang belum ada tanggapan yang jelas. {complaint} Kami memahami bahwa pemerintah kota "
    "memiliki banyak pekerjaan dan anggaran yang terbatas, tetapi kami berharap laporan ini "
    "dapat segera diteruskan kepada pihak yang berwenang agar warga tidak terus dirugikan. "
    "Mohon maaf apabila ada kata-kata yang kurang berkenan. Demikian laporan ini kami "
    "sampaikan dengan sebenar-benarnya. Atas perhatian dan kerjasamanya kami ucapkan terima "
    "kasih. Wassalamualaikum wr. wb. Hormat kami, warga RT 05 RW 02."
)
MORE_CONTEXT = "Kami sekeluarga dan para tetangga sangat berharap ada perhatian dari pemerintah."
LONG_CHARS = 1000


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def _labelled(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["agency"]) for row in csv.DictReader(handle)]


def _letter(complaint: str) -> str:
    """`complaint` in LETTER, with more context when the letter is still too short."""
    letter = LETTER.format(complaint=complaint.rstrip(". ") + ".")
    while len(letter) < LONG_CHARS:
        letter = letter.replace(" Mohon maaf", f" {MORE_CONTEXT} Mohon maaf", 1)
    return letter


def _accuracy(classifier: Classifier, rows: list[tuple[str, str]]) -> float:
    return sum(classifier.predict(text).agency == agency for text, agency in rows) / len(rows)


def _latency(call: Callable[[str], object], texts: list[str]) -> str:
    """Mean, p99 and max milliseconds of `call` over `texts`, caches warmed first (the keyword
    classifier's token cache, numpy)."""
    for text in texts[:200]:
        call(text)
    times = []
    for text in texts:
        started = time.perf_counter_ns()
        call(text)
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
            print(f"  model:    {_latency(model.predict, texts)}")
            print(f"  keywords: {_latency(keywords.predict, texts)}")
        labelled = _labelled(HELDOUT)
        letters = [(_letter(text), agency) for text, agency in labelled]
        print(
            f"{len(letters)} held-out complaints as letters of {LONG_CHARS}+ characters "
            f"(mean {statistics.fmean(len(t) for t, _ in letters):.0f}):"
        )
        print(f"  predict: {_latency(model.predict, [t for t, _ in letters])}")
        print(
            "  assess:  " + _latency(lambda t: assess(model, t, THRESHOLD), [t for t, _ in letters])
        )
        print(
            f"  agency accuracy: letters {_accuracy(model, letters):.3f}, "
            f"the same complaints alone {_accuracy(model, labelled):.3f}"
        )
        for name, classifier in (("model", model), ("keywords", keywords)):
            routed, agencies = _routed(classifier, tweets)
            top = ", ".join(f"{a} {n}" for a, n in agencies.most_common(5))
            print(
                f"tweets routed at confidence >= {THRESHOLD} by {name}: {routed} of {len(tweets)} "
                f"({routed / len(tweets):.1%}), to triage {len(tweets) - routed}; top: {top}"
            )


if __name__ == "__main__":
    main()
