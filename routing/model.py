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
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import joblib
import numpy as np

from routing.catalogue import Catalogue
from routing.keywords import _ALIASES, _STRETCHED, Prediction, _fold

# scikit-learn is imported where a model is trained or read (unpickling imports it), not here: a
# process that never classifies (a worker sending messages, the scheduler, most CLI commands, a
# web process before its first complaint) starts without paying a third of its import time
if TYPE_CHECKING:
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
FORMAT_VERSION = 2
CHATTER = "_chatter"

# Chat shorthand beyond the keyword classifier's aliases. Those cover words that carry meaning
# for keywords; these only help n-grams line up ("yg rusak" and "yang rusak").
_SLANG = {
    "yg": "yang",
    "tp": "tapi",
    "tpi": "tapi",
    "sm": "sama",
    "jg": "juga",
    "org": "orang",
    "kalo": "kalau",
    "klo": "kalau",
    "kl": "kalau",
    "dr": "dari",
    "utk": "untuk",
    "u": "untuk",
    "gmn": "bagaimana",
    "gimana": "bagaimana",
    "knp": "kenapa",
    "bkn": "bukan",
    "lg": "lagi",
    "sdg": "sedang",
    "dlm": "dalam",
    "kmrn": "kemarin",
    "kmren": "kemarin",
    "hr": "hari",
    "thn": "tahun",
    "bln": "bulan",
    "mgg": "minggu",
    "ujan": "hujan",
    "ngga": "tidak",
}

# Chosen by 5-fold cross-validation on examples.csv (held-out data never tuned anything): C=20
# routes ~3/4 of complaints at the 0.4 threshold with ~96% of them right, while ~95% of chatter
# stays below it; C=5 sends half the complaints to triage, C=50 lets more chatter through.
# Word min_df=2 cost 1-2 points. Stemming (PySastrawi) moved accuracy by less than run-to-run
# noise (-0.4 to +0.5 points) and let more chatter through (92% vs 95% below 0.4): not used.
_C = 20.0
_MAX_ITER = 2000
_CHAR_MIN_DF = 3  # as accurate as 1 or 2, and a smaller, faster model
# words whose character n-grams each process keeps (see `_Block`): some 4 MB at most
_CACHED_WORDS = 20_000
_UNKNOWN = -1  # the index of an n-gram outside the vocabulary


class Classifier(Protocol):
    """What routing needs from any classifier: the keyword one or a trained one."""

    def predict(self, text: str) -> Prediction: ...


class StaleModel(Exception):
    """A saved model that must not be used; the message says why (for the operator's log)."""


def normalise(text: str) -> str:
    """Fold, then collapse stretched letters and unify shorthand, word by word.

    Filler words stay (unlike in keyword matching): "tolong dibantu ya" is chatter precisely
    because it is all filler.
    """
    return " ".join(map(_normal_word, _fold(text).split()))


@lru_cache(maxsize=_CACHED_WORDS)
def _normal_word(raw: str) -> str:
    """One folded word as the model sees it; cached, as a regex per word cost a fifth of a
    prediction."""
    word = _STRETCHED.sub(r"\1", raw)
    return _ALIASES.get(word) or _SLANG.get(word, word)


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
    """One vectoriser's share of the class scores: its TF-IDF vector times its coefficients.

    Computes exactly what TfidfVectorizer.transform (sublinear tf, idf, l2 norm) and a dot product
    give, without building sparse matrices or validating inputs on every call: for one complaint
    that overhead was two thirds of the time.
    """

    def __init__(self, vectoriser: TfidfVectorizer, weights: np.ndarray) -> None:
        self._vectoriser = vectoriser
        self._vocabulary: dict[str, int] = vectoriser.vocabulary_
        self._idf: np.ndarray = vectoriser.idf_
        self._weights = np.ascontiguousarray(weights)  # features x classes
        self._bind_analyser()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_indices"]  # closures over the vectoriser: rebuilt, not pickled
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind_analyser()

    def _bind_analyser(self) -> None:
        """Set `_indices`: text -> the vocabulary index of each of its n-grams, in order.

        Character n-grams never cross a word (char_wb), so each word's indices are kept in a
        bounded cache: residents use the same few thousand words, and making a word's n-grams
        in Python cost more than the rest of a prediction. Chained in word order they are the
        very sequence the analyser gives, so the counts, their order and the sums are the same.
        """
        analyse, vocabulary = self._vectoriser.build_analyzer(), self._vocabulary

        def indices(text: str) -> Iterable[int]:
            grams = analyse(text)
            return filter(_UNKNOWN.__ne__, map(vocabulary.get, grams, repeat(_UNKNOWN)))

        if self._vectoriser.analyzer != "char_wb":
            self._indices = indices
            return
        word_indices = lru_cache(maxsize=_CACHED_WORDS)(lambda word: tuple(indices(word)))
        self._indices = lambda text: chain.from_iterable(map(word_indices, text.split()))

    def scores(self, text: str) -> np.ndarray | float:
        counts = Counter(self._indices(text))
        if not counts:
            return 0.0
        index = np.fromiter(counts, dtype=np.intp, count=len(counts))
        values = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        values *= self._idf[index]
        values /= np.sqrt(values @ values)
        return values @ self._weights[index]


