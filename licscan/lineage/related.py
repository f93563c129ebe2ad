"""Follow each model's base models and training datasets, and apply what they imply.

No I/O: `resolve_related` asks for base models level by level, then for datasets, and the
scanner fetches them (once per scan however many children point at one) and sends the results
back; the tree is built from them with cycle detection and a depth limit (`tree.py`).
`FetchPlan` tells the scanner the same refs earlier, as each result arrives, so the fetches
of a base's bases do not wait for the rest of its generation.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass, replace

from licscan import expression as spdx
from licscan.conclude import flags_for
from licscan.lineage.tree import (
    Inherited,
    Node,
    Parent,
    ancestors,
    chain_line,
    inherited_gate_findings,
    inherited_rules,
    inherited_unknown_terms,
    lineage_findings,
    node_dict,
    parents_of,
    undetermined_ancestors,
)
from licscan.model import (
    DatasetRow,
    Evidence,
    Finding,
    InheritedTerms,
    LicenseConclusion,
    Lineage,
    ModelRef,
    ModelResult,
    freeze,
)
from licscan.rulepack import RulePack
from licscan.sources.base import RefKey, ref_key
from licscan.targets import is_repo_id

#: `resolve_related` as run by the scanner: it yields the refs it needs and is sent their
#: results, in order; it returns the models
Walk = Generator[list[ModelRef], list[ModelResult], list[ModelResult]]


@dataclass(frozen=True)
class Related:
    """What to follow: base models (to `max_depth` generations) and training datasets."""

    lineage: bool = True
    datasets: bool = True
    max_depth: int = 8


def _parents(model: ModelResult) -> list[Parent]:
    return parents_of(model.card.raw(), model.card.tags)[0]


def _hub_ref(repo_id: str, repo_type: str = "model") -> ModelRef:
    return ModelRef(kind="hub", target=repo_id, repo_id=repo_id, repo_type=repo_type)


def _base_key(repo_id: str) -> RefKey:
    """A base model as the scan's memo keys it: a Hub model (never a dataset of that id)."""
    return ref_key(_hub_ref(repo_id))


def _ancestors(top: list[ModelResult], max_depth: int) -> Generator[
        list[ModelRef], list[ModelResult], dict[RefKey, ModelResult]]:
    """Asks for the base models level by level; returns every model read, by `ref_key`
    (repository type, id, revision): a dataset listed in the scan is not a model's base."""
    known: dict[RefKey, ModelResult] = {ref_key(m.ref): m for m in top if m.ref.kind == "hub"}
    frontier = [p.repo_id for m in top if m.status == "ok" for p in _parents(m)]
    for _level in range(max_depth):
        todo = sorted({r for r in frontier if _base_key(r) not in known})
        if not todo:
            break
        fetched = yield [_hub_ref(r) for r in todo]
        for repo_id, result in zip(todo, fetched, strict=True):
            known[_base_key(repo_id)] = result
        frontier = [p.repo_id for r in todo if known[_base_key(r)].status == "ok"
                    for p in _parents(known[_base_key(r)])]
    return known


class FetchPlan:
    """What to fetch as each result arrives, so that no fetch waits for a whole level: for a
    model given to the scan, its base models and its datasets; for a base model, its own base
    models as soon as it is read. The bases are those `resolve_related` asks for (each to
    `max_depth` generations from the nearest model of the scan, whatever order the results
    arrive in), so the walk finds them fetched: a base reached first through a longer chain,
    then through a shorter one, is followed again from there. No I/O: the scanner submits the
    refs returned, and the walk stays what decides."""

    def __init__(self, follow: Related, top: set[RefKey] | frozenset[RefKey]) -> None:
        self.follow = follow
        self.top = frozenset(top)  # the `ref_key`s of the scan's own refs: models, not bases
        self._level: dict[RefKey, int] = {}  # base -> the fewest generations it is reached by
        self._parents: dict[RefKey, tuple[str, ...]] = {}  # a base read: its own bases

    def after(self, key: RefKey, model: ModelResult) -> list[ModelRef]:
        """The refs to start fetching now that `model`, fetched as `key`, is concluded."""
        out: list[ModelRef] = []
        if model.status != "ok":
            return out
        if key in self.top:
            for parent in _parents(model):
                self._reach(parent.repo_id, 1, out)
            if self.follow.datasets:
                out += [_hub_ref(d, "dataset") for d in _dataset_ids(model) if is_repo_id(d)]
        elif key in self._level:  # a base (not a dataset, nor a ref the walk asked itself)
            self._parents[key] = tuple(p.repo_id for p in _parents(model))
            for repo_id in self._parents[key]:
                self._reach(repo_id, self._level[key] + 1, out)
        return out

    def _reach(self, repo_id: str, level: int, out: list[ModelRef]) -> None:
        key = _base_key(repo_id)
        if not self.follow.lineage or level > self.follow.max_depth or key in self.top \
                or self._level.get(key, level + 1) <= level:
            return
        if key not in self._level:
            out.append(_hub_ref(repo_id))
        self._level[key] = level
        for parent in self._parents.get(key, ()):  # read already: follow it from nearer
            self._reach(parent, level + 1, out)


