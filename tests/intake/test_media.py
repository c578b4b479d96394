"""Intake's media rules: what is accepted, what the bytes really are, and fetching from channels."""

from __future__ import annotations

import base64
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.media import MediaRejected, store_media
from core.settings import Settings
from core.storage import LocalStorage
from intake.media import MediaDownloadError, download_media
from tests.fakes.twilio_api import FakeTwilio

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
USER, PASSWORD = "AC123", "media-secret"


def tiny_png() -> bytes:
    """A valid 1x1 RGB PNG, built by hand so no imaging library is needed."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xcc\x33\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = tiny_png()


@pytest.fixture
def media_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, media_dir=tmp_path / "media", s3_bucket=None)


def test_accepts_jpeg_and_png(media_settings: Settings) -> None:
    """Real JPEG and PNG bytes are stored with their type, size, suffix and a clean filename."""
    storage = LocalStorage(media_settings.media_dir)
    for data, declared, content_type, suffix in (
        (JPEG, "image/jpeg", "image/jpeg", ".jpg"),
        (PNG, "image/png; name=foto.png", "image/png", ".png"),
    ):
        stored = store_media(media_settings, data, declared, "../../foto\r\n" + suffix)
        assert stored.content_type == content_type
        assert stored.size == len(data)
        assert stored.storage_key.endswith(suffix)
        assert stored.filename == "foto" + suffix
        assert storage.read(stored.storage_key) == data


def test_type_comes_from_the_bytes(media_settings: Settings) -> None:
    """A PNG declared as JPEG (or not declared at all) is stored as the PNG it is."""
    assert store_media(media_settings, PNG, "image/jpeg").content_type == "image/png"
    assert store_media(media_settings, PNG, None).content_type == "image/png"


def test_rejects_empty(media_settings: Settings) -> None:
    """An empty file is refused with the reason 'empty'."""
    with pytest.raises(MediaRejected) as rejected:
        store_media(media_settings, b"", "image/jpeg")
    assert rejected.value.reason == "empty"


def test_rejects_too_large(media_settings: Settings) -> None:
    """A file one byte over media_max_bytes is refused; one at the limit is stored."""
    small_limit = media_settings.model_copy(update={"media_max_bytes": len(PNG)})
    assert store_media(small_limit, PNG, "image/png").size == len(PNG)
    with pytest.raises(MediaRejected) as rejected:
        store_media(small_limit, PNG + b"\x00", "image/png")
    assert rejected.value.reason == "too_large"
    assert "larger than the limit" in str(rejected.value)


def test_rejects_type_not_allowed(media_settings: Settings) -> None:
    """A real PNG is refused when the operator allows only JPEG, and nothing is stored."""
    jpeg_only = media_settings.model_copy(update={"media_allowed_types": ["image/jpeg"]})
    with pytest.raises(MediaRejected) as rejected:
        store_media(jpeg_only, PNG, "image/png")
    assert rejected.value.reason == "unsupported_type"
    assert not media_settings.media_dir.exists()


@pytest.mark.parametrize(
    "data", [ELF, EXE, HTML, b"just some text"], ids=["elf", "exe", "html", "text"]
)
def test_rejects_bytes_that_are_not_what_they_claim(media_settings: Settings, data: bytes) -> None:
    """An executable, a web page or plain text claiming to be image/jpeg is refused."""
    with pytest.raises(MediaRejected) as rejected:
        store_media(media_settings, data, "image/jpeg", "foto.jpg")
    assert rejected.value.reason == "unsupported_type"


def test_declared_type_used_only_when_bytes_cannot_tell(media_settings: Settings) -> None:
    """An allowed type without a known signature (here text/csv) is taken as declared."""
    with_csv = media_settings.model_copy(
        update={"media_allowed_types": [*media_settings.media_allowed_types, "text/csv"]}
    )
    stored = store_media(with_csv, b"jalan,lubang\n1,2\n", "text/csv", "data.csv")
    assert stored.content_type == "text/csv"
    assert stored.storage_key.endswith(".csv")
    with pytest.raises(MediaRejected):
        store_media(media_settings, b"jalan,lubang\n1,2\n", "text/csv")


class _MediaHandler(BaseHTTPRequestHandler):
    """/protected needs basic auth and redirects once to /file; the rest misbehave on purpose."""

    def do_GET(self) -> None:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.path == "/protected":
            if self.headers.get("Authorization") != expected:
                self._answer(401, b"unauthorised")
            else:
                self.send_response(302)
                self.send_header("Location", "/file")
                self.end_headers()
        elif self.path == "/file":
            self._answer(200, PNG, "image/png; charset=binary")
        elif self.path == "/endless":  # 4 MiB without Content-Length: only counting can stop it
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(bytes(64 * 1024))
            except OSError:
                pass  # the client hung up, as it should
        elif self.path == "/announced-huge":  # Content-Length alone must stop it
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            self.wfile.write(b"\x00" * 10)
        else:
            self._answer(404, b"not found")

    def _answer(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def media_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MediaHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_with_auth_and_redirect(media_server: str, media_settings: Settings) -> None:
    """Basic auth is sent, the redirect followed, and the bare content type returned."""
    data, content_type = download_media(
        f"{media_server}/protected", media_settings, auth=(USER, PASSWORD)
    )
    assert data == PNG
    assert content_type == "image/png"


def test_download_without_auth_fails(media_server: str, media_settings: Settings) -> None:
    """A 401 answer becomes MediaDownloadError naming the status."""
    with pytest.raises(MediaDownloadError, match="HTTP 401"):
        download_media(f"{media_server}/protected", media_settings)


def test_download_not_found(media_server: str, media_settings: Settings) -> None:
    """A 404 answer becomes MediaDownloadError naming the status."""
    with pytest.raises(MediaDownloadError, match="HTTP 404"):
        download_media(f"{media_server}/gone", media_settings)


def test_download_aborts_past_the_limit(media_server: str, media_settings: Settings) -> None:
    """A body without Content-Length is cut off once it passes media_max_bytes."""
    small = media_settings.model_copy(update={"media_max_bytes": 64 * 1024})
    with pytest.raises(MediaRejected) as rejected:
        download_media(f"{media_server}/endless", small)
    assert rejected.value.reason == "too_large"


def test_download_refuses_announced_size(media_server: str, media_settings: Settings) -> None:
    """A Content-Length over the limit is refused before the body is read."""
    with pytest.raises(MediaRejected) as rejected:
        download_media(f"{media_server}/announced-huge", media_settings)
    assert rejected.value.reason == "too_large"


def test_download_network_error(media_settings: Settings) -> None:
    """A refused connection becomes MediaDownloadError."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(MediaDownloadError, match=r"from 127\.0\.0\.1 failed: ConnectError"):
        download_media(f"http://127.0.0.1:{port}/x", media_settings, timeout=2)


def test_download_from_twilio(twilio: FakeTwilio, media_settings: Settings) -> None:
    """Twilio media (basic auth, then 307 to the CDN) downloads and stores as the photo it is."""
    url = twilio.add_media(content=JPEG, content_type="image/jpeg")
    data, content_type = download_media(
        url, media_settings, auth=(twilio.account_sid, twilio.auth_token)
    )
    assert (data, content_type) == (JPEG, "image/jpeg")
    stored = store_media(media_settings, data, content_type)
    assert LocalStorage(media_settings.media_dir).read(stored.storage_key) == JPEG
