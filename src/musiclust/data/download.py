"""Resumable, checksum-verified downloads over http(s):// and file://.

A download streams into ``<dest>.part`` and is renamed to ``<dest>`` only once it is whole and,
when a SHA-1 is given, verified. An interrupted run leaves the ``.part`` file behind and the next
run continues from its size (an HTTP ``Range`` request, or a seek for file://). A file that fails
verification is moved to ``<dest>.corrupt`` so it is kept for inspection but never mistaken for
a finished download.

Two layers of retrying:

* the ``requests`` session's adapter (``urllib3.util.Retry``) retries connection errors and
  429/5xx answers before any body byte is read;
* an outer loop here retries failures in the middle of the body (dropped connection, truncated
  body), each attempt resuming from what is already in the ``.part`` file.

URLs are logged and put into exception messages without user info, query string or fragment,
so tokens in signed URLs never reach a log.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
import urllib3
from requests.adapters import HTTPAdapter
from tqdm import tqdm
from urllib3.util import Retry

from musiclust.defaults import defaults

log = logging.getLogger("musiclust.download")

#: Statuses the session adapter retries (with backoff, honouring ``Retry-After``).
RETRY_STATUSES = (429, 500, 502, 503, 504)

# Content-Range: bytes 100-199/200   or   bytes */200   (total may be "*" when unknown)
_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)", re.IGNORECASE)


class ChecksumMismatch(Exception):
    """The downloaded file's SHA-1 is not the expected one (the file was moved aside)."""

    def __init__(self, url: str, expected: str, actual: str, moved_to: Path) -> None:
        self.url = url
        self.expected = expected
        self.actual = actual
        self.moved_to = moved_to
        super().__init__(
            f"SHA-1 mismatch for {url}: expected {expected}, got {actual}; "
            f"the downloaded file was moved to {moved_to}"
        )


class DownloadError(Exception):
    """A download could not be completed (bad status, or retries exhausted)."""


class _IncompleteBody(Exception):
    """The body ended before the announced length; retried by the outer loop."""


# Failures in the middle of a body: worth another attempt that resumes from the .part file.
_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    _IncompleteBody,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.Timeout,
    urllib3.exceptions.ProtocolError,  # raw stream: IncompleteRead, connection reset
    urllib3.exceptions.ReadTimeoutError,
    ConnectionError,  # builtin: reset/aborted sockets surfacing as OSError subclasses
)


