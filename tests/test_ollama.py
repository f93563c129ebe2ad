"""The Ollama store, built by the tests: manifests, license layers (one from the reference
corpus, one written here), model layers with GGUF headers, and broken entries. Scanned end to
end: license layers identified, the GGUF base_model followed through the Hub double."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from licscan.errors import SourceError
from licscan.scan import Scanner, ScanOptions
from licscan.sources.hub import HubSettings
from licscan.weights.ollama import LICENSE_TYPE, MODEL_TYPE, list_models, parse_name, read_model
from licscan.weights.sources import ollama_ref, ollama_store_refs
from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gguf import Writer, llama3_like

OWN_LICENSE = (b"Acme Test Model Terms\n\nYou may run this model for evaluation only. "
               b"You may not offer it as a hosted service. These terms were written for a "
               b"test and grant nothing else.\n")


class Store:
    """An Ollama store in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "blobs").mkdir(parents=True, exist_ok=True)
        (root / "manifests").mkdir(exist_ok=True)

    def blob(self, data: bytes) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        (self.root / "blobs" / f"sha256-{digest}").write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    def add(self, name: str, layers: list[tuple[str, bytes]]) -> Path:
        host, namespace, model, tag = parse_name(name)
        manifest = {"schemaVersion": 2,
                    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                    "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                               **self.blob(b"{}")},
                    "layers": [{"mediaType": media, **self.blob(data)} for media, data in layers]}
        path = self.root / "manifests" / host / namespace / model / tag
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest))
        return path


def gguf(license_id: str | None = None, base_url: str | None = None) -> bytes:
    w = Writer().string("general.architecture", "llama").string("general.name", "t")
    if license_id:
        w.string("general.license", license_id)
    if base_url:
        w.scalar("general.base_model.count", 4, 1).string("general.base_model.0.repo_url",
                                                          base_url)
    w.strings("tokenizer.ggml.tokens", (f"t{i}" for i in range(1000)))
    return w.bytes(tensor_count=1) + b"\0" * 256  # a stand-in for tensor data


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "models")


def test_library_model_with_two_license_layers(store: Store) -> None:
    store.add("acme-chat:8b", [(MODEL_TYPE, gguf("apache-2.0")), (LICENSE_TYPE, OWN_LICENSE),
                               (LICENSE_TYPE, b"Second license text.\n"),
                               ("application/vnd.ollama.image.template", b"{{ .Prompt }}")])
    model = read_model(store.root, "acme-chat:8b")
    assert model.name == "acme-chat:8b"
    assert (model.host, model.namespace, model.model, model.tag) == (
        "registry.ollama.ai", "library", "acme-chat", "8b")
    assert [t.data for t in model.licenses] == [OWN_LICENSE, b"Second license text.\n"]
    assert model.gguf is not None and model.gguf.license == "apache-2.0"
    assert model.problems == ()


def test_names() -> None:
    assert parse_name("llama3.1") == ("registry.ollama.ai", "library", "llama3.1", "latest")
    assert parse_name("ollama:user/m:q4") == ("registry.ollama.ai", "user", "m", "q4")
    assert parse_name("hf.co/owner/name:Q4_K_M") == ("hf.co", "owner", "name", "Q4_K_M")
    for bad in ("a/b/c/d", "../x", "x:../../y", ""):
        with pytest.raises(SourceError):
            parse_name(bad)


def test_whole_store_lists_good_models_and_reports_broken_ones(store: Store) -> None:
    store.add("good:1b", [(MODEL_TYPE, gguf("mit"))])
    store.add("hf.co/acme/test-gguf:Q4_K_M", [(MODEL_TYPE, gguf())])
    broken = store.add("broken:latest", [])
    broken.write_text("{not json")
    no_layers = store.add("nolayers:latest", [])
    no_layers.write_text(json.dumps({"schemaVersion": 2}))
    bad_digest = store.add("baddigest:latest", [])
    bad_digest.write_text(json.dumps({"layers": [{"mediaType": MODEL_TYPE,
                                                  "digest": "sha256:../../etc/passwd"}]}))
    (store.root / "manifests" / "stray-file").write_text("x")
    store.add("lying:latest", [(MODEL_TYPE, b"GGUF" + b"\x03\0\0\0" + b"\xff" * 24)])
    missing_blob = store.add("gone:latest", [(MODEL_TYPE, gguf()), (LICENSE_TYPE, b"L")])
    for layer in json.loads(missing_blob.read_text())["layers"]:
        (store.root / "blobs" / layer["digest"].replace(":", "-")).unlink()

    models, problems = list_models(store.root)
    names = {m.name: m for m in models}
    assert set(names) == {"good:1b", "hf.co/acme/test-gguf:Q4_K_M", "lying:latest",
                          "gone:latest"}
    assert names["hf.co/acme/test-gguf:Q4_K_M"].hub_repo_id == "acme/test-gguf"
    assert any("absurd" in p or "past the end" in p for p in names["lying:latest"].problems)
    gone = names["gone:latest"]
    assert gone.gguf is None and gone.problems
    assert [t.status for t in gone.licenses] == ["missing"]
    reasons = {Path(p.path).name: p.reason for p in problems}
    assert "not JSON" in reasons["latest"] or len(problems) == 4
    assert len(problems) == 4  # broken, nolayers, baddigest, stray-file
    assert any("stray-file" in p.path and "skipped" in p.reason for p in problems)
    assert any("sha256 digest" in p.reason for p in problems)


