"""`licscan check` re-verifies every model it locked from disk, not only folders: a GGUF,
safetensors or ONNX file's header (what the scan reads, never the tensors) and an Ollama model's
manifest, license layers and model-layer header. A model changed since `licscan lock` fails the
check, naming it and asking for a relock, as a changed folder does. Through the real CLI."""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from licscan.weights.ollama import LICENSE_TYPE, MODEL_TYPE
from tests.test_lockfile import licscan
from tests.test_ollama import OWN_LICENSE, Store, gguf
from tests.test_weights import onnx_model

POLICY = "policy:\n  fail_on: deny\n  allow: [MIT]\n"
LICENSE_TEXT = b"Acme Open Terms\n\nDo as you wish with these weights; this line is ours.\n"


def repo(root: Path, manifest: str) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "licscan.yaml").write_text(POLICY)
    (root / "models.yaml").write_text("models:\n" + manifest)
    return root


def env(root: Path) -> dict[str, str]:
    return {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1",
            "OLLAMA_MODELS": str(root / "store"), "LICSCAN_CACHE_DIR": str(root / "cache")}


def safetensors_bytes(license_id: str, tail: int = 4096) -> bytes:
    raw = json.dumps({"__metadata__": {"license": license_id},
                      "w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * tail


WEIGHTS: dict[str, tuple[str, Callable[[str], bytes]]] = {
    "gguf": ("GGUF", gguf),
    "safetensors": ("safetensors", safetensors_bytes),
    "onnx": ("ONNX", lambda license_id: onnx_model({"license": license_id}, graph_bytes=4096)),
}


def check(root: Path) -> tuple[int, str]:
    done = licscan(root, "check", env=env(root))
    assert done.stderr == "" or done.returncode != 2, done.stderr
    return done.returncode, done.stdout


@pytest.mark.parametrize("suffix", sorted(WEIGHTS))
def test_a_weight_file_whose_header_changed_fails_check(tmp_path: Path, suffix: str) -> None:
    label, make = WEIGHTS[suffix]
    root = repo(tmp_path / "repo", f"  - path: model.{suffix}\n")
    model = root / f"model.{suffix}"
    model.write_bytes(make("mit"))
    locked = licscan(root, "lock", env=env(root))
    assert locked.returncode == 0, locked.stdout + locked.stderr
    evidence = json.loads((root / "licscan.lock").read_text())["models"][0]["evidence"]
    assert evidence["header"]["format"] == suffix
    assert evidence["header"]["sha256"].startswith("sha256:")
    assert check(root)[0] == 0

    model.write_bytes(make("cc-by-nc-4.0"))  # the same file name, a non-commercial header
    code, out = check(root)
    assert code == 1, out
    assert (f"models.yaml:2: model.{suffix}: changed since licscan.lock was written: the "
            f"{label} header changed (run licscan lock)") in out
    scanned = licscan(root, "scan", "-m", "models.yaml", "-f", "json", env=env(root))
    assert json.loads(scanned.stdout)["models"][0]["verdict"] == "deny"  # what a scan says
    drift = licscan(root, "lock", "--check", env=env(root))
    assert drift.returncode == 1 and "weight file header changed" in drift.stdout

    model.write_bytes(make("mit"))
    assert check(root)[0] == 0  # back as it was locked
    model.write_bytes(b"\xff" * 64)  # no longer a readable header
    code, out = check(root)
    assert code == 1 and f"the {label} header cannot be read: model.{suffix}: " in out, out


def test_tensor_data_is_not_part_of_the_digest(tmp_path: Path) -> None:
    root = repo(tmp_path / "repo", "  - path: model.gguf\n  - path: model.safetensors\n")
    (root / "model.gguf").write_bytes(gguf("mit"))
    (root / "model.safetensors").write_bytes(safetensors_bytes("mit"))
    assert licscan(root, "lock", env=env(root)).returncode == 0
    with open(root / "model.gguf", "ab") as fh:
        fh.write(b"\1" * 4096)  # other tensors: the header the scan reads is the same
    data = bytearray((root / "model.safetensors").read_bytes())
    data[-16:] = b"\7" * 16
    (root / "model.safetensors").write_bytes(bytes(data))
    assert check(root)[0] == 0


def test_a_lockfile_without_the_header_digest_asks_for_a_relock(tmp_path: Path) -> None:
    root = repo(tmp_path / "repo", "  - path: model.gguf\n")
    (root / "model.gguf").write_bytes(gguf("mit"))
    assert licscan(root, "lock", env=env(root)).returncode == 0
    path = root / "licscan.lock"
    lock = json.loads(path.read_text())
    del lock["models"][0]["evidence"]["header"]  # as a lockfile written before the digest
    path.write_text(json.dumps(lock, indent=2) + "\n")
    code, out = check(root)
    assert code == 1
    assert ("model.gguf: changed since licscan.lock was written: the lockfile records no digest "
            "of the GGUF header (run licscan lock)") in out
    assert licscan(root, "lock", env=env(root)).returncode == 0
    assert check(root)[0] == 0


@pytest.fixture
def ollama_repo(tmp_path: Path) -> tuple[Path, Store]:
    root = repo(tmp_path / "repo", "  - id: ollama:acme:1b\n  - id: ollama:other:1b\n")
    store = Store(root / "store")
    store.add("acme:1b", [(MODEL_TYPE, gguf("mit")), (LICENSE_TYPE, LICENSE_TEXT)])
    store.add("other:1b", [(MODEL_TYPE, gguf("mit") + b"\1")])  # a blob of its own
    locked = licscan(root, "lock", env=env(root))
    assert locked.returncode == 0, locked.stdout + locked.stderr
    assert check(root)[0] == 0
    return root, store


def layer_blob(store: Store, name: str, media_type: str) -> Path:
    path = store.root / "manifests" / "registry.ollama.ai" / "library" / name.split(":")[0] / \
        name.split(":")[1]
    layer = next(x for x in json.loads(path.read_text())["layers"]
                 if x["mediaType"] == media_type)
    return store.root / "blobs" / layer["digest"].replace(":", "-")


def failed_for(root: Path, model: str) -> str:
    code, out = check(root)
    assert code == 1, out
    [line] = [x for x in out.splitlines() if f"ollama:{model}: changed since" in x]
    assert line.endswith("(run licscan lock)") and "ollama:other:1b" not in out
    return line


def test_an_ollama_model_pulled_again_with_other_terms_fails_check(
        ollama_repo: tuple[Path, Store]) -> None:
    root, store = ollama_repo
    store.add("acme:1b", [(MODEL_TYPE, gguf("cc-by-nc-4.0")), (LICENSE_TYPE, OWN_LICENSE)])
    line = failed_for(root, "acme:1b")
    assert "the manifest changed" in line and "the model layer's GGUF header changed" in line
    assert "license layer sha256:" in line and "ok -> absent" in line


def test_an_ollama_model_layer_rewritten_in_place_fails_check(
        ollama_repo: tuple[Path, Store]) -> None:
    root, store = ollama_repo
    blob = layer_blob(store, "acme:1b", MODEL_TYPE)
    stamp = blob.stat()
    blob.write_bytes(gguf("cc-by-nc-4.0"))  # the blob keeps its name (and its time)
    os.utime(blob, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    line = failed_for(root, "acme:1b")
    assert "the model layer's GGUF header changed" in line and "manifest" not in line


def test_an_ollama_license_layer_replaced_or_removed_fails_check(
        ollama_repo: tuple[Path, Store]) -> None:
    root, store = ollama_repo
    blob = layer_blob(store, "acme:1b", LICENSE_TYPE)
    blob.write_bytes(OWN_LICENSE)
    line = failed_for(root, "acme:1b")
    assert "ok -> digest-mismatch" in line
    blob.unlink()
    assert "ok -> missing" in failed_for(root, "acme:1b")
    blob.write_bytes(LICENSE_TEXT)
    assert check(root)[0] == 0


def test_an_ollama_model_gone_from_the_store_fails_check(
        ollama_repo: tuple[Path, Store]) -> None:
    root, store = ollama_repo
    (store.root / "manifests" / "registry.ollama.ai" / "library" / "acme" / "1b").unlink()
    line = failed_for(root, "acme:1b")
    assert f"cannot be read: Ollama model acme:1b is not in the store at {store.root}" in line
