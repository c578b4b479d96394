"""Where the routing model comes from: training data, training, and the model a process uses.

Three sources of labelled text, in a fixed order so that training is reproducible:

1. the catalogue: every keyword, and each category's names, as a short example of its category,
   so a category nobody has written examples for is still reachable;
2. `examples.csv` shipped with Aduan (columns text, agency, category, language; agency
   `_chatter` with no category marks messages that are not complaints);
3. the city's own corrections, `RoutingExample` rows (forwards and triage assignments).

A row that names an agency but no (or a foreign) category gets that agency's category whose
keywords fit the text best: routing is judged by agency, so the agency is what must be right.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from threading import Lock

from sqlmodel import Session, select

from core.settings import Settings
from routing.catalogue import Catalogue
from routing.keywords import KeywordClassifier
from routing.model import CHATTER, Classifier, StaleModel, TrainedClassifier
from routing.models import RoutingExample
from routing.stored_catalogue import catalogue_from_database

__all__ = [
    "ExamplesError",
    "TrainingImpossible",
    "TrainingReport",
    "classifier_for_catalogue",
    "default_examples_path",
    "model_file_state",
    "read_examples",
    "train",
    "train_and_save",
    "training_rows",
]

log = logging.getLogger(__name__)

Row = tuple[str, str]  # (text, category code or CHATTER)


class ExamplesError(ValueError):
    """An examples file that cannot be used; the message names the file and the problem."""


class TrainingImpossible(ValueError):
    """Not enough labelled data to train a model; routing then keeps the keyword classifier."""


def default_examples_path() -> Path:
    """The labelled complaints shipped with Aduan."""
    return Path(str(resources.files("routing") / "data" / "examples.csv"))


def read_examples(
    path: Path, required: tuple[str, ...] = ("text", "agency")
) -> Iterator[dict[str, str]]:
    """The rows of a labelled CSV, checked as they come: every `required` column is there and
    filled in on every row (ExamplesError naming the file, and the line, otherwise)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = set(required) - set(reader.fieldnames or ())
            if missing:
                raise ExamplesError(f"{path} lacks the column(s): {', '.join(sorted(missing))}")
            for number, row in enumerate(reader, start=2):
                if not all((row.get(column) or "").strip() for column in required):
                    raise ExamplesError(f"{path}, line {number}: empty {' or '.join(required)}")
                yield {key: (value or "").strip() for key, value in row.items() if key}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExamplesError(f"cannot read {path}: {exc}") from exc


