"""How routing's OUTCOMES compare with hand labels on real text: what a city would live with.

A labelled file (`routing/data/realtext.csv`) has a `text` and a `label` column. A label is one
of: an agency code of the catalogue (`DPU`); `referral:<BODY>` for a matter outside the city
government (`referral:PLN`); `chatter` (not a report); `question` (asks for information).

Routing's outcome for a text (routing/service.py `judge`) is the agency it predicts when the text
is routed (named `referral:<CODE>` when it is one of the catalogue's referral bodies), else
`chatter`, `question` or triage. An outcome is right when it equals the label, or
when a `chatter` or `question` text goes to triage (where a person sorts it). So a referral,
chatter or question text routed to any agency is wrong, and so is a complaint left in triage
(or taken for chatter or a question).

Figures, each at one threshold:
- complaints routed: the share of agency- and referral-labelled texts that are routed at all;
- right of the routed complaints: the share of those routed to the right agency or referral;
- precision of routed: the share of ALL routed texts (whatever their label) routed right;
- chatter and questions kept out: the share of those texts that are not routed;
- accuracy: the share of all texts whose outcome is right;
- macro-F1 over the labels, a right outcome counting as its label and any other as what it was.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import f1_score

from routing.catalogue import destination
from routing.model import Classifier
from routing.service import Scored, judge, score
from routing.training import ExamplesError, read_examples

__all__ = [
    "CHATTER_LABEL",
    "QUESTION_LABEL",
    "THRESHOLDS",
    "TRIAGE",
    "LabelledText",
    "OutcomeReport",
    "ThresholdFigures",
    "evaluate_outcomes",
    "format_outcome_report",
    "has_label_column",
    "read_outcome_labels",
]

CHATTER_LABEL = "chatter"
QUESTION_LABEL = "question"
TRIAGE = "(triage)"  # the outcome of a text whose prediction stays below the threshold
THRESHOLDS = (0.1, 0.3, 0.5, 0.7, 0.8, 0.85, 0.88, 0.9, 0.93, 0.95, 0.97)
_NOT_FOR_AN_AGENCY = {CHATTER_LABEL, QUESTION_LABEL}
_NOT_ROUTED = {TRIAGE, CHATTER_LABEL, QUESTION_LABEL}
_LABEL = re.compile(r"[A-Z][A-Z0-9_]*|referral:[A-Z][A-Z0-9_]*|chatter|question")


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: str


@dataclass(frozen=True)
class _Predicted:
    label: str
    scored: Scored


@dataclass(frozen=True)
class ThresholdFigures:
    threshold: float
    routed: int  # texts routed, whatever their label
    routed_right: int
    complaints_routed: int  # agency- and referral-labelled texts routed (right or not)
    right: int  # texts whose outcome is right
    macro_f1: float
    others_kept_out: int  # chatter and questions not routed
    others_named: int  # chatter and questions whose outcome is their own label


@dataclass(frozen=True)
class OutcomeReport:
    rows: int
    complaints: int  # texts labelled with an agency or a referral
    by_label: dict[str, int]  # how many texts carry each label, most frequent first
    default: ThresholdFigures  # at the configured threshold
    curve: list[ThresholdFigures]  # at each of THRESHOLDS

    @property
    def accuracy(self) -> float:
        """The share of texts whose outcome is right at the configured threshold."""
        return self.default.right / self.rows


def has_label_column(path: Path) -> bool:
    """Whether a CSV's header has a `label` column (ExamplesError when it cannot be read)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return "label" in (next(csv.reader(handle), None) or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExamplesError(f"cannot read {path}: {exc}") from exc


def read_outcome_labels(path: Path) -> list[LabelledText]:
    """The `text` and `label` of every row; ExamplesError names the line of a malformed label."""
    rows = []
    for number, row in enumerate(read_examples(path, required=("text", "label")), start=2):
        if not _LABEL.fullmatch(row["label"]):
            raise ExamplesError(
                f"{path}, line {number}: label {row['label']!r} is none of: an agency code, "
                "referral:<BODY>, chatter, question"
            )
        rows.append(LabelledText(row["text"], row["label"]))
    return rows


def _outcome(predicted: _Predicted, threshold: float, referrals: frozenset[str]) -> str:
    """The agency a routed text goes to, else chatter, question or TRIAGE."""
    assessment = judge(predicted.scored, threshold, referrals)
    if assessment.routed:
        return destination(assessment.prediction.agency, referrals) or TRIAGE
    return TRIAGE if assessment.outcome == "triage" else assessment.outcome


