"""Plain data passed between the pipeline stages. Frozen; no behaviour beyond small helpers.

references (ModelRef) -> sources (Snapshot) -> evidence (Evidence) -> conclusion
(LicenseConclusion, Flags, Finding) -> verdict -> report (ModelResult, ScanResult).

A ModelResult carries every stage's answer in a typed field: the card's facts (CardFacts),
the fetch's notes, lineage (Lineage) and training datasets (DatasetRow), the context's answers,
conditions and obligations (TermsEvaluation), and the decision (verdict, decided_by, waivers).
Nested JSON-like values are frozen (`freeze`: read-only mappings, tuples); `thaw` gives them
back as dicts and lists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from licscan.flags import Flags
from licscan.record import EMPTY, Record, freeze, thaw
from licscan.vocab import SEVERITIES, VERDICTS, FlagValue, Permission, Severity, Verdict, coerce

if TYPE_CHECKING:  # not at run time: `licscan check` must not load the identification engine
    from licscan.identify.result import TextIdentification

__all__ = ["EMPTY", "SEVERITIES", "VERDICTS", "FlagValue", "Flags", "Permission", "Record",
           "Severity", "Verdict", "freeze", "thaw"]


@dataclass(frozen=True, eq=False, repr=False)
class Origin(Record):
    """Where a target was named: a manifest file and line, or the command line."""

    file: str | None = None
    line: int | None = None


@dataclass(frozen=True, eq=False, repr=False)
class ModelRef(Record):
    """A model to scan, as the user named it."""

    kind: str  # "hub" | "local"
    target: str  # the text the user gave
    repo_id: str | None = None
    revision: str | None = None  # requested revision (branch, tag or sha); None = default branch
    path: str | None = None  # local directory
    origin: Origin = dataclasses.field(default_factory=Origin)
    repo_type: str = "model"  # "model" | "dataset"

    @property
    def display_id(self) -> str:
        """The Hub id, or the local folder as the user named it."""
        return self.repo_id or self.target or self.path or ""


@dataclass(frozen=True, eq=False, repr=False)
class FileBlob(Record):
    """A file read from a snapshot. `text` is None when it could not be decoded or was too large."""

    path: str
    size: int
    sha256: str | None
    data: bytes | None
    status: str = "ok"  # "ok" | "too-large" | "unreadable" | "gated" | "outside-root" | "missing"
    reason: str | None = None
    truncated: bool = False  # status "ok" but only the head of the file was read
    found_by: str = "name"  # "name" (or the card's license_link) | "content" (a probe)


@dataclass(frozen=True, eq=False, repr=False)
class Snapshot(Record):
    """Everything licscan reads of one model at one revision."""

    ref: ModelRef
    source: str  # "hub" | "local"
    revision: str | None  # resolved commit sha (hub), snapshot sha or None (local folder)
    card_data: Mapping[str, Any] | None  # Hub cardData (server-side parse) or parsed front matter
    card_data_origin: str  # "model-info" | "README.md" | "none"
    readme: FileBlob | None
    files: tuple[FileBlob, ...]  # license-related files, in a stable order
    listing: tuple[str, ...] = ()  # every path in the repo (names only)
    gated: str | None = None  # None | "auto" | "manual"
    private: bool = False
    tags: tuple[str, ...] = ()  # Hub-derived tags (base_model:..., license:...)
    notes: tuple[str, ...] = ()  # things worth reporting about the fetch itself
    card_problem: str | None = None  # why the README front matter could not be read
    card_problem_line: int | None = None
    #: what a cap (files, bytes, folder entries, depth) left unread: each is a review finding
    unread: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False, repr=False)
class CardOrigin(Record):
    """The detail of card-field evidence: where the card metadata was read ("model-info",
    "README.md", or a weight file's header such as "gguf-header")."""

    origin: str

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin}