class _Labeller:
    """Turns an (agency, category) pair from any source into a catalogue category, or None."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._agency_of = {c.code: a.code for a in catalogue.agencies for c in a.categories}
        self._by_agency: dict[str, KeywordClassifier] = {}

    def category(self, text: str, agency: str, category: str | None) -> str | None:
        if agency == CHATTER:
            return CHATTER
        if category and self._agency_of.get(category) == agency:
            return category
        spec = next((a for a in self._catalogue.agencies if a.code == agency), None)
        if spec is None:
            return None  # an agency the catalogue no longer has
        if agency not in self._by_agency:
            self._by_agency[agency] = KeywordClassifier(Catalogue(agencies=[spec]))
        guess = self._by_agency[agency].predict(text).category
        return guess or spec.categories[0].code


def _catalogue_rows(catalogue: Catalogue) -> list[Row]:
    return [
        (phrase, category.code)
        for agency in catalogue.agencies
        for category in agency.categories
        for phrase in (category.name, category.name_en, *category.keywords.all())
    ]


def training_rows(
    session: Session | None, catalogue: Catalogue, examples: Path | None = None
) -> list[Row]:
    """Catalogue phrases, then the examples file, then the database's corrections (oldest first).

    `session` None trains without corrections (a catalogue file, no database). Rows whose agency
    left the catalogue are skipped and counted in the log.
    """
    labeller = _Labeller(catalogue)
    rows = _catalogue_rows(catalogue)
    labelled: list[tuple[str, str, str | None]] = []
    path = examples or default_examples_path()
    if path.exists():
        labelled += [(r["text"], r["agency"], r.get("category")) for r in read_examples(path)]
    else:
        log.warning("no examples file at %s: training on the catalogue and corrections only", path)
    if session is not None:
        corrections = session.exec(select(RoutingExample).order_by(RoutingExample.id)).all()
        labelled += [(c.text, c.agency_code, c.category_code) for c in corrections]
    skipped = 0
    for text, agency, category in labelled:
        label = labeller.category(text, agency, category)
        if label is None:
            skipped += 1
        else:
            rows.append((text, label))
    if skipped:
        log.info("skipped %d examples of agencies that are not in the catalogue", skipped)
    return rows


def train(catalogue: Catalogue, rows: list[Row]) -> TrainedClassifier:
    """Fit a model on `training_rows` (the catalogue's phrases first), refusing when nothing but
    those phrases is there to learn from.

    Keyword phrases alone teach the model less than the keyword classifier already knows.
    """
    if len(rows) <= len(_catalogue_rows(catalogue)):
        raise TrainingImpossible("no labelled examples: neither an examples file nor corrections")
    try:
        return TrainedClassifier.fit(catalogue, rows, phrases=len(_catalogue_rows(catalogue)))
    except ValueError as exc:
        raise TrainingImpossible(str(exc)) from exc


@dataclass(frozen=True)
class TrainingReport:
    """What `aduan routing train` tells the operator."""

    path: Path
    examples: int
    seconds: float


def train_and_save(session: Session, settings: Settings) -> TrainingReport:
    """Train on the database's catalogue, the examples file and the corrections; save the model."""

    started = time.perf_counter()
    catalogue = catalogue_from_database(session)
    rows = training_rows(session, catalogue, settings.routing_examples_file)
    train(catalogue, rows).save(settings.routing_model_file)
    return TrainingReport(settings.routing_model_file, len(rows), time.perf_counter() - started)


# --- the model a process uses ------------------------------------------------------------------

_IN_MEMORY_LIMIT = 4  # catalogues kept trained at once; a process rarely sees more than one


@dataclass
class _Models:
    lock: Lock = field(default_factory=Lock)
    # (path, mtime_ns, size) of the model file last read, and what reading it gave
    file_state: tuple | None = None
    file_model: TrainedClassifier | StaleModel | None = None
    in_memory: dict[str, Classifier] = field(default_factory=dict)


_models = _Models()


def model_file_state(path: Path) -> tuple | None:
    """What identifies one version of the model file, or None when there is none."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path), stat.st_mtime_ns, stat.st_size)


def classifier_for_catalogue(
    catalogue: Catalogue, settings: Settings, session: Session | None = None
) -> Classifier:
    """The saved model if it fits `catalogue`; else one trained in memory; else keywords.

    The file is read again only when its mtime or size changes. An in-memory model is trained
    once per catalogue per process (with the corrections in `session` at that moment), with a
    warning that tells the operator to run `aduan routing train`. Thread-safe.
    """
    path = settings.routing_model_file
    state = model_file_state(path)
    with _models.lock:
        reason = f"there is no model file at {path}"
        if state is not None:
            if state != _models.file_state:
                _models.file_state, _models.file_model = state, _read(path)
            model = _models.file_model
            if isinstance(model, TrainedClassifier):
                stale = model.stale_for(catalogue)
                if stale is None:
                    return model
                reason = f"{path} does not fit: {stale}"
            else:
                reason = str(model)
        key = _fingerprint(catalogue)
        if key not in _models.in_memory:
            if len(_models.in_memory) >= _IN_MEMORY_LIMIT:
                _models.in_memory.pop(next(iter(_models.in_memory)))
            _models.in_memory[key] = _train_in_memory(catalogue, settings, session, reason)
        return _models.in_memory[key]


def _read(path: Path) -> TrainedClassifier | StaleModel:
    try:
        return TrainedClassifier.load(path)
    except StaleModel as exc:
        return exc


def _train_in_memory(
    catalogue: Catalogue, settings: Settings, session: Session | None, reason: str
) -> Classifier:
    started = time.perf_counter()
    try:
        rows = training_rows(session, catalogue, settings.routing_examples_file)
        classifier = train(catalogue, rows)
    except (TrainingImpossible, ExamplesError) as exc:
        log.warning("routing uses the keyword classifier: %s; and cannot train: %s", reason, exc)
        return KeywordClassifier(catalogue)
    log.warning(
        "routing trained a model in memory from %d examples in %.1f s because %s; "
        "run `aduan routing train` to save one",
        len(rows),
        time.perf_counter() - started,
        reason,
    )
    return classifier


def _fingerprint(catalogue: Catalogue) -> str:
    """A digest of everything in the catalogue that training reads."""
    content = [
        (a.code, c.code, c.name, c.name_en, c.keywords.id, c.keywords.en)
        for a in catalogue.agencies
        for c in a.categories
    ]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()
