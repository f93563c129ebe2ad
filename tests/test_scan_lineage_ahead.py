"""Base models start fetching as soon as their child is read, not once a whole level is done:
a fine-tune's grandparent through a fast parent is fetched while a slow parent still loads.
Each repository is still fetched once per scan, the walk (`resolve_related`) still decides,
and the report is the same whatever order the fetches complete in."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from licscan.lineage.related import FetchPlan, Related
from licscan.model import ModelRef, ModelResult, Snapshot
from licscan.report.json_report import report_dict
from licscan.scan import Scanner, ScanOptions
from licscan.sources.base import ref_key
from licscan.sources.memory import MemorySource, hub_ref, hub_snapshot


def _model(repo_id: str, license: str, *bases: str, **card: Any) -> Snapshot:
    data: dict[str, Any] = {"license": license, **card}
    if bases:
        data["base_model"] = list(bases)
    return hub_snapshot(repo_id, data)


class Held:
    """Fetching `hold` waits (up to `timeout` seconds) until the fetch of `until` has started;
    every fetch start is recorded in order."""

    def __init__(self, inner: MemorySource, hold: str, until: str, timeout: float) -> None:
        self.inner, self.hold, self.until, self.timeout = inner, hold, until, timeout
        self.started: list[str] = []
        self.released: bool | None = None
        self._event = threading.Event()
        self._lock = threading.Lock()

    def fetch(self, ref: ModelRef) -> Snapshot:
        with self._lock:
            self.started.append(ref.display_id)
        if ref.display_id == self.until:
            self._event.set()
        if ref.display_id == self.hold:
            self.released = self._event.wait(self.timeout)
        return self.inner.fetch(ref)


def test_a_grandparent_is_fetched_while_the_other_parent_still_loads() -> None:
    """acme/slow can only finish once acme/grand (a level-2 base through acme/fast) has
    started: waiting for the whole first level would hold it to the timeout."""
    source = MemorySource([
        _model("acme/tuned", "mit", "acme/slow", "acme/fast"),
        _model("acme/slow", "apache-2.0"),
        _model("acme/fast", "apache-2.0", "acme/grand"),
        _model("acme/grand", "cc-by-nc-4.0")])
    held = Held(source, hold="acme/slow", until="acme/grand", timeout=5)
    model, = Scanner(ScanOptions(jobs=4), source=held).scan([hub_ref("acme/tuned")]).models
    assert held.released is True, held.started
    assert model.license is not None
    assert model.license.expression == "MIT AND CC-BY-NC-4.0"
    assert dict(source.fetches) == {ref_key(hub_ref(i)): 1 for i in
                                    ("acme/tuned", "acme/slow", "acme/fast", "acme/grand")}


def _concluded(source: MemorySource, *ids: str) -> dict[str, ModelResult]:
    """Each model concluded on its own (no lineage applied), by id."""
    scanner = Scanner(ScanOptions(jobs=1), source=source)
    refs = [hub_ref(i) for i in ids]
    return {r.display_id: m for r, m in zip(refs, scanner.fetch_all(refs), strict=True)}


# acme/top -> near -> x -> y, and acme/top -> far -> far2 -> x: x is two generations away
# through near, three through far; with max_depth 3 its base y is followed through near only.
GRAPH = [_model("acme/top", "mit", "acme/near", "acme/far", datasets=["acme/data"]),
         _model("acme/near", "apache-2.0", "acme/x"),
         _model("acme/far", "apache-2.0", "acme/far2"),
         _model("acme/far2", "apache-2.0", "acme/x"),
         _model("acme/x", "apache-2.0", "acme/y"),
         _model("acme/y", "cc-by-nc-4.0"),
         hub_snapshot("acme/data", {"license": "cc-by-4.0"}, repo_type="dataset")]


def test_the_plan_follows_a_base_again_when_a_nearer_chain_reaches_it() -> None:
    by_id = _concluded(MemorySource(GRAPH), "acme/top", "acme/near", "acme/far", "acme/far2",
                       "acme/x")
    plan = FetchPlan(Related(max_depth=3), {ref_key(hub_ref("acme/top"))})

    def after(repo_id: str) -> list[tuple[str | None, str | None]]:
        return [(r.repo_type, r.repo_id) for r in
                plan.after(ref_key(hub_ref(repo_id)), by_id[repo_id])]

    assert after("acme/top") == [("model", "acme/near"), ("model", "acme/far"),
                                 ("dataset", "acme/data")]
    assert after("acme/far") == [("model", "acme/far2")]
    assert after("acme/far2") == [("model", "acme/x")]  # three generations: the limit
    assert after("acme/x") == []  # y would be a fourth
    assert after("acme/near") == [("model", "acme/y")]  # x is two away through near
    assert after("acme/near") == []  # nothing new the second time


def test_the_plan_fetches_nothing_past_the_depth_limit_or_without_lineage() -> None:
    by_id = _concluded(MemorySource(GRAPH), "acme/top", "acme/near")
    top = {ref_key(hub_ref("acme/top"))}
    shallow = FetchPlan(Related(max_depth=1, datasets=False), top)
    assert [r.repo_id for r in shallow.after(ref_key(hub_ref("acme/top")), by_id["acme/top"])] \
        == ["acme/near", "acme/far"]
    assert shallow.after(ref_key(hub_ref("acme/near")), by_id["acme/near"]) == []
    none = FetchPlan(Related(lineage=False), top)
    assert [r.repo_id for r in none.after(ref_key(hub_ref("acme/top")), by_id["acme/top"])] \
        == ["acme/data"]


class Delayed:
    def __init__(self, inner: MemorySource, delays: dict[str, float]) -> None:
        self.inner, self.delays = inner, delays

    def fetch(self, ref: ModelRef) -> Snapshot:
        time.sleep(self.delays.get(ref.display_id, 0))
        return self.inner.fetch(ref)


def _report(delays: dict[str, float]) -> tuple[dict[str, Any], dict[Any, int]]:
    source = MemorySource(GRAPH)
    result = Scanner(ScanOptions(jobs=4, max_depth=3), source=Delayed(source, delays)).scan(
        [hub_ref("acme/top"), hub_ref("acme/far")])
    report = report_dict(result)
    report.pop("generated_at", None)
    report.pop("stats", None)
    return report, dict(source.fetches)


@pytest.mark.parametrize("delays", [
    {"acme/near": 0.2},  # x first reached three generations away, through far
    {"acme/far": 0.1, "acme/far2": 0.1, "acme/x": 0.2},
    {"acme/top": 0.2, "acme/y": 0.1},
], ids=["near-slow", "far-slow", "top-slow"])
def test_the_report_is_the_same_whatever_order_fetches_complete_in(
        delays: dict[str, float]) -> None:
    expected, fetched = _report({})
    assert _report(delays) == (expected, fetched)
    assert set(fetched.values()) == {1}  # each repository once
    top = expected["models"][0]
    assert "CC-BY-NC-4.0" in top["license"]["expression"].split(" AND ")  # y, through near