def redact_url(url: str) -> str:
    """``url`` without user info, query string and fragment: safe to log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def sha1_of_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-1 of a file, read in chunks so large archives need little memory."""
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def make_session(retries: int = 5, backoff_factor: float = 1.0) -> requests.Session:
    """A session retrying connection errors and 429/5xx answers with exponential backoff."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        # Hand the last bad answer back instead of raising, so the status can be reported.
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _progress_bar(total: int | None, initial: int, desc: str, progress: bool) -> tqdm:
    # A log file (Snakemake) is not a TTY: update rarely there so the log is not flooded.
    interactive = sys.stderr.isatty()
    return tqdm(
        total=total,
        initial=initial,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=desc,
        disable=not progress,
        mininterval=0.5 if interactive else 30.0,
        leave=True,
    )


def _part_size(part: Path) -> int:
    return part.stat().st_size if part.exists() else 0


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"file:// URL with a remote host is not supported: {redact_url(url)}")
    return Path(url2pathname(parts.path))


def _fetch_file_url(
    url: str, part: Path, *, chunk_size: int, progress: bool, desc: str
) -> None:
    """Copy a local file into ``part``, continuing after the bytes already there."""
    source = _file_url_path(url)
    try:
        total = source.stat().st_size
    except FileNotFoundError as exc:
        raise DownloadError(f"{redact_url(url)}: no such file") from exc
    offset = _part_size(part)
    if offset > total:
        log.warning("%s is larger than the source (%d > %d bytes); starting over", part, offset, total)
        offset = 0
    elif offset:
        log.info("resuming %s at byte %d of %d", redact_url(url), offset, total)
    with open(source, "rb") as src, open(part, "ab" if offset else "wb") as out, _progress_bar(
        total, offset, desc, progress
    ) as bar:
        src.seek(offset)
        received = offset
        while chunk := src.read(chunk_size):
            out.write(chunk)
            received += len(chunk)
            bar.update(len(chunk))
        if received < total:
            raise _IncompleteBody(f"source ended at {received} of {total} bytes")
        out.flush()
        os.fsync(out.fileno())


def _parse_content_range(value: str | None) -> tuple[int | None, int | None]:
    """``(first_byte, total)`` from a Content-Range header; ``None`` where unknown."""
    match = _CONTENT_RANGE.match(value or "")
    if not match:
        return None, None
    first = int(match.group(1)) if match.group(1) is not None else None
    total = int(match.group(3)) if match.group(3) != "*" else None
    return first, total


def _fetch_http(
    url: str,
    part: Path,
    *,
    session: requests.Session,
    timeout: float,
    chunk_size: int,
    progress: bool,
    desc: str,
) -> None:
    """One attempt: stream the (rest of the) body into ``part``.

    Raises one of ``_TRANSIENT_ERRORS`` when the body breaks off (the caller retries) and
    ``DownloadError`` for answers that another attempt would not fix.
    """
    safe_url = redact_url(url)
    offset = _part_size(part)
    # identity: byte offsets and Content-Length must refer to the file itself, not a gzip of it.
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        log.info("resuming %s at byte %d", safe_url, offset)

    with session.get(url, headers=headers, stream=True, timeout=timeout) as response:
        status = response.status_code
        length = response.headers.get("Content-Length")
        length = int(length) if length is not None and length.isdigit() else None

        if status == 416 and offset:
            _, total = _parse_content_range(response.headers.get("Content-Range"))
            if total is None or total == offset:
                # The part file already holds everything the server has.
                log.info("%s: server has no bytes past %d; part file is complete", safe_url, offset)
                return
            log.warning(
                "%s: part file (%d bytes) does not fit the remote size (%d); starting over",
                safe_url, offset, total,
            )
            response.close()
            part.unlink()
            return _fetch_http(
                url, part, session=session, timeout=timeout,
                chunk_size=chunk_size, progress=progress, desc=desc,
            )
        if status == 206 and offset:
            first, total = _parse_content_range(response.headers.get("Content-Range"))
            if first != offset:
                raise DownloadError(
                    f"{safe_url}: asked for bytes from {offset}, server sent a range from {first}"
                )
            if total is None and length is not None:
                total = offset + length
            mode = "ab"
        elif status == 200:
            if offset:
                log.info("%s: server ignored the Range request; restarting from byte 0", safe_url)
            offset, total, mode = 0, length, "wb"
        else:
            raise DownloadError(f"{safe_url}: HTTP {status} {response.reason}")

        received = offset
        with open(part, mode) as out, _progress_bar(total, offset, desc, progress) as bar:
            # raw.stream: the bytes as served (no decoding), so sizes match Content-Length.
            for chunk in response.raw.stream(chunk_size, decode_content=False):
                out.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
            if total is not None and received < total:
                raise _IncompleteBody(f"body ended at {received} of {total} bytes")
            out.flush()
            os.fsync(out.fileno())


_DOWNLOAD = defaults("download")  # the config's `download:` defaults (schemas/config.schema.yaml)


def download_file(
    url: str,
    dest: str | Path,
    *,
    sha1: str | None = None,
    retries: int = _DOWNLOAD["retries"],
    backoff_factor: float = _DOWNLOAD["backoff_s"],
    timeout: float = _DOWNLOAD["timeout_s"],
    chunk_size: int = 1 << 20,
    progress: bool = True,
    session: requests.Session | None = None,
) -> Path:
    """Download ``url`` to ``dest``, resuming a previous partial download, and verify it.

    Args:
        url: ``http://``, ``https://`` or ``file://`` URL.
        dest: final path; the data goes to ``<dest>.part`` until whole and verified.
        sha1: expected hex SHA-1; ``None`` skips verification.
        retries: how many more attempts after a failed one (the outer loop), and the
            adapter's retry budget for connection errors and 429/5xx answers.
        backoff_factor: the outer loop waits ``backoff_factor * 2**attempt`` seconds.
        timeout: connect and read timeout in seconds for each HTTP request.
        chunk_size: bytes per read/write.
        progress: show a tqdm progress bar.
        session: ``requests`` session to use as is (its own retry set-up); by default one
            from :func:`make_session` is created and closed again.

    Returns:
        ``dest`` as a ``Path``.

    Raises:
        ChecksumMismatch: the whole file has the wrong SHA-1; it was moved to
            ``<dest>.corrupt``.
        DownloadError: bad HTTP status, missing source file, or all attempts failed in
            the middle of the body (the ``.part`` file stays for a later resume).
        ValueError: unsupported URL scheme.
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    corrupt = dest.with_name(dest.name + ".corrupt")
    expected = sha1.lower() if sha1 else None
    safe_url = redact_url(url)

    if dest.exists():
        if expected is None:
            log.info("%s exists; not downloading again", dest)
            return dest
        if sha1_of_file(dest, chunk_size) == expected:
            log.info("%s exists with the expected SHA-1; not downloading again", dest)
            return dest
        log.warning("%s exists but its SHA-1 is not %s; moving it to %s and downloading again",
                    dest, expected, corrupt)
        os.replace(dest, corrupt)

    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https", "file"):
        raise ValueError(f"unsupported URL scheme {scheme!r} in {safe_url}")
    dest.parent.mkdir(parents=True, exist_ok=True)

    own_session = session is None and scheme != "file"
    if own_session:
        session = make_session(retries, backoff_factor)
    try:
        for attempt in range(retries + 1):
            try:
                if scheme == "file":
                    _fetch_file_url(url, part, chunk_size=chunk_size, progress=progress, desc=dest.name)
                else:
                    _fetch_http(url, part, session=session, timeout=timeout,
                                chunk_size=chunk_size, progress=progress, desc=dest.name)
                break
            except _TRANSIENT_ERRORS as exc:
                received = _part_size(part)
                reason = type(exc).__name__
                if attempt == retries:
                    message = (f"giving up on {safe_url} after {attempt + 1} attempts: {reason}; "
                               f"{received} bytes received, kept in {part} for a later resume")
                    # A request exception's text can carry the full URL: keep it out when the
                    # URL has parts we redact.
                    raise DownloadError(message) from (exc if url == safe_url else None)
                delay = backoff_factor * 2**attempt
                log.warning("%s broke off at %d bytes (%s); retry %d of %d in %.1f s",
                            safe_url, received, reason, attempt + 1, retries, delay)
                time.sleep(delay)
    finally:
        if own_session:
            session.close()

    if expected is not None:
        actual = sha1_of_file(part, chunk_size)
        if actual != expected:
            os.replace(part, corrupt)
            raise ChecksumMismatch(safe_url, expected, actual, corrupt)
        log.info("%s: SHA-1 verified (%s)", dest.name, actual)
    os.replace(part, dest)
    log.info("downloaded %s to %s", safe_url, dest)
    return dest
