"""The e-mail channel: messages out through any SMTP server, with no length limit; a message's
photo goes as an attachment."""

from __future__ import annotations

import mimetypes
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from core.settings import Settings
from core.storage import MediaNotFound
from notifications.channels import DeliveryError, OutboundMessage, SendResult
from notifications.enums import Channel
from notifications.photos import with_photo_link


def _attach_photo(email: EmailMessage, message: OutboundMessage) -> None:
    """The message's photo as an attachment; a file gone from storage sends its link instead."""
    photo = message.photo
    if photo is None:
        return
    try:
        data = photo.read()
    except MediaNotFound:
        email.set_content(with_photo_link(message))
        return
    maintype, _, subtype = photo.content_type.partition("/")
    extension = mimetypes.guess_extension(photo.content_type) or ""
    email.add_attachment(data, maintype=maintype, subtype=subtype, filename=f"foto{extension}")


class EmailChannel:
    name: str = Channel.email
    max_chars: int | None = None
    # attached to the mail
    photos: bool = True

    def send(self, message: OutboundMessage, settings: Settings) -> SendResult:
        if not settings.smtp_host:
            raise DeliveryError("e-mail is not configured: set SMTP_HOST", permanent=False)
        email = EmailMessage()
        email["From"] = settings.smtp_from
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = message_id = make_msgid(domain="aduan")
        email.set_content(message.body)
        _attach_photo(email, message)
        try:
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
            ) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_user and settings.smtp_password:
                    smtp.login(settings.smtp_user, settings.smtp_password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx is a final answer from the server; 4xx asks us to come back later
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP unreachable: {exc}", permanent=False) from exc
        return SendResult(provider_id=message_id, path="email")
