"""`licscan discover` end to end: the manifest it writes is one `scan --manifest` reads, JSON
carries origins, and `--check` fails on an unlisted model, through the CLI and through the
real pre-commit tool in a temporary git repository (a local hook: no network needed)."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from licscan.lock.file import LOCK_VERSION
from licscan.targets import load_manifest

REPO = Path(__file__).resolve().parent.parent
LICSCAN = Path(sys.executable).with_name("licscan")
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
# An empty global git config of our own: git must never be pointed at /dev/null for writing.
_CONFIG_DIR = tempfile.mkdtemp(prefix="licscan-test-gitconfig-")
atexit.register(shutil.rmtree, _CONFIG_DIR, ignore_errors=True)
Path(_CONFIG_DIR, "gitconfig").write_text("")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": str(Path(_CONFIG_DIR, "gitconfig")), "GIT_CONFIG_NOSYSTEM": "1",
           "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}

APP = '''\
from transformers import AutoModel, AutoTokenizer
from vllm import LLM

model = AutoModel.from_pretrained("acme/encoder", revision="v2")
tok = AutoTokenizer.from_pretrained("acme/encoder", revision="v2")
llm = LLM(model="acme/chat-8b")
'''


def licscan(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), **GIT_ENV)
    return subprocess.run([sys.executable, "-m", "licscan", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / ".git").mkdir()  # config discovery stops here
    (root / "src" / "app.py").write_text(APP)
    (root / "serve.sh").write_text("vllm serve $MODEL_ID\nollama pull llama3.2:3b\n")
    return root


def test_yaml_output_is_a_manifest_scan_reads(project: Path) -> None:
    done = licscan(project, "discover", "-o", "models.yaml")
    assert done.returncode == 0, done.stderr
    refs = load_manifest(project / "models.yaml")
    assert [(r.kind, r.repo_id or r.target, r.revision) for r in refs] == [
        ("hub", "acme/chat-8b", None), ("hub", "acme/encoder", "v2"),
        ("ollama", "ollama:llama3.2:3b", None)]
    text = (project / "models.yaml").read_text()
    assert "# src/app.py:4:35 from_pretrained" in text
    assert "# src/app.py:5:37 from_pretrained (tokenizer)" in text
    assert "# serve.sh:2 ollama-pull\n  - \"ollama:llama3.2:3b\"\n" in text
    assert "unresolved: $MODEL_ID" in text


def test_json_output_has_origins(project: Path) -> None:
    done = licscan(project, "discover", "src", "serve.sh", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    first = data["references"][0]
    assert first == {"file": "serve.sh", "line": 1, "column": None, "kind": "unresolved",
                     "value": "$MODEL_ID", "pattern": "vllm-serve", "role": "model",
                     "notes": ["built from MODEL_ID, not set in this file"]}
    values = {(r["file"], r["line"], r["value"]) for r in data["references"]}
    assert ("src/app.py", 6, "acme/chat-8b") in values
    assert data["summary"]["by_kind"] == {"hub": 3, "ollama": 1, "local": 0, "unresolved": 1}


def test_check_fails_on_an_unlisted_model(project: Path) -> None:
    (project / "models.yaml").write_text("models:\n  - id: acme/encoder\n    revision: v2\n")
    done = licscan(project, "discover", "--check", "--allow-unresolved")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "src/app.py:6:17: acme/chat-8b: not listed in models.yaml (vllm-LLM)" in done.stdout
    assert "acme/encoder" not in done.stdout.split("note:")[0]
    assert "note: serve.sh:1: $MODEL_ID: cannot tell which model" in done.stdout
    assert "FAILED" in done.stdout


def test_check_passes_when_everything_is_listed_and_fails_closed_on_unresolved(
        project: Path) -> None:
    (project / "models.yaml").write_text(
        "models:\n  - id: acme/encoder\n    revision: v2\n  - acme/chat-8b\n"
        "  - ollama:llama3.2:3b\n")
    passed = licscan(project, "discover", "--check", "--allow-unresolved")
    assert passed.returncode == 0, passed.stdout
    strict = licscan(project, "discover", "--check")
    assert strict.returncode == 1
    assert "serve.sh:1: $MODEL_ID: cannot tell which model this names" in strict.stdout
    (project / "models.yaml").write_text(
        "models:\n  - id: acme/encoder\n    revision: v2\n  - acme/chat-8b\n")
    ollama = licscan(project, "discover", "--check", "--allow-unresolved")
    assert ollama.returncode == 1
    assert ("serve.sh:2: llama3.2:3b: Ollama model not listed in models.yaml (ollama-pull)"
            in ollama.stdout)


def test_check_reports_a_revision_the_manifest_does_not_list(project: Path) -> None:
    (project / "models.yaml").write_text(
        "models:\n  - id: acme/encoder\n    revision: v1\n  - acme/chat-8b\n")
    done = licscan(project, "discover", "--check", "--allow-unresolved")
    assert done.returncode == 1
    assert "acme/encoder: the code uses revision v2 but models.yaml lists v1" in done.stdout


def test_check_against_the_lockfile(project: Path) -> None:
    def entry(model_id: str, requested: str | None, resolved: str) -> dict[str, object]:
        return {"id": model_id, "source": "hub", "requested_revision": requested,
                "revision": resolved, "status": "ok"}

    lock = {"lockfile_version": LOCK_VERSION, "rulepack": {}, "manifest": None,
            "models": [entry("acme/encoder", None, "a" * 40),
                       entry("acme/chat-8b", None, "b" * 40),
                       {**entry("ollama:llama3.2:3b", None, "c" * 64), "source": "local"}]}
    (project / "licscan.lock").write_text(json.dumps(lock, indent=2))
    done = licscan(project, "discover", "--check", "--allow-unresolved")
    assert done.returncode == 1  # the code pins v2; the lock has the default branch
    assert "acme/encoder: the code uses revision v2" in done.stdout
    (project / "src" / "app.py").write_text(APP.replace('revision="v2"', 'revision="aaaaaaa"'))
    assert licscan(project, "discover", "--check", "--allow-unresolved").returncode == 0


def test_check_without_a_manifest_is_a_usage_error(project: Path) -> None:
    done = licscan(project, "discover", "--check")
    assert done.returncode == 2
    assert "--check needs a manifest or a lockfile" in done.stderr


def test_unreadable_items_are_reported_and_fail_the_check(project: Path) -> None:
    (project / "bad.py").write_bytes(b"\0\1\2binary")
    (project / "models.yaml").write_text("models:\n  - acme/encoder@v2\n  - acme/chat-8b\n")
    listed = licscan(project, "discover")
    assert listed.returncode == 0
    assert "bad.py: a binary file with a python name; not read" in listed.stderr
    done = licscan(project, "discover", "--check", "--allow-unresolved")
    assert done.returncode == 1
    assert "bad.py: a binary file" in done.stdout


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=dict(os.environ, **GIT_ENV), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    assert done.returncode == 0, done.stdout
    return done.stdout


def test_local_folders_and_weight_files_are_listed_and_checked(project: Path) -> None:
    from tests.test_gguf import llama3_like

    (project / "models" / "tuned").mkdir(parents=True)
    (project / "models" / "tuned" / "README.md").write_text("---\nlicense: mit\n---\n")
    llama3_like(vocab=50, merges=50).write(project / "models" / "tuned" / "q4.gguf")
    (project / "weights").mkdir()
    llama3_like(vocab=50, merges=50).write(project / "weights" / "chat-Q4_K_M.gguf")
    (project / "src" / "local.py").write_text(
        'from transformers import AutoModel\nm = AutoModel.from_pretrained("models/tuned")\n'
        'n = AutoModel.from_pretrained("/srv/models/elsewhere")\n')
    done = licscan(project, "discover", "-o", "models.yaml")
    assert done.returncode == 0, done.stderr
    text = (project / "models.yaml").read_text()
    assert '  - path: "models/tuned"\n' in text
    assert '  - path: "weights/chat-Q4_K_M.gguf"\n' in text
    assert "local: /srv/models/elsewhere" in text  # not here: a comment, not an entry
    kinds = [(r.kind, r.target) for r in load_manifest(project / "models.yaml")]
    assert ("local", "models/tuned") in kinds and ("gguf", "weights/chat-Q4_K_M.gguf") in kinds
    # the tree's own GGUF inside the listed folder is covered by the folder's entry
    assert "q4.gguf" in text and '"models/tuned/q4.gguf"' not in text

    passed = licscan(project, "discover", "--check", "--allow-unresolved")
    assert passed.returncode == 0, passed.stdout
    assert "note: src/local.py:3:31: /srv/models/elsewhere: local model not checked" \
        in passed.stdout, passed.stdout

    (project / "models.yaml").write_text(
        "models:\n  - id: acme/encoder\n    revision: v2\n  - acme/chat-8b\n"
        "  - ollama:llama3.2:3b\n  - path: models/tuned\n")
    failed = licscan(project, "discover", "--check", "--allow-unresolved")
    assert failed.returncode == 1
    assert ("weights/chat-Q4_K_M.gguf: gguf weight file not listed in models.yaml"
            in failed.stdout)
    assert "models/tuned/q4.gguf" not in failed.stdout  # inside a listed folder
    (project / "models.yaml").write_text(
        "models:\n  - id: acme/encoder\n    revision: v2\n  - acme/chat-8b\n"
        "  - ollama:llama3.2:3b\n  - path: weights/chat-Q4_K_M.gguf\n")
    unlisted = licscan(project, "discover", "--check", "--allow-unresolved")
    assert unlisted.returncode == 1
    assert ("src/local.py:2:31: models/tuned: local model not listed in models.yaml"
            in unlisted.stdout)


def test_models_named_in_markdown_are_notes_unless_strict(project: Path) -> None:
    (project / "README.md").write_text(
        "# Service\n\nBuilt on [the encoder](https://huggingface.co/acme/encoder).\n\n"
        "```python\nfrom transformers import AutoModel\n"
        'AutoModel.from_pretrained("acme/doc-example")\n```\n')
    (project / "models.yaml").write_text(
        "models:\n  - id: acme/encoder\n    revision: v2\n  - acme/chat-8b\n"
        "  - ollama:llama3.2:3b\n")
    done = licscan(project, "discover", "--check", "--allow-unresolved")
    assert done.returncode == 0, done.stdout
    assert ("note: README.md:7:27: acme/doc-example: named in documentation, not listed in "
            "models.yaml (from_pretrained)") in done.stdout
    assert "README.md:3" not in done.stdout  # the link names a listed model
    strict = licscan(project, "discover", "--check", "--allow-unresolved", "--strict")
    assert strict.returncode == 1
    assert "README.md:7:27: acme/doc-example: not listed in models.yaml" in strict.stdout
    written = licscan(project, "discover")
    assert "#   hub: acme/doc-example  <- README.md:7:27 from_pretrained" in written.stdout
    assert "  - id: acme/doc-example" not in written.stdout


@pytest.mark.skipif(not PRE_COMMIT.exists() or shutil.which("git") is None,
                    reason="pre-commit or git is not installed")
def test_pre_commit_blocks_a_commit_that_uses_an_unlisted_model(tmp_path: Path) -> None:
    root = tmp_path / "product"
    (root / "src").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "models.yaml").write_text("models:\n  - id: acme/encoder\n    revision: v2\n")
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: licscan-discover\n"
        "        name: licscan discover --check\n"
        f"        entry: {LICSCAN} discover --check\n"
        "        language: system\n        pass_filenames: false\n        always_run: true\n")
    env = dict(os.environ, **GIT_ENV, PRE_COMMIT_HOME=str(tmp_path / "pc-home"))
    subprocess.run([str(PRE_COMMIT), "install"], cwd=root, env=env, check=True,
                   capture_output=True)

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        git(root, "add", "-A")
        return subprocess.run(["git", "commit", "-m", message], cwd=root, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)

    (root / "src" / "app.py").write_text(APP.splitlines()[0] + "\n" + APP.splitlines()[3] + "\n")
    first = commit("use the encoder")
    assert first.returncode == 0, first.stdout
    assert "Passed" in first.stdout

    (root / "src" / "app.py").write_text(APP)
    blocked = commit("use the chat model too")
    assert blocked.returncode != 0, blocked.stdout
    assert "src/app.py:6:17: acme/chat-8b: not listed in models.yaml" in blocked.stdout
    assert "Failed" in blocked.stdout

    with (root / "models.yaml").open("a") as fh:
        fh.write("  - id: acme/chat-8b\n")
    allowed = commit("list the chat model")
    assert allowed.returncode == 0, allowed.stdout
    assert git(root, "log", "--format=%s").splitlines() == ["list the chat model",
                                                            "use the encoder"]
