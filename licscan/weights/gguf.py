"""A small GGUF header reader: the metadata key/values, never the tensors.

Arrays are skipped by length (fixed-size elements in one step, strings by their length
prefixes) so a header with a 128k-token vocabulary and its merges is read in milliseconds;
only `general.*` values are kept. Every length is checked against the file size first, so a
truncated or lying header is an error that names the key, not a huge allocation or a hang.
Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (versions 1 to 3; v1 used
32-bit counts and lengths; big-endian files are recognised by their byte-swapped version).
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from licscan.errors import SourceError

MAGIC = b"GGUF"
MAX_KV = 1 << 20  # real files have a few dozen to a few hundred keys
MAX_KEY_BYTES = 1 << 16
MAX_KEPT_STRING = 1 << 16  # longer general.* strings are cut (and say so)
MAX_KEPT_ARRAY = 256  # general.* arrays (tags, languages) up to this many strings are kept
MAX_NESTING = 8

# value type -> struct code of a fixed-size element (None: string, array)
_FIXED = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q",
          12: "d"}
_STRING, _ARRAY = 8, 9

Value = str | int | float | bool | tuple[str, ...]


@dataclass(frozen=True)
class BaseModel:
    """One `general.base_model.N.*` group."""

    index: int
    name: str | None = None
    organization: str | None = None
    version: str | None = None
    repo_url: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class GGUFHeader:
    path: str
    version: int
    byte_order: str  # "little" | "big"
    tensor_count: int
    kv_count: int
    metadata: Mapping[str, Value]  # general.* keys only
    header_bytes: int  # where the key/value section ends
    notes: tuple[str, ...] = ()

    def text(self, key: str) -> str | None:
        value = self.metadata.get(key)
        return value if isinstance(value, str) and value.strip() else None

    @property
    def license(self) -> str | None:
        return self.text("general.license")

    @property
    def license_name(self) -> str | None:
        return self.text("general.license.name")

    @property
    def license_link(self) -> str | None:
        return self.text("general.license.link")

    @property
    def name(self) -> str | None:
        return self.text("general.name")

    @property
    def source_urls(self) -> tuple[str, ...]:
        keys = ("general.source.repo_url", "general.source.url",
                "general.source.huggingface.repository")
        return tuple(v for v in (self.text(k) for k in keys) if v)

    @property
    def base_models(self) -> tuple[BaseModel, ...]:
        indexes: set[int] = set()
        for key in self.metadata:
            parts = key.split(".")
            if len(parts) == 4 and parts[:2] == ["general", "base_model"] and parts[2].isdigit():
                indexes.add(int(parts[2]))
        out = []
        for i in sorted(indexes):
            prefix = f"general.base_model.{i}."
            out.append(BaseModel(index=i, name=self.text(prefix + "name"),
                                 organization=self.text(prefix + "organization"),
                                 version=self.text(prefix + "version"),
                                 repo_url=self.text(prefix + "repo_url"),
                                 url=self.text(prefix + "url")))
        return tuple(out)


def _bad(path: str, message: str) -> SourceError:
    return SourceError("bad-header", f"{path}: not a readable GGUF header: {message}")


class _Cursor:
    """Bounds-checked reads over a read-only mapping of the file."""

    def __init__(self, buf: mmap.mmap | bytes, path: str, order: str) -> None:
        self.buf = buf
        self.size = len(buf)
        self.pos = 0
        self.path = path
        self.order = order
        self.u32 = struct.Struct(order + "I")
        self.u64 = struct.Struct(order + "Q")
        self.wide = True  # v2+: 64-bit counts and lengths

    def need(self, count: int, what: str) -> None:
        if count < 0 or self.pos + count > self.size:
            raise _bad(self.path, f"{what} runs past the end of the file "
                                  f"(needs {count} bytes at offset {self.pos}, file has "
                                  f"{self.size})")

    def unpack(self, fmt: struct.Struct, what: str) -> int:
        self.need(fmt.size, what)
        value: int = fmt.unpack_from(self.buf, self.pos)[0]
        self.pos += fmt.size
        return value

    def length(self, what: str) -> int:
        return self.unpack(self.u64 if self.wide else self.u32, what)

    def string(self, what: str, keep: int) -> tuple[str, bool]:
        n = self.length(f"length of {what}")
        self.need(n, what)
        raw = bytes(self.buf[self.pos:self.pos + min(n, keep)])
        self.pos += n
        return raw.decode("utf-8", errors="replace"), n > keep

    def skip_strings(self, count: int, what: str) -> None:
        """`count` length-prefixed strings, without building them."""
        width = 8 if self.wide else 4
        if count > (self.size - self.pos) // width:
            raise _bad(self.path, f"{what}: {count} strings cannot fit in the "
                                  f"{self.size - self.pos} bytes left")
        unpack = (self.u64 if self.wide else self.u32).unpack_from
        buf, pos, end = self.buf, self.pos, self.size
        try:  # lengths only grow `pos`; reading past the end raises struct.error
            for _ in range(count):
                pos += width + unpack(buf, pos)[0]
        except struct.error:
            pos = end + 1
        if pos > end:
            raise _bad(self.path, f"{what}: a string runs past the end of the file")
        self.pos = pos


def read_gguf(path: str | Path, display: str | None = None) -> GGUFHeader:
    """The header of a GGUF file. Raises SourceError ("unreadable" or "bad-header")."""
    shown = display or str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < 16:
                head = fh.read(4)
                if head != MAGIC:
                    raise _bad(shown, f"wrong magic {head!r} (expected {MAGIC!r})")
                raise _bad(shown, f"file is {size} bytes, shorter than a GGUF header")
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                return _parse(buf, shown)
    except OSError as exc:
        raise SourceError("unreadable", f"{shown}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:  # mmap of an empty or special file
        raise SourceError("unreadable", f"{shown}: cannot map: {exc}") from exc


def parse_gguf(data: bytes, display: str = "<bytes>") -> GGUFHeader:
    """The header from bytes already in memory (e.g. the start of an Ollama layer)."""
    if len(data) < 16:
        raise _bad(display, f"{len(data)} bytes, shorter than a GGUF header")
    return _parse(data, display)


def _parse(buf: mmap.mmap | bytes, path: str) -> GGUFHeader:
    if bytes(buf[:4]) != MAGIC:
        raise _bad(path, f"wrong magic {bytes(buf[:4])!r} (expected {MAGIC!r})")
    (version,) = struct.unpack_from("<I", buf, 4)
    order = "<"
    if version not in (1, 2, 3):
        swapped = struct.unpack_from(">I", buf, 4)[0]
        if swapped in (2, 3):
            order, version = ">", swapped
        else:
            raise _bad(path, f"unsupported version {version} (this reader knows 1 to 3)")
    cur = _Cursor(buf, path, order)
    cur.pos = 8
    cur.wide = version >= 2
    tensor_count = cur.length("tensor count")
    kv_count = cur.length("key/value count")
    if kv_count > MAX_KV:
        raise _bad(path, f"absurd key/value count {kv_count}")
    if tensor_count > cur.size // 8:
        raise _bad(path, f"absurd tensor count {tensor_count} for a {cur.size}-byte file")
    metadata: dict[str, Value] = {}
    notes: list[str] = []
    for index in range(kv_count):
        key_len = cur.length(f"length of key #{index}")
        if key_len > MAX_KEY_BYTES:
            raise _bad(path, f"key #{index} claims {key_len} bytes")
        cur.need(key_len, f"key #{index}")
        key = bytes(buf[cur.pos:cur.pos + key_len]).decode("utf-8", errors="replace")
        cur.pos += key_len
        vtype = cur.unpack(cur.u32, f"type of {key!r}")
        keep = key.startswith("general.")
        value = _value(cur, vtype, key, keep, 0)
        if keep and value is not None:
            if isinstance(value, str) and len(value) >= MAX_KEPT_STRING:
                notes.append(f"{key} was longer than {MAX_KEPT_STRING} bytes; kept its start")
            metadata[key] = value
    return GGUFHeader(path=path, version=version, byte_order="big" if order == ">" else "little",
                      tensor_count=tensor_count, kv_count=kv_count, metadata=metadata,
                      header_bytes=cur.pos, notes=tuple(notes))


def _value(cur: _Cursor, vtype: int, key: str, keep: bool, depth: int) -> Value | None:
    code = _FIXED.get(vtype)
    if code is not None:
        fmt = struct.Struct(cur.order + code)
        cur.need(fmt.size, f"value of {key!r}")
        value = fmt.unpack_from(cur.buf, cur.pos)[0]
        cur.pos += fmt.size
        return value if keep else None
    if vtype == _STRING:
        text, _cut = cur.string(f"value of {key!r}", MAX_KEPT_STRING if keep else 0)
        return text if keep else None
    if vtype == _ARRAY:
        if depth >= MAX_NESTING:
            raise _bad(cur.path, f"{key!r}: arrays nested deeper than {MAX_NESTING}")
        etype = cur.unpack(cur.u32, f"element type of {key!r}")
        count = cur.length(f"length of array {key!r}")
        ecode = _FIXED.get(etype)
        if ecode is not None:
            nbytes = count * struct.calcsize(cur.order + ecode)
            cur.need(nbytes, f"array {key!r} ({count} elements)")
            cur.pos += nbytes
            return None
        if etype == _STRING:
            if keep and count <= MAX_KEPT_ARRAY:
                return tuple(cur.string(f"element of {key!r}", MAX_KEPT_STRING)[0]
                             for _ in range(count))
            cur.skip_strings(count, f"array {key!r}")
            return None
        if etype == _ARRAY:
            if count > cur.size - cur.pos:
                raise _bad(cur.path, f"array {key!r}: absurd count {count}")
            for _ in range(count):
                _value(cur, _ARRAY, key, False, depth + 1)
            return None
        raise _bad(cur.path, f"array {key!r} has unknown element type {etype}")
    raise _bad(cur.path, f"{key!r} has unknown value type {vtype}")
