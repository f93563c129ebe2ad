"""Lineage and training data, through the Hub test double and the real client."""

from __future__ import annotations

import pytest

from licscan.lineage.tree import parents_of
from licscan.model import ModelResult
from licscan.scan import Scanner, ScanOptions
from licscan.sources.hub import HubSettings
from licscan.targets import parse_target
from tests.hubdouble import HubDouble, RepoSpec


def card(license_id: str, base: str | list[str] | None = None, relation: str | None = None,
         extra: str = "") -> dict[str, str]:
    lines = [f"license: {license_id}"]
    if isinstance(base, list):
        lines.append("base_model:")
        lines.extend(f"  - {b}" for b in base)
    elif base:
        lines.append(f"base_model: {base}")
    if relation:
        lines.append(f"base_model_relation: {relation}")
    return {"README.md": "---\n" + "\n".join(lines) + "\n" + extra + "---\n# m\n"}


def scan(hub: HubDouble, *targets: str, **options: object) -> dict[str, ModelResult]:
    settings = HubSettings(endpoint=hub.url, timeout=5, retries=0)
    scanner = Scanner(ScanOptions(jobs=8, hub=settings, **options))  # type: ignore[arg-type]
    result = scanner.scan([parse_target(t) for t in targets])
    return {m.id: m for m in result.models}


def codes(model: ModelResult) -> list[str]:
    return [f.code for f in model.findings]


def test_parents_of_card_and_tags() -> None:
    parents, invalid = parents_of({"base_model": ["a/b", "c/d", 3]})
    assert [(p.repo_id, p.relation) for p in parents] == [("a/b", "merge"), ("c/d", "merge")]
    assert invalid == ["3"]
    parents, _ = parents_of({}, ["base_model:quantized:google/gemma-2-2b", "license:gemma"])
    assert [(p.repo_id, p.relation) for p in parents] == [("google/gemma-2-2b", "quantized")]
    parents, invalid = parents_of({"base_model": "../../etc/passwd"})
    assert parents == [] and invalid == ["../../etc/passwd"]


def test_apache_finetune_of_llama(hub: HubDouble) -> None:
    hub.add_model(RepoSpec("meta-llama/Llama-3.1-8B", files=card("llama3.1")))
    hub.add_model(RepoSpec("acme/support-bot", files=card(
        "apache-2.0", "meta-llama/Llama-3.1-8B", "finetune")))
    model = scan(hub, "acme/support-bot")["acme/support-bot"]
    assert "lineage-license-conflict" in codes(model)
    assert "lineage-naming" in codes(model)
    assert model.flags.commercial_use == "conditional"
    assert model.license is not None
    assert "LicenseRef-scancode-llama-3.1-license-2024" in (model.license.expression or "")
    lineage = model.lineage
    assert lineage is not None
    assert lineage.parents[0].id == "meta-llama/Llama-3.1-8B"
    assert lineage.parents[0].relation == "finetune"
    assert lineage.inherited[0].rule == "llama3.1"
    assert "<-finetune- meta-llama/Llama-3.1-8B" in lineage.chain


def test_llama_named_derivative_has_no_naming_finding(hub: HubDouble) -> None:
    hub.add_model(RepoSpec("meta-llama/Llama-3.1-8B", files=card("llama3.1")))
    hub.add_model(RepoSpec("acme/Llama-3.1-support", files=card(
        "llama3.1", "meta-llama/Llama-3.1-8B", "finetune")))
    model = scan(hub, "acme/Llama-3.1-support")["acme/Llama-3.1-support"]
    assert "lineage-naming" not in codes(model)
    assert "lineage-license-conflict" not in codes(model)


def test_quantized_gemma_inherits_gemma(hub: HubDouble) -> None:
    hub.add_model(RepoSpec("google/gemma-2-2b", files=card("gemma")))
    hub.add_model(RepoSpec("acme/gemma-2-2b-q4", files=card(
        "mit", "google/gemma-2-2b", "quantized")))
    model = scan(hub, "acme/gemma-2-2b-q4")["acme/gemma-2-2b-q4"]
    assert model.license is not None and "LicenseRef-licscan-gemma" in model.license.expression
    assert model.flags.modification == "conditional"
    assert "lineage-restrictions-not-passed" in codes(model)


def test_lora_on_non_commercial_base(hub: HubDouble) -> None:
    hub.add_model(RepoSpec("lab/nc-base", files=card("cc-by-nc-4.0")))
    hub.add_model(RepoSpec("acme/lora", files=card("apache-2.0", "lab/nc-base", "adapter")))
    model = scan(hub, "acme/lora")["acme/lora"]
    assert model.flags.commercial_use == "prohibited"
    assert model.verdict == "deny"


