"""case search: the word index also holds the starts of words, so a search's last word is read as a word

Revision ID: 877134972512
Revises: c4e8a2f6d1b3
Create Date: 2026-12-05 18:20:00

PostgreSQL only. The last word of a search also matches the longer words it starts
(cases/search.py). Read as a prefix (`the:*`), the GIN index gathers every match of every word
it starts into one bitmap before anything else is read: at a million cases `the` (one case in
five) cost about 60 ms of CPU that way, against 16 ms for the word itself, and any search whose
last word starts a common word paid it ("di the", "the depan", "spk014260 jalan").

So `cases.search_words` (migrations b298edcb3ea1, bf21af37fde6) now also holds, for each of its
lexemes, the lexeme's starts of START_MIN to START_MAX characters, each marked with a leading
`^` (`tambal` adds `^tam`, `^tamb`, `^tamba`, `^tambal`), which no lexeme of a text can begin
with (the words are split at every character that is not a letter or a digit). A lexeme's start
is in a case's words exactly when the case has a lexeme beginning with it, so `'^the'` finds
what `'the':*` finds, read from the index as one word.

`case_search_words` (text -> tsvector, used by the triggers) keeps its name and now adds the
starts; its former body, the plain lexemes of a text in the configuration chosen by
b298edcb3ea1, is renamed `case_search_lexemes`. `case_search_starts(tsvector)` is a tsvector with
its lexemes' starts added. `case_search_prefix(word)` is the query for "a word beginning with
`word`": the start lexeme when the word's one lexeme is START_MIN to START_MAX characters long,
otherwise `case_search_query('word:*')` as before.

The upgrade adds the starts to the rows already there, with the GIN index dropped meanwhile and
built again after, then analyses `cases` (at a million cases, 4 min 21 s under load; the index
grows from 122 to 222 MB, each case's words from about 220 to 540 bytes). It rewrites every row of `cases`: a
VACUUM afterwards gives the old row versions' space back. SQLite's FTS5 table reads a prefix
from its own index and is left as it was.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "877134972512"
down_revision: str | None = "c4e8a2f6d1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the starts a lexeme adds: as short as a search's shortest prefix (cases/search.py
# PREFIX_MIN_CHARS), as long as the words whose starts are common (sampah, dengan, jadwal)
START_MIN, START_MAX = 3, 6

UP = [
    "ALTER FUNCTION case_search_words(text) RENAME TO case_search_lexemes",
    f"""
    CREATE FUNCTION case_search_starts(words tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT words || array_to_tsvector(ARRAY(
            SELECT '^' || left(lexeme, length)
            FROM unnest(tsvector_to_array(words)) AS lexeme,
                generate_series({START_MIN}, least(char_length(lexeme), {START_MAX})) AS length
            WHERE left(lexeme, 1) NOT IN ('@', '^')
        ))
    $$
    """,
    """
    CREATE FUNCTION case_search_words(words text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT case_search_starts(case_search_lexemes(words))
    $$
    """,
    f"""
    CREATE FUNCTION case_search_prefix(word text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE
            WHEN cardinality(lexemes) = 1
                AND char_length(lexemes[1]) BETWEEN {START_MIN} AND {START_MAX}
            THEN quote_literal('^' || lexemes[1])::tsquery
            ELSE case_search_query(quote_literal(word) || ':*')
        END
        FROM (SELECT tsvector_to_array(case_search_lexemes(word)) AS lexemes) AS normalised
    $$
    """,
    "DROP INDEX ix_cases_search_words",
    "UPDATE cases SET search_words = case_search_starts(search_words)",
    "CREATE INDEX ix_cases_search_words ON cases USING gin (search_words)",
    "ANALYZE cases",
]

DOWN = [
    "DROP FUNCTION case_search_prefix(text)",
    "DROP FUNCTION case_search_words(text)",
    "ALTER FUNCTION case_search_lexemes(text) RENAME TO case_search_words",
    "DROP INDEX ix_cases_search_words",
    """
    UPDATE cases SET search_words = ts_delete(search_words, ARRAY(
        SELECT lexeme FROM unnest(tsvector_to_array(search_words)) AS lexeme
        WHERE left(lexeme, 1) = '^'
    ))
    """,
    "CREATE INDEX ix_cases_search_words ON cases USING gin (search_words)",
    "DROP FUNCTION case_search_starts(tsvector)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWN:
            op.execute(statement)
