"""Tests for musiclust.data.download against a local HTTP server and file:// URLs."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from musiclust.data.download import (
    ChecksumMismatch,
    DownloadError,
    download_file,
    redact_url,
    sha1_of_file,
)

PAYLOAD = os.urandom(200_000)
PAYLOAD_SHA1 = hashlib.sha1(PAYLOAD).hexdigest()


@dataclass
class ServedRequest:
    """What the server saw and sent for one request."""

    path: str
    range_header: str | None
    status: int
    body_bytes_sent: int


@dataclass
class ServerBehaviour:
    """Knobs a test turns to make the server misbehave."""

    content: bytes = PAYLOAD
    drop_after_bytes: int | None = None  # close the socket after this many body bytes...
    drop_times: int = 1  # ...on this many requests
    ignore_range: bool = False  # always answer 200 with the whole body
    fail_503_times: int = 0  # answer 503 this many times first
    requests: list[ServedRequest] = field(default_factory=list)

    def bytes_served(self) -> int:
        return sum(r.body_bytes_sent for r in self.requests)


class _RangeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        behaviour: ServerBehaviour = self.server.behaviour  # type: ignore[attr-defined]
        range_header = self.headers.get("Range")
        record = ServedRequest(self.path, range_header, 0, 0)
        behaviour.requests.append(record)

        if behaviour.fail_503_times > 0:
            behaviour.fail_503_times -= 1
            record.status = 503
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return

        content = behaviour.content
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", range_header or "")
        if match and not behaviour.ignore_range:
            start = int(match.group(1))
            if start >= len(content):
                record.status = 416
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(content)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            record.status = 206
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(content) - 1}/{len(content)}")
        else:
            record.status = 200
            self.send_response(200)
            self.send_header("Accept-Ranges", "none" if behaviour.ignore_range else "bytes")
        body = content[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()

        if behaviour.drop_after_bytes is not None and behaviour.drop_times > 0:
            behaviour.drop_times -= 1
            body = body[: behaviour.drop_after_bytes]
            self.wfile.write(body)
            self.wfile.flush()
            record.body_bytes_sent = len(body)
            # Cut the connection mid-body, as a flaky network would.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)
        record.body_bytes_sent = len(body)


@pytest.fixture
def server() -> Iterator[tuple[str, ServerBehaviour]]:
    """A local HTTP server with Range support; yields (base URL, behaviour knobs)."""
    behaviour = ServerBehaviour()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    httpd.daemon_threads = True
    httpd.behaviour = behaviour  # type: ignore[attr-defined]
    # A short poll interval keeps shutdown() (and so each test) fast.
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", behaviour
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _download(url: str, dest: Path, **kwargs: object) -> Path:
    options: dict[str, object] = {"backoff_factor": 0, "progress": False, "timeout": 5}
    options.update(kwargs)
    return download_file(url, dest, **options)  # type: ignore[arg-type]


def test_sha1_of_file(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(PAYLOAD)
    assert sha1_of_file(path, chunk_size=1000) == PAYLOAD_SHA1


def test_plain_download_verified(server: tuple[str, ServerBehaviour], tmp_path: Path) -> None:
    base, behaviour = server
    dest = tmp_path / "sub" / "data.zip"
    assert _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1) == dest
    assert dest.read_bytes() == PAYLOAD
    assert not dest.with_name("data.zip.part").exists()
    assert [r.status for r in behaviour.requests] == [200]


def test_dropped_connection_resumes_with_range(
    server: tuple[str, ServerBehaviour], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base, behaviour = server
    behaviour.drop_after_bytes = 70_000
    dest = tmp_path / "data.zip"
    with caplog.at_level(logging.INFO, logger="musiclust.download"):
        _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1)
    assert dest.read_bytes() == PAYLOAD
    first, second = behaviour.requests
    assert first.range_header is None and first.body_bytes_sent == 70_000
    assert second.range_header == "bytes=70000-" and second.status == 206
    assert behaviour.bytes_served() == len(PAYLOAD)  # nothing fetched twice
    assert "retry 1 of 5" in caplog.text and "resuming" in caplog.text


def test_server_ignoring_range_restarts_from_zero(
    server: tuple[str, ServerBehaviour], tmp_path: Path
) -> None:
    base, behaviour = server
    behaviour.ignore_range = True
    behaviour.drop_after_bytes = 50_000
    dest = tmp_path / "data.zip"
    _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1)
    assert dest.read_bytes() == PAYLOAD
    assert behaviour.requests[1].range_header == "bytes=50000-"
    assert behaviour.requests[1].status == 200


def test_503_is_retried_by_the_session(server: tuple[str, ServerBehaviour], tmp_path: Path) -> None:
    base, behaviour = server
    behaviour.fail_503_times = 2
    dest = tmp_path / "data.zip"
    _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1)
    assert dest.read_bytes() == PAYLOAD
    assert [r.status for r in behaviour.requests] == [503, 503, 200]


def test_persistent_503_raises_download_error(
    server: tuple[str, ServerBehaviour], tmp_path: Path
) -> None:
    base, behaviour = server
    behaviour.fail_503_times = 100
    with pytest.raises(DownloadError, match="HTTP 503"):
        _download(f"{base}/data.zip", tmp_path / "data.zip", retries=2)
    assert len(behaviour.requests) == 3  # first try + 2 adapter retries, no outer retry


def test_checksum_mismatch_moves_file_aside(
    server: tuple[str, ServerBehaviour], tmp_path: Path
) -> None:
    base, behaviour = server
    behaviour.content = b"not the archive you are looking for"
    wrong_sha1 = hashlib.sha1(behaviour.content).hexdigest()
    dest = tmp_path / "data.zip"
    with pytest.raises(ChecksumMismatch) as caught:
        _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1)
    corrupt = tmp_path / "data.zip.corrupt"
    assert not dest.exists()
    assert not (tmp_path / "data.zip.part").exists()
    assert corrupt.read_bytes() == behaviour.content
    message = str(caught.value)
    assert PAYLOAD_SHA1 in message and wrong_sha1 in message and str(corrupt) in message
    assert "/data.zip" in message


def test_existing_part_only_fetches_the_rest(
    server: tuple[str, ServerBehaviour], tmp_path: Path
) -> None:
    base, behaviour = server
    dest = tmp_path / "data.zip"
    half = len(PAYLOAD) // 2
    dest.with_name("data.zip.part").write_bytes(PAYLOAD[:half])
    _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1)
    assert dest.read_bytes() == PAYLOAD
    assert [r.range_header for r in behaviour.requests] == [f"bytes={half}-"]
    assert behaviour.bytes_served() == len(PAYLOAD) - half


def test_complete_part_answered_416_is_finished(
    server: tuple[str, ServerBehaviour], tmp_path: Path
) -> None:
    base, behaviour = server
    dest = tmp_path / "data.zip"
    dest.with_name("data.zip.part").write_bytes(PAYLOAD)
    _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1)
    assert dest.read_bytes() == PAYLOAD
    assert [r.status for r in behaviour.requests] == [416]
    assert behaviour.bytes_served() == 0


def test_existing_dest_is_not_downloaded_again(
    server: tuple[str, ServerBehaviour], tmp_path: Path
) -> None:
    base, behaviour = server
    dest = tmp_path / "data.zip"
    dest.write_bytes(PAYLOAD)
    _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1)
    _download(f"{base}/data.zip", dest)
    assert behaviour.requests == []


def test_existing_dest_with_wrong_sum_is_replaced(
    server: tuple[str, ServerBehaviour], tmp_path: Path
) -> None:
    base, behaviour = server
    dest = tmp_path / "data.zip"
    dest.write_bytes(b"stale")
    _download(f"{base}/data.zip", dest, sha1=PAYLOAD_SHA1)
    assert dest.read_bytes() == PAYLOAD
    assert len(behaviour.requests) == 1


def test_retries_exhausted_keeps_part_for_a_later_run(
    server: tuple[str, ServerBehaviour], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base, behaviour = server
    behaviour.drop_after_bytes = 10_000
    behaviour.drop_times = 100
    dest = tmp_path / "data.zip"
    url = f"{base}/data.zip?token=s3cret"
    with caplog.at_level(logging.INFO, logger="musiclust.download"), pytest.raises(
        DownloadError
    ) as caught:
        _download(url, dest, sha1=PAYLOAD_SHA1, retries=2)
    part = tmp_path / "data.zip.part"
    assert part.read_bytes() == PAYLOAD[:30_000]  # three attempts, each resumed
    message = str(caught.value)
    assert "30000 bytes" in message and f"{base}/data.zip" in message
    assert not dest.exists()
    # The query string (a stand-in for a token) never reaches a log or an error message.
    assert "s3cret" not in caplog.text and "s3cret" not in message
    assert caught.value.__cause__ is None

    # A later run picks up where the failed one stopped.
    behaviour.drop_times = 0
    _download(url, dest, sha1=PAYLOAD_SHA1)
    assert dest.read_bytes() == PAYLOAD
    assert behaviour.requests[-1].range_header == "bytes=30000-"


def test_redact_url() -> None:
    assert redact_url("https://user:pw@host:8443/a/b.zip?sig=x#frag") == "https://host:8443/a/b.zip"
    assert redact_url("file:///data/x.zip") == "file:///data/x.zip"


# --- file:// ---------------------------------------------------------------------------


def test_file_url_download(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(PAYLOAD)
    dest = tmp_path / "out" / "copy.bin"
    _download(source.as_uri(), dest, sha1=PAYLOAD_SHA1, chunk_size=4096)
    assert dest.read_bytes() == PAYLOAD
    assert not dest.with_name("copy.bin.part").exists()


def test_file_url_resumes_from_part(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(PAYLOAD)
    dest = tmp_path / "copy.bin"
    # A .part whose tail differs from the source proves the copy continued instead of restarting
    # (the checksum then fails, which is the evidence).
    dest.with_name("copy.bin.part").write_bytes(b"\0" * 1000)
    with caplog.at_level(logging.INFO, logger="musiclust.download"), pytest.raises(ChecksumMismatch):
        _download(source.as_uri(), dest, sha1=PAYLOAD_SHA1)
    corrupt = tmp_path / "copy.bin.corrupt"
    assert corrupt.read_bytes() == b"\0" * 1000 + PAYLOAD[1000:]
    assert "resuming" in caplog.text and "at byte 1000" in caplog.text

    # With a genuine prefix, the resumed copy is whole and verified.
    dest.with_name("copy.bin.part").write_bytes(PAYLOAD[:1000])
    _download(source.as_uri(), dest, sha1=PAYLOAD_SHA1)
    assert dest.read_bytes() == PAYLOAD


def test_file_url_existing_dest_is_not_read_from_source(tmp_path: Path) -> None:
    dest = tmp_path / "copy.bin"
    dest.write_bytes(PAYLOAD)
    missing = (tmp_path / "does-not-exist.bin").as_uri()
    assert _download(missing, dest, sha1=PAYLOAD_SHA1) == dest
    assert _download(missing, dest) == dest


def test_file_url_missing_source(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="no such file"):
        _download((tmp_path / "nope.bin").as_uri(), tmp_path / "x.bin")


def test_unsupported_scheme(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ftp"):
        _download("ftp://example.org/x.zip", tmp_path / "x.zip")
