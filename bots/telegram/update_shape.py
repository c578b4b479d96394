"""What an Update must look like before python-telegram-bot reads it and the adapter acts on it.

python-telegram-bot trusts its input: a message without a chat, a chat id "abc" or a location of
strings becomes an object that fails later, in the middle of handling (after a complaint was
filed, when the reply goes to `int(chat.id)`). So every field the adapter reads is checked here
first, with its type (strictly: "-6.9" is not a number, 1.5 is not an id) and its range, and
every text for what no database stores (core.text). Fields the adapter does not read, and
update kinds it does not answer, pass unchecked.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from core.text import UNSTORABLE_REASON, storable

# user and chat ids have at most 52 significant bits (Bot API); update and message ids are
# positive and smaller still
Id = Annotated[int, Field(ge=-(2**53), le=2**53)]
Count = Annotated[int, Field(ge=0, le=2**53)]
# seconds since 1970; 0 is a message Telegram no longer shows the bot
Timestamp = Annotated[int, Field(ge=0, le=2**32)]


def _storable(text: str) -> str:
    if not storable(text):
        raise ValueError(UNSTORABLE_REASON)
    return text


Text = Annotated[str, AfterValidator(_storable)]
Name = Annotated[Text, Field(min_length=1, max_length=64)]  # Telegram's limit


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)


class _User(_Shape):
    id: Id
    is_bot: bool
    first_name: Name
    last_name: Name | None = None


class _Chat(_Shape):
    id: Id
    type: Text


class _Location(_Shape):
    latitude: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    longitude: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class _Photo(_Shape):
    file_id: Text
    file_size: Count | None = None
    width: Count
    height: Count


class _File(_Shape):
    file_id: Text
    file_size: Count | None = None
    mime_type: Text | None = None
    file_name: Text | None = None


class _Button(_Shape):
    callback_data: Text | None = None


class _Keyboard(_Shape):
    inline_keyboard: list[list[_Button]]


class _Message(_Shape):
    message_id: Count
    date: Timestamp
    edit_date: Timestamp | None = None
    chat: _Chat
    from_user: _User | None = Field(default=None, alias="from")
    text: Text | None = None
    caption: Text | None = None
    location: _Location | None = None
    photo: list[_Photo] | None = None
    animation: _File | None = None
    voice: _File | None = None
    audio: _File | None = None
    video: _File | None = None
    video_note: _File | None = None
    document: _File | None = None
    reply_markup: _Keyboard | None = None


class _CallbackQuery(_Shape):
    id: Text
    from_user: _User = Field(alias="from")
    data: Text | None = None
    message: _Message | None = None


class _Update(_Shape):
    update_id: Count
    message: _Message | None = None
    edited_message: _Message | None = None
    callback_query: _CallbackQuery | None = None


def update_problem(data: Any) -> str | None:
    """Why `data` (a decoded webhook body) is no Update the adapter can act on, or None.

    The reason names the fields and what is wrong with them, never their values: it is logged,
    and a value may be a resident's words.
    """
    if not isinstance(data, dict):
        return "not a JSON object"
    try:
        _Update.model_validate(data)
    except ValidationError as exc:
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['type']}"
            for error in exc.errors(include_url=False, include_input=False)
        )
    return None
