from enum import StrEnum


class CaseStatus(StrEnum):
    triage = "triage"
    assigned = "assigned"
    in_progress = "in_progress"
    # waiting for information from the citizen; the SLA clock stands still
    waiting = "waiting"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    # the matter belongs to a body outside the city government (routing's referral bodies):
    # the resident was told where to go; final, with no SLA clock
    referred = "referred"


# the statuses whose SLA clock runs: a case in one of them past its due time is overdue
CLOCK_STATUSES = frozenset({CaseStatus.triage, CaseStatus.assigned, CaseStatus.in_progress})
OPEN_STATUSES = CLOCK_STATUSES | {CaseStatus.waiting}


class CaseKind(StrEnum):
    """What the resident asked of the city: a problem to fix, or something to answer (a question
    routing placed with an agency, such as where to renew an ID card); SP4N-LAPOR! keeps the
    two apart as Pengaduan and Pertanyaan."""

    complaint = "complaint"
    question = "question"


class EventKind(StrEnum):
    created = "created"
    status_changed = "status_changed"
    forwarded = "forwarded"
    note = "note"
    merged = "merged"
    assignee_changed = "assignee_changed"
    escalated = "escalated"
    rated = "rated"
    # the resident's own words added after filing: an answer, a caption, more detail
    citizen_note = "citizen_note"
    # the resident asked when their case will be handled
    nudged = "nudged"
    # the resident corrected the complaint's text soon after sending it; the old text is kept
    text_edited = "text_edited"
    # moderation of what the public sees (cases/moderation.py); staff-only entries
    hidden = "hidden"
    unhidden = "unhidden"
    public_text_edited = "public_text_edited"
    photo_published = "photo_published"
    photo_withdrawn = "photo_withdrawn"
    # staff recorded the case as a complaint or a question (cases/kinds.py); staff-only
    kind_changed = "kind_changed"


class HideReason(StrEnum):
    """Why staff keep a case off the public side (cases/moderation.py); one list to choose from."""

    about_person = "about_person"
    personal_data = "personal_data"
    offensive = "offensive"
    not_public = "not_public"
    other = "other"


class SourceChannel(StrEnum):
    """Where a complaint came in; replies go to the case's contact, which may differ (web)."""

    web = "web"
    telegram = "telegram"
    sms = "sms"
    whatsapp = "whatsapp"
    # a partner's app, through the Open311 GeoReport v2 API (open311/)
    open311 = "open311"
