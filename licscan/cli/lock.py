"""`licscan lock`: resolve every manifest entry and write licscan.lock; `--check`: drift."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from licscan.cli.common import gate_options
from licscan.redact import printable_line

if TYPE_CHECKING:
    from licscan.lock.file import LockEntry
    from licscan.model import ModelRef, ScanResult
    from licscan.sources.cache import SnapshotCache


@click.command("lock")
@gate_options
@click.option("--check", "check_drift", is_flag=True,
              help="Resolve again and report drift from the lockfile; write nothing.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=20.0, show_default=True,
              help="Seconds to wait for each Hub request.")
@click.option("--no-rule-overrides", is_flag=True,
              help="Refuse a rule pack of your own that redefines a built-in rule (also "
                   "LICSCAN_NO_RULE_OVERRIDES=1).")
def lock_command(config_path: str | None, manifest: str | None, lockfile: str | None,
                 check_drift: bool, jobs: int, timeout: float, no_rule_overrides: bool) -> int:
    """Resolve the manifest (revisions, licenses, evidence, verdicts) into licscan.lock."""
    from licscan.config import (
        check_rule_overrides,
        display_path,
        overrides_forbidden,
        resolve_config,
    )
    from licscan.lock.file import disk_state, entry_dict, lock_dict, write_lock
    from licscan.scan import ScanOptions, configured_scanner
    from licscan.sources.hub import HubSettings
    from licscan.targets import load_manifest

    config = resolve_config(config_path)
    manifest_file = display_path(manifest or config.manifest)
    lock_path = Path(lockfile or config.lockfile)
    refs = load_manifest(manifest_file)
    for warning in check_rule_overrides(config.rules,
                                        forbid=overrides_forbidden(no_rule_overrides),
                                        where=config.where("rules")):
        click.echo(printable_line(warning), err=True)
    scanner, policy = configured_scanner(
        config, ScanOptions(jobs=jobs, hub=HubSettings(timeout=timeout)))
    before = [disk_state(ref) for ref in refs]
    result = scanner.scan(refs)
    if _report_errors(result, refs, manifest_file):
        return 1
    built = [entry_dict(m, policy.facts(m)) for m in result.models]
    if _report_capped(refs, built, manifest_file) or \
            _report_moved(refs, before, built, manifest_file):
        return 1
    entries = list({(e["source"], e.get("repo_type"), e["id"], e["requested_revision"]): e
                    for e in built}.values())
    lock = lock_dict(entries, rulepack=result.rulepack, manifest=_relative(manifest_file,
                                                                            lock_path),
                     context_digest=config.context_digest)
    if check_drift:
        return _drift(lock, refs, lock_path, manifest_file)
    write_lock(lock_path, lock)
    _remember(_cache(), lock["models"], result.rulepack.get("hash"), config.context_digest)
    verdicts = [e["verdict"] for e in entries]
    click.echo(f"licscan lock: wrote {display_path(lock_path)}: {len(entries)} model(s) "
               f"({verdicts.count('allow')} allow, {verdicts.count('review')} review, "
               f"{verdicts.count('deny')} deny)")
    return 0


def _cache() -> SnapshotCache | None:
    """The licscan cache the records below go to (None: it cannot be used; nothing is
    recorded, and check concludes the entries again)."""
    from licscan.lock.verify import open_cache

    return open_cache()[0]


def _remember(cache: SnapshotCache | None, entries: Sequence[Mapping[str, Any]],
              rulepack_hash: str | None, context_digest: str | None) -> None:
    """This machine concluded these entries: `licscan check` believes them here unchanged."""
    import json

    from licscan.lock.verify import remember

    # as check reads them back from the file
    remember(cache, json.loads(json.dumps(entries)), rulepack_hash, context_digest)


def _report_moved(refs: list[ModelRef], before: list[dict[str, Any]],
                  built: list[dict[str, Any]], manifest_file: str) -> bool:
    """A model read from disk whose files changed while it was being locked: its digests,
    taken after the scan, might not be of the bytes the scan concluded from, so nothing is
    written (the next run locks what is there then)."""
    from licscan.lock.file import disk_state

    moved = [(ref, entry) for ref, state, entry in zip(refs, before, built, strict=True)
             if state and state != disk_state(ref, entry["evidence"])]
    for ref, entry in moved:
        _name(manifest_file, ref, entry["id"], "changed while it was being locked (its files "
              "differ before and after the scan)")
    if moved:
        click.echo(f"licscan lock: {len(moved)} model(s) changed while being locked; "
                   "the lockfile was not written (run licscan lock again)")
    return bool(moved)


def _report_capped(refs: list[ModelRef], built: list[dict[str, Any]],
                   manifest_file: str) -> bool:
    """A folder too large for its digest to cover (licscan.lock.trust.MAX_ENTRIES): `check`
    could not see a change in it, so nothing is written."""

    capped = [(ref, entry, local["capped"]) for ref, entry in zip(refs, built, strict=True)
              if isinstance(local := entry["evidence"].get("local"), Mapping)
              and local.get("capped")]
    for ref, entry, why in capped:
        _name(manifest_file, ref, entry["id"],
              f"cannot be locked: {why} (name a smaller folder: the model's own files)")
    if capped:
        click.echo(f"licscan lock: {len(capped)} model folder(s) too large to verify; "
                   "the lockfile was not written")
    return bool(capped)


def _report_errors(result: ScanResult, refs: list[ModelRef], manifest_file: str) -> bool:

    failed = [(ref, m) for ref, m in zip(refs, result.models, strict=True) if m.status != "ok"]
    for ref, model in failed:
        why = model.error.message if model.error else "unknown error"
        _name(manifest_file, ref, model.id, f"could not be resolved: {why}")
    if failed:
        click.echo(f"licscan lock: {len(failed)} model(s) could not be resolved; "
                   "the lockfile was not written")
    return bool(failed)


def _name(manifest_file: str, ref: ModelRef, model_id: str, what: str) -> None:
    """One line naming a manifest entry (file and line) and what happened to it."""
    line = f":{ref.origin.line}" if ref.origin.line else ""
    click.echo(printable_line(f"{manifest_file}{line}: {model_id}: {what}"))


def _relative(manifest_file: str, lock_path: Path) -> str:
    import os

    return Path(os.path.relpath(Path(manifest_file).resolve(),
                                lock_path.resolve().parent)).as_posix()


def _drift(lock: dict[str, Any], refs: list[ModelRef], lock_path: Path,
           manifest_file: str) -> int:
    from licscan.config import display_path
    from licscan.lock.file import compare, drift, entry_from_dict, read_lock

    lock_file = display_path(lock_path)
    old = read_lock(lock_path, lock_file)
    pairs, problems = compare(refs, old, manifest_file)
    fresh: dict[tuple[str, str, str, str | None], LockEntry] = {}
    for item in lock["models"]:
        entry = entry_from_dict(item, lock_file)
        fresh[(*entry.key, entry.facts.requested_revision)] = entry
    lines = [str(p) for p in problems]
    drifted = 0
    unchanged = []
    kept: list[tuple[LockEntry, LockEntry]] = []  # no drift (moved at most)
    for ref, before in pairs:
        after = fresh[(*before.key, before.facts.requested_revision)]
        changes, is_drift = drift(before, after)
        if not is_drift:
            kept.append((before, after))
        if not changes:
            unchanged.append(before.raw)
            continue
        drifted += is_drift
        where = f"{manifest_file}:{ref.origin.line}" if ref.origin.line else manifest_file
        what = "drift" if is_drift else "moved; license evidence unchanged"
        lines.append(f"{where}: {before.facts.id}: {what}: {'; '.join(changes)}")
    for line in lines:
        click.echo(printable_line(line))
    if lock.get("context_digest") == old.context_digest and \
            old.rulepack.get("hash") == lock["rulepack"].get("hash"):
        from licscan.lock.verify import confirm

        cache = _cache()
        _remember(cache, unchanged, old.rulepack.get("hash"), old.context_digest)
        # no drift although their branches may have moved: check believes them here at the
        # commits just resolved (licscan.lock.verify.confirm)
        confirm(cache, kept, old.rulepack.get("hash"), old.context_digest)
    failed = bool(problems) or drifted > 0
    click.echo(f"licscan lock --check: {len(pairs)} model(s), {drifted} drifted, "
               f"{len(problems)} lockfile problem(s): {'FAILED' if failed else 'passed'}"
               + (" (run licscan lock to accept the changes)" if failed else ""))
    return 1 if failed else 0
