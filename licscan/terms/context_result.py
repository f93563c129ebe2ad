"""The context evaluated once over a model's license expression: one `ContextResult`.

Each license of the concluded expression is answered in the context once, with the use
policies it incorporates (`terms_in_context`). The answers are then folded over the expression
the way the policy folds verdicts (`licscan.policy.decide`):

- `A AND B`: every part applies; the strictest answer is the expression's.
- `A OR B`: the licensee may choose, so the most permissive branch is chosen (the first of
  equals, comparing answers by the verdict they lead to); `chosen` names it.
- `A WITH E`: the exception belongs to its license, whose terms answer.

Without a context nothing is answered and the fold compares the licenses' commercial-use
flags. The policy reads each license's answer from this result; the model carries its
`evaluation` (a `licscan.model.TermsEvaluation`), which the reports read: the answers,
obligations and conditions of the chosen branch only (for `A OR B`, what you owe is what the
branch you follow asks). When the policy decides through another branch (a rule named one),
`follow` re-selects that branch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any

from licscan.model import (
    IF_DISTRIBUTED,
    TRIGGERED,
    ModelResult,
    Obligation,
    ObligationRow,
    TermsEvaluation,
    freeze,
)
from licscan.policy import expr as spdx
from licscan.policy.model import BY_ANSWER, RANK
from licscan.rulepack import RulePack
from licscan.terms.context import Context
from licscan.terms.in_context import (
    USE_TERMS,
    ModelEvaluation,
    RuleInContext,
    combine,
    evaluate_rule,
    with_use_policies,
)
from licscan.terms.typed import to_plain
from licscan.vocab import strictest

DUTY_FLAGS = ("attribution", "share_alike", "acceptable_use_policy")
NOT_SHIPPED = ("hosted", "internal")  # distributions under which shipping duties wait
MULTIMODAL_TASKS = {"image-text-to-text", "any-to-any", "visual-question-answering",
                    "image-to-text", "video-text-to-text", "audio-text-to-text",
                    "document-question-answering", "text-to-image", "image-to-image",
                    "text-to-video", "image-to-video"}
TEXT_TASKS = {"text-generation", "text2text-generation", "fill-mask", "text-classification",
              "token-classification", "question-answering", "summarization", "translation",
              "feature-extraction", "sentence-similarity", "conversational"}


def multimodal_from_card(card: Mapping[str, Any]) -> bool | None:
    task = card.get("pipeline_tag")
    if isinstance(task, str):
        if task in MULTIMODAL_TASKS:
            return True
        if task in TEXT_TASKS:
            return False
    return None


@dataclass(frozen=True)
class LicenseInContext:
    """One license id of the expression, answered in the context."""

    key: str  # as it appears in the expression
    rule: str | None  # the rule-pack id; None: licscan has no terms for it
    rules: tuple[RuleInContext, ...]  # the license and the use policies it incorporates
    flag: str  # its commercial-use flag ("unknown" when not in the rule pack)
    commercial_use: str | None  # the answer in the context; None: no context, or no answer
    reason: str | None  # the reasons of the deciding answers

    @property
    def standing(self) -> str:
        """What the fold compares: the context's answer, else the flag."""
        return self.commercial_use or self.flag


