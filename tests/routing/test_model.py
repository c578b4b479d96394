"""Routing v2: the trained classifier, its data, saving, staleness and held-out accuracy."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sqlmodel import select

from core.db import get_engine, session_scope
from core.settings import Settings
from routing.catalogue import Catalogue, default_catalogue_path, read_catalogue
from routing.evaluate import evaluate, read_labelled
from routing.keywords import KeywordClassifier, Prediction
from routing.model import _C, CHATTER, TrainedClassifier, _features, normalise
from routing.models import RoutingExample
from routing.service import classifier_for, score
from routing.stored_catalogue import catalogue_from_database
from routing.training import (
    classifier_for_catalogue,
    default_examples_path,
    train,
    training_rows,
)
from tests.routing.test_keywords import CLEAR, COMPLAINTS, TWO_TOPICS

pytestmark = pytest.mark.runs_long

HELDOUT = default_examples_path().with_name("heldout.csv")
GOLDEN_SCORES = Path(__file__).parent.parent / "golden" / "routing" / "scores.json"
THRESHOLD = Settings.model_fields["routing_min_confidence"].default

CHATTER_TEXTS = [
    "selamat pagi semua, semoga harinya menyenangkan",
    "Tolong dibantu ya pak, terima kasih banyak",
    "wkwkwk ngakak bgt liat videonya",
    "makasih min infonya, sukses selalu",
    "Good morning everyone, have a nice weekend",
    "halo",
]
# A phrase no catalogue keyword or example covers, and the agency corrections will teach.
UNUSUAL = "mesin antrean nomor di kantor kecamatan macet lagi"
UNUSUAL_CORRECTIONS = [
    "mesin antrean nomor di kantor kecamatan macet",
    "mesin antrean nomor macet terus di kecamatan",
    "mesin nomor antrean kecamatan tidak keluar kertasnya",
    "mesin antrean kantor kecamatan rusak lagi",
    "tolong mesin antrean nomor di kecamatan diperbaiki",
    "mesin antrean nomor kecamatan macet sejak pagi",
]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return read_catalogue(default_catalogue_path())


@pytest.fixture(scope="module")
def model(routing_model: Path) -> TrainedClassifier:
    """The shipped pipeline: catalogue phrases and examples.csv, no database corrections.

    The run's shared model file (tests/conftest.py), trained once as `aduan routing train` would.
    """
    return TrainedClassifier.load(routing_model)


@pytest.fixture(scope="module")
def small(catalogue: Catalogue) -> Catalogue:
    """Three agencies of the shipped catalogue: a real model, trained in a fraction of the time.

    For tests of what happens around a model (files, staleness, determinism), not of its accuracy.
    """
    return Catalogue(agencies=catalogue.agencies[:3])


def test_examples_file_never_is_the_held_out_file(catalogue: Catalogue) -> None:
    """Training reads examples.csv; not one held-out text leaks into it."""
    held_out = {row.text for row in read_labelled(HELDOUT)}
    trained = {text for text, _ in training_rows(None, catalogue)}
    assert held_out and not held_out & trained


def test_training_is_deterministic(small: Catalogue) -> None:
    """Training twice on the same data gives the same probabilities, bit for bit."""
    first = train(small, training_rows(None, small))
    again = train(small, training_rows(None, small))
    for text in [*CHATTER_TEXTS, TWO_TOPICS, *(text for text, _ in COMPLAINTS)]:
        assert np.array_equal(first.probabilities(text), again.probabilities(text)), text
        assert first.predict(text) == again.predict(text)


def test_prediction_computes_what_scikit_learn_does(small: Catalogue) -> None:
    """The fast path (per-word caches, no sparse matrices) gives scikit-learn's probabilities,
    for texts met for the first time and again from the caches."""
    catalogue = small
    rows = training_rows(None, catalogue)  # any fitted model will do
    features = _features()
    matrix = features.fit_transform([normalise(text) for text, _ in rows])
    model = LogisticRegression(max_iter=300).fit(matrix, [category for _, category in rows])
    agency_of = {c.code: a.code for a in catalogue.agencies for c in a.categories}
    classifier = TrainedClassifier(features, model, agency_of)
    texts = [row.text for row in read_labelled(HELDOUT)][:150]
    for text in texts + texts:
        expected = model.predict_proba(features.transform([normalise(text)]))[0]
        assert np.allclose(classifier.probabilities(text), expected, rtol=0, atol=1e-12), text


def test_training_reaches_the_optimum(small: Catalogue) -> None:
    """However training gets there (Newton-CG on float32 products, from a more regularised
    problem's solution, the final fit from the calibration fit's), the model is the regularised
    logistic regression's optimum: the probabilities of one solved from zero to a tight
    tolerance, within half a percentage point on every held-out text."""
    rows = training_rows(None, small)
    trained = train(small, rows)
    features = _features()
    matrix = features.fit_transform([normalise(text) for text, _ in rows])
    exact = LogisticRegression(C=_C, solver="newton-cg", tol=1e-8, max_iter=1000)
    exact.fit(matrix, [category for _, category in rows])
    for row in read_labelled(HELDOUT):
        expected = exact.predict_proba(features.transform([normalise(row.text)]))[0]
        assert np.allclose(trained.probabilities(row.text), expected, rtol=0, atol=5e-3), row.text


def test_saved_model_predicts_the_same(model: TrainedClassifier, tmp_path: Path) -> None:
    """save/load round-trips every probability exactly."""
    path = tmp_path / "model.joblib"
    model.save(path)
    loaded = TrainedClassifier.load(path)
    for text, _ in COMPLAINTS:
        assert np.array_equal(model.probabilities(text), loaded.probabilities(text))


def test_stale_model_is_detected_and_not_used(
    small: Catalogue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A model trained before a category was removed is refused, with the reason logged."""
    catalogue = small
    model = train(catalogue, training_rows(None, catalogue))
    path = tmp_path / "model.joblib"
    model.save(path)
    edited = catalogue.model_copy(deep=True)
    dropped = edited.agencies[0].categories.pop()
    reason = TrainedClassifier.load(path).stale_for(edited)
    assert reason is not None and dropped.code in reason
    assert TrainedClassifier.load(path).stale_for(catalogue) is None

    settings = Settings(routing_model_file=path)
    with caplog.at_level(logging.WARNING, logger="routing.training"):
        used = classifier_for_catalogue(edited, settings)
    assert isinstance(used, TrainedClassifier)
    assert dropped.code not in {category for _, category in used.labels}
    assert dropped.code in caplog.text and "aduan routing train" in caplog.text
    assert classifier_for_catalogue(catalogue, settings).labels == model.labels