@dataclass(frozen=True, eq=False, repr=False)
class TextRead(Record):
    """The detail of a license, notice or use-policy file, or of a README section: what
    identification found in the text, or (`status`, `reason`) why the file was not read."""

    identification: TextIdentification | None = None
    status: str | None = None  # a file not read: "too-large" | "unreadable" | "gated" | ...
    reason: str | None = None
    #: set when the file was found by content (a probe) or read only in part
    found_by: str | None = None  # "name" | "content"
    truncated: bool = False
    section: str | None = None  # a README section: its title

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's `detail`: the identification's fields, or status and reason."""
        out: dict[str, Any] = {}
        if self.identification is not None:
            out = self.identification.to_dict()
        elif self.status is not None:
            out = {"status": self.status, "reason": self.reason}
        if self.found_by is not None:
            out |= {"found_by": self.found_by, "truncated": self.truncated}
        if self.section is not None:
            out["section"] = self.section
        return out


EvidenceDetail = CardOrigin | TextRead


@dataclass(frozen=True, eq=False, repr=False)
class Evidence(Record):
    """A fact with its provenance: which field or file, at which revision, which line."""

    kind: str  # "card-field" | "license-file" | "notice-file" | "use-policy-file" | "readme-text"
    source: str  # "hub" | "local"
    revision: str | None
    field: str | None = None  # card field name for card-field evidence
    path: str | None = None  # file path for file evidence
    line: int | None = None
    value: str | None = None  # the field value or a short identification summary
    sha256: str | None = None
    detail: EvidenceDetail | None = dataclasses.field(default=None, compare=False, hash=False)


@dataclass(frozen=True, eq=False, repr=False)
class Finding(Record):
    code: str
    severity: Severity | str  # the plain word is accepted and stored as a Severity
    message: str
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        coerce(self, severity=Severity)


@dataclass(frozen=True, eq=False, repr=False)
class Declared(Record):
    license: str | list[str] | None = None
    license_name: str | None = None
    license_link: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class LicenseConclusion(Record):
    expression: str | None  # SPDX expression; None when nothing could be concluded
    name: str | None
    confidence: int  # 0-100
    status: str  # "resolved" | "unresolved"
    rule_ids: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    reason: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class ModelError(Record):
    kind: str
    message: str


@dataclass(frozen=True, eq=False, repr=False)
class CardFacts(Record):
    """What lineage, datasets and the context read of a model's card, and its declared license
    as identified (the rule-pack ids and SPDX expression of the card's `license` field)."""

    #: base_model, base_model_relation, datasets, pipeline_tag, tags as the card wrote them
    #: (frozen: lists read back as tuples; `raw` gives them as written)
    fields: Mapping[str, Any] = dataclasses.field(default_factory=lambda: EMPTY)
    tags: tuple[str, ...] = ()  # Hub-derived tags (base_model:..., license:...)
    declared_rules: tuple[str, ...] = ()
    declared_expression: str | None = None

    def raw(self) -> dict[str, Any]:
        return thaw(self.fields)  # type: ignore[no-any-return]


@dataclass(frozen=True, eq=False, repr=False)
class Answer(Record):
    """A term of a license answered in the context, with its reason and clause."""

    term: str
    answer: Permission | str  # the plain word is accepted and stored as a Permission
    reason: str
    rule: str
    clause: str
    confidence: str

    def __post_init__(self) -> None:
        coerce(self, answer=Permission)


TRIGGERED = "triggered"  # the context triggers the duty (or no context says otherwise)
IF_DISTRIBUTED = "if-distributed"  # a hosted or internal context: only once the model is shipped
IF_DISTRIBUTED_TEXT = "applies only if you distribute the model"


@dataclass(frozen=True, eq=False, repr=False)
class Obligation(Record):
    """One duty a license's terms ask of the licensee, with the clause it comes from."""

    id: str
    kind: str
    text: str
    trigger: str
    rule: str
    clause: str
    confidence: str


@dataclass(frozen=True, eq=False, repr=False)
class ObligationRow(Obligation):
    """An obligation as the reports show it: whether the context triggers it or it waits for
    a distribution."""

    applies_when: str  # TRIGGERED | IF_DISTRIBUTED

    @property
    def note(self) -> str:
        return IF_DISTRIBUTED_TEXT if self.applies_when == IF_DISTRIBUTED else ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, eq=False, repr=False)
