"""The public complaint form, as JSON and as the web form posts it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cases.enums import CaseKind, CaseStatus, SourceChannel
from cases.modes import ReportingMode
from cases.schemas import AgencyRef
from core.text import UNSTORABLE_REASON, storable
from intake.messages import (
    MAX_TEXT_CHARS,
    MIN_TEXT_CHARS,
    InboundMessage,
    Location,
    ReplyAddress,
)
from intake.phone import normalise_phone
from notifications.enums import Channel

NotifyVia = Literal["sms", "whatsapp", "email", "none"]
# what a client may send as its Idempotency-Key (or the web form as its token): printable ASCII
IDEMPOTENCY_KEY = re.compile(r"^[\x20-\x7e]{1,128}$")


class ComplaintIn(BaseModel):
    text: str = Field(
        description="what is wrong and where; at least 3 characters besides spaces",
        examples=["Jalan berlubang di Jl. Pemuda"],
        # documented for clients; enforced by the validator below with a friendlier message
        json_schema_extra={
            "minLength": MIN_TEXT_CHARS,
            "maxLength": MAX_TEXT_CHARS,
            "pattern": r"\S\s*\S\s*\S",
        },
    )
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    email: EmailStr | None = None
    notify_via: NotifyVia | None = Field(
        default=None, description="how we tell you about progress; default: e-mail, else SMS"
    )
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500)
    language: Literal["id", "en"] | None = None
    anonymous: bool = Field(
        default=False,
        description="Anonim: no staff member sees your name or contact; you still get updates",
    )
    confidential: bool = Field(
        default=False,
        description="Rahasia: what you write, your photos and the place are never published",
    )

    @field_validator("text", "name", "phone", "email", "address", mode="before")
    @classmethod
    def _storable(cls, value: object) -> object:
        if isinstance(value, str) and not storable(value):
            raise PydanticCustomError("text_unstorable", UNSTORABLE_REASON)
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, text: str) -> str:
        text = text.strip()
        if len(text) < MIN_TEXT_CHARS:
            raise PydanticCustomError(
                "text_too_short",
                "describe the problem in at least {limit} characters",
                {"limit": MIN_TEXT_CHARS},
            )
        if len(text) > MAX_TEXT_CHARS:
            raise PydanticCustomError(
                "text_too_long",
                "the description must have at most {limit} characters",
                {"limit": MAX_TEXT_CHARS},
            )
        return text

    @field_validator("name", "address", "phone", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, phone: str | None) -> str | None:
        if not phone:
            return None
        try:
            return normalise_phone(phone)
        except ValueError as exc:
            raise PydanticCustomError("phone_invalid", str(exc)) from exc

    @model_validator(mode="after")
    def _consistent(self) -> ComplaintIn:
        if (self.lat is None) != (self.lon is None):
            raise PydanticCustomError("location_incomplete", "give both lat and lon, or neither")
        if self.notify_via in ("sms", "whatsapp") and not self.phone:
            raise PydanticCustomError(
                "phone_required", "notify_via={via} needs a phone number", {"via": self.notify_via}
            )
        if self.notify_via == "email" and not self.email:
            raise PydanticCustomError("email_required", "notify_via=email needs an e-mail address")
        return self

    def reply_to(self) -> tuple[ReplyAddress | None, bool]:
        """Which contact we keep and whether it wants updates; only the address we reply to."""
        via = self.notify_via or ("email" if self.email else "sms" if self.phone else "none")
        if via == "email":
            return ReplyAddress(Channel.email, str(self.email)), True
        if via in ("sms", "whatsapp"):
            return ReplyAddress(Channel(via), self.phone), True
        if self.phone:
            return ReplyAddress(Channel.sms, self.phone), False
        if self.email:
            return ReplyAddress(Channel.email, str(self.email)), False
        return None, False

    def to_message(self, idempotency_key: str | None) -> InboundMessage:
        reply_to, notify = self.reply_to()
        return InboundMessage(
            channel=SourceChannel.web,
            text=self.text,
            idempotency_key=idempotency_key,
            reply_to=reply_to,
            notify=notify,
            name=self.name,
            language=self.language,
            location=Location(self.lat, self.lon) if self.lat is not None else None,
            address=self.address,
            mode=ReportingMode(self.anonymous, self.confidential),
        )


class ComplaintCreated(BaseModel):
    tracking_code: str
    status: CaseStatus
    kind: CaseKind = Field(
        description="question when the words ask something routing placed with an agency, "
        "which answers it; complaint otherwise"
    )
    agency: AgencyRef | None
    category: str | None
    due_at: datetime | None
    anonymous: bool
    confidential: bool
    mode: str | None = Field(
        description="which reporting mode is on, as a sentence in the complaint's language; "
        "null for an ordinary complaint",
        examples=["Mode Anonim: petugas tidak melihat nama dan kontak Anda."],
    )
