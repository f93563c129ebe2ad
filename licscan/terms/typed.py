"""Typed license terms: a rule file's `terms:` mapping as frozen dataclasses.

Every fact carries its citation: the clause, where it was read, and how sure the pack is
(P: license text, P-card: official model card, S: secondary source, ?: not found).
Unknown is a value, never a crash: a rule without `terms` (or with a part missing) gets
terms derived from its flags, cited as clause "flags" with confidence "?". A derived rule (an
SPDX license the pack has no hand-written rule for) has only flags taken from its category, and
its terms say so in `derived_from_category`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from licscan.rulepack import TRI_STATES, Rule

CONFIDENCES = ("P", "P-card", "S", "?")
UNVERIFIED = frozenset({"S", "?"})
FLAGS_CLAUSE = "flags"
# Why commercial use is prohibited, read from the rule's category when the terms do not say.
_BASIS_BY_CATEGORY = {"non-commercial": "non_commercial", "research": "research_only",
                      "non-production": "non_production"}
# Conditions that bind every use unless the rule says otherwise; the rest bind commercial use.
_ALL_USE_CONDITIONS = frozenset({"region", "hosted_service", "acceptance"})


@dataclass(frozen=True)
class Cite:
    clause: str
    confidence: str
    source: str = ""

    @property
    def verified(self) -> bool:
        return self.confidence not in UNVERIFIED


@dataclass(frozen=True)
class Condition:
    type: str
    cite: Cite
    applies_to: str  # "all_use" | "commercial_use"
    metric: str | None = None
    threshold: float | None = None
    amount: float | None = None
    currency: str | None = None
    period: str | None = None
    measured: str | None = None
    as_of: str | None = None
    affiliates: bool | None = None
    exceeded: str | None = None
    regions: tuple[str, ...] = ()
    url: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Duty:
    type: str
    cite: Cite
    text: str | None = None
    prefix: str | None = None
    trigger: str | None = None


@dataclass(frozen=True)
class CommercialUse:
    value: str
    cite: Cite
    basis: str | None = None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Modification:
    value: str
    cite: Cite
    duties: tuple[Duty, ...] = ()
    derivative_includes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Distribution:
    value: str
    cite: Cite
    duties: tuple[Duty, ...] = ()
    hosted_service_is_distribution: bool | None = None


@dataclass(frozen=True)
class UsePolicy:
    name: str
    cite: Cite
    rule: str | None = None
    url: str | None = None
    incorporated: bool | None = None
    updatable: bool | None = None


@dataclass(frozen=True)
class Outputs:
    cite: Cite
    training_other_models: str = "unknown"
    commercial_use: str = "unknown"


@dataclass(frozen=True)
class RegionalRestriction:
    regions: tuple[str, ...]
    who: str  # "developers" | "all"
    models: str  # "multimodal" | "all"
    effect: str  # "no_license" | "separate_license_required"
    cite: Cite


@dataclass(frozen=True)
class Termination:
    trigger: str
    cite: Cite


@dataclass(frozen=True)
class UnilateralChanges:
    agreement: bool
    policy: bool
    cite: Cite
    remote_restriction: bool | None = None


@dataclass(frozen=True)
class Terms:
    commercial_use: CommercialUse
    modification: Modification
    distribution: Distribution
    acceptable_use_policy: UsePolicy | None = None
    outputs: Outputs | None = None
    regional: tuple[RegionalRestriction, ...] = ()
    termination: tuple[Termination, ...] = ()
    unilateral_changes: UnilateralChanges | None = None
    governing_law: str | None = None
    derived_from_flags: bool = False
    # Set for a derived rule (an SPDX license without a hand-written rule): its flags, and so
    # these terms, are the defaults of this category, not facts read from the license text.
    derived_from_category: str | None = None


# --- reading the raw mapping -------------------------------------------------------------------
# The loader does not validate user packs against the schema, so every read tolerates a wrong
# type by falling back to "unknown" rather than failing the scan.


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) \
        else None


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(text for text in map(_text, value) if text is not None)


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _tri(value: Any) -> str:
    return value if value in TRI_STATES else "unknown"


class _Reader:
    """Reads one rule's terms; knows the rule's first source for citations that omit one."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        first = rule.sources[0] if rule.sources else {}
        self.default_source = str(first.get("ref", "")) if isinstance(first, Mapping) else ""

    def cite(self, raw: Any) -> Cite:
        if not isinstance(raw, Mapping):
            return self.flags_cite()
        confidence = raw.get("confidence")
        return Cite(clause=_text(raw.get("clause")) or "?",
                    confidence=confidence if confidence in CONFIDENCES else "?",
                    source=_text(raw.get("source")) or self.default_source)

    def flags_cite(self) -> Cite:
        return Cite(FLAGS_CLAUSE, "?", self.default_source)

    def condition(self, raw: Mapping[str, Any]) -> Condition:
        kind = _text(raw.get("type")) or "unknown"
        default_scope = "all_use" if kind in _ALL_USE_CONDITIONS else "commercial_use"
        applies_to = raw.get("applies_to")
        return Condition(
            type=kind, cite=self.cite(raw.get("cite")),
            applies_to=applies_to if applies_to in ("all_use", "commercial_use") else default_scope,
            metric=_text(raw.get("metric")), threshold=_number(raw.get("threshold")),
            amount=_number(raw.get("amount")), currency=_text(raw.get("currency")),
            period=_text(raw.get("period")), measured=_text(raw.get("measured")),
            as_of=_text(raw.get("as_of")), affiliates=_flag(raw.get("affiliates")),
            exceeded=_text(raw.get("exceeded")), regions=_texts(raw.get("regions")),
            url=_text(raw.get("url")), text=_text(raw.get("text")))

    def duty(self, raw: Mapping[str, Any]) -> Duty:
        return Duty(type=_text(raw.get("type")) or "unknown", cite=self.cite(raw.get("cite")),
                    text=_text(raw.get("text")), prefix=_text(raw.get("prefix")),
                    trigger=_text(raw.get("trigger")))

    def duties(self, raw: Mapping[str, Any]) -> tuple[Duty, ...]:
        return tuple(self.duty(item) for item in _mappings(raw.get("duties")))

    def commercial_use(self, raw: Any) -> CommercialUse:
        if not isinstance(raw, Mapping):
            flag = self.rule.flags.commercial_use
            basis = _BASIS_BY_CATEGORY.get(self.rule.category) if flag == "prohibited" else None
            return CommercialUse(_tri(flag), self.flags_cite(), basis)
        return CommercialUse(
            value=_tri(raw.get("value")), cite=self.cite(raw.get("cite")),
            basis=_text(raw.get("basis")),
            conditions=tuple(self.condition(item) for item in _mappings(raw.get("conditions"))))

    def modification(self, raw: Any) -> Modification:
        if not isinstance(raw, Mapping):
            duties = (Duty("same_license", self.flags_cite(), trigger="derivative distributed"),) \
                if self.rule.flags.share_alike else ()
            return Modification(_tri(self.rule.flags.modification), self.flags_cite(), duties)
        return Modification(value=_tri(raw.get("value")), cite=self.cite(raw.get("cite")),
                            duties=self.duties(raw),
                            derivative_includes=_texts(raw.get("derivative_includes")))

    def distribution(self, raw: Any) -> Distribution:
        if not isinstance(raw, Mapping):
            duties = (Duty("keep_notices", self.flags_cite(), trigger="distribution"),) \
                if self.rule.flags.attribution else ()
            return Distribution(_tri(self.rule.flags.distribution), self.flags_cite(), duties)
        return Distribution(
            value=_tri(raw.get("value")), cite=self.cite(raw.get("cite")),
            duties=self.duties(raw),
            hosted_service_is_distribution=_flag(raw.get("hosted_service_is_distribution")))

    def use_policy(self, raw: Any) -> UsePolicy | None:
        if isinstance(raw, Mapping):
            return UsePolicy(
                name=_text(raw.get("name")) or _text(raw.get("rule")) or "use policy",
                cite=self.cite(raw.get("cite")), rule=_text(raw.get("rule")),
                url=_text(raw.get("url")), incorporated=_flag(raw.get("incorporated")),
                updatable=_flag(raw.get("updatable")))
        if self.rule.flags.acceptable_use_policy and self.rule.use_policy:
            return UsePolicy(name=self.rule.use_policy, cite=self.flags_cite(),
                             rule=self.rule.use_policy)
        return None

    def outputs(self, raw: Any) -> Outputs | None:
        if not isinstance(raw, Mapping):
            return None
        return Outputs(cite=self.cite(raw.get("cite")),
                       training_other_models=_text(raw.get("training_other_models")) or "unknown",
                       commercial_use=_text(raw.get("commercial_use")) or "unknown")

    def regional(self, raw: Any) -> tuple[RegionalRestriction, ...]:
        return tuple(RegionalRestriction(
            regions=_texts(item.get("regions")), who=_text(item.get("who")) or "all",
            models=_text(item.get("models")) or "all",
            effect=_text(item.get("effect")) or "no_license", cite=self.cite(item.get("cite")))
            for item in _mappings(raw))

    def termination(self, raw: Any) -> tuple[Termination, ...]:
        return tuple(Termination(_text(item.get("trigger")) or "unknown",
                                 self.cite(item.get("cite"))) for item in _mappings(raw))

    def unilateral_changes(self, raw: Any) -> UnilateralChanges | None:
        if not isinstance(raw, Mapping):
            return None
        return UnilateralChanges(agreement=raw.get("agreement") is True,
                                 policy=raw.get("policy") is True,
                                 cite=self.cite(raw.get("cite")),
                                 remote_restriction=_flag(raw.get("remote_restriction")))


def terms_of(rule: Rule) -> Terms:
    """The rule's typed terms; derived from its flags (confidence "?") where it has none."""
    raw = rule.terms if isinstance(rule.terms, Mapping) else {}
    read = _Reader(rule)
    return Terms(
        commercial_use=read.commercial_use(raw.get("commercial_use")),
        modification=read.modification(raw.get("modification")),
        distribution=read.distribution(raw.get("distribution")),
        acceptable_use_policy=read.use_policy(raw.get("acceptable_use_policy")),
        outputs=read.outputs(raw.get("outputs")),
        regional=read.regional(raw.get("regional")),
        termination=read.termination(raw.get("termination")),
        unilateral_changes=read.unilateral_changes(raw.get("unilateral_changes")),
        governing_law=_text(raw.get("governing_law")),
        derived_from_flags=not raw,
        derived_from_category=rule.category if rule.derived else None)


def to_plain(value: Any) -> Any:
    """JSON-ready form of a terms dataclass: dicts and lists; None and empty lists left out."""
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for item in fields(value):
            plain = to_plain(getattr(value, item.name))
            if plain is not None and plain != []:
                out[item.name] = plain
        return out
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    return value