def test_model_file_from_another_format_is_refused(tmp_path: Path, small: Catalogue) -> None:
    """Garbage in the model file means training in memory, never a crash."""
    path = tmp_path / "model.joblib"
    path.write_bytes(b"not a model")
    used = classifier_for_catalogue(small, Settings(routing_model_file=path))
    assert isinstance(used, TrainedClassifier)


def test_without_examples_routing_keeps_the_keyword_classifier(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    """No examples file and no corrections: nothing to learn beyond keywords, so keywords."""
    settings = Settings(
        routing_model_file=tmp_path / "none.joblib", routing_examples_file=tmp_path / "none.csv"
    )
    small = Catalogue(agencies=catalogue.agencies[:2])
    assert isinstance(classifier_for_catalogue(small, settings), KeywordClassifier)


@pytest.mark.parametrize(("text", "expected"), CLEAR)
def test_clear_complaint_is_confident(model: TrainedClassifier, text: str, expected: str) -> None:
    """A complaint about one thing in plain words gets its agency with confidence >= 0.5."""
    got = model.predict(text)
    assert got.agency == expected and got.confidence >= 0.5, got


@pytest.mark.parametrize("text", CHATTER_TEXTS)
def test_chatter_gets_low_confidence(model: TrainedClassifier, text: str) -> None:
    """Not-a-complaint text goes to triage: below the default threshold, never as `_chatter`."""
    got = model.predict(text)
    assert got.confidence < THRESHOLD, got
    assert got.agency != CHATTER and CHATTER not in {c for _, c, _ in got.alternatives}


@pytest.mark.parametrize(
    ("text", "agencies"),
    [
        (TWO_TOPICS, {"DISPERKIM", "DLH"}),
        ("jalan rusak dan sampah menumpuk di gang kami", {"DPU", "DLH"}),
        ("lampu jalan mati, pipa bocor", {"DISPERKIM", "PDAM"}),
    ],
)
def test_two_complaints_in_one_message_offer_both_agencies(
    model: TrainedClassifier, text: str, agencies: set[str]
) -> None:
    """A message about two agencies' problems offers both as the two best guesses.

    The model adds up evidence, so the topic told in more words wins, often confidently (see
    routing/model.py); the officer still sees the other agency first among the alternatives.
    """
    got = model.predict(text)
    assert {agency for agency, _, _ in got.alternatives[:2]} == agencies, got


@pytest.mark.parametrize(
    "text",
    [
        "Mohon bantuannya pak, ini sudah lama sekali",
        "sudah berkali-kali lapor tapi belum ada tindak lanjut",
        "Please help, this has been going on for weeks",
    ],
)
def test_vague_complaint_gets_low_confidence(model: TrainedClassifier, text: str) -> None:
    """A complaint that does not say what is wrong cannot be routed: it goes to triage."""
    got = model.predict(text)
    assert got.confidence < THRESHOLD, got


@pytest.mark.parametrize("text", ["", "   ", "?!...,,, !!!", "😡😡😡", "https://t.co/xyz @pemkot"])
def test_text_without_words_gives_no_agency(model: TrainedClassifier, text: str) -> None:
    """Nothing to read means no agency and zero confidence, as with the keyword classifier."""
    assert model.predict(text) == Prediction(None, None, 0.0, ())


def test_prediction_is_well_formed(model: TrainedClassifier) -> None:
    """Agency-level confidence in [0, 1], three distinct agencies best first, led by the answer."""
    for text in [*CHATTER_TEXTS, TWO_TOPICS, *(text for text, _ in COMPLAINTS)]:
        got = model.predict(text)
        assert len(got.alternatives) == 3
        assert got.alternatives[0] == (got.agency, got.category, got.confidence)
        scores = [score for _, _, score in got.alternatives]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        assert len({agency for agency, _, _ in got.alternatives}) == 3
        assert (got.agency, got.category) in model.labels


def test_held_out_accuracy(model: TrainedClassifier) -> None:
    """Acceptance: top-1 agency accuracy >= 90% on Indonesian and >= 85% on English held-out rows.

    heldout.csv is never read for training or tuning; this is the only place it is used.
    """
    report = evaluate(model, read_labelled(HELDOUT), THRESHOLD)
    by_language = report.per_language
    summary = {language: round(s.accuracy, 3) for language, s in by_language.items()}
    assert by_language["id"].accuracy >= 0.90, summary
    assert by_language["en"].accuracy >= 0.85, summary


def test_confidence_is_calibrated_on_examples_it_did_not_learn(model: TrainedClassifier) -> None:
    """Platt scaling from a held-back fifth of the examples: on the held-out complaints (never
    seen in training or calibration), where routing decides (0.8 and up) predictions are right
    about as often as their confidence says, and below it a confidence never overstates."""
    slope, _ = model.calibration
    assert slope > 0  # more share, more confidence: the order of predictions is kept
    rows = read_labelled(HELDOUT)
    for low, high, routing_decides in ((0.5, 0.8, False), (0.8, 0.95, True), (0.95, 1.01, True)):
        band = [
            (got.confidence, got.agency == row.agency)
            for row in rows
            if low <= (got := model.predict(row.text)).confidence < high
        ]
        assert len(band) >= 20, (low, high, len(band))
        stated = sum(confidence for confidence, _ in band) / len(band)
        right = sum(ok for _, ok in band) / len(band)
        assert right >= stated - 0.05, (low, high, stated, right)
        if routing_decides:
            assert abs(stated - right) < 0.05, (low, high, stated, right)


LETTER = (
    "Assalamualaikum wr. wb. Yth. Bapak Walikota Semarang beserta jajarannya. Dengan hormat, "
    "izin menyampaikan keluhan warga RT 03 RW 05 Kelurahan Tlogosari Kulon. Kami sudah tinggal "
    "di sini lebih dari sepuluh tahun dan selalu mendukung program pemerintah kota. Sebelumnya "
    "hal ini sudah kami sampaikan kepada ketua RT, namun belum ada tanggapan. {problem} Kami "
    "memahami anggaran pemerintah terbatas, tetapi kami berharap laporan ini diteruskan kepada "
    "pihak yang berwenang. Mohon maaf apabila ada kata yang kurang berkenan. Atas perhatian dan "
    "kerjasamanya kami ucapkan terima kasih. Wassalamualaikum wr. wb."
)


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("Sampah di TPS depan masjid sudah seminggu tidak diangkut dan baunya menyengat.", "DLH"),
        ("Lampu PJU di gang kami mati sejak dua minggu, malam hari gelap gulita.", "DISPERKIM"),
        ("Air PDAM tidak mengalir sudah tiga hari, warga terpaksa membeli air galon.", "PDAM"),
    ],
)
def test_a_long_letter_is_routed_by_the_sentence_that_states_the_problem(
    model: TrainedClassifier, problem: str, expected: str
) -> None:
    """Greetings, context and closing outweigh one sentence in words; read sentence by sentence,
    the letter still goes where its problem belongs."""
    letter = LETTER.format(problem=problem)
    assert len(letter) > 600
    assert model.predict(letter).agency == expected


