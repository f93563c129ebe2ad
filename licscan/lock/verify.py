"""Whether a lockfile entry's concluded license and findings are what its evidence gives.

`licscan check` decides from licscan.lock. Everything the rule pack determines is recomputed
(licscan.lock.trust); the expression, the rules behind it and the findings are concluded from
the evidence, and a lockfile can state anything there. So check verifies them, offline:

- **remembered**: `licscan lock`, a `licscan lock --check` that found no drift and a check
  that verified an entry record the entry's digest (`memo_key`: the entry as written, the
  rule pack, the context, the licscan version and its code, `code_digest`) in the licscan
  cache; the same entry is
  then verified without concluding again (the cache's ownership and permission checks
  guard the record as they guard snapshots, licscan.sources.cache);
- **concluded again** otherwise, the way `licscan scan --offline` concludes: a Hub model from
  the cache's snapshot of the locked commit (its base models and datasets from the cache
  too), a model read from disk from its files (which check has already found unchanged
  since locking). An expression, rules, findings or evidence digests that differ from the
  lockfile's are refused (`Outcome.differences`, exit 2);
- **superseded** (unverified, even if remembered) when a commit the entry names is not what
  this machine last resolved its branch to (the model's own, by branch or tag, and each base
  model's and dataset's, `evidence.related`): an older lockfile restored, or one written
  from a newer resolution elsewhere; offline, check cannot tell which (`Verifier.superseded`);
- **unverified** when the evidence is not available offline (no usable cache, no snapshot of
  that commit, a base model or dataset not in the cache): check says so, and
  `--require-verified` fails on it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from licscan import __version__
from licscan.errors import SourceError
from licscan.model import ModelRef, Record
from licscan.sources.cache import SnapshotCache, cache_root, is_full_sha

if TYPE_CHECKING:
    from licscan.config import Config
    from licscan.lock.file import LockEntry
    from licscan.model import Snapshot
    from licscan.policy.applied import AppliedPolicy
    from licscan.rulepack import RulePack
    from licscan.terms.context_result import ContextStage

#: findings the policy adds when it decides (not concluded from the evidence; check decides
#: again with today's date)
DECISION_FINDINGS = frozenset({"waiver-expired"})
_COMPARED_EVIDENCE = ("files", "card", "multimodal", "related")


@dataclass(frozen=True, eq=False, repr=False)
class Outcome(Record):
    status: str  # "verified" | "differs" | "unverified"
    differences: tuple[str, ...] = ()
    why: str | None = None  # unverified: what evidence was missing


def memo_key(raw: Mapping[str, Any], rulepack_hash: str | None,
             context_digest: str | None) -> str:
    """The digest of one lockfile entry as written, with what its conclusion rests on."""
    text = json.dumps({"entry": raw, "rulepack": rulepack_hash, "context": context_digest,
                       "licscan": __version__, "code": code_digest()}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@cache
def code_digest() -> str:
    """The path, size and modification time of every module of licscan: a record made by
    other code (an upgrade, or a source checkout edited without a version bump) is not
    believed, so a change of how licenses are concluded is never hidden by a memo. Stat, not
    content: about 100 files in a millisecond or two, on the `licscan check` path."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found: list[tuple[str, int, int]] = []
    folders = [package]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                elif entry.name.endswith(".py"):
                    stat = entry.stat(follow_symlinks=False)
                    found.append((os.path.relpath(entry.path, package), stat.st_size,
                                  stat.st_mtime_ns))
    return hashlib.sha256(json.dumps(sorted(found)).encode("utf-8", "surrogatepass")).hexdigest()


def open_cache() -> tuple[SnapshotCache | None, str | None]:
    """The licscan cache check reads, or None and why it is not used."""

    cache = SnapshotCache(cache_root())
    if not cache.ensure_root():
        return None, cache.problem or "the licscan cache cannot be used"
    return cache, None


