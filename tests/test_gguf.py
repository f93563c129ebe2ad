"""The GGUF header reader, on files these tests write: a 128k-token vocabulary (sparse, so the
4 GiB file takes a few MB of disk), every value type, and truncated or lying headers.

The writer here is also used by tests/test_ollama.py and bench/gguf_header.py.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from licscan.errors import SourceError
from licscan.weights.gguf import parse_gguf, read_gguf

# GGUF value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
_CODES = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f", BOOL: "?",
          U64: "Q", I64: "q", F64: "d"}


class Writer:
    """Builds a GGUF header (version 1 to 3, either byte order) from typed key/values."""

    def __init__(self, version: int = 3, order: str = "<") -> None:
        self.version = version
        self.order = order
        self.parts: list[bytes] = []
        self.count = 0

    def _len(self, n: int) -> bytes:
        return struct.pack(self.order + ("Q" if self.version >= 2 else "I"), n)

    def _str(self, text: str | bytes) -> bytes:
        raw = text.encode() if isinstance(text, str) else text
        return self._len(len(raw)) + raw

    def _key(self, key: str, vtype: int) -> None:
        self.parts.append(self._str(key) + struct.pack(self.order + "I", vtype))
        self.count += 1

    def string(self, key: str, value: str) -> Writer:
        self._key(key, STR)
        self.parts.append(self._str(value))
        return self

    def scalar(self, key: str, vtype: int, value: Any) -> Writer:
        self._key(key, vtype)
        self.parts.append(struct.pack(self.order + _CODES[vtype], value))
        return self

    def strings(self, key: str, values: Iterable[str]) -> Writer:
        items = [self._str(v) for v in values]
        self._key(key, ARR)
        self.parts.append(struct.pack(self.order + "I", STR) + self._len(len(items)))
        self.parts.append(b"".join(items))
        return self

    def array(self, key: str, etype: int, values: Sequence[Any]) -> Writer:
        self._key(key, ARR)
        self.parts.append(struct.pack(self.order + "I", etype) + self._len(len(values)))
        self.parts.append(struct.pack(f"{self.order}{len(values)}{_CODES[etype]}", *values))
        return self

    def raw(self, key: str, vtype: int, payload: bytes) -> Writer:
        """A key with a hand-made value (for lying headers)."""
        self._key(key, vtype)
        self.parts.append(payload)
        return self

    def bytes(self, tensor_count: int = 0, kv_count: int | None = None) -> bytes:
        head = b"GGUF" + struct.pack(self.order + "I", self.version)
        head += self._len(tensor_count) + self._len(self.count if kv_count is None else kv_count)
        return head + b"".join(self.parts)

    def write(self, path: Path, sparse_size: int = 0, tensor_count: int = 0) -> Path:
        data = self.bytes(tensor_count)
        with open(path, "wb") as fh:
            fh.write(data)
            if sparse_size > len(data):
                fh.truncate(sparse_size)  # a hole: tensor data that takes no disk
        return path


def llama3_like(writer: Writer | None = None, vocab: int = 128_256, merges: int = 280_147,
                ) -> Writer:
    """The shape of a Llama-3-8B GGUF header: general.* first, then a 128k vocabulary with
    scores, token types and merges (strings of realistic length)."""
    w = writer or Writer()
    (w.string("general.architecture", "llama")
     .string("general.name", "Test Model 8B Instruct")
     .string("general.license", "llama3.1")
     .string("general.license.name", "Test Community License")
     .string("general.license.link", "https://example.com/LICENSE")
     .scalar("general.base_model.count", U32, 1)
     .string("general.base_model.0.name", "Test Model 8B")
     .string("general.base_model.0.organization", "Acme")
     .string("general.base_model.0.repo_url", "https://huggingface.co/acme/test-8b")
     .string("general.source.repo_url", "https://huggingface.co/acme/test-8b-instruct")
     .strings("general.tags", ["text-generation", "facebook"])
     .scalar("llama.context_length", U32, 131072)
     .scalar("llama.rope.freq_base", F32, 500000.0)
     .scalar("general.file_type", U32, 15)
     .string("tokenizer.ggml.model", "gpt2")
     .strings("tokenizer.ggml.tokens", (f"\u0120tok{i:06d}" for i in range(vocab)))
     .array("tokenizer.ggml.token_type", I32, [1] * vocab)
     .strings("tokenizer.ggml.merges", (f"\u0120t ok{i:06d}" for i in range(merges)))
     .scalar("tokenizer.ggml.bos_token_id", U32, 128000)
     .scalar("general.quantization_version", U32, 2))
    return w


def test_large_vocabulary_header_is_read_completely(tmp_path: Path) -> None:
    path = llama3_like().write(tmp_path / "big.gguf", sparse_size=4 << 30, tensor_count=291)
    assert path.stat().st_size == 4 << 30
    assert path.stat().st_blocks * 512 < 64 << 20  # sparse: the hole takes no disk
    header = read_gguf(path)
    assert header.version == 3
    assert header.tensor_count == 291
    assert header.kv_count == 20
    assert header.license == "llama3.1"
    assert header.license_name == "Test Community License"
    assert header.license_link == "https://example.com/LICENSE"
    assert header.name == "Test Model 8B Instruct"
    assert header.metadata["general.tags"] == ("text-generation", "facebook")
    assert header.metadata["general.quantization_version"] == 2  # the key after the vocab
    assert header.source_urls == ("https://huggingface.co/acme/test-8b-instruct",)
    (base,) = header.base_models
    assert (base.name, base.organization, base.repo_url) == (
        "Test Model 8B", "Acme", "https://huggingface.co/acme/test-8b")
    assert not any(k.startswith("tokenizer.") for k in header.metadata)
    assert header.header_bytes < 16 << 20


def test_vocabulary_over_65536_entries_is_not_capped(tmp_path: Path) -> None:
    # A reader that caps arrays at 65,536 entries loses the keys after the vocabulary.
    w = Writer().strings("tokenizer.ggml.tokens", (f"t{i}" for i in range(70_000)))
    w.string("general.license", "apache-2.0")
    assert read_gguf(w.write(tmp_path / "m.gguf")).license == "apache-2.0"


@pytest.mark.parametrize(("version", "order"), [(1, "<"), (2, "<"), (3, "<"), (2, ">"), (3, ">")])
def test_versions_and_byte_orders(tmp_path: Path, version: int, order: str) -> None:
    w = Writer(version, order)
    for vtype in (U8, I8, U16, I16, U32, I32, BOOL, U64, I64):
        w.scalar(f"x.t{vtype}", vtype, 1)
    w.scalar("general.f32", F32, 0.5).scalar("general.f64", F64, 0.25)
    w.array("x.floats", F32, [0.0] * 10).array("x.u8", U8, [1, 2, 3])
    w.string("general.license", "mit").scalar("general.count", U64, 7)
    header = read_gguf(w.write(tmp_path / "v.gguf"))
    assert header.version == version
    assert header.byte_order == ("big" if order == ">" else "little")
    assert header.license == "mit"
    assert header.metadata["general.count"] == 7
    assert header.metadata["general.f32"] == 0.5


def test_nested_arrays_are_skipped(tmp_path: Path) -> None:
    inner = struct.pack("<IQ", U32, 2) + struct.pack("<2I", 1, 2)
    payload = struct.pack("<IQ", ARR, 3) + inner * 3
    w = Writer().raw("x.nested", ARR, payload).string("general.license", "mit")
    assert read_gguf(w.write(tmp_path / "n.gguf")).license == "mit"


def test_long_general_string_is_kept_cut(tmp_path: Path) -> None:
    w = Writer().string("general.description", "x" * 200_000)
    header = read_gguf(w.write(tmp_path / "d.gguf"))
    assert len(str(header.metadata["general.description"])) == 1 << 16
    assert any("general.description" in note for note in header.notes)


def _bad(tmp_path: Path, data: bytes, name: str = "bad.gguf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SourceError) as caught:
        read_gguf(path)
    assert caught.value.kind in ("bad-header", "unreadable")
    assert str(path) in caught.value.message
    return caught.value.message


def test_wrong_magic(tmp_path: Path) -> None:
    assert "wrong magic" in _bad(tmp_path, b"GGML" + b"\0" * 60)


def test_unsupported_version(tmp_path: Path) -> None:
    assert "unsupported version 9" in _bad(tmp_path, b"GGUF" + struct.pack("<I", 9) + b"\0" * 32)


def test_shorter_than_a_header(tmp_path: Path) -> None:
    assert "shorter" in _bad(tmp_path, b"GGUF\x03\0")


def test_empty_file(tmp_path: Path) -> None:
    assert "magic" in _bad(tmp_path, b"")


def test_truncated_in_the_vocabulary(tmp_path: Path) -> None:
    data = llama3_like(vocab=1000, merges=10).bytes()
    message = _bad(tmp_path, data[: len(data) // 2])
    assert "past the end" in message


def test_array_length_past_the_end_of_the_file(tmp_path: Path) -> None:
    lying = Writer().raw("tokenizer.ggml.scores", ARR, struct.pack("<IQ", F32, 1 << 40))
    message = _bad(tmp_path, lying.bytes() + b"\0" * 100)
    assert "tokenizer.ggml.scores" in message and "past the end" in message


def test_string_array_count_past_the_end(tmp_path: Path) -> None:
    lying = Writer().raw("tokenizer.ggml.tokens", ARR, struct.pack("<IQ", STR, 1 << 60))
    message = _bad(tmp_path, lying.bytes() + b"\0" * 64)
    assert "cannot fit" in message


def test_string_inside_an_array_past_the_end(tmp_path: Path) -> None:
    payload = struct.pack("<IQ", STR, 2) + struct.pack("<Q", 3) + b"abc" + struct.pack("<Q", 10**9)
    message = _bad(tmp_path, Writer().raw("tokenizer.ggml.tokens", ARR, payload).bytes())
    assert "past the end" in message


def test_absurd_key_value_count(tmp_path: Path) -> None:
    assert "absurd key/value count" in _bad(tmp_path, Writer().bytes(kv_count=1 << 50))


def test_absurd_tensor_count(tmp_path: Path) -> None:
    assert "absurd tensor count" in _bad(tmp_path, Writer().bytes(tensor_count=1 << 62))


def test_key_value_count_larger_than_the_keys_present(tmp_path: Path) -> None:
    data = Writer().string("general.license", "mit").bytes(kv_count=5)
    assert "past the end" in _bad(tmp_path, data)


def test_unknown_value_type(tmp_path: Path) -> None:
    assert "unknown value type 77" in _bad(tmp_path, Writer().raw("x", 77, b"\0" * 16).bytes())


def test_huge_key_length(tmp_path: Path) -> None:
    data = b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 1 << 40) + b"\0" * 32
    assert "key #0 claims" in _bad(tmp_path, data)


def test_deeply_nested_arrays(tmp_path: Path) -> None:
    payload = struct.pack("<IQ", ARR, 1) * 20 + struct.pack("<IQ", U8, 0)
    assert "nested deeper" in _bad(tmp_path, Writer().raw("x", ARR, payload).bytes())


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        read_gguf(tmp_path / "missing.gguf")
    assert caught.value.kind == "unreadable"


def test_parse_from_bytes() -> None:
    header = parse_gguf(Writer().string("general.license", "gemma").bytes(), "layer")
    assert header.license == "gemma"
    with pytest.raises(SourceError):
        parse_gguf(b"GGUF", "layer")


@pytest.mark.parametrize("cut", range(4, 80, 3))
def test_every_truncation_is_an_error_not_a_crash(tmp_path: Path, cut: int) -> None:
    data = Writer().string("general.license", "mit").array("x", U32, [1, 2, 3]).bytes()
    path = tmp_path / "t.gguf"
    path.write_bytes(data[:cut])
    with pytest.raises(SourceError):
        read_gguf(path)
