"""ONNX `metadata_props` without importing onnx: a minimal protobuf walk over ModelProto.

Only the top-level fields are visited; every other field (the graph, initialisers) is skipped
by its length or wire type, so tensors are never read into memory. ModelProto field numbers:
producer_name 2, producer_version 3, domain 4, model_version 5, doc_string 6, graph 7,
metadata_props 14 (StringStringEntryProto: key 1, value 2).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from licscan.errors import SourceError

MAX_PROP_BYTES = 1 << 20
MAX_FIELDS = 100_000
_STRINGS = {2: "producer_name", 3: "producer_version", 4: "domain", 6: "doc_string"}


@dataclass(frozen=True)
class OnnxHeader:
    path: str
    metadata: Mapping[str, str]  # metadata_props
    info: Mapping[str, str]  # producer_name, producer_version, domain, doc_string (cut)

    @property
    def license(self) -> str | None:
        for key in ("license", "License"):
            if self.metadata.get(key):
                return self.metadata[key]
        return None


def _bad(path: str, message: str) -> SourceError:
    return SourceError("bad-header", f"{path}: not a readable ONNX model: {message}")


def _varint(fh: BinaryIO, path: str) -> int | None:
    """A varint, or None at a clean end of file."""
    result = shift = 0
    for i in range(10):
        byte = fh.read(1)
        if not byte:
            if i == 0:
                return None
            raise _bad(path, "truncated varint")
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return result
        shift += 7
    raise _bad(path, "varint longer than 10 bytes")


def _entry(data: bytes, path: str) -> tuple[str, str]:
    key = value = ""
    pos = 0
    while pos < len(data):
        tag, pos = _varint_bytes(data, pos, path)
        if tag & 7 != 2:
            raise _bad(path, "metadata entry with a non-string field")
        length, pos = _varint_bytes(data, pos, path)
        if pos + length > len(data):
            raise _bad(path, "metadata entry runs past its end")
        text = data[pos:pos + length].decode("utf-8", errors="replace")
        pos += length
        if tag >> 3 == 1:
            key = text
        elif tag >> 3 == 2:
            value = text
    return key, value


def _varint_bytes(data: bytes, pos: int, path: str) -> tuple[int, int]:
    result = shift = 0
    for _ in range(10):
        if pos >= len(data):
            raise _bad(path, "truncated varint in a metadata entry")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise _bad(path, "varint longer than 10 bytes")


def read_onnx(path: str | Path, display: str | None = None) -> OnnxHeader:
    shown = display or str(path)
    reader = _Reader(shown)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            for _ in range(MAX_FIELDS):
                if not reader.field(fh, size):
                    break
            else:
                raise _bad(shown, f"more than {MAX_FIELDS} top-level fields")
    except OSError as exc:
        raise SourceError("unreadable", f"{shown}: cannot read: {exc.strerror or exc}") from exc
    if not reader.seen_ir_version:
        raise _bad(shown, "no ir_version field (not an ONNX ModelProto)")
    return OnnxHeader(path=shown, metadata=reader.metadata, info=reader.info)


class _Reader:
    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.metadata: dict[str, str] = {}
        self.info: dict[str, str] = {}
        self.seen_ir_version = False

    def field(self, fh: BinaryIO, size: int) -> bool:
        """One top-level field; False at the end of the file."""
        shown = self.shown
        tag = _varint(fh, shown)
        if tag is None:
            return False
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise _bad(shown, "field number 0")
        if wire == 0:
            if _varint(fh, shown) is None:
                raise _bad(shown, "truncated varint")
            self.seen_ir_version = self.seen_ir_version or number == 1
        elif wire in (1, 5):
            fh.seek(8 if wire == 1 else 4, os.SEEK_CUR)
        elif wire == 2:
            self._bytes_field(fh, size, number)
        else:
            raise _bad(shown, f"unsupported wire type {wire} (field {number})")
        if fh.tell() > size:
            raise _bad(shown, "a field runs past the end of the file")
        return True

    def _bytes_field(self, fh: BinaryIO, size: int, number: int) -> None:
        length = _varint(fh, self.shown)
        if length is None or fh.tell() + length > size:
            raise _bad(self.shown, f"field {number} runs past the end of the file")
        if (number != 14 and number not in _STRINGS) or length > MAX_PROP_BYTES:
            fh.seek(length, os.SEEK_CUR)  # the graph, initialisers: skipped, never read
            return
        data = fh.read(length)
        if number == 14:
            key, value = _entry(data, self.shown)
            self.metadata[key] = value
        else:
            self.info[_STRINGS[number]] = data.decode("utf-8", "replace")[:4096]