@dataclass(frozen=True)
class ContextResult:
    context: Context | None
    expression: str | None
    licenses: tuple[LicenseInContext, ...]  # every distinct id of the expression, in order
    branch: tuple[str, ...]  # the ids of the licenses that apply (for OR: the chosen branch)
    chosen: str | None  # the chosen branch as an expression; None when there is no OR
    commercial_use: str  # the folded answer (the flag, without a context)
    applied: ModelEvaluation  # answers, obligations and conditions of the branch
    terms: Mapping[str, Any]  # every license's and use policy's terms, by rule id

    def license(self, key: str) -> LicenseInContext | None:
        wanted = key.lower()
        return next((item for item in self.licenses if item.key.lower() == wanted), None)

    def follow(self, branch: Sequence[str]) -> ContextResult:
        """The same evaluation, following the branch the policy decided through."""
        if {k.lower() for k in branch} == {k.lower() for k in self.branch}:
            return self
        return _folded(self.context, self.expression, self.licenses, self.terms,
                       {k.lower() for k in branch})

    @cached_property
    def evaluation(self) -> TermsEvaluation:
        """What the reports read (computed once; shared by the models with this result)."""
        keys = {k.lower() for k in self.branch}
        applies = [item for item in self.licenses if not keys or item.key.lower() in keys]
        distribution = self.context.distribution if self.context is not None else None
        base = TermsEvaluation(chosen_branch=self.chosen, duty_flags=self._duty_flags(),
                               partly_unknown=any(item.rule is None for item in applies),
                               distribution=distribution)
        if not any(item.rule for item in self.licenses):  # nothing licscan has terms for
            return base
        triggered = tuple(_row(o, TRIGGERED) for o in self.applied.obligation_items)
        return replace(
            base, listed=True, terms=MappingProxyType(dict(self.terms)),
            answers=self.applied.answer_items, conditions=self.applied.condition_texts,
            obligations=triggered,
            if_distributed=self._if_distributed({(r.kind, r.text) for r in triggered}))

    def _duty_flags(self) -> Mapping[str, str] | None:
        """For an expression with OR, the duty flags of the branch followed (the one whose
        obligations are listed), not of every branch; None for any other expression."""
        if self.chosen is None:
            return None
        keys = {k.lower() for k in self.branch}
        items = [item for item in self.licenses if item.key.lower() in keys]
        unknown = any(item.rule is None for item in items)
        words = {}
        for key in DUTY_FLAGS:
            found = any(getattr(r.rule.flags, key) is True for item in items for r in item.rules
                        if r.rule.kind != "use-policy")
            words[key] = "yes" if found else "unknown" if unknown else "no"
        return MappingProxyType(words)

    def _if_distributed(self, listed: set[tuple[str, str]]) -> tuple[ObligationRow, ...]:
        """The duties the same licenses would trigger if the model were redistributed."""
        if self.context is None or self.context.distribution not in NOT_SHIPPED:
            return ()
        shipped = replace(self.context, distribution="redistributed")
        keys = {k.lower() for k in self.branch}
        evaluated: list[RuleInContext] = []
        for item in self.licenses:
            if item.key.lower() in keys:
                evaluated.extend(_shipped(in_context.rule, shipped) for in_context in item.rules)
        unique = {e.rule.id: e for e in evaluated}
        full = combine(list(unique.values())).obligation_items
        return tuple(_row(o, IF_DISTRIBUTED) for o in full if (o.kind, o.text) not in listed)


_SHIPPED_CACHE: dict[tuple[int, Context], tuple[Any, RuleInContext]] = {}


def _shipped(rule: Any, shipped: Context) -> RuleInContext:
    key = (id(rule), shipped)
    cached = _SHIPPED_CACHE.get(key)
    if cached is None:
        if len(_SHIPPED_CACHE) > 4096:
            _SHIPPED_CACHE.clear()
        # the rule is kept with its evaluation, so its id is not reused meanwhile
        cached = _SHIPPED_CACHE[key] = (rule, evaluate_rule(rule, shipped))
    return cached[1]


def _row(item: Obligation, applies_when: str) -> ObligationRow:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    return ObligationRow(id=text(item.id), kind=text(item.kind), text=text(item.text),
                         trigger=text(item.trigger), rule=text(item.rule),
                         clause=text(item.clause), confidence=text(item.confidence),
                         applies_when=applies_when)


class ContextStage:
    """The pipeline stage that evaluates the context for each scanned model (once per model;
    each rule once per scan and modality)."""

    def __init__(self, pack: RulePack, context: Context | None) -> None:
        self.pack = pack
        self.context = context
        self._rules: dict[tuple[str, bool | None], RuleInContext] = {}
        self._licenses: dict[tuple[str, bool | None], LicenseInContext] = {}
        self._plain: dict[str, Any] = {}
        self._results: dict[tuple[str | None, bool | None], ContextResult] = {}

    def evaluate(self, model: ModelResult) -> ContextResult:
        multimodal = multimodal_from_card(model.card.fields)
        expression = model.license.expression if model.license else None
        return self.evaluate_expression(expression, multimodal)

    def evaluate_expression(self, expression: str | None,
                            multimodal: bool | None = None) -> ContextResult:
        found = self._results.get((expression, multimodal))
        if found is None:
            licenses = tuple(self.license(key, multimodal) for key in _keys(expression))
            terms = {item.rule.id: self._plain_terms(item)
                     for item in _ordered(r for lic in licenses for r in lic.rules)}
            found = _folded(self.context, expression, licenses, terms, None)
            self._results[(expression, multimodal)] = found
        return found

    def _plain_terms(self, item: RuleInContext) -> Any:
        plain = self._plain.get(item.rule.id)
        if plain is None:
            plain = self._plain[item.rule.id] = freeze(to_plain(item.terms))
        return plain

    def __call__(self, model: ModelResult) -> ModelResult:
        """The model with its evaluation in the context."""
        if model.status != "ok":
            return model
        return attach(model, self.evaluate(model))

    def result(self, model: ModelResult) -> ContextResult:
        """The model's result (evaluated once per expression and modality)."""
        return self.evaluate(model)

    def license(self, key: str, multimodal: bool | None = None) -> LicenseInContext:
        """One license id answered in the context (with the use policies it incorporates)."""
        cached = self._licenses.get((key.lower(), multimodal))
        if cached is None:
            rule = self.pack.by_expression_id.get(key.lower())
            if rule is None:
                cached = LicenseInContext(key, None, (), "unknown", None, None)
            else:
                evaluated = tuple(self._rule(r, multimodal)
                                  for r in with_use_policies([rule], self.pack))
                answer, reason = _answer(evaluated) if self.context is not None else (None, None)
                cached = LicenseInContext(key, rule.id, evaluated, rule.flags.commercial_use,
                                          answer, reason)
            self._licenses[(key.lower(), multimodal)] = cached
        return cached if cached.key == key else replace(cached, key=key)

    def _rule(self, rule: Any, multimodal: bool | None) -> RuleInContext:
        cached = self._rules.get((rule.id, multimodal))
        if cached is None:
            cached = self._rules[(rule.id, multimodal)] = evaluate_rule(rule, self.context,
                                                                        multimodal)
        return cached