class TrainedClassifier:
    """Multinomial logistic regression over TF-IDF n-grams, predicting a catalogue category.

    Trained as a scikit-learn FeatureUnion + LogisticRegression, then kept as each vectoriser
    with its slice of the coefficients (see `_Block`) for fast single-text prediction.
    """

    def __init__(
        self, features: FeatureUnion, model: LogisticRegression, agency_of: dict[str, str]
    ) -> None:
        self._blocks: list[_Block] = []
        start = 0
        for _, vectoriser in features.transformer_list:
            end = start + len(vectoriser.vocabulary_)
            self._blocks.append(_Block(vectoriser, model.coef_[:, start:end].T))
            start = end
        self._intercept = model.intercept_.copy()
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

    @classmethod
    def fit(cls, catalogue: Catalogue, rows: Sequence[tuple[str, str]]) -> TrainedClassifier:
        """Train on (text, category) rows; CHATTER marks text that is not a complaint.

        Deterministic: the vectorisers' vocabularies are sorted, lbfgs has no randomness, and
        BLAS runs on one thread (several threads may sum in another order, and the optimiser
        is also faster on one thread at this size), so the same rows in the same order give
        the same coefficients, bit for bit.
        """
        agency_of = {c.code: a.code for a in catalogue.agencies for c in a.categories}
        unknown = sorted({category for _, category in rows} - set(agency_of) - {CHATTER})
        if unknown:
            raise ValueError(f"categories not in the catalogue: {', '.join(unknown)}")
        texts = [normalise(text) for text, _ in rows]
        targets = [category for _, category in rows]
        if len(set(targets) - {CHATTER}) < 2:
            raise ValueError("training needs examples of at least two categories")
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        features = _features()
        matrix = features.fit_transform(texts)
        model = LogisticRegression(C=_C, max_iter=_MAX_ITER, random_state=0)
        with threadpool_limits(limits=1):
            model.fit(matrix, targets)
        return cls(features, model, agency_of)

    def probabilities(self, text: str) -> np.ndarray | None:
        """Softmax over every class (CHATTER included), as predict_proba gives; None: no words."""
        clean = normalise(text)
        if not clean:
            return None
        scores = self._intercept.copy()
        for block in self._blocks:
            scores += block.scores(clean)
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def predict(self, text: str) -> Prediction:
        probabilities = self.probabilities(text)
        if probabilities is None:
            return Prediction(agency=None, category=None, confidence=0.0)
        shares = np.add.reduceat(probabilities[self._grouped], self._starts)
        # another agency's classes become -1, which never wins the argmax
        best = np.where(self._member, probabilities, -1.0).argmax(axis=1)
        # highest share first; between equal shares, the agency first in code order
        top = sorted(range(len(shares)), key=lambda row: (-shares[row], row))[:3]
        alternatives = tuple(
            (self._agencies[row], self._classes[best[row]], round(float(shares[row]), 4))
            for row in top
        )
        agency, category, confidence = alternatives[0]
        chatter = max(0.0, 1.0 - float(shares.sum()))
        return Prediction(agency, category, confidence, alternatives, round(chatter, 4))

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
