"""`aduan routing train | eval | predict` as an operator runs them (tests/cli.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import get_engine
from core.settings import Settings
from routing.model import TrainedClassifier
from routing.outcome_eval import THRESHOLDS
from tests.test_cli import aduan

THRESHOLD = Settings.model_fields["routing_min_confidence"].default

pytestmark = pytest.mark.runs_long

UNUSUAL = "mesin antrean nomor di kantor kecamatan macet lagi"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated database with one correction, and the model `aduan routing train` saved."""
    folder = tmp_path_factory.mktemp("routing-cli")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'cli.db'}",
        "ROUTING_MODEL_FILE": str(folder / "model.joblib"),
        "APP_ENV": "development",
    }
    assert aduan("db", "upgrade", env=env).returncode == 0
    with get_engine(env["DATABASE_URL"]).begin() as connection:
        for _ in range(6):
            connection.execute(
                sa.text(
                    "INSERT INTO routing_examples (text, agency_code, category_code, source, "
                    "created_at) VALUES (:t, 'DISDUKCAPIL', 'id_card', 'forward', "
                    "CURRENT_TIMESTAMP)"
                ),
                {"t": UNUSUAL},
            )
    result = aduan("routing", "train", env=env)
    assert result.returncode == 0, result.stderr
    assert "examples" in result.stdout and env["ROUTING_MODEL_FILE"] in result.stdout
    return env


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


LABELLED = [
    {"text": "jalan berlubang besar di depan pasar", "agency": "DPU", "language": "id"},
    {"text": "sampah menumpuk tidak diangkut seminggu", "agency": "DLH", "language": "id"},
    {"text": "air pdam mati dari kemarin pagi", "agency": "PDAM", "language": "id"},
    {"text": "The street lights on our road are out", "agency": "DISPERKIM", "language": "en"},
    # deliberately mislabelled: accuracy can never reach 1.0 on this file
    {"text": "banjir setinggi lutut masuk rumah", "agency": "BAPENDA", "language": "id"},
    {"text": "selamat pagi semua", "agency": "_chatter", "language": "id"},
]


def test_train_writes_a_model_that_the_service_uses(trained: dict[str, str]) -> None:
    """The saved model fits the database's catalogue and learnt the database's corrections."""
    model = TrainedClassifier.load(Path(trained["ROUTING_MODEL_FILE"]))
    assert model.predict(UNUSUAL).agency == "DISDUKCAPIL"
    result = aduan("routing", "predict", env=trained, stdin=json.dumps({"text": UNUSUAL}) + "\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["agency"] == "DISDUKCAPIL"
    assert "in memory" not in result.stderr  # the file was used, nothing was trained


def test_predict_returns_alternatives(trained: dict[str, str]) -> None:
    """Each line gets the agency, category, confidence, the top three alternatives, whether it
    is routed without triage, and the outcome: agency, chatter or triage."""
    lines = [
        "lampu jalan mati di gang 3, gelap sekali",
        "selamat pagi semua",
        "mohon bantuannya pak ini sudah lama sekali",
    ]
    stdin = "".join(json.dumps({"text": line}) + "\n" for line in lines)
    result = aduan("routing", "predict", env=trained, stdin=stdin)
    assert result.returncode == 0, result.stderr
    out, chatter, unclear = map(json.loads, result.stdout.splitlines())
    assert (out["routed"], out["outcome"]) == (True, "agency")
    assert (chatter["routed"], chatter["outcome"]) == (False, "chatter")
    assert chatter["agency"] is not None  # the agency it would be, whatever the confidence
    assert (unclear["routed"], unclear["outcome"]) == (False, "triage")
    assert (out["agency"], out["category"]) == ("DISPERKIM", "street_light")
    assert len(out["alternatives"]) == 3
    assert out["alternatives"][0] == {
        "agency": out["agency"],
        "category": out["category"],
        "confidence": out["confidence"],
    }
    assert [a["confidence"] for a in out["alternatives"]] == sorted(
        (a["confidence"] for a in out["alternatives"]), reverse=True
    )


def test_predict_names_a_referral_body_as_referral(trained: dict[str, str]) -> None:
    """A power cut is PLN's, a body outside the city: `referral:PLN`, outcome referral, in
    the alternatives too; a city agency keeps its plain code."""
    stdin = json.dumps({"text": "listrik di rumah padam dari pagi, token juga tidak masuk"})
    result = aduan("routing", "predict", env=trained, stdin=stdin + "\n")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["agency"], out["category"]) == ("referral:PLN", "electricity_supply")
    assert (out["routed"], out["outcome"]) == (True, "referral")
    assert out["alternatives"][0]["agency"] == "referral:PLN"
    street_light = json.dumps({"text": "lampu jalan mati di gang 3, gelap sekali"})
    result = aduan("routing", "predict", env=trained, stdin=street_light + "\n")
    assert json.loads(result.stdout)["agency"] == "DISPERKIM"


