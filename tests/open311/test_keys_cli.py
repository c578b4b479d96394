"""`aduan open311 keys create|list|revoke` as an admin runs them, on SQLite and PostgreSQL: the
key printed once works for a partner's POST, the list never shows it, a revoked key is refused."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from core.settings import Settings
from tests.cli import run_aduan as aduan
from tests.helpers import scalar
from tests.open311.partners import fms_request, post

REQUESTS = "/open311/v2/requests.json"


def test_a_key_made_on_the_command_line_files_until_revoked(
    client: TestClient, settings: Settings
) -> None:
    """create prints the id and the key (stored only hashed); list shows name, state and
    services without the key; after revoke the same key gets 403."""
    made = aduan("open311", "keys", "create", "Lapor Semarang", "--services", "street_light,")
    assert made.returncode == 0, made.stderr
    found = re.match(r"key (\d+) for Lapor Semarang: (o311_\S{22})$", made.stdout.splitlines()[0])
    assert found, made.stdout
    key_id, secret = found.groups()
    assert "cannot be shown again" in made.stdout
    assert scalar(settings, "SELECT count(*) FROM open311_keys WHERE key_hash = :s", s=secret) == 0
    assert post(client, REQUESTS, fms_request(secret)).status_code == 200
    road = fms_request(secret, service_code="road_damage")
    assert post(client, REQUESTS, road).status_code == 403

    listed = aduan("open311", "keys", "list")
    assert listed.returncode == 0
    [line] = listed.stdout.splitlines()
    assert line.split("\t")[:4] == [key_id, "active", "Lapor Semarang", "street_light"]
    assert secret not in listed.stdout

    revoked = aduan("open311", "keys", "revoke", key_id)
    assert revoked.returncode == 0
    assert revoked.stdout.strip() == f"key {key_id} (Lapor Semarang) revoked"
    assert aduan("open311", "keys", "list").stdout.split("\t")[1].startswith("revoked ")
    assert post(client, REQUESTS, fms_request(secret)).status_code == 403
    assert scalar(settings, "SELECT count(*) FROM cases") == 1


def test_a_key_for_every_service_and_the_refusals(settings: Settings) -> None:
    """Without --services a key may file anywhere ("all services"); an unknown service, a
    blank name or an unknown id to revoke: exit 1 with the reason, nothing made."""
    assert aduan("open311", "keys", "create", "FixMyStreet").returncode == 0
    assert "\tall services\t" in aduan("open311", "keys", "list").stdout
    unknown = aduan("open311", "keys", "create", "X", "--services", "road_damage,teleport")
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "no service with code teleport")
    blank = aduan("open311", "keys", "create", "  ")
    assert blank.returncode == 1 and "name must have 1 to 100 characters" in blank.stderr
    missing = aduan("open311", "keys", "revoke", "999")
    assert (missing.returncode, missing.stderr.strip()) == (1, "no key with id 999")
    assert scalar(settings, "SELECT count(*) FROM open311_keys") == 1
