"""The one verdict engine: a model's facts and a policy -> its Decision. Pure: no I/O, no clock.

The built-in default (`default.py`) and a configured licscan.yaml are both `Policy` values
decided here; so are scanned models (`facts.py`) and locked ones (`licscan check`).

Order (docs/policy.md):
  1. a model that could not be scanned gets the `unknown` verdict;
  2. a valid waiver allows it (an expired one becomes a `waiver-expired` finding);
  3. finding rules: `deny` ends it, `review` sets a floor;
  4. the license expression, part by part: a rule naming exactly that part (an expression such
     as `GPL-2.0-only WITH Classpath-exception-2.0`) decides it; otherwise deny > review >
     allow rules about its license; otherwise the context answer, or the default from the
     commercial-use flag, raised by the model's findings; a license licscan has no terms for
     gets the `unknown` verdict. `AND` takes the worst part, `OR` the best branch (of equals,
     the one best before findings raised it, then the first) and names it in the reason.
The decision carries the license ids it went through (`branch`): the report's obligations
follow that branch (`licscan.terms.context_result`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from licscan.model import Finding, Record, WaiverNote
from licscan.policy import expr as spdx
from licscan.policy.findings import GATE_FINDINGS
from licscan.policy.model import (
    BY_ANSWER,
    RANK,
    Decision,
    FindingFact,
    LeafFacts,
    ModelFacts,
    Policy,
    Rule,
)
from licscan.policy.model import Waiver as WaiverRule
from licscan.vocab import Permission, Severity, Verdict

UNKNOWN = "policy:unknown"


@dataclass(frozen=True, eq=False, repr=False)
class Outcome(Record):
    verdict: Verdict
    reason: str
    decided_by: str
    branch: tuple[str, ...] = ()  # the license ids it went through
    before_findings: Verdict | None = None  # the verdict before findings raised it

    def order(self) -> tuple[int, int]:
        return self.verdict.rank, (self.before_findings or self.verdict).rank


def decide(facts: ModelFacts, policy: Policy, today: date) -> Decision:
    if facts.status != "ok":
        return Decision(Verdict(policy.unknown), f"not scanned: {facts.error or 'unknown error'}",
                        UNKNOWN)
    waiver, findings, notes = _waivers(facts, policy, today)
    waivers = tuple(WaiverNote.of(note) for note in notes)
    if waiver is not None:
        reason = (f"waived until {waiver.expires.isoformat()}: {waiver.reason} "
                  f"(approved by {waiver.approved_by})")
        return Decision(Verdict.ALLOW, reason, waiver.label, tuple(findings), waivers)
    if findings:
        facts = replace(facts, findings=facts.findings + tuple(
            FindingFact(f.code, f.severity, f.message) for f in findings))
    outcome = _Evaluator(facts, policy).run()
    return Decision(outcome.verdict, outcome.reason, outcome.decided_by, tuple(findings),
                    waivers, outcome.branch)


def _waivers(facts: ModelFacts, policy: Policy, today: date,
             ) -> tuple[WaiverRule | None, list[Finding], list[dict[str, Any]]]:
    chosen: WaiverRule | None = None
    findings: list[Finding] = []
    notes: list[dict[str, Any]] = []
    for waiver in policy.waivers:
        if waiver.model.lower() != facts.id.lower():
            continue
        why = _waiver_mismatch(waiver, facts, today)
        note = {"model": waiver.model, "reason": waiver.reason,
                "approved_by": waiver.approved_by, "expires": waiver.expires.isoformat(),
                "status": "applied" if why is None and chosen is None else "not-applied"}
        if why is not None:
            note["why"] = why
        if waiver.expires < today:
            note["status"] = "expired"
            findings.append(Finding(
                "waiver-expired", Severity.REVIEW,
                f"the waiver for {waiver.model} ({waiver.reason}; approved by "
                f"{waiver.approved_by}) expired on {waiver.expires.isoformat()} and no longer "
                "applies"))
        elif why is None and chosen is None:
            chosen = waiver
        notes.append(note)
    return chosen, findings, notes


def _waiver_mismatch(waiver: WaiverRule, facts: ModelFacts, today: date) -> str | None:
    if waiver.expires < today:
        return f"expired on {waiver.expires.isoformat()}"
    if waiver.parsed_license is not None:
        concluded = spdx.parsed(facts.expression)
        if concluded is None or not spdx.same_shape(waiver.parsed_license, concluded,
                                                    _leaf_matcher(facts)):
            return (f"granted for the license {waiver.license}; the concluded license is "
                    f"{facts.expression or 'unknown'}")
    if waiver.revision is not None and not _revision_matches(waiver.revision, facts):
        return (f"granted for revision {waiver.revision}; the model is at "
                f"{facts.revision or facts.requested_revision or 'its default branch'}")
    return None


def _revision_matches(wanted: str, facts: ModelFacts) -> bool:
    if wanted == facts.requested_revision:
        return True
    return bool(facts.revision) and len(wanted) >= 7 and (facts.revision or "").startswith(wanted)


def _leaf_matcher(facts: ModelFacts) -> Any:
    def same(rule_leaf: spdx.Leaf, model_leaf: spdx.Leaf) -> bool:
        if (rule_leaf.exception or "").lower() != (model_leaf.exception or "").lower():
            return False
        return rule_leaf.key.lower() in facts.leaf(model_leaf.key).names()
    return same


class _Evaluator:
    def __init__(self, facts: ModelFacts, policy: Policy) -> None:
        self.facts = facts
        self.policy = policy
        self.same_leaf = _leaf_matcher(facts)
        named = {r.value for r in policy.rules() if r.kind == "finding"}
        self.raising = [f for f in facts.findings if f.code not in named]

    def run(self) -> Outcome:
        floor = self._finding_rules()
        if floor is not None and floor.verdict == Verdict.DENY:
            return floor
        parsed = spdx.parsed(self.facts.expression)
        if parsed is None:
            outcome = self._unresolved()
        else:
            outcome = self.node(parsed)
            if isinstance(parsed, spdx.Compound):
                outcome = replace(outcome, reason=f"{parsed}: {outcome.reason}")
        if floor is not None and floor.verdict.rank > outcome.verdict.rank:
            return floor
        if outcome.decided_by.startswith("policy:") and outcome.verdict != Verdict.DENY:
            outcome = _gate_floor(outcome, self.raising)
        return outcome

    def _finding_rules(self) -> Outcome | None:
        by_code = {f.code: f for f in self.facts.findings}
        for verdict, rules in self.policy.lists()[:2]:  # an allow finding rule only accepts
            for rule in rules:
                if rule.kind == "finding" and rule.value in by_code:
                    finding = by_code[rule.value]
                    why = _with_note(f"{finding.code}: {finding.message}", rule)
                    return Outcome(verdict, why, rule.label)
        return None

    def _unresolved(self) -> Outcome:
        why = next((f.message for f in self.facts.findings if f.code == "license-unresolved"),
                   "the license could not be determined")
        unresolved = LeafFacts(key="the license", flags=self.facts.flags)
        found = self._rule_for(unresolved, unknown_why=why)
        return found if found is not None else Outcome(Verdict(self.policy.unknown), why,
                                                       UNKNOWN)

    def node(self, expr: spdx.Expr) -> Outcome:
        exact = self._exact(expr)
        if exact is not None:
            return exact
        if isinstance(expr, spdx.Leaf):
            return replace(self.leaf(expr), branch=(expr.key,))
        parts = [self.node(arg) for arg in expr.args]
        if expr.op == "AND":  # every part applies: the worst decides (the first of equals)
            worst = max(parts, key=lambda o: o.verdict.rank)
            before = max((p.before_findings or p.verdict for p in parts), key=lambda v: v.rank)
            return replace(worst, branch=tuple(dict.fromkeys(k for p in parts for k in p.branch)),
                           before_findings=None if before == worst.verdict else before)
        best = min(range(len(parts)), key=lambda i: parts[i].order())  # the first of equals
        chosen = parts[best]
        return replace(chosen, reason=f"the most permissive branch is {expr.args[best]}; "
                                      f"{chosen.reason}")

    def _exact(self, expr: spdx.Expr) -> Outcome | None:
        for _verdict, rules in self.policy.lists():
            for rule in rules:
                if rule.kind == "expression" and rule.parsed is not None and \
                        spdx.same_shape(rule.parsed, expr, self.same_leaf):
                    keys = tuple(dict.fromkeys(leaf.key for leaf in spdx.leaves(expr)))
                    return Outcome(Verdict(rule.verdict),
                                   _with_note(f"{expr} is named by {rule.value!r}", rule),
                                   rule.label, keys)
        return None

    def leaf(self, leaf: spdx.Leaf) -> Outcome:
        facts = self.facts.leaf(leaf.key)
        found = self._rule_for(facts, leaf.exception)
        if found is None:
            return self._fallback(facts, leaf.exception)
        if found.verdict == Verdict.ALLOW and self.facts.has_context and \
                facts.context == Permission.PROHIBITED:
            # Accepting a license's terms cannot grant what, in this context, it does not
            # grant (a user threshold passed, an excluded region): only a waiver can.
            why = facts.context_reason or "commercial use is prohibited"
            return Outcome(Verdict.DENY, f"{facts.label} is allowed by {found.decided_by}, but in "
                                   f"your context: {why}", "context:commercial_use")
        return found

    def _rule_for(self, facts: LeafFacts, exception: str | None = None,
                  unknown_why: str | None = None) -> Outcome | None:
        label = f"{facts.label} WITH {exception}" if exception else facts.label
        for _verdict, rules in self.policy.lists():
            for rule in rules:
                if _matches(rule, facts):
                    why = f"{label} matches {rule.describe()}"
                    if rule.kind == "unknown":
                        why = unknown_why or f"{label} is not in the rule pack (unknown)"
                    return Outcome(Verdict(rule.verdict), _with_note(why, rule), rule.label)
        return None

    def _fallback(self, facts: LeafFacts, exception: str | None) -> Outcome:
        label = f"{facts.label} WITH {exception}" if exception else facts.label
        if not facts.known:
            outcome = Outcome(Verdict(self.policy.unknown),
                              f"{label} is not in the rule pack, so its terms are unknown",
                              UNKNOWN)
        elif self.facts.has_context and facts.context is not None:
            why = facts.context_reason or f"commercial use is {facts.context}"
            outcome = Outcome(BY_ANSWER.get(facts.context, Verdict.REVIEW), f"{label}: {why}",
                              "context:commercial_use")
        else:
            flag = str(facts.flags.get("commercial_use", "unknown"))
            outcome = Outcome(BY_ANSWER.get(flag, Verdict.REVIEW),
                              f"commercial use is {flag} under {label}", "default-policy")
        return _raised(outcome, self.raising)


def _gate_floor(outcome: Outcome, findings: Sequence[FindingFact]) -> Outcome:
    """A policy rule decided from the license; a gate finding (GATE_FINDINGS) the policy does
    not name keeps the verdict at least at its severity."""
    top = _worst_above(outcome, [f for f in findings if f.code in GATE_FINDINGS])
    if top is None:
        return outcome
    return Outcome(Verdict(top.severity), f"{top.code}: {top.message} ({outcome.reason}, but the "
                                 "finding is not lowered by a license rule)",
                   f"finding:{top.code}", outcome.branch, before_findings=outcome.verdict)


def _raised(outcome: Outcome, findings: Sequence[FindingFact]) -> Outcome:
    """The default policy's rule: a finding pushes a verdict up to its severity."""
    top = _worst_above(outcome, findings)
    if top is None:
        return outcome
    return Outcome(Verdict(top.severity), f"{top.code}: {top.message}", "default-policy",
                   before_findings=outcome.verdict)


def _worst_above(outcome: Outcome, findings: Sequence[FindingFact]) -> FindingFact | None:
    """The most severe finding stricter than the outcome's verdict, if any."""
    higher = [f for f in findings if RANK.get(f.severity, 0) > outcome.verdict.rank]
    return max(higher, key=lambda f: RANK[f.severity]) if higher else None


def _matches(rule: Rule, facts: LeafFacts) -> bool:
    if rule.kind == "license":
        return rule.value.lower() in facts.names()
    if rule.kind == "category":
        return facts.category == rule.value
    if rule.kind == "family":
        return (facts.family or "").lower() == rule.value.lower()
    if rule.kind == "flag":
        # a license whose terms are unknown has no flags: "no duty" is not a fact it shows
        value = facts.flags.get(rule.value, "unknown")
        return (str(value).lower() if isinstance(value, bool) else str(value)) in rule.values
    if rule.kind == "unknown":
        return not facts.known
    return False  # finding and expression rules are matched elsewhere



def _with_note(reason: str, rule: Rule) -> str:
    return f"{reason} ({rule.note})" if rule.note else reason