def test_eval_prints_the_metrics(trained: dict[str, str], tmp_path: Path) -> None:
    """Accuracy, macro-F1, per-language and per-agency figures, and the confusions."""
    data = _csv(tmp_path / "labelled.csv", LABELLED)
    result = aduan("routing", "eval", "--data", str(data), "--min-accuracy", "0.5", env=trained)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "accuracy:   0.800" in out and "macro-F1:" in out
    assert "\nid " in out and "\nen " in out
    assert "BAPENDA" in out and "DPU" in out
    assert "BAPENDA -> BPBD: 1" in out
    assert "chatter: 1 of 1 sent to triage" in out


def test_eval_fails_under_min_accuracy(trained: dict[str, str], tmp_path: Path) -> None:
    """Below --min-accuracy the command exits 1 and says so."""
    data = _csv(tmp_path / "labelled.csv", LABELLED)
    result = aduan("routing", "eval", "--data", str(data), "--min-accuracy", "0.9", env=trained)
    assert result.returncode == 1
    assert "below --min-accuracy 0.9" in result.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "cannot read"),
        (b"words,agency\nhello,DPU\n", "lacks the column(s): text"),
        (b"text,agency\n\xff\xfe broken,DPU\n", "cannot read"),
        (b"text,agency\n,DPU\n", "line 2: empty text or agency"),
        (b"text,agency\n", "no complaint rows"),
    ],
)
def test_eval_rejects_a_bad_file(
    trained: dict[str, str], tmp_path: Path, content: bytes | None, reason: str
) -> None:
    """A missing, unreadable or malformed file exits 2 with the reason."""
    data = tmp_path / "data.csv"
    if content is not None:
        data.write_bytes(content)
    result = aduan("routing", "eval", "--data", str(data), env=trained)
    assert result.returncode == 2, result.stdout
    assert reason in result.stderr


# hand labels as in routing/data/realtext.csv, a referral body's among them
OUTCOME_LABELLED = [
    {"text": "jalan berlubang besar di depan pasar", "label": "DPU", "source": "t", "note": ""},
    {"text": "sampah menumpuk tidak diangkut seminggu", "label": "DLH", "source": "t", "note": ""},
    {"text": "listrik padam sejak pagi di rumah kami", "label": "referral:PLN", "source": "t"},
    {"text": "selamat pagi semua", "label": "chatter", "source": "t", "note": ""},
]


def test_eval_on_hand_labels_prints_outcomes_and_the_threshold_table(
    trained: dict[str, str], tmp_path: Path
) -> None:
    """A `label` column gets the outcome report: routed share, precision, accuracy, the table."""
    data = _csv(tmp_path / "labels.csv", OUTCOME_LABELLED)
    result = aduan("routing", "eval", "--data", str(data), env=trained)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "texts: 4, of them complaints (agency or referral): 3" in out
    assert "labels: DLH 1, DPU 1, chatter 1, referral:PLN 1" in out
    assert f"at confidence >= {THRESHOLD:g}:" in out
    # the power cut predicted as PLN counts as referral:PLN, right
    assert "right agency or referral: 3 of 3" in out
    for figure in ("complaints routed:", "precision of routed:", "accuracy:", "macro-F1:"):
        assert figure in out
    table = out.split("threshold  complaints routed")[1].splitlines()[1:]
    assert [float(line.split()[0]) for line in table] == list(THRESHOLDS)
    assert "complaints:" not in out  # not the agency-column report


def test_eval_on_hand_labels_honours_min_accuracy(trained: dict[str, str], tmp_path: Path) -> None:
    """A deliberately mislabelled row puts 1.0 out of reach: exit 1 with the reason."""
    wrong = {"text": "banjir setinggi lutut masuk rumah", "label": "BAPENDA", "source": "t"}
    data = _csv(tmp_path / "labels.csv", [*OUTCOME_LABELLED, wrong])
    result = aduan("routing", "eval", "--data", str(data), "--min-accuracy", "1", env=trained)
    assert result.returncode == 1
    assert "is below --min-accuracy 1" in result.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"text,label\njalan bolong,dpu\n", "line 2: label 'dpu' is none of"),
        (b"text,label\n", "no labelled rows"),
        (b"text,label\n\xff broken,DPU\n", "cannot read"),
    ],
)
def test_eval_rejects_bad_hand_labels(
    trained: dict[str, str], tmp_path: Path, content: bytes, reason: str
) -> None:
    data = tmp_path / "labels.csv"
    data.write_bytes(content)
    result = aduan("routing", "eval", "--data", str(data), env=trained)
    assert result.returncode == 2, result.stdout
    assert reason in result.stderr
