"""Applying a model's lineage walks its tree of bases once: the ancestors read, and the bases
that could not be followed, are each collected once and shared by the findings, the unknown
terms and the expression."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from licscan.lineage import related
from licscan.lineage.related import UNRESOLVED_BASE_REF
from licscan.scan import Scanner, ScanOptions
from licscan.sources.memory import MemorySource, hub_ref, hub_snapshot


def _count(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    real: Callable[..., Any] = getattr(related, name)

    def wrapper(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(related, name, wrapper)
    return calls


def test_each_models_tree_is_walked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    source = MemorySource([
        hub_snapshot("acme/tuned", {"license": "mit", "base_model": ["acme/mid", "acme/gone"]}),
        hub_snapshot("acme/mid", {"license": "other", "base_model": "acme/root"}),
        hub_snapshot("acme/root", {"license": "cc-by-nc-4.0"})])
    walked, unresolved = _count(monkeypatch, "ancestors"), _count(monkeypatch, "_unresolved")
    model, = Scanner(ScanOptions(jobs=2), source=source).scan([hub_ref("acme/tuned")]).models
    assert (len(walked), len(unresolved)) == (1, 1)
    assert model.license is not None and model.license.expression is not None
    parts = model.license.expression.split(" AND ")
    # what each use of the walk gives, all still there: root's terms, the undetermined mid,
    # the missing base
    assert {"MIT", "CC-BY-NC-4.0", f"{UNRESOLVED_BASE_REF}acme-mid",
            f"{UNRESOLVED_BASE_REF}acme-gone"} <= set(parts)
    messages = [f.message for f in model.findings if f.code == "lineage-unresolved"]
    assert any("acme/gone" in m for m in messages)
    assert any("acme/mid: no license could be determined" in m for m in messages)
