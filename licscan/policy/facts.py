"""From a scanned ModelResult and its ContextResult to the policy's facts (ModelFacts).

The context is not evaluated here: each license's commercial-use answer is read from the
model's ContextResult (`licscan.terms.context_result`), evaluated once per model by the scan's
context stage. The lockfile stores these facts, so `licscan check` decides from the lock alone.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from licscan.model import ModelResult
from licscan.policy.model import BOOL_FLAGS, FindingFact, LeafFacts, ModelFacts
from licscan.rulepack import Rule, RulePack
from licscan.terms.context_result import ContextStage, LicenseInContext

if TYPE_CHECKING:
    from licscan.terms.context import Context


def model_key(model: ModelResult) -> str:
    """How the manifest names the model: its Hub id, or the local path as written."""
    ref = model.ref
    return ref.repo_id or ref.target if ref.kind == "hub" else ref.target


class FactBuilder:
    """Builds ModelFacts; caches each license's facts (many models share a license)."""

    def __init__(self, pack: RulePack, context: Context | None,
                 stage: ContextStage | None = None) -> None:
        self.pack = pack
        self.context = context
        self.stage = stage or ContextStage(pack, context)
        self._leaves: dict[tuple[str, str | None, str | None], LeafFacts] = {}

    def facts(self, model: ModelResult) -> ModelFacts:
        expression = model.license.expression if model.license else None
        result = self.stage.result(model) if model.status == "ok" else None
        return ModelFacts(
            id=model_key(model), source=model.source, requested_revision=model.ref.revision,
            revision=model.revision, status=model.status,
            error=model.error.message if model.error else None, expression=expression,
            licenses={item.key.lower(): self._leaf(item)
                      for item in (result.licenses if result else ())},
            flags=model_flags(model),
            findings=tuple(FindingFact(f.code, f.severity, f.message) for f in model.findings),
            rules=tuple(model.license.rule_ids) if model.license else (),
            has_context=(result.context if result else self.context) is not None)

    def leaf(self, key: str, multimodal: bool | None = None) -> LeafFacts:
        """One license id's facts in this builder's context."""
        return self._leaf(self.stage.license(key, multimodal))

    def _leaf(self, item: LicenseInContext) -> LeafFacts:
        cache_key = (item.key.lower(), item.commercial_use, item.reason)
        cached = self._leaves.get(cache_key)
        if cached is None:
            rule = self.pack.get(item.rule) if item.rule else None
            cached = LeafFacts(key=item.key) if rule is None else _known(item, rule)
            self._leaves[cache_key] = cached
        return cached


def model_flags(model: ModelResult) -> dict[str, Any]:
    """The model's flags as the policy reads them. Without a concluded license the duty flags
    are "unknown", not the False they default to: "no attribution duty" is no fact about a
    license nobody determined, and a rule `{flag: share_alike, is: false}` must not match."""
    flags: dict[str, Any] = asdict(model.flags)
    if model.license is None or model.license.expression is None:
        flags.update(dict.fromkeys(BOOL_FLAGS, "unknown"))
    return flags


def _known(item: LicenseInContext, rule: Rule) -> LeafFacts:
    f = rule.flags
    return LeafFacts(
        key=item.key, rule=rule.id, name=rule.name, category=rule.category, family=rule.family,
        aliases=tuple(sorted({*rule.hub_ids, *rule.license_names} - {rule.id})),
        flags={"commercial_use": f.commercial_use, "modification": f.modification,
               "distribution": f.distribution, "attribution": f.attribution,
               "share_alike": f.share_alike, "acceptable_use_policy": f.acceptable_use_policy},
        context=item.commercial_use, context_reason=item.reason)
