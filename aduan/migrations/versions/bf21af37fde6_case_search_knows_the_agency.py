"""case search: a case's words also name its agency, so the word index narrows an officer's search

Revision ID: bf21af37fde6
Revises: f059e33b6de3
Create Date: 2026-12-05 16:00:00

PostgreSQL only. `cases.search_words` (migration b298edcb3ea1) gains one lexeme naming the
case's agency, `@agency<id>`, which no word of a text can be (the words are split at every
character that is not a letter or a digit). A search within one agency (an officer's, or a
supervisor's agency filter) asks the GIN index for its words AND that lexeme, so the index
itself leaves out the other agencies' cases instead of handing every match over to be checked
one by one. The `agency_id` condition stays in the query: the lexeme narrows, it never widens.

`case_search_agency(agency_id)` is the lexeme as a tsvector (empty for a case without an
agency), `case_search_agency_query(agency_id)` the same as a tsquery. The case trigger now also
fires when `agency_id` changes (forward, triage, referral, split): it swaps the old agency's
lexeme for the new one. The upgrade adds the lexeme to the rows already there, with the GIN
index dropped meanwhile and built again after (one pass instead of an index update a row),
then analyses `cases`. It rewrites every row of `cases` with an agency: a VACUUM afterwards
gives the old row versions' space back.

SQLite's FTS5 table is left as it was: its search reads the matches first and checks the
agency on each, within the goal at the sizes SQLite serves. Nothing here rebuilds `cases` in
batch mode (that would drop the search triggers).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "bf21af37fde6"
down_revision: str | None = "f059e33b6de3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UP = [
    """
    CREATE FUNCTION case_search_agency(agency_id integer) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN agency_id IS NULL THEN ''::tsvector
            ELSE array_to_tsvector(ARRAY['@agency' || agency_id]) END
    $$
    """,
    """
    CREATE FUNCTION case_search_agency_query(agency_id integer) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT quote_literal('@agency' || agency_id)::tsquery
    $$
    """,
    "DROP INDEX ix_cases_search_words",
    "UPDATE cases SET search_words = search_words || case_search_agency(agency_id)"
    " WHERE agency_id IS NOT NULL",
    "CREATE INDEX ix_cases_search_words ON cases USING gin (search_words)",
    # the planner learns the new lexemes now, not at autovacuum's next pass
    "ANALYZE cases",
    """
    CREATE OR REPLACE FUNCTION case_search_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            NEW.search_words := case_search_words(NEW.text);
        ELSIF NEW.text IS DISTINCT FROM OLD.text THEN
            NEW.search_words := case_search_words(NEW.text) || case_search_notes(NEW.id);
        ELSIF OLD.agency_id IS NOT NULL THEN
            NEW.search_words := ts_delete(NEW.search_words, '@agency' || OLD.agency_id);
        END IF;
        NEW.search_words := coalesce(NEW.search_words, ''::tsvector)
            || case_search_agency(NEW.agency_id);
        RETURN NEW;
    END
    $$
    """,
    "DROP TRIGGER case_search_case ON cases",
    """
    CREATE TRIGGER case_search_case BEFORE INSERT OR UPDATE OF text, agency_id ON cases
    FOR EACH ROW EXECUTE FUNCTION case_search_on_case()
    """,
]

DOWN = [
    "DROP TRIGGER case_search_case ON cases",
    """
    CREATE OR REPLACE FUNCTION case_search_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
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
    "DROP INDEX ix_cases_search_words",
    "UPDATE cases SET search_words = ts_delete(search_words, '@agency' || agency_id)"
    " WHERE agency_id IS NOT NULL",
    "CREATE INDEX ix_cases_search_words ON cases USING gin (search_words)",
    "DROP FUNCTION case_search_agency_query(integer)",
    "DROP FUNCTION case_search_agency(integer)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWN:
            op.execute(statement)
