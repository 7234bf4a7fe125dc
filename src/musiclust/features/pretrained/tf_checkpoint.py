"""Read a TensorFlow (V2, "bundle") checkpoint without TensorFlow: ``{variable name: array}``.

A checkpoint ``prefix`` is two files. ``prefix.index`` is a LevelDB-format table (an SSTable)
whose keys are variable names and whose values are ``BundleEntryProto`` messages (dtype,
shape, which data shard, offset, size); the entry with the empty key is the header.
``prefix.data-00000-of-00001`` holds the raw little-endian tensor bytes. TensorFlow writes
the table uncompressed; only that case is read, anything else raises. The two protobuf
messages are decoded by hand (a few varint fields), so neither TensorFlow nor protobuf is
needed: the formats are tensorflow/core/util/tensor_bundle and table/format.cc.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_SIZE = 48
_BLOCK_TRAILER = 5  # compression type byte + crc32c
# tensorflow/core/framework/types.proto → numpy
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8,
           9: np.int64, 10: np.bool_, 19: np.float16}


class CheckpointError(ValueError):
    """The files are not a checkpoint this reader understands (the message names the file)."""


def _varint(buffer: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buffer[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


def _fields(message: bytes):
    """Protobuf wire format: ``(field number, value)``; varints as int, length-delimited as bytes."""
    position = 0
    while position < len(message):
        tag, position = _varint(message, position)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, position = _varint(message, position)
        elif wire == 2:
            size, position = _varint(message, position)
            value, position = message[position : position + size], position + size
        elif wire == 5:
            value, position = struct.unpack_from("<I", message, position)[0], position + 4
        elif wire == 1:
            value, position = struct.unpack_from("<Q", message, position)[0], position + 8
        else:
            raise CheckpointError(f"protobuf wire type {wire} is not expected in a BundleEntryProto")
        yield number, value


def _block(data: bytes, handle: bytes, path) -> list[tuple[bytes, bytes]]:
    """The ``(key, value)`` entries of the table block that ``handle`` points at."""
    offset, position = _varint(handle, 0)
    size, _ = _varint(handle, position)
    if data[offset + size] != 0:
        raise CheckpointError(f"{path}: compressed table blocks are not supported")
    block = data[offset : offset + size]
    restarts = struct.unpack_from("<I", block, size - 4)[0]
    end = size - 4 * (restarts + 1)
    entries, key, position = [], b"", 0
    while position < end:
        shared, position = _varint(block, position)
        unshared, position = _varint(block, position)
        value_size, position = _varint(block, position)
        key = key[:shared] + block[position : position + unshared]
        position += unshared
        entries.append((key, block[position : position + value_size]))
        position += value_size
    return entries


def _entry(value: bytes) -> dict:
    entry = {"dtype": 0, "shape": [], "shard": 0, "offset": 0, "size": 0, "slices": False}
    for number, field in _fields(value):
        if number == 1:
            entry["dtype"] = field
        elif number == 2:
            entry["shape"] = [
                next((size for n, size in _fields(dim) if n == 1), 0) for n, dim in _fields(field) if n == 2
            ]
        elif number == 3:
            entry["shard"] = field
        elif number == 4:
            entry["offset"] = field
        elif number == 5:
            entry["size"] = field
        elif number == 7:
            entry["slices"] = True
    return entry


def read_checkpoint(prefix: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every variable of the checkpoint at ``prefix`` (the path without ``.index``), by name."""
    index_path = Path(f"{os.fspath(prefix)}.index")
    if not index_path.is_file():
        raise CheckpointError(f"no checkpoint index at {index_path}")
    index = index_path.read_bytes()
    if len(index) < _FOOTER_SIZE or struct.unpack_from("<Q", index, len(index) - 8)[0] != _TABLE_MAGIC:
        raise CheckpointError(f"{index_path} is not a TensorFlow checkpoint index (no table magic)")
    footer = index[-_FOOTER_SIZE:]
    _, position = _varint(footer, 0)  # metaindex handle: offset, size (unused)
    _, position = _varint(footer, position)
    entries = []
    for _, handle in _block(index, footer[position:], index_path):
        entries.extend(_block(index, handle, index_path))
    shards: dict[int, bytes] = {}
    variables = {}
    for key, value in entries:
        if key == b"":
            continue  # BundleHeaderProto: number of shards, endianness, version
        name, entry = key.decode(), _entry(value)
        if entry["slices"]:
            raise CheckpointError(f"{index_path}: variable {name} is stored in slices (not supported)")
        if entry["dtype"] not in _DTYPES:
            raise CheckpointError(f"{index_path}: variable {name} has TensorFlow dtype {entry['dtype']} (not supported)")
        if entry["shard"] not in shards:
            shard_path = Path(f"{os.fspath(prefix)}.data-{entry['shard']:05d}-of-{_shard_count(entries):05d}")
            if not shard_path.is_file():
                raise CheckpointError(f"checkpoint data file {shard_path} is missing")
            shards[entry["shard"]] = shard_path.read_bytes()
        raw = shards[entry["shard"]][entry["offset"] : entry["offset"] + entry["size"]]
        array = np.frombuffer(raw, dtype=np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<"))
        if array.size != int(np.prod(entry["shape"], dtype=np.int64)):
            raise CheckpointError(f"{index_path}: variable {name} holds {array.size} values for shape {entry['shape']}")
        variables[name] = array.reshape(entry["shape"]).astype(array.dtype.newbyteorder("="))
    return variables


def _shard_count(entries: list[tuple[bytes, bytes]]) -> int:
    header = next((value for key, value in entries if key == b""), b"")
    return next((count for number, count in _fields(header) if number == 1), 1)
