"""What the case API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from cases.enums import CaseKind, CaseStatus, HideReason
from core.logs import mask_personal

NOTE_MAX = 2000
ASSIGNEE_DESCRIPTION = "username of the officer who has the case on their desk"


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class AgencyRef(BaseModel):
    code: str
    name: str


class CategoryRef(BaseModel):
    code: str
    name: str


class ReferralRef(BaseModel):
    """A body outside the city government a case was referred to, and how to reach it."""

    code: str
    name: str
    where: str = Field(description="its channel (website, app, office) and hotline, if any")


class ServiceAreaRef(BaseModel):
    code: str
    name: str


class PublicEvent(BaseModel):
    at: datetime
    kind: str
    status: str | None
    agency: AgencyRef | None = None
    note: str | None = None
    officer: str | None = Field(
        default=None, description="the staff member's name, where the city publishes it"
    )


class PublicPhoto(BaseModel):
    id: int
    url: str = Field(description="the photo, served to anyone while it stays published")
    proof: bool = Field(description="an officer's photo of the fix; otherwise the resident's")


class PublicCase(BaseModel):
    """What anyone holding the tracking code may see: no contact details, no internal notes."""

    tracking_code: str
    status: CaseStatus
    kind: CaseKind = Field(description="complaint (a problem to fix) or question (to be answered)")
    agency: AgencyRef | None
    category: CategoryRef | None
    service_area_name: str | None = Field(
        default=None, description="the agency's office for the place, e.g. UPTD Wilayah Barat"
    )
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into: str | None = Field(default=None, description="the case that carries on")
    anonymous: bool = Field(default=False, description="Anonim: staff do not see the reporter")
    confidential: bool = Field(
        default=False, description="Rahasia: the words, photos and place are never published"
    )
    history: list[PublicEvent]
    shown_publicly: bool = Field(
        default=False, description="whether the case is on the public map, list and feeds"
    )
    text: str | None = Field(
        default=None,
        description="the complaint with personal data hidden (or the text staff wrote for "
        "the public); none for a Rahasia or hidden case",
    )
    address: str | None = Field(default=None, description="the place, as the text is")
    latitude: float | None = Field(default=None, description="only while shown publicly")
    longitude: float | None = Field(default=None, description="only while shown publicly")
    photos: list[PublicPhoto] = Field(
        default_factory=list, description="photos staff approved, only while shown publicly"
    )
    report_count: int = Field(
        default=1, description="residents who reported or follow it (the reporter counts)"
    )
    referred_to: ReferralRef | None = Field(
        default=None,
        description="for a referred case: the body outside the city it belongs to, and how "
        "to reach it",
    )


class PublicCaseItem(BaseModel):
    """One case of the public map, list and feeds: only what cases.publishing allows."""

    tracking_code: str
    status: CaseStatus
    status_label: str = Field(description="the status in the language asked for")
    kind: CaseKind = Field(description="complaint (a problem to fix) or question (to be answered)")
    kind_label: str = Field(description="the kind in the language asked for")
    agency: AgencyRef | None
    category: CategoryRef | None
    area: str | None = Field(description="name of the agency's service area for the place")
    text: str | None = Field(description="the complaint with personal data hidden")
    address: str | None
    latitude: float | None
    longitude: float | None
    created_at: datetime
    updated_at: datetime
    url: str = Field(description="the case's public page")
    report_count: int = Field(
        default=1, description="residents who reported or follow it (the reporter counts)"
    )


class PublicCasePage(BaseModel):
    kind: Literal["cases"] = Field(default="cases", description="a page of cases")
    items: list[PublicCaseItem]
    next_cursor: str | None = Field(
        default=None, description="pass as `cursor` for the next page; none on the last"
    )
    next: str | None = Field(default=None, description="the next page's address")


class PublicMarker(BaseModel):
    """One public case as the map's marker shows it: where, what and how far along; no words
    (they are on its page)."""

    tracking_code: str
    status: CaseStatus
    status_label: str = Field(description="the status in the language asked for")
    category: CategoryRef | None
    latitude: float
    longitude: float
    url: str = Field(description="the case's public page")
    report_count: int = Field(description="residents who reported or follow it")


class PublicMarkerPage(BaseModel):
    """The public cases of a street-level map, newest first, as markers."""

    kind: Literal["markers"] = Field(default="markers", description="a page of markers")
    items: list[PublicMarker]
    next_cursor: str | None = Field(
        default=None, description="pass as `cursor` for the next page; none on the last"
    )
    next: str | None = Field(default=None, description="the next page's address")


class PublicCluster(BaseModel):
    """The public cases of one cell of the map's grid."""

    latitude: float = Field(description="the mean position of its cases")
    longitude: float
    count: int = Field(description="public cases in the cell")
    open: int = Field(description="of which not yet resolved")
    bounds: tuple[float, float, float, float] = Field(
        description="minlon,minlat,maxlon,maxlat of its cases: where a click zooms to"
    )


