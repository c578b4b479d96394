"""The staff API: work cases, watch the numbers (signing in is staff.routes)."""

from __future__ import annotations

import itertools
import logging
import re
from datetime import date
from pathlib import PurePosixPath
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from cases import assignees, kinds, lifecycle, moderation, service
from cases.duplicates import merge
from cases.enums import CaseStatus
from cases.errors import CaseError, SearchRefused
from cases.export import BYTE_ORDER_MARK, csv_chunks
from cases.models import Attachment, Case
from cases.proof import store_upload
from cases.schemas import (
    NOTE_MAX,
    AgencyStats,
    AssigneeIn,
    CaseDetail,
    CasePage,
    ForwardIn,
    HideIn,
    KindIn,
    MergeIn,
    NoteIn,
    PublicTextIn,
    ReferIn,
    TransitionIn,
    UnhideIn,
)
from cases.search import MAX_CHARS as SEARCH_MAX_CHARS
from cases.service import QueueOrder
from cases.stats import PeriodError, agency_stats, period
from core.deps import ReadSessionDep, SessionDep, SettingsDep
from core.media import MediaRejected
from core.responses import FILE_GONE, STAFF_ERRORS, error_response
from core.storage import MediaNotFound, get_storage
from staff.auth import CaseWorker, Supervisor
from staff.models import User

# the largest id a row can have (ids are 32-bit integers): a bigger cursor is a 422, not a 500
ROW_ID_MAX = 2**31 - 1

router = APIRouter(prefix="/api/v1", tags=["staff"], responses=STAFF_ERRORS)
log = logging.getLogger(__name__)
_NOT_PLAIN_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._ -]")


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: ReadSessionDep,
    user: CaseWorker,
    status_filter: Annotated[CaseStatus | None, Query(alias="status")] = None,
    agency: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        int | None,
        Query(ge=1, le=ROW_ID_MAX, description="next_cursor of the previous page"),
    ] = None,
    sort: Annotated[
        QueueOrder,
        Query(
            description="newest first (default); urgent: overdue first, then by due time; "
            "reported: most residents reported or follow first"
        ),
    ] = "newest",
    q: Annotated[
        str | None,
        Query(
            max_length=SEARCH_MAX_CHARS,
            description="words of the complaint or its notes (every one must be there; the "
            "last may be the start of a word), a tracking code, or a phone number (the cases "
            "its resident reported, except Anonim ones)",
        ),
    ] = None,
) -> CasePage:
    """Cases newest first (or as `sort` says): an officer sees their agency's, a supervisor
    everyone's; `q` searches them."""
    try:
        return service.list_cases(
            session,
            user,
            status=status_filter,
            agency_code=agency,
            limit=limit,
            cursor=cursor,
            order=sort,
            search=q,
        )
    except (CaseError, SearchRefused) as exc:
        raise HTTPException(exc.status_code, detail=str(exc)) from exc


def csv_download(
    session: SessionDep,
    user: User,
    *,
    timezone: str,
    language: str,
    byte_order_mark: bool = False,
    **filters: object,
) -> StreamingResponse:
    """The cases `user` may see as a CSV download, streamed in constant memory; the API's and
    the console's. The filters run before the first byte, so a bad one raises CaseError here
    and not half-way through a file. `byte_order_mark` tells Excel the file is UTF-8."""
    chunks = csv_chunks(session, user, timezone=timezone, language=language, **filters)
    header = next(chunks)
    if byte_order_mark:
        header = BYTE_ORDER_MARK + header
    return StreamingResponse(
        itertools.chain([header], chunks),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="aduan-cases.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/cases/export.csv", response_class=StreamingResponse)
def export_cases(
    session: ReadSessionDep,
    settings: SettingsDep,
    user: CaseWorker,
    status_filter: Annotated[CaseStatus | None, Query(alias="status")] = None,
    agency: Annotated[str | None, Query(max_length=32)] = None,
    lang: Annotated[Literal["id", "en"] | None, Query(description="language of the names")] = None,
) -> StreamingResponse:
    """All cases the user may see, as CSV with stable columns and no contact details; times
    in the city's time zone, names of status, agency and category in `lang`."""
    try:
        return csv_download(
            session,
            user,
            timezone=settings.city_timezone,
            language=lang or settings.default_language,
            status=status_filter,
            agency_code=agency,
        )
    except CaseError as exc:
        raise HTTPException(exc.status_code, detail=str(exc)) from exc


def _case_or_404(session: SessionDep, user: User, code: str) -> Case:
    case = service.case_for_user(session, user, code)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no case {code} in your queue")
    return case


def _apply(session: SessionDep, change) -> None:
    try:
        change()
    except CaseError as exc:
        session.rollback()
        raise HTTPException(exc.status_code, detail=str(exc)) from exc
    session.commit()


