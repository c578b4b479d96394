"""case search: the words of a case and of its notes, indexed on both databases

Revision ID: b298edcb3ea1
Revises: ccb40034e723
Create Date: 2026-12-05 14:50:00

What staff search (cases/search.py) is a case's text followed by every note of its history
(`internal_note`, `public_note`: staff notes, the notes of a status change, the resident's
later words). Triggers keep it as those rows are written, and the upgrade indexes the rows
already there.

PostgreSQL: `cases.search_words`, a tsvector in the `indonesian` text-search configuration (or
`simple` where the server has none), behind a GIN index. The functions `case_search_words`
(text -> tsvector) and `case_search_query` (to_tsquery syntax -> tsquery) hold the
configuration, so the application never names it. Both split words at every character that is
not a letter or a digit, as SQLite's tokenizer does.

SQLite: the FTS5 table `case_search` (rowid = case id, one column `words`), with its own copy
of the words. Not an external-content table: the words come from two tables, and an external
content table has to be handed the exact old words on every change to remove them, which a
trigger on a new note could only rebuild by aggregating the history again in the same order;
with its own copy, each change is a plain UPDATE of the FTS table that cannot leave stale
entries behind.

These objects are not in the models (alembic's environment leaves everything named
`case_search*` and `cases.search_words` out of its comparison). A later migration must not
rebuild `cases` in SQLite batch mode: copying the table drops its triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b298edcb3ea1"
down_revision: str | None = "ccb40034e723"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the words of a history entry that a person wrote (notes the history writes itself are codes)
NOTE_WORDS = "concat_ws(' ', internal_note, public_note)"
HAS_WORDS = "(internal_note IS NOT NULL OR public_note IS NOT NULL)"

POSTGRESQL_UP = [
    """
    CREATE FUNCTION case_search_words(words text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT to_tsvector(
            '{config}'::regconfig,
            regexp_replace(coalesce(words, ''), '[^[:alnum:]]+', ' ', 'g')
        )
    $$
    """,
    """
    CREATE FUNCTION case_search_query(query text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT to_tsquery('{config}'::regconfig, query)
    $$
    """,
    f"""
    CREATE FUNCTION case_search_notes(case_id integer) RETURNS tsvector
    LANGUAGE sql STABLE AS $$
        SELECT case_search_words(string_agg({NOTE_WORDS}, ' ' ORDER BY id))
        FROM case_events WHERE case_events.case_id = $1 AND {HAS_WORDS}
    $$
    """,
    "ALTER TABLE cases ADD COLUMN search_words tsvector",
    # the rows already there: every case's text, then the notes of those that have some (one
    # pass over the history, not a look-up per case)
    "UPDATE cases SET search_words = case_search_words(text)",
    f"""
    UPDATE cases SET search_words = search_words || notes.words
    FROM (
        SELECT case_id, case_search_words(string_agg({NOTE_WORDS}, ' ' ORDER BY id)) AS words
        FROM case_events WHERE {HAS_WORDS} GROUP BY case_id
    ) AS notes
    WHERE cases.id = notes.case_id
    """,
    """
    CREATE FUNCTION case_search_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_words := case_search_words(NEW.text);
        IF TG_OP = 'UPDATE' THEN
            NEW.search_words := NEW.search_words || case_search_notes(NEW.id);
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER case_search_case BEFORE INSERT OR UPDATE OF text ON cases
    FOR EACH ROW EXECUTE FUNCTION case_search_on_case()
    """,
    """
    CREATE FUNCTION case_search_on_note() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE cases
        SET search_words = coalesce(search_words, ''::tsvector)
            || case_search_words(concat_ws(' ', NEW.internal_note, NEW.public_note))
        WHERE id = NEW.case_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER case_search_note AFTER INSERT ON case_events
    FOR EACH ROW WHEN (NEW.internal_note IS NOT NULL OR NEW.public_note IS NOT NULL)
    EXECUTE FUNCTION case_search_on_note()
    """,
    "CREATE INDEX ix_cases_search_words ON cases USING gin (search_words)",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER case_search_note ON case_events",
    "DROP FUNCTION case_search_on_note()",
    "DROP TRIGGER case_search_case ON cases",
    "DROP FUNCTION case_search_on_case()",
    "DROP INDEX ix_cases_search_words",
    "ALTER TABLE cases DROP COLUMN search_words",
    "DROP FUNCTION case_search_notes(integer)",
    "DROP FUNCTION case_search_query(text)",
    "DROP FUNCTION case_search_words(text)",
]


def sqlite_notes(case: str) -> str:
    """The words of the notes of the case whose id is `case`, oldest first; NULL for none.
    (SQLite before 3.44 has no concat_ws: a missing note is an empty string there.)"""
    words = "coalesce(internal_note, '') || ' ' || coalesce(public_note, '')"
    return (
        f"(SELECT group_concat(words, ' ') FROM (SELECT {words} AS words FROM case_events "
        f"WHERE case_events.case_id = {case} AND {HAS_WORDS} ORDER BY id))"
    )


SQLITE_UP = [
    "CREATE VIRTUAL TABLE case_search USING fts5(words, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO case_search (rowid, words) "
    f"SELECT id, text || ' ' || coalesce({sqlite_notes('cases.id')}, '') FROM cases",
    """
    CREATE TRIGGER case_search_case_added AFTER INSERT ON cases BEGIN
        INSERT INTO case_search (rowid, words) VALUES (NEW.id, NEW.text);
    END
    """,
    f"""
    CREATE TRIGGER case_search_text_changed AFTER UPDATE OF text ON cases BEGIN
        UPDATE case_search
        SET words = NEW.text || ' ' || coalesce({sqlite_notes("NEW.id")}, '')
        WHERE rowid = NEW.id;
    END
    """,
    """
    CREATE TRIGGER case_search_case_removed AFTER DELETE ON cases BEGIN
        DELETE FROM case_search WHERE rowid = OLD.id;
    END
    """,
    """
    CREATE TRIGGER case_search_note_added AFTER INSERT ON case_events
    WHEN NEW.internal_note IS NOT NULL OR NEW.public_note IS NOT NULL BEGIN
        UPDATE case_search
        SET words = words || ' ' || coalesce(NEW.internal_note, '') || ' '
            || coalesce(NEW.public_note, '')
        WHERE rowid = NEW.case_id;
    END
    """,
]

SQLITE_DOWN = [
    "DROP TRIGGER case_search_note_added",
    "DROP TRIGGER case_search_case_removed",
    "DROP TRIGGER case_search_text_changed",
    "DROP TRIGGER case_search_case_added",
    "DROP TABLE case_search",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        found = bind.execute(
            sa.text("SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian'")
        ).first()
        config = "indonesian" if found else "simple"
        for statement in POSTGRESQL_UP:
            op.execute(statement.replace("{config}", config))
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in POSTGRESQL_DOWN if bind.dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
