"""The outcome evaluation's arithmetic, on predictions fixed in advance.

The classifier here is a table of predictions, so every figure can be worked out by hand; the
trained model and the command line are exercised in test_routing_cli.py and test_realtext.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.keywords import Prediction
from routing.outcome_eval import (
    THRESHOLDS,
    LabelledText,
    evaluate_outcomes,
    format_outcome_report,
    read_outcome_labels,
)
from routing.training import ExamplesError


class Scripted:
    """Predicts from a table: text -> (agency or None, confidence[, chatter share]); a text not
    in the table (a part of a longer one) is placed nowhere."""

    def __init__(self, table: dict[str, tuple]) -> None:
        self._table = table

    def predict(self, text: str) -> Prediction:
        agency, confidence, *chatter = self._table.get(text, (None, 0.0))
        category = agency.lower() if agency else None
        alternatives = ((agency, category, confidence),) if agency else ()
        return Prediction(agency, category, confidence, alternatives, *chatter)

    def predict_each(self, texts: list[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


# label, predicted agency, confidence
CASES = [
    ("DPU", "DPU", 0.9),  # routed right
    ("DPU", "DLH", 0.7),  # routed wrong
    ("DLH", "DLH", 0.3),  # right agency, but left in triage at 0.4
    ("referral:PLN", "DISPERKIM", 0.5),  # a referral routed to an agency: wrong
    ("chatter", "BPBD", 0.2),  # chatter to triage: right
    ("chatter", "DPU", 0.6),  # chatter routed: wrong
    ("question", None, 0.0),  # a question to triage: right
    ("question", "DPU", 0.95),  # a question routed: wrong
]


@pytest.fixture
def report():
    rows = [LabelledText(f"text {i}", label) for i, (label, _, _) in enumerate(CASES)]
    table = {f"text {i}": (agency, c) for i, (_, agency, c) in enumerate(CASES)}
    return evaluate_outcomes(Scripted(table), rows, 0.4)


def test_figures_at_the_threshold(report) -> None:
    """Routed share of complaints, precision of all routed texts, accuracy, macro-F1."""
    assert (report.rows, report.complaints) == (8, 4)
    assert report.by_label == {"DPU": 2, "chatter": 2, "question": 2, "DLH": 1, "referral:PLN": 1}
    d = report.default
    # routed at 0.4: rows 0, 1, 3, 5, 7; of the complaints rows 0, 1, 3
    assert (d.routed, d.routed_right, d.complaints_routed) == (5, 1, 3)
    # right: row 0 (DPU), row 4 (chatter to triage), row 6 (question to triage)
    assert d.right == 3 and report.accuracy == pytest.approx(3 / 8)
    # scored as: DPU, DLH, (triage), DISPERKIM, chatter, DPU, question, DPU. Per label F1:
    # DPU p=1/3 r=1/2 -> 0.4; DLH 0; referral 0; chatter p=1 r=1/2 -> 2/3; question the same
    assert d.macro_f1 == pytest.approx((0.4 + 2 / 3 + 2 / 3) / 5)


def test_curve_across_thresholds(report) -> None:
    """Higher thresholds route fewer texts; at 0.1 everything predicted is routed."""
    assert [f.threshold for f in report.curve] == list(THRESHOLDS)
    low = report.curve[0]
    assert (low.threshold, low.routed, low.routed_right, low.complaints_routed) == (0.1, 7, 2, 4)
    high = report.curve[-1]
    assert (high.threshold, high.routed, high.routed_right) == (0.97, 0, 0)
    assert [f.routed for f in report.curve] == sorted(
        (f.routed for f in report.curve), reverse=True
    )


def test_format_shows_the_figures_and_the_table(report) -> None:
    out = format_outcome_report(report)
    assert "complaints routed:      3 of 4 (75.0%)" in out
    assert "precision of routed:    1 of 5 routed texts right (20.0%)" in out
    assert "of the routed complaints, right agency or referral: 1 of 3 (33.3%)" in out
    # chatter and questions: rows 4 and 6 to triage, rows 5 and 7 routed
    assert "chatter and questions kept out: 2 of 4 (50.0%); named as such: 0" in out
    assert "accuracy:               0.375" in out
    assert "labels: DPU 2, chatter 2, question 2, DLH 1, referral:PLN 1" in out
    table = out.split("threshold  complaints routed")[1].splitlines()[1:]
    assert [line.split()[0] for line in table] == [f"{t:.2f}" for t in THRESHOLDS]
    # at 0.8: row 0 routed right, row 7 (a question) routed; complaints routed 1 of 4
    assert table[THRESHOLDS.index(0.8)].split()[1:3] == ["25.0%", "100.0%"]


def test_chatter_and_questions_named_as_such_are_right() -> None:
    """Below the threshold, a text mostly "not a complaint" is chatter, one that asks is a
    question: right for those labels, wrong for a complaint."""
    rows = [
        LabelledText("wkwk lucu banget", "chatter"),
        LabelledText("kapan dukcapil buka?", "question"),
        LabelledText("lampu mati sejak kemarin?", "DISPERKIM"),
    ]
    table = {
        "wkwk lucu banget": ("DPU", 0.1, 0.8),
        "kapan dukcapil buka?": ("DISDUKCAPIL", 0.3, 0.1),
        "lampu mati sejak kemarin?": ("DISPERKIM", 0.35, 0.1),
    }
    d = evaluate_outcomes(Scripted(table), rows, 0.4).default
    assert (d.others_kept_out, d.others_named, d.right, d.complaints_routed) == (2, 2, 2, 0)


def test_a_message_of_two_problems_goes_to_triage_however_confident() -> None:
    """Each part placed with a different agency of the whole's best guesses: not routed."""
    two = "air PDAM mati, jalan juga banjir"
    table = {
        two: ("PDAM", 0.9),
        "air PDAM mati": ("PDAM", 0.95),
        "jalan juga banjir": ("BPBD", 0.9),
    }

    class WithAlternatives(Scripted):
        def predict(self, text: str) -> Prediction:
            got = super().predict(text)
            if text != two:
                return got
            return Prediction("PDAM", "pdam", 0.9, (("PDAM", "pdam", 0.9), ("BPBD", "bpbd", 0.1)))

    d = evaluate_outcomes(WithAlternatives(table), [LabelledText(two, "PDAM")], 0.4).default
    assert (d.routed, d.complaints_routed, d.right) == (0, 0, 0)