def _build(parent: Parent, known: dict[RefKey, ModelResult], path: tuple[str, ...],
           depth: int, max_depth: int) -> Node:
    if parent.repo_id in path:
        return Node(parent.repo_id, parent.relation, None, "cycle",
                    f"cycle: {' -> '.join((*path, parent.repo_id))}")
    result = known.get(_base_key(parent.repo_id))
    if depth > max_depth or result is None:
        return Node(parent.repo_id, parent.relation, None, "depth-limit",
                    f"lineage deeper than {max_depth} levels was not followed")
    if result.status != "ok":
        reason = result.error.message if result.error else "could not be scanned"
        return Node(parent.repo_id, parent.relation, result, "error", reason)
    children = tuple(_build(p, known, (*path, parent.repo_id), depth + 1, max_depth)
                     for p in _parents(result))
    return Node(parent.repo_id, parent.relation, result, "ok", None, children)


def _unresolved(root: Node) -> list[Node]:
    """The bases that could not be followed (an error, a cycle, the depth limit), each node's
    own before its bases'."""
    out: list[Node] = []

    def visit(node: Node) -> None:
        out.extend(p for p in node.parents if p.status != "ok")
        for parent in node.parents:
            visit(parent)

    visit(root)
    return out


def _apply_lineage(model: ModelResult, known: dict[RefKey, ModelResult], pack: RulePack,
                   max_depth: int) -> ModelResult:
    parents, invalid = parents_of(model.card.raw(), model.card.tags)
    if not parents and not invalid:
        return model
    own_id = model.ref.repo_id or model.id
    root = Node(own_id, None, model, "ok", None,
                tuple(_build(p, known, (own_id,), 1, max_depth) for p in parents))
    inherited = inherited_rules(root, pack)
    declared = [r for rid in model.card.declared_rules if (r := pack.get(rid)) is not None]
    findings = list(model.findings)
    findings += lineage_findings(model, inherited, pack, declared,
                                 model.card.declared_expression)
    unresolved, read = _unresolved(root), ancestors(root)
    for node in unresolved:
        findings.append(Finding("lineage-unresolved", "review",
                                f"base model {node.repo_id}: {node.reason}", ()))
    undetermined = undetermined_ancestors(read)
    for node in undetermined:
        findings.append(Finding("lineage-unresolved", "review",
                                f"base model {node.repo_id}: no license could be determined",
                                ()))
    for value in invalid:
        findings.append(Finding("lineage-unresolved", "review",
                                f"base_model value {value!r} is not a Hub repository id", ()))
    findings += inherited_gate_findings(read)
    lineage = Lineage(
        chain=chain_line(model.id, root),
        own_license=model.license.expression if model.license else None,
        inherited=tuple(InheritedTerms(i.rule.id, i.rule.expression_id, i.ancestor, i.relation,
                                       i.revision) for i in inherited),
        parents=tuple(freeze(node_dict(p, pack)) for p in root.parents))
    unknown_bases = [n.repo_id for n in unresolved if n.status != "cycle"] + \
        [str(v) for v in invalid] + [n.repo_id for n in undetermined]
    license = _with_unresolved_bases(
        _with_unknown_terms(_effective_license(model.license, inherited),
                            inherited_unknown_terms(read)), unknown_bases)
    return replace(model, license=license, flags=flags_for(license.expression, pack)
                   if license and license.expression else model.flags,
                   findings=tuple(findings), lineage=lineage)


def _effective_license(own: LicenseConclusion | None,
                       inherited: list[Inherited]) -> LicenseConclusion | None:
    if not inherited or own is None:
        return own
    extra_rules = [i for i in inherited if i.rule.id not in own.rule_ids]
    if not extra_rules:
        return own
    expression = spdx.combine_and([own.expression or "",
                                   *(i.rule.expression_id for i in extra_rules)])
    evidence = tuple(Evidence(kind="lineage", source="hub", revision=i.revision,
                              value=f"inherited {i.rule.id} from {i.ancestor} "
                                    f"({i.relation or 'derivative'})") for i in extra_rules)
    names = " AND ".join(dict.fromkeys(
        [*(own.name.split(" AND ") if own.name else []), *(i.rule.name for i in extra_rules)]))
    reason = (own.reason or "") + "; inherits " + ", ".join(
        f"{i.rule.name} from {i.ancestor}" for i in extra_rules)
    return replace(own, expression=expression, name=names,
                   rule_ids=(*own.rule_ids, *(i.rule.id for i in extra_rules)),
                   evidence=(*own.evidence, *evidence), reason=reason.lstrip("; "))


