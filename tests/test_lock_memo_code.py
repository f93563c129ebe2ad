"""A lockfile entry remembered as verified is believed only by the code that verified it:
the memo key carries a digest of licscan's modules (an upgrade, or an edited checkout whose
version did not change, concludes again)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from licscan.lock import verify

REPO = Path(__file__).resolve().parent.parent


def _digest(tree: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from licscan.lock.verify import code_digest; "
                               "print(code_digest())"],
        env=dict(os.environ, PYTHONPATH=str(tree)), cwd=tree, capture_output=True, text=True,
        check=True, timeout=60)
    assert done.stdout.strip(), done.stderr
    return done.stdout.strip()


def test_the_code_digest_follows_an_edit_of_any_module(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(REPO / "licscan", tree / "licscan",
                    ignore=shutil.ignore_patterns("__pycache__"))
    probe = subprocess.run([sys.executable, "-c", "import licscan; print(licscan.__file__)"],
                           env=dict(os.environ, PYTHONPATH=str(tree)), cwd=tree,
                           capture_output=True, text=True, check=True, timeout=60)
    assert probe.stdout.strip().startswith(str(tree))  # the copy, not the checkout
    before = _digest(tree)
    assert before == _digest(tree)  # stable
    module = tree / "licscan" / "conclude.py"
    stat = module.stat()
    with module.open("a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time, other size
    edited = _digest(tree)
    assert edited != before
    time.sleep(0.01)
    module.touch()  # the same size, another time
    assert _digest(tree) not in (before, edited)


def test_the_memo_key_carries_the_code_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = {"id": "models/a", "license": "MIT"}
    key = verify.memo_key(raw, "sha256:pack", "ctx")
    assert key == verify.memo_key(raw, "sha256:pack", "ctx")
    monkeypatch.setattr(verify, "code_digest", lambda: "other code")
    assert verify.memo_key(raw, "sha256:pack", "ctx") != key