def test_corrections_teach_the_model(database: str) -> None:
    """Officers' corrections in the database are training data: the prediction follows them.

    Three of the database's agencies keep it quick; the whole catalogue learns the same
    corrections in test_service_uses_the_saved_model_and_reloads_it.
    """
    engine = get_engine(database)
    with session_scope(engine, dispatcher=None) as session:
        stored = catalogue_from_database(session)
        kept = {"DPU", "DISPERKIM", "DISDUKCAPIL"}
        database_catalogue = Catalogue(agencies=[a for a in stored.agencies if a.code in kept])
        before = train(database_catalogue, training_rows(session, database_catalogue))
        assert before.predict(UNUSUAL).agency != "DISDUKCAPIL"
        for text in UNUSUAL_CORRECTIONS:
            session.add(RoutingExample(text=text, agency_code="DISDUKCAPIL", source="forward"))
    with session_scope(engine, dispatcher=None) as session:
        rows = training_rows(session, database_catalogue)
        assert len(session.exec(select(RoutingExample)).all()) == len(UNUSUAL_CORRECTIONS)
        after = train(database_catalogue, rows).predict(UNUSUAL)
    assert after.agency == "DISDUKCAPIL", after
    # no category given: the agency's category whose keywords fit best is learnt
    assert (after.agency, after.category) in before.labels


