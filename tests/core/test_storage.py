"""The media storage interface: a local directory and a real (local) S3 server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from core.settings import Settings
from core.storage import LocalStorage, MediaNotFound, S3Storage, get_storage

BUCKET = "aduan-media"
S3_KEYS = {"access_key_id": "testing", "secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 over HTTP on a free loopback port, with the bucket created."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["access_key_id"],
        aws_secret_access_key=S3_KEYS["secret_access_key"],
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def test_local_round_trip(tmp_path: Path) -> None:
    """Bytes saved locally come back identical, under a dated key with the suffix."""
    storage = LocalStorage(tmp_path / "media")
    key = storage.save(b"\x89PNG data", content_type="image/png", suffix=".png")
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.png", key)
    assert storage.read(key) == b"\x89PNG data"
    assert (tmp_path / "media" / key).read_bytes() == b"\x89PNG data"


def test_local_keys_are_unique(tmp_path: Path) -> None:
    """Saving the same bytes twice gives two keys, so nothing is overwritten."""
    storage = LocalStorage(tmp_path)
    first = storage.save(b"same", content_type="image/jpeg")
    second = storage.save(b"same", content_type="image/jpeg")
    assert first != second


def test_local_refuses_keys_outside_root(tmp_path: Path) -> None:
    """A key climbing out of the media directory is refused, not read."""
    (tmp_path / "secret.txt").write_text("do not read")
    storage = LocalStorage(tmp_path / "media")
    for key in ("../secret.txt", "../etc/passwd", "/etc/passwd", "2026/../../secret.txt"):
        with pytest.raises(ValueError, match="outside the media directory"):
            storage.read(key)


def test_local_refuses_odd_suffix(tmp_path: Path) -> None:
    """A suffix cannot smuggle a path into the key."""
    with pytest.raises(ValueError, match="invalid file suffix"):
        LocalStorage(tmp_path).save(b"x", content_type="image/png", suffix="/../../x.png")


def test_local_missing_key(tmp_path: Path) -> None:
    """Reading a key that was never saved raises MediaNotFound."""
    with pytest.raises(MediaNotFound):
        LocalStorage(tmp_path).read("2026/01/01/" + "0" * 32 + ".jpg")


def test_local_delete_removes_the_file_and_a_second_delete_is_no_error(tmp_path: Path) -> None:
    """A deleted key's file is gone from disk and reads as missing; deleting it again passes."""
    storage = LocalStorage(tmp_path / "media")
    key = storage.save(b"\x89PNG data", content_type="image/png", suffix=".png")
    storage.delete(key)
    assert not (tmp_path / "media" / key).exists()
    with pytest.raises(MediaNotFound):
        storage.read(key)
    storage.delete(key)
    with pytest.raises(ValueError, match="outside the media directory"):
        storage.delete("../secret.txt")


def test_s3_delete_removes_the_object(s3_endpoint: str) -> None:
    """A deleted key is gone from the bucket; deleting it again passes."""
    storage = S3Storage(BUCKET, s3_endpoint, "us-east-1", **S3_KEYS)
    key = storage.save(b"photo", content_type="image/jpeg", suffix=".jpg")
    storage.delete(key)
    with pytest.raises(MediaNotFound):
        storage.read(key)
    storage.delete(key)


def test_s3_round_trip(s3_endpoint: str) -> None:
    """Bytes saved to the bucket come back identical, with the content type set on the object."""
    storage = S3Storage(BUCKET, s3_endpoint, "us-east-1", **S3_KEYS)
    key = storage.save(b"\xff\xd8\xff photo", content_type="image/jpeg", suffix=".jpg")
    assert key.endswith(".jpg")
    assert storage.read(key) == b"\xff\xd8\xff photo"
    head = storage.client.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentType"] == "image/jpeg"


def test_s3_missing_key(s3_endpoint: str) -> None:
    """A key not in the bucket raises MediaNotFound."""
    storage = S3Storage(BUCKET, s3_endpoint, "us-east-1", **S3_KEYS)
    with pytest.raises(MediaNotFound):
        storage.read("2026/01/01/" + "0" * 32 + ".jpg")


def test_get_storage_picks_s3_when_bucket_set(s3_endpoint: str, tmp_path: Path) -> None:
    """S3_BUCKET selects the bucket; without it files go to MEDIA_DIR."""
    local = Settings(_env_file=None, media_dir=tmp_path, s3_bucket=None)
    assert isinstance(get_storage(local), LocalStorage)
    assert get_storage(local).root == tmp_path

    remote = local.model_copy(
        update={
            "s3_bucket": BUCKET,
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key_id": S3_KEYS["access_key_id"],
            "s3_secret_access_key": S3_KEYS["secret_access_key"],
        }
    )
    storage = get_storage(remote)
    assert isinstance(storage, S3Storage)
    key = storage.save(b"via settings", content_type="application/pdf")
    assert get_storage(remote).read(key) == b"via settings"
    assert not any(tmp_path.iterdir())
