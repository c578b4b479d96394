"""Routing v1: pick the agency and category for a complaint from the catalogue's keywords.

Residents write the way they chat: lower or upper case, typos, stretched letters ("bangeeettt"),
shorthand ("gak", "udh", "jln"), Javanese ("dalan peteng", "banyu mati"), English, emoji and
links. The classifier therefore normalises both the complaint and the catalogue keywords through
the same steps, so an operator's keyword "tidak diangkut" also matches "ga di angkut".

Pure Python and no I/O: every lookup structure is built once in `KeywordClassifier.__init__`, and
a token's matches are cached, so `predict` costs a few dictionary look-ups per word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from routing.catalogue import Catalogue

__all__ = ["KeywordClassifier", "Prediction"]


@dataclass(frozen=True)
class Prediction:
    agency: str | None  # agency code, None when nothing matched
    category: str | None  # category code
    confidence: float  # 0..1
    # up to 3 (agency, category, score 0..1), best first; the first is the prediction itself
    alternatives: tuple[tuple[str, str, float], ...] = ()
    # the share a trained model gives "not a complaint" (greetings, thanks, chatter); 0 when the
    # classifier cannot tell
    chatter: float = 0.0


# --- normalisation ------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# "pkl 20.00" is a time ("pukul"), not a street vendor (PKL).
_PKL_TIME = re.compile(r"\bpkl\b(?=[\s.:]*\d)")
# Indonesian reduplication written with a 2: "gorong2" -> "gorong gorong", "anak2" -> "anak anak".
_REDUPLICATION = re.compile(r"\b([^\W\d_]{2,})2\b")
_NON_WORD = re.compile(r"[\W_]+")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")  # letters only: keep "1000"


def _words(text: str) -> list[str]:
    return text.split()


# Chat shorthand and Javanese function words, unified so one catalogue phrase covers them all.
# Only words that carry no topic of their own belong here; topic words (lmpu, smpah) go into the
# catalogue, where the operator can see and edit them.
_ALIASES = {
    **dict.fromkeys(
        _words("gak ga gk g nggak ngga nggk enggak engga ndak nda tdk tak kagak ora ra mboten"),
        "tidak",
    ),
    **dict.fromkeys(_words("udah udh sdh dah sudh wis uwis wes uwes"), "sudah"),
    **dict.fromkeys(_words("blm blum belom durung"), "belum"),
    **dict.fromkeys(_words("tlg tlng"), "tolong"),
    **dict.fromkeys(_words("bgt bngt"), "banget"),
    **dict.fromkeys(_words("jl jln"), "jalan"),
    **dict.fromkeys(_words("rmh omah"), "rumah"),
    **dict.fromkeys(_words("bs bsa iso isa"), "bisa"),
    **dict.fromkeys(_words("dgn dg"), "dengan"),
    **dict.fromkeys(_words("krn karna"), "karena"),
    "aer": "air",
    "dpn": "depan",
    "skrg": "sekarang",
    "msh": "masih",
}

# Filler words dropped from complaints and keywords alike, so "lampu di gang mati" and
# "ktp saya hilang" still line up with the phrases "lampu gang", "ktp hilang".
_STOPWORDS = frozenset(
    _words(
        """
        di ke yang dan nya ini itu sih deh dong kok ya yah nih tuh lho loh kan pun
        saya aku sy gw gue gua ane kami kita kak min admin pak bu mas mbak mba bapak ibu om
        the a an is are was were be been my our in on at of to and this that it its
        """
    )
)

# Words that introduce a landmark: in "lampu depan sekolah mati" the school only says where.
_LOCATIVES = frozenset(
    _words(
        "depan dpn dekat deket samping sebelah belakang seberang sekitar pinggir ngarep mburi "
        "cedak near opposite behind beside next outside"
    )
)

_SUFFIXES = ("nya", "ne", "ku", "mu", "lah", "kah", "pun")  # possessive / emphatic clitics
_PREFIXES = ("di", "ter", "ke", "ber", "nge")  # cheap, unambiguous verb/noun prefixes
_MIN_STEM = 4  # shorter stems after removing a prefix are too often a different word
_MIN_PREFIX_MATCH = 4  # "lampu" matches "lampunya"; "bus" must not match "busana"
# What may follow a keyword inside a longer token: Indonesian/Javanese derivation and clitics
# (parkir-an-nya, lampu-ne, dalan-e, diangkut-in) and English inflection (light-s, flood-ing).
# Anything else is a different word: "rambu" (sign) must not match "rambut" (hair).
_TAILS = frozenset(
    derivation + clitic
    for derivation in ("", "an", "kan", "i", "in", "ne", "e", "en")
    for clitic in ("", "nya", "ne", "e", "ku", "mu", "lah", "kah", "pun")
) | frozenset(("s", "es", "ed", "d", "ing", "ings", "er", "ers", "age", "ment"))

_TOKEN_CACHE_LIMIT = 50_000


def _fold(text: str) -> str:
    """NFKC, accents removed, URLs/@mentions dropped, hashtags split, lower case."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    # each pattern only where its text can be: most messages hold no link, mention, hashtag,
    # time or "2", and a scan by each regex costs more than looking for its character
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)) + " ", text)
    text = text.lower()
    if "pkl" in text:
        text = _PKL_TIME.sub("pukul", text)
    if "2" in text:
        text = _REDUPLICATION.sub(r"\1 \1", text)
    return _NON_WORD.sub(" ", text)