class PublicClusterMap(BaseModel):
    """The public cases counted per cell, for a map zoomed out too far for markers."""

    kind: Literal["clusters"] = Field(default="clusters", description="cases counted per cell")
    zoom: int
    cell_degrees: float = Field(description="the side of a cell, in degrees")
    total: int = Field(description="public cases with a place in the box")
    clusters: list[PublicCluster] = Field(description="the fullest cell first")


class Suggestion(BaseModel):
    agency: str
    category: str | None
    score: float
    # the part of a message of several problems that is about this agency's problem
    problem: str | None = None


class CaseSummary(BaseModel):
    tracking_code: str
    status: CaseStatus
    kind: CaseKind = Field(description="complaint (a problem to fix) or question (to be answered)")
    agency: str | None
    category: str | None
    source_channel: str
    excerpt: str
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    duplicate_of: str | None = None
    suggestions: list[Suggestion] = Field(
        default_factory=list, description="routing's top three guesses, for cases in triage"
    )
    assignee: str | None = Field(default=None, description=ASSIGNEE_DESCRIPTION)
    nudges: int = Field(default=0, description="how often the resident asked when it is done")
    citizen_noted_at: datetime | None = Field(
        default=None, description="the resident added words the staff have not acted on since"
    )
    report_count: int = Field(
        default=1, description="residents who reported or follow it (the reporter counts)"
    )


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(
        description="pass as `cursor` to get the next page; null on the last page"
    )


class Location(BaseModel):
    latitude: float | None
    longitude: float | None
    address: str | None


class ContactView(BaseModel):
    """Enough for an officer to know how the citizen is reached, without the full address."""

    channel: str
    name: str | None
    address_masked: str
    wants_updates: bool


class AttachmentView(BaseModel):
    id: int
    content_type: str
    filename: str | None
    size: int
    created_at: datetime
    download_url: str | None = Field(
        description="relative URL; needs the same staff login as the case; null once removed"
    )
    removed_at: datetime | None = Field(
        default=None,
        description="when retention deleted the file (MEDIA_RETENTION_DAYS after the case ended)",
    )
    proof: bool = Field(
        default=False, description="an officer's after-photo, taken when resolving the case"
    )
    published_at: datetime | None = Field(
        default=None, description="when staff approved the photo for the public case page"
    )


class EventView(BaseModel):
    at: datetime
    kind: str
    actor: str
    from_status: str | None
    to_status: str | None
    from_agency: str | None
    to_agency: str | None
    public_note: str | None
    internal_note: str | None


class NotificationView(BaseModel):
    id: int
    kind: str
    channel: str
    status: str
    attempts: int
    last_error: str | None = Field(
        description="the provider's last refusal, with phone numbers and e-mail addresses masked"
    )
    path: str | None = Field(
        default=None, description="how it went out: sms, whatsapp, whatsapp_template, ..."
    )
    provider_status: str | None = Field(
        default=None, description="the provider's latest report (Twilio: sent, delivered, ...)"
    )
    provider_error_code: str | None = None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None = None

    @field_validator("last_error")
    @classmethod
    def _masked(cls, error: str | None) -> str | None:
        # providers quote the address they refused ("Invalid 'To' Phone Number: +62...");
        # staff see a contact's address masked everywhere, here too
        return mask_personal(error) if error else error


class DuplicateRef(BaseModel):
    tracking_code: str
    similarity: float | None


class AnnouncementRef(BaseModel):
    id: int
    text: str
    ends_at: datetime
    cancelled: bool


