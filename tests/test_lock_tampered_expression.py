"""A lockfile's license field is anyone's text: whatever is written there, `licscan check`
refuses the lockfile (exit 2) and never crashes (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from licscan.policy.expr import MAX_DEPTH, parsed
from tests.test_lockfile import licscan, local_project


def _locked(tmp_path: Path) -> tuple[Path, dict[str, Any], dict[str, str]]:
    root = local_project(tmp_path / "repo", {"a": "mit"})
    env = {"LICSCAN_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    done = licscan(root, "lock", env=env)
    assert done.returncode == 0, done.stderr
    return root, json.loads((root / "licscan.lock").read_text()), env


@pytest.mark.parametrize("license_text", [
    "(" * 500 + "MIT" + ")" * 500,
    "(" * (MAX_DEPTH + 1) + "MIT" + ")" * (MAX_DEPTH + 1),
    "MIT OR (",
])
def test_a_malformed_license_in_the_lockfile_is_refused_not_a_crash(
        tmp_path: Path, license_text: str) -> None:
    root, lock, env = _locked(tmp_path)
    entries = lock.get("models") or lock.get("entries")
    entries[0]["license"] = license_text
    (root / "licscan.lock").write_text(json.dumps(lock))
    done = licscan(root, "check", env=env)
    assert done.returncode == 2, (done.returncode, done.stderr[-400:])
    assert "Traceback" not in done.stderr


def test_nesting_up_to_the_cap_is_still_an_expression() -> None:
    assert parsed("(" * MAX_DEPTH + "MIT" + ")" * MAX_DEPTH) is not None
    assert parsed("(" * (MAX_DEPTH + 1) + "MIT" + ")" * (MAX_DEPTH + 1)) is None
    assert parsed("(" * 2000 + "MIT" + ")" * 2000) is None
