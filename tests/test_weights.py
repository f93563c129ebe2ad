"""safetensors `__metadata__` and ONNX `metadata_props`, on files written here (the ONNX
ModelProto encoded by hand, so the test does not need the onnx package); GGUF and
safetensors files as scan sources (claims, base_model for lineage)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from licscan.errors import SourceError
from licscan.model import ModelRef
from licscan.weights.gguf import read_gguf
from licscan.weights.onnx import read_onnx
from licscan.weights.safetensors import read_safetensors
from licscan.weights.sources import fetch_gguf, fetch_safetensors, gguf_card_data, hf_cache_refs
from tests.test_gguf import Writer


def safetensors(path: Path, metadata: dict[str, str] | None, tensors: int = 2,
                tail: int = 1 << 20) -> Path:
    header: dict[str, object] = {f"t{i}": {"dtype": "F32", "shape": [4], "data_offsets":
                                           [16 * i, 16 * i + 16]} for i in range(tensors)}
    if metadata is not None:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.truncate(8 + len(raw) + tail)
    return path


def test_safetensors_metadata(tmp_path: Path) -> None:
    path = safetensors(tmp_path / "m.safetensors",
                       {"format": "pt", "modelspec.license": "openrail++"})
    header = read_safetensors(path)
    assert header.metadata == {"format": "pt", "modelspec.license": "openrail++"}
    assert header.license == "openrail++"
    assert header.tensor_count == 2
    assert read_safetensors(safetensors(tmp_path / "n.safetensors", None)).license is None


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x01\x02", "shorter than the 8-byte length"),
    (struct.pack("<Q", 1 << 40) + b"{}", "runs past the end"),
    (struct.pack("<Q", 5) + b"nope!", "not JSON"),
    (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
    (struct.pack("<Q", 24) + b'{"__metadata__": "text"}', "__metadata__ is not an object"),
    (struct.pack("<Q", 4) + b"\xff\xfe{}", "not JSON"),
])
def test_bad_safetensors(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(SourceError) as caught:
        read_safetensors(path)
    assert reason in caught.value.message and caught.value.kind == "bad-header"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def onnx_model(props: dict[str, str], graph_bytes: int = 100_000) -> bytes:
    model = _varint(1 << 3 | 0) + _varint(9)  # ir_version 9
    model += _field(2, b"pytorch") + _field(3, b"2.5")
    model += _field(7, b"\0" * graph_bytes)  # the graph: skipped by its length
    model += _varint(8 << 3 | 0) + _varint(17)  # an opset-like varint field
    for key, value in props.items():
        model += _field(14, _field(1, key.encode()) + _field(2, value.encode()))
    return model


def test_onnx_metadata_props(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(onnx_model({"license": "apache-2.0", "author": "Acme"}))
    header = read_onnx(path)
    assert header.metadata == {"license": "apache-2.0", "author": "Acme"}
    assert header.license == "apache-2.0"
    assert header.info["producer_name"] == "pytorch"


@pytest.mark.parametrize("data", [
    b"",
    b"GGUF\x03\0\0\0",
    _varint(7 << 3 | 2) + _varint(10**9),  # a length past the end
    _varint(1 << 3 | 0) + b"\xff" * 11,  # a varint that never ends
    _varint(1 << 3 | 3),  # a group (wire type 3): not in ModelProto
])
def test_bad_onnx(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.onnx"
    path.write_bytes(data)
    with pytest.raises(SourceError):
        read_onnx(path)


def test_truncated_onnx(tmp_path: Path) -> None:
    data = onnx_model({"license": "mit"}, graph_bytes=1000)
    for cut in range(1, len(data) - 1, 97):
        path = tmp_path / "t.onnx"
        path.write_bytes(data[:cut])
        try:
            read_onnx(path)
        except SourceError:
            continue


def test_gguf_as_a_source(tmp_path: Path) -> None:
    path = (Writer().string("general.license", "gemma")
            .string("general.license.link", "https://ai.google.dev/gemma/terms")
            .string("general.base_model.0.repo_url", "https://huggingface.co/google/gemma-2-2b")
            .string("general.base_model.1.name", "No URL base")
            .write(tmp_path / "g.gguf"))
    card = gguf_card_data(read_gguf(path))
    assert card == {"license": "gemma", "license_link": "https://ai.google.dev/gemma/terms",
                    "base_model": "google/gemma-2-2b", "base_model_relation": "quantized"}
    snapshot = fetch_gguf(ModelRef(kind="gguf", target="g.gguf", path=str(path)))
    assert snapshot.card_data_origin == "gguf-header"
    assert any("named without a Hub URL: No URL base" in n for n in snapshot.notes)


def test_safetensors_as_a_source(tmp_path: Path) -> None:
    path = safetensors(tmp_path / "s.safetensors", {"license": "cc-by-nc-4.0"})
    snapshot = fetch_safetensors(ModelRef(kind="local", target="s.safetensors", path=str(path)))
    assert snapshot.card_data == {"license": "cc-by-nc-4.0"}


def test_hf_cache_lists_model_repositories(tmp_path: Path) -> None:
    for name in ("models--acme--a", "models--acme--b", "datasets--acme--d"):
        (tmp_path / name / "snapshots" / ("0" * 40)).mkdir(parents=True)
    (tmp_path / "models--half").mkdir()
    refs = hf_cache_refs(tmp_path)
    assert [Path(r.path or "").name for r in refs] == ["models--acme--a", "models--acme--b"]
    assert all(r.kind == "local" for r in refs)
    with pytest.raises(SourceError):
        hf_cache_refs(tmp_path / "missing")
