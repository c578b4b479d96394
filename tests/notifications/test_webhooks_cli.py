"""`aduan webhooks add|list|remove|resume`: the secret printed once, refusals with their
reason and nothing stored, on both databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from standardwebhooks import Webhook

from core.settings import Settings
from tests.cli import run_aduan as aduan
from tests.helpers import scalar


def test_add_prints_the_id_and_a_secret_that_signs(settings: Settings) -> None:
    """`add` prints the endpoint's id and its whsec_ secret (one Standard Webhooks accepts);
    `list` shows the endpoint, never the secret nor the URL's query."""
    added = aduan(
        "webhooks",
        "add",
        "https://dasbor.example.go.id/aduan?token=own",
        "--events",
        "case.created,case.status_changed",
        "--agency",
        "DPU",
        "--agency",
        "DLH",
        "--trusted",
    )
    assert added.returncode == 0, added.stderr
    [(endpoint_id, secret)] = re.findall(r"endpoint (\d+)\nsecret (whsec_\S+)\n", added.stdout)
    assert "not shown again" in added.stderr
    signed = Webhook(secret).sign("msg_1", datetime.now(UTC), "{}")
    assert signed.startswith("v1,")
    assert scalar(settings, "SELECT agencies FROM webhook_endpoints") in (
        '["DPU", "DLH"]',
        ["DPU", "DLH"],
    )

    listed = aduan("webhooks", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[:5] == [
        endpoint_id,
        "https://dasbor.example.go.id/aduan",
        "case.created,case.status_changed",
        "DPU,DLH",
        "trusted",
    ]
    assert secret not in listed.stdout and "token=own" not in listed.stdout


def test_bad_input_is_refused_with_the_reason_and_nothing_stored(settings: Settings) -> None:
    """A URL that is not http(s), an unknown event or agency: exit 1, the reason, no row."""
    cases = [
        (["ftp://mitra.example/hook", "--events", "case.created"], "not an http:// or https://"),
        (
            ["https://mitra.example/hook", "--events", "case.deleted"],
            "unknown event 'case.deleted'",
        ),
        (["https://mitra.example/hook", "--events", ","], "choose at least one event"),
        (
            ["https://mitra.example/hook", "--events", "case.created", "--agency", "NOPE"],
            "unknown agency 'NOPE'",
        ),
    ]
    for args, reason in cases:
        refused = aduan("webhooks", "add", *args)
        assert refused.returncode == 1 and reason in refused.stderr, refused.stderr
    assert scalar(settings, "SELECT COUNT(*) FROM webhook_endpoints") == 0


def test_remove_deletes_and_an_unknown_id_is_refused(settings: Settings) -> None:
    """`remove ID` deletes the endpoint; an id that does not exist fails with the reason."""
    aduan("webhooks", "add", "http://127.0.0.1:9/hook", "--events", "case.merged")
    removed = aduan("webhooks", "remove", "1")
    assert removed.returncode == 0 and "removed endpoint 1" in removed.stdout
    assert scalar(settings, "SELECT COUNT(*) FROM webhook_endpoints") == 0
    again = aduan("webhooks", "remove", "1")
    assert again.returncode == 1 and "no webhook endpoint 1" in again.stderr
    assert aduan("webhooks", "resume", "1").returncode == 1
