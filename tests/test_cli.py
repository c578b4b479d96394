"""The `aduan` command as an operator runs it: in this process (tests/cli.py), and once as the
installed entry point in a process of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from core.db import get_engine
from routing.catalogue import default_catalogue_path
from tests.cli import run_aduan as aduan


@pytest.fixture
def fresh_db(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "APP_ENV": "development"}


def test_db_upgrade_migrates_and_loads_the_catalogue_once(fresh_db: dict[str, str]) -> None:
    """A fresh database gets the schema and the catalogue (19 agencies and 11 referral
    bodies); a second run changes nothing."""
    first = aduan("db", "upgrade", env=fresh_db)
    assert first.returncode == 0, first.stderr
    assert "loaded 30 agencies" in first.stdout
    second = aduan("db", "upgrade", env=fresh_db)
    assert second.returncode == 0
    assert "loaded" not in second.stdout
    with get_engine(fresh_db["DATABASE_URL"]).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM agencies")).scalar_one() == 30


def test_users_create_reads_the_password_from_stdin(fresh_db: dict[str, str]) -> None:
    """An officer is created with a hashed password; bad requests fail with a reason."""
    aduan("db", "upgrade", env=fresh_db)
    ok = aduan(
        "users",
        "create",
        "rina",
        "--role",
        "officer",
        "--agency",
        "PDAM",
        env=fresh_db,
        stdin="s3cret-password\n",
    )
    assert ok.returncode == 0, ok.stderr
    with get_engine(fresh_db["DATABASE_URL"]).connect() as connection:
        stored = connection.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    assert "s3cret-password" not in stored
    for args, reason in (
        (("rina", "--role", "officer", "--agency", "PDAM"), "already exists"),
        (("joko", "--role", "officer"), "needs an agency"),
        (("joko", "--role", "king"), "unknown role"),
        (("joko", "--role", "officer", "--agency", "NOPE"), "unknown agency"),
        (("joko", "--role", "officer", "--agency", "PLN"), "outside the city government"),
    ):
        failed = aduan("users", "create", *args, env=fresh_db, stdin="another-password\n")
        assert failed.returncode == 1
        assert reason in failed.stderr
    short = aduan("users", "create", "joko", "--role", "supervisor", env=fresh_db, stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr


def test_routing_predict_speaks_json_lines(fresh_db: dict[str, str], routing_model: Path) -> None:
    """Each input line gets one output line with agency, category and confidence."""
    aduan("db", "upgrade", env=fresh_db)
    fresh_db["ROUTING_MODEL_FILE"] = str(routing_model)  # the run's shared model, as trained
    lines = [
        {"text": "lampu jalan mati di gang 3 sudah seminggu, gelap sekali"},
        {"text": "air PDAM tidak mengalir sejak kemarin pagi"},
        {"text": "halo"},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    result = aduan("routing", "predict", env=fresh_db, stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["agency"] == "DISPERKIM" and out[0]["category"] == "street_light"
    assert out[1]["agency"] == "PDAM"
    assert all(0 <= o["confidence"] <= 1 for o in out[:3])
    assert out[2]["confidence"] < 0.5
    assert "error" in out[3] and "line 4" in result.stderr


def test_routing_on_a_database_never_upgraded_says_what_to_run(tmp_path: Path) -> None:
    """No tables yet: a clear message and exit 1, not a traceback."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'never-upgraded.db'}"}
    result = aduan("routing", "predict", env=env, stdin='{"text": "banjir"}\n')
    assert result.returncode == 1
    assert "run `aduan db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_routing_predict_from_a_file_needs_no_database(tmp_path: Path, routing_model: Path) -> None:
    """--catalogue predicts straight from a catalogue file."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-created.db'}",
        "ROUTING_MODEL_FILE": str(routing_model),
    }
    result = aduan(
        "routing",
        "predict",
        "--catalogue",
        str(default_catalogue_path()),
        env=env,
        stdin='{"text": "banjir setinggi lutut di perumahan kami"}\n',
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["agency"] == "BPBD"


def test_catalog_load_updates_and_deactivates(fresh_db: dict[str, str], tmp_path: Path) -> None:
    """An edited file changes SLAs and deactivates a dropped category without deleting it."""
    aduan("db", "upgrade", env=fresh_db)
    data = yaml.safe_load(default_catalogue_path().read_text())
    dpu = next(a for a in data["agencies"] if a["code"] == "DPU")
    dpu["categories"][0]["sla_hours"] = 5
    dropped = dpu["categories"].pop()["code"]
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True))
    shutil.copytree(default_catalogue_path().parent / "areas", tmp_path / "areas")
    result = aduan("catalog", "load", str(edited), env=fresh_db)
    assert result.returncode == 0, result.stderr
    assert "deactivated 1" in result.stdout
    with get_engine(fresh_db["DATABASE_URL"]).connect() as connection:
        rows = dict(connection.execute(sa.text("SELECT code, active FROM categories")).all())
        sla = connection.execute(
            sa.text("SELECT sla_hours FROM categories WHERE code = :c"),
            {"c": dpu["categories"][0]["code"]},
        ).scalar_one()
    assert rows[dropped] in (0, False)
    assert sla == 5


def test_catalog_load_rejects_a_broken_file_with_the_reason(
    fresh_db: dict[str, str], tmp_path: Path
) -> None:
    """A catalogue with a bad SLA is refused and the message says where."""
    aduan("db", "upgrade", env=fresh_db)
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "agencies:\n  - code: DPU\n    name: x\n    name_en: x\n    categories:\n"
        "      - {code: roads, name: x, name_en: x, sla_hours: -1, keywords: {id: [a]}}\n"
    )
    result = aduan("catalog", "load", str(broken), env=fresh_db)
    assert result.returncode == 1
    assert "sla_hours" in result.stderr


def test_worker_refuses_to_start_without_redis(fresh_db: dict[str, str]) -> None:
    """`aduan worker` explains that without REDIS_URL the web process delivers."""
    result = aduan("worker", env={**fresh_db, "REDIS_URL": ""})
    assert result.returncode == 1
    assert "REDIS_URL" in result.stderr


def test_the_readme_shows_the_lifecycle_table_the_code_has(fresh_db: dict[str, str]) -> None:
    """README.md's lifecycle table is exactly what `aduan cases lifecycle` prints from the code."""
    result = aduan("cases", "lifecycle", env=fresh_db)
    assert result.returncode == 0, result.stderr
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    _, begin, rest = readme.partition("<!-- lifecycle:begin -->\n")
    copy, end, _ = rest.partition("<!-- lifecycle:end -->")
    assert begin and end, "README.md lost its lifecycle markers"
    assert copy == result.stdout, "README.md is stale: paste `aduan cases lifecycle` into it"
    assert "| `auto_close` | `resolved` | `closed` | system |" in copy


def test_a_bad_setting_stops_every_command_with_its_reason(fresh_db: dict[str, str]) -> None:
    """A short SECRET_KEY in production stops the command with the reason, not a traceback,
    and no setting's value is printed."""
    env = {**fresh_db, "APP_ENV": "production", "SECRET_KEY": "hunter2"}
    # the installed entry point, in a process of its own: what an operator's shell gets
    result = subprocess.run(
        [sys.executable, "-m", "aduan", "db", "upgrade"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("invalid settings:\n  SECRET_KEY must be at least 32 bytes")
    assert "hunter2" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
