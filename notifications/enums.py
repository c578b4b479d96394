from enum import StrEnum


class Channel(StrEnum):
    """Where a citizen can be reached; a case replies on the channel its contact uses."""

    sms = "sms"
    whatsapp = "whatsapp"
    email = "email"
    telegram = "telegram"


class NotificationStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    # never sent: the citizen's contact details were erased first
    cancelled = "cancelled"
    # to a webhook endpoint that is paused: pending again once an admin resumes it
    held = "held"


class MessageKind(StrEnum):
    acknowledgement = "acknowledgement"
    status_changed = "status_changed"
    forwarded = "forwarded"
    public_note = "public_note"
    # on resolve: "reply 1-5" on chat and SMS, a link on the web
    rating_request = "rating_request"
    auto_closed = "auto_closed"
    reopened = "reopened"
    # the matter belongs to a referral body outside the city: where to go, and the case ends
    referred = "referred"
    # an agency's announcement of a known problem in the resident's area (cases/announcements.py)
    announcement = "announcement"
    # to staff, by e-mail
    overdue_digest = "overdue_digest"
    escalation = "escalation"
    # to the admins: a partner's webhook endpoint kept failing and was paused
    webhook_paused = "webhook_paused"
