"""How chat text is read: a command, or a complaint."""

from __future__ import annotations

import pytest

from intake.commands import FULL_HELP, Command, CommandName, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", Command(CommandName.help)),
        ("/help", Command(CommandName.help, FULL_HELP)),
        ("BANTUAN", Command(CommandName.help, FULL_HELP)),
        ("  help ", Command(CommandName.help, FULL_HELP)),
        ("menu", Command(CommandName.help)),
        ("/status", Command(CommandName.status)),
        ("CEK", Command(CommandName.status)),
        ("/status ABCD-1234", Command(CommandName.status, "ABCD-1234")),
        ("/status@aduan_bot abcd1234", Command(CommandName.status, "abcd1234")),
        ("cek abcd-1234", Command(CommandName.status, "abcd-1234")),
        ("STATUS QRST-9XYZ", Command(CommandName.status, "QRST-9XYZ")),
        ("/status nonsense", Command(CommandName.status, "nonsense")),
        ("/lang en", Command(CommandName.lang, "en")),
        ("/lang ID", Command(CommandName.lang, "id")),
        ("EN", Command(CommandName.lang, "en")),
        ("id", Command(CommandName.lang, "id")),
        ("English", Command(CommandName.lang, "en")),
        ("DATA SAYA", Command(CommandName.data)),
        (" data   saya ", Command(CommandName.data)),
        ("/datasaya", Command(CommandName.data)),
        ("/datasaya@aduan_bot", Command(CommandName.data)),
        ("MY DATA", Command(CommandName.data)),
        ("/mydata", Command(CommandName.data)),
        ("HAPUS DATA", Command(CommandName.erase)),
        ("hapus data saya", Command(CommandName.erase)),
        ("/hapusdata", Command(CommandName.erase)),
        ("DELETE MY DATA", Command(CommandName.erase)),
        ("/deletemydata", Command(CommandName.erase)),
    ],
)
def test_commands_are_recognised(text: str, expected: Command) -> None:
    """Telegram commands and SMS keywords map to the same commands."""
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Cek jalan rusak di depan pasar",
        "status jalan di kampung kami rusak",
        "help jalan kami banjir lagi",
        "bantuan sosial belum cair",
        "",
        "Jalan berlubang",
        "cek dong",
        "data saya bocor di kantor kelurahan",
        "hapus data ganda di KTP saya",
        "/datasaya tolong",
    ],
)
def test_complaints_that_start_like_commands_stay_complaints(text: str) -> None:
    """Plain words count as commands only when they are the whole message (or a code follows)."""
    assert parse_command(text) is None