def _is_right(label: str, outcome: str) -> bool:
    return outcome == label or (label in _NOT_FOR_AN_AGENCY and outcome == TRIAGE)


def _figures(
    predictions: Sequence[_Predicted], threshold: float, referrals: frozenset[str]
) -> ThresholdFigures:
    outcomes = [_outcome(p, threshold, referrals) for p in predictions]
    labels = [p.label for p in predictions]
    right = [_is_right(label, o) for label, o in zip(labels, outcomes, strict=True)]
    routed = [o not in _NOT_ROUTED for o in outcomes]
    scored = [label if ok else o for label, o, ok in zip(labels, outcomes, right, strict=True)]
    macro = f1_score(labels, scored, labels=sorted(set(labels)), average="macro", zero_division=0)
    return ThresholdFigures(
        threshold=threshold,
        routed=sum(routed),
        routed_right=sum(r and ok for r, ok in zip(routed, right, strict=True)),
        complaints_routed=sum(
            r and label not in _NOT_FOR_AN_AGENCY for r, label in zip(routed, labels, strict=True)
        ),
        right=sum(right),
        macro_f1=float(macro),
        others_kept_out=sum(
            not r and label in _NOT_FOR_AN_AGENCY for r, label in zip(routed, labels, strict=True)
        ),
        others_named=sum(
            o == label and label in _NOT_FOR_AN_AGENCY
            for o, label in zip(outcomes, labels, strict=True)
        ),
    )


def evaluate_outcomes(
    classifier: Classifier,
    rows: Iterable[LabelledText],
    min_confidence: float,
    referrals: frozenset[str] = frozenset(),
) -> OutcomeReport:
    """Score every text once; figures at `min_confidence` and at each of THRESHOLDS. A routed
    agency among `referrals` (referral bodies' codes) is `referral:<CODE>`.

    ValueError when there are no rows.
    """
    predictions = [_Predicted(row.label, score(classifier, row.text)) for row in rows]
    if not predictions:
        raise ValueError("no labelled rows to evaluate (an empty file)")
    counts = Counter(p.label for p in predictions)
    return OutcomeReport(
        rows=len(predictions),
        complaints=sum(p.label not in _NOT_FOR_AN_AGENCY for p in predictions),
        by_label=dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
        default=_figures(predictions, min_confidence, referrals),
        curve=[_figures(predictions, t, referrals) for t in THRESHOLDS],
    )


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def format_outcome_report(report: OutcomeReport) -> str:
    """The report as plain text for a terminal."""
    d = report.default
    others = report.rows - report.complaints
    lines = [
        f"texts: {report.rows}, of them complaints (agency or referral): {report.complaints}",
        "labels: " + ", ".join(f"{label} {n}" for label, n in report.by_label.items()),
        "",
        f"at confidence >= {d.threshold:g}:",
        f"  complaints routed:      {d.complaints_routed} of {report.complaints} "
        f"({_share(d.complaints_routed, report.complaints)})",
        f"  of the routed complaints, right agency or referral: {d.routed_right} of "
        f"{d.complaints_routed} ({_share(d.routed_right, d.complaints_routed)})",
        f"  precision of routed:    {d.routed_right} of {d.routed} routed texts right "
        f"({_share(d.routed_right, d.routed)})",
        f"  chatter and questions kept out: {d.others_kept_out} of {others} "
        f"({_share(d.others_kept_out, others)}); named as such: {d.others_named}",
        f"  accuracy:               {report.accuracy:.3f}",
        f"  macro-F1:               {d.macro_f1:.3f}",
        "",
        "threshold  complaints routed  right of those  chatter kept out  "
        "precision of routed  accuracy  macro-F1",
    ]
    lines += [
        f"{f.threshold:>9.2f}  {_share(f.complaints_routed, report.complaints):>17}"
        f"  {_share(f.routed_right, f.complaints_routed):>14}"
        f"  {_share(f.others_kept_out, others):>16}"
        f"  {_share(f.routed_right, f.routed):>19}  {f.right / report.rows:>8.3f}"
        f"  {f.macro_f1:>8.3f}"
        for f in report.curve
    ]
    return "\n".join(lines)
