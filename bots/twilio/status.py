"""Twilio delivery reports: `POST /webhooks/twilio/status`, the `status_callback` of every send.

Twilio posts `MessageSid`, `MessageStatus` and, on failure, `ErrorCode`, as often as it likes and
in any order. A report only ever moves a message forward:

    accepted/scheduled < queued < sending < sent < delivered < read

`failed` and `undelivered` are final: they win over anything before `delivered`, never over
`delivered`/`read`, and nothing moves them. Each rule is one conditional UPDATE, so two reports
arriving at once cannot undo each other. `delivered` (or `read`) marks the outbox row delivered;
`failed`/`undelivered` marks it failed with the error code and a readable reason, where officers
see it on the case. WhatsApp often accepts free text and only later reports 63016 (outside the
24-hour window); that message is then sent again as a template or by SMS.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Response, status
from sqlmodel import Session, select

from bots.twilio.sender import STATUS_PATH
from bots.twilio.signature import SignedForm
from core.db import UTCDateTime, utcnow
from core.deps import SessionDep
from core.responses import WEBHOOK_ERRORS
from notifications.enums import Channel, MessageKind, NotificationStatus
from notifications.models import Contact, Notification
from notifications.service import queue_messages

router = APIRouter(tags=["webhooks"], responses=WEBHOOK_ERRORS)

WINDOW_CLOSED = "63016"
# reports in the order a message passes through them
PROGRESS = ("accepted", "scheduled", "queued", "sending", "sent", "delivered", "read")
FAILED = ("failed", "undelivered")

# the errors citizens' messages commonly end with; others show their code and Twilio's status
ERROR_TEXTS: dict[str, str] = {
    "30001": "queue overflow at Twilio",
    "30002": "Twilio account suspended",
    "30003": "unreachable handset",
    "30004": "message blocked by the recipient or carrier",
    "30005": "unknown or inactive number",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier as spam",
    "30008": "unknown delivery error",
    "30034": "sender number not registered for this traffic",
    "63003": "number is not on WhatsApp",
    "63016": "outside the WhatsApp 24-hour window, a template is needed",
    "63018": "WhatsApp rate limit reached",
    "63024": "invalid WhatsApp recipient",
    "63049": "WhatsApp (Meta) chose not to deliver this message",
}


def error_text(code: str | None, message_status: str) -> str:
    """'Twilio 30003: unreachable handset', or the bare status when Twilio gave no code."""
    if not code:
        return f"Twilio: message {message_status}"
    return f"Twilio {code}: {ERROR_TEXTS.get(code, f'message {message_status}')}"


def _before(message_status: str) -> sa.ColumnElement[bool]:
    """The row's provider status is earlier than `message_status` (or unknown yet)."""
    earlier = PROGRESS[: PROGRESS.index(message_status)]
    return sa.or_(Notification.provider_status.is_(None), Notification.provider_status.in_(earlier))


def _update(message_sid: str, message_status: str, error_code: str | None) -> sa.Update | None:
    row = sa.update(Notification).where(
        Notification.provider_message_id == message_sid,
        Notification.channel.in_([Channel.sms, Channel.whatsapp]),
    )
    now = utcnow()
    if message_status in FAILED:
        return row.where(_before("delivered")).values(
            provider_status=message_status,
            status=NotificationStatus.failed,
            provider_error_code=error_code[:16] if error_code else None,
            last_error=error_text(error_code, message_status),
            failed_at=now,
            lease_until=None,
        )
    if message_status in ("delivered", "read"):
        return row.where(_before(message_status)).values(
            provider_status=message_status,
            status=NotificationStatus.delivered,
            delivered_at=sa.func.coalesce(
                Notification.delivered_at, sa.literal(now, type_=UTCDateTime())
            ),
        )
    if message_status in PROGRESS:
        return row.where(_before(message_status)).values(provider_status=message_status)
    return None  # a status we do not track (e.g. canceled, partially_delivered)


def _resend_outside_window(session: Session, message_sid: str) -> None:
    """WhatsApp refused free text after accepting it: the window had closed. Send it again the
    way messages outside the window go (template or SMS), as a new outbox row."""
    row = session.exec(
        select(Notification).where(
            Notification.provider_message_id == message_sid,
            Notification.channel == Channel.whatsapp,
            Notification.path == "whatsapp",
        )
    ).first()
    if row is None:
        return
    contact = session.get(Contact, row.contact_id)
    contact.last_inbound_at = None  # WhatsApp's word beats our clock
    session.add(contact)
    queue_messages(
        session,
        contact=contact,
        case_id=row.case_id,
        reference=row.reference,
        kind=MessageKind(row.kind),
        language=row.language,
        body=row.body,
        variables=row.variables,
    )


@router.post(STATUS_PATH, status_code=status.HTTP_204_NO_CONTENT, include_in_schema=False)
def twilio_status(form: SignedForm, session: SessionDep) -> Response:
    """Record a delivery report for one of our messages; unknown messages are ignored."""
    message_sid = str(form.get("MessageSid") or form.get("SmsSid") or "")
    message_status = str(form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    error_code = str(form.get("ErrorCode") or "").strip() or None
    statement = _update(message_sid, message_status, error_code) if message_sid else None
    if statement is not None:
        changed = session.execute(statement).rowcount == 1
        # only the report that failed the row resends it; repeats of that report do nothing
        if changed and message_status in FAILED and error_code == WINDOW_CLOSED:
            _resend_outside_window(session, message_sid)
        session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
