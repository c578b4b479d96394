"""The e-mail channel: messages out through any SMTP server, with no length limit."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from core.settings import Settings
from notifications.channels import DeliveryError, OutboundMessage, SendResult
from notifications.enums import Channel


class EmailChannel:
    name: str = Channel.email
    max_chars: int | None = None

    def send(self, message: OutboundMessage, settings: Settings) -> SendResult:
        if not settings.smtp_host:
            raise DeliveryError("e-mail is not configured: set SMTP_HOST", permanent=False)
        email = EmailMessage()
        email["From"] = settings.smtp_from
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = message_id = make_msgid(domain="aduan")
        email.set_content(message.body)
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
