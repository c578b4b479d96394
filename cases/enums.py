from enum import StrEnum


class CaseStatus(StrEnum):
    triage = "triage"
    assigned = "assigned"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"


ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.triage: frozenset({CaseStatus.assigned, CaseStatus.rejected}),
    CaseStatus.assigned: frozenset(
        {CaseStatus.in_progress, CaseStatus.resolved, CaseStatus.rejected}
    ),
    CaseStatus.in_progress: frozenset({CaseStatus.resolved, CaseStatus.rejected}),
    CaseStatus.resolved: frozenset({CaseStatus.closed, CaseStatus.in_progress}),
    CaseStatus.closed: frozenset(),
    CaseStatus.rejected: frozenset(),
}

OPEN_STATUSES = frozenset({CaseStatus.triage, CaseStatus.assigned, CaseStatus.in_progress})
FORWARDABLE_STATUSES = OPEN_STATUSES


class EventKind(StrEnum):
    created = "created"
    status_changed = "status_changed"
    forwarded = "forwarded"
    note = "note"
    merged = "merged"


class Role(StrEnum):
    officer = "officer"
    supervisor = "supervisor"
    admin = "admin"


class SourceChannel(StrEnum):
    """Where a complaint came in; replies go to the case's contact, which may differ (web)."""

    web = "web"
    telegram = "telegram"
    sms = "sms"
    whatsapp = "whatsapp"