def _primary(raw: str) -> str | None:
    """The token as keywords are written: stretched letters collapsed, shorthand unified."""
    word = _STRETCHED.sub(r"\1", raw)
    word = _ALIASES.get(word, word)
    return None if word in _STOPWORDS else word


def _forms(raw: str, primary: str, after_di: bool) -> tuple[str, ...]:
    """Every spelling a keyword may match for one token, primary first."""
    forms = [primary]
    double = _STRETCHED.sub(r"\1\1", raw)  # "treeee" -> "tree", not "tre"
    if double != raw and double not in forms:
        forms.append(double)
    if after_di:  # "di angkut" written apart is "diangkut"
        forms.append("di" + primary)
    for base in tuple(forms):
        for suffix in _SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= 3:
                forms.append(base[: -len(suffix)])
        for prefix in _PREFIXES:
            if base.startswith(prefix) and len(base) - len(prefix) >= _MIN_STEM:
                forms.append(base[len(prefix) :])
        stem = _strip_nasal(base)
        if stem:
            forms.append(stem)
    return tuple(dict.fromkeys(forms))


def _is_tail(rest: str, last: str) -> bool:
    """Whether `rest` may follow a keyword ending in `last`; "sampahh" is a typo for "sampah"."""
    return rest in _TAILS or rest == last * len(rest)


def _strip_nasal(word: str) -> str | None:
    """me-/nge- nasal prefixes where the stem is recoverable: membuang -> buang."""
    if len(word) < 7 or not word.startswith("me"):
        return None
    if word.startswith("meng") and word[4] in "aeiouhg":
        return word[4:]
    if word.startswith("meny") and word[4] in "aeiou":
        return "s" + word[4:]
    if word.startswith("mem") and word[3] in "bp":
        return word[3:]
    if word.startswith("men") and word[3] in "dcj":
        return word[3:]
    return None


def _keyword_words(keyword: str) -> tuple[str, ...]:
    """A catalogue keyword normalised exactly like complaint text, minus the fuzzy forms."""
    words = (_primary(raw) for raw in _fold(keyword).split())
    return tuple(w for w in words if w)


# --- classifier ---------------------------------------------------------------------------------

_SAME_AGENCY_CREDIT = 0.5
_EVIDENCE_HALF = 1.0
_LANDMARK_WEIGHT = 0.5


