"""The `__metadata__` of a safetensors file: an 8-byte little-endian length, then JSON.

Only the JSON header is read (capped); tensors are never touched. The format caps the header
at 100 MB; licscan reads at most MAX_HEADER_BYTES, enough for any real file's tensor index.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from licscan.errors import SourceError

MAX_HEADER_BYTES = 16 << 20


@dataclass(frozen=True)
class SafetensorsHeader:
    path: str
    header_bytes: int
    tensor_count: int
    metadata: Mapping[str, str]  # __metadata__ (string to string by the format)

    @property
    def license(self) -> str | None:
        for key in ("license", "modelspec.license"):
            value = self.metadata.get(key)
            if value and value.strip():
                return value.strip()
        return None


def read_safetensors(path: str | Path, display: str | None = None) -> SafetensorsHeader:
    shown = display or str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            prefix = fh.read(8)
            if len(prefix) < 8:
                raise _bad(shown, f"file is {size} bytes, shorter than the 8-byte length")
            (length,) = struct.unpack("<Q", prefix)
            if length > size - 8:
                raise _bad(shown, f"header length {length} runs past the end of the "
                                  f"{size}-byte file")
            if length > MAX_HEADER_BYTES:
                raise _bad(shown, f"header of {length} bytes is over the "
                                  f"{MAX_HEADER_BYTES}-byte limit")
            raw = fh.read(length)
    except OSError as exc:
        raise SourceError("unreadable", f"{shown}: cannot read: {exc.strerror or exc}") from exc
    return parse_header(raw, shown)


def parse_header(raw: bytes, shown: str) -> SafetensorsHeader:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _bad(shown, f"header is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise _bad(shown, "header is not a JSON object")
    meta = data.get("__metadata__") or {}
    if not isinstance(meta, dict):
        raise _bad(shown, "__metadata__ is not an object")
    metadata = {str(k): v if isinstance(v, str) else json.dumps(v, sort_keys=True)
                for k, v in meta.items()}
    tensors = sum(1 for k in data if k != "__metadata__")
    return SafetensorsHeader(path=shown, header_bytes=len(raw), tensor_count=tensors,
                             metadata=metadata)


def _bad(path: str, message: str) -> SourceError:
    return SourceError("bad-header", f"{path}: not a readable safetensors header: {message}")
