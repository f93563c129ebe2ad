"""A scanned ModelResult is typed and immutable all the way down: what once travelled in an
untyped `extra` dict (card facts, notes, the evaluation in the context, the decision, lineage,
training datasets, waivers) is frozen dataclasses, tuples and read-only mappings. Models that
share a license share one evaluation, so nothing in it may be changed by one of them."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from licscan.config import load_config
from licscan.model import ModelResult
from licscan.report.json_report import model_dict
from licscan.scan import ScanOptions, configured_scanner
from licscan.sources.hub import HubSettings
from licscan.targets import parse_target
from tests.hubdouble import HubDouble, RepoSpec

TYPED = ("card", "notes", "evaluation", "decided_by", "waivers", "lineage", "datasets")


def _card(license_id: str, more: str = "") -> dict[str, str]:
    return {"README.md": f"---\nlicense: {license_id}\n{more}---\n# m\n"}


def _mutable(value: Any, path: str) -> list[str]:
    """The paths of every dict, list or set inside `value`."""
    if isinstance(value, dict | list | set):
        return [path]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [p for f in dataclasses.fields(value)
                for p in _mutable(getattr(value, f.name), f"{path}.{f.name}")]
    if isinstance(value, Mapping):
        return [p for key, item in value.items() for p in _mutable(item, f"{path}[{key!r}]")]
    if isinstance(value, tuple):
        return [p for index, item in enumerate(value) for p in _mutable(item, f"{path}[{index}]")]
    return []


@pytest.fixture()
def scanned(hub: HubDouble, tmp_path: Path) -> dict[str, ModelResult]:
    hub.add_model(RepoSpec("meta-llama/Llama-3.1-8B", files=_card("llama3.1")))
    hub.add_dataset(RepoSpec("lab/nc-data", files=_card("cc-by-nc-4.0")))
    child = ("base_model: meta-llama/Llama-3.1-8B\nbase_model_relation: finetune\n"
             "datasets:\n  - lab/nc-data\n  - lab/missing\npipeline_tag: text-generation\n")
    hub.add_model(RepoSpec("acme/bot", files=_card("apache-2.0", child)))
    hub.add_model(RepoSpec("acme/twin", files=_card("apache-2.0", child)))
    hub.add_model(RepoSpec("acme/either", files=_card("apache-2.0 OR cc-by-nc-4.0")))
    expires = (date.today() + timedelta(days=30)).isoformat()
    config = tmp_path / "licscan.yaml"
    config.write_text("context: {use: commercial, distribution: hosted, "
                      "monthly_active_users: 1000}\n"
                      "policy:\n  deny: [non-commercial]\n"
                      "waivers:\n  - model: acme/bot\n    reason: a commercial license\n"
                      f"    approved_by: legal@acme.example\n    expires: '{expires}'\n")
    options = ScanOptions(jobs=4, hub=HubSettings(endpoint=hub.url, timeout=5, retries=0,
                                                   use_cache=False))
    scanner, _ = configured_scanner(load_config(config), options)
    result = scanner.scan([parse_target(t) for t in ("acme/bot", "acme/twin", "acme/either")])
    return {m.id: m for m in result.models}


def test_the_typed_fields_hold_no_mutable_data(scanned: dict[str, ModelResult]) -> None:
    bot = scanned["acme/bot"]
    assert bot.status == "ok", bot.error
    # every part is there, so the walk below has something to look at
    assert bot.card.fields["base_model"] == "meta-llama/Llama-3.1-8B"
    assert bot.card.raw()["datasets"] == ["lab/nc-data", "lab/missing"]
    assert bot.card.declared_expression == "Apache-2.0"
    assert bot.lineage is not None and bot.lineage.inherited[0].rule == "llama3.1"
    assert [(d.id, d.status) for d in bot.datasets] == [("lab/nc-data", "ok"),
                                                        ("lab/missing", "error")]
    assert [w.status for w in bot.waivers] == ["applied"]
    assert bot.decided_by == "waiver:acme/bot"
    assert bot.evaluation is not None and bot.evaluation.listed
    assert bot.evaluation.answers and bot.evaluation.if_distributed  # hosted: waits to ship
    either = scanned["acme/either"].evaluation
    assert either is not None and either.chosen_branch == "Apache-2.0"
    assert either.duty_flags is not None
    for model in scanned.values():
        for name in TYPED:
            assert _mutable(getattr(model, name), name) == [], model.id


def test_models_with_one_license_share_an_evaluation_nobody_can_change(
        scanned: dict[str, ModelResult]) -> None:
    bot, twin = scanned["acme/bot"], scanned["acme/twin"]
    assert bot.evaluation is twin.evaluation
    assert bot.evaluation is not None
    with pytest.raises(TypeError):
        bot.evaluation.terms["apache-2.0"] = {}  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        bot.evaluation.obligations[0].text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        bot.card.fields["tags"] = ()  # type: ignore[index]


def test_the_json_is_built_from_the_typed_fields(scanned: dict[str, ModelResult]) -> None:
    out = json.loads(json.dumps(model_dict(scanned["acme/bot"])))
    assert out["decided_by"] == "waiver:acme/bot"
    assert out["declared"]["expression"] == "Apache-2.0"
    assert out["lineage"]["inherited"][0]["from"] == "meta-llama/Llama-3.1-8B"
    assert out["lineage"]["parents"][0]["id"] == "meta-llama/Llama-3.1-8B"
    assert out["datasets"][1] == {"id": "lab/missing", "status": "error",
                                  "reason": out["datasets"][1]["reason"]}
    assert out["waivers"][0]["approved_by"] == "legal@acme.example"
    assert {o["applies_when"] for o in out["obligations"]} >= {"if-distributed"}
    assert "chosen_branch" not in out
    either = json.loads(json.dumps(model_dict(scanned["acme/either"])))
    assert either["chosen_branch"] == "Apache-2.0"
    assert list(either).index("obligations") < list(either).index("chosen_branch")
