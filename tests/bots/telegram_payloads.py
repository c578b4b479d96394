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


def edit_of(update: dict[str, Any], seconds: int = 60, **content: Any) -> dict[str, Any]:
    """The update Telegram posts when the resident edits the message of `update` `seconds`
    later: the same message with its new `content` (text, caption, a live location's move)."""
    message = {**update.get("message", update.get("edited_message")), **content}
    message["edit_date"] = message["date"] + seconds
    return {"update_id": next(_ids), "edited_message": message}


def _file(file_id: str, size: int, **fields: Any) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size, **fields}


def voice(file_id: str, size: int, caption: str | None = None) -> dict[str, Any]:
    """A voice note as Telegram apps record it: Ogg/Opus, no file name."""
    note = _file(file_id, size, duration=7, mime_type="audio/ogg")
    return message(voice=note, **({"caption": caption} if caption else {}))


def audio(file_id: str, size: int, file_name: str = "rekaman.mp3") -> dict[str, Any]:
    """A recording sent as a music file."""
    track = _file(file_id, size, duration=42, file_name=file_name, mime_type="audio/mpeg")
    return message(audio=track)


def video(file_id: str, size: int, caption: str | None = None) -> dict[str, Any]:
    clip = _file(file_id, size, width=720, height=1280, duration=9, mime_type="video/mp4")
    return message(video=clip, **({"caption": caption} if caption else {}))


def video_note(file_id: str, size: int) -> dict[str, Any]:
    """A round video message: no file name, no declared type."""
    return message(video_note=_file(file_id, size, length=384, duration=5))


def document(file_id: str, size: int, file_name: str, mime_type: str) -> dict[str, Any]:
    return message(document=_file(file_id, size, file_name=file_name, mime_type=mime_type))


def animation(file_id: str, size: int) -> dict[str, Any]:
    """A GIF: Telegram sends it as silent MP4 and fills `document` too, for older clients."""
    fields = {"file_name": "banjir.gif.mp4", "mime_type": "video/mp4"}
    clip = _file(file_id, size, width=320, height=240, duration=3, **fields)
    return message(animation=clip, document=_file(file_id, size, **fields))


def contact() -> dict[str, Any]:
    return message(contact={"phone_number": "+6281200000999", "first_name": "Budi", "user_id": 42})


def poll() -> dict[str, Any]:
    return message(
        poll={
            "id": "5120",
            "question": "Jalan mana paling rusak?",
            "options": [
                {"persistent_id": "0", "text": "Jl. Pemuda", "voter_count": 0},
                {"persistent_id": "1", "text": "Jl. Majapahit", "voter_count": 0},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    )


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
