"""Conclusions, lineage and datasets over an in-memory source: no Hub, no double, no network.

The Hub double stays for the Hub source's own tests (test_lineage.py, test_scan_hub.py); these
pin down what lineage concludes from the snapshots it is given.
"""

from __future__ import annotations

from typing import Any

import pytest

from licscan.errors import SourceError
from licscan.lineage.related import UNRESOLVED_BASE_REF
from licscan.model import ModelResult
from licscan.scan import Scanner, ScanOptions
from licscan.sources.memory import MemorySource, hub_ref, hub_snapshot


def _model(repo_id: str, license: str, base: str | list[str] | None = None,
           relation: str | None = None, **card: Any) -> Any:
    data: dict[str, Any] = {"license": license, **card}
    if base is not None:
        data["base_model"] = base
    if relation is not None:
        data["base_model_relation"] = relation
    return hub_snapshot(repo_id, data)


def _scan(source: MemorySource, *ids: str, **options: Any) -> list[ModelResult]:
    scanner = Scanner(ScanOptions(jobs=4, **options), source=source)
    return list(scanner.scan([hub_ref(i) for i in ids]).models)


def _codes(model: ModelResult) -> list[str]:
    return [f.code for f in model.findings]


def test_a_fine_tune_of_a_non_commercial_base_inherits_its_terms() -> None:
    source = MemorySource([_model("acme/base", "cc-by-nc-4.0"),
                           _model("acme/tuned", "apache-2.0", "acme/base", "finetune")])
    model, = _scan(source, "acme/tuned")
    assert model.status == "ok"
    assert model.license is not None
    assert model.license.expression == "Apache-2.0 AND CC-BY-NC-4.0"
    assert model.flags.commercial_use == "prohibited"
    assert "lineage-license-conflict" in _codes(model)
    assert model.verdict == "deny"
    assert model.lineage is not None
    assert model.lineage.chain == "acme/tuned <-finetune- acme/base [CC-BY-NC-4.0]"
    assert [(i.rule, i.ancestor, i.relation) for i in model.lineage.inherited] == \
        [("cc-by-nc-4.0", "acme/base", "finetune")]


def test_a_permissive_base_adds_nothing() -> None:
    source = MemorySource([_model("acme/base", "mit"),
                           _model("acme/tuned", "apache-2.0", "acme/base", "finetune")])
    model, = _scan(source, "acme/tuned")
    assert model.license is not None and model.license.expression == "Apache-2.0"
    assert model.verdict == "allow"
    assert model.lineage is not None and model.lineage.inherited == ()


def test_a_chain_of_three_bases_passes_the_oldest_terms_down() -> None:
    source = MemorySource([
        _model("acme/root", "cc-by-nc-4.0"),
        _model("acme/mid", "apache-2.0", "acme/root", "finetune"),
        _model("acme/near", "apache-2.0", "acme/mid", "quantized"),
        _model("acme/leaf", "apache-2.0", "acme/near", "adapter")])
    model, = _scan(source, "acme/leaf")
    assert model.license is not None
    assert model.license.expression == "Apache-2.0 AND CC-BY-NC-4.0"
    assert model.lineage is not None
    assert model.lineage.chain.count("<-") == 3
    assert [i.ancestor for i in model.lineage.inherited] == ["acme/root"]
    assert model.verdict == "deny"
    assert all(source.count(hub_ref(r)) == 1 for r in ("acme/leaf", "acme/near", "acme/mid",
                                                          "acme/root"))


def test_the_depth_limit_stops_the_walk_and_says_so() -> None:
    source = MemorySource([
        _model("acme/root", "cc-by-nc-4.0"),
        _model("acme/mid", "apache-2.0", "acme/root"),
        _model("acme/leaf", "apache-2.0", "acme/mid")])
    model, = _scan(source, "acme/leaf", max_depth=1)
    assert source.count(hub_ref("acme/root")) == 0
    assert any(f.code == "lineage-unresolved" and "deeper than 1" in f.message
               for f in model.findings)


def test_a_cycle_ends_the_walk_without_an_unresolved_base() -> None:
    source = MemorySource([_model("acme/a", "apache-2.0", "acme/b"),
                           _model("acme/b", "apache-2.0", "acme/a")])
    model, = _scan(source, "acme/a")
    assert model.status == "ok"
    cycle = [f for f in model.findings if f.code == "lineage-unresolved"]
    assert len(cycle) == 1 and "cycle: acme/a -> acme/b -> acme/a" in cycle[0].message
    assert model.license is not None
    assert UNRESOLVED_BASE_REF not in (model.license.expression or "")
    assert source.count(hub_ref("acme/a")) == 1 and source.count(hub_ref("acme/b")) == 1


