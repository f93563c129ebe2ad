"""The policy as data: rules, waivers, the facts about a model that rules are matched to, and
the decision.

Facts come from a scan (`facts.py`) or from a lockfile (`licscan.lock.file`), so the one engine
(`decide.py`) decides `licscan scan`, `licscan lock` and the offline `licscan check`, with a
configured policy or the built-in default (`default.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from licscan.model import Finding, Record, WaiverNote
from licscan.policy.expr import Expr
from licscan.vocab import Permission, Severity, Verdict, coerce

RANK: dict[str, int] = {v: v.rank for v in Verdict}  # the verdicts, from the most permissive
# The verdict a commercial-use answer (or flag) leads to when no rule decides.
BY_ANSWER: dict[str, Verdict] = {p: p.verdict for p in Permission}


LISTS: tuple[str, ...] = (Verdict.DENY, Verdict.REVIEW, Verdict.ALLOW)  # the order rules are tried
RULE_KINDS = ("license", "expression", "category", "family", "flag", "finding", "unknown")
# Mirrors the `category` enum of licscan/schemas/rule.schema.json (tests keep them in step).
CATEGORIES = ("permissive", "weak-copyleft", "copyleft", "public-domain", "data",
              "responsible-ai", "community", "non-commercial", "research", "non-production",
              "source-available", "proprietary-free", "free-restricted", "commercial",
              "use-policy", "family", "unknown")
TRI_FLAGS = ("commercial_use", "modification", "distribution")
BOOL_FLAGS = ("attribution", "share_alike", "acceptable_use_policy")
TRI_VALUES: tuple[str, ...] = tuple(Permission)


@dataclass(frozen=True, eq=False, repr=False)
class Rule(Record):
    """One entry of `policy.deny`, `policy.review` or `policy.allow`."""

    kind: str  # one of RULE_KINDS
    value: str  # the id, expression, category, family, flag name or finding code
    verdict: Verdict | str  # the list it is in (the plain word is stored as a Verdict)
    index: int  # its position in that list (0-based), as in `policy:deny[2]`
    line: int | None = None
    values: tuple[str, ...] = ()  # flag rules: the values that match ("prohibited", "true")
    note: str | None = None  # the author's explanation, quoted in reasons
    parsed: Expr | None = field(default=None, compare=False)  # expression rules

    def __post_init__(self) -> None:
        coerce(self, verdict=Verdict)

    @property
    def label(self) -> str:
        return f"policy:{self.verdict}[{self.index}]"

    def describe(self) -> str:
        if self.kind == "flag":
            return f"flag {self.value} is {' or '.join(self.values)}"
        if self.kind == "unknown":
            return "unknown"
        if self.kind == "expression":
            return f"expression {self.value!r}"
        return f"{self.kind} {self.value}"


@dataclass(frozen=True, eq=False, repr=False)
class Waiver(Record):
    """A time-bounded, approved exemption for one model."""

    model: str
    reason: str
    approved_by: str
    expires: date  # the last day it applies
    license: str | None = None  # only while the concluded license is this expression
    revision: str | None = None  # only at this revision (a sha prefix, branch or tag)
    index: int = 0
    line: int | None = None
    parsed_license: Expr | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return f"waiver:{self.model}"


@dataclass(frozen=True, eq=False, repr=False)
class Policy(Record):
    # the plain words are accepted and stored as Verdicts
    fail_on: Verdict | str = Verdict.DENY  # deny | review
    unknown: Verdict | str = Verdict.REVIEW  # the verdict for licenses licscan cannot determine
    deny: tuple[Rule, ...] = ()
    review: tuple[Rule, ...] = ()
    allow: tuple[Rule, ...] = ()
    waivers: tuple[Waiver, ...] = ()

    def __post_init__(self) -> None:
        coerce(self, fail_on=Verdict, unknown=Verdict)

    def lists(self) -> tuple[tuple[Verdict, tuple[Rule, ...]], ...]:
        return ((Verdict.DENY, self.deny), (Verdict.REVIEW, self.review),
                (Verdict.ALLOW, self.allow))

    def rules(self) -> tuple[Rule, ...]:
        return self.deny + self.review + self.allow


@dataclass(frozen=True, eq=False, repr=False)
class LeafFacts(Record):
    """What the rule pack says about one license id of the concluded expression."""

    key: str  # the id as it appears in the expression
    rule: str | None = None  # the rule-pack id; None: licscan has no terms for it
    name: str | None = None
    category: str | None = None
    family: str | None = None
    aliases: tuple[str, ...] = ()  # Hub ids and license names that also name it
    flags: Mapping[str, Any] = field(default_factory=dict)
    #: the commercial-use answer in the configured context (the plain word is stored as a
    #: Permission)
    context: Permission | str | None = None
    context_reason: str | None = None

    def __post_init__(self) -> None:
        coerce(self, strict=False, context=Permission)  # a lockfile may hold any word

    @property
    def known(self) -> bool:
        return self.rule is not None

    @property
    def label(self) -> str:
        """The SPDX id, or the license's name for a LicenseRef (more readable)."""
        return self.name if self.name and self.key.startswith("LicenseRef-") else self.key

    def names(self) -> frozenset[str]:
        return frozenset(n.lower() for n in (self.key, self.rule or "", *self.aliases) if n)


@dataclass(frozen=True, eq=False, repr=False)
class FindingFact(Record):
    code: str
    severity: Severity | str  # the plain word is accepted and stored as a Severity
    message: str

    def __post_init__(self) -> None:
        coerce(self, strict=False, severity=Severity)  # a lockfile may hold any word


@dataclass(frozen=True, eq=False, repr=False)
class ModelFacts(Record):
    """Everything the policy looks at, for one model; storable in the lockfile."""

    id: str  # Hub repo id, or the local path as the manifest wrote it
    source: str  # "hub" | "local"
    requested_revision: str | None = None
    revision: str | None = None
    status: str = "ok"  # "ok" | "error"
    error: str | None = None
    expression: str | None = None
    licenses: Mapping[str, LeafFacts] = field(default_factory=dict)  # by lower-case key
    flags: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[FindingFact, ...] = ()
    rules: tuple[str, ...] = ()
    has_context: bool = False

    def leaf(self, key: str) -> LeafFacts:
        return self.licenses.get(key.lower()) or LeafFacts(key=key)

    def codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.findings)


def worst(verdicts: list[str]) -> Verdict:
    return Verdict(max(verdicts, key=RANK.__getitem__)) if verdicts else Verdict.ALLOW


@dataclass(frozen=True, eq=False, repr=False)
class Decision(Record):
    """A model's verdict, why, and what decided it."""

    verdict: Verdict
    reason: str
    decided_by: str  # "waiver:<model>", "policy:<list>[<n>]", "policy:unknown",
    #                  "context:commercial_use", "default-policy"
    findings: tuple[Finding, ...] = ()  # raised by the policy itself (`waiver-expired`)
    waivers: tuple[WaiverNote, ...] = ()  # the waivers naming the model: applied or why not
    branch: tuple[str, ...] = ()  # the license ids the verdict went through (OR: one branch)


PolicyDecision = Decision  # its former name
