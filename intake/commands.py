"""The commands a resident can type: help, status, language, their data and its erasure;
everything else is read as talk."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cases.codes import normalise_tracking_code


class CommandName(StrEnum):
    help = "help"
    status = "status"
    lang = "lang"
    # what is stored about the resident (DATA SAYA), and the request to erase it (HAPUS DATA)
    data = "data"
    erase = "erase"
    # Telegram's /start with a payload: the web form's link to bind a case (intake/chat_links.py)
    link = "link"


@dataclass(frozen=True)
class Command:
    name: CommandName
    argument: str | None = None


HELP_WORDS = {"start", "help", "bantuan", "menu", "info"}
# the words that ask for the whole help, not the short one: Command(help, FULL_HELP)
FULL_HELP = "full"
FULL_HELP_WORDS = {"help", "bantuan"}
STATUS_WORDS = {"status", "cek", "check"}
LANGUAGES = {"en": "en", "english": "en", "inggris": "en", "id": "id", "indonesia": "id"}
# whole messages (however cased and spaced), and Telegram's commands, for DATA and ERASE
DATA_WORDS = {"data saya", "datasaya", "my data", "mydata"}
ERASE_WORDS = {"hapus data", "hapusdata", "hapus data saya", "delete my data", "deletemydata"}
DATA_COMMANDS = {"datasaya", "mydata"}
ERASE_COMMANDS = {"hapusdata", "deletemydata"}


def parse_command(text: str) -> Command | None:
    """A command, or None when the text should be read as a complaint.

    Plain words only count as commands when the whole message is the command, so a complaint
    that starts with "cek" or "status" is still a complaint.
    """
    words = text.strip().split()
    if not words:
        return None
    head, rest = words[0].lower(), words[1:]
    slash = head.startswith("/")
    if slash:
        head = head[1:].split("@", 1)[0]  # "/status@AduanBot" in group-style syntax
    whole = " ".join(words).lower()
    if (slash and head in DATA_COMMANDS and not rest) or (not slash and whole in DATA_WORDS):
        return Command(CommandName.data)
    if (slash and head in ERASE_COMMANDS and not rest) or (not slash and whole in ERASE_WORDS):
        return Command(CommandName.erase)
    if slash and head == "start" and len(rest) == 1:
        return Command(CommandName.link, rest[0])
    if head in HELP_WORDS and (slash or not rest):
        return Command(CommandName.help, FULL_HELP if head in FULL_HELP_WORDS else None)
    if head in STATUS_WORDS:
        if not rest:
            return Command(CommandName.status)
        if len(rest) == 1 and (slash or normalise_tracking_code(rest[0])):
            return Command(CommandName.status, rest[0])
    if head == "lang" and len(rest) == 1 and rest[0].lower() in LANGUAGES:
        return Command(CommandName.lang, LANGUAGES[rest[0].lower()])
    if not rest and not slash and head in LANGUAGES:
        return Command(CommandName.lang, LANGUAGES[head])
    return None