class TermsEvaluation(Record):
    """The context evaluated over the license expression (`licscan.terms.context_result`) as the
    reports read it: the answers, conditions and obligations of the branch that applies.
    Read back from a saved JSON report, `complete` says its obligations are listed as written."""

    listed: bool = False  # the report lists terms and answers: a license is in the rule pack
    #: every license's and use policy's terms, by rule id
    terms: Mapping[str, Any] = dataclasses.field(default_factory=lambda: EMPTY)
    answers: tuple[Answer, ...] = ()
    conditions: tuple[str, ...] = ()
    obligations: tuple[ObligationRow, ...] = ()  # what the context triggers
    #: the same licenses' duties that apply only once the model is distributed (a hosted or
    #: internal context), not already among `obligations`
    if_distributed: tuple[ObligationRow, ...] = ()
    chosen_branch: str | None = None  # for an expression with OR: the branch followed
    #: attribution, share_alike, acceptable_use_policy as yes | no | unknown, when they are
    #: not the model's flags (an OR: the branch followed; a saved report: as written)
    duty_flags: Mapping[str, str] | None = None
    partly_unknown: bool = False  # a license of the branch has no terms in the rule pack
    distribution: str | None = None  # the context's distribution; None without a context
    complete: bool = False  # a saved report's obligations, flag rows included


@dataclass(frozen=True, eq=False, repr=False)
class InheritedTerms(Record):
    """A rule a base model passes down."""

    rule: str
    expression: str
    ancestor: str
    relation: str | None
    revision: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "expression": self.expression, "from": self.ancestor,
                "relation": self.relation, "revision": self.revision}


@dataclass(frozen=True, eq=False, repr=False)
class ScannedBase(Record):
    """What the scan of a base model showed."""

    revision: str | None
    license: str | None  # the concluded expression
    rules: tuple[str, ...] = ()
    gated: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class LineageNode(Record):
    """A base model in the lineage tree, with its own base models."""

    id: str
    relation: str | None  # finetune, adapter, quantized, merge; None when the card does not say
    status: str = "ok"  # "ok" | "error" | "cycle" | "depth-limit"
    reason: str | None = None  # why it could not be followed
    scanned: ScannedBase | None = None  # None: not scanned (an error, a cycle, the depth limit)
    parents: tuple[LineageNode, ...] = ()

    @classmethod
    def of(cls, node: Mapping[str, Any]) -> LineageNode:
        """From the JSON form (`to_dict`). Read leniently: a base that is not an object is
        left out, a value of another type is read as text."""
        def text(key: str) -> str | None:
            value = node.get(key)
            return None if value is None else str(value)

        rules = node.get("rules")
        scanned = ScannedBase(text("revision"), text("license"),
                              tuple(str(r) for r in rules) if isinstance(rules, list | tuple)
                              else (), text("gated")) if "revision" in node else None
        parents = node.get("parents")
        return cls(str(node.get("id") or ""), text("relation"), text("status") or "ok",
                   text("reason"), scanned,
                   tuple(cls.of(p) for p in parents if isinstance(p, Mapping))
                   if isinstance(parents, list | tuple) else ())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "relation": self.relation, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.scanned is not None:
            out |= {"revision": self.scanned.revision, "license": self.scanned.license,
                    "rules": list(self.scanned.rules), "gated": self.scanned.gated}
        out["parents"] = [parent.to_dict() for parent in self.parents]
        return out


@dataclass(frozen=True, eq=False, repr=False)
class Lineage(Record):
    """The base models followed from the card's base_model, and what they pass down."""

    chain: str  # `child <-finetune- base [expr] ...`, following the first parent
    own_license: str | None = None
    inherited: tuple[InheritedTerms, ...] = ()
    #: the model's direct base models, each with its own (a node's JSON form is accepted and
    #: read with `LineageNode.of`)
    parents: tuple[LineageNode, ...] = ()

    def __post_init__(self) -> None:
        if any(not isinstance(p, LineageNode) for p in self.parents):
            object.__setattr__(self, "parents", tuple(
                p if isinstance(p, LineageNode) else LineageNode.of(p) for p in self.parents
                if isinstance(p, LineageNode | Mapping)))

    @classmethod
    def of(cls, value: Any) -> Lineage | None:
        """From the JSON form (`to_dict`); None when `value` is not a lineage object. Read
        leniently (a report dict may come from a file): only the schema's shape, anything
        else left out."""
        if not isinstance(value, Mapping) or not isinstance(value.get("chain"), str):
            return None
        inherited, parents, own = value.get("inherited"), value.get("parents"), \
            value.get("own_license")

        def text(item: Any) -> str | None:
            return None if item is None else str(item)

        return cls(
            chain=value["chain"], own_license=text(own),
            inherited=tuple(InheritedTerms(str(i.get("rule")), str(i.get("expression")),
                                           str(i.get("from")), text(i.get("relation")),
                                           text(i.get("revision")))
                            for i in inherited if isinstance(i, Mapping))
            if isinstance(inherited, list | tuple) else (),
            parents=tuple(LineageNode.of(p) for p in parents if isinstance(p, Mapping))
            if isinstance(parents, list | tuple) else ())

    def nodes(self, limit: int = 500, max_depth: int = 20) -> list[tuple[LineageNode, int]]:
        """The tree depth first, each base model with its depth (0: a direct base), at most
        `limit` nodes and `max_depth` levels below the direct bases."""
        out: list[tuple[LineageNode, int]] = []
        stack = [(node, 0) for node in reversed(self.parents)]
        while stack and len(out) < limit:
            node, depth = stack.pop()
            out.append((node, depth))
            if depth < max_depth:
                stack.extend((base, depth + 1) for base in reversed(node.parents))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"chain": self.chain, "own_license": self.own_license,
                "inherited": [item.to_dict() for item in self.inherited],
                "parents": [parent.to_dict() for parent in self.parents]}


