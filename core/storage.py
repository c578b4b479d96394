"""Where uploaded files live: one small interface, a local directory or an S3-compatible bucket.

Callers only ever hold the key `save` returned, so moving from a disk to a bucket (or between
buckets) never touches the database schema or the code that attaches files to cases.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from core.db import utcnow
from core.settings import Settings

_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,10})?")


class MediaNotFound(LookupError):
    """No stored file has this key (never saved, or removed behind our back)."""


class MediaStorage(Protocol):
    def save(self, data: bytes, *, content_type: str, suffix: str = "") -> str:
        """Store `data` under a new unique key and return the key."""
        ...

    def read(self, key: str) -> bytes:
        """The bytes saved under `key`; raises MediaNotFound."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file saved under `key`; one already gone is no error (a second pass)."""
        ...


def new_key(suffix: str = "") -> str:
    """A date-prefixed random key: unguessable, never reused, and easy to expire by day."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"invalid file suffix {suffix!r}")
    return f"{utcnow():%Y/%m/%d}/{uuid.uuid4().hex}{suffix}"


class LocalStorage:
    """Files under one directory; the default, needing nothing but a writable disk."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        # keys come from our database, but a tampered row must not read /etc/passwd
        root = self.root.resolve()
        path = (root / key).resolve()
        if not path.is_relative_to(root) or path == root:
            raise ValueError(f"media key {key!r} is outside the media directory")
        return path

    def save(self, data: bytes, *, content_type: str, suffix: str = "") -> str:
        key = new_key(suffix)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as file:  # "x": never overwrite, even on a (near impossible) clash
            file.write(data)
        return key

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise MediaNotFound(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """A bucket on AWS S3 or an S3-compatible service (MinIO, R2, Spaces, ...).

    Without explicit keys boto3 falls back to its usual credential chain (instance role, env).
    """

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            # S3-compatible services rarely have wildcard DNS for bucket sub-domains
            config=Config(s3={"addressing_style": "path"}) if endpoint_url else None,
        )

    def save(self, data: bytes, *, content_type: str, suffix: str = "") -> str:
        key = new_key(suffix)
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        return key

    def read(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MediaNotFound(key) from None
            raise
        return response["Body"].read()

    def delete(self, key: str) -> None:
        # S3 answers a delete of a missing key with success too
        self.client.delete_object(Bucket=self.bucket, Key=key)


@lru_cache(maxsize=4)
def _s3_storage(
    bucket: str,
    endpoint_url: str | None,
    region: str,
    access_key_id: str | None,
    secret_access_key: str | None,
) -> S3Storage:
    # building a boto3 client takes tens of milliseconds; clients are thread-safe, so share one
    return S3Storage(bucket, endpoint_url, region, access_key_id, secret_access_key)


def get_storage(settings: Settings) -> MediaStorage:
    """The configured storage: the S3 bucket when `S3_BUCKET` is set, else `MEDIA_DIR`."""
    if settings.s3_bucket:
        return _s3_storage(
            settings.s3_bucket,
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
        )
    return LocalStorage(settings.media_dir)
