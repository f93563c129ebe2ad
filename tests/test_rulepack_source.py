"""The rule files are the rule pack's source of truth (issue 13): nothing generates them, they
state no field the loader derives, every Hub id has a rule (or a documented reason), every fact
is cited with a valid confidence, and the generated files of rules/ are regenerated and compared.

(rules/spdx-licenses.tsv is regenerated from the SPDX reference folder and compared in
tests/test_spdx_derived.py.)"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from licscan.errors import RulePackError
from licscan.rulecheck import redundant_fields, validate_dir, validate_rule
from licscan.rulepack import (
    COMPILED,
    Rule,
    RulePack,
    complete_rule_data,
    derivable_fields,
    load_rulepack,
    rule_from_mapping,
)

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
HUB_IDS = REPO.parent / "shared" / "research" / "hf-license-identifiers.tsv"

# Hub ids whose rule has another id, and why (the rule claims the Hub id in `hub_ids`).
RENAMED_HUB_IDS = {
    "openrail++": ("creativeml-openrail++-m", "the Hub id names the family; the rule is named "
                                              "after the license's own title"),
    "deepfloyd-if-license": ("deepfloyd-if", "rule ids do not repeat 'license'"),
    "fair-noncommercial-research-license": ("fair-noncommercial-research",
                                            "rule ids do not repeat 'license'; dated versions "
                                            "of the text are separate rules"),
}
# Hub ids claimed by rules that are no longer on the Hub's list, and why they stay.
RETIRED_HUB_IDS = {
    "open-mdw": "the Hub's former id of openmdw-1.0, still on old cards",
    "tii-falcon-llm": "retired in 2023, still on old Falcon cards",
}


def _rule_files() -> list[Path]:
    return sorted((RULES / "licenses").glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _lock_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_rules", REPO / "scripts" / "lock_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the rule files are written by hand ------------------------------------------------------


def test_no_rule_file_is_generated() -> None:
    generated = [p.name for p in _rule_files() if "generated" in
                 p.read_text(encoding="utf-8").split("\n", 1)[0].lower()]
    assert generated == []
    assert not list((REPO / "scripts").glob("gen_standard_rules*"))


def test_every_rule_file_validates_against_the_schema() -> None:
    assert validate_dir(RULES) == []


def test_no_rule_file_repeats_what_the_loader_derives() -> None:
    repeated = {p.stem: fields for p in _rule_files() if (fields := redundant_fields(_load(p)))}
    assert repeated == {}, "leave these fields out: the loader derives them (docs/terms.md)"


# --- every Hub id has a rule ------------------------------------------------------------------


def _hub_ids() -> list[str]:
    if not HUB_IDS.is_file():
        if os.environ.get("CI"):
            raise RuntimeError(f"the Hub's license ids are missing at {HUB_IDS}")
        pytest.skip(f"needs {HUB_IDS}")
    with HUB_IDS.open(encoding="utf-8", newline="") as fh:
        return [row["hf_id"] for row in csv.DictReader(fh, delimiter="\t")]


def test_every_hub_id_has_a_rule_of_that_id_or_a_documented_reason(pack: RulePack) -> None:
    ids = _hub_ids()
    assert len(ids) == 83
    missing = [i for i in ids if i.lower() not in pack.by_hub_id]
    assert missing == []
    renamed = {i: pack.by_hub_id[i.lower()].id for i in ids
               if pack.by_hub_id[i.lower()].id != i}
    assert renamed == {i: rule for i, (rule, _why) in RENAMED_HUB_IDS.items()}
    extra = sorted({h for rule in pack.rules.values() for h in rule.hub_ids} - set(ids))
    assert extra == sorted(RETIRED_HUB_IDS)


def test_a_hub_rule_is_a_hand_written_rule_with_terms_or_needs_the_text(pack: RulePack) -> None:
    for hub_id in _hub_ids():
        rule = pack.by_hub_id[hub_id.lower()]
        assert rule.id in pack.rules and not rule.derived, hub_id
        assert rule.terms or rule.needs_text, hub_id


# --- every fact is cited, with a valid confidence ---------------------------------------------

_CONFIDENCES = ("P", "P-card", "S", "?")
# The facts of a terms section that carry their own citation: (path, mapping).
_CITED_LISTS = ("conditions", "duties", "termination", "regional")


def _cited_facts(terms: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for key, part in terms.items():
        if isinstance(part, Mapping):
            yield key, part
            for list_key in _CITED_LISTS:
                for i, item in enumerate(part.get(list_key) or ()):
                    yield f"{key}.{list_key}[{i}]", item
        elif isinstance(part, list):
            for i, item in enumerate(part):
                yield f"{key}[{i}]", item


def _uncited(name: str, data: Mapping[str, Any]) -> list[str]:
    out = []
    for where, fact in _cited_facts(data.get("terms") or {}):
        cite = fact.get("cite")
        if not (isinstance(cite, Mapping) and str(cite.get("clause") or "").strip()
                and cite.get("confidence") in _CONFIDENCES):
            out.append(f"{name}: terms.{where}")
    return out


def _overstated(name: str, data: Mapping[str, Any]) -> list[str]:
    """Facts marked P without a primary source, or P-card without a primary or card source."""
    sources = {s.get("confidence") for s in data.get("sources") or ()}
    out = [f"{name}: sources {sources}"] if not sources or not sources <= set(_CONFIDENCES) else []
    for where, fact in _cited_facts(data.get("terms") or {}):
        confidence = (fact.get("cite") or {}).get("confidence")
        if (confidence == "P" and "P" not in sources) or \
                (confidence == "P-card" and not sources & {"P", "P-card"}):
            out.append(f"{name}: terms.{where} is {confidence}, sources {sources}")
    return out


def test_every_fact_cites_a_clause_with_a_valid_confidence() -> None:
    assert [u for p in _rule_files() for u in _uncited(p.stem, _load(p))] == []


def test_confidence_marks_match_the_sources() -> None:
    """A fact read in a primary text (P) needs a primary source among the rule's sources."""
    assert [o for p in _rule_files() for o in _overstated(p.stem, _load(p))] == []