class CaseDetail(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tracking_code: str
    status: CaseStatus
    kind: CaseKind = Field(description="complaint (a problem to fix) or question (to be answered)")
    text: str
    language: str
    source_channel: str
    agency: AgencyRef | None
    category: CategoryRef | None
    routing_confidence: float | None
    routing_suggestion: dict | None
    location: Location
    service_area: ServiceAreaRef | None = Field(
        default=None, description="the agency's office whose service area holds the location"
    )
    contact: ContactView | None = Field(
        description="how the reporter is reached; null without a contact, and always for an "
        "anonymous case"
    )
    anonymous: bool = Field(
        default=False, description="Anonim: the reporter's name and contact are never shown"
    )
    confidential: bool = Field(
        default=False, description="Rahasia: the words, photos and place are never published"
    )
    reporter_erased: bool = Field(
        default=False,
        description="the reporter's contact details were erased (at their request, or by "
        "retention): the case names nobody",
    )
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    overdue: bool
    assigned_at: datetime | None
    in_progress_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    rejected_at: datetime | None
    duplicate_of: DuplicateRef | None = None
    merged_into: str | None = None
    announcement: AnnouncementRef | None = Field(
        default=None, description="the agency's announcement of the known problem it came under"
    )
    followers: int = Field(default=0, description="reporters of merged duplicates who get updates")
    assignee: str | None = Field(default=None, description=ASSIGNEE_DESCRIPTION)
    escalation_level: int = Field(
        default=0, description="0 none, 1 escalated to the agency head, 2 to the supervisors"
    )
    rating: int | None = Field(default=None, description="the resident's 1-5 rating, if given")
    reviewed_at: datetime | None = Field(
        default=None, description="when staff first acted on the case (PUBLISH_POLICY=reviewed)"
    )
    hidden_at: datetime | None = Field(default=None, description="hidden from the public since")
    hidden_reason: str | None = Field(default=None, description="why it is hidden (a code)")
    public_text: str | None = Field(
        default=None, description="what the public reads instead of the resident's words"
    )
    attachments: list[AttachmentView]
    history: list[EventView]
    notifications: list[NotificationView]


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: CaseStatus
    note: str | None = Field(default=None, max_length=NOTE_MAX, description="sent to the citizen")
    internal_note: str | None = Field(default=None, max_length=NOTE_MAX)

    _strip = field_validator("note", "internal_note")(_strip_or_none)


class ReferIn(BaseModel):
    """Where a case goes (an agency, or for a referral a body outside the city) and why."""

    model_config = ConfigDict(extra="forbid")

    agency: str = Field(min_length=1, max_length=32)
    note: str = Field(min_length=1, max_length=NOTE_MAX, description="why; kept internal")

    @field_validator("note")
    @classmethod
    def _note(cls, note: str) -> str:
        note = note.strip()
        if not note:
            raise PydanticCustomError("blank", "a forward or referral needs a reason")
        return note


class ForwardIn(ReferIn):
    category: str | None = Field(default=None, max_length=64)


class KindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CaseKind = Field(description="complaint or question")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=NOTE_MAX)
    public: bool = Field(default=False, description="true sends the note to the citizen")

    @field_validator("text")
    @classmethod
    def _text(cls, text: str) -> str:
        text = text.strip()
        if not text:
            raise PydanticCustomError("blank", "the note is empty")
        return text


class AgencyStats(BaseModel):
    """One agency's numbers over a range of city days; `cases.stats` says how each is counted."""

    agency: str
    name: str
    total: int = Field(description="cases filed in the range that this agency holds now")
    open: int = Field(description="the backlog: its open cases now, waiting ones included")
    overdue: int = Field(description="its cases now past due with the SLA clock running")
    resolved: int = Field(description="cases resolved in the range")
    median_resolution_hours: float | None = Field(
        description="hours from filing to resolution, over the cases resolved in the range"
    )
    p90_resolution_hours: float | None
    forwarded: int = Field(description="cases it passed on to another agency in the range")
    received: int = Field(
        default=0, description="cases it received in the range: filed there or forwarded to it"
    )
    misrouting_rate: float | None = Field(
        description="forwarded / received: the share of cases routed here wrongly"
    )
    sla_on_time: int = Field(default=0, description="cases due in the range resolved in time")
    sla_late: int = Field(
        default=0,
        description="cases due in the range resolved late, or still open with the clock run out",
    )
    sla_compliance: float | None = Field(
        default=None, description="sla_on_time / (sla_on_time + sla_late)"
    )
    rating_count: int = Field(default=0, description="citizens' ratings given in the range")
    rating_mean: float | None = Field(default=None, description="their mean, 1 to 5")


class AssigneeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # required, so that clearing the assignee is said out loud ({"username": null})
    username: str | None = Field(
        max_length=64,
        description="an active officer or supervisor of the case's agency; null for nobody",
    )


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: str | None = Field(
        default=None, max_length=20, description="the case to keep; default: the likely original"
    )


MODERATION_NOTE_MAX = 500


class HideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: HideReason = Field(description="why the case is kept off the public side")
    note: str | None = Field(
        default=None, max_length=MODERATION_NOTE_MAX, description="your own words (internal)"
    )


class UnhideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=MODERATION_NOTE_MAX)


class PublicTextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # required, so that going back to the resident's words is said out loud ({"text": null})
    text: str | None = Field(
        max_length=4000,
        description="what the public reads instead of the resident's words (personal data "
        "still hidden); null or empty for the resident's words",
    )
    note: str | None = Field(default=None, max_length=MODERATION_NOTE_MAX)


class PublicAnnouncement(BaseModel):
    """An agency's announcement active now, as the public map and list show it."""

    id: int
    agency: AgencyRef
    category: CategoryRef | None = Field(description="the problem it is about; null: any")
    text: str = Field(description="the agency's words with personal data hidden")
    area: str | None = Field(description="the service area's name, when it covers one")
    starts_at: datetime
    ends_at: datetime
    until: str = Field(description='when it holds, in words ("sampai 18:00")')
    geometry: dict = Field(
        description="GeoJSON: a Polygon or MultiPolygon, or a Point with radius_m (a circle)"
    )
    radius_m: int | None = Field(description="the circle's radius in metres; null for a polygon")
