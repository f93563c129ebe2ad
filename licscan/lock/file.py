"""licscan.lock: what every manifest entry resolved to, and the facts the policy needs.

`licscan lock` writes it (JSON, stable order, no timestamps: relocking an unchanged manifest
rewrites the same bytes); `licscan check` decides from it without the network, recomputing
from the rule pack every fact the pack determines (licscan.lock.trust); `licscan lock --check`
compares every fact with a fresh resolution (drift).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from licscan.errors import ConfigError
from licscan.model import ModelRef, ModelResult, Record
from licscan.policy.model import FindingFact, LeafFacts, ModelFacts

_COMMIT = re.compile(r"^[0-9a-fA-F]{40}$")

# 2: evidence.multimodal, evidence.local (digests of local model folders); later added (no new
# version: an older lockfile lacks them and `check` asks for a relock of those models only):
# evidence.header (a weight file's header digest), evidence.ollama (an Ollama model's digests);
# repo_type, written only for a Hub dataset ("model" when absent, as every older entry is), so
# that a model and a dataset with one id are two entries
LOCK_VERSION = 2
_FILE_KINDS = ("license-file", "notice-file", "use-policy-file")


@dataclass(frozen=True, eq=False, repr=False)
class LockEntry(Record):
    facts: ModelFacts
    evidence: Mapping[str, Any] = field(default_factory=dict)  # {"card", "files"}
    verdict: str | None = None  # as decided when locked (check decides again)
    decided_by: str | None = None
    line: int | None = None  # where the entry starts in the lockfile
    repo_type: str = "model"  # a Hub dataset: "dataset"
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str, str]:
        """How the entry pairs with a manifest entry (`lock_key`)."""
        return self.facts.source, self.repo_type, self.facts.id


@dataclass(frozen=True, eq=False, repr=False)
class Lock(Record):
    file: str
    rulepack: Mapping[str, str]
    manifest: str | None
    context_digest: str | None
    entries: tuple[LockEntry, ...]


@dataclass(frozen=True, eq=False, repr=False)
class Problem(Record):
    file: str
    line: int | None
    model: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.model}: {self.message}"


# --- writing -------------------------------------------------------------------------------


def ref_key(ref: ModelRef) -> tuple[str, str]:
    """How a manifest entry pairs with a lock entry: (the ModelResult's source, its id).
    Everything read from disk (a folder, a weight file, an Ollama model `ollama:NAME:TAG`)
    is source "local" and keyed by the target as written."""
    if ref.kind != "hub":
        return "local", ref.target
    return "hub", ref.repo_id or ref.target


def lock_key(ref: ModelRef) -> tuple[str, str, str]:
    """(source, repository type, id): a Hub model and a Hub dataset with one id are two
    entries."""
    source, name = ref_key(ref)
    return source, ref.repo_type if source == "hub" else "model", name


def evidence_digests(model: ModelResult) -> dict[str, Any]:
    """The card metadata digest and the sha256 of every license-related file read."""
    items = list(model.license.evidence if model.license else ())
    items += [ev for finding in model.findings for ev in finding.evidence]
    files = {ev.path: ev.sha256 for ev in items
             if ev.kind in _FILE_KINDS and ev.path and ev.sha256}
    fields = sorted({(ev.field, ev.value or "") for ev in items
                     if ev.kind == "card-field" and ev.field})
    card_data = model.card.raw()
    card = {"declared": asdict(model.declared), "fields": fields, "card": card_data}
    text = json.dumps(card, sort_keys=True, separators=(",", ":"), default=str)
    out: dict[str, Any] = {"card": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
                           "files": [{"path": p, "sha256": files[p]} for p in sorted(files)],
                           "multimodal": _multimodal(card_data)}
    out.update(disk_evidence(model.ref, files) if model.status == "ok" else {})
    related = related_revisions(model)
    if related:
        out["related"] = related
    return out


def related_revisions(model: ModelResult) -> list[dict[str, str]]:
    """The commit of every base model (all levels) and dataset the conclusion read, so that
    `check` concludes the entry again from those commits (licscan.lock.verify), not from
    whatever a later scan saw of their default branch."""
    found: set[tuple[str, str, str]] = set()
    stack = list(model.lineage.parents) if model.lineage else []
    while stack:
        node = stack.pop()
        if node.scanned is not None and node.scanned.revision:
            found.add(("model", node.id, node.scanned.revision))
        stack.extend(node.parents)
    found |= {("dataset", row.id, row.revision) for row in model.datasets
              if row.status == "ok" and row.revision}
    return [{"repo_type": kind, "id": name, "revision": sha}
            for kind, name, sha in sorted(found)]


def disk_evidence(ref: ModelRef, files: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What `check` re-reads of a model read from disk, by digest: a folder's files
    (`local`), a weight file's header (`header`), an Ollama model's manifest, license layers
    and model-layer header (`ollama`); nothing for a Hub model."""
    from licscan.lock import trust

    if not ref.path:
        return {}
    if ref.kind == "local":
        return {"local": trust.local_evidence(Path(ref.path), files or {})}
    if ref.kind in trust.WEIGHT_FORMATS:
        return {"header": trust.weight_evidence(ref.kind, Path(ref.path), ref.target)}
    if ref.kind == "ollama":
        return {"ollama": trust.ollama_evidence(Path(ref.path), ollama_name(ref))}
    return {}


def disk_state(ref: ModelRef, evidence: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What of a model read from disk must be the same before and after `licscan lock` scans
    it (the folder's digest, the weight header's, the Ollama model's): from `evidence` as
    entry_dict wrote it, or read now; {} for a Hub model."""
    if ref.kind == "hub" or not ref.path:
        return {}
    now = dict(evidence) if evidence is not None else disk_evidence(ref)
    local = now.get("local")
    if isinstance(local, Mapping):
        return {"local": local.get("tree")}
    return {key: now.get(key) for key in ("header", "ollama") if key in now}


def ollama_name(ref: ModelRef) -> str:
    return ref.target.removeprefix("ollama:")


def _multimodal(card: dict[str, Any]) -> bool | None:
    """The card's task, as the context evaluation reads it (check recomputes with it)."""
    from licscan.terms.context_result import multimodal_from_card

    return multimodal_from_card(card)


def entry_dict(model: ModelResult, facts: ModelFacts) -> dict[str, Any]:
    out = facts_dict(facts)
    if model.ref.kind == "hub" and model.ref.repo_type != "model":
        out["repo_type"] = model.ref.repo_type
    out["evidence"] = evidence_digests(model)
    out["verdict"] = model.verdict
    out["decided_by"] = model.decided_by
    return out


def facts_dict(facts: ModelFacts) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": facts.id, "source": facts.source,
        "requested_revision": facts.requested_revision, "revision": facts.revision,
        "license": facts.expression, "rules": list(facts.rules), "flags": dict(facts.flags),
        "findings": [asdict(f) for f in facts.findings],
        "licenses": [_leaf_dict(leaf) for _key, leaf in sorted(facts.licenses.items())],
        "context": facts.has_context,
    }
    if facts.status != "ok":
        out["status"], out["error"] = facts.status, facts.error
    return out


def _leaf_dict(leaf: LeafFacts) -> dict[str, Any]:
    out: dict[str, Any] = {"key": leaf.key, "rule": leaf.rule}
    if leaf.known:
        out.update(name=leaf.name, category=leaf.category, family=leaf.family,
                   aliases=list(leaf.aliases), flags=dict(leaf.flags))
    if leaf.context is not None:
        out["context"] = {"commercial_use": leaf.context, "reason": leaf.context_reason}
    return out


def lock_dict(entries: Sequence[Mapping[str, Any]], *, rulepack: Mapping[str, str],
              manifest: str | None, context_digest: str | None) -> dict[str, Any]:
    from licscan import __version__

    ordered = sorted(entries, key=lambda e: (e["source"], e["id"], e.get("repo_type", "model"),
                                             e["requested_revision"] or ""))
    return {"lockfile_version": LOCK_VERSION, "generated_by": f"licscan {__version__}",
            "rulepack": dict(rulepack), "manifest": manifest, "context_digest": context_digest,
            "models": list(ordered)}


def dumps(lock: Mapping[str, Any]) -> str:
    return json.dumps(lock, indent=2, ensure_ascii=False) + "\n"


def write_lock(path: Path, lock: Mapping[str, Any]) -> None:
    from licscan.safewrite import write_text

    write_text(path, dumps(lock))


# --- reading -------------------------------------------------------------------------------


def read_lock(path: Path, file: str) -> Lock:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read the lockfile: {exc.strerror or exc}", file=file,
                          hint="run licscan lock") from exc
    except ValueError as exc:  # JSONDecodeError, and an integer past Python's digit limit
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"not valid JSON ({str(exc)[:200]})", file=file, line=line,
                          hint="regenerate it with licscan lock") from exc
    except RecursionError as exc:
        raise ConfigError("not a licscan lockfile (nested too deeply to read)", file=file,
                          hint="regenerate it with licscan lock") from exc
    if _too_deep(data):
        raise ConfigError(f"not a licscan lockfile (nested deeper than {MAX_DEPTH} levels)",
                          file=file, hint="regenerate it with licscan lock")
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ConfigError("not a licscan lockfile", file=file, hint="run licscan lock")
    if data.get("lockfile_version") != LOCK_VERSION:
        raise ConfigError(f"lockfile_version {data.get('lockfile_version')!r} is not "
                          f"{LOCK_VERSION}", file=file, hint="regenerate it with licscan lock")
    lines = _entry_lines(text, len(data["models"]))
    entries = tuple(entry_from_dict(item, file, line) for item, line in zip(data["models"], lines,
                                                                    strict=True))
    return Lock(file=file, rulepack=data.get("rulepack") or {}, manifest=data.get("manifest"),
                context_digest=data.get("context_digest"), entries=entries)


