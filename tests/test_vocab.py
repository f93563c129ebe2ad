"""The vocabularies are declared once (licscan.vocab): every other list of the same words is
derived from them or, where it cannot import them (a JSON schema, a module that must stay
light), checked against them here."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest

from licscan import rulepack, vocab
from licscan.lock import trust
from licscan.model import Answer, Finding, Flags
from licscan.policy import model as policy_model
from licscan.policy.model import FindingFact, LeafFacts, Policy, Rule
from licscan.vocab import (
    FLAG_VALUES,
    PERMISSIONS,
    SEVERITIES,
    STRICTNESS,
    VERDICTS,
    FlagValue,
    Permission,
    Severity,
    Verdict,
)

REPO = Path(__file__).resolve().parent.parent


def _defs(path: Path) -> dict[str, object]:
    defs: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))["$defs"]
    return defs


def test_the_report_schema_enums_are_the_vocabularies() -> None:
    for schema in (REPO / "docs/schemas/report.schema.json",
                   REPO / "licscan/schemas/report.schema.json"):
        defs = _defs(schema)
        assert defs["verdict"] == {"enum": list(VERDICTS)}
        assert defs["tri"] == {"enum": list(PERMISSIONS)}
        assert defs["severity"] == {"enum": list(SEVERITIES)}
        assert defs["duty_flag"]["oneOf"][1] == {"const": FlagValue.UNKNOWN}  # type: ignore[index]


def test_the_rule_schema_and_the_light_modules_use_the_same_words() -> None:
    assert _defs(REPO / "licscan/schemas/rule.schema.json")["tri"] == {"enum": list(PERMISSIONS)}
    assert tuple(trust.SEVERITIES) == SEVERITIES
    assert tuple(rulepack.TRI_STATES) == PERMISSIONS
    assert {p.value: p.strictness for p in Permission} == STRICTNESS
    assert vocab.strictness("no such word") == vocab.strictness(None) == \
        Permission.UNKNOWN.strictness
    assert vocab.strictest(["allowed", "whatever"]) == "whatever"  # unknown beats allowed
    assert vocab.most_permissive([]) == Permission.UNKNOWN
    assert policy_model.TRI_VALUES == PERMISSIONS
    assert list(policy_model.RANK) == list(VERDICTS)


def test_orders() -> None:
    assert [v.rank for v in Verdict] == [0, 1, 2]
    assert sorted(Permission, key=lambda p: p.strictness) == [
        Permission.ALLOWED, Permission.CONDITIONAL, Permission.UNKNOWN, Permission.PROHIBITED]
    assert {p: p.verdict for p in Permission} == {
        "allowed": "allow", "conditional": "review", "prohibited": "deny", "unknown": "review"}
    assert [s.rank for s in Severity] == [0, Verdict.REVIEW.rank, Verdict.DENY.rank]
    assert FLAG_VALUES == ("yes", "no", "unknown")


def test_members_read_as_their_words() -> None:
    """JSON, f-strings and repr in messages read the same as with plain strings."""
    assert json.dumps({Verdict.DENY: Permission.UNKNOWN}) == '{"deny": "unknown"}'
    assert f"{Severity.REVIEW} {Severity.REVIEW!r}" == "review 'review'"
    assert {"deny": 1}[Verdict.DENY] == 1 and Verdict("allow") is Verdict.ALLOW


def test_plain_words_are_stored_as_members() -> None:
    finding = Finding("x", "review", "m")
    assert finding.severity is Severity.REVIEW
    flags = Flags(commercial_use="prohibited")
    assert flags.commercial_use is Permission.PROHIBITED
    assert flags.modification is Permission.UNKNOWN
    assert json.dumps(asdict(flags))  # still JSON
    assert Answer("commercial_use", "allowed", "r", "mit", "c", "P").answer is Permission.ALLOWED
    assert Policy(fail_on="review").fail_on is Verdict.REVIEW
    assert Rule("license", "MIT", "allow", 0).verdict is Verdict.ALLOW
    with pytest.raises(ValueError):
        Finding("x", "fine", "m")


def test_facts_read_from_a_lockfile_keep_a_foreign_word_for_lock_trust_to_report() -> None:
    assert FindingFact("x", "fine", "m").severity == "fine"
    assert FindingFact("x", "deny", "m").severity is Severity.DENY
    assert LeafFacts("MIT", context="maybe").context == "maybe"
    assert LeafFacts("MIT", context="allowed").context is Permission.ALLOWED


# Lines that match the pattern below outside licscan.vocab without declaring a list: the
# rule schema's own word list (rulepack.TRI_STATES, checked against vocab above), policy
# keys read in policy/load.py, a docstring in report/model_view.py, the short words of
# `licscan rules list` (cli/rules.py). Any other match is a second declaration of the words.
_KNOWN = {"licscan/rulepack.py", "licscan/policy/load.py", "licscan/report/model_view.py",
          "licscan/cli/rules.py"}
_LISTS = re.compile(r'"allow"[^\n]{0,40}"review"[^\n]{0,40}"deny"'
                    r'|"deny"[^\n]{0,40}"review"[^\n]{0,40}"allow"'
                    r'|"info"[^\n]{0,20}"review"[^\n]{0,20}"deny"'
                    r'|"allowed"[^\n]{0,40}"conditional"[^\n]{0,40}"(prohibited|unknown)"'
                    r'|"yes"[^\n]{0,30}"no"[^\n]{0,30}"unknown"')


def test_the_words_are_declared_once() -> None:
    found = [f"{path.relative_to(REPO)}:{number}"
             for path in sorted((REPO / "licscan").rglob("*.py"))
             if path.name != "vocab.py" and str(path.relative_to(REPO)) not in _KNOWN
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if _LISTS.search(line)]
    assert found == []
