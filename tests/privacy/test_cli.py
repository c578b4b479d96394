"""`aduan privacy export|erase`: staff act for a resident who asks in person, as an operator
runs the command (tests/cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE
from tests.cli import Finished, run_aduan
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import sql
from tests.residents import RUBBISH, STREET_LIGHT, WATER, Resident, files

# the resident's number as they say it at the counter
TYPED = "0813-9000-1234"


def aduan(*args: str, stdin: str = "") -> Finished:
    return run_aduan("privacy", *args, stdin=stdin)


@pytest.fixture
def one_number(
    client: TestClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
) -> dict[str, str]:
    """One resident's number on WhatsApp and SMS: a complaint by SMS, two on WhatsApp and a
    photo sent after them, held by the bot's "which complaint?" question; and a Telegram
    resident of their own. Returns the codes by channel."""
    whatsapp = Resident(client, settings, telegram, twilio, "whatsapp")
    sms = Resident(client, settings, telegram, twilio, "sms")
    codes = {"sms": files(sms, WATER), "whatsapp": files(whatsapp, RUBBISH)}
    codes["whatsapp, later"] = files(whatsapp, STREET_LIGHT)
    assert "Untuk aduan yang mana?" in whatsapp.sends_photo()
    codes["telegram"] = files(Resident(client, settings, telegram, twilio, "telegram"), RUBBISH)
    return codes


def test_export_finds_both_channels_of_a_number_typed_any_way(
    one_number: dict[str, str], settings: Settings
) -> None:
    """--phone 0813-... finds the SMS and the WhatsApp contact of +62813..., with their cases
    and the held question, as JSON; the other resident is not in it and nothing is logged
    but counts."""
    result = aduan("export", "--phone", TYPED)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(c["channel"], c["address"]) for c in data["contacts"]] == [
        ("sms", PHONE),
        ("whatsapp", PHONE),
    ]
    codes = {case["tracking_code"] for case in data["cases"]}
    assert codes == {one_number[channel] for channel in ("sms", "whatsapp", "whatsapp, later")}
    assert data["pending_question"] is True
    assert {m["kind"] for m in data["messages"]} == {"acknowledgement"}
    assert PHONE[-8:] not in result.stderr and "exported a resident's data" in result.stderr

    telegram = aduan("export", "--telegram", str(tg.CHAT_ID))
    assert telegram.returncode == 0, telegram.stderr
    assert [c["name"] for c in json.loads(telegram.stdout)["contacts"]] == ["Siti Rahayu"]


def test_erase_asks_first_then_erases_everything_of_the_number(
    one_number: dict[str, str], settings: Settings
) -> None:
    """Without --yes a no erases nothing; a yes deletes both contacts, unlinks their three
    cases, deletes the photo the question held from disk, and prints counts only."""
    [(storage_key,)] = [
        (item["storage_key"],)
        for (payload,) in sql(settings, "SELECT payload FROM pending_choices")
        for item in (payload if isinstance(payload, dict) else json.loads(payload))["media"]
    ]
    held = Path(settings.media_dir) / storage_key
    assert held.is_file()

    refused = aduan("erase", "--phone", TYPED, stdin="n\n")
    assert refused.returncode == 1 and "nothing was erased" in refused.stderr
    assert len(sql(settings, "SELECT id FROM contacts")) == 3

    done = aduan("erase", "--phone", TYPED, stdin="y\n")
    assert done.returncode == 0, done.stderr
    assert "erased 2 contact(s); 3 case(s) no longer name them" in done.stdout
    assert "1 pending question(s) or location(s) and 1 held file(s) deleted" in done.stdout
    for output in (done.stdout, done.stderr):
        assert PHONE[-8:] not in output
    assert not held.exists()
    assert [row.channel for row in sql(settings, "SELECT channel FROM contacts")] == ["telegram"]
    erased = sql(
        settings,
        "SELECT tracking_code FROM cases "
        "WHERE contact_id IS NULL AND reporter_erased_at IS NOT NULL",
    )
    assert {row.tracking_code for row in erased} == {
        one_number["sms"],
        one_number["whatsapp"],
        one_number["whatsapp, later"],
    }

    again = aduan("erase", "--phone", TYPED, "--yes")
    assert again.returncode == 1 and "nothing is stored about this resident" in again.stderr
    unknown = aduan("export", "--email", "nobody@example.com")
    assert unknown.returncode == 1 and "nothing is stored about this resident" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--phone", "0813-ABCD"), "phone number must be"),
        (("--email", "not-an-address"), "an e-mail address looks like"),
        (("--telegram", "@siti_smg"), "a Telegram chat id is a number"),
        (("--phone", TYPED, "--email", "siti@example.com"), "exactly one of"),
        ((), "exactly one of"),
    ],
)
def test_bad_identifiers_are_refused_with_a_reason(args: tuple[str, ...], reason: str) -> None:
    """A malformed identifier, or none or two of them: exit 1 and why, before any database."""
    result = aduan("export", *args)
    assert result.returncode == 1
    assert reason in result.stderr
