"""Routing v2: a classifier trained on labelled complaints, with the keyword classifier's interface.

Keywords miss what nobody wrote down ("aspal ngelupas", "ijone sebentar"); a linear model over
word and character n-grams learns them from examples, from the catalogue's own keywords, and from
officers' corrections. It predicts the CATEGORY and derives the agency, because the catalogue is
organised by category and officers correct categories.

Confidence is the AGENCY's probability (its categories summed), not the category's: routing
decides who receives the case, and a category mix-up inside the right agency is fixed there in
minutes, while splitting a clear road complaint between "road damage" and "drainage" must not send
it to triage. Not-a-complaint messages are a class of their own (`CHATTER`) that is never
returned: its probability mass is simply missing from every agency, so chatter gets a low
confidence and goes to triage with the best real guess attached.

Known limit: a message holding two complaints ("jalan rusak dan sampah menumpuk") is routed to
the topic told in more words, often confidently, because a linear model adds up evidence; the
other agency comes second among the alternatives. Capping the confidence by clauses, or a
synthetic "two topics" class, both sent 6-7% more single complaints to triage in
cross-validation ("got mampet, air meluber" looks like two topics) and were left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib.metadata import version
from itertools import accumulate, chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import joblib
import numpy as np

from routing.catalogue import Catalogue
from routing.keywords import Prediction
from routing.reading import normalise, sentences, strip_formalities

# scikit-learn is imported where a model is trained or read (unpickling imports it), not here: a
# process that never classifies (a worker sending messages, the scheduler, most CLI commands, a
# web process before its first complaint) starts without paying a third of its import time
if TYPE_CHECKING:
    from scipy.sparse import spmatrix
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

__all__ = [
    "CHATTER",
    "FORMAT_VERSION",
    "Classifier",
    "StaleModel",
    "TrainedClassifier",
    "catalogue_labels",
    "normalise",
]

# Bump whenever features, normalisation or the saved layout change: a model file trained by older
# code would otherwise be read with different features and silently predict nonsense.
FORMAT_VERSION = 4
CHATTER = "_chatter"

# Chosen by 5-fold cross-validation on examples.csv (held-out data never tuned anything): C=20
# routes ~3/4 of complaints at the 0.4 threshold with ~96% of them right, while ~95% of chatter
# stays below it; C=5 sends half the complaints to triage, C=50 lets more chatter through.
# Word min_df=2 cost 1-2 points. Stemming (PySastrawi) moved accuracy by less than run-to-run
# noise (-0.4 to +0.5 points) and let more chatter through (92% vs 95% below 0.4): not used.
_C = 20.0
_MAX_ITER = 2000
# Newton-CG stops when no coefficient's gradient exceeds this. It reaches the optimum in a few
# Newton steps, each a handful of sparse products, where lbfgs took some 40 steps whose own
# bookkeeping over every class's coefficient of every n-gram cost more than the products, and
# still stopped further from the optimum. Calibration is fitted on a few hundred shares, and a
# few of them moving by a hundredth move it: at 1e-4 the calibration fit stopped where its
# shares differed from the optimum's by 0.003 on average and Platt's slope by 5%; at 3e-5, one
# Newton step later, by 0.0006 and 0.1%.
_TOLERANCE = 3e-5
# A fit from zero first solves, loosely, the problem at this C and tolerance, and goes on from
# there (a regularisation path, as LogisticRegressionCV walks): strongly regularised, that
# problem is solved in a few steps, and from its solution the real one needs half the steps it
# needs from zero.
_PATH_START = (2.0, 1e-3)
_CHAR_MIN_DF = 3  # as accurate as 1 or 2, and a smaller, faster model
# words whose character n-grams each process keeps (see `_Block`): some 4 MB at most
_CACHED_WORDS = 20_000
_UNKNOWN = -1  # the index of an n-gram outside the vocabulary
# every CALIBRATION_FOLD-th example is held back once to calibrate a model trained on the others
# (Platt scaling of the agency share); then the model is trained again on every row
CALIBRATION_FOLD = 5


class Classifier(Protocol):
    """What routing needs from any classifier: the keyword one or a trained one."""

    def predict(self, text: str) -> Prediction: ...

    def predict_each(self, texts: Sequence[str]) -> list[Prediction]:
        """`predict` of each text, in order."""
        ...


class StaleModel(Exception):
    """A saved model that must not be used; the message says why (for the operator's log)."""


def catalogue_labels(catalogue: Catalogue) -> tuple[tuple[str, str], ...]:
    """Every (agency, category) of the catalogue, sorted: what a model must have been built for."""
    return tuple(sorted((a.code, c.code) for a in catalogue.agencies for c in a.categories))


def _sklearn_version() -> str:
    """The installed scikit-learn's version, read without importing it."""
    return version("scikit-learn")


def _features() -> FeatureUnion:
    """Word uni/bigrams for topics and phrases, char n-grams within words for typos and affixes."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    common = {"lowercase": False, "sublinear_tf": True, "dtype": np.float64}
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), **common)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=_CHAR_MIN_DF, **common
                ),
            ),
        ]
    )


class _Block:
    """One vectoriser's n-grams of a text, numbered in the model's feature space: its own
    vocabulary indices shifted by `offset`, the features of the blocks before it."""

    def __init__(self, vectoriser: TfidfVectorizer, offset: int) -> None:
        self._vectoriser = vectoriser
        self.vocabulary: dict[str, int] = vectoriser.vocabulary_
        self.offset = offset
        self._bind_analyser()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["indices"]  # closures over the vectoriser: rebuilt, not pickled
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind_analyser()

    def _bind_analyser(self) -> None:
        """Set `indices`: text -> the feature index of each of its n-grams, in order.

        Character n-grams never cross a word (char_wb), so each word's indices are kept in a
        bounded cache: residents use the same few thousand words, and making a word's n-grams
        in Python cost more than the rest of a prediction. Chained in word order they are the
        very sequence the analyser gives, so the counts, their order and the sums are the same.
        """
        analyse, vocabulary = self._vectoriser.build_analyzer(), self.vocabulary
        offset = self.offset

        def indices(text: str) -> Iterable[int]:
            grams = analyse(text)
            found = filter(_UNKNOWN.__ne__, map(vocabulary.get, grams, repeat(_UNKNOWN)))
            return map(offset.__add__, found) if offset else found

        if self._vectoriser.analyzer != "char_wb":
            self.indices = indices
            return
        word_indices = lru_cache(maxsize=_CACHED_WORDS)(lambda word: tuple(indices(word)))
        self.indices = lambda text: chain.from_iterable(map(word_indices, text.split()))


class TrainedClassifier:
    """Multinomial logistic regression over TF-IDF n-grams, predicting a catalogue category.

    Trained as a scikit-learn FeatureUnion + LogisticRegression, then kept as each vectoriser
    (see `_Block`) and every feature's idf and coefficients, for fast prediction (`_softmax`).
    """

    def __init__(
        self,
        features: FeatureUnion,
        model: LogisticRegression,
        agency_of: dict[str, str],
        calibration: tuple[float, float] = (1.0, 0.0),
    ) -> None:
        self._blocks: list[_Block] = []
        offset = 0
        for _, vectoriser in features.transformer_list:
            self._blocks.append(_Block(vectoriser, offset))
            offset += len(vectoriser.vocabulary_)
        # where each block's features start, and every feature's idf and coefficients
        self._block_starts = np.array([block.offset for block in self._blocks])
        self._idf = np.concatenate([v.idf_ for _, v in features.transformer_list])
        self._weights = np.ascontiguousarray(model.coef_.T, dtype=np.float64)  # features x classes
        self._intercept = model.intercept_.astype(np.float64)
        self._classes: list[str] = [str(c) for c in model.classes_]
        # per agency, the column indices of its categories; chatter belongs to none
        columns: dict[str, list[int]] = {}
        for index, category in enumerate(self._classes):
            if category != CHATTER:
                columns.setdefault(agency_of[category], []).append(index)
        self._agencies = sorted(columns)
        # the classes grouped by agency, in agency order, and where each group starts: one
        # reduceat then sums every agency's share, where a loop of small numpy calls per
        # agency took a third of a prediction (a product with `_member` would be as short but
        # adds in another order, and shares at the routing threshold must not move)
        self._grouped = np.array([index for a in self._agencies for index in columns[a]])
        self._starts = np.cumsum([0] + [len(columns[a]) for a in self._agencies[:-1]])
        # each agency's row marks the columns of its classes
        self._member = np.zeros((len(self._agencies), len(self._classes)), dtype=bool)
        for row, agency in enumerate(self._agencies):
            self._member[row, columns[agency]] = True
        self.labels = tuple(sorted((agency_of[c], c) for c in agency_of))
        # Platt scaling of an agency share s: 1 / (1 + exp(-(slope * logit(s) + intercept)))
        self.calibration = calibration

    @classmethod
    def fit(
        cls, catalogue: Catalogue, rows: Sequence[tuple[str, str]], *, phrases: int = 0
    ) -> TrainedClassifier:
        """Train on (text, category) rows; CHATTER marks text that is not a complaint. The first
        `phrases` rows are the catalogue's keywords and names: trained on, never calibrated on
        (a keyword alone is easy, and says nothing of how sure the model is of a message).

        Calibrated on the complaints among every CALIBRATION_FOLD-th row after the phrases (see
        `_calibration`) with a model trained without those rows, then trained again on every
        row, starting from that first model's coefficients. Deterministic: the vectorisers'
        vocabularies are sorted, Newton-CG has no randomness, and BLAS runs on one thread
        (several threads may sum in another order, and the optimiser is also faster on one
        thread at this size), so the same rows in the same order give the same model, bit for
        bit.
        """
        agency_of = {c.code: a.code for a in catalogue.agencies for c in a.categories}
        unknown = sorted({category for _, category in rows} - set(agency_of) - {CHATTER})
        if unknown:
            raise ValueError(f"categories not in the catalogue: {', '.join(unknown)}")
        if len({category for _, category in rows} - {CHATTER}) < 2:
            raise ValueError("training needs examples of at least two categories")
        held_out = range(phrases, len(rows), CALIBRATION_FOLD)
        held = [rows[index] for index in held_out if rows[index][1] != CHATTER]
        kept = [row for index, row in enumerate(rows) if index not in held_out]
        calibration, first = (1.0, 0.0), None
        # this order, not the full model first and the calibration fit started from it: stopped
        # at the tolerance, such a fit still leans towards the rows it must not have seen, and
        # the calibration believed the model surer than it is
        if len({category for _, category in kept} - {CHATTER}) >= 2:
            first = cls._fit_rows(kept, agency_of)
            calibration = first._calibration(held, agency_of)
        return cls._fit_rows(rows, agency_of, calibration, start=first)

    @classmethod
    def _fit_rows(
        cls,
        rows: Sequence[tuple[str, str]],
        agency_of: dict[str, str],
        calibration: tuple[float, float] = (1.0, 0.0),
        start: TrainedClassifier | None = None,
    ) -> TrainedClassifier:
        """Fit vectorisers and a model on `rows`; the optimiser starts from `start`'s
        coefficients (a model of most of the same rows) when given, else from zero.

        The solver reads the TF-IDF matrix in float32, which halves the memory its sparse
        products stream through; the coefficients it finds are kept in float64.
        """
        features = _features()
        matrix = features.fit_transform([normalise(text) for text, _ in rows]).astype(np.float32)
        labels = [category for _, category in rows]
        if start is None:
            start_c, start_tolerance = _PATH_START
            path = _solve(matrix, labels, start_c, start_tolerance)
            initial = (path.coef_, path.intercept_)
        else:
            initial = start._coefficients_for(features, sorted(set(labels)))
        model = _solve(matrix, labels, _C, _TOLERANCE, initial)
        return cls(features, model, agency_of, calibration)

    def _coefficients_for(
        self, features: FeatureUnion, classes: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """This model's coefficients (classes x features) and intercepts laid out for other
        fitted `features` and `classes`: zero for an n-gram or a class this model lacks."""
        weights = np.vstack(
            [
                self._weights_for(block, vectoriser.vocabulary_)
                for block, (_, vectoriser) in zip(
                    self._blocks, features.transformer_list, strict=True
                )
            ]
        )
        known = {name: column for column, name in enumerate(self._classes)}
        coef = np.zeros((len(classes), weights.shape[0]))
        intercept = np.zeros(len(classes))
        for row, name in enumerate(classes):
            if (column := known.get(name)) is not None:
                coef[row], intercept[row] = weights[:, column], self._intercept[column]
        return coef, intercept

    def _weights_for(self, block: _Block, vocabulary: dict[str, int]) -> np.ndarray:
        """`block`'s coefficients (features x classes) laid out for another `vocabulary` of the
        same analyser: zero for an n-gram the block lacks."""
        pairs = [
            (index, block.offset + known)
            for gram, index in vocabulary.items()
            if (known := block.vocabulary.get(gram)) is not None
        ]
        weights = np.zeros((len(vocabulary), self._weights.shape[1]))
        if pairs:
            new, old = np.array(pairs).T
            weights[new] = self._weights[old]
        return weights

    def _calibration(
        self, rows: Sequence[tuple[str, str]], agency_of: dict[str, str]
    ) -> tuple[float, float]:
        """Platt scaling fitted on complaints this model never saw: how often its best agency
        share is the complaint's agency, as a logistic function of that share's logit.

        So a confidence of 0.9 means that about nine in ten such complaints went to the right
        agency, on text like the training data (chatter is told apart by its own share, not by
        this). Identity when the rows cannot tell (all right or all wrong).
        """
        from sklearn.linear_model import LogisticRegression

        predictions = self.predict_each([text for text, _ in rows])
        shares = [prediction.confidence for prediction in predictions]
        right = [
            prediction.agency == agency_of.get(category)
            for prediction, (_, category) in zip(predictions, rows, strict=True)
        ]
        if len(set(right)) < 2:
            return (1.0, 0.0)
        platt = LogisticRegression(C=1e6, max_iter=_MAX_ITER)
        platt.fit(_logit(np.array(shares)).reshape(-1, 1), right)
        return (float(platt.coef_[0, 0]), float(platt.intercept_[0]))

    def probabilities(self, text: str) -> np.ndarray | None:
        """Softmax over every class (CHATTER included), as predict_proba gives; None: no words."""
        clean = normalise(text)
        return self._softmax([Counter(self._grams(clean))])[0] if clean else None

    def _grams(self, clean: str) -> list[int]:
        """The feature index of each n-gram of a normalised text, block after block."""
        return list(chain.from_iterable(block.indices(clean) for block in self._blocks))

    def _softmax(self, rows: Sequence[Counter[int]]) -> np.ndarray:
        """The class probabilities of each row of n-gram counts, one row each.

        What TfidfVectorizer.transform (sublinear tf, idf, each block l2-normed on its own), the
        coefficients' product and predict_proba give, for all the rows in a handful of numpy
        calls and without sparse matrices: for one complaint, building and validating those
        cost more than the arithmetic. A row with no known n-gram scores the intercepts alone.
        """
        sizes = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
        scores = np.zeros((len(rows), len(self._intercept)))
        scores += self._intercept
        if total := int(sizes.sum()):
            found = np.fromiter(chain.from_iterable(rows), dtype=np.intp, count=total)
            tf = np.fromiter(
                chain.from_iterable(row.values() for row in rows), dtype=np.float64, count=total
            )
            values = (1.0 + np.log(tf)) * self._idf[found]
            # each (row, block) is one vector to norm
            blocks = len(self._blocks)
            vector = np.repeat(np.arange(len(rows)) * blocks, sizes)
            vector += self._block_starts.searchsorted(found, side="right") - 1
            values /= np.sqrt(np.bincount(vector, weights=values * values))[vector]
            weights, start = self._weights[found], 0
            for score, end in zip(scores, accumulate(sizes.tolist()), strict=True):
                score += values[start:end] @ weights[start:end]
                start = end
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def predict(self, text: str) -> Prediction:
        """The agency shares of `text` as read (see `predict_each`)."""
        return self.predict_each([text])[0]

    def predict_each(self, texts: Sequence[str]) -> list[Prediction]:
        """The agency shares of each text as read: formalities stripped, and for several
        sentences the mean of the whole text's probabilities and of its sentences' (each
        weighted by its complaint share, so the sentence that states the problem counts and
        context does not); every share then calibrated. Each text's prediction is what it gets
        alone; the texts are only computed together."""
        read = [self._read(text) for text in texts]
        rows: list[Counter[int]] = []
        for parts in read:
            grams = [self._grams(part) for part in parts]
            rows += map(Counter, grams)
            if len(grams) > 1:  # the whole text: its sentences' n-grams counted together
                rows.append(Counter(chain.from_iterable(grams)))
        probabilities = self._softmax(rows)
        chosen, said, row = np.empty((len(read), probabilities.shape[1])), [], 0
        for text, parts in enumerate(read):
            if len(parts) == 1:
                chosen[text] = probabilities[row]
                said.append(bool(parts[0]))
                row += 1
            else:
                each = probabilities[row : row + len(parts)][[bool(part) for part in parts]]
                said.append(len(each) > 0)
                chosen[text] = self._with_sentences(probabilities[row + len(parts)], each)
                row += len(parts) + 1
        nothing = Prediction(agency=None, category=None, confidence=0.0)
        return [
            prediction if words else nothing
            for prediction, words in zip(self._predictions(chosen), said, strict=True)
        ]

    @staticmethod
    def _read(text: str) -> list[str]:
        """`text` as the model reads it, normalised: its sentences when it has several, else
        the whole text (formalities stripped either way)."""
        read = strip_formalities(text)
        parts = sentences(read)
        return [normalise(part) for part in parts] if len(parts) > 1 else [normalise(read)]

    def _predictions(self, probabilities: np.ndarray) -> list[Prediction]:
        """The calibrated agency shares of each row of class `probabilities`."""
        shares = np.add.reduceat(probabilities[:, self._grouped], self._starts, axis=1)
        # highest share first; between equal shares, the agency first in code order
        top = np.argsort(-shares, axis=1, kind="stable")[:, :3]
        confidences = self._calibrated(shares[np.arange(len(shares))[:, np.newaxis], top])
        # another agency's classes become -1, which never wins the argmax
        best = np.where(self._member[top], probabilities[:, np.newaxis], -1.0).argmax(axis=2)
        chatter = np.maximum(0.0, 1.0 - shares.sum(axis=1))
        predictions = []
        for rows, columns, scores, rest in zip(
            top.tolist(), best.tolist(), confidences.tolist(), chatter.tolist(), strict=True
        ):
            alternatives = tuple(
                (self._agencies[row], self._classes[column], round(score, 4))
                for row, column, score in zip(rows, columns, scores, strict=True)
            )
            agency, category, confidence = alternatives[0]
            predictions.append(
                Prediction(agency, category, confidence, alternatives, round(rest, 4))
            )
        return predictions

    def _with_sentences(self, whole: np.ndarray, parts: np.ndarray) -> np.ndarray:
        """The mean of `whole` and of the `parts` (one row each) weighted by their complaint
        share."""
        weights = parts[:, self._grouped].sum(axis=1)
        total = float(weights.sum())
        if total <= 0:
            return whole
        return (whole + (weights[:, np.newaxis] * parts).sum(axis=0) / total) / 2

    def _calibrated(self, shares: np.ndarray) -> np.ndarray:
        slope, intercept = self.calibration
        return 1.0 / (1.0 + np.exp(-(slope * _logit(shares) + intercept)))

    def save(self, path: Path) -> None:
        """Write the model with what `load` needs to refuse it later.

        The format and scikit-learn version travel beside the classifier; the catalogue's
        (agency, category) list is the classifier's own `labels`.
        """
        payload = {
            "format": FORMAT_VERSION,
            "sklearn": _sklearn_version(),
            "classifier": self,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        joblib.dump(payload, partial, compress=3)
        partial.replace(path)  # a web process reloading on mtime never reads half a file

    @staticmethod
    def load(path: Path) -> TrainedClassifier:
        """Read a saved model, refusing one written by other code or another scikit-learn."""
        try:
            payload = joblib.load(path)
        except Exception as exc:  # unpickling can fail in many ways; all mean "retrain"
            raise StaleModel(f"cannot read {path}: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            raise StaleModel(f"{path} is not a routing model of format {FORMAT_VERSION}")
        if payload.get("sklearn") != _sklearn_version():
            raise StaleModel(
                f"{path} was trained with scikit-learn {payload.get('sklearn')}, "
                f"this is {_sklearn_version()}"
            )
        return payload["classifier"]

    def stale_for(self, catalogue: Catalogue) -> str | None:
        """Why this model does not fit `catalogue` (categories added, dropped or moved), or None."""
        wanted = set(catalogue_labels(catalogue))
        if wanted == set(self.labels):
            return None
        added = sorted(c for _, c in wanted - set(self.labels))
        dropped = sorted(c for _, c in set(self.labels) - wanted)
        return (
            "it was trained for another catalogue "
            f"(new or moved categories: {', '.join(added) or '-'}; "
            f"gone or moved: {', '.join(dropped) or '-'})"
        )


def _solve(
    matrix: spmatrix,
    labels: Sequence[str],
    c: float,
    tolerance: float,
    initial: tuple[np.ndarray, np.ndarray] | None = None,
) -> LogisticRegression:
    """Multinomial logistic regression by Newton-CG on one BLAS thread, starting from `initial`
    (coefficients as classes x features, intercepts; classes sorted) or from zero."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    model = LogisticRegression(
        C=c, solver="newton-cg", tol=tolerance, max_iter=_MAX_ITER, warm_start=initial is not None
    )
    if initial is not None:
        # scikit-learn's warm start begins from the coef_ and intercept_ the model holds
        model.coef_, model.intercept_ = initial
    with threadpool_limits(limits=1):
        return model.fit(matrix, labels)


def _logit(share: np.ndarray | float) -> np.ndarray | float:
    """The log-odds of a share, kept finite at 0 and 1."""
    clipped = np.clip(share, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))
