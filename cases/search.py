"""Staff search over cases: words of the complaint and its notes, a tracking code, a phone number.

What a staff member types is read once (`SearchTerms.read`): its words (letters and digits; a
case matches when its text and notes hold every one of them, the last one also as the start of
a longer word), a tracking code if the whole input can be one, and a phone number if it can be
one (normalised as intake stores contacts). A case matches the code, the number or the words.

The words are looked up in an index the migration `b298edcb3ea1` keeps with triggers: on
PostgreSQL a tsvector column (`cases.search_words`, GIN) in the `indonesian` text-search
configuration, so a word also finds its inflections ("tambal" finds "ditambal"); on SQLite an
FTS5 table (`case_search`), whole words only. On PostgreSQL the index also holds a lexeme
naming the case's agency (migration `bf21af37fde6`), so that a search kept to one agency has
the index leave the other agencies' cases out, and the starts of its words (migration
`877134972512`), so that the last word is read from the index as one word rather than as every
word it starts. One function, `matching`, chooses by the session's database. A phone number
finds the cases its resident reported, only those whose reporter staff may see at all (never
an Anonim case), and only among the cases the user may list, which is what keeps an officer
from learning that a number filed a case elsewhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cases.codes import normalise_tracking_code
from cases.errors import SearchProblem, SearchRefused
from cases.models import Case
from intake.phone import normalise_phone
from notifications.enums import Channel
from notifications.models import Contact

MAX_CHARS = 200
MAX_WORDS = 12
# a last word this long or longer also matches longer words it starts
PREFIX_MIN_CHARS = 3
# a word is a run of letters and digits: the same split both indexes make
_WORD = re.compile(r"[^\W_]+")
# the channels a phone number is a contact on (intake stores both in E.164)
PHONE_CHANNELS = (Channel.sms, Channel.whatsapp)
Inlined = TypeVar("Inlined", str, int)


@dataclass(frozen=True)
class SearchTerms:
    """What a search asks for: lower-case words, and the code and number the input can be."""

    words: tuple[str, ...]
    code: str | None
    phone: str | None

    @classmethod
    def read(cls, raw: str) -> SearchTerms:
        """The terms of `raw`; SearchRefused when it is too long or holds nothing to search."""
        text = raw.strip()
        words = tuple(_WORD.findall(text.lower()))
        if len(text) > MAX_CHARS or len(words) > MAX_WORDS:
            raise SearchRefused(
                f"a search is at most {MAX_CHARS} characters and {MAX_WORDS} words",
                SearchProblem.too_long,
                chars=MAX_CHARS,
                words=MAX_WORDS,
            )
        if not words:
            raise SearchRefused(
                "give a word, a tracking code or a phone number to search for",
                SearchProblem.empty,
            )
        try:
            phone = normalise_phone(text)
        except ValueError:
            phone = None
        return cls(words, normalise_tracking_code(text), phone)


def matching(
    session: Session,
    query: SelectOfScalar[Case],
    terms: SearchTerms,
    *,
    agency_id: int | None = None,
) -> SelectOfScalar[Case]:
    """`query` narrowed to the cases that match `terms`, in the session's database.

    `agency_id` names the one agency `query` already keeps to (an officer's, or an agency
    filter), if any: PostgreSQL's word index then leaves the other agencies' cases out itself.
    It narrows the words' matches only; `query` must still hold the agency condition.
    """
    if session.get_bind().dialect.name == "postgresql":
        found = _postgresql_words(terms.words, agency_id)
    else:
        found = _sqlite_words(terms.words)
    if terms.code is not None:
        found = sa.or_(Case.tracking_code == terms.code, found)
    contacts = _phone_contacts(session, terms.phone) if terms.phone is not None else []
    if contacts:
        # reported from the number, and not Anonim: staff may see who reported it
        reported = sa.and_(col(Case.contact_id).in_(contacts), col(Case.anonymous).is_(False))
        found = sa.or_(reported, found)
    return query.where(found)


def _phone_contacts(session: Session, phone: str) -> list[int]:
    """The ids of the number's contacts (SMS and WhatsApp): looked up first, so that the
    cases' query reads its contact index as it reads the words' index (a subquery inside OR
    would be checked case by case)."""
    found = select(Contact.id).where(
        col(Contact.channel).in_(PHONE_CHANNELS), Contact.address == phone
    )
    return list(session.exec(found))


def _inline(value: Inlined) -> sa.BindParameter[Inlined]:
    """`value` written into the statement, not sent beside it: a prepared statement's generic
    plan cannot tell a word in every other case from one in a handful (nor a big agency from a
    small one), and the best plans of the two differ (walk the newest cases, or read the
    index)."""
    kind = sa.String if isinstance(value, str) else sa.Integer
    return sa.bindparam(None, value, type_=kind, literal_execute=True)


def _postgresql_words(words: tuple[str, ...], agency_id: int | None) -> sa.ColumnElement[bool]:
    """Every word in `cases.search_words`, as to_tsquery reads `'a' & 'b'`; the last one, when
    long enough to be a word's start, as `case_search_prefix` reads it (a start lexeme `'^c'`,
    or `'c':*`: migration 877134972512); with `agency_id` the agency's lexeme too (migration
    bf21af37fde6)."""
    prefix = len(words[-1]) >= PREFIX_MIN_CHARS
    whole = words[:-1] if prefix else words
    parts: list[sa.ColumnElement[Any]] = []
    if whole:
        parts.append(sa.func.case_search_query(_inline(" & ".join(f"'{w}'" for w in whole))))
    if prefix:
        parts.append(sa.func.case_search_prefix(_inline(words[-1])))
    if agency_id is not None:
        parts.append(sa.func.case_search_agency_query(_inline(agency_id)))
    query = functools.reduce(lambda left, right: left.op("&&")(right), parts)
    return sa.literal_column("cases.search_words").op("@@")(query)


def _sqlite_words(words: tuple[str, ...]) -> sa.ColumnElement[bool]:
    """Every word in the FTS5 table `case_search`, as its MATCH reads `"a" "b" "c"*`."""
    phrases = [f'"{word}"' for word in words]
    if len(words[-1]) >= PREFIX_MIN_CHARS:
        phrases[-1] += "*"
    index = sa.table("case_search", sa.column("rowid"))
    found = (
        select(index.c.rowid)
        .select_from(index)
        .where(sa.literal_column("case_search").op("MATCH")(_inline(" ".join(phrases))))
    )
    return col(Case.id).in_(found)


# the newest cases a page of search results is first looked for among (in ids, below the cursor)
NEWEST_WINDOW = 10_000
# how many such windows farther the walk goes on, at most, when the words' share among the
# newest cases promises the rest of the page there
WALK_ON_WINDOWS = 4


def newest_matches(
    session: Session, query: SelectOfScalar[Case], *, limit: int, cursor: int | None
) -> list[Case]:
    """Up to `limit` cases of `query` (already narrowed by `matching`), newest first, below
    the id `cursor`.

    PostgreSQL's planner guesses how many cases hold all the words as if words were
    independent, and both ways it can be wrong cost seconds at a million cases. Words that
    come together ("lampu mati": one case in a hundred, guessed one in a thousand) are read
    through the word index, every match of them, to sort them; common words that never come
    together ("di the": guessed one case in twenty) are looked for by walking the cases newest
    first, every case of the table. So the newest NEWEST_WINDOW cases are walked first, newest
    first, the word index left aside: a bounded cost, whatever the words. When they hold less
    than a page, their share of matches tells how far the rest lies: if twice that distance is
    within WALK_ON_WINDOWS windows, the walk goes on that far (a bounded cost again). Whatever
    is still missing is read through the word index, never walked: the words are rare among
    the newest cases, so reading every older match costs less than walking the cases.
    """
    newest = query.order_by(col(Case.id).desc())
    if session.get_bind().dialect.name != "postgresql":
        # SQLite reads FTS5's matches first, then walks the cases newest first
        below = newest if cursor is None else newest.where(col(Case.id) < cursor)
        return list(session.exec(below.limit(limit)))
    if cursor is None:
        cursor = (session.exec(select(sa.func.max(Case.id))).one() or 0) + 1

    def walk(top: int, floor: int, wanted: int) -> list[Case]:
        between = newest.where(col(Case.id) < top, col(Case.id) >= floor)
        return list(session.exec(between.limit(wanted)))

    floor = max(cursor - NEWEST_WINDOW, 0)
    with _planner(session, WALKING):
        rows = walk(cursor, floor, limit)
        if rows and len(rows) < limit and floor > 0:
            reach = 2 * NEWEST_WINDOW * (limit - len(rows)) // len(rows)
            if reach <= WALK_ON_WINDOWS * NEWEST_WINDOW:
                top, floor = floor, max(floor - reach, 0)
                rows += walk(top, floor, limit - len(rows))
    if len(rows) < limit and floor > 0:
        older = newest.where(col(Case.id) < floor).limit(limit - len(rows))
        with _planner(session, READING_THE_INDEX):
            rows += session.exec(older)
    return rows


# the planner's settings for walking the newest cases, newest first
WALKING = {"enable_bitmapscan": "off"}
# and for reading the older ones through the word index: only through it; with the memory to
# keep the matches of a word's start read as a prefix (one longer than migration 877134972512's
# start lexemes: every word it starts) case by case up to several million cases (past work_mem
# they are kept page by page, and every case of those pages is read and checked again: 0.6 s
# instead of 0.1 at a million cases); and without JIT, whose compiling costs more than the
# statement it would speed up
READING_THE_INDEX = {
    "enable_seqscan": "off",
    "enable_indexscan": "off",
    "work_mem": "32MB",
    "jit": "off",
}


@contextmanager
def _planner(session: Session, settings: dict[str, str]) -> Iterator[None]:
    """The statements run inside planned and run with `settings` (PostgreSQL's), set for the
    transaction and put back after, each in one round trip."""
    names = sa.bindparam("names", list(settings), expanding=True)
    given = [sa.func.set_config(name, value, True) for name, value in settings.items()]
    session.exec(sa.select(*given))
    try:
        yield
    finally:
        settings_table = sa.table("pg_settings", sa.column("name"), sa.column("reset_val"))
        put_back = sa.func.set_config(settings_table.c.name, settings_table.c.reset_val, True)
        session.exec(sa.select(put_back).where(settings_table.c.name.in_(names)))
