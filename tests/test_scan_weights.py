"""Weight files and stores scanned end to end through the CLI: an Ollama store and GGUF files
built here (one with a Llama-3-size vocabulary, sparse on disk), the HF cache, and the errors a
wrong target gets. Parents named by headers are followed through the Hub test double."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from licscan.errors import UsageError
from licscan.lock.file import ref_key
from licscan.targets import load_manifest, parse_target
from licscan.weights.ollama import LICENSE_TYPE, MODEL_TYPE
from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gguf import llama3_like
from tests.test_ollama import OWN_LICENSE, Store, gguf

REPO = Path(__file__).resolve().parent.parent


def licscan(cwd: Path, *args: str, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run([sys.executable, "-m", "licscan", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=180, check=False)


def report(path: Path) -> dict[str, Any]:
    return {m["id"]: m for m in json.loads(path.read_text())["models"]}


def evidence(model: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in model["license"]["evidence"] if e["kind"] == kind]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "ollama")


def test_whole_ollama_store_through_the_cli(store: Store, hub: HubDouble, corpus: Path,
                                            tmp_path: Path) -> None:
    store.add("acme-chat:8b", [
        (MODEL_TYPE, gguf("apache-2.0", "https://huggingface.co/lab/nc-base")),
        (LICENSE_TYPE, (corpus / "apache-2.0.txt").read_bytes())])
    store.add("meta-like:3b", [  # as Ollama ships Llama: the license and the use policy
        (MODEL_TYPE, gguf("llama3.2")),
        (LICENSE_TYPE, (corpus / "llama3.2-license.txt").read_bytes()),
        (LICENSE_TYPE, (corpus / "llama3.2-aup.txt").read_bytes())])
    store.add("own-terms:1b", [(MODEL_TYPE, gguf()), (LICENSE_TYPE, OWN_LICENSE)])
    broken = store.root / "manifests" / "registry.ollama.ai" / "library" / "broken" / "latest"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"layers": [{"mediaType": 3}]}')
    hub.add_model(RepoSpec("lab/nc-base", files={
        "README.md": "---\nlicense: cc-by-nc-4.0\n---\n# base\n"}))
    out = tmp_path / "report.json"
    done = licscan(tmp_path, "scan", "--ollama", "--ollama-dir", str(store.root), "--no-config",
                   "-f", "json", "-o", str(out), env={"HF_ENDPOINT": hub.url})
    assert done.returncode == 1, done.stderr  # a deny and an error: the gate fails
    models = report(out)
    assert list(models) == ["ollama:acme-chat:8b", "ollama:meta-like:3b",
                            "ollama:own-terms:1b",
                            "ollama-store:registry.ollama.ai/library/broken/latest"]

    chat = models["ollama:acme-chat:8b"]
    assert chat["status"] == "ok" and chat["source"] == "local"
    (layer,) = evidence(chat, "license-file")
    assert layer["path"].startswith("license-layer-1-")
    assert layer["value"].startswith("apache-2.0 (identified")
    assert [e["value"] for e in evidence(chat, "card-field") if e["field"] == "license"] \
        == ["apache-2.0"]
    assert chat["lineage"]["parents"][0]["id"] == "lab/nc-base"
    assert chat["lineage"]["parents"][0]["status"] == "ok"
    assert "CC-BY-NC-4.0" in chat["license"]["expression"]  # the base passes its terms down
    assert chat["verdict"] == "deny"
    assert len(chat["revision"]) == 64  # the model layer's digest

    meta = models["ollama:meta-like:3b"]
    layers = {e["path"][:15]: (e["kind"], e["value"]) for e in meta["license"]["evidence"]
              if (e.get("path") or "").startswith("license-layer-")}
    assert layers["license-layer-1"][1].startswith("llama3.2 (identified"), layers
    assert layers["license-layer-2"][1].startswith("llama3.2-aup (identified"), layers
    assert meta["license"]["expression"].startswith("LicenseRef-scancode-llama-3.2")

    own = models["ollama:own-terms:1b"]
    assert own["verdict"] == "review"
    assert "license-text-unidentified" in {f["code"] for f in own["findings"]}

    bad = models["ollama-store:registry.ollama.ai/library/broken/latest"]
    assert bad["status"] == "error"
    assert "broken Ollama manifest" in bad["error"]["message"]
    assert "lacks a mediaType" in bad["error"]["message"]


def test_one_ollama_model_by_name_and_in_a_lockfile(store: Store, tmp_path: Path,
                                                    corpus: Path) -> None:
    store.add("hf.co/acme/tiny-GGUF:Q4_K_M", [
        (MODEL_TYPE, gguf("apache-2.0")),
        (LICENSE_TYPE, (corpus / "apache-2.0.txt").read_bytes())])
    out = tmp_path / "one.json"
    done = licscan(tmp_path, "scan", "ollama:hf.co/acme/tiny-GGUF:Q4_K_M", "--ollama-dir",
                   str(store.root), "--offline", "--no-config", "-f", "json", "-o", str(out))
    model = report(out)["ollama:hf.co/acme/tiny-GGUF:Q4_K_M"]
    assert model["status"] == "ok", done.stderr
    # pulled from hf.co: the Hub repository is its base; offline it is not in the cache, so its
    # terms are unknown and stay in the conclusion (an allow rule on Apache-2.0 cannot pass it)
    assert model["license"]["expression"] == \
        "Apache-2.0 AND LicenseRef-licscan-unresolved-base-acme-tiny-GGUF"
    assert model["lineage"]["parents"][0]["id"] == "acme/tiny-GGUF"

    missing = licscan(tmp_path, "scan", "ollama:nope:1b", "--ollama-dir", str(store.root),
                      "--offline", "--no-config")
    assert missing.returncode == 1
    assert "Ollama model nope:1b is not in the store" in missing.stdout

    bad = licscan(tmp_path, "scan", "ollama:../x", "--no-config")
    assert bad.returncode == 2 and "not an Ollama model name" in bad.stderr

    # a manifest names Ollama models; the lockfile pairs them with their results
    (tmp_path / "models.txt").write_text("ollama:hf.co/acme/tiny-GGUF:Q4_K_M\n")
    env = {"OLLAMA_MODELS": str(store.root), "HF_HUB_OFFLINE": "1"}
    (tmp_path / ".git").mkdir()
    (tmp_path / "licscan.yaml").write_text("manifest: models.txt\npolicy:\n  allow: [Apache-2.0]\n"
                                           "  review: []\n")
    locked = licscan(tmp_path, "lock", env=env)
    assert locked.returncode == 0, locked.stdout + locked.stderr
    assert "ollama:hf.co/acme/tiny-GGUF:Q4_K_M" in (tmp_path / "licscan.lock").read_text()
    checked = licscan(tmp_path, "check", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 model(s): 0 allow, 1 review" in checked.stdout  # the unread base, as above


def test_large_vocabulary_gguf_file_with_its_base_model(hub: HubDouble, corpus: Path,
                                                        tmp_path: Path) -> None:
    path = llama3_like().write(tmp_path / "test-8b-Q4_K_M.gguf", sparse_size=4 << 30,
                               tensor_count=291)
    assert path.stat().st_blocks * 512 < 64 << 20  # the 4 GiB file takes a few MB of disk
    hub.add_model(RepoSpec("acme/test-8b", files={
        "README.md": "---\nlicense: cc-by-nc-4.0\n---\n# base\n"}))
    out = tmp_path / "gguf.json"
    done = licscan(tmp_path, "scan", path.name, "--no-config", "-f", "json", "-o", str(out),
                   env={"HF_ENDPOINT": hub.url})
    model = report(out)[path.name]
    assert model["status"] == "ok", done.stderr
    claims = {e["field"]: e for e in evidence(model, "card-field")}
    assert claims["license"]["value"] == "llama3.1"
    assert claims["license"]["detail"]["origin"] == "gguf-header"
    assert claims["license_name"]["value"] == "Test Community License"
    parent = model["lineage"]["parents"][0]
    assert (parent["id"], parent["relation"], parent["status"]) == (
        "acme/test-8b", "quantized", "ok")
    assert "CC-BY-NC-4.0" in model["license"]["expression"]
    assert done.returncode == 1  # non-commercial base: denied by the default policy


def test_safetensors_file_target(tmp_path: Path) -> None:
    from tests.test_weights import safetensors

    safetensors(tmp_path / "adapter.safetensors", {"license": "apache-2.0"})
    ref = parse_target(str(tmp_path / "adapter.safetensors"))
    assert ref.kind == "safetensors"
    out = tmp_path / "st.json"
    licscan(tmp_path, "scan", "adapter.safetensors", "--offline", "--no-config", "-f", "json",
            "-o", str(out))
    model = report(out)["adapter.safetensors"]
    assert model["license"]["expression"] == "Apache-2.0"
    assert evidence(model, "card-field")[0]["detail"]["origin"] == "safetensors-metadata"


def test_a_file_that_is_not_a_model_folder(tmp_path: Path) -> None:
    (tmp_path / "some-model").mkdir()
    (tmp_path / "some-model" / "README.md").write_text("---\nlicense: mit\n---\n")
    done = licscan(tmp_path, "scan", "some-model/README.md", "--offline", "--no-config")
    assert done.returncode == 2
    assert "some-model/README.md is a file, not a model folder" in done.stderr
    assert "(some-model)" in done.stderr
    with pytest.raises(UsageError, match="weight file does not exist"):
        parse_target("./missing.gguf")
    (tmp_path / "models.yaml").write_text("models:\n  - path: some-model/README.md\n")
    with pytest.raises(Exception, match="is a file, not a model folder"):
        load_manifest(tmp_path / "models.yaml")


def test_manifest_entries_for_weights_and_ollama(tmp_path: Path, store: Store) -> None:
    llama3_like(vocab=10, merges=10).write(tmp_path / "m.gguf")
    (tmp_path / "models.yaml").write_text(
        "models:\n  - path: m.gguf\n  - id: ollama:llama3.1:8b\n  - ollama:qwen3\n")
    refs = load_manifest(tmp_path / "models.yaml")
    assert [(r.kind, r.target) for r in refs] == [
        ("gguf", "m.gguf"), ("ollama", "ollama:llama3.1:8b"), ("ollama", "ollama:qwen3")]
    assert [r.origin.line for r in refs] == [2, 3, 4]
    assert ref_key(refs[1]) == ("local", "ollama:llama3.1:8b")
    (tmp_path / "bad.yaml").write_text("models:\n  - id: ollama:x\n    revision: v1\n")
    with pytest.raises(Exception, match="takes its tag in the name"):
        load_manifest(tmp_path / "bad.yaml")


def _hf_cache(root: Path, repo_id: str, card: str) -> None:
    sha = "a" * 40
    folder = root / ("models--" + repo_id.replace("/", "--"))
    (folder / "snapshots" / sha).mkdir(parents=True)
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text(sha)
    (folder / "snapshots" / sha / "README.md").write_text(card)


def test_whole_hf_cache_offline(tmp_path: Path) -> None:
    cache = tmp_path / "hub-cache"
    _hf_cache(cache, "acme/mit-model", "---\nlicense: mit\n---\n")
    _hf_cache(cache, "acme/nc-model", "---\nlicense: cc-by-nc-4.0\n---\n")
    (cache / "datasets--acme--data" / "snapshots").mkdir(parents=True)  # not a model
    out = tmp_path / "cache.json"
    done = licscan(tmp_path, "scan", "--hf-cache", str(cache), "--offline", "--no-config",
                   "-f", "json", "-o", str(out), env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    models = list(report(out).values())
    assert [Path(m["id"]).name for m in models] == ["models--acme--mit-model",
                                                    "models--acme--nc-model"]
    assert [m["license"]["expression"] for m in models] == ["MIT", "CC-BY-NC-4.0"]
    assert done.returncode == 1  # the non-commercial one is denied

    empty = tmp_path / "empty"
    empty.mkdir()
    none = licscan(tmp_path, "scan", "--hf-cache", str(empty), "--no-config")
    assert none.returncode == 2 and "nothing to scan" in none.stderr
    default = licscan(tmp_path, "scan", "--hf-cache", "--offline", "--no-config",
                      env={"HF_HUB_CACHE": str(cache)})
    assert "models--acme--mit-model" in default.stdout


def test_empty_manifest_message_names_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "models.yaml").write_text("models: []\n")
    done = licscan(tmp_path, "scan", "--manifest", "models.yaml", "--no-config")
    assert done.returncode == 2
    assert "nothing to scan: models.yaml lists no models" in done.stderr
    assert "or --manifest" not in done.stderr


def test_scanner_reports_each_given_model_once_as_it_finishes(tmp_path: Path) -> None:
    """The callback the CLI's progress line ticks from: once per model given, in the calling
    thread, duplicates and known failures included."""
    import threading

    from licscan.errors import SourceError
    from licscan.model import ModelRef
    from licscan.scan import Scanner, ScanOptions

    folders = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "README.md").write_text("---\nlicense: mit\n---\n")
        folders.append(parse_target(str(tmp_path / name)))
    seen: list[tuple[str, str]] = []
    scanner = Scanner(ScanOptions(jobs=2, offline=True),
                      on_result=lambda m: seen.append((m.id, threading.current_thread().name)))
    broken = ModelRef(kind="ollama", target="ollama-store:x", path=str(tmp_path))
    result = scanner.scan([folders[0], folders[1], folders[0]],
                          [(broken, SourceError("bad-manifest", "not JSON"))])
    assert sorted(i for i, _ in seen) == sorted([str(tmp_path / "a")] * 2
                                                + [str(tmp_path / "b"), "ollama-store:x"])
    assert {thread for _, thread in seen} == {threading.current_thread().name}
    assert [m.status for m in result.models] == ["ok", "ok", "ok", "error"]
    assert result.models[3].error is not None and result.models[3].error.kind == "bad-manifest"


def test_onnx_file_target(tmp_path: Path) -> None:
    """An ONNX model's metadata_props are its claim; a broken file is an error of its own and
    the other model is still scanned."""
    from tests.test_weights import onnx_model

    (tmp_path / "model.onnx").write_bytes(onnx_model(
        {"License": "apache-2.0", "author": "Acme"}, graph_bytes=200_000))
    (tmp_path / "broken.onnx").write_bytes(b"\x08\x09\x3a\xff\xff\xff\x0f")  # graph past the end
    assert parse_target(str(tmp_path / "model.onnx")).kind == "onnx"
    out = tmp_path / "onnx.json"
    done = licscan(tmp_path, "scan", "model.onnx", "broken.onnx", "--offline", "--no-config",
                   "-f", "json", "-o", str(out))
    assert done.returncode == 1, done.stdout + done.stderr  # the broken one fails the gate
    models = report(out)
    assert models["model.onnx"]["license"]["expression"] == "Apache-2.0"
    assert evidence(models["model.onnx"], "card-field")[0]["detail"]["origin"] == "onnx-metadata"
    broken = models["broken.onnx"]
    assert broken["status"] == "error" and "not a readable ONNX model" in broken["error"]["message"]


def test_onnx_metadata_as_card_data() -> None:
    from licscan.weights.onnx import OnnxHeader
    from licscan.weights.sources import onnx_card_data

    def card(props: dict[str, str]) -> dict[str, Any]:
        return onnx_card_data(OnnxHeader("m.onnx", props, {}))

    assert card({"license": " mit "}) == {"license": "mit"}
    assert card({"License-URL": "https://example.com/l", "license.name": "Acme License"}) == {
        "license_link": "https://example.com/l", "license_name": "Acme License"}
    assert card({"base_model": "https://huggingface.co/acme/base"}) == {
        "base_model": "acme/base", "base_model_relation": "quantized"}
    assert card({"base_model": "../../etc"}) == {}  # not a Hub id: no lineage to follow
    assert card({"author": "Acme", "license": "  "}) == {}
