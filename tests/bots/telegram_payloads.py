"""Update payloads shaped exactly as the Bot API posts them to a webhook."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(700_000_001)
CHAT_ID = 5_550_123_456


def user(chat_id: int = CHAT_ID) -> dict[str, Any]:
    return {
        "id": chat_id,
        "is_bot": False,
        "first_name": "Siti",
        "last_name": "Rahayu",
        "username": "siti_smg",
        "language_code": "id",
    }


def private_chat(chat_id: int = CHAT_ID) -> dict[str, Any]:
    return {"id": chat_id, "first_name": "Siti", "username": "siti_smg", "type": "private"}


def message(chat_id: int = CHAT_ID, **content: Any) -> dict[str, Any]:
    update_id = next(_ids)
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 100_000,
            "from": user(chat_id),
            "chat": private_chat(chat_id),
            "date": int(time.time()),
            **content,
        },
    }


def text(body: str, chat_id: int = CHAT_ID) -> dict[str, Any]:
    content: dict[str, Any] = {"text": body}
    if body.startswith("/"):
        command = body.split()[0]
        content["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return message(chat_id, **content)


def location(latitude: float, longitude: float, chat_id: int = CHAT_ID) -> dict[str, Any]:
    return message(chat_id, location={"latitude": latitude, "longitude": longitude})


def photo(file_id: str, size: int, caption: str | None = None, chat_id: int = CHAT_ID) -> dict:
    sizes = [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": "s",
            "file_size": 1200,
            "width": 90,
            "height": 67,
        },
        {
            "file_id": file_id,
            "file_unique_id": "x",
            "file_size": size,
            "width": 1280,
            "height": 960,
        },
        {
            "file_id": f"{file_id}-m",
            "file_unique_id": "m",
            "file_size": 9000,
            "width": 320,
            "height": 240,
        },
    ]
    content: dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return message(chat_id, **content)


def sticker(chat_id: int = CHAT_ID) -> dict[str, Any]:
    return message(
        chat_id,
        sticker={
            "file_id": "CAACAgIAAxk",
            "file_unique_id": "AgADr",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        },
    )


def edited(body: str, chat_id: int = CHAT_ID) -> dict[str, Any]:
    update = text(body, chat_id)
    inner = update.pop("message")
    inner["edit_date"] = inner["date"] + 5
    update["edited_message"] = inner
    return update


def group_message(body: str) -> dict[str, Any]:
    update = text(body)
    update["message"]["chat"] = {"id": -100987654321, "title": "Warga RT 05", "type": "supergroup"}
    return update


def channel_post(body: str) -> dict[str, Any]:
    update_id = next(_ids)
    return {
        "update_id": update_id,
        "channel_post": {
            "message_id": 12,
            "sender_chat": {"id": -1001234, "title": "Info Kota", "type": "channel"},
            "chat": {"id": -1001234, "title": "Info Kota", "type": "channel"},
            "date": int(time.time()),
            "text": body,
        },
    }