def attach(model: ModelResult, result: ContextResult) -> ModelResult:
    return replace(model, evaluation=result.evaluation)


def _answer(evaluated: Sequence[RuleInContext]) -> tuple[str | None, str | None]:
    """One license's commercial-use answer: the strictest deciding answer, with its reasons."""
    evaluation = combine(evaluated)
    answers = [a for a in evaluation.answer_items if a.term in USE_TERMS]
    if not answers:  # a use policy with no regional clause: nothing to answer
        return None, None
    decisive = [a for a in answers if a.answer == evaluation.commercial_use]
    return evaluation.commercial_use, " ".join(dict.fromkeys(a.reason for a in decisive)) or None


def _ordered(items: Iterable[RuleInContext]) -> list[RuleInContext]:
    unique = {item.rule.id: item for item in items}
    return sorted(unique.values(), key=lambda e: (e.rule.kind == "use-policy", e.rule.id))


def _keys(expression: str | None) -> list[str]:
    parsed = _parse(expression)
    return [] if parsed is None else list(dict.fromkeys(leaf.key for leaf in spdx.leaves(parsed)))


@lru_cache(maxsize=4096)  # parsed trees are immutable; a scan repeats licenses
def _parse(expression: str | None) -> spdx.Expr | None:
    if not expression:
        return None
    try:
        return spdx.parse(expression)
    except spdx.ExpressionProblem:
        return None


def _rank(answer: str) -> int:
    return RANK[BY_ANSWER.get(answer, "review")]


def _fold(expr: spdx.Expr, by_key: Mapping[str, LicenseInContext],
          follow: set[str] | None) -> tuple[spdx.Expr, str]:
    """(the branch that applies, its commercial-use answer)."""
    if isinstance(expr, spdx.Leaf):
        return expr, by_key[expr.key.lower()].standing
    parts = [(_fold(arg, by_key, follow), arg) for arg in expr.args]
    if expr.op == "AND":
        return (spdx.Compound("AND", tuple(p for (p, _v), _a in parts)),
                strictest([v for (_p, v), _a in parts]))
    candidates = [p for p, arg in parts
                  if follow is None or {leaf.key.lower() for leaf in spdx.leaves(arg)} & follow]
    return min(candidates or [p for p, _a in parts], key=lambda p: _rank(p[1]))


def _folded(context: Context | None, expression: str | None,
            licenses: tuple[LicenseInContext, ...], terms: Mapping[str, Any],
            follow: set[str] | None) -> ContextResult:
    parsed = _parse(expression)
    by_key = {item.key.lower(): item for item in licenses}
    if parsed is None:
        return ContextResult(context, expression, licenses, (), None, "unknown", combine([]),
                             terms)
    branch_expr, answer = _fold(parsed, by_key, follow)
    branch = tuple(dict.fromkeys(leaf.key for leaf in spdx.leaves(branch_expr)))
    has_or = isinstance(parsed, spdx.Compound) and "OR" in _ops(parsed)
    applied = combine(_ordered(r for key in branch for r in by_key[key.lower()].rules))
    return ContextResult(context, expression, licenses, branch,
                         str(branch_expr) if has_or else None, answer, applied, terms)


def _ops(expr: spdx.Expr) -> set[str]:
    if isinstance(expr, spdx.Leaf):
        return set()
    return {expr.op}.union(*(_ops(arg) for arg in expr.args))
