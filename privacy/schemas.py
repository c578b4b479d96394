"""What the privacy API returns."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RevealedContactOut(BaseModel):
    """A case's reporter's full contact, to call them; the request is recorded."""

    channel: str = Field(description="sms, whatsapp, telegram or email")
    address: str = Field(description="the phone number (E.164), e-mail address or Telegram chat")
    name: str | None