def remember(cache: SnapshotCache | None, entries: Sequence[Mapping[str, Any]],
             rulepack_hash: str | None, context_digest: str | None) -> None:
    """Record entries concluded on this machine (by `licscan lock` or a clean `lock --check`)."""
    if cache is None:
        return
    for raw in entries:
        cache.record_verified(memo_key(raw, rulepack_hash, context_digest))


def locked_commits(entry: LockEntry) -> dict[tuple[str, str], str | None]:
    """(repository type, id) -> the commit the entry names, for what is resolved by branch:
    the model itself unless the manifest pins a commit, its base models and datasets."""

    out: dict[tuple[str, str], str | None] = {}
    if entry.facts.source == "hub" and not is_full_sha(entry.facts.requested_revision):
        out[(entry.repo_type, entry.facts.id)] = entry.facts.revision
    out.update(_pins(entry))
    return out


def confirm_key(raw: Mapping[str, Any], resolved: Mapping[tuple[str, str], str | None],
                rulepack_hash: str | None, context_digest: str | None) -> str:
    """The digest of an entry that `licscan lock --check` found unchanged (no drift) when
    its branches resolved to `resolved`: an entry superseded by those commits only."""
    shas = sorted([kind, name, sha or ""] for (kind, name), sha in resolved.items())
    return memo_key({"entry": raw, "resolved": shas}, rulepack_hash, context_digest)


def confirm(cache: SnapshotCache | None, pairs: Sequence[tuple[LockEntry, LockEntry]],
            rulepack_hash: str | None, context_digest: str | None) -> None:
    """Record that each (as locked, as resolved now) pair showed no drift: check verifies the
    entry as locked although its branches moved (`Verifier.superseded`)."""
    if cache is None:
        return
    for before, after in pairs:
        now = locked_commits(after)
        resolved = {key: now.get(key, sha) for key, sha in locked_commits(before).items()}
        cache.record_verified(confirm_key(before.raw, resolved, rulepack_hash,
                                          context_digest))


