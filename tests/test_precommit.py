"""The pre-commit hook, with the real `pre-commit` tool, in a temporary git repository: a commit
that adds a denied model is blocked with the reason, an allowed one goes through.

The hook repository is a snapshot of this working tree committed into a temporary repo (the
lead commits, so the tree has uncommitted files; `pre-commit try-repo` would see only tracked
ones). pre-commit builds the hook's virtualenv from it once per session: that needs PyPI (or
the configured index), so these tests are marked slow.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_lockfile import OFFLINE, card, licscan

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """stdout and stderr together (git hooks write to either)."""
    return subprocess.run(argv, cwd=cwd, env=dict(os.environ, **GIT_ENV, **(env or {})),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=900, check=False)


def git(cwd: Path, *args: str) -> str:
    done = run(["git", *args], cwd)
    assert done.returncode == 0, done.stdout
    return done.stdout.strip()


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This working tree (tracked and untracked, not ignored) committed into a temp repo."""
    if not PRE_COMMIT.exists() or shutil.which("git") is None:
        pytest.skip("pre-commit or git is not installed")
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO)
    assert listed.returncode == 0, listed.stdout
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot, git(snapshot, "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def product(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> Iterator[Path]:
    repo, rev = hook_repo
    root = tmp_path / "product"
    root.mkdir()
    git(root, "init", "-q")
    for name, license_id in (("mit-model", "mit"), ("nc-model", "cc-by-nc-4.0")):
        (root / "models" / name).mkdir(parents=True)
        (root / "models" / name / "README.md").write_text(card(license_id))
    (root / "models.yaml").write_text("models:\n  - path: models/mit-model\n")
    (root / "licscan.yaml").write_text("policy:\n  deny: [non-commercial]\n  allow: [MIT]\n")
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: licscan\n")
    installed = run([str(PRE_COMMIT), "install"], root, {"PRE_COMMIT_HOME": str(pre_commit_home)})
    assert installed.returncode == 0, installed.stdout
    assert licscan(root, "lock").returncode == 0
    yield root


def commit(root: Path, pre_commit_home: Path, message: str) -> subprocess.CompletedProcess[str]:
    git(root, "add", "-A")
    return run(["git", "commit", "-m", message], root,
               {"PRE_COMMIT_HOME": str(pre_commit_home), **OFFLINE})


def test_the_hook_blocks_a_denied_model_and_passes_an_allowed_one(
        product: Path, pre_commit_home: Path) -> None:
    allowed = commit(product, pre_commit_home, "add an MIT model")
    assert allowed.returncode == 0, allowed.stdout
    assert "licscan check" in allowed.stdout and "Passed" in allowed.stdout

    with (product / "models.yaml").open("a") as fh:
        fh.write("  - path: models/nc-model\n")
    unlocked = commit(product, pre_commit_home, "add a model without locking it")
    assert unlocked.returncode != 0
    assert "models.yaml:3: models/nc-model: not in licscan.lock (run licscan lock)" \
        in unlocked.stdout

    assert licscan(product, "lock").returncode == 0  # the lockfile records the deny verdict
    denied = commit(product, pre_commit_home, "add a non-commercial model")
    assert denied.returncode != 0
    assert ("models.yaml:3: models/nc-model: deny: CC-BY-NC-4.0 matches category "
            "non-commercial [policy:deny[0]]") in denied.stdout
    assert git(product, "log", "--format=%s") == "add an MIT model"


def test_the_hook_runs_on_every_commit_and_checks_what_is_committed(
        product: Path, pre_commit_home: Path) -> None:
    assert commit(product, pre_commit_home, "the product").returncode == 0
    (product / "README.md").write_text("hello\n")
    with (product / "models.yaml").open("a") as fh:
        fh.write("  - path: models/nc-model\n")  # not staged: pre-commit hides it
    git(product, "add", "README.md")
    done = run(["git", "commit", "-m", "docs only"], product,
               {"PRE_COMMIT_HOME": str(pre_commit_home), **OFFLINE})
    assert done.returncode == 0, done.stdout
    assert "licscan check" in done.stdout and "Passed" in done.stdout
    assert "no files to check" not in done.stdout


def test_the_hook_blocks_a_changed_local_model(product: Path, pre_commit_home: Path) -> None:
    """The model folder is listed in the manifest; only its card and LICENSE change."""
    first = commit(product, pre_commit_home, "an MIT model")
    assert first.returncode == 0, first.stdout
    model = product / "models" / "mit-model"
    (model / "README.md").write_text(card("cc-by-nc-4.0"))
    (model / "LICENSE").write_text("Attribution-NonCommercial 4.0 International, in our words\n")
    git(product, "add", "models/mit-model")
    done = run(["git", "commit", "-m", "relicense the model"], product,
               {"PRE_COMMIT_HOME": str(pre_commit_home), **OFFLINE})
    assert done.returncode != 0, done.stdout
    assert ("models.yaml:2: models/mit-model: changed since licscan.lock was written: "
            "LICENSE added; README.md changed (run licscan lock)") in done.stdout
    assert git(product, "log", "--format=%s") == "an MIT model"

    assert licscan(product, "lock").returncode == 0  # relocked: now the verdict is deny
    denied = commit(product, pre_commit_home, "relicense the model, locked")
    assert denied.returncode != 0
    assert "models.yaml:2: models/mit-model: deny: " in denied.stdout


def test_the_discover_hook_blocks_a_commit_that_uses_an_unlisted_model(
        tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    """The `licscan-discover` hook of .pre-commit-hooks.yaml, installed by pre-commit from
    the hook repository like a user's would be."""
    repo, rev = hook_repo
    root = tmp_path / "service"
    (root / "src").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "models.yaml").write_text("models:\n  - id: acme/encoder\n    revision: v2\n")
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: licscan-discover\n")
    env = {"PRE_COMMIT_HOME": str(pre_commit_home)}
    assert run([str(PRE_COMMIT), "install"], root, env).returncode == 0
    (root / "src" / "app.py").write_text(
        "from transformers import AutoModel\n"
        'encoder = AutoModel.from_pretrained("acme/encoder", revision="v2")\n')
    listed = commit(root, pre_commit_home, "use the listed encoder")
    assert listed.returncode == 0, listed.stdout
    assert "licscan discover --check" in listed.stdout and "Passed" in listed.stdout

    with (root / "src" / "app.py").open("a") as fh:
        fh.write('from vllm import LLM\nllm = LLM(model="acme/chat-8b")\n')
    unlisted = commit(root, pre_commit_home, "use an unlisted chat model")
    assert unlisted.returncode != 0, unlisted.stdout
    assert "src/app.py:4:17: acme/chat-8b: not listed in models.yaml (vllm-LLM)" \
        in unlisted.stdout
    assert "Failed" in unlisted.stdout
    assert git(root, "log", "--format=%s") == "use the listed encoder"

    with (root / "models.yaml").open("a") as fh:
        fh.write("  - id: acme/chat-8b\n")
    assert commit(root, pre_commit_home, "list the chat model").returncode == 0
