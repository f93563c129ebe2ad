"""The configured policy: rule kinds, precedence, AND/OR/WITH, unknown licenses, the context,
waivers and their expiry, and configuration errors that name the file, key and line."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from licscan.conclude import flags_for
from licscan.config import Config, find_config, load_config
from licscan.errors import ConfigError
from licscan.model import Finding, LicenseConclusion, ModelError, ModelRef, ModelResult
from licscan.policy import expr as spdx
from licscan.policy.findings import CATALOGUE
from licscan.policy.model import CATEGORIES, Decision
from licscan.rulepack import RulePack, load_rulepack
from licscan.scan import build_policy
from licscan.terms.context import Context

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 6, 1)
LLAMA31 = "LicenseRef-scancode-llama-3.1-license-2024"
HUNYUAN = "LicenseRef-scancode-tencent-hunyuan-3d-2.0-cla"


@pytest.fixture(scope="module")
def rulepack() -> RulePack:
    return load_rulepack()


def config(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "licscan.yaml"
    path.write_text(text)
    return load_config(path, today=TODAY)


def model(pack: RulePack, expression: str | None, *, findings: tuple[Finding, ...] = (),
          model_id: str = "acme/m", revision: str | None = "a" * 40,
          requested: str | None = None) -> ModelResult:
    ref = ModelRef(kind="hub", target=model_id, repo_id=model_id, revision=requested)
    lic = LicenseConclusion(expression, None, 90 if expression else 0,
                            "resolved" if expression else "unresolved")
    return ModelResult(ref=ref, status="ok", source="hub", revision=revision, verdict="review",
                       license=lic, flags=flags_for(expression, pack), findings=findings)


def decide(cfg: Config, pack: RulePack, result: ModelResult, *, today: date = TODAY,
           context: Context | None = None) -> Decision:
    return build_policy(cfg, pack, context, today=today)(result)


def rules_config(tmp_path: Path, body: str) -> Config:
    return config(tmp_path, "policy:\n" + body)


# --- each rule kind ---------------------------------------------------------------------------


@pytest.mark.parametrize(("rules", "expression", "verdict", "decided_by"), [
    ("  deny: [CC-BY-NC-4.0]\n", "CC-BY-NC-4.0", "deny", "policy:deny[0]"),  # SPDX id
    ("  deny: [MIT, llama3.1]\n", LLAMA31, "deny", "policy:deny[1]"),  # rule-pack id
    ("  deny: [cc-by-nc-4.0]\n", "CC-BY-NC-4.0", "deny", "policy:deny[0]"),  # Hub id
    ("  review: [{license: llama3.1}]\n", LLAMA31, "review", "policy:review[0]"),
    ("  allow: ['MIT OR Apache-2.0']\n", "Apache-2.0 OR MIT", "allow", "policy:allow[0]"),
    ("  deny: [non-commercial]\n", "CC-BY-NC-4.0", "deny", "policy:deny[0]"),  # category
    ("  deny: [{category: copyleft}]\n", "GPL-3.0-only", "deny", "policy:deny[0]"),
    ("  review: [{family: llama}]\n", "LicenseRef-scancode-llama-3.2-license-2024", "review",
     "policy:review[0]"),
    ("  deny: [{flag: commercial_use, is: prohibited}]\n", "CC-BY-NC-4.0", "deny",
     "policy:deny[0]"),
    ("  review: [{flag: commercial_use, is: [conditional, unknown]}]\n", LLAMA31, "review",
     "policy:review[0]"),
    ("  review: [{flag: acceptable_use_policy, is: true}]\n", "LicenseRef-licscan-gemma",
     "review", "policy:review[0]"),
    ("  deny: [unknown]\n", "LicenseRef-acme-in-house", "deny", "policy:deny[0]"),
])
def test_each_rule_kind_decides(tmp_path: Path, rulepack: RulePack, rules: str, expression: str,
                                verdict: str, decided_by: str) -> None:
    decision = decide(rules_config(tmp_path, rules), rulepack, model(rulepack, expression))
    assert (decision.verdict, decision.decided_by) == (verdict, decided_by)


def test_a_rule_that_does_not_match_leaves_the_default(tmp_path: Path,
                                                       rulepack: RulePack) -> None:
    cfg = rules_config(tmp_path, "  deny: [non-commercial, {family: llama}, GPL-3.0-only]\n")
    decision = decide(cfg, rulepack, model(rulepack, "MIT"))
    assert (decision.verdict, decision.decided_by) == ("allow", "default-policy")


def test_finding_rules(tmp_path: Path, rulepack: RulePack) -> None:
    mismatch = (Finding("license-mismatch", "review", "card says MIT, files say Llama"),)
    result = model(rulepack, "MIT", findings=mismatch)
    denied = decide(rules_config(tmp_path, "  deny: [{finding: license-mismatch}]\n"),
                    rulepack, result)
    assert (denied.verdict, denied.decided_by) == ("deny", "policy:deny[0]")
    assert "card says MIT" in denied.reason
    # Without a rule the default policy lets the finding raise the verdict ...
    default = decide(rules_config(tmp_path, "  deny: []\n"), rulepack, result)
    assert (default.verdict, default.decided_by) == ("review", "default-policy")
    # ... an allow finding rule accepts it ...
    accepted = decide(rules_config(tmp_path, "  allow: [{finding: license-mismatch}]\n"),
                      rulepack, result)
    assert (accepted.verdict, accepted.decided_by) == ("allow", "default-policy")
    # ... and a review finding rule outranks an allow rule for the license.
    floor = decide(rules_config(tmp_path, "  review: [{finding: license-mismatch}]\n"
                                          "  allow: [MIT]\n"), rulepack, result)
    assert (floor.verdict, floor.decided_by) == ("review", "policy:review[0]")


# --- precedence -------------------------------------------------------------------------------


@pytest.mark.parametrize(("lists", "verdict", "decided_by"), [
    ("  deny: [{family: mit}]\n  review: [permissive]\n  allow: [MIT]\n", "deny",
     "policy:deny[0]"),
    ("  review: [permissive]\n  allow: [MIT]\n", "review", "policy:review[0]"),
    ("  allow: [MIT]\n", "allow", "policy:allow[0]"),
    ("  allow: []\n", "allow", "default-policy"),
])
def test_deny_beats_review_beats_allow_beats_default(tmp_path: Path, rulepack: RulePack,
                                                     lists: str, verdict: str,
                                                     decided_by: str) -> None:
    decision = decide(rules_config(tmp_path, lists), rulepack, model(rulepack, "MIT"))
    assert (decision.verdict, decision.decided_by) == (verdict, decided_by)


def test_waiver_beats_deny(tmp_path: Path, rulepack: RulePack) -> None:
    cfg = config(tmp_path, "policy:\n  deny: [non-commercial]\nwaivers:\n  - model: acme/m\n"
                           "    reason: negotiated license, contract 2026-114\n"
                           "    approved_by: legal@acme.example\n    expires: 2027-06-30\n")
    decision = decide(cfg, rulepack, model(rulepack, "CC-BY-NC-4.0"))
    assert (decision.verdict, decision.decided_by) == ("allow", "waiver:acme/m")
    assert "contract 2026-114" in decision.reason and "legal@acme.example" in decision.reason
    assert decision.waivers[0].status == "applied"


def test_an_exact_with_rule_decides_before_rules_about_the_bare_license(
        tmp_path: Path, rulepack: RulePack) -> None:
    cfg = rules_config(tmp_path, "  deny: [copyleft]\n"
                                 "  allow: ['GPL-2.0-only WITH Classpath-exception-2.0']\n")
    excepted = decide(cfg, rulepack, model(rulepack, "GPL-2.0-only WITH Classpath-exception-2.0"))
    assert (excepted.verdict, excepted.decided_by) == ("allow", "policy:allow[0]")
    plain = decide(cfg, rulepack, model(rulepack, "GPL-2.0-only"))
    assert (plain.verdict, plain.decided_by) == ("deny", "policy:deny[0]")
    other = decide(cfg, rulepack, model(rulepack, "GPL-2.0-only WITH Autoconf-exception-2.0"))
    assert other.verdict == "deny"  # another exception is not the one allowed


# --- AND / OR ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "verdict", "decided_by", "chosen"), [
    ("MIT OR CC-BY-NC-4.0", "allow", "policy:allow[0]", "MIT"),  # the best allowed branch
    ("CC-BY-NC-4.0 OR MIT", "allow", "policy:allow[0]", "MIT"),
    ("MIT AND CC-BY-NC-4.0", "deny", "policy:deny[0]", "CC-BY-NC-4.0"),  # every part
    ("CC-BY-NC-4.0 OR GPL-3.0-only", "deny", "policy:deny[0]", "CC-BY-NC-4.0"),
    ("(MIT AND CC-BY-NC-4.0) OR Apache-2.0", "allow", "policy:allow[1]", "Apache-2.0"),
    (f"MIT AND {LLAMA31}", "review", "policy:review[0]", "Llama 3.1"),
    ("CC-BY-NC-4.0 OR Unlicense", "allow", "default-policy", "Unlicense"),  # a default branch
])
def test_and_or(tmp_path: Path, rulepack: RulePack, expression: str, verdict: str,
                decided_by: str, chosen: str) -> None:
    cfg = rules_config(tmp_path, "  deny: [non-commercial, copyleft]\n  review: [{family: llama}]\n"
                                 "  allow: [MIT, Apache-2.0]\n")
    decision = decide(cfg, rulepack, model(rulepack, expression))
    assert (decision.verdict, decision.decided_by) == (verdict, decided_by)
    assert chosen in decision.reason and decision.reason.startswith(expression)


# --- unknown licenses -------------------------------------------------------------------------


def test_unknown_switch(tmp_path: Path, rulepack: RulePack) -> None:
    unresolved = model(rulepack, None, findings=(
        Finding("license-unresolved", "review", "the card declares no license"),))
    in_house = model(rulepack, "LicenseRef-acme-in-house")
    lenient = rules_config(tmp_path, "  unknown: review\n")
    strict = rules_config(tmp_path, "  unknown: deny\n")
    for result in (unresolved, in_house):
        assert decide(lenient, rulepack, result).verdict == "review"
        decision = decide(strict, rulepack, result)
        assert (decision.verdict, decision.decided_by) == ("deny", "policy:unknown")
    assert "declares no license" in decide(strict, rulepack, unresolved).reason
    accepted = decide(rules_config(tmp_path, "  unknown: deny\n"
                                             "  allow: [LicenseRef-acme-in-house]\n"),
                      rulepack, in_house)
    assert (accepted.verdict, accepted.decided_by) == ("allow", "policy:allow[0]")
    allowed = decide(rules_config(tmp_path, "  unknown: deny\n  allow: [unknown]\n"), rulepack,
                     unresolved)
    assert (allowed.verdict, allowed.decided_by) == ("allow", "policy:allow[0]")


@pytest.mark.parametrize("rule", ["{flag: attribution, is: false}",
                                  "{flag: share_alike, is: false}",
                                  "{flag: acceptable_use_policy, is: false}"])
def test_a_duty_flag_rule_does_not_match_a_license_whose_terms_are_unknown(
        tmp_path: Path, rulepack: RulePack, rule: str) -> None:
    """An unknown license has no known duties: "no attribution duty" is not something it
    shows, so an allow rule on it must not open the gate."""
    cfg = rules_config(tmp_path, f"  unknown: deny\n  allow: [{rule}]\n")
    decision = decide(cfg, rulepack, model(rulepack, "LicenseRef-acme-in-house"))
    assert (decision.verdict, decision.decided_by) == ("deny", "policy:unknown")
    public_domain = decide(cfg, rulepack, model(rulepack, "CC0-1.0"))  # none of the three
    assert (public_domain.verdict, public_domain.decided_by) == ("allow", "policy:allow[0]")


@pytest.mark.parametrize("flag", ["attribution", "share_alike", "acceptable_use_policy"])
def test_a_duty_flag_rule_does_not_match_an_undetermined_license(
        tmp_path: Path, rulepack: RulePack, flag: str) -> None:
    cfg = rules_config(tmp_path, f"  unknown: deny\n  allow: [{{flag: {flag}, is: false}}]\n")
    unresolved = model(rulepack, None, findings=(
        Finding("license-unresolved", "review", "the card declares no license"),))
    decision = decide(cfg, rulepack, unresolved)
    assert (decision.verdict, decision.decided_by) == ("deny", "policy:unknown")


@pytest.mark.parametrize("code", ["card-restricts-use", "scan-incomplete", "gated-repo",
                                  "license-name-mismatch"])
def test_an_allow_rule_about_the_license_does_not_lower_a_gate_finding(
        tmp_path: Path, rulepack: RulePack, code: str) -> None:
    found = model(rulepack, "MIT", findings=(Finding(code, "review", "the evidence says so"),))
    by_license = decide(rules_config(tmp_path, "  allow: [permissive]\n"), rulepack, found)
    assert (by_license.verdict, by_license.decided_by) == ("review", f"finding:{code}")
    accepted = decide(rules_config(tmp_path, f"  allow: [permissive, {{finding: {code}}}]\n"),
                      rulepack, found)
    assert (accepted.verdict, accepted.decided_by) == ("allow", "policy:allow[0]")
    other = model(rulepack, "MIT", findings=(Finding("lineage-naming", "review", "name"),))
    assert decide(rules_config(tmp_path, "  allow: [permissive]\n"), rulepack,
                  other).verdict == "allow"  # not a gate finding: the policy's choice


def test_a_model_that_could_not_be_scanned_gets_the_unknown_verdict(
        tmp_path: Path, rulepack: RulePack) -> None:
    ref = ModelRef(kind="hub", target="acme/gone", repo_id="acme/gone")
    failed = ModelResult(ref=ref, status="error", source="hub", revision=None,
                         verdict="review", error=ModelError("not-found", "no such model"))
    cfg = config(tmp_path, "policy:\n  unknown: deny\nwaivers:\n  - model: acme/gone\n"
                           "    reason: r\n    approved_by: a\n    expires: 2027-01-01\n")
    decision = decide(cfg, rulepack, failed)
    assert (decision.verdict, decision.decided_by) == ("deny", "policy:unknown")
    assert "no such model" in decision.reason


# --- the context ------------------------------------------------------------------------------


@pytest.mark.parametrize(("context", "expression", "verdict", "words"), [
    ("use: commercial\n  monthly_active_users: 2000000\n  regions: [US]", LLAMA31, "allow",
     "below the limit of 700,000,000"),
    ("use: commercial\n  monthly_active_users: 900000000\n  regions: [US]", LLAMA31, "deny",
     "reach the limit"),
    ("use: research", "CC-BY-NC-4.0", "allow", "Research use is within"),
    ("use: commercial\n  regions: [DE]\n  monthly_active_users: 10", HUNYUAN, "deny",
     "established in DE"),
    ("use: commercial\n  regions: [US]\n  monthly_active_users: 10", HUNYUAN, "allow",
     "below the limit"),
])
def test_the_context_answers_what_no_rule_decides(tmp_path: Path, rulepack: RulePack,
                                                   context: str, expression: str, verdict: str,
                                                   words: str) -> None:
    cfg = config(tmp_path, f"context:\n  {context}\n")
    decision = decide(cfg, rulepack, model(rulepack, expression))
    assert (decision.verdict, decision.decided_by) == (verdict, "context:commercial_use")
    assert words in decision.reason
    without = decide(config(tmp_path, "policy: {}\n"), rulepack, model(rulepack, expression))
    assert without.decided_by == "default-policy"


def test_rules_outrank_the_context_and_a_context_file_replaces_the_config_section(
        tmp_path: Path, rulepack: RulePack) -> None:
    cfg = config(tmp_path, "context:\n  use: research\npolicy:\n  deny: [non-commercial]\n")
    assert decide(cfg, rulepack, model(rulepack, "CC-BY-NC-4.0")).verdict == "deny"
    plain = config(tmp_path, "context:\n  use: research\n")
    assert decide(plain, rulepack, model(rulepack, "CC-BY-NC-4.0")).verdict == "allow"
    override = decide(plain, rulepack, model(rulepack, "CC-BY-NC-4.0"),
                      context=Context(use="commercial"))
    assert (override.verdict, override.decided_by) == ("deny", "context:commercial_use")


# --- waivers ----------------------------------------------------------------------------------


def waiver_config(tmp_path: Path, expires: str, extra: str = "", rules: str = "") -> Config:
    return config(tmp_path, "policy:\n  deny: [non-commercial]\n" + rules + "waivers:\n"
                  "  - model: Acme/M\n    reason: bought a commercial license\n"
                  f"    approved_by: legal@acme.example\n    expires: '{expires}'\n" + extra)


def test_a_waiver_applies_through_its_last_day_then_becomes_a_finding(
        tmp_path: Path, rulepack: RulePack) -> None:
    result = model(rulepack, "CC-BY-NC-4.0")
    cfg = waiver_config(tmp_path, "2026-06-01")
    on_the_day = decide(cfg, rulepack, result, today=date(2026, 6, 1))
    assert (on_the_day.verdict, on_the_day.decided_by) == ("allow", "waiver:Acme/M")
    assert on_the_day.findings == ()
    after = decide(cfg, rulepack, result, today=date(2026, 6, 2))
    assert (after.verdict, after.decided_by) == ("deny", "policy:deny[0]")
    assert [f.code for f in after.findings] == ["waiver-expired"]
    assert "expired on 2026-06-01" in after.findings[0].message
    assert after.waivers[0].status == "expired"


def test_an_expired_waiver_can_itself_be_denied(tmp_path: Path, rulepack: RulePack) -> None:
    cfg = waiver_config(tmp_path, "2026-01-01", rules="  review: [{finding: waiver-expired}]\n")
    decision = decide(cfg, rulepack, model(rulepack, "MIT"))
    assert (decision.verdict, decision.decided_by) == ("review", "policy:review[0]")


def test_a_waiver_for_a_license_stops_when_the_license_changes(
        tmp_path: Path, rulepack: RulePack) -> None:
    cfg = waiver_config(tmp_path, "2027-01-01", "    license: cc-by-nc-4.0\n")
    assert decide(cfg, rulepack, model(rulepack, "CC-BY-NC-4.0")).verdict == "allow"
    changed = decide(cfg, rulepack, model(rulepack, "CC-BY-NC-4.0 AND CC-BY-NC-SA-4.0"))
    assert (changed.verdict, changed.decided_by) == ("deny", "policy:deny[0]")
    assert "granted for the license cc-by-nc-4.0" in (changed.waivers[0].why or "")


def test_a_waiver_for_a_revision(tmp_path: Path, rulepack: RulePack) -> None:
    cfg = waiver_config(tmp_path, "2027-01-01", "    revision: abcdef1\n")
    pinned = model(rulepack, "CC-BY-NC-4.0", revision="abcdef1" + "0" * 33)
    assert decide(cfg, rulepack, pinned).decided_by == "waiver:Acme/M"
    moved = model(rulepack, "CC-BY-NC-4.0", revision="1234567" + "0" * 33)
    assert decide(cfg, rulepack, moved).verdict == "deny"


def test_a_waiver_for_another_model_does_nothing(tmp_path: Path, rulepack: RulePack) -> None:
    cfg = waiver_config(tmp_path, "2027-01-01")
    decision = decide(cfg, rulepack, model(rulepack, "CC-BY-NC-4.0", model_id="acme/other"))
    assert decision.verdict == "deny" and decision.waivers == ()


# --- configuration errors ---------------------------------------------------------------------

_WAIVER = "waivers:\n  - model: acme/x\n    reason: r\n    approved_by: a\n"


@pytest.mark.parametrize(("text", "key", "line", "words"), [
    (_WAIVER, "waivers[0].expires", 2, "expires is required"),
    (_WAIVER + "    expires: 2031-01-01\n", "waivers[0].expires", 5, "more than 3 years"),
    (_WAIVER + "    expires: next year\n", "waivers[0].expires", 5, "not a date"),
    ("waivers:\n  - model: acme/x\n    approved_by: a\n    expires: 2027-01-01\n",
     "waivers[0].reason", 2, "reason is required"),
    (_WAIVER + "    expires: 2027-01-01\n    until: x\n", "waivers[0].until", 6, "unknown key"),
    ("manifest: models.yaml\npolcy: {}\n", "polcy", 2, "unknown key"),
    ("policy:\n  fail_on: sometimes\n", "policy.fail_on", 2, "not one of"),
    ("policy:\n  unknown: allow\n", "policy.unknown", 2, "not one of"),
    ("policy:\n  denied: []\n", "policy.denied", 2, "unknown key"),
    ("policy:\n  deny:\n    - MIT\n    - {category: comercial}\n", "policy.deny[1]", 4,
     "unknown category"),
    ("policy:\n  deny:\n    - {flag: commercial, is: prohibited}\n", "policy.deny[0]", 3,
     "unknown flag"),
    ("policy:\n  deny:\n    - {flag: commercial_use, is: forbidden}\n", "policy.deny[0]", 3,
     "takes `is:`"),
    ("policy:\n  review:\n    - {finding: license-missmatch}\n", "policy.review[0]", 3,
     "unknown finding code"),
    ("policy:\n  allow:\n    - 'MIT AND'\n", "policy.allow[0]", 3, "not an SPDX expression"),
    ("policy:\n  allow:\n    - {license: MIT, family: mit}\n", "policy.allow[0]", 3,
     "exactly one of"),
    ("policy:\n  allow: MIT\n", "policy.allow", 2, "must be a list"),
    ("context:\n  use: comercial\n", "context.use", 2, "not one of"),
])
def test_config_errors_name_the_file_key_and_line(tmp_path: Path, text: str, key: str,
                                                  line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(tmp_path, text)
    error = caught.value
    assert (error.key, error.line) == (key, line)
    assert words in error.message
    assert error.file is not None and error.file.endswith("licscan.yaml")
    assert error.diagnostics().startswith(f"{error.file}:{line}: {key}: ")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        config(tmp_path, "policy:\n  deny: [MIT\n")
    assert caught.value.line is not None and caught.value.line >= 2


@pytest.mark.parametrize(("rule", "words", "hint"), [
    ("MITT", "unknown license id 'MITT'", "licscan rules list"),
    ("gpl", "unknown license id 'gpl'", "{family: gpl}"),
    ("'MIT OR Apahce-2.0'", "unknown license id 'Apahce-2.0'", "SPDX id"),
    ("{family: lama}", "unknown family 'lama'", "llama"),
])
def test_rule_ids_are_checked_against_the_rule_pack(tmp_path: Path, rulepack: RulePack,
                                                    rule: str, words: str, hint: str) -> None:
    cfg = config(tmp_path, f"policy:\n  allow:\n    - MIT\n    - {rule}\n")
    with pytest.raises(ConfigError) as caught:
        build_policy(cfg, rulepack, today=TODAY)
    assert words in caught.value.message and hint in (caught.value.hint or "")
    assert (caught.value.line, caught.value.key) == (4, "policy.allow[1]")


def test_own_licenseref_ids_and_hub_ids_are_accepted(tmp_path: Path, rulepack: RulePack) -> None:
    cfg = config(tmp_path, "policy:\n  allow: [LicenseRef-acme-internal, apache-2.0, llama3.1,"
                           " creativeml-openrail-m, {family: gemma}]\n")
    assert build_policy(cfg, rulepack, today=TODAY).policy.allow[0].kind == "license"


def test_the_example_config_loads_and_builds(rulepack: RulePack) -> None:
    cfg = load_config(REPO / "docs" / "examples" / "licscan.yaml", today=TODAY)
    policy = build_policy(cfg, rulepack, today=TODAY)
    assert policy.policy.deny and policy.policy.waivers and cfg.context is not None


# --- finding the file -------------------------------------------------------------------------


def test_the_config_is_found_up_to_the_git_root(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "licscan.yaml").write_text("policy: {}\n")  # above the repository: ignored
    repo = tmp_path / "repo"
    deep = repo / "src" / "pkg"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    assert find_config(deep) is None
    (repo / "licscan.yaml").write_text("policy: {}\n")
    assert find_config(deep) == (repo / "licscan.yaml").resolve()
    monkeypatch.chdir(deep)
    from licscan.config import resolve_config

    assert resolve_config().manifest == (repo / "models.yaml").resolve()


# --- the expression reader and the catalogues -------------------------------------------------


def test_the_expression_reader() -> None:
    parsed = spdx.parse("MIT or (Apache-2.0 AND GPL-2.0-only WITH Classpath-exception-2.0) OR X")
    assert str(parsed) == "MIT OR (Apache-2.0 AND GPL-2.0-only WITH Classpath-exception-2.0) OR X"
    assert isinstance(parsed, spdx.Compound) and parsed.op == "OR" and len(parsed.args) == 3
    assert spdx.parse("A AND B OR C") == spdx.parse("(A AND B) OR C")  # AND binds tighter
    for bad in ("", "MIT AND", "(MIT", "MIT)", "WITH X", "MIT WITH (X)", "(A) WITH B"):
        with pytest.raises(spdx.ExpressionProblem):
            spdx.parse(bad)

    def same(a: spdx.Leaf, b: spdx.Leaf) -> bool:
        return a == b

    assert spdx.same_shape(spdx.parse("B OR A"), spdx.parse("A OR B"), same)
    assert not spdx.same_shape(spdx.parse("A AND B"), spdx.parse("A OR B"), same)
    assert not spdx.same_shape(spdx.parse("A OR B"), spdx.parse("A OR B OR C"), same)


def test_categories_mirror_the_rule_schema() -> None:
    schema = json.loads((REPO / "licscan" / "schemas" / "rule.schema.json").read_text())
    assert tuple(schema["properties"]["category"]["enum"]) == CATEGORIES


def test_every_finding_code_is_catalogued() -> None:
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", (REPO / "docs" / "findings.md")
                                .read_text(), re.MULTILINE))
    emitted: set[str] = set()
    for path in (REPO / "licscan").rglob("*.py"):
        text = path.read_text()
        emitted.update(re.findall(r'(?:Finding|Note)\(\s*"([a-z0-9]+(?:-[a-z0-9]+)+)"', text))
    assert documented and emitted
    assert documented <= set(CATALOGUE), documented - set(CATALOGUE)
    assert emitted <= set(CATALOGUE), emitted - set(CATALOGUE)


def test_a_policy_decides_inside_a_real_scan(tmp_path: Path) -> None:
    from licscan.scan import Scanner, ScanOptions
    from licscan.targets import parse_target

    folder = tmp_path / "nc-model"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: cc-by-nc-4.0\n---\n# nc\n")
    cfg = config(tmp_path, "policy:\n  deny: [MIT, non-commercial]\n")
    pack = load_rulepack()
    scanner = Scanner(ScanOptions(jobs=1, offline=True), pack=pack,
                      policy=build_policy(cfg, pack, today=date.today() + timedelta(days=1)))
    [result] = scanner.scan([parse_target(str(folder))]).models
    assert (result.verdict, result.decided_by) == ("deny", "policy:deny[1]")
    assert "non-commercial" in (result.verdict_reason or "")


# --- the JSON Schema agrees with the loader ----------------------------------------------------


def _schema_errors(text: str) -> list[str]:
    import jsonschema

    from licscan import safeyaml

    schema = json.loads((REPO / "docs" / "schemas" / "config.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(safeyaml.load(text))]


def test_the_example_config_matches_the_schema() -> None:
    assert _schema_errors((REPO / "docs" / "examples" / "licscan.yaml").read_text()) == []


@pytest.mark.parametrize("text", [
    "polcy: {}\n",
    "policy:\n  deny: [{category: comercial}]\n",
    "policy:\n  deny: [{flag: commercial_use, is: forbidden}]\n",
    "policy:\n  unknown: allow\n",
    "waivers:\n  - model: acme/x\n    reason: r\n    approved_by: a\n",
    "context:\n  use: comercial\n",
])
def test_the_schema_and_the_loader_reject_the_same_mistakes(tmp_path: Path, text: str) -> None:
    assert _schema_errors(text)
    with pytest.raises(ConfigError):
        config(tmp_path, text)


def test_allow_rule_cannot_override_a_prohibiting_context(tmp_path: Path) -> None:
    """`allow: [{family: llama}]` accepts Llama's terms; at 800M users they grant nothing."""
    from licscan.config import load_config
    from licscan.scan import ScanOptions, configured_scanner
    from licscan.targets import parse_target

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: llama3.1\n---\n")
    for users, verdict, by in ((2_000_000, "allow", "policy:allow[0]"),
                               (800_000_000, "deny", "context:commercial_use")):
        config = tmp_path / f"licscan-{users}.yaml"
        config.write_text(f"context: {{use: commercial, monthly_active_users: {users}}}\n"
                          "policy:\n  allow: [{family: llama}]\n")
        scanner, _ = configured_scanner(load_config(config), ScanOptions(offline=True))
        (model,) = scanner.scan([parse_target(str(folder))]).models
        assert (model.verdict, model.decided_by) == (verdict, by)


