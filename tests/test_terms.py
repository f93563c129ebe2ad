"""Typed terms: reading rule files into frozen dataclasses, and deriving them from flags."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from licscan.rulepack import TRI_STATES, Rule, RulePack, rule_from_mapping
from licscan.terms.typed import CONFIDENCES, FLAGS_CLAUSE, Cite, Terms, terms_of, to_plain


def make_rule(**overrides: Any) -> Rule:
    data: dict[str, Any] = {
        "id": "test-license", "name": "Test License", "expression_id": "LicenseRef-test",
        "kind": "license", "category": "non-commercial",
        "flags": {"commercial_use": "prohibited", "modification": "allowed",
                  "distribution": "conditional", "attribution": True, "share_alike": True,
                  "acceptable_use_policy": False},
        "sources": [{"ref": "test-source", "confidence": "P"}],
    }
    data.update(overrides)
    return rule_from_mapping(data, "test.yaml")


def all_cites(terms: Terms) -> list[Cite]:
    found: list[Cite] = []

    def walk(value: object) -> None:
        if isinstance(value, Cite):
            found.append(value)
        elif dataclasses.is_dataclass(value):
            for item in dataclasses.fields(value):
                walk(getattr(value, item.name))
        elif isinstance(value, tuple):
            for item in value:
                walk(item)

    walk(terms)
    return found


def test_llama_threshold_is_typed_with_its_citation(pack: RulePack) -> None:
    rule = pack.get("llama3.1")
    assert rule is not None
    terms = terms_of(rule)
    assert terms.commercial_use.value == "conditional"
    (threshold,) = terms.commercial_use.conditions
    assert threshold.type == "users_threshold"
    assert threshold.metric == "monthly_active_users"
    assert threshold.threshold == 700_000_000
    assert (threshold.measured, threshold.as_of, threshold.affiliates) == \
        ("at_release", "2024-07-23", True)
    assert threshold.applies_to == "all_use"
    assert threshold.exceeded == "separate_license_required"
    assert threshold.cite == Cite("§2", "P", rule.sources[0]["ref"])
    prefix = [d for d in terms.modification.duties if d.type == "naming_prefix"]
    assert [d.prefix for d in prefix] == ["Llama"]
    assert [d.text for d in terms.distribution.duties if d.type == "display"] == \
        ["Built with Llama"]
    assert terms.acceptable_use_policy is not None
    assert terms.acceptable_use_policy.rule == "llama3.1-aup"
    assert terms.acceptable_use_policy.updatable is True
    assert {t.trigger for t in terms.termination} == {"ip_suit", "breach"}
    assert terms.governing_law == "California, USA"
    assert not terms.derived_from_flags


def test_gemma_counts_distillation_and_hosting(pack: RulePack) -> None:
    rule = pack.get("gemma-2025-03-24")
    assert rule is not None
    terms = terms_of(rule)
    assert {"distillation", "synthetic_data"} <= set(terms.modification.derivative_includes)
    assert terms.distribution.hosted_service_is_distribution is True
    assert terms.outputs is not None and terms.outputs.training_other_models == "derivative"


def test_explicit_source_is_kept(pack: RulePack) -> None:
    rule = pack.get("llama3.2")
    assert rule is not None
    (regional,) = terms_of(rule).regional
    assert regional.cite.source.endswith("USE_POLICY.md")
    assert (regional.regions, regional.who, regional.models) == (("EU",), "developers",
                                                                 "multimodal")


def test_rule_without_terms_gets_terms_from_flags_marked_unknown() -> None:
    terms = terms_of(make_rule(use_policy="test-aup",
                               flags={"commercial_use": "prohibited", "modification": "allowed",
                                      "distribution": "conditional", "attribution": True,
                                      "share_alike": True, "acceptable_use_policy": True}))
    assert terms.derived_from_flags
    assert (terms.commercial_use.value, terms.modification.value, terms.distribution.value) == \
        ("prohibited", "allowed", "conditional")
    assert terms.commercial_use.basis == "non_commercial"  # from the category
    assert [d.type for d in terms.distribution.duties] == ["keep_notices"]
    assert [d.type for d in terms.modification.duties] == ["same_license"]
    assert terms.acceptable_use_policy is not None
    assert terms.acceptable_use_policy.rule == "test-aup"
    cites = all_cites(terms)
    assert cites and all(c.clause == FLAGS_CLAUSE and c.confidence == "?" for c in cites)
    assert all(not c.verified for c in cites)


def test_unknown_marker_is_unknown_everywhere(pack: RulePack) -> None:
    rule = pack.get("unknown")
    assert rule is not None
    terms = terms_of(rule)
    assert terms.derived_from_flags
    assert {terms.commercial_use.value, terms.modification.value, terms.distribution.value} == \
        {"unknown"}
    assert terms.commercial_use.basis is None


def test_malformed_terms_degrade_to_unknown_instead_of_failing() -> None:
    rule = make_rule(terms={
        "commercial_use": {"value": "maybe", "conditions": ["not a mapping",
                                                            {"threshold": "many"}]},
        "modification": "oops",
        "distribution": {"value": "allowed", "duties": [{"type": 3, "cite": "§1"}]},
        "regional": {"regions": "EU"},
        "termination": [None, {"trigger": "breach", "cite": {"clause": "§9",
                                                             "confidence": "certain"}}],
        "governing_law": ["x"],
    })
    terms = terms_of(rule)
    assert terms.commercial_use.value == "unknown"
    (condition,) = terms.commercial_use.conditions
    assert (condition.type, condition.threshold) == ("unknown", None)
    assert terms.modification.cite.clause == FLAGS_CLAUSE  # the broken part comes from flags
    assert terms.distribution.duties[0].type == "3"
    assert terms.distribution.duties[0].cite.confidence == "?"
    assert terms.regional == ()
    assert [(t.trigger, t.cite.confidence) for t in terms.termination] == [("breach", "?")]
    assert terms.governing_law is None


@pytest.mark.parametrize(("kind", "scope"), [
    ("region", "all_use"), ("hosted_service", "all_use"), ("registration", "commercial_use"),
    ("users_threshold", "commercial_use")])
def test_condition_scope_defaults_by_type(kind: str, scope: str) -> None:
    rule = make_rule(terms={"commercial_use": {"value": "conditional", "cite": {
        "clause": "§1", "confidence": "P"}, "conditions": [{"type": kind, "cite": {
            "clause": "§2", "confidence": "S"}}]}})
    (condition,) = terms_of(rule).commercial_use.conditions
    assert condition.applies_to == scope
    assert condition.cite == Cite("§2", "S", "test-source")


def test_terms_are_frozen(pack: RulePack) -> None:
    rule = pack.get("llama3.1")
    assert rule is not None
    terms = terms_of(rule)
    with pytest.raises(dataclasses.FrozenInstanceError):
        terms.commercial_use.value = "allowed"  # type: ignore[misc]


def test_every_rule_of_the_pack_reads_cleanly(pack: RulePack) -> None:
    for rule in pack.rules.values():
        terms = terms_of(rule)
        for value in (terms.commercial_use.value, terms.modification.value,
                      terms.distribution.value):
            assert value in TRI_STATES, rule.id
        assert terms.commercial_use.value == rule.flags.commercial_use, rule.id
        assert all(c.confidence in CONFIDENCES and c.clause for c in all_cites(terms)), rule.id
        assert all(c.type != "unknown" for c in terms.commercial_use.conditions), rule.id
        json.dumps(to_plain(terms))


def test_plain_form_is_json_ready_and_drops_missing_values(pack: RulePack) -> None:
    rule = pack.get("llama3.1")
    assert rule is not None
    plain = to_plain(terms_of(rule))
    condition = plain["commercial_use"]["conditions"][0]
    assert condition["threshold"] == 700_000_000 and "regions" not in condition
    assert "currency" not in condition  # None values are left out
    assert plain["unilateral_changes"]["agreement"] is False  # but False is a fact
    assert isinstance(plain["termination"], list)
    assert plain["derived_from_flags"] is False
    assert json.loads(json.dumps(plain)) == plain


def test_a_derived_rule_says_its_terms_are_category_defaults() -> None:
    derived = make_rule(derived=True, category="non-commercial")
    terms = terms_of(derived)
    assert terms.derived_from_flags and terms.derived_from_category == "non-commercial"
    assert terms.commercial_use.value == "prohibited"
    assert terms.commercial_use.basis == "non_commercial"
    assert all(c.clause == FLAGS_CLAUSE and c.confidence == "?" for c in all_cites(terms))
    assert to_plain(terms)["derived_from_category"] == "non-commercial"
    hand = terms_of(make_rule())
    assert hand.derived_from_category is None
    assert "derived_from_category" not in to_plain(hand)
    assert make_rule(derived="yes").derived is False  # only a real boolean marks a rule derived