@dataclass(frozen=True, eq=False, repr=False)
class DatasetRow(Record):
    """A training dataset the card names, and its license (status "ok") or why not."""

    id: str
    status: str  # "ok" | "error"
    reason: str | None = None  # status "error"
    revision: str | None = None
    license: str | None = None
    declared: str | tuple[str, ...] | None = None
    # the plain words are accepted and stored as Permissions
    commercial_use: Permission | str | None = None
    modification: Permission | str | None = None

    def __post_init__(self) -> None:
        coerce(self, commercial_use=Permission, modification=Permission)

    def to_dict(self) -> dict[str, Any]:
        if self.status != "ok":
            return {"id": self.id, "status": self.status, "reason": self.reason}
        return {"id": self.id, "status": self.status, "revision": self.revision,
                "license": self.license, "declared": thaw(self.declared),
                "commercial_use": self.commercial_use, "modification": self.modification}


@dataclass(frozen=True, eq=False, repr=False)
class WaiverNote(Record):
    """A waiver of licscan.yaml that names the model, and whether it applied."""

    model: str
    reason: str
    approved_by: str
    expires: str  # ISO date
    status: str  # "applied" | "not-applied" | "expired"
    why: str | None = None  # why it did not apply
    #: the waiver's conditions, as a saved report may state them (the scan does not write them)
    license: str | None = None
    revision: str | None = None

    @classmethod
    def of(cls, note: Mapping[str, Any]) -> WaiverNote:
        def text(key: str) -> str | None:
            value = note.get(key)
            return None if value is None else str(value)

        return cls(str(note.get("model")), str(note.get("reason")),
                   str(note.get("approved_by")), str(note.get("expires")),
                   str(note.get("status")), text("why"), text("license"), text("revision"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.model, "reason": self.reason,
                               "approved_by": self.approved_by, "expires": self.expires,
                               "status": self.status}
        for key in ("why", "license", "revision"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True, eq=False, repr=False)
class ModelResult(Record):
    ref: ModelRef
    status: str  # "ok" | "error"
    source: str
    revision: str | None
    verdict: Verdict | str  # the plain word is accepted and stored as a Verdict
    declared: Declared = dataclasses.field(default_factory=Declared)
    license: LicenseConclusion | None = None
    flags: Flags = dataclasses.field(default_factory=Flags)
    findings: tuple[Finding, ...] = ()
    error: ModelError | None = None
    gated: str | None = None
    verdict_reason: str | None = None
    decided_by: str | None = None  # the policy rule (or waiver, or default) that decided
    waivers: tuple[WaiverNote, ...] = ()
    card: CardFacts = CardFacts()
    notes: tuple[str, ...] = ()  # things worth reporting about the fetch itself
    evaluation: TermsEvaluation | None = None  # None: not evaluated (an error, or not yet)
    lineage: Lineage | None = None  # None: the card names no base model (or not followed)
    datasets: tuple[DatasetRow, ...] = ()

    def __post_init__(self) -> None:
        coerce(self, verdict=Verdict)

    @property
    def id(self) -> str:
        return self.ref.display_id


@dataclass(frozen=True, eq=False, repr=False)
class ScanResult(Record):
    models: tuple[ModelResult, ...]
    tool_version: str
    rulepack: Mapping[str, str]
    generated_at: str | None = None  # ISO timestamp (SOURCE_DATE_EPOCH when set)
    context: Mapping[str, Any] | None = None  # the user's context (use, users, regions ...)
    config_file: str | None = None
    stats: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)