class Verifier:
    """Concludes lockfile entries again from evidence read offline. One per check: what it
    works out of an entry (its memo key, whether it is superseded) is kept for the run."""

    def __init__(self, config: Config, pack: RulePack, cache: SnapshotCache | None,
                 cache_problem: str | None, rulepack_hash: str | None,
                 context_digest: str | None) -> None:
        self.config = config
        self.pack = pack
        self.cache = cache
        self.cache_problem = cache_problem
        self.rulepack_hash = rulepack_hash
        self.context_digest = context_digest
        # by id(entry), with the entry itself (kept alive, so its id is not reused)
        self._keys: dict[int, tuple[LockEntry, str]] = {}
        self._superseded: dict[int, tuple[LockEntry, str | None]] = {}

    def memo_key(self, entry: LockEntry) -> str:
        """`memo_key` of the entry as written, in this check's rule pack and context."""
        known = self._keys.get(id(entry))
        if known is None or known[0] is not entry:
            known = self._keys[id(entry)] = (entry, memo_key(entry.raw, self.rulepack_hash,
                                                             self.context_digest))
        return known[1]

    def remembered(self, ref: ModelRef, entry: LockEntry) -> bool:
        """Whether this entry, as written, was concluded on this machine, and still names
        the commits this machine last resolved (a record never expires; `superseded` is
        what retires it)."""
        return self.cache is not None and self.cache.was_verified(self.memo_key(entry)) \
            and self.superseded(ref, entry) is None

    def superseded(self, ref: ModelRef, entry: LockEntry) -> str | None:
        """Why the lockfile's commits are not the ones this machine last resolved, or None
        (`_superseded`, worked out once per entry: `remembered` and `available` both ask)."""
        known = self._superseded.get(id(entry))
        if known is None or known[0] is not entry:
            known = self._superseded[id(entry)] = (entry, self._supersession(ref, entry))
        return known[1]

    def _supersession(self, ref: ModelRef, entry: LockEntry) -> str | None:
        """Why the lockfile's commits are not the ones this machine last resolved, or None.

        A Hub model named by branch or tag (or the default branch), and every base model and
        dataset the entry records (`evidence.related`), resolve to the commit the licscan
        cache last saw online (`SnapshotCache.resolve`). A lockfile that names another commit
        was written from another resolution: an older lockfile restored (a replay), or a
        newer one written elsewhere. Offline, check cannot tell which is current, so such an
        entry is not verified, even if remembered; `licscan lock --check` online can tell."""
        if ref.kind != "hub" or self.cache is None:
            return None
        now: dict[tuple[str, str], str | None] = {}
        why = None
        for (kind, name), locked in locked_commits(entry).items():
            own = kind == entry.repo_type and name == entry.facts.id
            other = ref if own else ModelRef(kind="hub", target=name, repo_id=name,
                                             repo_type=kind)
            seen = self.cache.resolve(other)
            now[(kind, name)] = seen[0] if seen else locked
            if seen is None or seen[0] == locked or why is not None:
                continue
            what = "" if own else "its base model or dataset "
            branch = other.revision or "default branch"
            why = (f"this machine last saw {what}{name} ({branch}) at {seen[0][:12]} on "
                   f"{seen[1]}, the lockfile names {_short(locked)}: an older lockfile "
                   "restored, or one locked elsewhere since (licscan lock --check online "
                   "tells which is current)")
        if why is not None and self.cache.was_verified(confirm_key(
                entry.raw, now, self.rulepack_hash, self.context_digest)):
            return None  # `lock --check` found the entry unchanged at those commits
        return why

    def available(self, ref: ModelRef, entry: LockEntry) -> str | None:
        """Why the entry's evidence cannot be read offline (or should not be: `superseded`),
        or None (it can be tried)."""
        if ref.kind != "hub":
            return None
        stale = self.superseded(ref, entry)
        if stale is not None:
            return stale
        name = entry.facts.id
        if self.cache is None:
            return f"the licscan cache is not used ({self.cache_problem})"

        sha = entry.facts.revision
        if not is_full_sha(sha):
            return f"the lockfile names no commit of {name}"
        assert sha is not None
        if not self.cache.has_snapshot(_pinned(ref, sha), sha):
            return f"the licscan cache holds no snapshot of {name} at {sha[:12]}"
        return None

    def verify(self, ref: ModelRef, entry: LockEntry) -> Outcome:
        why = self.available(ref, entry)
        if why is not None:
            return Outcome("unverified", why=why)
        pinned = _pinned(ref, entry.facts.revision) if ref.kind == "hub" else ref
        fresh, status, missing = self._conclude(pinned, _pins(entry))
        if missing:
            return Outcome("unverified", why=missing[0])
        if status != "ok":
            return Outcome("unverified", why=f"{entry.facts.id} could not be concluded again "
                           f"offline: {status}")
        where = ("the cached snapshot of " + str(entry.facts.revision)[:12]
                 if ref.kind == "hub" else "the files on disk")
        differences = _differences(entry, fresh, where)
        if differences:
            return Outcome("differs", tuple(differences))
        if self.cache is not None:
            self.cache.record_verified(self.memo_key(entry))
        return Outcome("verified")

    def _conclude(self, ref: ModelRef, pins: Mapping[tuple[str, str], str],
                  ) -> tuple[dict[str, Any], str, list[str]]:
        """The entry `licscan lock` would write for the model concluded as `licscan scan
        --offline` concludes it (lineage and datasets from the cache, each at the commit the
        lockfile records, `pins`), its status, and what could not be read offline. A scanner
        per entry: a base model missed for one entry is missed for the next one too. The
        context stage and the policy are the run's (`_applied`): they depend on the pack and
        the context only, and remember each rule's evaluation for the next entry."""
        # the scanner and the terms stack load only for an entry concluded again: a check
        # whose entries are all remembered stays light (bench/check_speed.py)
        from licscan.lock.file import entry_dict
        from licscan.scan import Scanner, ScanOptions

        stage, policy = self._applied
        scanner = Scanner(ScanOptions(jobs=2, offline=True, rules_dirs=self.config.rules),
                          self.pack, policy=policy, finalize=stage)
        missing: list[str] = []
        inner = scanner.source

        class Recording:
            def fetch(self, wanted: ModelRef) -> Snapshot:
                pinned = pins.get((wanted.repo_type, wanted.repo_id or "")) \
                    if wanted.kind == "hub" and wanted.revision is None else None
                try:
                    return inner.fetch(_pinned(wanted, pinned) if pinned else wanted)
                except SourceError as exc:
                    missing.append(exc.message)
                    raise

        scanner.source = Recording()
        [model] = scanner.scan([ref]).models
        if model.status != "ok":
            why = model.error.message if model.error else "it could not be read"
            return {}, why, missing
        return entry_dict(model, policy.facts(model)), "ok", missing

    @cached_property
    def _applied(self) -> tuple[ContextStage, AppliedPolicy]:
        """The context stage and the policy every entry concluded again goes through."""
        from licscan.scan import build_policy  # (lazy: see _conclude)
        from licscan.terms.context_result import ContextStage

        stage = ContextStage(self.pack, self.config.context)
        return stage, build_policy(self.config, self.pack, stage=stage)