def test_merge_combines_both_parents(hub: HubDouble) -> None:
    hub.add_model(RepoSpec("lab/a", files=card("llama3.1")))
    hub.add_model(RepoSpec("lab/b", files=card("cc-by-nc-4.0")))
    hub.add_model(RepoSpec("acme/merged", files=card("apache-2.0", ["lab/a", "lab/b"])))
    model = scan(hub, "acme/merged")["acme/merged"]
    assert model.license is not None
    expr = model.license.expression or ""
    assert "llama-3.1" in expr and "CC-BY-NC-4.0" in expr
    assert model.flags.commercial_use == "prohibited"
    assert model.lineage is not None
    assert [p.relation for p in model.lineage.parents] == ["merge", "merge"]


def test_cycle_missing_and_gated_parents(hub: HubDouble) -> None:
    hub.add_model(RepoSpec("loop/a", files=card("mit", "loop/b", "finetune")))
    hub.add_model(RepoSpec("loop/b", files=card("mit", "loop/a", "finetune")))
    hub.add_model(RepoSpec("acme/orphan", files=card("mit", "gone/base", "finetune")))
    hub.add_model(RepoSpec("meta-llama/Llama-3.2-1B", gated="manual", files=card("llama3.2")))
    hub.add_model(RepoSpec("acme/gated-child", files=card(
        "apache-2.0", "meta-llama/Llama-3.2-1B", "finetune")))
    models = scan(hub, "loop/a", "acme/orphan", "acme/gated-child")
    loop = models["loop/a"]
    assert any("cycle" in f.message for f in loop.findings if f.code == "lineage-unresolved")
    orphan = models["acme/orphan"]
    assert any("gone/base" in f.message for f in orphan.findings
               if f.code == "lineage-unresolved")
    assert orphan.lineage is not None and orphan.lineage.parents[0].status == "error"
    gated = models["acme/gated-child"]
    assert "lineage-license-conflict" in codes(gated)
    scanned = gated.lineage.parents[0].scanned if gated.lineage else None
    assert scanned is not None and scanned.gated == "manual"


def test_depth_limit(hub: HubDouble) -> None:
    for i in range(5):
        hub.add_model(RepoSpec(f"chain/m{i}", files=card("mit", f"chain/m{i + 1}", "finetune")))
    hub.add_model(RepoSpec("chain/m5", files=card("cc-by-nc-4.0")))
    model = scan(hub, "chain/m0", max_depth=3)["chain/m0"]
    assert any("deeper than 3" in f.message for f in model.findings)
    deep = scan(hub, "chain/m0")["chain/m0"]
    assert deep.flags.commercial_use == "prohibited"


def test_non_commercial_dataset(hub: HubDouble) -> None:
    hub.add_dataset(RepoSpec("lab/nc-data", files=card("cc-by-nc-4.0")))
    hub.add_dataset(RepoSpec("lab/open-data", files=card("cc-by-4.0")))
    hub.add_model(RepoSpec("acme/trained", files=card(
        "apache-2.0", extra="datasets:\n  - lab/nc-data\n  - lab/open-data\n  - lab/missing\n")))
    model = scan(hub, "acme/trained")["acme/trained"]
    rows = {r.id: r for r in model.datasets}
    assert rows["lab/nc-data"].license == "CC-BY-NC-4.0"
    assert rows["lab/open-data"].commercial_use == "allowed"
    assert rows["lab/missing"].status == "error"
    dataset_findings = [f for f in model.findings if f.code == "dataset-license"]
    assert len(dataset_findings) == 1 and "lab/nc-data" in dataset_findings[0].message
    assert dataset_findings[0].severity == "review"
    assert model.verdict == "review"


@pytest.mark.slow
def test_shared_base_fetched_once(hub: HubDouble) -> None:
    hub.add_model(RepoSpec("meta-llama/Llama-3.1-8B", files=card("llama3.1")))
    for i in range(10):
        hub.add_model(RepoSpec(f"mid/ft{i}", files=card(
            "llama3.1", "meta-llama/Llama-3.1-8B", "finetune")))
    targets = []
    for i in range(100):
        repo = f"leaf/Llama-q{i}"
        hub.add_model(RepoSpec(repo, files=card("llama3.1", f"mid/ft{i % 10}", "quantized")))
        targets.append(repo)
    hub.reset_log()
    models = scan(hub, *targets)
    assert all(m.status == "ok" for m in models.values())
    assert hub.count(repo_id="meta-llama/Llama-3.1-8B", kind="info") == 1
    assert all(hub.count(repo_id=f"mid/ft{i}", kind="info") == 1 for i in range(10))
    assert "lineage-license-conflict" not in codes(models["leaf/Llama-q0"])
