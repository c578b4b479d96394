"""A new complaint in one statement on PostgreSQL: a chain of data-modifying CTEs that upserts
the reporter's contact, inserts the case, its history row and its acknowledgement's outbox rows,
and returns what the database chose.

Each of those writes was a round trip of its own (with BEGIN and COMMIT, seven for a complaint
without a location). The values are the ones the step-by-step path writes (the same builders:
`contact_values`, `event_row`, `outbox_rows`); only where one row needs another's id or the
contact's stored language does the statement decide. ON CONFLICT DO NOTHING on the case leaves
the chain's later rows unwritten when the idempotency key (or the drawn tracking code) is taken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from cases.models import Case, CaseEvent
from core.i18n import LANGUAGES, SOURCE_LANGUAGE
from notifications.messages import Message
from notifications.models import Contact, Notification
from notifications.service import (
    CONTACT_COLUMNS,
    contact_refresh,
    contact_updates,
    contact_values,
    outbox_rows,
)

CASES, EVENTS, OUTBOX = Case.__table__, CaseEvent.__table__, Notification.__table__
CONTACTS = Contact.__table__
CONTACT_RETURNED = tuple(column.name for column in CONTACTS.columns)
# columns the statement fills in from the rows it wrote first
FROM_CONTACT = frozenset({"contact_id", "language"})
FROM_STATEMENT = frozenset({"contact_id", "case_id"})
REPORTER = "reporter_"  # the answer's contact columns, beside the case's


def defaulted_columns(given: frozenset[str]) -> list[sa.Column]:
    """The case's columns not `given` that the INSERT fills with a default: returned, so the
    case is complete without reading it back."""
    return [
        column
        for column in CASES.columns
        if column.name not in given
        and (column.default is not None or column.server_default is not None)
    ]


@dataclass(frozen=True)
class Written:
    """What the statement wrote: the case's columns the database chose, the contact's row
    (None without a contact), the outbox rows' ids, and whether any partner's webhook endpoint
    exists (without one, no case event can be raised and none is looked for)."""

    case: dict[str, Any]
    contact: dict[str, Any] | None
    outbox_ids: list[int]
    endpoints: bool


def file_in_one_statement(
    session: Session,
    case: dict[str, Any],
    contact: dict[str, Any] | None,
    event: dict[str, Any],
    acknowledgement: Message | None,
) -> Written | None:
    """Write the case of columns `case` (its `language` None: the contact's), the contact of
    `contact` (get_or_create_contact's arguments; None: no contact), the history row `event`
    and, to the contact, the `acknowledgement` (None: none; when the case's language is the
    contact's, only if it is in the language the case turns out to be told in). None when the
    case was not written (its idempotency key or tracking code is taken).
    """
    params: dict[str, Any] = {"case": _json(case), "event": _json(event)}
    refresh = None
    if contact is not None:
        values = contact_values(**contact)
        refresh = contact_refresh(values)
        params |= {f"contact_{name}": value for name, value in values.items()}
    outbox = outbox_rows(contact["channel"], {}, None, acknowledgement) if acknowledgement else []
    params["outbox"] = _json(outbox)
    statement = _statement(
        tuple(name for name in case if name not in FROM_CONTACT),
        tuple(name for name in event if name != "case_id"),
        tuple(name for name in outbox[0] if name not in FROM_STATEMENT) if outbox else (),
        refresh,
        case["language"] is None,
    )
    row = session.connection().execute(statement, params).one_or_none()
    if row is None:
        return None
    found = row._asdict()
    outbox_ids = sorted(found.pop("outbox_ids") or [])
    endpoints = found.pop("endpoints")
    contact_row = {
        name.removeprefix(REPORTER): found.pop(name)
        for name in list(found)
        if name.startswith(REPORTER)
    }
    return Written(found, contact_row or None, outbox_ids, endpoints)


def _json(values: object) -> str:
    """`values` as the JSON the statement reads rows from (json_populate_record): times in
    ISO 8601, which PostgreSQL reads back exactly."""
    return json.dumps(values, default=_iso, ensure_ascii=False, separators=(",", ":"))


def _iso(value: object) -> str:
    """An aware datetime in ISO 8601; a naive one would be read in the session's time zone, so
    it is refused as UTCDateTime refuses it on the statement-by-statement path."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not stored through JSON")


@lru_cache(maxsize=64)
def _statement(
    case_names: tuple[str, ...],
    event_names: tuple[str, ...],
    outbox_names: tuple[str, ...],
    refresh: tuple[str, ...] | None,
    contact_language: bool,
) -> sa.TextClause:
    """Built once per shape: the columns given of the case, its history row and its outbox
    rows (none: no outbox row), the contact's refreshed columns (None: no contact), and
    whether the case's language is the contact's (then an outbox row is kept only when its
    language is the case's).

    Written as text, its rows passed as JSON (three parameters, not one per column): psycopg
    parses a statement of more than 50 parameters or 4,096 characters again at every
    execution, and SQLAlchemy's rendering of the same chain is twice as long."""
    ctes, binds = [], [_json_param("case"), _json_param("event")]
    language = "r.language"
    if refresh is None:
        contact_id = "NULL"
        source = "json_populate_record(NULL::cases, CAST(:case AS json)) r"
        answer, joined = [], ""
    else:
        contact_id = "contact.id"
        if contact_language:
            language = "contact.language"
        source = "json_populate_record(NULL::cases, CAST(:case AS json)) r, contact"
        updates = [
            f"{name} = excluded.{name}" if given else f"{name} = NULL"
            for name, given in contact_updates(refresh).items()
        ]
        ctes.append(
            f"contact AS (INSERT INTO contacts ({', '.join(CONTACT_COLUMNS)}, language_pinned)"
            f" VALUES ({', '.join(':contact_' + name for name in CONTACT_COLUMNS)}, false)"
            " ON CONFLICT (channel, address) DO UPDATE SET "
            f"{', '.join(updates) or 'channel = excluded.channel'}"
            f" RETURNING {', '.join(CONTACT_RETURNED)})"
        )
        binds += [
            sa.bindparam(f"contact_{name}", type_=CONTACTS.c[name].type) for name in CONTACT_COLUMNS
        ]
        answer = [f"contact.{name} AS {REPORTER}{name}" for name in CONTACT_RETURNED]
        joined = ", contact"
    names = [*case_names, "contact_id", "language"]
    returned = ["id", "contact_id", "language"]
    returned += [column.name for column in defaulted_columns(frozenset(names))]
    ctes.append(
        f"new_case AS (INSERT INTO cases ({', '.join(names)})"
        f" SELECT {', '.join('r.' + name for name in case_names)}, {contact_id}, {language}"
        f" FROM {source} ON CONFLICT DO NOTHING RETURNING {', '.join(returned)})"
    )
    ctes.append(
        f"history AS (INSERT INTO case_events (case_id, {', '.join(event_names)})"
        f" SELECT new_case.id, {', '.join('r.' + name for name in event_names)}"
        " FROM new_case, json_populate_record(NULL::case_events, CAST(:event AS json)) r)"
    )
    outbox_ids = "NULL::integer[]"
    if refresh is not None and outbox_names:
        binds.append(_json_param("outbox"))
        # a new row's status and attempts so far: their defaults, constants
        constant = {
            column.name: column.default.arg
            for column in OUTBOX.columns
            if column.name not in outbox_names
            and column.default is not None
            and column.default.is_scalar
        }
        binds += [sa.bindparam(f"outbox_{name}", value) for name, value in constant.items()]
        # each acknowledgement is rendered in the language a case of its language is told in
        # (notifications.templates.language_of): only those of the case's are kept
        languages = ", ".join(f"'{language}'" for language in LANGUAGES)
        kept = (
            f" WHERE r.language = CASE WHEN new_case.language IN ({languages})"
            f" THEN new_case.language ELSE '{SOURCE_LANGUAGE}' END"
            if contact_language
            else ""
        )
        ctes.append(
            "outbox AS (INSERT INTO notifications"
            f" (contact_id, case_id, {', '.join([*outbox_names, *constant])})"
            f" SELECT contact.id, new_case.id, {', '.join('r.' + n for n in outbox_names)},"
            f" {', '.join(':outbox_' + name for name in constant)}"
            " FROM new_case, contact,"
            " json_populate_recordset(NULL::notifications, CAST(:outbox AS json)) WITH ORDINALITY r"
            f"{kept} ORDER BY r.ordinality RETURNING id)"
        )
        outbox_ids = "(SELECT array_agg(id) FROM outbox)"
    selected = [
        *[f"new_case.{name}" for name in returned],
        *answer,
        f"{outbox_ids} AS outbox_ids",
        "EXISTS (SELECT FROM webhook_endpoints) AS endpoints",
    ]
    statement = sa.text(
        f"WITH {', '.join(ctes)} SELECT {', '.join(selected)} FROM new_case{joined}"
    ).bindparams(*binds)
    # every column in the order selected: SQLAlchemy then matches the result's columns by
    # place and keeps that match with the compiled statement, where by name it matched them
    # again on every execution
    columns = [sa.column(name, CASES.c[name].type) for name in returned]
    if answer:
        columns += [sa.column(REPORTER + name, CONTACTS.c[name].type) for name in CONTACT_RETURNED]
    return statement.columns(*columns, sa.column("outbox_ids"), sa.column("endpoints"))


def _json_param(name: str) -> sa.BindParameter:
    return sa.bindparam(name, type_=sa.Text)
