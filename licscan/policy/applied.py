"""A policy applied to scanned models: `AppliedPolicy(model) -> Decision`.

The same object serves the built-in default (`default.py`) and a configured licscan.yaml:
facts from the model and its ContextResult (`facts.py`), the verdict from the one engine
(`decide.py`). Also: the check of a configured policy's ids against the rule pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from licscan.errors import ConfigError
from licscan.model import ModelResult
from licscan.policy import expr as spdx
from licscan.policy.decide import decide
from licscan.policy.facts import FactBuilder
from licscan.policy.model import Decision, ModelFacts, Policy, Rule
from licscan.rulepack import RulePack
from licscan.terms.context import Context
from licscan.terms.context_result import ContextStage


class AppliedPolicy:
    """A callable `ModelResult -> Decision` for `Scanner(policy=...)`."""

    def __init__(self, policy: Policy, builder: FactBuilder, today: date) -> None:
        self.policy = policy
        self.builder = builder
        self.today = today

    @classmethod
    def of(cls, policy: Policy, pack: RulePack, context: Context | None, today: date, *,
           stage: ContextStage | None = None) -> AppliedPolicy:
        return cls(policy, FactBuilder(pack, context, stage), today)

    def facts(self, model: ModelResult) -> ModelFacts:
        return self.builder.facts(model)

    def __call__(self, model: ModelResult) -> Decision:
        return decide(self.facts(model), self.policy, self.today)


def check_against_pack(policy: Policy, pack: RulePack, file: str | None) -> None:
    """A license id or family the rule pack and the SPDX list do not know is a typo that would
    silently match nothing: refuse it. LicenseRef ids are the user's own and always accepted."""
    names = _known_names(pack)
    families = {(r.family or "").lower() for r in pack.rules.values()} - {""}
    for rule in policy.rules():
        key = f"policy.{rule.verdict}[{rule.index}]"
        ids = _rule_ids(rule)
        unknown = [i for i in ids if i.lower() not in names and "licenseref-" not in i.lower()]
        if unknown:
            tag = pack.by_hub_id.get(unknown[0].lower())
            hint = (f"{unknown[0]!r} is a family tag; write {{family: {tag.family or tag.id}}}"
                    if tag is not None and tag.kind == "family" else
                    "use a rule-pack id (licscan rules list), an SPDX id, a Hub id or a "
                    "LicenseRef- id")
            raise ConfigError(f"unknown license id {unknown[0]!r}", file=file, line=rule.line,
                              key=key, hint=hint)
        if rule.kind == "family" and rule.value.lower() not in families:
            raise ConfigError(f"unknown family {rule.value!r}", file=file, line=rule.line,
                              key=key, hint="families: " + ", ".join(sorted(families)))


def _rule_ids(rule: Rule) -> Sequence[str]:
    if rule.kind == "license":
        return [rule.value]
    if rule.kind == "expression" and rule.parsed is not None:
        return [leaf.key for leaf in spdx.leaves(rule.parsed)]
    return []


def _known_names(pack: RulePack) -> set[str]:
    from licscan.expression import licensing

    names = {key.lower() for key in licensing().known_symbols}
    for rule in pack.rules.values():
        if rule.kind == "family":
            continue  # a family tag is not a license: point at {family: …} instead
        names.update(n.lower() for n in (rule.id, rule.expression_id, *rule.hub_ids,
                                          *rule.license_names))
    return names
