"""The configured policy: rules, waivers and the context, applied to scanned models.

    policy = build_policy(config, pack)           # config: licscan.config.Config
    Scanner(options, pack=pack, policy=policy)     # policy(model) -> PolicyDecision
    scanner, policy = configured_scanner(config, options)   # the same, with rules and context

Nothing heavy is imported here: `licscan check` imports `licscan.policy.evaluate` and must
stay fast. See docs/policy.md for the rule kinds and their precedence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from licscan.config import Config
    from licscan.context import Context
    from licscan.model import ModelResult
    from licscan.policy.facts import FactBuilder
    from licscan.policy.model import ModelFacts, Policy, PolicyDecision, Rule
    from licscan.rulepack import RulePack
    from licscan.scan import Scanner, ScanOptions

__all__ = ["ConfiguredPolicy", "build_policy", "configured_scanner", "today_utc"]


def today_utc() -> date:
    return datetime.now(UTC).date()


class ConfiguredPolicy:
    """A callable `ModelResult -> PolicyDecision` for `Scanner(policy=...)`."""

    def __init__(self, policy: Policy, builder: FactBuilder, today: date) -> None:
        self.policy = policy
        self.builder = builder
        self.today = today

    def facts(self, model: ModelResult) -> ModelFacts:
        return self.builder.facts(model)

    def __call__(self, model: ModelResult) -> PolicyDecision:
        from licscan.policy.evaluate import decide

        return decide(self.facts(model), self.policy, self.today)


def build_policy(config: Config, pack: RulePack, context: Context | None = None, *,
                 today: date | None = None) -> ConfiguredPolicy:
    """The policy of a loaded licscan.yaml. `context` (from `--context FILE`) replaces the
    config's own `context:` section. Rule ids and families are checked against the pack."""
    from licscan.policy.facts import FactBuilder

    check_against_pack(config.policy, pack, config.file)
    chosen = context if context is not None else config.context
    return ConfiguredPolicy(config.policy, FactBuilder(pack, chosen), today or today_utc())


def check_against_pack(policy: Policy, pack: RulePack, file: str | None) -> None:
    """A license id or family the rule pack and the SPDX list do not know is a typo that would
    silently match nothing: refuse it. LicenseRef ids are the user's own and always accepted."""
    from licscan.errors import ConfigError

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
    from licscan.policy import expr as spdx

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


def configured_scanner(config: Config, options: ScanOptions, context: Context | None = None, *,
                       today: date | None = None) -> tuple[Scanner, ConfiguredPolicy]:
    """A Scanner that applies licscan.yaml: its rule packs, its policy, and its context (or
    `context`, from --context) for both the verdicts and the report's terms and obligations."""
    from dataclasses import replace

    from licscan.assess import Assessor
    from licscan.rulepack import load_rulepack
    from licscan.scan import Scanner

    options = replace(options, rules_dirs=(*options.rules_dirs, *config.rules))
    pack = load_rulepack(options.rules_dirs)
    chosen = context if context is not None else config.context
    policy = build_policy(config, pack, context, today=today)
    scanner = Scanner(options, pack, policy=policy, finalize=Assessor(pack, chosen))
    scanner.context_dict = chosen.to_dict() if chosen is not None else None
    return scanner, policy