def test_the_citation_checks_can_fail() -> None:
    data = _load(RULES / "licenses" / "bsd-2-clause.yaml")  # sources and facts at S
    assert _uncited("x", data) == [] and _overstated("x", data) == []
    data["terms"]["distribution"]["duties"][0]["cite"]["clause"] = " "
    data["terms"]["modification"]["cite"]["confidence"] = "P"
    assert _uncited("x", data) == ["x: terms.distribution.duties[0]"]
    assert _overstated("x", data) == ["x: terms.modification is P, sources {'S'}"]
    data["sources"] = [{"ref": "somewhere", "confidence": "sure"}]
    assert _overstated("x", data)[0].startswith("x: sources")


# --- the loader derives what the terms already say ---------------------------------------------


def test_derived_fields_agree_with_the_terms(pack: RulePack) -> None:
    for rule in pack.rules.values():
        terms = rule.terms
        if terms:
            assert (rule.flags.commercial_use, rule.flags.modification,
                    rule.flags.distribution) == tuple(
                terms[k]["value"] for k in ("commercial_use", "modification", "distribution"))
            assert rule.flags.acceptable_use_policy is (
                rule.kind == "use-policy" or "acceptable_use_policy" in terms), rule.id
            policy = terms.get("acceptable_use_policy") or {}
            if "rule" in policy:
                assert rule.use_policy == policy["rule"], rule.id
        assert rule.spdx_listed is not rule.expression_id.startswith(
            ("LicenseRef-", "NOASSERTION")), rule.id
        assert rule.needs_text is (rule.kind in ("family", "marker")), rule.id
        if rule.kind != "license":
            assert rule.category == {"marker": "unknown"}.get(rule.kind, rule.kind), rule.id


def _comparable(rule: Rule) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(rule).items() if k != "origin"}


def test_a_rule_stating_the_derived_fields_loads_the_same() -> None:
    """The rule-file format before issue 13 (every flag, use_policy, category, spdx_listed,
    needs_text stated) still loads, to the same rule; what a file states wins."""
    for name in ("llama3.1", "gemma", "gpl", "unknown", "llama3-aup", "apache-2.0"):
        data = _load(RULES / "licenses" / f"{name}.yaml")
        full = complete_rule_data(data)
        assert set(derivable_fields(data)) - {"flags"} <= set(full)
        assert _comparable(rule_from_mapping(full, "a")) == \
            _comparable(rule_from_mapping(data, "b")), name
        assert validate_rule(full, name) == []
        assert sorted(redundant_fields(full)) == sorted(
            [f"flags.{k}" for k in derivable_fields(data)["flags"]]
            + [k for k in derivable_fields(data) if k != "flags"]), name