#: a lockfile `licscan lock` writes is a few levels deep; a deeper one would only reach the
#: recursion limit of whatever walks it later (digests, comparisons)
MAX_DEPTH = 64


def _too_deep(data: Any) -> bool:
    level = [data] if isinstance(data, dict | list) else []
    for _depth in range(MAX_DEPTH):  # one level at a time; only containers go down
        level = [item for value in level
                 for item in (value.values() if isinstance(value, dict) else value)
                 if isinstance(item, dict | list)]
        if not level:
            return False
    return True


def _entry_lines(text: str, count: int) -> list[int | None]:
    found: list[int | None] = [number for number, line in enumerate(text.splitlines(), start=1)
                               if line.startswith('      "id": ')]
    return found if len(found) == count else [None] * count


def entry_from_dict(item: Any, file: str, line: int | None = None) -> LockEntry:
    try:
        facts = facts_from_dict(item)
        _same_commit(facts)
        return LockEntry(facts=facts, evidence=item.get("evidence") or {},
                         verdict=item.get("verdict"), decided_by=item.get("decided_by"),
                         line=line, repo_type=str(item.get("repo_type") or "model"), raw=item)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ConfigError(f"malformed lockfile entry ({type(exc).__name__}: {exc})", file=file,
                          line=line, hint="regenerate it with licscan lock") from exc


