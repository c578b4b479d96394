"""Deciding where a complaint goes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from threading import Lock
from typing import Literal

from sqlmodel import Session, select

from core.settings import get_settings
from routing.areas import area_id_for
from routing.catalogue import CITY, REFERRAL
from routing.keywords import Prediction
from routing.model import Classifier
from routing.models import Agency, Category
from routing.reading import asks
from routing.stored_catalogue import catalogue_from_database
from routing.training import classifier_for_catalogue, model_file_state
from routing.versions import catalogue_version


@dataclass(frozen=True)
class RoutedAgency:
    """An agency as routing hands it out: plain values, safe to share between requests."""

    id: int
    code: str
    name: str
    name_en: str
    kind: str = CITY
    # a referral body's where to go (routing.catalogue.AgencySpec)
    channel: str | None = None
    channel_en: str | None = None
    hotline: str | None = None

    @property
    def is_referral(self) -> bool:
        return self.kind == REFERRAL


@dataclass(frozen=True)
class RoutedCategory:
    id: int
    code: str
    agency_id: int
    sla_hours: int


@dataclass(frozen=True)
class _Snapshot:
    version: tuple
    classifier: Classifier
    agencies: dict[int, RoutedAgency]
    categories: dict[str, RoutedCategory]

    @cached_property
    def agencies_by_code(self) -> dict[str, RoutedAgency]:
        return {agency.code: agency for agency in self.agencies.values()}

    @cached_property
    def referrals(self) -> frozenset[str]:
        """The codes of the referral bodies."""
        return frozenset(a.code for a in self.agencies.values() if a.is_referral)


@dataclass
class _SnapshotCache:
    snapshot: _Snapshot | None = None
    lock: Lock = field(default_factory=Lock)


_cache = _SnapshotCache()


def _snapshot(session: Session, version: tuple) -> _Snapshot:
    """The classifier and the catalogue rows of `version`, built once per process and version.

    A complaint is routed from memory: only the version query reaches the database (at most
    once a second), so a catalogue edited in the console or reloaded by the CLI is seen by the
    next complaint in the process that changed it and within a second in every other one,
    without a catalogue read per complaint.
    """
    settings = get_settings()
    version = (*version, model_file_state(settings.routing_model_file))
    with _cache.lock:
        if _cache.snapshot is None or _cache.snapshot.version != version:
            catalogue = catalogue_from_database(session)
            _cache.snapshot = _Snapshot(
                version=version,
                classifier=classifier_for_catalogue(catalogue, settings, session),
                agencies={
                    a.id: RoutedAgency(
                        a.id, a.code, a.name, a.name_en, a.kind, a.channel, a.channel_en, a.hotline
                    )
                    for a in session.exec(select(Agency))
                },
                categories={
                    c.code: RoutedCategory(c.id, c.code, c.agency_id, c.sla_hours)
                    for c in session.exec(select(Category))
                },
            )
        return _cache.snapshot


def classifier_for(session: Session) -> Classifier:
    """The classifier for the current catalogue; looked up again when it or the model file changes.

    The trained model file if it fits the catalogue, else a model trained in memory once per
    process, else (nothing to train on) the keyword classifier: see `classifier_for_catalogue`.
    """
    return _snapshot(session, catalogue_version(session)).classifier


# where one problem ends and another may begin: punctuation and joining words, never inside one
# ("Jl. Pemuda", "No. 5" and "Gg. Melati" are one place)
_JOINS = re.compile(
    r"\s*(?:(?<!\bjl)(?<!\bno)(?<!\bgg)\.+|[,;!?\n]+|\b(?:dan|serta|terus|trus|lalu|plus|and)\b"
    r"|&|\+|\s-\s)\s*",
    re.IGNORECASE,
)
MIN_PROBLEM_WORDS = 3
# the least confidence the whole text gives an agency for a part of it to be that agency's problem
PROBLEM_SHARE = 0.1
# a text routing does not place, whose "not a complaint" share is at least this, is chatter
CHATTER_SHARE = 0.5
# what routing makes of a text: straight to an agency or to a referral body outside the city;
# not a complaint (chatter) or a question, answered at once; or a person's sorting in triage
# (unsure, or several problems)
Outcome = Literal["agency", "referral", "chatter", "question", "triage"]


@dataclass(frozen=True)
class Scored:
    """A text as the classifier sees it, whatever the threshold: the prediction for all of it,
    one for each part that may be a problem of its own (none when the whole cannot hold two:
    see `score`), and whether it asks something."""

    prediction: Prediction
    parts: tuple[tuple[str, Prediction], ...]
    asks: bool


@dataclass(frozen=True)
class Assessment:
    """What routing makes of one text at one threshold.

    `problems` holds (part of the text, agency code) for each separate problem when the text
    holds problems for at least two agencies (see `several_problems`); such a text goes to
    triage with them as suggestions, whatever its confidence.
    """

    prediction: Prediction
    outcome: Outcome
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def routed(self) -> bool:
        """Straight to an agency or a referral body, without triage."""
        return self.outcome in ("agency", "referral")


def score(classifier: Classifier, text: str) -> Scored:
    """Predict `text` and, when it may hold several problems (at least two agencies with
    PROBLEM_SHARE of it), each of its parts (split at punctuation and joining words)."""
    prediction = classifier.predict(text)
    return Scored(prediction, _parts(classifier, text, prediction), asks(text))


def _parts(
    classifier: Classifier, text: str, prediction: Prediction
) -> tuple[tuple[str, Prediction], ...]:
    if len(_candidates(prediction)) < 2:
        return ()
    parts = [part.strip() for part in _JOINS.split(text)]
    parts = [part for part in parts if len(part.split()) >= MIN_PROBLEM_WORDS]
    return tuple(zip(parts, classifier.predict_each(parts), strict=True))


def _candidates(prediction: Prediction) -> set[str]:
    """The agencies a part of the text may be a problem of: those of the three best guesses for
    the whole with at least PROBLEM_SHARE of it."""
    return {agency for agency, _, share in prediction.alternatives if share >= PROBLEM_SHARE}


def several_problems(scored: Scored, min_confidence: float) -> tuple[tuple[str, str], ...]:
    """The separate problems of a text that belong to different agencies, in the order written:
    (part, agency code), one part per agency (the first); empty unless at least two parts are
    each placed with confidence, with different agencies that are also among the three best
    guesses for the whole text, each with at least PROBLEM_SHARE of it (a side remark, "bahaya
    buat anak sekolah", is not a school's problem)."""
    guessed = _candidates(scored.prediction)
    found: dict[str, str] = {}
    for part, placed in scored.parts:
        if is_routed(placed, min_confidence) and placed.agency in guessed:
            found.setdefault(placed.agency, part)
    return tuple((part, agency) for agency, part in found.items()) if len(found) > 1 else ()


def is_routed(prediction: Prediction, min_confidence: float) -> bool:
    """The prediction is confident enough to send the text straight to its category's agency."""
    return prediction.category is not None and prediction.confidence >= min_confidence


def judge(
    scored: Scored, min_confidence: float, referrals: frozenset[str] = frozenset()
) -> Assessment:
    """Where a scored text goes: its agency (a referral when that is one of `referrals`, the
    referral bodies' codes) when the prediction reaches `min_confidence` and the text holds one
    problem; else chatter when the "not a complaint" share reaches CHATTER_SHARE, a question
    when it asks one, triage otherwise."""
    prediction = scored.prediction
    problems = several_problems(scored, min_confidence)
    if is_routed(prediction, min_confidence) and not problems:
        return Assessment(prediction, "referral" if prediction.agency in referrals else "agency")
    if problems:
        found: Outcome = "triage"
    elif prediction.chatter >= CHATTER_SHARE:
        found = "chatter"
    else:
        found = "question" if scored.asks else "triage"
    return Assessment(prediction, found, problems)


def assess(
    classifier: Classifier,
    text: str,
    min_confidence: float,
    referrals: frozenset[str] = frozenset(),
) -> Assessment:
    """`judge` of `score`: where `text` goes at `min_confidence`."""
    return judge(score(classifier, text), min_confidence, referrals)


@dataclass(frozen=True)
class Problem:
    """One part of a message that routing places, on its own, with an agency."""

    text: str
    agency: RoutedAgency


@dataclass(frozen=True)
class RoutingDecision:
    """Where a complaint goes; `agency` is None when it must go to triage."""

    agency: RoutedAgency | None
    category: RoutedCategory | None
    prediction: Prediction
    # the agency's office whose service area holds the complaint's location, if any
    service_area_id: int | None = None
    # the separate problems of a message that holds several (then it goes to triage)
    problems: tuple[Problem, ...] = ()
    # what routing makes of the words (`judge`): "agency" or "referral" exactly when `agency` is
    # set (a referral when the agency is a referral body)
    outcome: Outcome = "agency"

    @property
    def suggestion(self) -> dict:
        return {
            "agency": self.prediction.agency,
            "category": self.prediction.category,
            "confidence": round(self.prediction.confidence, 3),
            "alternatives": [
                {"agency": a, "category": c, "score": round(s, 3)}
                for a, c, s in self.prediction.alternatives
            ],
            "problems": [{"agency": p.agency.code, "text": p.text} for p in self.problems],
        }


def route(
    session: Session,
    text: str,
    *,
    min_confidence: float,
    location: tuple[float, float] | None = None,
) -> RoutingDecision:
    """Classify a complaint (`assess`); unless it goes straight to an agency it goes to triage,
    with the guess and any separate problems kept.

    With a `location` (latitude, longitude), a routed complaint also gets the agency's service
    area holding that point, if the agency has one there.
    """
    version = catalogue_version(session)
    snapshot = _snapshot(session, version)
    assessment = assess(snapshot.classifier, text, min_confidence, snapshot.referrals)
    prediction = assessment.prediction
    if not assessment.routed:
        problems = tuple(
            Problem(part, snapshot.agencies_by_code[agency]) for part, agency in assessment.problems
        )
        return RoutingDecision(
            None, None, prediction, problems=problems, outcome=assessment.outcome
        )
    category = snapshot.categories[prediction.category]
    area_id = area_id_for(session, version, category.agency_id, *location) if location else None
    agency = snapshot.agencies[category.agency_id]
    return RoutingDecision(agency, category, prediction, area_id, outcome=assessment.outcome)


def route_to_category(
    session: Session, code: str, *, location: tuple[float, float] | None = None
) -> RoutingDecision | None:
    """The decision for a complaint whose sender chose its category (an Open311 service_code):
    that category's agency, with certainty, and the agency's service area holding `location`;
    None when no category has `code`."""
    version = catalogue_version(session)
    snapshot = _snapshot(session, version)
    category = snapshot.categories.get(code)
    if category is None:
        return None
    agency = snapshot.agencies[category.agency_id]
    prediction = Prediction(agency.code, code, 1.0, ((agency.code, code, 1.0),))
    area_id = area_id_for(session, version, category.agency_id, *location) if location else None
    return RoutingDecision(agency, category, prediction, area_id)