@router.get("/cases/{code}", response_model=CaseDetail)
def get_case(code: str, session: SessionDep, user: CaseWorker) -> CaseDetail:
    """Everything about one case, including its location, attachments and full history."""
    return service.detail_view(session, _case_or_404(session, user, code))


def _content_disposition(filename: str) -> str:
    """RFC 6266: a plain-ASCII fallback every client understands, plus the exact UTF-8 name.

    The name came from a resident's phone, so nothing of it reaches the header unescaped.
    """
    fallback = _NOT_PLAIN_FILENAME_CHARS.sub("_", filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/cases/{code}/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file"},
        **FILE_GONE,
    },
)
def download_attachment(
    code: str,
    # bounded so an absurd id is a 422, not an integer overflow in the database driver
    attachment_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)],
    session: SessionDep,
    settings: SettingsDep,
    user: CaseWorker,
) -> Response:
    """A file the resident sent with the case, for the staff who may see the case."""
    case = _case_or_404(session, user, code)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such attachment on this case")
    if attachment.removed_at is not None:
        raise HTTPException(
            status.HTTP_410_GONE,
            detail="the file was deleted when the case's retention period ended",
        )
    try:
        data = get_storage(settings).read(attachment.storage_key)
    except MediaNotFound:
        log.error(
            "attachment %s: file %s missing from storage", attachment.id, attachment.storage_key
        )
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="the file of this attachment is missing"
        ) from None
    suffix = PurePosixPath(attachment.storage_key).suffix
    filename = attachment.filename or f"{case.tracking_code}-{attachment.id}{suffix}"
    return Response(
        data,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": _content_disposition(filename),
            # never rendered inline nor kept by a shared cache: residents' photos are personal
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/cases/{code}/transitions", response_model=CaseDetail)
def change_status(
    code: str, body: TransitionIn, session: SessionDep, settings: SettingsDep, user: CaseWorker
) -> CaseDetail:
    """Move a case along its lifecycle; the citizen hears about it."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: lifecycle.move_to(
            session,
            settings,
            case,
            body.status,
            actor=user,
            public_note=body.note,
            internal_note=body.internal_note,
        ),
    )
    return service.detail_view(session, case)


@router.post(
    "/cases/{code}/resolution",
    response_model=CaseDetail,
    responses={415: error_response("the photo is not an accepted image type")},
)
def resolve_case(
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    user: CaseWorker,
    photo: Annotated[UploadFile | None, File(description="the after-photo (an image)")] = None,
    note: Annotated[
        str | None, Form(max_length=NOTE_MAX, description="sent to the citizen")
    ] = None,
    internal_note: Annotated[str | None, Form(max_length=NOTE_MAX)] = None,
) -> CaseDetail:
    """Resolve a case with the officer's after-photo (multipart): the citizen and everyone who
    follows the case receive it with the note and the rating question. A category that
    requires a photo refuses the resolve without one (422)."""
    case = _case_or_404(session, user, code)
    try:
        stored = (
            store_upload(settings, photo.file, photo.content_type, photo.filename)
            if photo is not None
            else None
        )
    except MediaRejected as exc:
        code_for = {"too_large": 413, "unsupported_type": 415, "not_photo": 415}
        raise HTTPException(code_for.get(exc.reason, 422), detail=str(exc)) from exc
    _apply(
        session,
        lambda: lifecycle.move_to(
            session,
            settings,
            case,
            CaseStatus.resolved,
            actor=user,
            public_note=(note or "").strip() or None,
            internal_note=(internal_note or "").strip() or None,
            photo=stored,
        ),
    )
    return service.detail_view(session, case)


@router.post("/cases/{code}/forward", response_model=CaseDetail)
def forward_case(
    code: str, body: ForwardIn, session: SessionDep, settings: SettingsDep, user: CaseWorker
) -> CaseDetail:
    """Send a misrouted case to the agency that should act, with the reason."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: lifecycle.forward(
            session,
            settings,
            case,
            agency_code=body.agency,
            note=body.note,
            actor=user,
            category_code=body.category,
        ),
    )
    return service.detail_view(session, case)