def _same_commit(facts: ModelFacts) -> None:
    """A model pinned to a commit is locked at that commit: an entry that names another one
    would be verified against the other commit's evidence, never against the pin."""
    requested, revision = facts.requested_revision, facts.revision
    if not isinstance(requested, str) or not _COMMIT.match(requested):
        return
    if facts.status == "ok" and (not isinstance(revision, str)
                                 or revision.lower() != requested.lower()):
        raise ValueError(f"the manifest pins commit {requested}, the lockfile names revision "
                         f"{_short(revision if isinstance(revision, str) else None)}")


def facts_from_dict(item: Mapping[str, Any]) -> ModelFacts:
    leaves = [_leaf(raw) for raw in item.get("licenses") or ()]
    return ModelFacts(
        id=str(item["id"]), source=str(item["source"]),
        requested_revision=item.get("requested_revision"), revision=item.get("revision"),
        status=str(item.get("status", "ok")), error=item.get("error"),
        expression=item.get("license"), licenses={leaf.key.lower(): leaf for leaf in leaves},
        flags=dict(item.get("flags") or {}),
        findings=tuple(FindingFact(str(f["code"]), str(f["severity"]), str(f["message"]))
                       for f in item.get("findings") or ()),
        rules=tuple(str(r) for r in item.get("rules") or ()),
        has_context=bool(item.get("context")))


def _leaf(raw: Mapping[str, Any]) -> LeafFacts:
    context = raw.get("context") or {}
    return LeafFacts(key=str(raw["key"]), rule=raw.get("rule"), name=raw.get("name"),
                     category=raw.get("category"), family=raw.get("family"),
                     aliases=tuple(raw.get("aliases") or ()), flags=dict(raw.get("flags") or {}),
                     context=context.get("commercial_use"), context_reason=context.get("reason"))


# --- comparing -----------------------------------------------------------------------------