def test_tampered_license_blob_is_not_used(store: Store) -> None:
    path = store.add("t:1", [(MODEL_TYPE, gguf()), (LICENSE_TYPE, OWN_LICENSE)])
    digest = json.loads(path.read_text())["layers"][1]["digest"]
    (store.root / "blobs" / digest.replace(":", "-")).write_bytes(b"something else")
    (text,) = read_model(store.root, "t:1").licenses
    assert text.status == "digest-mismatch" and text.data is None


def test_missing_model_and_missing_store(store: Store, tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        read_model(store.root, "nothere:1")
    assert caught.value.kind == "not-found"
    with pytest.raises(SourceError):
        list_models(tmp_path / "nowhere")


def test_large_vocabulary_model_layer(store: Store, tmp_path: Path) -> None:
    store.add("big:8b", [(MODEL_TYPE, llama3_like(vocab=128_256, merges=1000).bytes(291))])
    model = read_model(store.root, "big:8b")
    assert model.gguf is not None and model.gguf.license == "llama3.1"


def test_scan_end_to_end_identifies_license_layers_and_follows_base_model(
        store: Store, hub: HubDouble, corpus: Path) -> None:
    apache = (corpus / "apache-2.0.txt").read_bytes()
    store.add("acme-chat:8b", [
        (MODEL_TYPE, gguf("apache-2.0", "https://huggingface.co/lab/nc-base")),
        (LICENSE_TYPE, apache)])
    store.add("own-terms:1b", [(MODEL_TYPE, gguf()), (LICENSE_TYPE, OWN_LICENSE)])
    hub.add_model(RepoSpec("lab/nc-base", files={
        "README.md": "---\nlicense: cc-by-nc-4.0\n---\n# base\n"}))
    refs, problems = ollama_store_refs(store.root)
    assert problems == []
    scanner = Scanner(ScanOptions(jobs=2, hub=HubSettings(endpoint=hub.url, timeout=5,
                                                               retries=0)))
    result = {m.id: m for m in scanner.scan(refs).models}
    chat = result["ollama:acme-chat:8b"]
    assert chat.status == "ok", chat.error
    assert chat.license is not None
    layer_evidence = [e for e in chat.license.evidence if e.kind == "license-file"]
    assert layer_evidence and (layer_evidence[0].value or "").startswith("apache-2.0 (identified")
    assert layer_evidence[0].path is not None
    assert layer_evidence[0].path.startswith("license-layer-1-")
    assert chat.lineage is not None
    assert chat.lineage.parents[0].id == "lab/nc-base"
    assert chat.flags.commercial_use == "prohibited"  # the base passes its terms down
    own = result["ollama:own-terms:1b"]
    assert own.status == "ok", own.error
    assert own.verdict == "review"  # text of our own: not answered with a similar known one
    assert "license-text-unidentified" in {f.code for f in own.findings}


def test_ollama_ref_validates_the_name(tmp_path: Path) -> None:
    ref = ollama_ref("ollama:llama3.1:8b", tmp_path)
    assert (ref.kind, ref.target, ref.path) == ("ollama", "ollama:llama3.1:8b", str(tmp_path))
    with pytest.raises(SourceError):
        ollama_ref("ollama:../../x")


def test_model_layer_headers_are_kept_between_runs(store: Store, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from licscan.weights import ollama

    store.add("cached:1b", [(MODEL_TYPE, gguf("apache-2.0", "https://huggingface.co/a/b"))])
    cache = tmp_path / "cache"
    first = read_model(store.root, "cached:1b", cache)
    assert len(list((cache / "gguf-headers").iterdir())) == 1
    ollama._HEADERS.clear()  # a new process: only the cache folder is left

    def fail(*_args: object) -> None:
        raise AssertionError("the blob was parsed again")

    monkeypatch.setattr(ollama, "read_gguf", fail)
    again = read_model(store.root, "cached:1b", cache)
    assert again.gguf is not None and first.gguf is not None
    assert again.gguf == first.gguf
    assert again.gguf.base_models[0].repo_url == "https://huggingface.co/a/b"

    # a blob rewritten in place (another modification time) is read again
    ollama._HEADERS.clear()
    blob = ollama.blob_path(store.root, again.layers[0].digest)
    os.utime(blob, ns=(1, 1))
    with pytest.raises(AssertionError, match="parsed again"):
        read_model(store.root, "cached:1b", cache)
    monkeypatch.undo()
    (cache / "gguf-headers").chmod(0o500)  # an unwritable cache is no cache, not an error
    try:
        assert read_model(store.root, "cached:1b", cache).gguf == first.gguf
    finally:
        (cache / "gguf-headers").chmod(0o700)
    for entry in (cache / "gguf-headers").iterdir():
        entry.write_text("{not json")  # a damaged entry: the blob is read again
    ollama._HEADERS.clear()
    assert read_model(store.root, "cached:1b", cache).gguf == first.gguf