def test_a_missing_base_is_an_unresolved_base_in_the_expression() -> None:
    source = MemorySource([_model("acme/tuned", "mit", "acme/gone", "finetune")])
    model, = _scan(source, "acme/tuned")
    assert model.status == "ok"
    assert model.license is not None
    assert model.license.expression == f"MIT AND {UNRESOLVED_BASE_REF}acme-gone"
    unresolved = [f for f in model.findings if f.code == "lineage-unresolved"]
    assert len(unresolved) == 1 and "acme/gone" in unresolved[0].message
    assert "not in the memory source" in unresolved[0].message
    assert model.verdict != "allow"  # unknown terms never pass as allowed


def test_a_base_that_fails_to_fetch_is_unresolved_with_its_reason() -> None:
    source = MemorySource([_model("acme/tuned", "mit", "acme/locked")])
    source.fail(hub_ref("acme/locked"), SourceError("gated", "acme/locked is gated"))
    model, = _scan(source, "acme/tuned")
    assert any(f.code == "lineage-unresolved" and "acme/locked is gated" in f.message
               for f in model.findings)
    assert model.verdict != "allow"


def test_datasets_are_fetched_as_datasets_and_reported() -> None:
    source = MemorySource([
        _model("acme/tuned", "mit", datasets=["acme/nc-data", "acme/free-data", "acme/gone"]),
        hub_snapshot("acme/nc-data", {"license": "cc-by-nc-4.0"}, repo_type="dataset"),
        hub_snapshot("acme/free-data", {"license": "cc-by-4.0"}, repo_type="dataset"),
        _model("acme/gone", "mit")])  # a model of that name is not the dataset
    model, = _scan(source, "acme/tuned")
    rows = {row.id: row for row in model.datasets}
    assert list(rows) == ["acme/nc-data", "acme/free-data", "acme/gone"]
    assert rows["acme/nc-data"].license == "CC-BY-NC-4.0"
    assert rows["acme/nc-data"].commercial_use == "prohibited"
    assert rows["acme/free-data"].status == "ok"
    assert rows["acme/gone"].status == "error"
    messages = [f.message for f in model.findings if f.code.startswith("dataset-")]
    assert any("acme/nc-data" in m and "commercial" in m for m in messages)
    assert any("acme/gone" in m for m in messages)
    assert not any("acme/free-data" in m for m in messages)
    assert source.count(hub_ref("acme/nc-data", repo_type="dataset")) == 1
    assert source.count(hub_ref("acme/gone")) == 0


@pytest.mark.parametrize(("options", "expression"), [
    ({"lineage": False}, "Apache-2.0"),  # not asked for: the card's own license
    ({"max_depth": 0}, f"Apache-2.0 AND {UNRESOLVED_BASE_REF}acme-base"),  # cut: not read
])
def test_no_lineage_fetches_no_base(options: dict[str, Any], expression: str) -> None:
    source = MemorySource([_model("acme/base", "cc-by-nc-4.0"),
                           _model("acme/tuned", "apache-2.0", "acme/base")])
    model, = _scan(source, "acme/tuned", **options)
    assert source.count(hub_ref("acme/base")) == 0
    assert model.license is not None and model.license.expression == expression


def test_no_datasets_fetches_no_dataset() -> None:
    source = MemorySource([_model("acme/tuned", "mit", datasets=["acme/data"])])
    model, = _scan(source, "acme/tuned", datasets=False)
    assert source.count(hub_ref("acme/data", repo_type="dataset")) == 0
    assert model.datasets == ()


def test_a_hundred_fine_tunes_fetch_their_base_and_dataset_once() -> None:
    tunes = [f"acme/tune-{i:03d}" for i in range(100)]
    source = MemorySource([
        _model("acme/base", "cc-by-nc-4.0", "acme/root"),
        _model("acme/root", "mit"),
        hub_snapshot("acme/data", {"license": "cc-by-4.0"}, repo_type="dataset"),
        *(_model(t, "apache-2.0", "acme/base", "finetune", datasets=["acme/data"])
          for t in tunes)])
    models = _scan(source, *tunes)
    assert [m.id for m in models] == tunes
    assert all(m.license is not None and m.license.expression == "Apache-2.0 AND CC-BY-NC-4.0"
               for m in models)
    assert source.count(hub_ref("acme/base")) == 1
    assert source.count(hub_ref("acme/root")) == 1
    assert source.count(hub_ref("acme/data", repo_type="dataset")) == 1
    assert sum(source.fetches.values()) == 103


def test_a_base_also_named_on_the_command_line_is_fetched_once() -> None:
    source = MemorySource([_model("acme/base", "cc-by-nc-4.0"),
                           _model("acme/tuned", "apache-2.0", "acme/base")])
    tuned, base = _scan(source, "acme/tuned", "acme/base")
    assert base.license is not None and base.license.expression == "CC-BY-NC-4.0"
    assert tuned.license is not None and "CC-BY-NC-4.0" in (tuned.license.expression or "")
    assert dict(source.fetches) == {("model", "acme/tuned", None): 1,
                                    ("model", "acme/base", None): 1}


