"""routing/data/realtext.csv: hand-labelled real text that measures routing and never trains it."""

from __future__ import annotations

import csv
import re

import pytest

from routing.catalogue import Catalogue, default_catalogue_path, read_catalogue
from routing.outcome_eval import CHATTER_LABEL, QUESTION_LABEL, read_outcome_labels
from routing.training import default_examples_path, read_examples, training_rows

REALTEXT = default_examples_path().with_name("realtext.csv")
# city agencies that issue #24 adds to the catalogue; real text already names their work
NOT_YET_IN_CATALOGUE = {"BKPSDM", "DISNAKER", "DISPERINDAG", "DISPERTAN"}


RUN = 8  # words in a row that make a text a copy of another (retweets, near-copies)


def _same(text: str) -> str:
    """What makes two texts the same example: case and spacing do not count."""
    return " ".join(text.casefold().split())


def _words(text: str) -> list[str]:
    """The README's dedupe rule: lower case; links, @handles, punctuation and spacing dropped."""
    text = re.sub(r"https?://\S+|www\.\S+|@\w+", " ", text.casefold())
    return re.sub(r"[\W_]+", " ", text).split()


def _runs(text: str) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return read_catalogue(default_catalogue_path())


@pytest.fixture(scope="module")
def realtext() -> set[str]:
    return {_same(row.text) for row in read_outcome_labels(REALTEXT)}


def test_the_file_is_what_the_readme_promises(catalogue: Catalogue) -> None:
    """At least 600 distinct texts, the four columns, a source on each, labels that exist."""
    with REALTEXT.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["text", "label", "source", "note"]
        rows = list(reader)
    assert len(rows) >= 600
    assert len({_same(row["text"]) for row in rows}) == len(rows)
    assert all(row["source"].startswith("indobert-ner-citizen-reports 2025-") for row in rows)
    agencies = {agency.code for agency in catalogue.agencies} | NOT_YET_IN_CATALOGUE
    for row in read_outcome_labels(REALTEXT):
        kind = row.label.split(":")[0]
        assert kind in {"referral", CHATTER_LABEL, QUESTION_LABEL} or row.label in agencies, row


def test_no_realtext_in_the_examples_file(realtext: set[str]) -> None:
    """The shipped examples (training data) share no text with the evaluation set."""
    examples = {_same(row["text"]) for row in read_examples(default_examples_path())}
    assert not examples & realtext


def test_no_realtext_in_what_training_reads(catalogue: Catalogue, realtext: set[str]) -> None:
    """Training rows (catalogue phrases and examples) share no text with the evaluation set."""
    trained_on = {_same(text) for text, _ in training_rows(None, catalogue)}
    assert len(trained_on) > 1000  # the rows were really read
    assert not trained_on & realtext


def test_no_examples_text_copies_a_realtext_text() -> None:
    """No examples.csv text shares a run of 8 normalised words with a realtext.csv text, nor
    equals one once normalised: the real tweets in training are not copies of evaluation ones."""
    real = [row.text for row in read_outcome_labels(REALTEXT)]
    real_runs = set().union(*(_runs(text) for text in real))
    real_words = {tuple(_words(text)) for text in real}
    copies = [
        row["text"]
        for row in read_examples(default_examples_path())
        if _runs(row["text"]) & real_runs or tuple(_words(row["text"])) in real_words
    ]
    assert len(real_runs) > 5000  # the evaluation texts were really read
    assert not copies, copies[:5]


def test_the_copy_check_catches_a_retweet_copy() -> None:
    """The check above sees through links, handles, case and punctuation."""
    original = "Lampu PJU di Jl. Mangga XI blok 0 mati sudah 2 hari, mohon diperbaiki"
    retweet = "@DKIJakarta lampu pju di jl mangga xi blok 0 MATI sudah 2 hari!! https://t.co/x"
    assert _runs(original) & _runs(retweet)
    assert not _runs(original) & _runs("lampu pju mati sudah 2 hari di jalan lain, tolong")
