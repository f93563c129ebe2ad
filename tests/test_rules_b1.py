"""Key facts of the Chinese, Korean and vendor model licenses added in issue 11 (helper B1),
checked through the public API: pack lookup, typed terms and context answers.

Each row was written from the license text in ../shared/corpus, not from the rule file, and
names a few short anchors (numbers, region names, key words) that the text must contain, so a
row cannot drift away from the text it was read in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from licscan.rulepack import Rule, RulePack
from licscan.terms.context import Context
from licscan.terms.typed import Condition, Terms, terms_of


@dataclass(frozen=True)
class Threshold:
    type: str  # users_threshold | revenue_threshold
    limit: float
    applies_to: str  # all_use | commercial_use
    measured: str | None = None  # at_release | continuous
    currency: str | None = None
    affiliates: bool | None = None


@dataclass(frozen=True)
class Fact:
    rule: str
    commercial: str  # terms.commercial_use.value
    basis: str | None = None
    thresholds: tuple[Threshold, ...] = ()
    steps: frozenset[str] = frozenset()  # registration / application / not_service_provider
    excluded: frozenset[str] = frozenset()  # regions where the license grants nothing
    duties: frozenset[str] = frozenset()  # a subset of the modification + distribution duties
    prefix: str | None = None  # naming prefix owed by a derived model
    display: str | None = None  # display line owed
    training: str | None = None  # outputs.training_other_models
    termination: frozenset[str] = frozenset()
    law: str | None = None  # a word the governing law must contain
    changes: bool | None = None  # the licensor may change the agreement
    family: str | None = None
    supersedes: str | None = None
    anchors: tuple[str, ...] = field(default=())  # must occur in the corpus text


EU, EU_UK_KR = frozenset({"EU"}), frozenset({"EU", "UK", "KR"})
HUNYUAN_DUTIES = frozenset({"license_copy", "modification_notices", "notice_text",
                            "pass_restrictions"})


def _glm_nc(rule_id: str) -> Fact:
    return Fact(rule_id, "prohibited", basis="research_only", duties=frozenset({"keep_notices"}),
                termination=frozenset({"at_will"}), law="Haidian", changes=True,
                anchors=("non-commercial research purposes", "Haidian District"))


def _hunyuan_mau(limit: float) -> Threshold:
    return Threshold("users_threshold", limit, "all_use", "at_release")


FACTS = [
    # Tencent Hunyuan: the Territory excludes the EU (2024 texts) or the EU, UK and South Korea;
    # above the MAU limit on the release date, no rights at all until Tencent grants a licence.
    Fact("hunyuan-dit-2024-05-14", "conditional", thresholds=(_hunyuan_mau(100e6),),
         excluded=EU, duties=HUNYUAN_DUTIES, training="prohibited",
         termination=frozenset({"ip_suit", "breach"}), law="Hong Kong", changes=False,
         family="tencent-hunyuan-community",
         anchors=("14 May 2024", "100 million monthly active users",
                  "excluding the territory of the European Union.")),
    Fact("hunyuan-large-2024-11-05", "conditional", thresholds=(_hunyuan_mau(100e6),),
         excluded=EU, duties=HUNYUAN_DUTIES, training="prohibited", law="Hong Kong",
         family="tencent-hunyuan-community", supersedes="hunyuan-dit-2024-05-14",
         anchors=("November 5, 2024", "100 million monthly active users",
                  "excluding the territory of the European Union.")),
    Fact("hunyuan-video-2024-12-03", "conditional", thresholds=(_hunyuan_mau(100e6),),
         excluded=EU_UK_KR, duties=HUNYUAN_DUTIES, training="prohibited", law="Hong Kong",
         family="tencent-hunyuan-community", supersedes="hunyuan-large-2024-11-05",
         anchors=("December 3, 2024", "100 million monthly active users",
                  "European Union, United Kingdom and South Korea", "any other AI model")),
    Fact("hunyuan-3d-2.0", "conditional", thresholds=(_hunyuan_mau(1e6),), excluded=EU_UK_KR,
         duties=HUNYUAN_DUTIES, training="prohibited", law="Hong Kong",
         family="tencent-hunyuan-community", supersedes="hunyuan-video-2024-12-03",
         anchors=("January 21, 2025", "greater than 1 million monthly active users",
                  "European Union, United Kingdom and South Korea", "hunyuan3d@tencent.com")),
    Fact("hunyuan-a13b-2025-06-27", "conditional", thresholds=(_hunyuan_mau(100e6),),
         excluded=EU_UK_KR, duties=HUNYUAN_DUTIES, training="prohibited", law="Hong Kong",
         family="tencent-hunyuan-community", supersedes="hunyuan-3d-2.0",
         anchors=("June 27, 2025", "100 million monthly active users",
                  "European Union, United Kingdom and South Korea")),
    # GLM family. GLM-130B template: non-commercial research only, revocable, Beijing court;
    # reused word for word by CodeGeeX, VisualGLM-6B, CharacterGLM-6B, aiXcoder and YaYi.
    _glm_nc("glm-130b"),
    _glm_nc("codegeex"),
    _glm_nc("visualglm-6b"),
    _glm_nc("characterglm-6b"),
    _glm_nc("aixcoder"),
    _glm_nc("yayi"),
    # ChatGLM-6B / ChatGLM2-6B: the text sets no commercial limit; the README's registration
    # (secondary source) keeps commercial use conditional.
    Fact("chatglm-6b", "conditional", steps=frozenset({"registration"}), family="chatglm",
         termination=frozenset({"at_will"}), law="Haidian", anchors=("military",)),
    Fact("chatglm2-6b", "conditional", steps=frozenset({"registration"}), family="chatglm",
         supersedes="chatglm-6b", law="Haidian", anchors=("military",)),
    Fact("chatglm3-6b", "conditional", steps=frozenset({"registration"}), family="chatglm",
         supersedes="chatglm2-6b", law="Haidian", anchors=("open.bigmodel.cn/mla/form",)),
    Fact("codegeex4", "conditional", steps=frozenset({"registration"}),
         duties=frozenset({"license_copy", "display", "naming_prefix"}), prefix="CodeGeeX4",
         display="Built with CodeGeeX4", family="codegeex", supersedes="codegeex",
         anchors=("Built with CodeGeeX4", "mcode=CodeGeeX4-ALL-9B")),
    Fact("cogvlm", "conditional", steps=frozenset({"registration"}), family="cogvlm",
         anchors=("Llama2", "CogVLM-17B")),
    Fact("cogvlm2", "conditional", steps=frozenset({"registration"}), family="cogvlm",
         supersedes="cogvlm", anchors=("Llama3", "EVA-CLIP2")),
    Fact("cogvideox", "conditional", steps=frozenset({"registration"}),
         thresholds=(Threshold("users_threshold", 1e6, "commercial_use", "continuous"),),
         anchors=("1 million visits per month",)),
    # Vendor licenses
    Fact("databricks-open-model", "conditional",
         thresholds=(Threshold("users_threshold", 700e6, "all_use", "at_release",
                               affiliates=True),),
         duties=frozenset({"notice_text", "license_copy", "modification_notices"}),
         training="prohibited", termination=frozenset({"ip_suit", "breach"}),
         law="California", changes=False,
         anchors=("March 27, 2024", "700 million monthly active users",
                  "restrict (remotely or otherwise)")),
    Fact("kolors-2024-07-06", "conditional", steps=frozenset({"registration"}),
         thresholds=(Threshold("users_threshold", 300e6, "all_use", "continuous",
                               affiliates=True),),
         duties=frozenset({"license_copy", "pass_restrictions"}), training="prohibited",
         termination=frozenset({"ip_suit", "breach"}), law="PRC mainland", changes=True,
         anchors=("2024/7/6", "300 million monthly active users", "registration")),
    Fact("minimax-2025-01-15", "allowed", duties=frozenset({"license_copy", "notice_text"}),
         training="allowed", termination=frozenset({"ip_suit", "breach"}), law="Singapore",
         changes=False, anchors=("15 January 2025", "Prohibited Uses Policy", "Singapore")),
    Fact("kimi-modified-mit", "allowed",
         thresholds=(Threshold("users_threshold", 100e6, "commercial_use", "continuous"),
                     Threshold("revenue_threshold", 20e6, "commercial_use", "continuous",
                               currency="USD")),
         duties=frozenset({"keep_notices"}), training="allowed",
         anchors=("100 million monthly active users", "20 million US dollars", "Kimi K2")),
    Fact("yi-1.0", "prohibited", basis="non_commercial",
         duties=frozenset({"license_copy", "modification_notices"}), training="derivative",
         termination=frozenset({"at_will", "breach"}), law="mainland", changes=True,
         family="yi", anchors=("Version: 1.0", "non-Commercial Purposes",
                               "written authorization")),
    Fact("yi-2.0", "conditional", steps=frozenset({"application"}),
         duties=frozenset({"license_copy", "modification_notices"}), training="derivative",
         changes=True, family="yi", supersedes="yi-1.0",
         anchors=("Version: 2.0", "written authorization")),
    Fact("qwen-research", "prohibited", basis="research_only",
         duties=frozenset({"license_copy", "notice_text", "display"}), display="Built with Qwen",
         training="attribution", termination=frozenset({"ip_suit", "breach"}),
         law="Hangzhou", changes=False, family="qwen-research",
         supersedes="tongyi-qianwen-research",
         anchors=("research or evaluation purposes only", "FOR NON-COMMERCIAL PURPOSES ONLY",
                  "Built with Qwen")),
    Fact("tongyi-qianwen-2023-08-23", "conditional",
         thresholds=(Threshold("users_threshold", 100e6, "commercial_use", "continuous"),),
         duties=frozenset({"license_copy", "notice_text"}), training="prohibited",
         law="Hangzhou", family="qwen", supersedes="tongyi-qianwen",
         anchors=("August 23, 2023", "Qwen-VL", "100 million monthly active users")),
    Fact("bilibili-model-ula-2025-09-09", "conditional",
         thresholds=(Threshold("users_threshold", 100e6, "all_use", affiliates=True),
                     Threshold("revenue_threshold", 1e9, "all_use", currency="CNY",
                               affiliates=True)),
         duties=frozenset({"pass_restrictions", "license_copy", "pass_disclaimers"}),
         training="derivative", termination=frozenset({"breach", "ip_suit"}), law="Shanghai",
         changes=False, anchors=("100 million monthly active users", "RMB 1 billion",
                                 "indextts2")),
    Fact("exaone-1.1-nc", "prohibited", basis="research_only",
         duties=frozenset({"naming_prefix", "license_copy"}), prefix="EXAONE",
         training="prohibited", termination=frozenset({"at_will", "breach"}), law="Korea",
         changes=True, anchors=("solely for research purposes", "EXAONE",
                                "develop or improve other models")),
    Fact("hyperclova-x-seed-2025", "conditional", steps=frozenset({"not_service_provider"}),
         thresholds=(Threshold("users_threshold", 10e6, "all_use", "at_release",
                               affiliates=True),),
         duties=frozenset({"pass_restrictions", "notice_text", "display", "naming_prefix"}),
         prefix="HyperCLOVA X", display="Powered by HyperCLOVA X", training="attribution",
         termination=frozenset({"patent_suit", "copyright_suit", "breach"}), law="Korea",
         changes=True, anchors=("April 24, 2025", "10 million monthly active users",
                                "directly competes")),
    Fact("openatom-model-1.0", "allowed",
         duties=frozenset({"license_copy", "keep_notices", "modification_notices"}),
         training="allowed", termination=frozenset({"patent_suit", "breach"}), changes=False,
         anchors=("Version 1.0", "perpetual", "Hosted Service")),
]

BY_ID = {f.rule: f for f in FACTS}


def _rule(pack: RulePack, rule_id: str) -> Rule:
    rule = pack.get(rule_id)
    assert rule is not None, rule_id
    return rule


def _duties(terms: Terms) -> list[tuple[str, str | None, str | None]]:
    return [(d.type, d.text, d.prefix)
            for d in (*terms.modification.duties, *terms.distribution.duties)]


def _matches(condition: Condition, expected: Threshold) -> bool:
    limit = condition.threshold if expected.type == "users_threshold" else condition.amount
    return (condition.type == expected.type and limit == expected.limit
            and condition.applies_to == expected.applies_to
            and (expected.measured is None or condition.measured == expected.measured)
            and (expected.currency is None or condition.currency == expected.currency)
            and (expected.affiliates is None or condition.affiliates is expected.affiliates))


@pytest.mark.parametrize("fact", FACTS, ids=[f.rule for f in FACTS])
def test_key_facts(pack: RulePack, fact: Fact) -> None:
    rule = _rule(pack, fact.rule)
    terms = terms_of(rule)
    assert not terms.derived_from_flags
    assert terms.commercial_use.value == fact.commercial == rule.flags.commercial_use
    assert terms.commercial_use.basis == fact.basis
    conditions = terms.commercial_use.conditions
    thresholds = [c for c in conditions if c.type.endswith("_threshold")]
    assert len(thresholds) == len(fact.thresholds)
    for expected in fact.thresholds:
        assert any(_matches(c, expected) for c in thresholds), (expected, thresholds)
    assert {c.type for c in conditions if not c.type.endswith("_threshold")} - {"region"} == \
        fact.steps
    excluded = {r for c in conditions if c.type == "region" for r in c.regions}
    assert excluded == fact.excluded
    assert {r for restriction in terms.regional for r in restriction.regions} == fact.excluded
    assert all(r.effect == "no_license" and r.who == "all" for r in terms.regional)
    duties = _duties(terms)
    assert fact.duties <= {kind for kind, _text, _prefix in duties}, duties
    if fact.prefix:
        assert ("naming_prefix", None, fact.prefix) in duties
    if fact.display:
        assert any(kind == "display" and text == fact.display for kind, text, _p in duties)
    if fact.training:
        assert terms.outputs is not None
        assert terms.outputs.training_other_models == fact.training
    assert fact.termination <= {t.trigger for t in terms.termination}
    if fact.law is not None:
        assert fact.law in (terms.governing_law or "")
    if fact.changes is not None:
        assert terms.unilateral_changes is not None
        assert terms.unilateral_changes.agreement is fact.changes
    assert rule.family == (fact.family or rule.family)
    assert rule.supersedes == fact.supersedes
    if fact.supersedes:
        older, newer = _rule(pack, fact.supersedes), rule
        assert older.family == newer.family
        assert older.released is None or newer.released is None or \
            older.released <= newer.released


@pytest.mark.parametrize("fact", FACTS, ids=[f.rule for f in FACTS])
def test_facts_are_read_in_the_primary_text(pack: RulePack, fact: Fact) -> None:
    """Every rule cites its own text; every fact but the ChatGLM README step is P."""
    rule = _rule(pack, fact.rule)
    terms = terms_of(rule)
    assert rule.sources[0]["confidence"] == "P"
    readme = fact.rule in ("chatglm-6b", "chatglm2-6b")
    assert terms.commercial_use.cite.confidence == ("S" if readme else "P")
    for condition in terms.commercial_use.conditions:
        assert condition.cite.clause and condition.cite.confidence == ("S" if readme else "P")
    for duty in (*terms.modification.duties, *terms.distribution.duties):
        assert duty.cite.confidence == "P" and duty.cite.clause


def _texts(corpus: Path) -> dict[str, str]:
    from tests.test_rulepack import new_rule_rows

    out = {}
    for file, rule_ids, owner in new_rule_rows():
        if owner == "B1":
            (rule_id,) = rule_ids
            out[rule_id] = " ".join((corpus / file).read_text(encoding="utf-8").split())
    return out


def test_every_b1_rule_is_tested(corpus: Path) -> None:
    assert set(_texts(corpus)) == set(BY_ID)


def test_anchors_titles_version_lines_and_notices_occur_in_the_text(pack: RulePack,
                                                                     corpus: Path) -> None:
    """The table's anchors, and the identifiers and notice lines of each rule, are words of the
    license text itself (whitespace aside), never guessed."""
    missing = []
    for rule_id, text in sorted(_texts(corpus).items()):
        rule = _rule(pack, rule_id)
        notices = [d.text or "" for d in terms_of(rule).distribution.duties
                   if d.type == "notice_text" and d.text]
        for phrase in (*BY_ID[rule_id].anchors, *rule.titles, *rule.version_lines, *notices):
            if " ".join(phrase.split()).lower() not in text.lower():
                missing.append((rule_id, phrase))
    assert missing == []


def test_notice_lines_name_their_own_license(pack: RulePack) -> None:
    # (how the line starts, what else it must name): short identifiers, not the notice itself
    expected = {
        "hunyuan-3d-2.0": ("Tencent Hunyuan 3D 2.0 is licensed under", "Hunyuan 3D 2.0 Community"),
        "databricks-open-model": ("DBRX is provided under", "Databricks Open Model License"),
        "minimax-2025-01-15": ("MiniMax AI model is licensed under", "MiniMax Model License"),
        "hyperclova-x-seed-2025": ("HyperCLOVA X SEED Model is licensed under", "HyperCLOVA"),
        "qwen-research": ("Qwen is licensed under", "Qwen RESEARCH LICENSE AGREEMENT"),
        "tongyi-qianwen-2023-08-23": ("Tongyi Qianwen is licensed under",
                                      "Tongyi Qianwen LICENSE AGREEMENT")}
    for rule_id, (start, names) in expected.items():
        texts = [d.text or "" for d in terms_of(_rule(pack, rule_id)).distribution.duties
                 if d.type == "notice_text"]
        assert [t for t in texts if t.startswith(start) and names in t], (rule_id, texts)


def test_hunyuan_notice_duties_point_to_the_clause_instead_of_quoting_it(pack: RulePack) -> None:
    # the Hunyuan notice sentence is license text: the duty names §3.d rather than copying it
    for rule_id in ("hunyuan-large-2024-11-05", "hunyuan-a13b-2025-06-27",
                    "hunyuan-dit-2024-05-14", "hunyuan-video-2024-12-03"):
        notices = [d for d in terms_of(_rule(pack, rule_id)).distribution.duties
                   if d.type == "notice_text"]
        assert notices and all(d.text is None and "§3.d" in (d.trigger or "")
                               for d in notices), (rule_id, notices)


def test_hunyuan_notice_file_is_not_owed_by_a_hosted_service(pack: RulePack) -> None:
    for rule_id in ("hunyuan-large-2024-11-05", "hunyuan-3d-2.0"):
        terms = terms_of(_rule(pack, rule_id))
        assert terms.distribution.hosted_service_is_distribution is True
        (notice,) = [d for d in terms.distribution.duties if d.type == "notice_text"]
        assert "other than through a Hosted Service" in (notice.trigger or "")


def _evaluate_model() -> Callable[..., Any]:
    from licscan.terms.in_context import evaluate_model

    return evaluate_model


def _c(**kwargs: object) -> Context:
    return Context(**kwargs)  # type: ignore[arg-type]


ANSWERS = [
    # Hunyuan: the territory decides before anything else, research use included
    ("hunyuan-large-2024-11-05", _c(use="commercial", monthly_active_users=10, regions=("DE",)),
     "prohibited"),
    ("hunyuan-large-2024-11-05", _c(use="commercial", monthly_active_users=10, regions=("UK",)),
     "allowed"),
    ("hunyuan-large-2024-11-05", _c(use="research", monthly_active_users=10, regions=("KR",)),
     "allowed"),
    ("hunyuan-video-2024-12-03", _c(use="research", monthly_active_users=10, regions=("UK",)),
     "prohibited"),
    ("hunyuan-a13b-2025-06-27", _c(use="commercial", monthly_active_users=10, regions=("KR",)),
     "prohibited"),
    ("hunyuan-dit-2024-05-14", _c(use="commercial", monthly_active_users=150_000_000,
                                  regions=("US",)), "prohibited"),
    ("hunyuan-dit-2024-05-14", _c(use="commercial", monthly_active_users=50_000_000,
                                  regions=("US",)), "allowed"),
    ("hunyuan-3d-2.0", _c(use="commercial", monthly_active_users=2_000_000, regions=("US",)),
     "prohibited"),
    # the MAU limit of Hunyuan binds all use, research too
    ("hunyuan-large-2024-11-05", _c(use="research", monthly_active_users=150_000_000,
                                    regions=("US",)), "prohibited"),
    ("glm-130b", _c(use="commercial"), "prohibited"),
    ("glm-130b", _c(use="research"), "allowed"),
    ("aixcoder", _c(use="internal"), "prohibited"),
    ("chatglm3-6b", _c(use="commercial"), "conditional"),
    ("chatglm3-6b", _c(use="research"), "allowed"),
    ("cogvideox", _c(use="commercial", monthly_active_users=5_000_000), "prohibited"),
    ("databricks-open-model", _c(use="commercial", monthly_active_users=800_000_000),
     "prohibited"),
    ("databricks-open-model", _c(use="commercial", monthly_active_users=1_000_000), "allowed"),
    ("kolors-2024-07-06", _c(use="commercial", monthly_active_users=1_000_000), "conditional"),
    ("kolors-2024-07-06", _c(use="commercial", monthly_active_users=400_000_000),
     "prohibited"),
    ("minimax-2025-01-15", _c(use="commercial", monthly_active_users=900_000_000), "allowed"),
    ("kimi-modified-mit", _c(use="commercial", monthly_active_users=900_000_000), "allowed"),
    ("yi-1.0", _c(use="commercial"), "prohibited"),
    ("yi-2.0", _c(use="commercial"), "conditional"),
    ("qwen-research", _c(use="commercial"), "prohibited"),
    ("qwen-research", _c(use="research"), "allowed"),
    ("tongyi-qianwen-2023-08-23", _c(use="commercial", monthly_active_users=150_000_000),
     "prohibited"),
    ("tongyi-qianwen-2023-08-23", _c(use="research", monthly_active_users=150_000_000),
     "allowed"),
    ("bilibili-model-ula-2025-09-09", _c(use="research", monthly_active_users=200_000_000),
     "prohibited"),
    # a revenue limit in RMB cannot be compared with USD figures: unknown, never allowed
    ("bilibili-model-ula-2025-09-09", _c(use="commercial", monthly_active_users=10,
                                         annual_revenue_usd=1_000), "unknown"),
    ("exaone-1.1-nc", _c(use="internal"), "prohibited"),
    ("hyperclova-x-seed-2025", _c(use="commercial", monthly_active_users=20_000_000),
     "prohibited"),
    ("hyperclova-x-seed-2025", _c(use="commercial", monthly_active_users=1_000),
     "conditional"),
    ("openatom-model-1.0", _c(use="commercial", monthly_active_users=900_000_000), "allowed"),
]


@pytest.mark.parametrize(("rule_id", "context", "expected"), ANSWERS,
                         ids=[f"{r}-{i}" for i, (r, _c, _e) in enumerate(ANSWERS)])
def test_context_answers(pack: RulePack, rule_id: str, context: Context,
                         expected: str) -> None:
    evaluation = _evaluate_model()([_rule(pack, rule_id)], pack, context)
    assert evaluation.commercial_use == expected


def test_obligations_name_the_owed_lines(pack: RulePack) -> None:
    evaluate_model = _evaluate_model()
    redistributed = _c(use="commercial", monthly_active_users=10, regions=("US",),
                       distribution="redistributed")
    texts = {rule_id: " ".join(o.text for o in evaluate_model(
        [_rule(pack, rule_id)], pack, redistributed).obligation_items)
        for rule_id in ("codegeex4", "hyperclova-x-seed-2025", "exaone-1.1-nc")}
    assert "Built with CodeGeeX4" in texts["codegeex4"] and "CodeGeeX4" in texts["codegeex4"]
    assert "Powered by HyperCLOVA X" in texts["hyperclova-x-seed-2025"]
    assert "EXAONE" in texts["exaone-1.1-nc"]