@router.post("/cases/{code}/refer", response_model=CaseDetail)
def refer_case(
    code: str, body: ReferIn, session: SessionDep, settings: SettingsDep, user: CaseWorker
) -> CaseDetail:
    """Refer an open case to a body outside the city government (a referral body of the
    catalogue), with the reason; its resident is told where to go and the case ends."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: lifecycle.refer(
            session, settings, case, agency_code=body.agency, note=body.note, actor=user
        ),
    )
    return service.detail_view(session, case)


@router.post("/cases/{code}/merge", response_model=CaseDetail)
def merge_case(
    code: str, body: MergeIn, session: SessionDep, settings: SettingsDep, user: CaseWorker
) -> CaseDetail:
    """Close a duplicate into the case that carries on; its reporter follows that case."""
    duplicate = _case_or_404(session, user, code)
    if body.into is None and duplicate.duplicate_of_id is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="this case has no likely original; say which case to merge into",
        )
    original = (
        _case_or_404(session, user, body.into)
        if body.into is not None
        else session.get(Case, duplicate.duplicate_of_id)
    )
    if not service.can_work_on(user, original):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such case in your queue")
    _apply(session, lambda: merge(session, settings, duplicate, original, actor=user))
    return service.detail_view(session, original)


@router.post("/cases/{code}/notes", response_model=CaseDetail, status_code=201)
def add_note(
    code: str, body: NoteIn, session: SessionDep, settings: SettingsDep, user: CaseWorker
) -> CaseDetail:
    """Add an internal note, or a public one that is also sent to the citizen."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: lifecycle.add_note(
            session, settings, case, text=body.text, public=body.public, actor=user
        ),
    )
    return service.detail_view(session, case)


@router.post("/cases/{code}/assignee", response_model=CaseDetail)
def set_assignee(code: str, body: AssigneeIn, session: SessionDep, user: CaseWorker) -> CaseDetail:
    """Put the case on the desk of a named officer of its agency, or (null) on nobody's."""
    case = _case_or_404(session, user, code)
    _apply(session, lambda: assignees.assign(session, case, body.username, actor=user))
    return service.detail_view(session, case)


@router.put("/cases/{code}/kind", response_model=CaseDetail)
def set_kind(code: str, body: KindIn, session: SessionDep, user: CaseWorker) -> CaseDetail:
    """Record the case as a complaint (a problem to fix) or a question (to be answered)."""
    case = _case_or_404(session, user, code)
    _apply(session, lambda: kinds.set_kind(session, case, body.kind, actor=user))
    return service.detail_view(session, case)


@router.post("/cases/{code}/hide", response_model=CaseDetail)
def hide_case(code: str, body: HideIn, session: SessionDep, user: CaseWorker) -> CaseDetail:
    """Keep the case off every public page, map and feed, with the reason (409 if hidden)."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: moderation.hide(session, case, reason=body.reason, note=body.note, actor=user),
    )
    return service.detail_view(session, case)


@router.post("/cases/{code}/unhide", response_model=CaseDetail)
def unhide_case(code: str, body: UnhideIn, session: SessionDep, user: CaseWorker) -> CaseDetail:
    """Let a hidden case be public again, as PUBLISH_POLICY allows (409 if not hidden)."""
    case = _case_or_404(session, user, code)
    _apply(session, lambda: moderation.unhide(session, case, note=body.note, actor=user))
    return service.detail_view(session, case)


@router.put("/cases/{code}/public-text", response_model=CaseDetail)
def set_public_text(
    code: str, body: PublicTextIn, session: SessionDep, user: CaseWorker
) -> CaseDetail:
    """What the public reads instead of the resident's words, which are kept as written."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: moderation.set_public_text(
            session, case, text=body.text, note=body.note, actor=user
        ),
    )
    return service.detail_view(session, case)


@router.post("/cases/{code}/attachments/{attachment_id}/publish", response_model=CaseDetail)
def publish_photo(
    code: str,
    attachment_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)],
    session: SessionDep,
    user: CaseWorker,
) -> CaseDetail:
    """Approve one of the resident's photos for the case's public page."""
    case = _case_or_404(session, user, code)
    _apply(session, lambda: moderation.publish_photo(session, case, attachment_id, actor=user))
    return service.detail_view(session, case)


@router.post("/cases/{code}/attachments/{attachment_id}/withdraw", response_model=CaseDetail)
def withdraw_photo(
    code: str,
    attachment_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)],
    session: SessionDep,
    user: CaseWorker,
) -> CaseDetail:
    """Take an approved photo off the case's public page."""
    case = _case_or_404(session, user, code)
    _apply(session, lambda: moderation.withdraw_photo(session, case, attachment_id, actor=user))
    return service.detail_view(session, case)


@router.get("/stats/agencies", response_model=list[AgencyStats])
def stats_by_agency(
    session: ReadSessionDep,
    settings: SettingsDep,
    user: Supervisor,
    first: Annotated[
        date | None,
        Query(alias="from", description="first day, city time; default: 12 weeks up to `to`"),
    ] = None,
    last: Annotated[
        date | None, Query(alias="to", description="last day, included; default: today")
    ] = None,
) -> list[AgencyStats]:
    """Backlog, overdue cases, resolution times, SLA compliance, misrouting and citizens'
    ratings per agency, over a range of days (the backlog and overdue counts are now's)."""
    try:
        days = period(first, last, settings.city_timezone)
    except PeriodError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=str(exc)) from exc
    return agency_stats(session, days)