def compare(refs: Sequence[ModelRef], lock: Lock, manifest_file: str,
            ) -> tuple[list[tuple[ModelRef, LockEntry]], list[Problem]]:
    """Pair manifest entries with locked ones; a problem for every entry added, removed or
    moved to another revision since the lockfile was written."""
    wanted: dict[tuple[str, str, str], list[ModelRef]] = {}
    for ref in refs:
        wanted.setdefault(lock_key(ref), []).append(ref)
    locked: dict[tuple[str, str, str], list[LockEntry]] = {}
    for entry in lock.entries:
        locked.setdefault(entry.key, []).append(entry)
    pairs: list[tuple[ModelRef, LockEntry]] = []
    problems: list[Problem] = []
    manifest_name = Path(manifest_file).name
    for key in dict.fromkeys([*wanted, *locked]):
        entries = locked.get(key, [])
        refs_left, used = [], set()
        for ref in wanted.get(key, []):  # a model listed twice pairs with one entry twice
            match = next((e for e in entries if e.facts.requested_revision == ref.revision),
                         None)
            if match is None:
                refs_left.append(ref)
            else:
                pairs.append((ref, match))
                used.add(id(match))
        entries_left = [e for e in entries if id(e) not in used]
        if len(refs_left) == 1 and len(entries_left) == 1:
            ref, entry = refs_left[0], entries_left[0]
            problems.append(_at(ref, manifest_file, (
                f"revision is {_rev(ref.revision)} in {manifest_name} but "
                f"{_rev(entry.facts.requested_revision)} in {Path(lock.file).name} "
                "(run licscan lock)")))
            continue
        problems += [_at(ref, manifest_file, f"not in {Path(lock.file).name} (run licscan lock)")
                     for ref in refs_left]
        problems += [Problem(lock.file, e.line, e.facts.id,
                             f"locked but no longer in {manifest_name} (run licscan lock)")
                     for e in entries_left]
    return pairs, problems


def _at(ref: ModelRef, manifest_file: str, message: str) -> Problem:
    return Problem(manifest_file, ref.origin.line, ref_key(ref)[1], message)


def _rev(revision: str | None) -> str:
    return revision or "the default branch"


def drift(old: LockEntry, new: LockEntry) -> tuple[list[str], bool]:
    """What changed between two resolutions of one entry, and whether it is drift: anything
    the policy or `licscan check` rests on (the license and its facts, the flags, the findings,
    the license files, the card, the local folder, the verdict) — every fact check uses."""
    changes = []
    if old.facts.revision != new.facts.revision:
        changes.append(f"revision {_short(old.facts.revision)} -> {_short(new.facts.revision)}")
    if old.facts.expression != new.facts.expression:
        changes.append(f"license {old.facts.expression or 'unresolved'} -> "
                       f"{new.facts.expression or 'unresolved'}")
    before = {f["path"]: f["sha256"] for f in old.evidence.get("files", ())}
    after = {f["path"]: f["sha256"] for f in new.evidence.get("files", ())}
    changes += [f"{path} {_short(before.get(path), 'absent')} -> "
                f"{_short(after.get(path), 'absent')}"
                for path in sorted({*before, *after}) if before.get(path) != after.get(path)]
    if old.evidence.get("card") != new.evidence.get("card"):
        changes.append("card metadata changed")
    if old.evidence.get("multimodal") != new.evidence.get("multimodal"):
        changes.append(f"card task multimodal {old.evidence.get('multimodal')} -> "
                       f"{new.evidence.get('multimodal')}")
    if old.evidence.get("local") != new.evidence.get("local"):
        changes.append("local model files changed")
    if old.evidence.get("header") != new.evidence.get("header"):
        changes.append("weight file header changed")
    if old.evidence.get("ollama") != new.evidence.get("ollama"):
        changes.append("Ollama model changed (manifest, license layers or model header)")
    changes += _fact_changes(facts_dict(old.facts), facts_dict(new.facts))
    if old.verdict != new.verdict:
        changes.append(f"verdict {old.verdict} -> {new.verdict}")
    if old.decided_by != new.decided_by:
        changes.append(f"decided by {old.decided_by} -> {new.decided_by}")
    moved_only = len(changes) == 1 and changes[0].startswith("revision ")
    return changes, bool(changes) and not moved_only


_SHOWN_ABOVE = ("id", "source", "requested_revision", "revision", "license")


def _fact_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    out = []
    for key in [k for k in dict.fromkeys([*before, *after]) if k not in _SHOWN_ABOVE]:
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if key == "flags" and isinstance(a, dict) and isinstance(b, dict):
            out += [f"flags.{k} {a.get(k)} -> {b.get(k)}" for k in sorted({*a, *b})
                    if a.get(k) != b.get(k)]
        elif key == "findings":
            gone = [f["code"] for f in a or () if f not in (b or ())]
            new = [f["code"] for f in b or () if f not in (a or ())]
            out.append("findings" + (f" -{', -'.join(gone)}" if gone else "")
                       + (f" +{', +'.join(new)}" if new else ""))
        elif key == "licenses":
            out.append("license facts changed (category, family, flags or context answer)")
        else:
            out.append(f"{key} {a} -> {b}")
    return out


def _short(value: str | None, missing: str = "none") -> str:
    return value[:12] if value else missing
