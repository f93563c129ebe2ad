"""Lineage: a fine-tune, adapter, quantization or merge inherits its base model's terms.

The card's `base_model` (a string or a list) and `base_model_relation` (or the Hub's
`base_model:<relation>:<id>` tags) name the parents. A quantization is a copy of its base, so
every ancestor license applies; other derivatives inherit the ancestor terms that bind
derivatives (non-commercial or conditional use, naming and attribution duties, use restrictions
to pass on, same-license rules). Stricter terms win.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from licscan.conclude import related
from licscan.errors import UsageError
from licscan.expression import parse, symbol_keys
from licscan.model import Evidence, Finding, ModelResult
from licscan.policy.findings import GATE_FINDINGS
from licscan.rulepack import Rule, RulePack
from licscan.targets import is_repo_id
from licscan.vocab import strictness

RELATIONS = ("finetune", "adapter", "quantized", "merge")
DEFAULT_MAX_DEPTH = 8
_TAG = re.compile(r"^base_model:(?:(finetune|adapter|quantized|merge):)?(.+)$")


@dataclass(frozen=True)
class Parent:
    repo_id: str
    relation: str | None


def _relation(card: Mapping[str, Any], tags: Sequence[str], repo_id: str) -> str | None:
    declared = card.get("base_model_relation")
    if isinstance(declared, str) and declared.lower() in RELATIONS:
        return declared.lower()
    for tag in tags:
        match = _TAG.match(tag)
        if match and match.group(1) and match.group(2) == repo_id:
            return match.group(1)
    return None


def parents_of(card: Mapping[str, Any] | None, tags: Sequence[str] = ()) -> tuple[
        list[Parent], list[str]]:
    """The parents a card names, and the values that are not valid repo ids."""
    card = card or {}
    raw = card.get("base_model")
    values = raw if isinstance(raw, list) else [raw] if raw else []
    if not values:
        values = [m.group(2) for t in tags if (m := _TAG.match(t))]
    parents: list[Parent] = []
    invalid: list[str] = []
    for value in values:
        if not isinstance(value, str):
            invalid.append(repr(value)[:80])
            continue
        repo_id = value.strip().removeprefix("https://huggingface.co/").strip("/")
        if not is_repo_id(repo_id):
            invalid.append(value[:120])
            continue
        if all(p.repo_id != repo_id for p in parents):
            parents.append(Parent(repo_id, _relation(card, tags, repo_id)))
    if len(parents) > 1:
        parents = [Parent(p.repo_id, p.relation or "merge") for p in parents]
    return parents, invalid


@dataclass(frozen=True)
class Node:
    """One model in a lineage tree; `result` is None when the parent could not be scanned."""

    repo_id: str
    relation: str | None
    result: ModelResult | None
    status: str  # "ok" | "error" | "cycle" | "depth-limit"
    reason: str | None
    parents: tuple[Node, ...] = ()


def binds_derivatives(rule: Rule) -> bool:
    if rule.kind != "license":
        return False
    f = rule.flags
    return (f.commercial_use != "allowed" or f.modification != "allowed"
            or f.share_alike or f.acceptable_use_policy)


@dataclass(frozen=True)
class Inherited:
    rule: Rule
    ancestor: str
    relation: str | None
    revision: str | None


def inherited_rules(node: Node, pack: RulePack) -> list[Inherited]:
    """Every ancestor rule that binds this node, nearest ancestors first, once each."""
    out: list[Inherited] = []
    stack: list[tuple[Node, bool]] = [(p, p.relation == "quantized") for p in node.parents]
    while stack:
        parent, copy = stack.pop(0)
        if parent.result is not None and parent.result.license is not None:
            for rule_id in parent.result.license.rule_ids:
                rule = pack.get(rule_id)
                if rule is None or any(i.rule.id == rule.id for i in out):
                    continue
                if (copy and rule.kind == "license") or binds_derivatives(rule):
                    out.append(Inherited(rule, parent.repo_id, parent.relation,
                                         parent.result.revision))
        stack.extend((p, copy and p.relation == "quantized") for p in parent.parents)
    return out


#: license ids that stand for terms nobody could map to a rule (a custom or unidentified text,
#: an unreadable base): a derivative inherits them whatever its relation, as unknown terms
UNKNOWN_TERMS_REFS = ("LicenseRef-licscan-custom-", "LicenseRef-licscan-unidentified-",
                      "LicenseRef-licscan-unresolved-base-")
#: base findings not carried down: a base's own unreadable bases are reached by the walk
#: itself, and a base's datasets are not followed
_NOT_CARRIED = frozenset({"lineage-unresolved", "dataset-unresolved"})


@dataclass(frozen=True)
class Ancestor:
    """An ancestor that was read: its node in the tree and its result (never None, unlike a
    node's, which is None for a base that could not be followed)."""

    node: Node
    result: ModelResult


def ancestors(node: Node) -> list[Ancestor]:
    """Every ancestor that was read, nearest first, once each."""
    out: list[Ancestor] = []
    stack = list(node.parents)
    while stack:
        parent = stack.pop(0)
        if parent.result is not None and parent.status == "ok" and \
                all(a.node.repo_id != parent.repo_id for a in out):
            out.append(Ancestor(parent, parent.result))
        stack.extend(parent.parents)
    return out


def inherited_unknown_terms(read: Sequence[Ancestor]) -> list[tuple[str, Node]]:
    """The license ids without a rule (`UNKNOWN_TERMS_REFS`) of the ancestors `read`
    (`ancestors`), with the ancestor."""
    out: list[tuple[str, Node]] = []
    for ancestor in read:
        lic = ancestor.result.license
        if lic is None or not lic.expression:
            continue
        try:
            keys = symbol_keys(parse(lic.expression))
        except UsageError:  # an expression licscan wrote; unparseable is unknown
            keys = [UNKNOWN_TERMS_REFS[0] + "unparsed"]
        out += [(k, ancestor.node) for k in keys if k.startswith(UNKNOWN_TERMS_REFS)
                and all(k != seen for seen, _ in out)]
    return out


def undetermined_ancestors(read: Sequence[Ancestor]) -> list[Node]:
    """The ancestors `read` (`ancestors`) without a license: their terms are unknown, not
    absent."""
    return [a.node for a in read if a.result.license is None or not a.result.license.expression]


def inherited_gate_findings(read: Sequence[Ancestor]) -> list[Finding]:
    """The gate findings of the ancestors `read` (`ancestors`: their evidence was cut,
    contradicts itself or adds terms) bind their derivatives as well: each is carried as
    `base-model-restricted`."""
    out: list[Finding] = []
    for ancestor in read:
        for finding in ancestor.result.findings:
            if finding.code in GATE_FINDINGS and finding.code not in _NOT_CARRIED:
                out.append(Finding(
                    "base-model-restricted", "review",
                    f"base model {ancestor.node.repo_id} ({finding.code}): {finding.message}",
                    finding.evidence))
    return out


def _naming_prefix(rule: Rule) -> str | None:
    for section in ("modification", "distribution"):
        for duty in (rule.terms.get(section) or {}).get("duties") or ():
            if duty.get("type") == "naming_prefix" and duty.get("prefix"):
                return str(duty["prefix"])
    return None


def _passes_restrictions(rule: Rule) -> bool:
    for section in ("modification", "distribution"):
        for duty in (rule.terms.get(section) or {}).get("duties") or ():
            if duty.get("type") == "pass_restrictions":
                return True
    return False


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _clause(rule: Rule, section: str) -> str:
    cite = (rule.terms.get(section) or {}).get("cite") or {}
    return str(cite.get("clause") or "")


def lineage_findings(model: ModelResult, inherited: Sequence[Inherited], pack: RulePack,
                     declared_rules: Sequence[Rule], declared_expression: str | None,
                     ) -> list[Finding]:
    from licscan.conclude import flags_for

    findings: list[Finding] = []
    own = flags_for(declared_expression, pack) if declared_expression else None
    own_rules = [pack.get(r) for r in (model.license.rule_ids if model.license else ())]
    name = model.id.rstrip("/").split("/")[-1]
    for item in inherited:
        rule = item.rule
        where = f"{item.ancestor} ({rule.name})"
        ev = (Evidence(kind="lineage", source="hub", revision=item.revision,
                       value=f"{item.relation or 'derivative'} of {item.ancestor}: {rule.id}"),)
        if own is not None and not any(related(d, rule) for d in declared_rules) and (
                strictness(own.commercial_use) < strictness(rule.flags.commercial_use)
                or strictness(own.modification) < strictness(rule.flags.modification)):
            findings.append(Finding(
                "lineage-license-conflict", "review",
                f"the card declares {declared_expression}, but the model derives from {where}, "
                f"whose terms bind derivatives ({_clause(rule, 'modification')}); "
                f"the ancestor's terms apply", ev))
        prefix = _naming_prefix(rule)
        if prefix and not _squash(name).startswith(_squash(prefix)):
            findings.append(Finding(
                "lineage-naming", "review",
                f"derivatives of {where} must be named with the prefix {prefix!r} "
                f"({_clause(rule, 'modification')}); {name!r} is not", ev))
        if _passes_restrictions(rule) and not any(
                r is not None and (related(r, rule) or r.id == rule.use_policy)
                for r in own_rules):
            findings.append(Finding(
                "lineage-restrictions-not-passed", "review",
                f"{where} requires its use restrictions to be passed on to derivatives "
                f"({_clause(rule, 'distribution')}), but this model's card and files do not "
                "carry them", ev))
    return findings


def node_dict(node: Node, pack: RulePack) -> dict[str, Any]:
    result = node.result
    out: dict[str, Any] = {"id": node.repo_id, "relation": node.relation, "status": node.status}
    if node.reason:
        out["reason"] = node.reason
    if result is not None:
        out["revision"] = result.revision
        out["license"] = result.license.expression if result.license else None
        out["rules"] = list(result.license.rule_ids) if result.license else []
        out["gated"] = result.gated
    out["parents"] = [node_dict(p, pack) for p in node.parents]
    return out


def chain_line(model_id: str, node: Node) -> str:
    """`child <-finetune- base [expr] <-quantized- …` following the first parent."""
    parts = [model_id]
    current = node
    while current.parents:
        parent = current.parents[0]
        lic = parent.result.license.expression if parent.result and parent.result.license \
            else parent.status
        more = f" (+{len(current.parents) - 1} more)" if len(current.parents) > 1 else ""
        parts.append(f"<-{parent.relation or 'derived'}- {parent.repo_id} [{lic}]{more}")
        current = parent
    return " ".join(parts)
