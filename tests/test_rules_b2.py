"""Key facts of the model, data and use-policy licenses added in issue 11 (helper B2), checked
through the public API (pack lookup, typed terms, context evaluation). Each row was written from
the license text in ../shared/corpus, not from the rule file."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from licscan.rulepack import RulePack
from licscan.terms.context import Context
from licscan.terms.typed import Terms, terms_of


@dataclass(frozen=True)
class Fact:
    rule: str
    commercial: str  # terms.commercial_use.value
    basis: str | None = None
    kind: str = "license"
    duties: frozenset[str] = field(default_factory=frozenset)  # a subset of all duty types
    policy: str | None = None  # rule id of the incorporated use policy
    supersedes: str | None = None
    termination: frozenset[str] = field(default_factory=frozenset)
    law: str | None = None  # a word the governing law must contain ("" = none stated)
    changes: bool | None = None  # the licensor may change the agreement unilaterally


FACTS = [
    # FAIR NC 2025 texts: research only, derivatives under the same agreement, AUP in the file
    Fact("fair-noncommercial-research-2025-04-10", "prohibited", "research_only",
         duties=frozenset({"same_license", "acknowledge_in_publications"}), policy="fair-aup",
         supersedes="fair-noncommercial-research", termination=frozenset({"ip_suit"}),
         law="California", changes=True),
    Fact("fair-noncommercial-research-2025-04-17", "prohibited", "research_only",
         policy="fair-aup", supersedes="fair-noncommercial-research-2025-04-10", changes=True),
    # SAM 3 / DINOv3: commercial use allowed; share only under the agreement
    Fact("sam-2025-11-19", "allowed", duties=frozenset({"same_license", "license_copy",
                                                        "acknowledge_in_publications"}),
         termination=frozenset({"ip_suit", "breach"}), law="California", changes=True),
    Fact("dinov3-2025-08-19", "allowed", duties=frozenset({"same_license"}), changes=True),
    # Seamless: noncommercial research, outputs included; its own AUP
    Fact("seamless", "prohibited", "research_only",
         duties=frozenset({"notice_text", "acknowledge_in_publications"}), policy="seamless-aup",
         changes=True),
    # OPT-175B and SDXL 0.9: the LLaMA 1 / DeepFloyd template, research only, revocable at will
    Fact("opt-175b", "prohibited", "research_only", duties=frozenset({"notice_text"}),
         termination=frozenset({"breach", "at_will"}), law="San Mateo", changes=False),
    Fact("sdxl-0.9-research", "prohibited", "research_only", duties=frozenset({"notice_text"}),
         termination=frozenset({"at_will"}), law="California"),
    # Stability non-commercial texts
    Fact("stability-ai-nc-research-2023-11-28", "prohibited", "non_commercial",
         duties=frozenset({"notice_text", "modification_notices"}), law=""),
    Fact("stability-ai-nc-community-2024-03-18", "prohibited", "non_commercial",
         supersedes="stability-ai-nc-research", law="California"),
    Fact("stable-video-diffusion-nc-2023-11-21", "prohibited", "non_production",
         duties=frozenset({"notice_text"}), law=""),
    # OpenRAIL++-M 2023: commercial use allowed, restrictions passed down
    Fact("creativeml-openrail++-m-2023-07-26", "allowed", duties=frozenset({"pass_restrictions"}),
         supersedes="creativeml-openrail++-m"),
    Fact("microsoft-research-license-terms", "prohibited", "research_only"),
    Fact("nvidia-source-code-license-nc", "prohibited", "non_commercial",
         duties=frozenset({"license_copy", "keep_notices"}),
         termination=frozenset({"patent_suit", "breach"})),
    Fact("deepfloyd-if-code", "allowed", duties=frozenset({"pass_restrictions", "keep_notices"})),
    Fact("fair-ai-public-1.0", "allowed", duties=frozenset({"same_license", "license_copy"})),
    Fact("fair-ai-public-1.0-sd", "allowed",
         duties=frozenset({"same_license", "pass_restrictions"})),
    Fact("ltxv-owl-2025-04-17", "conditional", duties=frozenset({"pass_restrictions"}),
         law="New York"),
    Fact("ltxv-owl-2025-05-05", "conditional", supersedes="ltxv-owl-2025-04-17"),
    Fact("open-aleph-1.0", "prohibited", "non_commercial", duties=frozenset({"same_license"})),
    Fact("open-weights-permissive-1.0.0", "allowed", duties=frozenset({"license_copy"})),
    Fact("playground-v2-community", "conditional", duties=frozenset({"notice_text"}),
         termination=frozenset({"ip_suit"})),
    Fact("soml-1.0", "conditional", duties=frozenset({"same_license"}),
         termination=frozenset({"patent_suit"})),
    Fact("responsible-ai-source-1.0", "allowed", duties=frozenset({"license_copy"})),
    Fact("responsible-ai-source-1.1", "allowed", duties=frozenset({"pass_restrictions"}),
         supersedes="responsible-ai-source-1.0"),
    Fact("nvidia-model-training-2025", "allowed", termination=frozenset({"at_will"}),
         law="Delaware"),
    Fact("mdl-2021", "conditional", duties=frozenset({"same_license"})),
    Fact("gemma-2024-02-21", "allowed", duties=frozenset({"pass_restrictions", "notice_text"}),
         policy="gemma-pup-2024-02-21", law="California"),
    Fact("nvidia-open-model-2025-10-24", "allowed", duties=frozenset({"notice_text"}),
         supersedes="nvidia-open-model-2025-04-28",
         termination=frozenset({"guardrail_bypass"}), law="Delaware"),
    # use policies and the Salesforce disclaimer
    Fact("chameleon-aup", "allowed", kind="use-policy", changes=False),
    Fact("seamless-aup", "allowed", kind="use-policy"),
    Fact("gpt-oss-usage-policy", "allowed", kind="use-policy"),
    Fact("salesforce-ai-aup-2025", "allowed", kind="use-policy", changes=False),
    Fact("salesforce-ai-ethics-2025", "unknown", kind="use-policy",
         policy="salesforce-ai-aup-2025"),
]


def _terms(pack: RulePack, rule_id: str) -> Terms:
    rule = pack.get(rule_id)
    assert rule is not None, rule_id
    return terms_of(rule)


def _duties(terms: Terms) -> set[str]:
    return {d.type for d in (*terms.modification.duties, *terms.distribution.duties)}


@pytest.mark.parametrize("fact", FACTS, ids=[f.rule for f in FACTS])
def test_key_facts(pack: RulePack, fact: Fact) -> None:
    rule = pack.get(fact.rule)
    assert rule is not None and not rule.derived
    assert rule.kind == fact.kind
    terms = terms_of(rule)
    assert not terms.derived_from_flags
    assert terms.commercial_use.value == fact.commercial == rule.flags.commercial_use
    assert terms.commercial_use.basis == fact.basis
    assert fact.duties <= _duties(terms), _duties(terms)
    if fact.policy:
        assert rule.use_policy == fact.policy or (
            terms.acceptable_use_policy is not None
            and terms.acceptable_use_policy.rule == fact.policy)
        assert pack.get(fact.policy) is not None
    assert rule.supersedes == fact.supersedes or fact.supersedes is None
    assert fact.termination <= {t.trigger for t in terms.termination}
    if fact.law is not None:
        assert (terms.governing_law or "") == "" if fact.law == "" else \
            fact.law in (terms.governing_law or "")
    if fact.changes is not None:
        agreement = terms.unilateral_changes.agreement if terms.unilateral_changes else False
        assert agreement is fact.changes
    # every fact was read in the primary text and cites its clause
    assert rule.sources[0]["confidence"] == "P"
    assert terms.commercial_use.cite.confidence == "P" and terms.commercial_use.cite.clause


def test_every_b2_rule_is_tested() -> None:
    from tests.test_rulepack import new_rule_rows

    owned = {rid for _file, rids, owner in new_rule_rows() if owner == "B2" for rid in rids}
    assert owned <= {f.rule for f in FACTS} | {"fair-aup"}


def test_thresholds_are_typed(pack: RulePack) -> None:
    (revenue,) = _terms(pack, "ltxv-owl-2025-05-05").commercial_use.conditions
    assert (revenue.type, revenue.amount, revenue.currency, revenue.period) == \
        ("revenue_threshold", 10_000_000, "USD", "annual")
    assert revenue.exceeded == "separate_license_required"
    (users,) = _terms(pack, "playground-v2-community").commercial_use.conditions
    assert (users.type, users.threshold, users.metric, users.affiliates) == \
        ("users_threshold", 1_000_000, "monthly_active_users", True)
    (hosted,) = _terms(pack, "stability-ai-nc-community-2024-03-18").commercial_use.conditions
    assert hosted.type == "hosted_service" and hosted.applies_to == "all_use"


def test_outputs_and_hosting(pack: RulePack) -> None:
    playground = _terms(pack, "playground-v2-community").outputs
    assert playground is not None and playground.training_other_models == "prohibited"
    seamless = _terms(pack, "seamless").outputs
    assert seamless is not None and seamless.commercial_use == "prohibited"
    ltxv = _terms(pack, "ltxv-owl-2025-04-17")
    assert ltxv.distribution.hosted_service_is_distribution is True
    assert ltxv.unilateral_changes is not None and ltxv.unilateral_changes.remote_restriction
    assert _terms(pack, "microsoft-research-license-terms").distribution.value == "prohibited"
    assert _terms(pack, "nvidia-model-training-2025").distribution.value == "prohibited"


def test_notice_texts_name_their_own_license(pack: RulePack) -> None:
    expected = {"opt-175b": "OPT-175B is licensed under the OPT-175B license",
                "sdxl-0.9-research": "SDXL 0.9 is licensed under the SDXL Research License",
                "stable-video-diffusion-nc-2023-11-21": "Stable Video Diffusion is licensed",
                "seamless": "Seamless is licensed under the Seamless Licensing Agreement",
                "playground-v2-community": "Playground v2 is licensed"}
    for rule_id, start in expected.items():
        texts = [d.text or "" for d in _terms(pack, rule_id).distribution.duties
                 if d.type == "notice_text"]
        assert any(t.startswith(start) for t in texts), (rule_id, texts)


def test_context_answers(pack: RulePack) -> None:
    from licscan.terms.in_context import evaluate_model

    def answer(rule_id: str, context: Context) -> str:
        rule = pack.get(rule_id)
        assert rule is not None
        value = evaluate_model([rule], pack, context).commercial_use
        assert isinstance(value, str)
        return value

    commercial = Context(use="commercial")
    assert answer("opt-175b", commercial) == "prohibited"
    assert answer("opt-175b", Context(use="research")) == "allowed"
    assert answer("sam-2025-11-19", commercial) == "allowed"
    assert answer("ltxv-owl-2025-05-05", Context(use="commercial",
                                                 annual_revenue_usd=50_000_000)) == "prohibited"
    assert answer("ltxv-owl-2025-05-05", Context(use="commercial",
                                                 annual_revenue_usd=2_000_000)) == "allowed"
    assert answer("playground-v2-community", Context(use="commercial",
                                                     monthly_active_users=10_000)) == "allowed"
    assert answer("stability-ai-nc-community-2024-03-18",
                  Context(use="research", distribution="hosted")) == "prohibited"