@pytest.fixture(scope="module")
def corrected(catalogue: Catalogue) -> TrainedClassifier:
    """The shipped pipeline retrained with agency corrections for the UNUSUAL phrase."""
    rows = [*training_rows(None, catalogue), *((t, "id_card") for t in UNUSUAL_CORRECTIONS)]
    return train(catalogue, rows)


def test_service_uses_the_saved_model_and_reloads_it(
    database: str,
    model: TrainedClassifier,
    corrected: TrainedClassifier,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """classifier_for loads the model file, and reads it again when the file changes."""
    from core.settings import get_settings

    path = tmp_path / "model.joblib"
    model.save(path)
    monkeypatch.setenv("ROUTING_MODEL_FILE", str(path))
    get_settings.cache_clear()
    try:
        with session_scope(get_engine(database), dispatcher=None) as session:
            first = classifier_for(session)
            assert np.array_equal(first.probabilities(UNUSUAL), model.probabilities(UNUSUAL))
            assert classifier_for(session) is first  # loaded once
            corrected.save(path)
            second = classifier_for(session)
        assert second is not first
        assert second.predict(UNUSUAL).agency == "DISDUKCAPIL"
    finally:
        get_settings.cache_clear()


def test_predictions_are_those_saved_from_one_text_at_a_time(model: TrainedClassifier) -> None:
    """Every text's sentences and parts scored in one product (`predict_each`) give what scoring
    each text alone, one sentence at a time, gave before: the golden file holds the shipped
    model's scores of held-out complaints, real messages and long letters, saved from that code.
    Same agencies and categories, confidences and chatter shares within 1e-9. After a change
    to training, regenerate it with UPDATE_GOLDEN=1 and review the diff."""
    golden = json.loads(GOLDEN_SCORES.read_text(encoding="utf-8"))
    assert len(golden) > 50 and sum(bool(row["parts"]) for row in golden) > 20
    if os.environ.get("UPDATE_GOLDEN") == "1":
        lines = []
        for row in golden:
            got = score(model, row["text"])
            parts = [[text, _plain(prediction)] for text, prediction in got.parts]
            saved = {"text": row["text"], "prediction": _plain(got.prediction), "parts": parts}
            lines.append(json.dumps(saved, ensure_ascii=False))
        GOLDEN_SCORES.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
        pytest.skip("golden scores written again")
    for row in golden:
        got = score(model, row["text"])
        words, shares = _flat([_plain(got.prediction), [[t, _plain(p)] for t, p in got.parts]])
        want_words, want_shares = _flat([row["prediction"], row["parts"]])
        assert words == want_words, row["text"]
        assert shares == pytest.approx(want_shares, rel=0, abs=1e-9), row["text"]


def _plain(prediction: Prediction) -> list:
    """A prediction as the golden file writes it."""
    alternatives = [list(alternative) for alternative in prediction.alternatives]
    return [
        prediction.agency,
        prediction.category,
        prediction.confidence,
        alternatives,
        prediction.chatter,
    ]


def _flat(value: object) -> tuple[list, list[float]]:
    """The values of nested lists in order: all but the floats, and the floats."""
    if isinstance(value, list):
        others: list = []
        floats: list[float] = []
        for item in value:
            more, shares = _flat(item)
            others += more
            floats += shares
        return others, floats
    return ([], [value]) if isinstance(value, float) else ([value], [])