class KeywordClassifier:
    """Score every category by the catalogue keywords found in the text.

    Matching. A keyword word matches a token that equals it after normalisation, or, for words of
    4+ letters, a token made of it plus a suffix ("lampunya", "parkirannya", "lights"; only
    known suffixes, so "rambu" does not match "rambut"). Keywords of several words match only as
    consecutive tokens (after filler words are dropped). Where keywords overlap, the longest wins
    and takes its tokens: "lampu merah" is a traffic light, so its "lampu" must not also vote for
    street lights. Each keyword counts once however often it is repeated, so shouting one word
    does not outvote a second topic.

    Score. A keyword of n words adds n to each category listing it: a phrase is a far more
    specific signal than any one of its words. A keyword right after "depan", "dekat",
    "samping"... adds only half: residents give directions by landmarks ("depan SD Negeri 2",
    "dekat puskesmas"), and the landmark is rarely the complaint. s_c is a category's total.

    Confidence of category c, in agency A, from all scores S = sum(s):

        evidence = s_c / (s_c + 1)
        support  = (s_c + 0.5 * (s_A - s_c)) / S
        confidence = evidence * support

    `evidence` grows with how much was said about c and saturates: a single word on its own
    ("banjir", "pipa", "taman") gives 0.5, a phrase or two independent words 0.67 and more.
    `support` is the share of all matched evidence that agrees with c. Other categories of the same
    agency count half in c's favour, because misfiling within the right agency is fixed by that
    agency in minutes, while the wrong agency costs a transfer and days. So an even split between
    two agencies stays below 0.4 until each side has more than three keyword words (and can never
    reach 0.5), and text that matches nothing gets no agency and 0.0. The default routing threshold
    (0.4) sits between the two.
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self._labels: list[tuple[str, str]] = []
        self._agency_of: list[int] = []
        phrase_categories: dict[tuple[str, ...], list[int]] = {}
        for agency_index, agency in enumerate(catalogue.agencies):
            for category in agency.categories:
                index = len(self._labels)
                self._labels.append((agency.code, category.code))
                self._agency_of.append(agency_index)
                for keyword in category.keywords.all():
                    words = _keyword_words(keyword)
                    if not words:
                        continue  # nothing but filler words
                    owners = phrase_categories.setdefault(words, [])
                    if index not in owners:
                        owners.append(index)
        self._agency_count = len(catalogue.agencies)
        self._phrases: dict[tuple[str, ...], tuple[int, ...]] = {
            words: tuple(owners) for words, owners in phrase_categories.items()
        }
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for words in self._phrases:
            by_first.setdefault(words[0], []).append(words)
        self._by_first = {w: tuple(ps) for w, ps in by_first.items()}

        vocabulary = {w for words in self._phrases for w in words}
        self._vocabulary = frozenset(vocabulary)
        long_words = {w for w in vocabulary if len(w) >= _MIN_PREFIX_MATCH}
        self._long_words = frozenset(long_words)
        self._long_heads = frozenset(w[:_MIN_PREFIX_MATCH] for w in long_words)
        self._longest = max((len(w) for w in long_words), default=0)
        self._token_cache: dict[tuple[str, bool], frozenset[str] | None] = {}

    def predict(self, text: str) -> Prediction:
        tokens, landmark = self._tokens(text)
        scores = self._score(tokens, landmark) if tokens else {}
        if not scores:
            return Prediction(agency=None, category=None, confidence=0.0)

        total = sum(scores.values())
        per_agency = [0.0] * self._agency_count
        for index, score in scores.items():
            per_agency[self._agency_of[index]] += score
        ranked = []
        for index, score in scores.items():
            sibling = per_agency[self._agency_of[index]] - score
            support = (score + _SAME_AGENCY_CREDIT * sibling) / total
            evidence = score / (score + _EVIDENCE_HALF)
            ranked.append((evidence * support, score, -index))
        ranked.sort(reverse=True)

        alternatives = tuple(
            (*self._labels[-neg_index], round(confidence, 4))
            for confidence, _, neg_index in ranked[:3]
        )
        agency, category, confidence = alternatives[0]
        return Prediction(agency, category, confidence, alternatives)

    def predict_each(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]

    def _tokens(self, text: str) -> tuple[list[frozenset[str]], list[bool]]:
        """For each meaningful token, the catalogue words it matches, and if it is a landmark."""
        matched: list[frozenset[str]] = []
        landmark: list[bool] = []
        after_di = after_locative = False
        for raw in _fold(text).split():
            key = (raw, after_di)
            hits = self._token_cache.get(key)
            if hits is None and key not in self._token_cache:
                hits = self._match_token(raw, after_di)
                if len(self._token_cache) >= _TOKEN_CACHE_LIMIT:
                    self._token_cache.clear()
                self._token_cache[key] = hits
            if hits is None:  # filler word: dropped, but remember a loose "di" prefix
                after_di = raw == "di"
                continue
            after_di = False
            matched.append(hits)
            landmark.append(after_locative)
            after_locative = raw in _LOCATIVES
        return matched, landmark

    def _match_token(self, raw: str, after_di: bool) -> frozenset[str] | None:
        primary = _primary(raw)
        if primary is None:
            return None
        hits = set()
        for form in _forms(raw, primary, after_di):
            if form in self._vocabulary:
                hits.add(form)
            if len(form) > _MIN_PREFIX_MATCH and form[:_MIN_PREFIX_MATCH] in self._long_heads:
                for end in range(_MIN_PREFIX_MATCH, min(len(form), self._longest + 1)):
                    if form[:end] in self._long_words and _is_tail(form[end:], form[end - 1]):
                        hits.add(form[:end])
        return frozenset(hits)

    def _score(self, tokens: list[frozenset[str]], landmark: list[bool]) -> dict[int, float]:
        candidates = []
        for start, hits in enumerate(tokens):
            for word in hits:
                for words in self._by_first.get(word, ()):
                    end = start + len(words)
                    if end <= len(tokens) and all(
                        w in tokens[start + k] for k, w in enumerate(words[1:], 1)
                    ):
                        candidates.append((len(words), sum(map(len, words)), -start, words))
        # Longest phrase first, then the most specific (longest) spelling, then leftmost.
        candidates.sort(reverse=True)
        taken = [False] * len(tokens)
        found: dict[tuple[str, ...], float] = {}
        for length, _, neg_start, words in candidates:
            start = -neg_start
            span = range(start, start + length)
            if any(taken[i] for i in span):
                continue
            for i in span:
                taken[i] = True
            weight = length * (_LANDMARK_WEIGHT if landmark[start] else 1.0)
            found[words] = max(weight, found.get(words, 0.0))  # each keyword counts once

        scores: dict[int, float] = {}
        for words, weight in found.items():
            for index in self._phrases[words]:
                scores[index] = scores.get(index, 0.0) + weight
        return scores