def test_no_rows_is_an_error() -> None:
    with pytest.raises(ValueError, match="no labelled rows"):
        evaluate_outcomes(Scripted({}), [], 0.4)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("text,label\nlampu mati,dpu\n", "line 2: label 'dpu' is none of"),
        ("text,label\nlistrik padam,referral:\n", "line 2: label 'referral:' is none of"),
        ("text,label\nhalo,gossip\n", "line 2: label 'gossip' is none of"),
        ("text,label\nhalo,\n", "line 2: empty text or label"),
        ("text,note\nhalo,x\n", "lacks the column(s): label"),
    ],
)
def test_bad_labels_are_refused(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExamplesError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_outcome_labels(path)


def test_good_labels_are_read(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "text,label,source,note\njalan bolong,DPU,x,\nlistrik padam,referral:PLN,x,\n"
        "wkwk,chatter,x,\nkapan dibuka?,question,x,maybe\n",
        encoding="utf-8",
    )
    assert [r.label for r in read_outcome_labels(path)] == [
        "DPU",
        "referral:PLN",
        "chatter",
        "question",
    ]


def test_a_predicted_referral_body_is_compared_as_referral_code() -> None:
    """A prediction of a referral body's code is `referral:<CODE>`: right for that label,
    wrong for a plain agency label of the same code and for another body."""
    cases = [("referral:PLN", "PLN"), ("PLN", "PLN"), ("referral:POLRI", "PLN")]
    rows = [LabelledText(f"text {i}", label) for i, (label, _) in enumerate(cases)]
    table = {f"text {i}": (agency, 0.9) for i, (_, agency) in enumerate(cases)}
    report = evaluate_outcomes(Scripted(table), rows, 0.4, frozenset({"PLN", "POLRI"}))
    assert (report.default.routed, report.default.routed_right) == (3, 1)
    unaware = evaluate_outcomes(Scripted(table), rows, 0.4)
    assert unaware.default.routed_right == 1  # the plain PLN label, not the referral