def _with_unknown_terms(own: LicenseConclusion | None,
                        terms: list[tuple[str, Node]]) -> LicenseConclusion | None:
    """An ancestor's custom or unidentified license (or its own unread base) has terms no rule
    describes; a derivative is bound by them all the same: each id is ANDed in as it is."""
    if own is None or own.expression is None:
        return own
    present = set(spdx.symbol_keys(spdx.parse(own.expression)))
    extra = [(ref, node) for ref, node in terms if ref not in present]
    if not extra:
        return own
    expression = spdx.combine_and([own.expression, *(ref for ref, _ in extra)])
    evidence = tuple(Evidence(kind="lineage", source="hub",
                              revision=node.result.revision if node.result else None,
                              value=f"inherited {ref} from {node.repo_id} "
                                    f"({node.relation or 'derivative'})")
                     for ref, node in extra)
    names = " AND ".join([*([own.name] if own.name else []),
                          *(f"the unknown terms {ref} of base model {node.repo_id}"
                            for ref, node in extra)])
    reason = (own.reason + "; " if own.reason else "") + "inherits unknown terms from " + \
        ", ".join(dict.fromkeys(node.repo_id for _, node in extra))
    return replace(own, expression=expression, name=names, reason=reason,
                   evidence=(*own.evidence, *evidence), confidence=min(own.confidence, 50))


UNRESOLVED_BASE_REF = "LicenseRef-licscan-unresolved-base-"


def _with_unresolved_bases(own: LicenseConclusion | None,
                           bases: list[str]) -> LicenseConclusion | None:
    """A base model that could not be scanned passes down terms nobody read: each is ANDed in
    as a LicenseRef without terms, so the policy's `unknown` setting decides it and a rule
    allowing the model's own license cannot let it through."""
    if own is None or own.expression is None or not bases:
        return own
    refs = [UNRESOLVED_BASE_REF + (re.sub(r"[^A-Za-z0-9.]+", "-", b).strip("-")[:96] or "x")
            for b in dict.fromkeys(bases)]
    expression = spdx.combine_and([own.expression, *refs])
    names = " AND ".join([*([own.name] if own.name else []),
                          *(f"the unknown license of base model {b}"
                            for b in dict.fromkeys(bases))])
    reason = (own.reason + "; " if own.reason else "") + \
        "the license of base model " + ", ".join(dict.fromkeys(bases)) + " could not be read"
    return replace(own, expression=expression, name=names, reason=reason,
                   confidence=min(own.confidence, 50))


def _dataset_ids(model: ModelResult) -> list[str]:
    raw = model.card.raw().get("datasets")
    values = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
    out: list[str] = []
    for value in values:
        if isinstance(value, str) and value.strip() and value.strip() not in out:
            out.append(value.strip())
    return out[:32]


def _apply_datasets(model: ModelResult, datasets: dict[str, ModelResult]) -> ModelResult:
    ids = _dataset_ids(model)
    if not ids:
        return model
    rows: list[DatasetRow] = []
    findings = list(model.findings)
    for dataset_id in ids:
        result = datasets.get(dataset_id)
        if result is None or result.status != "ok":
            reason = result.error.message if result and result.error else "invalid id"
            row = DatasetRow(dataset_id, "error", reason=reason)
            findings.append(Finding("dataset-unresolved", "review",
                                    f"training dataset {dataset_id}: {reason}", ()))
        else:
            lic = result.license
            row = DatasetRow(dataset_id, "ok", revision=result.revision,
                             license=lic.expression if lic else None,
                             declared=freeze(result.declared.license),
                             commercial_use=result.flags.commercial_use,
                             modification=result.flags.modification)
            problem = _dataset_problem(result)
            if problem:
                findings.append(Finding(
                    "dataset-license", "review", f"training dataset {dataset_id}: {problem}",
                    (Evidence(kind="dataset-card", source="hub", revision=result.revision,
                              field="license", value=str(result.declared.license)),)))
        rows.append(row)
    return replace(model, findings=tuple(findings), datasets=tuple(rows))


def _dataset_problem(result: ModelResult) -> str | None:
    lic, flags = result.license, result.flags
    if lic is None or lic.expression is None:
        return "its license is unknown"
    if flags.commercial_use == "prohibited":
        return f"its license ({lic.expression}) does not allow commercial use"
    if flags.modification == "prohibited":
        return f"its license ({lic.expression}) does not allow derivatives (NoDerivatives)"
    if flags.commercial_use == "unknown":
        return f"the terms of its license ({lic.expression}) are unknown"
    return None


def resolve_related(top: list[ModelResult], pack: RulePack, follow: Related) -> Walk:
    """Each model with its base models' inherited terms and its datasets' licenses.

    No I/O here: the walk yields the refs it needs (base models level by level, then the
    datasets) and the scanner sends back their results (`Scanner.fetch_all`: fetched once per
    scan on the worker threads, concluded on the calling thread)."""
    if follow.lineage:
        known = yield from _ancestors(top, follow.max_depth)
        top = [_apply_lineage(m, known, pack, follow.max_depth)
               if m.status == "ok" else m for m in top]
    if follow.datasets:
        valid = sorted({d for m in top if m.status == "ok" for d in _dataset_ids(m)
                        if is_repo_id(d)})
        fetched = (yield [_hub_ref(d, "dataset") for d in valid]) if valid else []
        datasets = dict(zip(valid, fetched, strict=True))
        top = [_apply_datasets(m, datasets) if m.status == "ok" else m for m in top]
    return top
