"""`licscan init` through the CLI: a commented licscan.yaml that licscan.config loads, and a
manifest that `licscan scan --manifest` consumes, from local model folders, code and the
Hugging Face cache; nothing is overwritten without --force."""

from __future__ import annotations

import json
from pathlib import Path

from licscan import safeyaml
from licscan.config import load_config
from licscan.targets import load_manifest
from tests.test_lockfile import card, licscan

SHA = "0123456789abcdef0123456789abcdef01234567"


def _project(root: Path) -> tuple[Path, Path]:
    """A project: two model folders (a card; a weight file and a config), a script naming a
    Hub model, a virtual environment and a hidden folder to be skipped; and an HF cache."""
    (root / ".git").mkdir(parents=True)
    (root / "models" / "mit-model").mkdir(parents=True)
    (root / "models" / "mit-model" / "README.md").write_text(card("mit"))
    (root / "models" / "mit-model" / "checkpoint-1").mkdir()
    (root / "models" / "mit-model" / "checkpoint-1" / "config.json").write_text("{}")
    (root / "weights" / "tiny").mkdir(parents=True)
    (root / "weights" / "tiny" / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (root / "weights" / "tiny" / "README.md").write_text(card("apache-2.0"))
    (root / "app").mkdir()
    (root / "app" / "serve.py").write_text(
        "from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("
        "\"acme/support-bot\", revision=\"v1\")\n")
    (root / ".venv" / "lib" / "m").mkdir(parents=True)
    (root / ".venv" / "lib" / "m" / "model.safetensors").write_bytes(b"\0" * 8)
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text("# notes\n")
    cache = root.parent / "hf-cache"
    repo = cache / "models--google--gemma-2-2b-it"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(SHA + "\n")
    (repo / "snapshots" / SHA).mkdir(parents=True)
    (repo / "snapshots" / SHA / "README.md").write_text(card("gemma"))
    return root, cache


def test_init_writes_a_config_and_a_manifest_that_scan_consumes(tmp_path: Path) -> None:
    root, cache = _project(tmp_path / "repo")
    env = {"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9",
           "HF_HUB_CACHE": str(cache)}
    done = licscan(root, "init", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("wrote licscan.yaml and models.yaml: 2 local folder(s), 1 Hub "
                                   "model(s) named in code, 1 from the Hugging Face cache")
    assert "next: edit the context in licscan.yaml" in done.stderr

    manifest = (root / "models.yaml").read_text()
    data = safeyaml.load(manifest)
    assert data["models"] == [{"path": "models/mit-model"}, {"path": "weights/tiny"},
                              {"id": "acme/support-bot", "revision": "v1"},
                              {"id": "google/gemma-2-2b-it", "revision": SHA}]
    assert "# named in app/serve.py:3" in manifest and "# in the Hugging Face cache" in manifest
    refs = load_manifest(root / "models.yaml")
    assert [r.kind for r in refs] == ["local", "local", "hub", "hub"]

    config = load_config(root / "licscan.yaml")
    assert config.manifest == root / "models.yaml" and config.context is None
    assert config.policy.fail_on == "deny" and config.policy.unknown == "review"
    text = (root / "licscan.yaml").read_text()
    assert "# context:" in text and "#   distribution: hosted" in text  # documented, not guessed

    scan = licscan(root, "scan", "--manifest", "models.yaml", "--offline", "-f", "json",
                   env=env)
    report = json.loads(scan.stdout)
    by_id = {m["id"]: m for m in report["models"]}
    assert by_id["models/mit-model"]["license"]["expression"] == "MIT"
    assert by_id["weights/tiny"]["license"]["expression"] == "Apache-2.0"
    assert by_id["acme/support-bot"]["status"] == "error"  # offline and not in the cache
    assert set(by_id) == {"models/mit-model", "weights/tiny", "acme/support-bot",
                          "google/gemma-2-2b-it"}
    assert report["config"] == "licscan.yaml"  # the written config was the one used


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    root, cache = _project(tmp_path / "repo")
    (root / "licscan.yaml").write_text("policy: {fail_on: review}\n")
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache)}
    done = licscan(root, "init", env=env)
    assert done.returncode == 2
    assert "licscan.yaml already exists" in done.stderr and "--force" in done.stderr
    assert (root / "licscan.yaml").read_text() == "policy: {fail_on: review}\n"
    assert not (root / "models.yaml").exists()  # nothing written

    done = licscan(root, "init", "--force", "--no-hf-cache", "--no-code", "-q", env=env)
    assert done.returncode == 0 and done.stderr == ""
    assert "1 from the Hugging Face cache" not in done.stdout
    assert safeyaml.load((root / "models.yaml").read_text())["models"] == [
        {"path": "models/mit-model"}, {"path": "weights/tiny"}]


def test_init_in_an_empty_folder_writes_a_manifest_to_fill_in(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    done = licscan(tmp_path, "init", "--no-hf-cache")
    assert done.returncode == 0, done.stderr
    assert safeyaml.load((tmp_path / "models.yaml").read_text()) == {"models": []}
    assert "#   - id: owner/name" in (tmp_path / "models.yaml").read_text()
    assert load_config(tmp_path / "licscan.yaml").manifest == tmp_path / "models.yaml"