def _pins(entry: LockEntry) -> dict[tuple[str, str], str]:
    """(repository type, id) -> the commit the lockfile records for a base model or dataset
    (an older entry records none: the cache's last-seen default branch is read then)."""
    related = entry.evidence.get("related")
    return {(str(r.get("repo_type")), str(r.get("id"))): str(r.get("revision"))
            for r in (related if isinstance(related, list) else ())
            if isinstance(r, Mapping) and r.get("revision")}


def _pinned(ref: ModelRef, sha: str | None) -> ModelRef:
    return replace(ref, revision=sha)


def _differences(entry: LockEntry, fresh: Mapping[str, Any], where: str) -> list[str]:
    locked = entry.raw
    out = []
    if locked.get("license") != fresh.get("license"):
        out.append(f"license is {_show(locked.get('license'))} in the lockfile, but "
                   f"{_show(fresh.get('license'))} concluded from {where}")
    if list(locked.get("rules") or ()) != list(fresh.get("rules") or ()):
        out.append(f"rules are {list(locked.get('rules') or ())!r} in the lockfile, but "
                   f"{list(fresh.get('rules') or ())!r} concluded from {where}")
    before, after = _findings(locked), _findings(fresh)
    if before != after:
        lacks = [f for f in after if f not in before]
        extra = [f for f in before if f not in after]
        parts = ([f"the lockfile lacks {_names(lacks)}"] if lacks else []) + \
            ([f"states {_names(extra)} that the evidence does not give"] if extra else []) or \
            ["their order differs"]
        out.append(f"findings differ from those concluded from {where}: " + "; ".join(parts))
    evidence, now = entry.evidence, fresh.get("evidence") or {}
    for name in _COMPARED_EVIDENCE:
        if name == "related" and name not in evidence:
            continue  # written before the lockfile recorded them
        if evidence.get(name) != now.get(name):
            out.append(f"evidence.{name} in the lockfile is not what {where} gives")
    return out


def _findings(entry: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    return [(str(f.get("code")), str(f.get("severity")), str(f.get("message")))
            for f in entry.get("findings") or () if isinstance(f, Mapping)
            and f.get("code") not in DECISION_FINDINGS]


def _names(findings: Sequence[tuple[str, str, str]]) -> str:
    return ", ".join(f"{code} ({severity})" for code, severity, _message in findings)


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "no commit"


def _show(value: Any) -> str:
    return "absent" if value is None else repr(value)
