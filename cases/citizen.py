"""Telling the citizen about their case: the only way cases reach the outbox."""

from __future__ import annotations

from sqlmodel import Session

from aduan.settings import Settings
from cases.enums import SourceChannel
from cases.models import Case
from notifications.enums import MessageKind
from notifications.models import Contact
from notifications.service import queue_messages
from notifications.templates import message_variables, render
from routing.models import Agency

CHAT_APPS = frozenset({SourceChannel.telegram, SourceChannel.whatsapp})


def track_url(settings: Settings, code: str) -> str:
    return f"{settings.public_base_url}/track/{code}"


def tell_citizen(
    session: Session,
    settings: Settings,
    case: Case,
    kind: MessageKind,
    *,
    note: str | None = None,
) -> None:
    """Queue a message about `case` on the channel its citizen uses, if they want updates."""
    if not case.notify or case.contact_id is None:
        return
    contact = session.get(Contact, case.contact_id)
    agency = session.get(Agency, case.agency_id) if case.agency_id else None
    agency_name = None
    if agency is not None:
        agency_name = agency.name_en if case.language == "en" else agency.name
    values = dict(
        code=case.tracking_code,
        track_url=track_url(settings, case.tracking_code),
        agency=agency_name,
        status=case.status,
        note=note,
    )
    queue_messages(
        session,
        contact=contact,
        case_id=case.id,
        reference=case.tracking_code,
        kind=kind,
        language=case.language,
        body=render(
            kind,
            case.language,
            invite_details=kind is MessageKind.acknowledgement and case.source_channel in CHAT_APPS,
            **values,
        ),
        variables=message_variables(case.language, **values),
    )
