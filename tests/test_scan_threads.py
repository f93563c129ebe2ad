"""Threads only for I/O: a scan's worker threads fetch and do nothing else; conclusion,
identification, license expressions, lineage and the verdict run on the calling thread.

license-expression is not thread-safe (licscan/expression.py holds no lock): these tests are
what allow that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from licscan import expression, identify
from licscan import scan as scan_module
from licscan.errors import SourceError
from licscan.model import ModelRef, ModelResult, Snapshot
from licscan.scan import Scanner, ScanOptions
from licscan.sources.memory import MemorySource, hub_ref, hub_snapshot

MIT_TEXT = (b"Copyright (c) 2024 Acme\n\n"
            b"The weights in this repository are released under the MIT License.\n")


class Recording:
    """A source that records the thread of each fetch and can delay or break one ref."""

    def __init__(self, inner: MemorySource, delays: dict[str, float] | None = None,
                 broken: set[str] | None = None) -> None:
        self.inner = inner
        self.delays = delays or {}
        self.broken = broken or set()
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def fetch(self, ref: ModelRef) -> Snapshot:
        with self._lock:
            self.threads.append(threading.current_thread())
        time.sleep(self.delays.get(ref.display_id, 0))
        if ref.display_id in self.broken:
            raise RuntimeError("a bug in a source")
        return self.inner.fetch(ref)


def _source(count: int = 6) -> MemorySource:
    models = [hub_snapshot(f"acme/m{i}", {"license": "mit", "base_model": "acme/base",
                                          "datasets": ["acme/data"]},
                           {"LICENSE": MIT_TEXT}) for i in range(count)]
    return MemorySource([*models, hub_snapshot("acme/base", {"license": "apache-2.0"}),
                         hub_snapshot("acme/data", {"license": "cc-by-4.0"},
                                      repo_type="dataset")])


def _record(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str,
            seen: list[tuple[str, threading.Thread]]) -> None:
    real: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        seen.append((name, threading.current_thread()))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def test_workers_only_fetch_and_everything_else_runs_on_the_calling_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, threading.Thread]] = []
    _record(monkeypatch, scan_module, "conclude", seen)
    _record(monkeypatch, identify, "identify_bytes", seen)
    _record(monkeypatch, expression, "parse", seen)
    _record(monkeypatch, Scanner, "decide", seen)
    source = Recording(_source(), delays={"acme/m0": 0.05, "acme/base": 0.05})
    ticks: list[threading.Thread] = []
    scanner = Scanner(ScanOptions(jobs=4), source=source,
                      on_result=lambda _m: ticks.append(threading.current_thread()))
    result = scanner.scan([hub_ref(f"acme/m{i}") for i in range(6)])
    assert [m.status for m in result.models] == ["ok"] * 6
    assert result.models[0].license is not None
    assert result.models[0].license.expression == "MIT"
    main = threading.current_thread()
    assert {name for name, _t in seen} == {"conclude", "identify_bytes", "parse", "decide"}
    assert {t for _name, t in seen} == {main}
    assert len(ticks) == 6 and set(ticks) == {main}
    assert len(source.threads) == 8  # six models, their base and their dataset
    assert main not in source.threads
    assert all(t.name.startswith("licscan") for t in source.threads)


def test_fetches_run_concurrently() -> None:
    """Every fetch waits until four are in flight at once: one at a time, none would."""
    barrier = threading.Barrier(4, timeout=10)

    class Waiting(Recording):
        def fetch(self, ref: ModelRef) -> Snapshot:
            if ref.display_id.startswith("acme/m"):
                barrier.wait()
            return super().fetch(ref)

    result = Scanner(ScanOptions(jobs=4), source=Waiting(_source(4))).scan(
        [hub_ref(f"acme/m{i}") for i in range(4)])
    assert [m.status for m in result.models] == ["ok"] * 4


def test_output_order_is_the_input_order_and_ticks_come_as_fetches_finish() -> None:
    ids = [f"acme/m{i}" for i in range(6)]
    slow = {ids[0]: 0.3, ids[3]: 0.2}
    ticked: list[str] = []
    scanner = Scanner(ScanOptions(jobs=6), source=Recording(_source(), delays=slow),
                      on_result=lambda m: ticked.append(m.id))
    result = scanner.scan([hub_ref(i) for i in [*ids, ids[1]]])  # m1 listed twice
    assert [m.id for m in result.models] == [*ids, ids[1]]
    assert sorted(ticked) == sorted([*ids, ids[1]])
    assert ticked[-1] == ids[0] and ticked.index(ids[3]) > ticked.index(ids[2])


def test_a_source_bug_is_that_models_internal_error_only() -> None:
    source = Recording(_source(3), broken={"acme/m1"})
    result = Scanner(ScanOptions(jobs=2), source=source).scan(
        [hub_ref(f"acme/m{i}") for i in range(3)])
    first, broken, last = result.models
    assert (first.status, last.status) == ("ok", "ok")
    assert broken.status == "error" and broken.error is not None
    assert broken.error.kind == "internal" and "RuntimeError" in broken.error.message


def test_a_conclusion_bug_is_that_models_internal_error_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = getattr(scan_module, "conclude")  # noqa: B009 (not re-exported by licscan.scan)

    def conclude(snapshot: Snapshot, *args: Any) -> Any:
        if snapshot.ref.display_id == "acme/m2":
            raise ValueError("a bug in a conclusion")
        return real(snapshot, *args)

    monkeypatch.setattr(scan_module, "conclude", conclude)
    result = Scanner(ScanOptions(jobs=2), source=_source(4)).scan(
        [hub_ref(f"acme/m{i}") for i in range(4)])
    assert [m.status for m in result.models] == ["ok", "ok", "error", "ok"]
    assert result.models[2].error is not None
    assert "ValueError: a bug in a conclusion" in result.models[2].error.message


def test_each_license_file_is_identified_once_per_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, threading.Thread]] = []
    _record(monkeypatch, identify, "identify_bytes", seen)
    Scanner(ScanOptions(jobs=4), source=_source(6)).scan([hub_ref(f"acme/m{i}")
                                                         for i in range(6)])
    assert len(seen) == 1  # six copies of one LICENSE


def test_a_second_scan_fetches_again() -> None:
    source = _source(2)
    scanner = Scanner(ScanOptions(jobs=2), source=source)
    refs = [hub_ref("acme/m0"), hub_ref("acme/m1")]
    scanner.scan(refs)
    scanner.scan(refs)
    assert source.count(hub_ref("acme/m0")) == 2 and source.count(hub_ref("acme/base")) == 2


def test_failed_models_are_reported_after_the_others_on_the_calling_thread() -> None:
    ticks: list[tuple[str, threading.Thread]] = []
    scanner = Scanner(ScanOptions(jobs=2), source=_source(1),
                      on_result=lambda m: ticks.append((m.id, threading.current_thread())))
    broken = ModelRef(kind="ollama", target="ollama-store:broken", path="/nowhere")
    result = scanner.scan([hub_ref("acme/m0")],
                          [(broken, SourceError("bad-manifest", "not JSON"))])
    models: list[ModelResult] = list(result.models)
    assert [m.status for m in models] == ["ok", "error"]
    assert models[1].error is not None and models[1].error.kind == "bad-manifest"
    assert [t for _id, t in ticks] == [threading.current_thread()] * 2
