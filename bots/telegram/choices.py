"""A reply's numbered choices as inline buttons (and the rating request's), and a resident's
press of one.

A button for choice i carries the callback data str(i + 1), so a press reads exactly as if the
resident had typed the number. Each press is answered (the button stops spinning) and its
keyboard removed; a keyboard counts once (`press_id`), so a quick second tap, a press Telegram
delivers again, or a button of a keyboard that is no longer shown changes nothing.
"""

from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import TelegramError

from intake.chat_text import NOT_FIXED_REPLY, RATING_NOT_FIXED, say

log = logging.getLogger(__name__)


def choice_keyboard(choices: tuple[str, ...]) -> InlineKeyboardMarkup:
    """One button per choice, one per row (labels may be long), each sending its number."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label.strip() or str(number), callback_data=str(number))]
            for number, label in enumerate(choices, start=1)
        ]
    )


def rating_keyboard(language: str) -> InlineKeyboardMarkup:
    """The rating request's buttons: 1 to 5 in a row, then "not fixed". Each sends what the
    request asks the resident to type, so a press rates (or reopens) as typing would."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(str(n), callback_data=str(n)) for n in range(1, 6)],
            [InlineKeyboardButton(say(language, RATING_NOT_FIXED), callback_data=NOT_FIXED_REPLY)],
        ]
    )


def pressed_message(query: CallbackQuery) -> Message | None:
    """The private-chat message whose shown keyboard holds the pressed button, or None for a
    press we do not take: on a message too old for Telegram to show us, in a group, by someone
    else than the chat's resident, or with data none of the message's buttons carries."""
    message = query.message
    if not isinstance(message, Message) or message.chat.type != "private":
        return None
    if query.from_user.id != message.chat.id or message.reply_markup is None:
        return None
    offered = {
        button.callback_data for row in message.reply_markup.inline_keyboard for button in row
    }
    return message if query.data in offered else None


def press_id(message: Message) -> str:
    """The dedupe key of a press: the keyboard's message, so only its first press counts."""
    return f"button:{message.chat.id}:{message.message_id}"


async def settle_press(bot: Bot, query: CallbackQuery) -> None:
    """Stop the button spinning and, for a press we take, take the keyboard away so it cannot
    be pressed again.

    Both are courtesies: a query answered before (Telegram delivering the press again) or a
    keyboard already gone is logged and the press still handled.
    """
    try:
        await query.answer()
    except TelegramError as exc:
        log.info("button press %s not answered: %s", query.id, exc)
    message = pressed_message(query)
    if message is not None:
        try:
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
            )
        except TelegramError as exc:
            log.info("keyboard of message %s not removed: %s", message.message_id, exc)
