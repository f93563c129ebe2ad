from __future__ import annotations

from pathlib import Path

import pytest

from licscan.errors import ManifestError, UsageError
from licscan.targets import load_manifest, parse_target


@pytest.mark.parametrize(("target", "repo_id", "revision"), [
    ("meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B", None),
    ("meta-llama/Llama-3.1-8B@main", "meta-llama/Llama-3.1-8B", "main"),
    ("acme/model@0123456789abcdef0123456789abcdef01234567", "acme/model",
     "0123456789abcdef0123456789abcdef01234567"),
    ("https://huggingface.co/google/gemma-2-2b", "google/gemma-2-2b", None),
    ("https://huggingface.co/google/gemma-2-2b/tree/v1.0", "google/gemma-2-2b", "v1.0"),
    ("https://huggingface.co/google/gemma-2-2b/blob/refs%2Fpr%2F3/README.md",
     "google/gemma-2-2b", "refs/pr/3"),
    ("https://hf.co/acme/x", "acme/x", None),
    ("gpt2", "gpt2", None),
    ("hf:examples/models", "examples/models", None),
])
def test_hub_targets(target: str, repo_id: str, revision: str | None) -> None:
    ref = parse_target(target)
    assert (ref.kind, ref.repo_id, ref.revision) == ("hub", repo_id, revision)


def test_dataset_url() -> None:
    ref = parse_target("https://huggingface.co/datasets/acme/data")
    assert (ref.repo_type, ref.repo_id) == ("dataset", "acme/data")


@pytest.mark.parametrize("bad", [
    "acme/../etc", "acme--x/y", "a/b/c", "acme/x.git", "acme/x@../../etc", "acme/x@",
    "acme/\x1b[31mred", "https://evil.example/acme/x", "https://huggingface.co/acme",
    "https://huggingface.co/spaces/acme/x", "acme/x@rev with space", "/no/such/folder",
    "acme/x@/abs",
])
def test_bad_targets_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_target(bad)
    assert "\x1b" not in info.value.diagnostics()


def test_local_folder(tmp_path: Path) -> None:
    ref = parse_target(str(tmp_path))
    assert ref.kind == "local" and ref.path == str(tmp_path)


def test_yaml_manifest_lines(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    manifest = tmp_path / "models.yaml"
    manifest.write_text("models:\n  - id: acme/a\n    revision: v2\n  - path: m\n  - acme/b@main\n")
    refs = load_manifest(manifest)
    assert [(r.kind, r.repo_id, r.revision, r.origin.line) for r in refs] == [
        ("hub", "acme/a", "v2", 2), ("local", None, None, 4), ("hub", "acme/b", "main", 5)]
    assert refs[1].path == str(tmp_path / "m")


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("models:\n  - id: acme/a\n  - id: bad/../x\n", 3, "not a valid Hub repository id"),
    ("models:\n  - id: acme/a\n    revisoin: x\n", 2, "unknown key"),
    ("models:\n  - path: nowhere\n", 2, "does not exist"),
    ("models:\n  - {id: a/b, path: c}\n", 2, "exactly one"),
    ("models: [\n", 2, "invalid YAML"),
    ("models: &a [*a]\n", 1, "anchors"),
    ("models:\n  - 42\n", 2, "string or a mapping"),
    ("other: 1\n", 1, "models"),
])
def test_yaml_manifest_errors_name_file_and_line(tmp_path: Path, text: str, line: int,
                                                 needle: str) -> None:
    manifest = tmp_path / "models.yaml"
    manifest.write_text(text)
    with pytest.raises(ManifestError) as info:
        load_manifest(manifest)
    assert info.value.file == str(manifest)
    assert info.value.line == line
    assert needle in info.value.diagnostics()


def test_text_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "models.txt"
    manifest.write_text("# models\nacme/a  # the first\n\nhttps://huggingface.co/acme/b/tree/v1\n"
                        "acme/../c\n")
    with pytest.raises(ManifestError) as info:
        load_manifest(manifest)
    assert (info.value.line, info.value.file) == (5, str(manifest))
    manifest.write_text("# models\nacme/a  # the first\n\nhttps://huggingface.co/acme/b/tree/v1\n")
    assert [(r.repo_id, r.revision, r.origin.line) for r in load_manifest(manifest)] == [
        ("acme/a", None, 2), ("acme/b", "v1", 4)]


def test_manifest_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read"):
        load_manifest(tmp_path / "missing.yaml")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00\x00garbage\x80")
    with pytest.raises(ManifestError, match="not UTF-8"):
        load_manifest(binary)


def test_ollama_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path))
    ref = parse_target("ollama:hf.co/acme/x-GGUF:Q4_K_M")
    assert (ref.kind, ref.target, ref.path) == ("ollama", "ollama:hf.co/acme/x-GGUF:Q4_K_M",
                                                str(tmp_path))
    for bad in ("ollama:", "ollama:../x", "ollama:a/b/c/d", "ollama:x:y:z"):
        with pytest.raises(UsageError, match="not an Ollama model name"):
            parse_target(bad)


def test_weight_files_and_other_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.GGUF").write_bytes(b"GGUF")
    (tmp_path / "a.safetensors").write_bytes(b"")
    (tmp_path / "owner").mkdir()
    (tmp_path / "owner" / "config.json").write_text("{}")
    assert parse_target("m.GGUF").kind == "gguf"  # a bare name that exists here
    assert parse_target("./a.safetensors").kind == "safetensors"
    with pytest.raises(UsageError, match=r"owner/config\.json is a file, not a model folder"):
        parse_target("owner/config.json")  # not taken for the Hub id owner/config.json
    assert parse_target("owner/other.json").kind == "hub"  # nothing by that name here
    with pytest.raises(UsageError, match="weight file does not exist"):
        parse_target("./gone.gguf")