def test_one_models_error_does_not_stop_the_others() -> None:
    source = MemorySource([_model("acme/one", "mit"), _model("acme/three", "apache-2.0")])
    source.fail(hub_ref("acme/two"), SourceError("timeout", "the Hub did not answer"))
    one, two, three, four = _scan(source, "acme/one", "acme/two", "acme/three", "acme/four")
    assert (one.status, three.status) == ("ok", "ok")
    assert two.status == "error" and two.error is not None
    assert (two.error.kind, two.error.message) == ("timeout", "the Hub did not answer")
    assert four.error is not None and four.error.kind == "not-found"
    assert two.verdict == "review" and four.verdict == "review"  # unknown is never allow


def test_a_dataset_value_that_is_no_repo_id_is_an_unresolved_row() -> None:
    source = MemorySource([_model("acme/tuned", "mit", datasets=["not a repo id"])])
    model, = _scan(source, "acme/tuned")
    assert [(r.id, r.status, r.reason) for r in model.datasets] == \
        [("not a repo id", "error", "invalid id")]
    assert "dataset-unresolved" in _codes(model)
    assert sum(source.fetches.values()) == 1


def test_the_walk_asks_for_bases_level_by_level_then_datasets_and_does_no_io() -> None:
    """resolve_related is driven by whoever holds the results: here a dict, no scanner."""
    from licscan.lineage.related import Related, resolve_related

    source = MemorySource([
        _model("acme/root", "cc-by-nc-4.0"),
        _model("acme/mid", "apache-2.0", "acme/root", "finetune"),
        _model("acme/leaf", "apache-2.0", "acme/mid", "finetune", datasets=["acme/data"]),
        hub_snapshot("acme/data", {"license": "cc-by-4.0"}, repo_type="dataset")])
    scanner = Scanner(ScanOptions(jobs=1), source=source)
    refs = [hub_ref("acme/leaf"), hub_ref("acme/mid"), hub_ref("acme/root"),
            hub_ref("acme/data", repo_type="dataset")]
    concluded = scanner.fetch_all(refs)  # each concluded on its own, no lineage applied
    by_id = {r.repo_id: m for r, m in zip(refs, concluded, strict=True)}
    leaf = by_id["acme/leaf"]
    assert leaf.license is not None and leaf.license.expression == "Apache-2.0"
    asked: list[list[tuple[str, str | None]]] = []
    walk = resolve_related([leaf], scanner.pack, Related())
    try:
        wanted = next(walk)
        while True:
            asked.append([(r.repo_type, r.repo_id) for r in wanted])
            wanted = walk.send([by_id[r.repo_id or ""] for r in wanted])
    except StopIteration as end:
        models: list[ModelResult] = end.value
    assert asked == [[("model", "acme/mid")], [("model", "acme/root")],
                     [("dataset", "acme/data")]]
    assert models[0].license is not None
    assert models[0].license.expression == "Apache-2.0 AND CC-BY-NC-4.0"
    assert [r.id for r in models[0].datasets] == ["acme/data"]


def test_a_dataset_with_the_base_id_in_the_scan_is_not_the_base() -> None:
    source = MemorySource([_model("acme/base", "cc-by-nc-4.0"),
                           hub_snapshot("acme/base", {"license": "mit"}, repo_type="dataset"),
                           _model("acme/tuned", "mit", "acme/base", "finetune")])
    scanner = Scanner(ScanOptions(jobs=4), source=source)
    models = scanner.scan([hub_ref("acme/base", repo_type="dataset"),
                           hub_ref("acme/tuned")]).models
    tuned = models[1]
    assert tuned.license is not None
    assert tuned.license.expression == "MIT AND CC-BY-NC-4.0"
    assert tuned.verdict == "deny"


def test_an_undetermined_base_is_an_unknown_part_of_its_fine_tune() -> None:
    source = MemorySource([hub_snapshot("acme/base", {"license": "other"}),
                           _model("acme/tuned", "mit", "acme/base", "finetune")])
    model, = _scan(source, "acme/tuned")
    assert model.license is not None
    assert model.license.expression == f"MIT AND {UNRESOLVED_BASE_REF}acme-base"
    assert "lineage-unresolved" in _codes(model)
    assert model.verdict != "allow"


def test_custom_terms_of_a_grandparent_reach_the_grandchild() -> None:
    text = (b"This model is licensed under the Apache License 2.0, with the following "
            b"additional restriction: it may be used for non-commercial research purposes "
            b"only.\n")
    source = MemorySource([hub_snapshot("acme/base", {"license": "apache-2.0"},
                                        {"LICENSE": text}),
                           _model("acme/mid", "mit", "acme/base", "finetune"),
                           _model("acme/tuned", "mit", "acme/mid", "finetune")])
    base, tuned = _scan(source, "acme/base", "acme/tuned")
    assert base.license is not None and base.license.expression is not None
    custom = [p for p in base.license.expression.split(" AND ")
              if p.startswith("LicenseRef-licscan-custom-")]
    assert custom, base.license.expression
    assert tuned.license is not None and tuned.license.expression is not None
    assert custom[0] in tuned.license.expression.split(" AND ")
    assert "base-model-restricted" in _codes(tuned)
    assert tuned.verdict != "allow"
