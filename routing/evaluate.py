"""How well a classifier routes a labelled set: the figures an operator needs to trust a model.

Accuracy is top-1 AGENCY accuracy, whatever the confidence: it measures the classifier, while
the routed share at the threshold measures how much work triage keeps. Rows labelled `_chatter`
(not complaints) have no right agency; they count only in how many of them triage would catch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import f1_score, precision_recall_fscore_support

from routing.model import CHATTER, Classifier
from routing.training import read_examples

__all__ = ["EvalRow", "Report", "Scores", "evaluate", "format_report", "read_labelled"]

NO_AGENCY = "(none)"  # what a text without words is predicted as
_TOP_CONFUSIONS = 10


@dataclass(frozen=True)
class EvalRow:
    text: str
    agency: str
    language: str | None = None


@dataclass(frozen=True)
class Scores:
    rows: int
    accuracy: float
    macro_f1: float


@dataclass(frozen=True)
class AgencyScores:
    agency: str
    precision: float
    recall: float
    support: int


@dataclass(frozen=True)
class Report:
    overall: Scores
    per_agency: list[AgencyScores]
    confusions: list[tuple[str, str, int]]  # (true, predicted, count), most frequent first
    per_language: dict[str, Scores]
    min_confidence: float
    routed: int  # complaints at or above min_confidence
    routed_correct: int
    chatter: int
    chatter_to_triage: int


def read_labelled(path: Path) -> list[EvalRow]:
    """Rows of a CSV with `text`, `agency` and optionally `language` (ExamplesError if unusable)."""
    return [
        EvalRow(row["text"], row["agency"], row.get("language") or None)
        for row in read_examples(path)
    ]


def _scores(truth: Sequence[str], predicted: Sequence[str]) -> Scores:
    right = sum(t == p for t, p in zip(truth, predicted, strict=True))
    macro = f1_score(
        truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0.0
    )
    return Scores(len(truth), right / len(truth), float(macro))


def evaluate(classifier: Classifier, rows: Iterable[EvalRow], min_confidence: float) -> Report:
    """Predict every row once and compute the report; needs at least one complaint row."""
    complaints: list[tuple[EvalRow, str]] = []
    routed = routed_correct = chatter = chatter_to_triage = 0
    for row in rows:
        prediction = classifier.predict(row.text)
        confident = prediction.agency is not None and prediction.confidence >= min_confidence
        if row.agency == CHATTER:
            chatter += 1
            chatter_to_triage += not confident
            continue
        predicted = prediction.agency or NO_AGENCY
        complaints.append((row, predicted))
        routed += confident
        routed_correct += confident and predicted == row.agency
    if not complaints:
        raise ValueError("no complaint rows to evaluate (only chatter, or an empty file)")
    truth = [row.agency for row, _ in complaints]
    predicted = [p for _, p in complaints]
    labels = sorted(set(truth))
    precision, recall, _, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0.0
    )
    per_agency = [
        AgencyScores(agency, float(p), float(r), int(s))
        for agency, p, r, s in zip(labels, precision, recall, support, strict=True)
    ]
    confusions = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    languages = sorted({row.language for row, _ in complaints if row.language})
    per_language = {
        language: _scores(
            [row.agency for row, _ in complaints if row.language == language],
            [p for row, p in complaints if row.language == language],
        )
        for language in languages
    }
    return Report(
        overall=_scores(truth, predicted),
        per_agency=per_agency,
        confusions=[(t, p, n) for (t, p), n in confusions.most_common(_TOP_CONFUSIONS)],
        per_language=per_language,
        min_confidence=min_confidence,
        routed=routed,
        routed_correct=routed_correct,
        chatter=chatter,
        chatter_to_triage=chatter_to_triage,
    )


def format_report(report: Report) -> str:
    """The report as plain text for a terminal."""
    overall = report.overall
    lines = [
        f"complaints: {overall.rows}",
        f"accuracy:   {overall.accuracy:.3f}",
        f"macro-F1:   {overall.macro_f1:.3f}",
    ]
    if report.per_language:
        lines += ["", "language  rows  accuracy  macro-F1"]
        lines += [
            f"{language:<8} {s.rows:>5}  {s.accuracy:>8.3f}  {s.macro_f1:>8.3f}"
            for language, s in report.per_language.items()
        ]
    lines += ["", "agency        precision  recall  support"]
    lines += [
        f"{a.agency:<12} {a.precision:>10.3f} {a.recall:>7.3f} {a.support:>8}"
        for a in report.per_agency
    ]
    lines += ["", "most frequent confusions (true -> predicted: count)"]
    lines += [f"  {t} -> {p}: {n}" for t, p, n in report.confusions] or ["  none"]
    routed_accuracy = report.routed_correct / report.routed if report.routed else 0.0
    lines += [
        "",
        f"at confidence >= {report.min_confidence:g}: {report.routed} of {overall.rows} "
        f"complaints routed ({report.routed / overall.rows:.1%}), "
        f"{routed_accuracy:.1%} of them to the right agency",
    ]
    if report.chatter:
        lines.append(
            f"chatter: {report.chatter_to_triage} of {report.chatter} sent to triage "
            f"({report.chatter_to_triage / report.chatter:.1%})"
        )
    return "\n".join(lines)
