"""What a file is, by its first bytes: which audio container, or what else, and whether it is cut.

libsndfile answers every MP3 it cannot open with "File does not exist or is not a regular
file", whether the file is an HTML error page or a download cut after 200 bytes. This module
tells them apart so that a failure names what is wrong: the audio formats by their magic
bytes (an MP3 by its ID3v2 tag or its first MPEG frame header), a few common non-audio files
by theirs, and the bytes a header promises (RIFF and AIFF sizes, an ID3v2 tag's size, the
Xing/Info frame's stream size, the MPEG frames themselves) against the bytes the file has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Enough for every container header below and for the first MPEG frames after them.
HEAD_BYTES = 64 * 1024

# (magic, offset, format) of the audio containers libsndfile reads.
_AUDIO_MAGIC = (
    (b"RIFF", 0, "WAV"),
    (b"RF64", 0, "WAV"),
    (b"fLaC", 0, "FLAC"),
    (b"OggS", 0, "Ogg"),
    (b"FORM", 0, "AIFF"),
    (b".snd", 0, "AU"),
    (b"caff", 0, "CAF"),
    (b"ftyp", 4, "MP4/AAC"),  # libsndfile cannot decode it, but it is audio
)
# What a file that is not audio often is instead (download error pages, archives, covers).
_OTHER_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "gzip data"),
)

# MPEG audio frame headers: bitrates (kbit/s) by (MPEG-1?, layer) and sample rates by version.
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class FileHead:
    """What the first bytes of a file say it is."""

    size: int
    format: str | None  # an audio container ("MP3", "WAV", ...), or None: not audio
    description: str  # for messages: "MP3", "an HTML page", "text", "binary data", ...
    #: Why the header says the file is cut (it promises more bytes than there are), or None.
    truncation: str | None = None


def mpeg_frame_length(header: bytes) -> int | None:
    """Bytes of the MPEG audio frame starting with these 4 header bytes; None if not a header."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None  # reserved values, or free format (no length in the header)
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _SAMPLE_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if mpeg1 or layer == 2 else 72
    return per_frame * bitrate // rate + padding


def _first_mpeg_frame(data: bytes) -> int | None:
    """Offset of the first MPEG frame header in ``data`` that the next header confirms (or that
    runs past the end of ``data``): a lone 0xFFE bit pattern in other data is no frame."""
    position = data.find(b"\xff")
    while position != -1 and position + 4 <= len(data):
        length = mpeg_frame_length(data[position : position + 4])
        if length is not None:
            following = position + length
            if following + 4 > len(data) or mpeg_frame_length(data[following : following + 4]) is not None:
                return position
        position = data.find(b"\xff", position + 1)
    return None


def _id3v2_end(data: bytes) -> int:
    """Bytes of the ID3v2 tag at the start of ``data`` (0 without one): its size is syncsafe."""
    if len(data) < 10 or data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = size << 7 | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _xing_stream_bytes(data: bytes, frame: int) -> int | None:
    """The stream size (bytes from the first frame on) in a Xing/Info frame at ``frame``."""
    length = mpeg_frame_length(data[frame : frame + 4]) or 0
    body = data[frame : frame + min(length, 200)]
    for tag in (b"Xing", b"Info"):
        at = body.find(tag)
        if at != -1 and len(body) >= at + 8:
            flags = int.from_bytes(body[at + 4 : at + 8], "big")
            if flags & 2:  # the bytes field follows the frames field (flag 1) when that is there
                field = at + 8 + (4 if flags & 1 else 0)
                if len(body) >= field + 4:
                    return int.from_bytes(body[field : field + 4], "big")
    return None


def _mp3_truncation(body: bytes, base: int, size: int, frame: int) -> str | None:
    """``body`` holds the file's bytes from ``base`` on; its first MPEG frame is at ``frame``."""
    stream = _xing_stream_bytes(body, frame)
    if stream is not None and base + frame + stream > size:
        return f"{size:,} bytes of the {base + frame + stream:,} its Xing header announces"
    position, frames = frame, 0
    while position + 4 <= len(body):
        length = mpeg_frame_length(body[position : position + 4])
        if length is None:
            return None  # the frames end inside the head: no sign of a cut from here
        if base + position + length > size:
            return f"{size:,} bytes: MPEG frame {frames + 1} at byte {base + position:,} needs {length:,}"
        position, frames = position + length, frames + 1
    return None


def _container_truncation(data: bytes, size: int, fmt: str) -> str | None:
    """RIFF (little-endian) and AIFF (big-endian) give the file's size after the first 8 bytes."""
    if fmt == "WAV" and data[:4] == b"RIFF" and len(data) >= 8:
        declared = 8 + int.from_bytes(data[4:8], "little")
    elif fmt == "AIFF" and len(data) >= 8:
        declared = 8 + int.from_bytes(data[4:8], "big")
    else:
        return None
    if declared > size:
        return f"{size:,} bytes of the {declared:,} its {fmt} header announces"
    return None


def _not_audio(data: bytes) -> str:
    for magic, description in _OTHER_MAGIC:
        if data.startswith(magic):
            return description
    start = data[:512].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return "an HTML page"
    if start.startswith((b"<?xml", b"<")):
        return "XML or markup"
    if start.startswith((b"{", b"[")):
        return "JSON or text"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "binary data"
    return "text"


def sniff(path: str | Path) -> FileHead:
    """What ``path`` holds, read from its first bytes. Raises ``OSError`` if it cannot be read."""
    with open(path, "rb") as handle:
        data = handle.read(HEAD_BYTES)
        size = handle.seek(0, 2)
        tag_end = _id3v2_end(data)
        if tag_end > size:
            return FileHead(size, "MP3", "MP3", f"{size:,} bytes: it ends inside its {tag_end:,}-byte ID3v2 tag")
        body = data[tag_end:]
        if tag_end > len(data) - 4:  # a large tag (cover art): the frames start past the head
            handle.seek(tag_end)
            body = handle.read(HEAD_BYTES)
    for magic, offset, fmt in _AUDIO_MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return FileHead(size, fmt, fmt, _container_truncation(data, size, fmt))
    frame = _first_mpeg_frame(body)
    if frame is not None:
        return FileHead(size, "MP3", "MP3", _mp3_truncation(body, tag_end, size, frame))
    if tag_end:
        return FileHead(size, "MP3", "MP3 (an ID3v2 tag and no MPEG frame after it)")
    return FileHead(size, None, _not_audio(data))


def preview(path: str | Path, n: int = 24) -> str:
    """The first ``n`` bytes of a file, for a message (``b'<html>\\r\\n<head>...'``)."""
    with open(path, "rb") as handle:
        return repr(handle.read(n))
