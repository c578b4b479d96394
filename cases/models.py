"""Cases, their append-only history and attachments."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from cases.enums import OPEN_STATUSES, CaseKind, CaseStatus, EventKind
from core.db import UTCDateTime, partial_index, utcnow

# the condition of the backlog index: a case counts while its status is one of OPEN_STATUSES
OPEN_CASES_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES)))
# the history entries that move a case to an agency: the dashboard counts them per agency. In
# the query as written here (constants, not parameters), so that a prepared statement's generic
# plan can still prove the partial index applies
PASSING_ON_SQL = f"kind IN ('{EventKind.created}', '{EventKind.forwarded}')"
# final cases whose reporter is still named, by the timestamp of how they ended (a merged case
# is closed): the retention pass erases the link once that is CONTACT_RETENTION_DAYS ago
CLOSED_WITH_CONTACT_SQL = f"status = '{CaseStatus.closed}' AND contact_id IS NOT NULL"
REJECTED_WITH_CONTACT_SQL = f"status = '{CaseStatus.rejected}' AND contact_id IS NOT NULL"
REFERRED_WITH_CONTACT_SQL = f"status = '{CaseStatus.referred}' AND contact_id IS NOT NULL"
# the cases that may be public whatever PUBLISH_POLICY says (cases/publishing.py adds the
# policy's own condition): not Rahasia, not hidden by staff, not folded into another case, not
# rejected. Written out as constants so that the public listing's query, which repeats it
# word for word, can use the partial index below
# the history entries a partner's feed of updates (Open311 servicerequestupdates) is made of:
# every status change and every note staff wrote to the resident
PUBLIC_UPDATE_SQL = f"kind = '{EventKind.status_changed}' OR public_note IS NOT NULL"
PUBLIC_CANDIDATE_SQL = (
    f"confidential = false AND hidden_at IS NULL AND merged_into_id IS NULL "
    f"AND status <> '{CaseStatus.rejected}'"
)

# the public cases' places (the map): the located ones of PUBLIC_CANDIDATE_SQL
PUBLIC_PLACE_SQL = f"{PUBLIC_CANDIDATE_SQL} AND latitude IS NOT NULL"


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        # an agency's queue in one status, newest first: ending in id, a page below a cursor
        # is read in order from the index (keyset paging), however deep
        sa.Index("ix_cases_agency_status", "agency_id", "status", "id"),
        sa.UniqueConstraint("intake_key", name="uq_cases_intake_key"),
        # the dashboard's range queries read only these indexes on PostgreSQL (INCLUDE), so a
        # million cases answer in a few hundred milliseconds; see bench/stats.py
        sa.Index("ix_cases_created_at", "created_at", postgresql_include=["agency_id"]),
        partial_index(
            "ix_cases_resolved_at",
            "resolved_at",
            where="resolved_at IS NOT NULL",
            postgresql_include=["status", "agency_id", "created_at"],
        ),
        sa.Index(
            "ix_cases_due_at",
            "due_at",
            postgresql_include=["status", "resolved_at", "paused_at", "agency_id"],
        ),
        # the backlog: open cases per agency, with what "overdue" needs
        partial_index(
            "ix_cases_open_agency",
            "agency_id",
            where=OPEN_CASES_SQL,
            postgresql_include=["status", "due_at"],
        ),
        # the duplicate search: an agency's cases inside a small box around a new complaint.
        # Without it PostgreSQL's generic plan read every case not marked a duplicate (all of
        # them, every agency) for each complaint with a location; with it, only the box
        partial_index(
            "ix_cases_agency_location",
            "agency_id",
            "latitude",
            "longitude",
            where="latitude IS NOT NULL",
        ),
        partial_index(
            "ix_cases_duplicate_of_id", "duplicate_of_id", where="duplicate_of_id IS NOT NULL"
        ),
        partial_index("ix_cases_assignee_id", "assignee_id", where="assignee_id IS NOT NULL"),
        sa.Index(
            "ix_cases_rated_at",
            "rated_at",
            postgresql_include=["rating", "agency_id"],
            postgresql_where=sa.text("rated_at IS NOT NULL"),
        ),
        # the retention pass: final cases that still name their reporter, by when they ended
        # (a case leaves the index once its link is erased, so the pass reads only its work)
        partial_index("ix_cases_closed_with_contact", "closed_at", where=CLOSED_WITH_CONTACT_SQL),
        partial_index(
            "ix_cases_rejected_with_contact", "rejected_at", where=REJECTED_WITH_CONTACT_SQL
        ),
        partial_index(
            "ix_cases_referred_with_contact", "referred_at", where=REFERRED_WITH_CONTACT_SQL
        ),
        # the public map, list and feeds (cases/public_listing.py): newest first below a
        # cursor, reading only cases that may be public
        partial_index("ix_cases_public", "id", where=PUBLIC_CANDIDATE_SQL),
        # the public map inside a box: a street reads the cases of its box, not every public
        # case newest first until a page is found; on PostgreSQL a page's ids and the city's
        # clusters come from the index alone
        partial_index(
            "ix_cases_public_place",
            "latitude",
            "longitude",
            where=PUBLIC_PLACE_SQL,
            postgresql_include=["status", "reviewed_at", "id"],
        ),
        # the cases of one announcement, for the console's queue
        partial_index(
            "ix_cases_announcement_id", "announcement_id", where="announcement_id IS NOT NULL"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(sa_type=sa.String(9), unique=True, index=True)
    status: str = Field(sa_type=sa.String(16), index=True)
    # a complaint, or a question routing placed with an agency (a CaseKind value); staff may
    # change it (cases/kinds.py). Not `kind`: case_events and notifications have one, and
    # queries joining them to cases name theirs unqualified (PUBLIC_UPDATE_SQL)
    case_kind: str = Field(
        default=CaseKind.complaint,
        sa_type=sa.String(16),
        sa_column_kwargs={"server_default": CaseKind.complaint.value},
    )
    text: str = Field(sa_type=sa.Text)
    language: str = Field(default="id", sa_type=sa.String(2))
    source_channel: str = Field(sa_type=sa.String(16))
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", index=True)
    notify: bool = True
    # Anonim: no staff member, role or export learns who reported (the contact still gets the
    # updates). Rahasia: the text, photos and location never appear on anything public.
    anonymous: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    confidential: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # set when the reporter's contact details were erased (their own request, or retention):
    # the case stays as the city's record, naming nobody
    reporter_erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    category_id: int | None = Field(default=None, foreign_key="categories.id")
    routing_confidence: float | None = None
    routing_suggestion: dict | None = Field(default=None, sa_type=sa.JSON)
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = Field(default=None, sa_type=sa.String(500))
    intake_key: str | None = Field(default=None, sa_type=sa.String(200))
    # the office of the agency whose service area holds the case's location
    service_area_id: int | None = Field(default=None, foreign_key="service_areas.id")
    # an open case of the same agency this one looks like, for an officer to confirm
    duplicate_of_id: int | None = Field(default=None, foreign_key="cases.id")
    duplicate_score: float | None = None
    # set when an officer merged this case into another; it is then closed
    merged_into_id: int | None = Field(default=None, foreign_key="cases.id")
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # set while the case waits on the citizen: the SLA clock stands still from here
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the officer of the agency who has the case on their desk
    assignee_id: int | None = Field(default=None, foreign_key="users.id")
    # 0 = not escalated, 1 = to the agency head, 2 = to the supervisors
    escalation_level: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # how often the resident asked when it will be handled, and when they last added words
    # (an answer, a caption, more detail): the officer's queue shows both
    nudges: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    citizen_noted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the citizen's 1-5 rating of how the case was handled, asked for on resolve
    rating: int | None = None
    rated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the first time staff acted on the case (a status move, a forward, an assignment, a
    # moderation that publishes): PUBLISH_POLICY=reviewed publishes a case only from then
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # set while staff keep the case off every public page, map and feed; the reason's code is
    # one of cases.enums.HideReason (the free words go into the history entry)
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_reason: str | None = Field(default=None, sa_type=sa.String(32))
    # what the public reads instead of `text` when staff rewrote it (`text` stays as written)
    public_text: str | None = Field(default=None, sa_type=sa.Text)
    # the agency's announcement this complaint was filed under (same problem, same place, during
    # its window): the resident was told of it, and the queue can leave such cases out
    announcement_id: int | None = Field(default=None, foreign_key="announcements.id")
    # how many residents reported the problem or follow the case: the reporter, each resident
    # who said "the same problem" (cases/following.py) and the reports merged into it
    report_count: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    in_progress_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rejected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    referred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseEvent(SQLModel, table=True):
    """One entry of a case's history; rows are only ever inserted."""

    __tablename__ = "case_events"
    __table_args__ = (
        # the dashboard's filings and forwards: only those events, a third of the history
        partial_index(
            "ix_case_events_passing_on",
            "created_at",
            where=PASSING_ON_SQL,
            postgresql_include=["kind", "from_agency_id", "to_agency_id"],
        ),
        # the updates of a time window, oldest first (open311/): only those entries
        partial_index("ix_case_events_public_updates", "created_at", "id", where=PUBLIC_UPDATE_SQL),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    kind: str = Field(sa_type=sa.String(32))
    from_status: str | None = Field(default=None, sa_type=sa.String(16))
    to_status: str | None = Field(default=None, sa_type=sa.String(16))
    from_agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    to_agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    public_note: str | None = Field(default=None, sa_type=sa.Text)
    internal_note: str | None = Field(default=None, sa_type=sa.Text)
    # a note the history wrote by itself, worded when read (cases.notes)
    note_code: str | None = Field(default=None, sa_type=sa.String(40))
    note_params: dict | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    actor_user_id: int | None = Field(default=None, foreign_key="users.id")
    actor: str = Field(sa_type=sa.String(100))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    content_type: str = Field(sa_type=sa.String(100))
    filename: str | None = Field(default=None, sa_type=sa.String(255))
    size: int
    storage_key: str = Field(sa_type=sa.String(500))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # set when retention deleted the file from storage (MEDIA_RETENTION_DAYS after the case
    # ended); the row stays, so staff read that it was removed rather than follow a dead link
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # an officer's after-photo, taken when resolving (cases/proof.py); False: the resident's file
    proof: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # set when staff approved the photo for the case's public page (who: the history entry)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseSubscriber(SQLModel, table=True):
    """Another resident who hears about a case: the reporter of a duplicate merged into it, or
    one who said their problem is the same (cases/following.py)."""

    __tablename__ = "case_subscribers"
    __table_args__ = (sa.UniqueConstraint("case_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    contact_id: int = Field(foreign_key="contacts.id")
    language: str = Field(default="id", sa_type=sa.String(2))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Holiday(SQLModel, table=True):
    """A city's own change to the working-day calendar, on top of the national holidays.

    `off` days are extra days off (a regional holiday, a joint leave day the library lacks);
    a row with `off` false makes a day a working day that would otherwise not be (a national
    holiday the city works through, a Saturday swapped for a bridge day).
    """

    __tablename__ = "holidays"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    name: str = Field(sa_type=sa.String(200))
    off: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Announcement(SQLModel, table=True):
    """An agency's notice about a known problem in an area for a time ("Pemadaman air PDAM di
    Kel. Pleburan sampai 18:00"): residents there are told, the public map shows it, and new
    complaints about it in its area and window are linked to it (cases/announcements.py).

    The area is GeoJSON: a Polygon or MultiPolygon (drawn, or copied from the service area
    `service_area_id` at posting, so a later change to that area does not move it), or a Point
    with `radius_m` for a circle.
    """

    __tablename__ = "announcements"
    __table_args__ = (sa.Index("ix_announcements_ends_at", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    # the problem: a complaint of this category is linked; None: any of the agency's complaints
    category_id: int | None = Field(default=None, foreign_key="categories.id")
    text: str = Field(sa_type=sa.Text)
    # one of cases.announcements.AreaKind
    area_kind: str = Field(sa_type=sa.String(16))
    service_area_id: int | None = Field(default=None, foreign_key="service_areas.id")
    geometry: dict = Field(sa_type=sa.JSON)
    radius_m: int | None = None
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by: int | None = Field(default=None, foreign_key="users.id")


class AgencyDay(SQLModel, table=True):
    """One agency's numbers for one day of the city's calendar, kept with the cases in the same
    transactions (cases/day_stats.py says which column counts what), so that statistics over a
    range read a row per agency and day instead of every case."""

    __tablename__ = "agency_day_stats"

    # the case's agency, or NO_AGENCY (0) for the triage desk: a key column cannot be NULL
    agency_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    day: date = Field(primary_key=True)
    filed: int = 0
    filed_public: int = 0
    resolved: int = 0
    resolved_public: int = 0
    sla_on_time: int = 0
    sla_late: int = 0
    sla_running: int = 0
    forwarded: int = 0
    received: int = 0
    referred: int = 0
    rating_count: int = 0
    rating_sum: int = 0


class PublicMapCell(SQLModel, table=True):
    """The public cases of one cell of the public map's finest summarised grid
    (cases.public_map.SUMMARY_ZOOM), one row per status and whether staff reviewed them.

    Kept by the database: triggers on `cases` (migration 35a2af86e332) add a case to its cell
    when it becomes public with a place and take it out when it stops being one or moves, in the
    transaction that changes it. A row whose cases left stays, with nothing in it."""

    __tablename__ = "public_map_cells"

    cell_row: int = Field(primary_key=True)  # floor((latitude + 90) / cell side)
    cell_col: int = Field(primary_key=True)  # floor((longitude + 180) / cell side)
    status: str = Field(sa_type=sa.String(16), primary_key=True)
    reviewed: bool = Field(primary_key=True)
    cases: int
    sum_lat: float
    sum_lon: float


# how many buckets of resolution time a day's row counts (cases/resolution_times.py bounds them)
RESOLUTION_BUCKETS = 64
RESOLUTION_BUCKET_COLUMNS = tuple(f"d{bucket:02}" for bucket in range(RESOLUTION_BUCKETS))


def _duration_counts(name: str) -> sa.Table:
    return sa.Table(
        name,
        SQLModel.metadata,
        sa.Column("agency_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Date, primary_key=True),
        *(
            sa.Column(column, sa.Integer, nullable=False, default=0)
            for column in RESOLUTION_BUCKET_COLUMNS
        ),
    )


# One agency's cases resolved on one day of the city's calendar, counted by how long each took,
# in buckets: column d07 counts those whose time falls in bucket 7. Kept with AgencyDay in the
# same transactions (cases/day_stats.py); a Table rather than a model because its columns are a
# row of alike counts. Two expression indexes on `cases` go with it, made by migration
# f059e33b6de3 only (one expression per database): cases/resolution_times.py says which.
agency_day_durations = _duration_counts("agency_day_durations")
# the same counts per agency and calendar month (`day`: its first day), kept alongside: a range
# of two years adds up some 24 of these and the days of the months it cuts, not 730 days
agency_month_durations = _duration_counts("agency_month_durations")
