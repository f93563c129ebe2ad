"""One license's terms answered in a deployment context: answers and obligations, per rule.

For each rule (a license of the model, or a use policy it incorporates) the context turns
conditional terms into answers (allowed | conditional | prohibited | unknown, each with a reason
citing its clause) and selects the obligations it triggers. A missing context value is never
guessed: the answer stays conditional and the reason names what is missing.

Each rule is evaluated once (`evaluate_rule`); `combine` joins the rules that apply together
(as with AND). Folding over an expression (OR: the branch chosen) is `licscan.terms.context_result`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from licscan.model import Answer, Obligation
from licscan.rulepack import Rule, RulePack
from licscan.terms import plain as plain_terms
from licscan.terms.context import Context, matching_regions
from licscan.terms.typed import (
    CONFIDENCES,
    Cite,
    CommercialUse,
    Condition,
    RegionalRestriction,
    Terms,
    terms_of,
    to_plain,
)
from licscan.vocab import strictest

USE_TERMS = ("commercial_use", "regional")  # the answers that decide commercial use
_USE_WORDS = {"commercial": "commercial use", "internal": "internal use",
              "research": "research use", None: "use (purpose not given)"}
# On a hosted service only display duties reach users, unless hosting counts as distribution.
_DISPLAY_DUTIES = frozenset({"display", "acknowledge_in_publications"})
_EXCEPT_HOSTED = re.compile(r"\b(?:non-|not\b|other than|except)\W+(?:\w+\W+){0,3}?hosted",
                            re.IGNORECASE)


@dataclass(frozen=True)
class RuleInContext:
    """One rule evaluated in one context (None: no context, so nothing is answered)."""

    rule: Rule
    terms: Terms
    answers: tuple[Answer, ...]
    # A license often repeats its use policy's regional clause: asked once per model.
    regional_keys: tuple[tuple[object, ...] | None, ...]  # per answer; None: not regional
    obligations: tuple[Obligation, ...]
    condition_texts: tuple[str, ...]
    regional_texts: tuple[str, ...]


@dataclass(frozen=True)
class ModelEvaluation:
    """Rules that apply together (as with AND), in report order: licenses, then use policies."""

    rule_terms: tuple[tuple[str, Terms], ...]
    answer_items: tuple[Answer, ...]
    obligation_items: tuple[Obligation, ...]
    condition_texts: tuple[str, ...]
    commercial_use: str

    @property
    def terms(self) -> dict[str, Any]:
        return {rule_id: to_plain(terms) for rule_id, terms in self.rule_terms}

    @property
    def answers(self) -> list[dict[str, Any]]:
        return [asdict(answer) for answer in self.answer_items]

    @property
    def obligations(self) -> list[dict[str, Any]]:
        return [asdict(obligation) for obligation in self.obligation_items]

    @property
    def conditions(self) -> list[str]:
        return list(self.condition_texts)

    def to_dict(self) -> dict[str, Any]:
        return {"terms": self.terms, "context_answers": self.answers,
                "obligations": self.obligations, "conditions": self.conditions}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class _Outcome:
    answer: str
    sentence: str
    cite: Cite


def evaluate_model(rules: Sequence[Rule], pack: RulePack, context: Context | None, *,
                   multimodal: bool | None = None) -> ModelEvaluation:
    """Evaluate rules that all apply (as with AND), with the use policies they incorporate.

    `multimodal` comes from the model card; when None, the context's value is used.
    """
    return combine([evaluate_rule(rule, context, multimodal)
                    for rule in with_use_policies(rules, pack)])


def evaluate_rule(rule: Rule, context: Context | None,
                  multimodal: bool | None = None) -> RuleInContext:
    terms = terms_of(rule)
    if multimodal is None and context is not None:
        multimodal = context.multimodal
    answers = [] if context is None else _answers(rule, terms, context, multimodal)
    return RuleInContext(
        rule=rule, terms=terms, answers=tuple(a for a, _ in answers),
        regional_keys=tuple(k for _, k in answers),
        obligations=tuple(_obligations(rule, terms, context)),
        condition_texts=tuple(plain_terms.condition_text(c)
                              for c in terms.commercial_use.conditions),
        regional_texts=tuple(plain_terms.regional_condition_text(r) for r in terms.regional))


def combine(evaluated: Sequence[RuleInContext]) -> ModelEvaluation:
    """Rules that apply together, in report order (licenses first, each group by id)."""
    ordered = sorted(evaluated, key=lambda e: (e.rule.kind == "use-policy", e.rule.id))
    answers: list[Answer] = []
    seen_regional: set[tuple[object, ...]] = set()
    for item in ordered:
        for answer, key in zip(item.answers, item.regional_keys, strict=True):
            if key is not None:
                if key in seen_regional:
                    continue
                seen_regional.add(key)
            answers.append(answer)
    conditions = [t for e in ordered for t in e.condition_texts]
    conditions += [t for e in ordered for t in e.regional_texts]
    return ModelEvaluation(
        rule_terms=tuple((e.rule.id, e.terms) for e in ordered), answer_items=tuple(answers),
        obligation_items=tuple(o for e in ordered for o in e.obligations),
        condition_texts=tuple(dict.fromkeys(conditions)),
        commercial_use=_combined_use(ordered, answers))


def with_use_policies(rules: Sequence[Rule], pack: RulePack) -> list[Rule]:
    """The rules with the use policies they incorporate: licenses first, each group by id."""
    found: dict[str, Rule] = {rule.id: rule for rule in rules}
    for rule in rules:
        policy = terms_of(rule).acceptable_use_policy
        for policy_id in (rule.use_policy, policy.rule if policy else None):
            policy_rule = pack.get(policy_id) if policy_id else None
            if policy_rule is not None:
                found.setdefault(policy_rule.id, policy_rule)
    return sorted(found.values(), key=lambda r: (r.kind == "use-policy", r.id))


def _combined_use(evaluated: Sequence[RuleInContext], answers: Sequence[Answer]) -> str:
    decisive = [a.answer for a in answers if a.term in USE_TERMS]
    if decisive:
        return strictest(decisive)
    return strictest([e.terms.commercial_use.value for e in evaluated
                      if e.rule.kind != "use-policy"])


# --- answers -----------------------------------------------------------------------------------


def _answers(rule: Rule, terms: Terms, context: Context, multimodal: bool | None,
             ) -> list[tuple[Answer, tuple[object, ...] | None]]:
    answers: list[tuple[Answer, tuple[object, ...] | None]] = []
    if rule.kind != "use-policy":
        answers.append((_answer("commercial_use", rule, _use_outcomes(
            terms.commercial_use, context)), None))
        distribution = _distribution_outcome(terms, context)
        if distribution is not None:
            answers.append((_answer("distribution", rule, [distribution]), None))
    seen: set[tuple[object, ...]] = set()
    for restriction in terms.regional:
        key = (restriction.regions, restriction.who, restriction.models, restriction.effect)
        if key not in seen:
            seen.add(key)
            answers.append((_answer("regional", rule, [
                _regional_outcome(restriction, context, multimodal)]), key))
    return answers


def _answer(term: str, rule: Rule, outcomes: Sequence[_Outcome]) -> Answer:
    """The strictest outcome decides; its reasons (all of them, if several tie) explain it."""
    verdict = strictest([o.answer for o in outcomes])
    decisive = [o for o in outcomes if o.answer == verdict]
    reasons = dict.fromkeys(plain_terms.cited(o.sentence, o.cite) + "." for o in decisive)
    clauses = dict.fromkeys(o.cite.clause for o in decisive)
    weakest = max((o.cite.confidence for o in decisive), key=CONFIDENCES.index)
    return Answer(term=term, answer=verdict, reason=" ".join(reasons), rule=rule.id,
                  clause="; ".join(clauses), confidence=weakest)


def _use_outcomes(use: CommercialUse, context: Context) -> list[_Outcome]:
    outcomes = [_base_use_outcome(use, context.use)]
    for condition in use.conditions:
        if condition.applies_to == "commercial_use" and context.use == "research":
            continue
        outcome = _CONDITION_OUTCOMES.get(condition.type, _unknown_condition)(condition, context)
        if condition.exceeded == "display_duty" and outcome.answer != "allowed":
            # Above such a limit the license asks for a display line; use stays permitted.
            outcome = _Outcome("allowed", f"{outcome.sentence}; use is permitted either way",
                               outcome.cite)
        outcomes.append(outcome)
    return outcomes


def _base_use_outcome(use: CommercialUse, purpose: str | None) -> _Outcome:
    words = _USE_WORDS[purpose]
    if use.value == "prohibited":
        return _restricted_use_outcome(use, purpose)
    if use.value == "unknown":
        return _Outcome("unknown", f"the rule pack does not record whether {words} is "
                                   f"permitted", use.cite)
    if use.value == "conditional" and not use.conditions:
        return _Outcome("conditional", "the license sets conditions on commercial use that the "
                                       "rule pack does not detail", use.cite)
    return _Outcome("allowed", _sentence(f"{words} is permitted"), use.cite)


def _restricted_use_outcome(use: CommercialUse, purpose: str | None) -> _Outcome:
    basis = use.basis
    grant = plain_terms.basis_text(basis)
    if purpose == "research":
        if basis is None:
            return _Outcome("unknown", "Commercial use is prohibited and the rule pack does not "
                                       "say whether research use is permitted", use.cite)
        return _Outcome("allowed", f"Research use is within the license's grant ({grant})",
                        use.cite)
    if purpose == "internal" and basis == "non_production":
        return _Outcome("prohibited", f"Internal production use is not permitted: the license "
                                      f"grants {grant}", use.cite)
    if purpose == "internal":
        return _Outcome("prohibited", f"Internal use by an organisation counts as commercial use: "
                                      f"the license grants {grant} and does not exempt internal "
                                      f"use", use.cite)
    if purpose == "commercial":
        return _Outcome("prohibited", f"Commercial use is not permitted: the license grants "
                                      f"{grant}", use.cite)
    return _Outcome("conditional", f"Permitted only for {grant}; the intended use is not given",
                    use.cite)


# --- conditions --------------------------------------------------------------------------------


def _exceeded(condition: Condition, lead: str) -> _Outcome:
    effect = condition.exceeded or "separate_license_required"
    answer = {"royalty": "conditional", "display_duty": "allowed"}.get(effect, "prohibited")
    detail = f" ({condition.text})" if effect == "display_duty" and condition.text else ""
    measured = plain_terms.measurement_text(condition)
    return _Outcome(answer, f"{lead}: {plain_terms.exceeded_text(condition)}{detail}."
                    + (f" {measured}" if measured else ""), condition.cite)


def _users_outcome(condition: Condition, context: Context) -> _Outcome:
    need = plain_terms.condition_text(condition)
    users, limit = context.monthly_active_users, condition.threshold
    if limit is None:
        return _Outcome("unknown", f"The license sets {need}", condition.cite)
    if users is None:
        return _Outcome("conditional", f"Requires {need}; monthly active users not given",
                        condition.cite)
    daily = condition.metric == "daily_active_users"
    if users < limit:
        fewer = ", so fewer daily users," if daily else ""
        return _Outcome("allowed", f"{plain_terms.number(users)} monthly active users{fewer} is "
                                   f"below the limit of {plain_terms.number(limit)}",
                        condition.cite)
    if daily:
        return _Outcome("conditional", f"Requires {need}; daily active users not given "
                                       f"(monthly: {plain_terms.number(users)})", condition.cite)
    return _exceeded(condition, f"{plain_terms.number(users)} monthly active users reach the limit "
                                f"of {plain_terms.number(limit)}")


def _revenue_outcome(condition: Condition, context: Context) -> _Outcome:
    need = plain_terms.condition_text(condition)
    revenue, limit = context.annual_revenue_usd, condition.amount
    if limit is None:
        return _Outcome("unknown", f"The license sets {need}", condition.cite)
    if condition.currency not in (None, "USD"):
        return _Outcome("unknown", f"The license sets {need}; licscan compares US dollars only",
                        condition.cite)
    if revenue is None:
        return _Outcome("conditional", f"Requires {need}; annual revenue not given",
                        condition.cite)
    monthly = condition.period == "monthly"
    compared = revenue / 12 if monthly else revenue
    what = "average monthly revenue" if monthly else "annual revenue"
    if compared < limit:
        return _Outcome("allowed", f"An {what} of USD {plain_terms.number(compared)} is below the "
                                   f"limit of USD {plain_terms.number(limit)}", condition.cite)
    return _exceeded(condition, f"An {what} of USD {plain_terms.number(compared)} reaches the "
                                f"limit of USD {plain_terms.number(limit)}")


def _step_outcome(condition: Condition, _context: Context) -> _Outcome:
    step = {"registration": "Register with the licensor first",
            "application": "Apply to the licensor for a license first",
            "acceptance": "Accept the agreement first",
            "not_service_provider": "Permitted only if you are not a software or cloud service "
                                    "provider, which the context does not say"}[condition.type]
    url = f" ({condition.url})" if condition.url else ""
    detail = f": {condition.text}" if condition.text else ""
    return _Outcome("conditional", f"{step}{url}{detail}", condition.cite)


def _hosted_outcome(condition: Condition, context: Context) -> _Outcome:
    if context.distribution is None:
        return _Outcome("conditional", "A hosted service may need a separate license; "
                                       "distribution not given", condition.cite)
    if context.distribution != "hosted":
        return _Outcome("allowed", "The model is not offered as a hosted service",
                        condition.cite)
    if condition.exceeded is None:
        return _Outcome("conditional", "A hosted service may need a separate license from the "
                                       "licensor", condition.cite)
    return _exceeded(condition, "The model is offered as a hosted service")


def _region_outcome(condition: Condition, context: Context) -> _Outcome:
    where = plain_terms.regions_text(condition.regions)
    if not context.regions:
        return _Outcome("conditional", f"No rights for organisations established in {where}; "
                                       f"regions not given", condition.cite)
    matches = matching_regions(condition.regions, context.regions)
    if matches:
        return _Outcome("prohibited", f"No rights for organisations established in {where}, and "
                                      f"the organisation is established in "
                                      f"{', '.join(matches)}", condition.cite)
    return _Outcome("allowed", f"The exclusion of {where} does not cover "
                               f"{', '.join(context.regions)}", condition.cite)


def _unknown_condition(condition: Condition, _context: Context) -> _Outcome:
    return _Outcome("unknown", f"A condition of type {condition.type!r} that this licscan does "
                               f"not evaluate", condition.cite)


_CONDITION_OUTCOMES: dict[str, Callable[[Condition, Context], _Outcome]] = {
    "users_threshold": _users_outcome, "revenue_threshold": _revenue_outcome,
    "registration": _step_outcome, "application": _step_outcome, "acceptance": _step_outcome,
    "not_service_provider": _step_outcome, "hosted_service": _hosted_outcome,
    "region": _region_outcome}


def _regional_outcome(restriction: RegionalRestriction, context: Context,
                      multimodal: bool | None) -> _Outcome:
    rule_text = plain_terms.regional_text(restriction)
    if not context.regions:
        return _Outcome("conditional", f"{_sentence(rule_text)}; regions not given",
                        restriction.cite)
    matches = matching_regions(restriction.regions, context.regions)
    if not matches:
        where = plain_terms.regions_text(restriction.regions)
        return _Outcome("allowed", f"Not established in {where}"
                                   f" ({', '.join(context.regions)})", restriction.cite)
    if restriction.models == "multimodal" and multimodal is False:
        return _Outcome("allowed", f"{_sentence(rule_text)}; this model is not multimodal",
                        restriction.cite)
    if restriction.models == "multimodal" and multimodal is None:
        return _Outcome("conditional", f"{_sentence(rule_text)}; established in "
                                       f"{', '.join(matches)}, and whether the model is "
                                       f"multimodal is not known", restriction.cite)
    return _Outcome("prohibited", f"{_sentence(rule_text)}; the organisation is established in "
                                  f"{', '.join(matches)}", restriction.cite)


def _distribution_outcome(terms: Terms, context: Context) -> _Outcome | None:
    distribution = terms.distribution
    if context.distribution == "redistributed":
        how = "Redistribution"
    elif context.distribution == "hosted" and distribution.hosted_service_is_distribution:
        how = "A hosted service, which counts as distribution under this license,"
    else:
        return None
    sentence = {
        "allowed": f"{how} is permitted; the obligations listed apply",
        "conditional": f"{how} is permitted on the conditions listed as obligations",
        "prohibited": f"{how} is not permitted",
    }.get(distribution.value, f"The rule pack does not record whether {how.lower()} is "
                              f"permitted")
    return _Outcome(distribution.value, sentence, distribution.cite)


# --- obligations and conditions ----------------------------------------------------------------


def _obligations(rule: Rule, terms: Terms, context: Context | None) -> list[Obligation]:
    distribution = context.distribution if context else None
    hosting_distributes = terms.distribution.hosted_service_is_distribution is True
    found: list[tuple[str, str, str, Cite]] = []  # kind, text, trigger, cite
    for duties, default in ((terms.distribution.duties, "distribution"),
                            (terms.modification.duties, "a derivative is distributed")):
        found += [(duty.type, plain_terms.duty_text(duty, rule.name), duty.trigger or default,
                   duty.cite) for duty in duties
                  if _duty_triggered(duty.type, duty.trigger or default, distribution,
                                     hosting_distributes)]
    found += _policy_obligations(terms, distribution)
    found += _condition_obligations(terms, context)
    obligations: list[Obligation] = []
    seen: set[tuple[str, str]] = set()
    counts: dict[str, int] = {}
    for kind, text, trigger, cite in found:
        if (kind, text) in seen:
            continue  # the same duty stated under modification and distribution
        seen.add((kind, text))
        counts[kind] = counts.get(kind, 0) + 1
        suffix = f"/{counts[kind]}" if counts[kind] > 1 else ""
        obligations.append(Obligation(id=f"{rule.id}/{kind}{suffix}", kind=kind, text=text,
                                      trigger=trigger, rule=rule.id, clause=cite.clause,
                                      confidence=cite.confidence))
    return obligations


def _duty_triggered(kind: str, trigger: str, distribution: str | None,
                    hosting_distributes: bool) -> bool:
    if distribution is None:  # no context, or distribution not given: list every duty
        return True
    if distribution != "hosted":
        return distribution == "redistributed"
    if _EXCEPT_HOSTED.search(trigger):
        return False
    lowered = trigger.lower()
    return hosting_distributes or "hosted" in lowered \
        or (kind in _DISPLAY_DUTIES and "service" in lowered)


def _policy_obligations(terms: Terms, distribution: str | None
                        ) -> list[tuple[str, str, str, Cite]]:
    policy = terms.acceptable_use_policy
    if policy is None:
        return []
    url = f" ({policy.url})" if policy.url else ""
    found = [("use_policy", f"Use the model only as the {policy.name}{url} allows.", "any use",
              policy.cite)]
    passes_on = any(d.type == "pass_restrictions"
                    for d in terms.distribution.duties + terms.modification.duties)
    if distribution != "internal" and policy.incorporated is not False and not passes_on:
        found.append(("pass_use_policy", f"Bind recipients and users to the {policy.name}: it is "
                      f"part of the license they receive.", "distribution or a hosted service",
                      policy.cite))
    return found


def _condition_obligations(terms: Terms, context: Context | None
                           ) -> list[tuple[str, str, str, Cite]]:
    found: list[tuple[str, str, str, Cite]] = []
    for condition in terms.commercial_use.conditions:
        if context is not None and condition.applies_to == "commercial_use" \
                and context.use == "research":
            continue
        if condition.type in ("registration", "application", "acceptance"):
            outcome = _step_outcome(condition, context or Context())
            found.append((condition.type, outcome.sentence + ".",
                          "commercial use" if condition.applies_to == "commercial_use"
                          else "any use", condition.cite))
        elif condition.exceeded == "display_duty" and (
                context is None or _display_due(condition, context)):
            found.append(("display", condition.text or "Display the attribution the license "
                          "requires.", plain_terms.condition_text(condition), condition.cite))
    return found


def _display_due(condition: Condition, context: Context) -> bool:
    """A display-duty threshold is due when reached, or when the figure is not given."""
    value = context.monthly_active_users if condition.type == "users_threshold" \
        else context.annual_revenue_usd
    limit = condition.threshold if condition.type == "users_threshold" else condition.amount
    if value is None or limit is None:
        return True
    compared = value / 12 if condition.period == "monthly" else value
    return compared >= limit
