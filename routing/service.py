"""Deciding where a complaint goes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from threading import Lock
from typing import Literal

from sqlmodel import Session, select

from core.settings import get_settings
from routing.areas import area_id_for
from routing.catalogue import CITY, REFERRAL
from routing.keywords import Prediction
from routing.model import Classifier
from routing.models import Agency, Category
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


@dataclass(frozen=True)
class RoutingDecision:
    """Where a complaint goes; `agency` is None when it must go to triage."""

    agency: RoutedAgency | None
    category: RoutedCategory | None
    prediction: Prediction
    # the agency's office whose service area holds the complaint's location, if any
    service_area_id: int | None = None

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
        }


# a text routing does not place, whose "not a complaint" share is at least this, is chatter
CHATTER_SHARE = 0.5
# what routing makes of a text: straight to an agency or to a referral body outside the city,
# chatter, or a person's sorting in triage
Outcome = Literal["agency", "referral", "chatter", "triage"]


def is_routed(prediction: Prediction, min_confidence: float) -> bool:
    """The prediction sends the text straight to its category's agency, without triage."""
    return prediction.category is not None and prediction.confidence >= min_confidence


def outcome(
    prediction: Prediction, min_confidence: float, referrals: frozenset[str] = frozenset()
) -> Outcome:
    """Where the prediction sends the text: its agency (referral when that is one of the
    `referrals`, referral bodies' codes), or (not routed) chatter when the "not a complaint"
    share reaches CHATTER_SHARE, else triage."""
    if is_routed(prediction, min_confidence):
        return "referral" if prediction.agency in referrals else "agency"
    return "chatter" if prediction.chatter >= CHATTER_SHARE else "triage"


def route(
    session: Session,
    text: str,
    *,
    min_confidence: float,
    location: tuple[float, float] | None = None,
) -> RoutingDecision:
    """Classify a complaint; below `min_confidence` it goes to triage with the guess kept.

    With a `location` (latitude, longitude), a routed complaint also gets the agency's service
    area holding that point, if the agency has one there.
    """
    version = catalogue_version(session)
    snapshot = _snapshot(session, version)
    prediction = snapshot.classifier.predict(text)
    if not is_routed(prediction, min_confidence):
        return RoutingDecision(None, None, prediction)
    category = snapshot.categories[prediction.category]
    area_id = area_id_for(session, version, category.agency_id, *location) if location else None
    return RoutingDecision(snapshot.agencies[category.agency_id], category, prediction, area_id)


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


# where one problem ends and another may begin: punctuation and joining words, never inside one
_JOINS = re.compile(
    r"\s*(?:[,;.!?\n]+|\b(?:dan|serta|terus|trus|lalu|and)\b|&|\+)\s*", re.IGNORECASE
)
MIN_PROBLEM_WORDS = 2


@dataclass(frozen=True)
class Problem:
    """One part of a message that routing places, on its own, with an agency."""

    text: str
    agency: RoutedAgency


def problems(
    session: Session, text: str, whole: RoutingDecision, *, min_confidence: float
) -> list[Problem]:
    """The separate problems in `text` that belong to different agencies, in the order written;
    empty unless at least two parts are each placed with confidence, with different agencies
    that are also among `whole`'s (routing's decision for all of `text`) three best guesses
    (one part per agency: the first)."""
    guessed = {agency for agency, _, _ in whole.prediction.alternatives}
    found: dict[int, Problem] = {}
    for part in _JOINS.split(text):
        part = part.strip()
        if len(part.split()) < MIN_PROBLEM_WORDS:
            continue
        agency = route(session, part, min_confidence=min_confidence).agency
        if agency is not None and agency.code in guessed and agency.id not in found:
            found[agency.id] = Problem(part, agency)
    return list(found.values()) if len(found) > 1 else []
