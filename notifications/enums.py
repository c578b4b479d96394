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


class MessageKind(StrEnum):
    acknowledgement = "acknowledgement"
    status_changed = "status_changed"
    forwarded = "forwarded"
    public_note = "public_note"
