"""From a scanned ModelResult (with the rule pack and the context) to the policy's facts.

This is the only policy module that needs the rule pack and `licscan.evaluate`; the lockfile
stores its output, so `licscan check` decides from the lock alone.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from licscan.model import ModelResult
from licscan.policy import expr as spdx
from licscan.policy.model import FindingFact, LeafFacts, ModelFacts
from licscan.rulepack import Rule, RulePack

if TYPE_CHECKING:
    from licscan.context import Context


def model_key(model: ModelResult) -> str:
    """How the manifest names the model: its Hub id, or the local path as written."""
    ref = model.ref
    return ref.repo_id or ref.target if ref.kind == "hub" else ref.target


class FactBuilder:
    """Builds ModelFacts; caches each license's facts (many models share a license)."""

    def __init__(self, pack: RulePack, context: Context | None) -> None:
        self.pack = pack
        self.context = context
        self._leaves: dict[tuple[str, bool | None], LeafFacts] = {}

    def facts(self, model: ModelResult) -> ModelFacts:
        expression = model.license.expression if model.license else None
        keys = _keys(expression)
        multimodal = self._multimodal(model)
        return ModelFacts(
            id=model_key(model), source=model.source, requested_revision=model.ref.revision,
            revision=model.revision, status=model.status,
            error=model.error.message if model.error else None, expression=expression,
            licenses={key.lower(): self.leaf(key, multimodal) for key in keys},
            flags=asdict(model.flags),
            findings=tuple(FindingFact(f.code, f.severity, f.message) for f in model.findings),
            rules=tuple(model.license.rule_ids) if model.license else (),
            has_context=self.context is not None)

    def leaf(self, key: str, multimodal: bool | None = None) -> LeafFacts:
        cached = self._leaves.get((key.lower(), multimodal))
        if cached is None:
            rule = self.pack.by_expression_id.get(key.lower())
            cached = LeafFacts(key=key) if rule is None else self._known(key, rule, multimodal)
            self._leaves[(key.lower(), multimodal)] = cached
        return cached

    def _multimodal(self, model: ModelResult) -> bool | None:
        """From the card's pipeline tag, as the terms evaluation of the report does."""
        card = model.extra.get("card")
        if self.context is None or not isinstance(card, dict):
            return None
        from licscan.assess import multimodal_from_card

        return multimodal_from_card(card)

    def _known(self, key: str, rule: Rule, multimodal: bool | None) -> LeafFacts:
        answer, reason = self._answer(rule, multimodal)
        f = rule.flags
        return LeafFacts(
            key=key, rule=rule.id, name=rule.name, category=rule.category, family=rule.family,
            aliases=tuple(sorted({*rule.hub_ids, *rule.license_names} - {rule.id})),
            flags={"commercial_use": f.commercial_use, "modification": f.modification,
                   "distribution": f.distribution, "attribution": f.attribution,
                   "share_alike": f.share_alike,
                   "acceptable_use_policy": f.acceptable_use_policy},
            context=answer, context_reason=reason)

    def _answer(self, rule: Rule, multimodal: bool | None) -> tuple[str | None, str | None]:
        """The commercial-use answer for this license alone, in the configured context."""
        if self.context is None:
            return None, None
        from licscan.evaluate import USE_TERMS, evaluate_model

        evaluation = evaluate_model([rule], self.pack, self.context, multimodal=multimodal)
        answers = [a for a in evaluation.answer_items if a.term in USE_TERMS]
        if not answers:  # a use policy with no regional clause: nothing to answer
            return None, None
        decisive = [a for a in answers if a.answer == evaluation.commercial_use]
        reason = " ".join(dict.fromkeys(a.reason for a in decisive)) or None
        return evaluation.commercial_use, reason


def _keys(expression: str | None) -> list[str]:
    if not expression:
        return []
    try:
        parsed = spdx.parse(expression)
    except spdx.ExpressionProblem:
        return []
    return list(dict.fromkeys(leaf.key for leaf in spdx.leaves(parsed)))
