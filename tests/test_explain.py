"""`licscan rules show`: a rule's terms in plain words, with clause references."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from licscan.cli.rules import rules_group
from licscan.rulepack import Rule, RulePack, rule_from_mapping
from licscan.terms.plain import condition_text, duty_text, explain_rule
from licscan.terms.typed import Cite, Condition, Duty


def explain(pack: RulePack, rule_id: str) -> str:
    rule = pack.get(rule_id)
    assert rule is not None
    return explain_rule(rule, pack)


def line_with(text: str, needle: str) -> str:
    lines = [line for line in text.splitlines() if needle in line]
    assert lines, needle
    return lines[0]


def test_llama_3_2_explained(pack: RulePack) -> None:
    text = explain(pack, "llama3.2")
    threshold = line_with(text, "700,000,000 monthly active users")
    assert "(§2)" in threshold and "affiliates" in threshold and "2024-09-25" in threshold
    assert "separate license" in threshold and "measured once" in threshold
    prefix = line_with(text, "Begin the name")
    assert '"Llama"' in prefix and "(§1.b.i)" in prefix
    assert "(§1.b.i)" in line_with(text, "Built with Llama")
    policy = line_with(text, "Use policy:")
    assert "Llama 3.2 Acceptable Use Policy" in policy and "can change it" in policy
    regional = line_with(text, "Regional:")
    assert "EU" in regional and "multimodal" in regional
    assert "(§5.c)" in line_with(text, "Termination:")
    assert line_with(text, "Governing law:") == "Governing law: California, USA"
    assert "[unverified:" not in text  # every Llama 3.2 fact was read in the text


def test_policy_clause_shown_from_the_policy_rule(pack: RulePack) -> None:
    base = pack.get("llama3.2")
    assert base is not None
    trimmed = rule_from_mapping({**_raw(base), "terms": {
        k: v for k, v in base.terms.items() if k != "regional"}}, base.origin)
    text = explain_rule(trimmed, pack)
    assert "EU" in line_with(text, "Regional:")  # read from llama3.2-aup


def _raw(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "expression_id": rule.expression_id,
            "kind": rule.kind, "category": rule.category, "use_policy": rule.use_policy,
            "flags": rule.flags.__dict__, "sources": list(rule.sources)}


def test_unverified_facts_are_marked(pack: RulePack) -> None:
    text = explain(pack, "mistral-mnpl-0.1")
    assert "[unverified: secondary source]" in line_with(text, "Commercial use: prohibited")
    assert "[unverified: not found in the text]" in line_with(text, "Modification: unknown")
    assert "non-production" in line_with(text, "permitted:")


def test_rule_without_terms_says_it_is_derived(pack: RulePack) -> None:
    text = explain(pack, "unknown")
    assert "derived from the rule's flags" in text
    assert line_with(text, "Commercial use: unknown").endswith(
        "[unverified: derived from the rule's flags]")


def test_stability_revenue_and_display(pack: RulePack) -> None:
    text = explain(pack, "stability-ai-community")
    revenue = line_with(text, "USD 1,000,000 annual revenue")
    assert "license terminates" in revenue and "(§III)" in revenue
    assert "Powered by Stability AI" in text
    assert "stability.ai/community-license" in line_with(text, "registration with the licensor")


def test_terminal_control_characters_are_escaped(pack: RulePack) -> None:
    rule = rule_from_mapping({
        "id": "evil", "name": "Evil \x1b[2J License", "expression_id": "LicenseRef-evil",
        "kind": "license", "category": "unknown", "sources": [{"ref": "x", "confidence": "?"}],
        "flags": {"commercial_use": "unknown", "modification": "unknown",
                  "distribution": "unknown"}}, "evil.yaml")
    text = explain_rule(rule, pack)
    assert "\x1b" not in text and "\\x1b" in text


@pytest.mark.parametrize(("condition", "expected"), [
    (Condition("users_threshold", Cite("§2", "P"), "all_use", metric="monthly_active_users",
               threshold=700_000_000, measured="at_release", as_of="2024-07-23",
               affiliates=True),
     "fewer than 700,000,000 monthly active users (licensee and affiliates) on 2024-07-23"),
    (Condition("users_threshold", Cite("x", "P"), "commercial_use",
               metric="daily_active_users", threshold=1_000_000),
     "fewer than 1,000,000 daily active users"),
    (Condition("revenue_threshold", Cite("x", "P"), "commercial_use", amount=1_000_000,
               currency="USD", period="annual"), "fewer than USD 1,000,000 annual revenue"),
    (Condition("region", Cite("x", "P"), "all_use", regions=("EU", "UK")),
     "not established in EU, UK"),
    (Condition("registration", Cite("x", "P"), "commercial_use", url="https://r.example"),
     "registration with the licensor before commercial use (https://r.example)"),
])
def test_condition_text(condition: Condition, expected: str) -> None:
    assert condition_text(condition) == expected


@pytest.mark.parametrize(("duty", "expected"), [
    (Duty("display", Cite("x", "P"), text="Built with Llama"),
     'Display "Built with Llama" prominently with the product.'),
    (Duty("naming_prefix", Cite("x", "P"), prefix="Llama"),
     'Begin the name of any distributed model built with it with "Llama".'),
    (Duty("notice_text", Cite("x", "P"), text="Gemma is provided under the terms"),
     'Ship a "Notice" text file with: "Gemma is provided under the terms".'),
    (Duty("license_copy", Cite("x", "P")), "Give recipients a copy of the Test License."),
    (Duty("modification_notices", Cite("x", "P"), text="state the changes"),
     "Mark modified files with a prominent notice that you changed them: state the changes."),
    (Duty("something_new", Cite("x", "P")), "something_new"),
])
def test_duty_text(duty: Duty, expected: str) -> None:
    assert duty_text(duty, "Test License") == expected


@pytest.mark.parametrize(("name", "rule_id"), [
    ("llama3.2", "llama3.2"),  # rule id and Hub id
    ("LicenseRef-scancode-llama-3.2-license-2024", "llama3.2"),  # expression id
    ("stabilityai-ai-community", "stability-ai-community"),  # license_name
])
def test_rules_show_command(name: str, rule_id: str) -> None:
    result = CliRunner().invoke(rules_group, ["show", name])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{rule_id} — ")
    assert "Commercial use:" in result.output
