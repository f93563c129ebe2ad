"""`licscan check` works out per run what does not change between entries: the context stage
and the policy that entries concluded again go through, each entry's supersession (asked by
`remembered` and by `available`) and memo key, and each expression's parse. In process, with
counters on the real objects; the verification itself is covered through the CLI elsewhere."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from licscan.config import load_config
from licscan.lock.file import LockEntry, compare, read_lock
from licscan.lock.verify import Verifier, memo_key
from licscan.model import ModelRef
from licscan.policy import expr as spdx
from licscan.rulepack import load_rulepack
from licscan.targets import load_manifest
from licscan.terms import context_result
from tests.test_lockfile import licscan, local_project

SHA = "a" * 40


class CountingCache:
    """A licscan cache that has seen every branch at another commit than the lockfile's."""

    def __init__(self) -> None:
        self.resolved: list[str] = []
        self.keys: list[str] = []
        self.recorded: set[str] = set()  # entries concluded here (memo keys)

    def resolve(self, ref: ModelRef) -> tuple[str, str]:
        self.resolved.append(ref.repo_id or "")
        return "b" * 40, "2026-12-01T00:00:00Z"

    def was_verified(self, key: str) -> bool:
        self.keys.append(key)
        return key in self.recorded

    def has_snapshot(self, ref: ModelRef, sha: str) -> bool:
        return False


def hub_entry(repo_id: str, related: list[dict[str, str]]) -> LockEntry:
    raw: dict[str, Any] = {"id": repo_id, "source": "hub", "requested_revision": "main",
                           "revision": SHA, "license": "MIT",
                           "evidence": {"related": related}}
    from licscan.lock.file import entry_from_dict

    return entry_from_dict(raw, "licscan.lock")


def test_supersession_and_the_memo_key_are_worked_out_once_per_entry(tmp_path: Path) -> None:
    cache = CountingCache()
    config = load_config(local_project(tmp_path / "repo", {}) / "licscan.yaml")
    verifier = Verifier(config, load_rulepack(()), cache, None,  # type: ignore[arg-type]
                        "sha256:pack", "sha256:context")
    entries = [hub_entry("acme/one", [{"repo_type": "model", "id": "acme/base",
                                       "revision": SHA}]),
               hub_entry("acme/two", [])]
    memo = {memo_key(entry.raw, "sha256:pack", "sha256:context") for entry in entries}
    cache.recorded |= memo
    for entry in entries:
        ref = ModelRef(kind="hub", target=entry.facts.id, repo_id=entry.facts.id,
                       revision="main")
        assert not verifier.remembered(ref, entry)  # the branch moved: not believed
        why = verifier.available(ref, entry)
        assert why is not None and "this machine last saw" in why
        assert verifier.verify(ref, entry).status == "unverified"
    # one resolution per commit the entry names (the model, its base), whoever asked first
    assert cache.resolved == ["acme/one", "acme/base", "acme/two"]
    assert sorted(key for key in cache.keys if key in memo) == sorted(memo)  # once each


def test_entries_concluded_again_share_one_context_stage(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = local_project(tmp_path / "repo", {"one": "mit", "two": "apache-2.0",
                                             "three": "cc-by-nc-4.0"})
    done = licscan(root, "lock", env={"HF_HUB_OFFLINE": "1",
                                      "LICSCAN_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stdout + done.stderr
    built: list[object] = []
    real = context_result.ContextStage

    class Counted(real):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(context_result, "ContextStage", Counted)
    monkeypatch.chdir(root)
    monkeypatch.setitem(os.environ, "HF_HUB_OFFLINE", "1")
    config = load_config(root / "licscan.yaml")
    pack = load_rulepack(config.rules)
    lock = read_lock(root / "licscan.lock", "licscan.lock")
    pairs, problems = compare(load_manifest("models.yaml"), lock, "models.yaml")
    assert problems == [] and len(pairs) == 3
    verifier = Verifier(config, pack, None, "not used here", pack.hash, lock.context_digest)
    outcomes = [verifier.verify(ref, entry).status for ref, entry in pairs]
    assert outcomes == ["verified"] * 3  # concluded again from the folders, as locked
    assert len(built) == 1


def test_an_expression_is_parsed_once_and_anything_else_is_no_expression() -> None:
    first = spdx.parsed("MIT AND (Apache-2.0 OR BSD-3-Clause)")
    assert first is spdx.parsed("MIT AND (Apache-2.0 OR BSD-3-Clause)")
    assert first == spdx.parse("MIT AND (Apache-2.0 OR BSD-3-Clause)")
    for nothing in (None, "", "MIT AND", ["MIT"], 3):
        assert spdx.parsed(nothing) is None