# --- one engine: the default is a Policy; OR names its branch; the report follows it ---------


def test_the_default_is_a_policy_value_decided_by_the_same_engine(tmp_path: Path,
                                                                  rulepack: RulePack) -> None:
    from licscan.policy.applied import AppliedPolicy
    from licscan.policy.default import DEFAULT_POLICY
    from licscan.scan import Scanner, ScanOptions

    scanner = Scanner(ScanOptions(jobs=1, offline=True), rulepack)
    assert isinstance(scanner.policy, AppliedPolicy) and scanner.policy.policy == DEFAULT_POLICY
    assert config(tmp_path, "policy: {}\n").policy == DEFAULT_POLICY


def test_or_names_the_branch_and_prefers_the_one_best_before_findings(
        tmp_path: Path, rulepack: RulePack) -> None:
    cfg = config(tmp_path, "policy: {}\n")
    plain = decide(cfg, rulepack, model(rulepack, "CC-BY-NC-4.0 OR MIT"))
    assert (plain.verdict, plain.branch) == ("allow", ("MIT",))
    assert plain.reason.startswith("CC-BY-NC-4.0 OR MIT: the most permissive branch is MIT; ")
    # A review finding raises both branches to review: the one that was better still wins.
    finding = (Finding("license-file-missing", "review", "no license file"),)
    raised = decide(cfg, rulepack, model(rulepack, f"{LLAMA31} OR MIT", findings=finding))
    assert (raised.verdict, raised.branch) == ("review", ("MIT",))
    both = decide(cfg, rulepack, model(rulepack, "MIT AND CC-BY-NC-4.0"))
    assert both.branch == ("MIT", "CC-BY-NC-4.0")
    # An AND part is as good, before findings, as its worst part (Llama 3.1: conditional).
    nested = decide(cfg, rulepack, model(rulepack, f"(MIT AND {LLAMA31}) OR Apache-2.0",
                                         findings=finding))
    assert (nested.verdict, nested.branch) == ("review", ("Apache-2.0",))


def test_the_report_follows_the_branch_a_rule_chose(tmp_path: Path) -> None:
    """In research both branches are allowed; a deny rule on Apache-2.0 sends the model
    through CC-BY-NC-4.0, and the obligations are that license's."""
    from licscan.scan import ScanOptions, configured_scanner
    from licscan.targets import parse_target

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: apache-2.0 OR cc-by-nc-4.0\n---\n")
    path = tmp_path / "licscan.yaml"
    for text, verdict, rules in (
            ("context: {use: research}\n", "allow", {"apache-2.0"}),
            ("context: {use: research}\npolicy:\n  deny: [Apache-2.0]\n", "allow",
             {"cc-by-nc-4.0"})):
        path.write_text(text)
        scanner, _ = configured_scanner(load_config(path), ScanOptions(offline=True))
        (result,) = scanner.scan([parse_target(str(folder))]).models
        assert result.verdict == verdict
        assert result.evaluation is not None
        assert {o.rule for o in result.evaluation.obligations} == rules
        assert (result.evaluation.chosen_branch or "?") in (result.verdict_reason or "")
