"""Conditional terms in a deployment context: answers, obligations, conditions, context files."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from licscan.errors import ConfigError
from licscan.model import thaw
from licscan.report.json_report import evaluation_fields
from licscan.rulepack import TRI_STATES, Rule, RulePack
from licscan.terms.context import Context, load_context, matching_regions
from licscan.terms.context_result import ContextResult, ContextStage
from licscan.terms.in_context import ModelEvaluation, evaluate_model, with_use_policies

REPO = Path(__file__).resolve().parent.parent


def rules(pack: RulePack, *ids: str) -> list[Rule]:
    found = [pack.get(rule_id) for rule_id in ids]
    assert all(found), ids
    return [r for r in found if r is not None]


def evaluate(pack: RulePack, ids: str | tuple[str, ...], context: Context | None,
             multimodal: bool | None = None) -> ModelEvaluation:
    return evaluate_model(rules(pack, *((ids,) if isinstance(ids, str) else ids)), pack, context,
                          multimodal=multimodal)


@dataclass(frozen=True)
class Case:
    name: str
    rules: str | tuple[str, ...]
    context: Context
    expected: str  # the combined commercial-use answer
    reason_has: tuple[str, ...] = ()  # in the reasons of the deciding answers
    multimodal: bool | None = None
    answers: dict[str, str] = field(default_factory=dict)  # term -> answer, where it matters


COMMERCIAL = Context(use="commercial")
CASES = [
    Case("llama 3.1 above 700M users", "llama3.1",
         Context(use="commercial", monthly_active_users=800_000_000), "prohibited",
         ("separate license", "measured once", "2024-07-23", "affiliates", "§2")),
    Case("llama 3.1 below the threshold", "llama3.1",
         Context(use="commercial", monthly_active_users=1_000_000, regions=("US",)), "allowed",
         ("1,000,000 monthly active users", "below the limit of 700,000,000")),
    Case("llama threshold binds every use, not only commercial", "llama3.1",
         Context(use="research", monthly_active_users=800_000_000), "prohibited"),
    Case("users not given", "llama3.1", COMMERCIAL, "conditional",
         ("monthly active users not given",)),
    Case("llama 3.2 vision for an EU developer", "llama3.2",
         Context(use="commercial", monthly_active_users=10, regions=("DE",)), "prohibited",
         ("established in EU", "multimodal", "DE"), multimodal=True,
         answers={"regional": "prohibited", "commercial_use": "allowed"}),
    Case("EU named as a region", "llama3.2",
         Context(use="research", monthly_active_users=10, regions=("EU",)), "prohibited",
         multimodal=True),
    Case("llama 3.2 text model in the EU", "llama3.2",
         Context(use="commercial", monthly_active_users=10, regions=("FR",)), "allowed",
         multimodal=False),
    Case("llama 3.2 in the EU, modality unknown", "llama3.2",
         Context(use="commercial", monthly_active_users=10, regions=("FR",)), "conditional",
         ("whether the model is multimodal is not known",)),
    Case("multimodal from the context when the card does not say", "llama3.2",
         Context(use="commercial", monthly_active_users=10, regions=("FR",), multimodal=True),
         "prohibited"),
    Case("llama 3.2 vision outside the EU", "llama3.2",
         Context(use="commercial", monthly_active_users=10, regions=("US", "UK")), "allowed",
         multimodal=True),
    Case("stability above USD 1M revenue", "stability-ai-community",
         Context(use="commercial", annual_revenue_usd=5_000_000), "prohibited",
         ("license terminates", "USD 1,000,000")),
    Case("stability below the revenue limit must register first", "stability-ai-community",
         Context(use="commercial", annual_revenue_usd=500_000), "conditional",
         ("Register with the licensor first", "stability.ai/community-license")),
    Case("stability revenue not given", "stability-ai-community", COMMERCIAL, "conditional",
         ("annual revenue not given",)),
    Case("registration", "yi-community-2.1", COMMERCIAL, "conditional", ("Register",)),
    Case("qwen above 100M users", "qwen",
         Context(use="commercial", monthly_active_users=150_000_000), "prohibited",
         ("separate license", "no rights until it is granted")),
    Case("qwen threshold binds commercial use only", "qwen",
         Context(use="research", monthly_active_users=150_000_000), "allowed"),
    Case("cc-by-nc for research", "cc-by-nc-4.0", Context(use="research"), "allowed",
         ("Research use",)),
    Case("cc-by-nc for commercial use", "cc-by-nc-4.0", COMMERCIAL, "prohibited",
         ("not permitted", "non-commercial")),
    Case("cc-by-nc for internal use", "cc-by-nc-4.0", Context(use="internal"), "prohibited",
         ("Internal use by an organisation counts as commercial use",)),
    Case("nc with the use not given", "cc-by-nc-4.0", Context(), "conditional",
         ("intended use is not given",)),
    Case("mnpl in commercial production", "mistral-mnpl-0.1", COMMERCIAL, "prohibited",
         ("non-production",)),
    Case("mnpl in internal production", "mistral-mnpl-0.1", Context(use="internal"),
         "prohibited", ("Internal production use is not permitted",)),
    Case("mnpl for research", "mistral-mnpl-0.1", Context(use="research"), "allowed"),
    Case("research-only license for research", "qwen-research", Context(use="research"),
         "allowed"),
    Case("research-only license for commercial use", "qwen-research", COMMERCIAL,
         "prohibited"),
    Case("hunyuan 3d for an EU organisation", "hunyuan-3d-2.0",
         Context(use="commercial", monthly_active_users=10, regions=("FR",)), "prohibited",
         ("EU, UK, KR", "FR")),
    Case("hunyuan 3d in Korea, even for research", "hunyuan-3d-2.0",
         Context(use="research", regions=("KR",)), "prohibited"),
    Case("hunyuan 3d in the US", "hunyuan-3d-2.0",
         Context(use="commercial", monthly_active_users=10, regions=("US",)), "allowed"),
    Case("hunyuan 3d, regions not given", "hunyuan-3d-2.0",
         Context(use="commercial", monthly_active_users=10), "conditional",
         ("regions not given",)),
    Case("daily users inferred from fewer monthly users", "baichuan2-community",
         Context(use="commercial", monthly_active_users=500), "conditional",
         ("Apply to the licensor",), answers={"commercial_use": "conditional"}),
    Case("daily users unknown once monthly users reach the limit", "baichuan2-community",
         Context(use="commercial", monthly_active_users=2_000_000), "conditional",
         ("daily active users not given",)),
    Case("hosted service may need a license", "falcon-180b-1.0",
         Context(use="commercial", distribution="hosted"), "conditional",
         ("hosted service may need a separate license",)),
    Case("not hosted", "falcon-180b-1.0",
         Context(use="commercial", distribution="redistributed"), "allowed"),
    Case("display duty never bars use", "kimi-modified-mit",
         Context(use="commercial", monthly_active_users=200_000_000), "allowed",
         ("display duty",)),
    Case("permissive", "apache-2.0", COMMERCIAL, "allowed"),
    Case("unknown license", "unknown", COMMERCIAL, "unknown", ("does not record",)),
    Case("strictest of several licenses", ("apache-2.0", "cc-by-nc-4.0"), COMMERCIAL,
         "prohibited"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_context_answers(pack: RulePack, case: Case) -> None:
    result = evaluate(pack, case.rules, case.context, case.multimodal)
    assert result.commercial_use == case.expected, result.answers
    deciding = " ".join(a["reason"] for a in result.answers if a["answer"] == case.expected)
    for needle in case.reason_has:
        assert needle in deciding, (needle, result.answers)
    by_term = {a["term"]: a["answer"] for a in result.answers}
    for term, answer in case.answers.items():
        assert by_term.get(term) == answer, result.answers


def test_threshold_is_reached_at_the_limit(pack: RulePack) -> None:
    # "fewer than 700,000,000": at exactly the limit licscan errs on the strict side.
    result = evaluate(pack, "llama3.1", Context(use="commercial",
                                                monthly_active_users=700_000_000))
    assert result.commercial_use == "prohibited"


def test_answer_records_cite_their_clause(pack: RulePack) -> None:
    result = evaluate(pack, "llama3.2", Context(use="commercial", monthly_active_users=10,
                                                regions=("DE",)), multimodal=True)
    regional = [a for a in result.answers if a["term"] == "regional"]
    assert len(regional) == 1  # the license repeats its use policy's clause; asked once
    assert regional[0]["rule"] == "llama3.2" and "EU multimodal clause" in regional[0]["clause"]
    assert regional[0]["confidence"] == "P"
    assert all(set(a) == {"term", "answer", "reason", "rule", "clause", "confidence"}
               for a in result.answers)


def test_unverified_facts_say_so_in_the_reason(pack: RulePack) -> None:
    (answer,) = evaluate(pack, "mistral-mnpl-0.1", COMMERCIAL).answers
    assert answer["confidence"] == "S" and "unverified" in answer["reason"]


def test_distribution_answer_only_when_distributing(pack: RulePack) -> None:
    hosted = evaluate(pack, "gemma-2025-03-24", Context(use="commercial", distribution="hosted"))
    assert [a["answer"] for a in hosted.answers if a["term"] == "distribution"] == ["conditional"]
    assert "counts as distribution" in hosted.answers[-1]["reason"]
    llama_hosted = evaluate(pack, "llama3.1", Context(use="commercial", distribution="hosted"))
    assert not [a for a in llama_hosted.answers if a["term"] == "distribution"]
    internal = evaluate(pack, "gemma-2025-03-24", Context(distribution="internal"))
    assert not [a for a in internal.answers if a["term"] == "distribution"]


def test_without_context_the_flag_decides_and_nothing_is_answered(pack: RulePack) -> None:
    assert evaluate(pack, "llama3.1", None).commercial_use == "conditional"
    assert evaluate(pack, "cc-by-nc-4.0", None).commercial_use == "prohibited"
    result = evaluate(pack, "llama3.2", None)
    assert result.answers == [] and result.to_dict()["context_answers"] == []


def test_use_policies_are_included(pack: RulePack) -> None:
    assert [r.id for r in with_use_policies(rules(pack, "llama3.2"), pack)] == \
        ["llama3.2", "llama3.2-aup"]
    # Gemma names its policy only in the terms, not in `use_policy`.
    assert "gemma-pup-2024-02-21" in evaluate(pack, "gemma-2025-03-24", None).terms
    assert list(evaluate(pack, ("llama3.2-aup", "apache-2.0", "llama3.2"), None).terms) == \
        ["apache-2.0", "llama3.2", "llama3.2-aup"]


# --- obligations -------------------------------------------------------------------------------


def obligations(pack: RulePack, rule_id: str, context: Context | None) -> dict[str, str]:
    """kind -> text of every obligation of the rule (kinds repeated within a rule are merged)."""
    found: dict[str, str] = {}
    for item in evaluate(pack, rule_id, context).obligations:
        found[item["kind"]] = (found.get(item["kind"], "") + " " + item["text"]).strip()
    return found


def test_llama_redistribution_checklist(pack: RulePack) -> None:
    found = obligations(pack, "llama3.1", Context(use="commercial", distribution="redistributed"))
    assert {"license_copy", "display", "notice_text", "naming_prefix", "use_policy",
            "pass_use_policy"} <= set(found)
    assert "Built with Llama" in found["display"]
    assert '"Llama"' in found["naming_prefix"]
    assert "Llama 3.1 is licensed under" in found["notice_text"]
    assert "Llama 3.1 Acceptable Use Policy" in found["use_policy"]


def test_hosted_product_owes_display_but_not_files(pack: RulePack) -> None:
    found = obligations(pack, "llama3.1", Context(use="commercial", distribution="hosted"))
    assert "Built with Llama" in found["display"]
    assert not {"license_copy", "notice_text", "naming_prefix"} & set(found)
    stability = obligations(pack, "stability-ai-community",
                            Context(use="commercial", distribution="hosted"))
    assert "Powered by Stability AI" in stability["display"]


def test_gemma_hosted_service_is_distribution_except_for_the_notice_file(
        pack: RulePack) -> None:
    hosted = obligations(pack, "gemma-2025-03-24", Context(use="commercial",
                                                           distribution="hosted"))
    assert {"pass_restrictions", "license_copy", "use_policy"} <= set(hosted)
    assert "notice_text" not in hosted
    assert "pass_use_policy" not in hosted  # pass_restrictions already says it
    shipped = obligations(pack, "gemma-2025-03-24", Context(distribution="redistributed"))
    assert "Gemma is provided under" in shipped["notice_text"]


def test_internal_use_owes_only_use_duties(pack: RulePack) -> None:
    found = obligations(pack, "llama3.1", Context(use="commercial", distribution="internal"))
    assert set(found) == {"use_policy"}


def test_qwen_derivative_display(pack: RulePack) -> None:
    found = obligations(pack, "qwen", Context(use="commercial", distribution="redistributed"))
    assert "Built with Qwen" in found["display"]


def test_registration_is_owed_for_commercial_use_only(pack: RulePack) -> None:
    assert "registration" in obligations(pack, "stability-ai-community", COMMERCIAL)
    assert "registration" not in obligations(pack, "stability-ai-community",
                                             Context(use="research"))


def test_display_duty_above_a_threshold(pack: RulePack) -> None:
    big = obligations(pack, "kimi-modified-mit",
                      Context(use="commercial", monthly_active_users=200_000_000,
                              annual_revenue_usd=0))
    assert "Kimi K2" in big["display"]
    small = obligations(pack, "kimi-modified-mit",
                        Context(use="commercial", monthly_active_users=1_000,
                                annual_revenue_usd=1_000_000))
    assert "display" not in small


def test_without_context_every_duty_is_listed(pack: RulePack) -> None:
    found = obligations(pack, "llama3.1", None)
    assert {"license_copy", "display", "notice_text", "naming_prefix"} <= set(found)


def test_obligation_records(pack: RulePack) -> None:
    items = evaluate(pack, "apache-2.0", Context(distribution="redistributed")).obligations
    assert all(set(o) == {"id", "kind", "text", "trigger", "rule", "clause", "confidence"}
               for o in items)
    ids = [o["id"] for o in items]
    assert len(ids) == len(set(ids))
    assert {"apache-2.0/keep_notices", "apache-2.0/keep_notices/2"} <= set(ids)


# --- the report form ---------------------------------------------------------------------------


def test_conditions_are_human_readable(pack: RulePack) -> None:
    result = evaluate(pack, "llama3.1", Context(use="commercial"))
    assert result.conditions == [
        "fewer than 700,000,000 monthly active users (licensee and affiliates) on 2024-07-23"]
    hunyuan = evaluate(pack, "hunyuan-3d-2.0", None).conditions
    assert "not established in EU, UK, KR" in hunyuan
    assert len(hunyuan) == len(set(hunyuan))


def test_output_is_deterministic(pack: RulePack) -> None:
    context = Context(use="commercial", monthly_active_users=5, regions=("DE",),
                      distribution="hosted")
    first = evaluate(pack, ("llama3.2", "gemma-2025-03-24"), context, True).to_dict()
    second = evaluate(pack, ("gemma-2025-03-24", "llama3.2"), context, True).to_dict()
    assert json.dumps(first) == json.dumps(second)


def _report_schema_validator(definition: str) -> Any:
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads((REPO / "docs/schemas/report.schema.json").read_text())
    return jsonschema.Draft202012Validator({"$defs": schema["$defs"],
                                            "$ref": f"#/$defs/{definition}"})


def test_to_dict_matches_the_report_schema(pack: RulePack) -> None:
    model_validator = _report_schema_validator("model")
    context = Context(use="internal", monthly_active_users=5, regions=("DE",),
                      distribution="redistributed")
    for rule in pack.rules.values():
        result = evaluate_model([rule], pack, context).to_dict()
        model = {"id": "m", "revision": None, "source": "hub", "status": "ok",
                 "declared": {"license": None, "license_name": None, "license_link": None},
                 "license": None, "flags": {"commercial_use": "unknown",
                                            "modification": "unknown",
                                            "distribution": "unknown"},
                 "findings": [], "verdict": "review", **result}
        errors = [e.message for e in model_validator.iter_errors(model)]
        assert not errors, (rule.id, errors[:3])
        assert result["context_answers"] or rule.kind == "use-policy", rule.id


@pytest.mark.parametrize("context", [
    Context(), Context(use="research", regions=("CN",)),
    Context(use="commercial", monthly_active_users=10**10, annual_revenue_usd=10**10,
            regions=("EU", "UK", "KR"), distribution="hosted", multimodal=True)])
def test_every_rule_evaluates(pack: RulePack, context: Context) -> None:
    for rule in pack.rules.values():
        result = evaluate_model([rule], pack, context)
        assert result.commercial_use in TRI_STATES, rule.id
        assert all(a["answer"] in TRI_STATES and a["reason"] for a in result.answers), rule.id


# --- context files -----------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "context.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_top_level_context(tmp_path: Path) -> None:
    context = load_context(write(tmp_path, "use: internal\nmonthly_active_users: 800_000_000\n"
                                           "annual_revenue_usd: 2_500_000.5\n"
                                           "regions: [de, gb, US]\ndistribution: hosted\n"
                                           "multimodal: true\n"))
    assert context == Context(use="internal", monthly_active_users=800_000_000,
                              annual_revenue_usd=2_500_000.5, regions=("DE", "UK", "US"),
                              distribution="hosted", multimodal=True)


def test_load_context_section(tmp_path: Path) -> None:
    path = write(tmp_path, "policy:\n  deny: [x]\ncontext:\n  use: research\n  regions: EU\n")
    assert load_context(path) == Context(use="research", regions=("EU",))
    assert load_context(write(tmp_path, "context:\n")) == Context()


def test_example_context_file_loads() -> None:
    context = load_context(REPO / "docs/examples/context.yaml")
    assert context.use == "commercial" and context.regions == ("DE", "US")


@pytest.mark.parametrize(("text", "key", "line", "needle"), [
    ("use: commercial\nusers: 5\n", "users", 2, "unknown context key"),
    ("use: production\n", "use", 1, "not one of"),
    ("context:\n  use: internal\n  distribution: shipped\n", "context.distribution", 3,
     "not one of"),
    ("monthly_active_users: -1\n", "monthly_active_users", 1, "whole number"),
    ("monthly_active_users: true\n", "monthly_active_users", 1, "whole number"),
    ("monthly_active_users: 800M\n", "monthly_active_users", 1, "whole number"),
    ("annual_revenue_usd: lots\n", "annual_revenue_usd", 1, "amount"),
    ("regions: [DE, 'Europe/Berlin']\n", "regions", 1, "not a region code"),
    ("regions: {DE: 1}\n", "regions", 1, "list of region codes"),
    ("multimodal: yes please\n", "multimodal", 1, "true or false"),
    ("context: [use]\n", "context", 1, "mapping"),
])
def test_context_errors_name_key_and_line(tmp_path: Path, text: str, key: str, line: int,
                                          needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_context(path)
    error = info.value
    assert (error.file, error.key, error.line) == (str(path), key, line)
    assert needle in error.message


@pytest.mark.parametrize(("text", "needle"), [
    ("use: [commercial\n", "invalid YAML"), ("- use\n", "mapping"),
    ("a: &x 1\nb: *x\n", "anchors")])
def test_unreadable_context_files(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle) as info:
        load_context(write(tmp_path, text))
    assert info.value.line is not None


def test_missing_context_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read") as info:
        load_context(tmp_path / "absent.yaml")
    assert info.value.file == str(tmp_path / "absent.yaml")


@pytest.mark.parametrize(("rule_regions", "context_regions", "expected"), [
    (("EU",), ("DE", "US"), ["DE"]), (("EU",), ("EU",), ["EU"]), (("EU",), ("UK",), []),
    (("UK",), ("UK",), ["UK"]), (("uk",), ("UK",), ["UK"]), (("KR",), ("US", "CN"), [])])
def test_region_matching(rule_regions: tuple[str, ...], context_regions: tuple[str, ...],
                         expected: list[str]) -> None:
    assert matching_regions(rule_regions, context_regions) == expected


@pytest.mark.parametrize("context", [
    Context(use="research", monthly_active_users=3, annual_revenue_usd=1.5, regions=("KR",),
            distribution="internal", multimodal=False),
    Context()])
def test_context_to_dict_round_trips(tmp_path: Path, context: Context) -> None:
    plain = context.to_dict()
    assert not _report_schema_validator("context").is_valid({**plain, "use": "x"})
    assert _report_schema_validator("context").is_valid(plain)
    assert load_context(write(tmp_path, json.dumps(plain))) == context


def test_stability_nc_research_hosted_is_prohibited_even_for_research() -> None:
    from licscan.rulepack import load_rulepack
    from licscan.terms.context import Context as Ctx
    from licscan.terms.in_context import evaluate_model as evaluate

    pack = load_rulepack()
    rule = pack.get("stability-ai-nc-research")
    assert rule is not None
    hosted = evaluate([rule], pack, Ctx(use="research", distribution="hosted"))
    assert hosted.commercial_use == "prohibited"
    internal = evaluate([rule], pack, Ctx(use="research", distribution="internal"))
    assert internal.commercial_use == "allowed"


# --- the context folded over the expression (ContextResult) ----------------------------------


def folded(pack: RulePack, expression: str, context: Context | None,
           multimodal: bool | None = None) -> ContextResult:
    return ContextStage(pack, context).evaluate_expression(expression, multimodal)


def test_or_chooses_the_most_permissive_branch_and_says_which(pack: RulePack) -> None:
    for expression in ("Apache-2.0 OR CC-BY-NC-4.0", "CC-BY-NC-4.0 OR Apache-2.0"):
        result = folded(pack, expression, COMMERCIAL)
        assert (result.commercial_use, result.chosen, result.branch) == \
            ("allowed", "Apache-2.0", ("Apache-2.0",))
        # Obligations and answers are the chosen branch's; terms describe every license.
        assert {o.rule for o in result.applied.obligation_items} == {"apache-2.0"}
        assert {a.rule for a in result.applied.answer_items} == {"apache-2.0"}
        assert set(result.terms) == {"apache-2.0", "cc-by-nc-4.0"}
        assert result.evaluation.chosen_branch == "Apache-2.0"
        nc = result.license("cc-by-nc-4.0")
        assert nc is not None and nc.commercial_use == "prohibited"
    # For research the non-commercial license is as good: the first of equals is chosen.
    research = folded(pack, "CC-BY-NC-4.0 OR Apache-2.0", Context(use="research"))
    assert (research.commercial_use, research.chosen) == ("allowed", "CC-BY-NC-4.0")


def test_and_applies_every_part(pack: RulePack) -> None:
    result = folded(pack, "Apache-2.0 AND CC-BY-NC-4.0", COMMERCIAL)
    assert (result.commercial_use, result.chosen) == ("prohibited", None)
    assert result.branch == ("Apache-2.0", "CC-BY-NC-4.0")
    assert {o.rule for o in result.applied.obligation_items} == {"apache-2.0", "cc-by-nc-4.0"}
    # The same answers as evaluating the rules together (the report of an AND is unchanged).
    together = evaluate(pack, ("apache-2.0", "cc-by-nc-4.0"), COMMERCIAL)
    evaluation = result.evaluation
    assert evaluation.answers == together.answer_items
    assert evaluation.conditions == together.condition_texts
    assert [(o.id, o.kind, o.text, o.rule) for o in evaluation.obligations] == \
        [(o.id, o.kind, o.text, o.rule) for o in together.obligation_items]
    assert thaw(evaluation.terms) == together.terms


def test_nested_choice(pack: RulePack) -> None:
    llama = "LicenseRef-scancode-llama-3.1-license-2024"
    context = Context(use="commercial", monthly_active_users=900_000_000)
    result = folded(pack, f"(MIT OR CC-BY-NC-4.0) AND ({llama} OR GPL-3.0-only)", context)
    assert result.chosen == "MIT AND GPL-3.0-only" and result.commercial_use == "allowed"
    small = folded(pack, f"(MIT OR CC-BY-NC-4.0) AND ({llama} OR GPL-3.0-only)",
                   Context(use="commercial", monthly_active_users=5))
    assert small.chosen == f"MIT AND {llama}"  # allowed too, and the first of equals


def test_with_is_answered_by_its_license(pack: RulePack) -> None:
    result = folded(pack, "GPL-2.0-only WITH Classpath-exception-2.0 OR CC-BY-NC-4.0",
                    COMMERCIAL)
    assert result.chosen == "GPL-2.0-only WITH Classpath-exception-2.0"
    assert result.branch == ("GPL-2.0-only",) and result.commercial_use == "allowed"


def test_without_a_context_the_flags_choose(pack: RulePack) -> None:
    result = folded(pack, "CC-BY-NC-4.0 OR MIT", None)
    assert (result.chosen, result.commercial_use) == ("MIT", "allowed")
    assert result.applied.answer_items == () and result.license("MIT") is not None
    assert {o.rule for o in result.applied.obligation_items} == {"mit"}


def test_an_unknown_license_and_no_license(pack: RulePack) -> None:
    unknown = folded(pack, "LicenseRef-acme-in-house OR MIT", COMMERCIAL)
    assert unknown.chosen == "MIT"
    alone = folded(pack, "LicenseRef-acme-in-house", COMMERCIAL)
    assert not alone.evaluation.listed and alone.commercial_use == "unknown"
    nothing = folded(pack, "", COMMERCIAL)
    assert nothing.licenses == () and nothing.branch == () and not nothing.evaluation.listed


def test_follow_selects_the_branch_the_policy_decided_through(pack: RulePack) -> None:
    result = folded(pack, "Apache-2.0 OR CC-BY-NC-4.0", Context(use="research"))
    assert result.chosen == "Apache-2.0"
    other = result.follow(("CC-BY-NC-4.0",))
    assert (other.chosen, other.branch) == ("CC-BY-NC-4.0", ("CC-BY-NC-4.0",))
    assert {o.rule for o in other.applied.obligation_items} == {"cc-by-nc-4.0"}
    assert result.follow(("apache-2.0",)) is result


def test_each_license_is_answered_once_per_scan(pack: RulePack) -> None:
    stage = ContextStage(pack, COMMERCIAL)
    first = stage.evaluate_expression("Apache-2.0 OR CC-BY-NC-4.0")
    again = stage.evaluate_expression("CC-BY-NC-4.0 AND Apache-2.0")
    assert first.license("Apache-2.0") is again.license("Apache-2.0")
    # Models share one evaluation: nothing in it can be changed.
    evaluation = first.evaluation
    with pytest.raises(FrozenInstanceError):
        evaluation.obligations[0].text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        evaluation.terms["apache-2.0"]["commercial_use"] = "changed"  # type: ignore[index]
    assert first.evaluation is evaluation


def test_report_fields_of_a_choice_match_the_report_schema(pack: RulePack) -> None:
    evaluation = folded(pack, "CC-BY-NC-4.0 OR Apache-2.0", COMMERCIAL).evaluation
    fields = evaluation_fields(evaluation, [row.to_dict() for row in evaluation.obligations])
    model = {"id": "m", "revision": None, "source": "hub", "status": "ok",
             "declared": {"license": None, "license_name": None, "license_link": None},
             "license": None, "flags": {"commercial_use": "unknown", "modification": "unknown",
                                        "distribution": "unknown"},
             "findings": [], "verdict": "allow", **fields}
    assert fields["chosen_branch"] == "Apache-2.0"
    assert not [e.message for e in _report_schema_validator("model").iter_errors(model)]
    assert not _report_schema_validator("model").is_valid({**model, "chosen_branch": 3})
