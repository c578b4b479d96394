"""Twilio delivery reports: `POST /webhooks/twilio/status`, the `status_callback` of every send.

Twilio posts `MessageSid`, `MessageStatus` and, on failure, `ErrorCode`, as often as it likes and
in any order. Its statuses are put in our words (`notifications.reports`, which decides which
report wins) and a failure gets a readable reason. WhatsApp often accepts free text (or the
rating list, another session message) and only later reports 63016 (outside the 24-hour
window); that message is then sent again as a template or by SMS.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response, status

from bots.twilio.errors import OUTSIDE_WINDOW, error_text, parse_code
from bots.twilio.form_shape import SID, all_storable, field
from bots.twilio.sender import FREE_TEXT_PATH, STATUS_PATH
from bots.twilio.signature import SignedForm
from core.deps import SessionDep
from core.responses import WEBHOOK_ERRORS
from notifications.enums import Channel
from notifications.reports import FAILED, ReportedStatus, record_report, resend_outside_window

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"], responses=WEBHOOK_ERRORS)

# Twilio's MessageStatus values we track; others (canceled, partially_delivered, ...) are ignored
STATUSES: dict[str, ReportedStatus] = {
    "accepted": ReportedStatus.accepted,
    "scheduled": ReportedStatus.accepted,
    "queued": ReportedStatus.queued,
    "sending": ReportedStatus.sending,
    "sent": ReportedStatus.sent,
    "delivered": ReportedStatus.delivered,
    "read": ReportedStatus.read,
    "failed": ReportedStatus.failed,
    "undelivered": ReportedStatus.undelivered,
}


@router.post(STATUS_PATH, status_code=status.HTTP_204_NO_CONTENT, include_in_schema=False)
def twilio_status(form: SignedForm, session: SessionDep) -> Response:
    """Record a delivery report for one of our messages; unknown messages are ignored, and so
    (logged) is a report Twilio would never send: no SID, or text no database stores."""
    message_sid = field(form, "MessageSid") or field(form, "SmsSid")
    if not SID.fullmatch(message_sid) or not all_storable(form):
        log.warning("Twilio delivery report ignored, malformed")
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    message_status = str(form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    error_code = str(form.get("ErrorCode") or "").strip() or None
    reported = STATUSES.get(message_status)
    if reported is not None:
        failed = reported in FAILED
        changed = record_report(
            session,
            provider_message_id=message_sid,
            channels=(Channel.sms, Channel.whatsapp),
            status=reported,
            error_code=error_code,
            reason=error_text(error_code, message_status) if failed else None,
        )
        # only the report that failed the row resends it; repeats of that report do nothing
        if (
            changed is not None
            and failed
            and parse_code(error_code) == OUTSIDE_WINDOW
            and changed.path == FREE_TEXT_PATH
        ):
            resend_outside_window(session, changed.notification_id)
        session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