@pytest.mark.parametrize(("name", "change", "message"), [
    ("llama3.1", {"flags": {"commercial_use": "allowed"}},
     "flags.commercial_use (allowed) differs from terms"),
    ("llama3.1", {"flags": {"acceptable_use_policy": False}},
     "flags.acceptable_use_policy (False) differs"),
    ("llama3.1", {"use_policy": "llama3-aup"}, "use_policy (llama3-aup) differs from terms"),
    ("llama3.1", {"spdx_listed": True}, "spdx_listed (True) differs from the expression_id"),
    ("gpl", {"needs_text": False}, "needs_text (False) differs from the kind"),
    ("gpl", {"category": "copyleft"}, "category (copyleft) differs from the kind"),
])
def test_a_stated_derived_field_must_agree(name: str, change: dict[str, Any],
                                           message: str) -> None:
    data = _load(RULES / "licenses" / f"{name}.yaml")
    for key, value in change.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    problems = validate_rule(data, name)
    assert any(message in p for p in problems), problems


def test_a_license_may_still_say_it_needs_its_text() -> None:
    data = _load(RULES / "licenses" / "mit.yaml")
    assert validate_rule({**data, "needs_text": True}, "mit") == []
    assert rule_from_mapping({**data, "needs_text": True}, "mit").needs_text


def test_the_schema_still_requires_what_cannot_be_derived() -> None:
    family = _load(RULES / "licenses" / "gpl.yaml")
    del family["flags"]["commercial_use"]  # no terms: the flag is the only statement
    assert validate_rule(family, "gpl")
    with pytest.raises(RulePackError):
        rule_from_mapping(family, "gpl.yaml")
    license_ = _load(RULES / "licenses" / "mit.yaml")
    del license_["category"]  # a license's category is not derivable
    assert any("category" in p for p in validate_rule(license_, "mit"))
    del license_["flags"]["attribution"]
    assert any("attribution" in p for p in validate_rule(license_, "mit"))


# --- the generated files are regenerated and compared -------------------------------------------


def test_compiled_pack_and_lock_are_current_and_deterministic() -> None:
    lock = _lock_script()
    assert lock.check() == [], "run scripts/lock_rules.py"
    assert lock.compiled_text() == lock.compiled_text()
    assert lock.main(["--check"]) == 0


def _locked_copy(lock: ModuleType, tmp_path: Path) -> Path:
    """A copy of rules/ with both generated files written for it."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    (copy / COMPILED).write_text(lock.compiled_text(copy), encoding="utf-8")
    (copy / "rules.lock").write_text(lock.lock_text(copy), encoding="utf-8")
    assert lock.check(copy) == []
    return copy


def test_an_edited_rule_file_makes_both_generated_files_stale(tmp_path: Path) -> None:
    lock = _lock_script()
    copy = _locked_copy(lock, tmp_path)
    mit = copy / "licenses" / "mit.yaml"
    mit.write_text(mit.read_text(encoding="utf-8") + "osi_approved: true\n", encoding="utf-8")
    assert lock.check(copy) == [str(copy / COMPILED), str(copy / "rules.lock")]


def test_rebuilt_fingerprints_leave_the_compiled_pack_current(tmp_path: Path) -> None:
    """compiled.jsonl is keyed by the rule files only; the pack hash (rules.lock) covers all."""
    lock = _lock_script()
    copy = _locked_copy(lock, tmp_path)
    fingerprints = copy / "fingerprints.json"
    fingerprints.write_text(fingerprints.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert lock.check(copy) == [str(copy / "rules.lock")]


def test_the_yaml_and_the_compiled_pack_load_the_same_rules(tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    (copy / COMPILED).unlink()
    from_yaml = load_rulepack([copy]).rules
    builtin = load_rulepack().rules
    assert list(from_yaml) == list(builtin)
    assert [_comparable(r) for r in from_yaml.values()] == \
        [_comparable(r) for r in builtin.values()]


def test_rules_validate_accepts_the_older_format_and_notes_what_may_go(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from licscan.cli.rules import rules_group

    (tmp_path / "licenses").mkdir()
    full = complete_rule_data(_load(RULES / "licenses" / "llama3.1.yaml"))
    (tmp_path / "licenses" / "llama3.1.yaml").write_text(yaml.safe_dump(full))
    result = CliRunner().invoke(rules_group, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "every rule file is valid" in result.stdout
    assert "note: " in result.stderr and "flags.commercial_use" in result.stderr
    assert "use_policy" in result.stderr and "spdx_listed" in result.stderr
    (tmp_path / "licenses" / "llama3.1.yaml").write_text(
        yaml.safe_dump({**full, "spdx_listed": True}))
    result = CliRunner().invoke(rules_group, ["validate", str(tmp_path)])
    assert result.exit_code != 0 and "spdx_listed (True) differs" in result.stderr
