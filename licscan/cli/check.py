"""`licscan check`: the manifest against licscan.lock and the policy, offline and fast.

For pre-commit and CI. No network and no license identification: the lockfile records what
was resolved (revisions, expressions, findings, evidence digests), and every fact the rule pack
determines is recomputed from the pack and compared (licscan.lock.trust). A lockfile that
disagrees with the pack was edited: exit 2, naming the model and the field. Models read from
disk are re-read by digest (a folder's files, a weight file's header, an Ollama model's manifest,
license layers and model header): a change since locking fails the check. The concluded
license, its rules and the findings are verified against the evidence where it can be read
offline (licscan.lock.verify: the cache's snapshot of the locked commit, the files on disk): a
lockfile that states otherwise is refused (exit 2); where it cannot, check says the entry is
unverified, and `--require-verified` (LICSCAN_REQUIRE_VERIFIED=1) fails on it. One line per
problem, each with its file and line.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from licscan.cli.common import gate_options
from licscan.policy.model import RANK

if TYPE_CHECKING:
    from licscan.config import Config
    from licscan.lock.file import Lock, LockEntry, Problem
    from licscan.lock.verify import Verifier
    from licscan.model import ModelRef
    from licscan.policy.model import ModelFacts
    from licscan.rulepack import RulePack


@click.command("check")
@gate_options
@click.option("--fail-on", type=click.Choice(["deny", "review"]),
              help="Exit 1 when a verdict is at or above this (default: the config's).")
@click.option("--no-rule-overrides", is_flag=True,
              help="Refuse a rule pack of your own that redefines a built-in rule (also "
                   "LICSCAN_NO_RULE_OVERRIDES=1).")
@click.option("--require-verified", is_flag=True,
              help="Fail when a model's license and findings cannot be verified offline "
                   "against its evidence (also LICSCAN_REQUIRE_VERIFIED=1).")
def check_command(config_path: str | None, manifest: str | None, lockfile: str | None,
                  fail_on: str | None, no_rule_overrides: bool, require_verified: bool) -> int:
    """Check the manifest against licscan.lock and the policy, without the network."""
    from licscan.config import (
        check_rule_overrides,
        display_path,
        overrides_forbidden,
        resolve_config,
    )
    from licscan.errors import ConfigError
    from licscan.lock.file import Problem, compare, read_lock
    from licscan.policy import today_utc
    from licscan.redact import printable_line
    from licscan.rulepack import load_rulepack
    from licscan.targets import load_manifest

    today = today_utc()
    config = resolve_config(config_path, today=today)
    manifest_file = display_path(manifest or config.manifest)
    lock_file = display_path(lockfile or config.lockfile)
    refs = load_manifest(manifest_file)
    if not Path(lock_file).is_file():
        click.echo(f"{lock_file}: missing: run licscan lock to resolve {manifest_file}")
        return 1
    lock = read_lock(Path(lock_file), lock_file)
    warnings = check_rule_overrides(config.rules, forbid=overrides_forbidden(no_rule_overrides),
                                    where=config.where("rules"))
    pack = load_rulepack(config.rules)
    pairs, problems = compare(refs, lock, manifest_file)
    same_context = lock.context_digest == config.context_digest
    if not same_context:
        problems.append(Problem(config.where("context"), None, "context",
                                f"differs from the one {lock_file} was evaluated in "
                                "(run licscan lock)"))
    same_pack = lock.rulepack.get("hash") == pack.hash
    if not same_pack:
        problems.append(Problem(lock_file, None, "rulepack", (
            f"written with rule pack {lock.rulepack.get('version')} "
            f"({str(lock.rulepack.get('hash'))[:19]}); this licscan has {pack.version} "
            f"({pack.hash[:19]}) (run licscan lock)")))
    verifier = _verifier(config, pack, lock) if same_pack and same_context else None
    # entries concluded on this machine as they stand (licscan.lock.verify): their facts are
    # the ones the pack and the context give, and their evidence was read here
    known = {id(entry) for ref, entry in pairs
             if entry.facts.status == "ok" and verifier is not None
             and verifier.remembered(ref, entry)}
    trusted, edited = _trusted(pairs, pack, config, lock, known)
    if edited and same_pack and same_context:  # else a relock explains them (a problem above)
        for line in edited:
            click.echo(printable_line(line), err=True)
        raise ConfigError(f"{len(edited)} fact(s) disagree with the rule pack: the lockfile was "
                          "edited by hand or by another tool", file=lock_file,
                          hint="regenerate it with licscan lock; check decides from the rule "
                               "pack, never from facts a lockfile states")
    changed = _local_problems(pairs, manifest_file, lock_file)
    problems += changed
    notes: list[str] = []
    if verifier is not None:  # else a relock is asked for above
        strict = require_verified or os.environ.get("LICSCAN_REQUIRE_VERIFIED", "") not in (
            "", "0")
        moved = {p.model for p in changed}
        unverified = _verify(verifier, lock, [
            (ref, entry) for ref, entry in pairs
            if entry.facts.id not in moved and id(entry) not in known])
        if strict:
            problems += [_unverified_problem(ref, entry, why, manifest_file, lock_file)
                         for ref, entry, why in unverified]
        elif unverified:
            notes.append(_unverified_note(unverified, lock_file))
    lines = warnings + [str(p) for p in problems]
    counts, verdict_lines = _decide(config, pairs, trusted, manifest_file, today)
    lines += verdict_lines + _waiver_lines(config, pairs, manifest_file, today) + notes
    for line in lines:
        click.echo(printable_line(line))
    threshold = RANK[fail_on or config.policy.fail_on]
    failed = bool(problems) or any(n and RANK[v] >= threshold for v, n in counts.items())
    click.echo(f"licscan check: {len(pairs)} model(s): {counts['allow']} allow, "
               f"{counts['review']} review, {counts['deny']} deny; "
               f"{len(problems)} lockfile problem(s): {'FAILED' if failed else 'passed'}")
    return 1 if failed else 0


def _verifier(config: Config, pack: RulePack, lock: Lock) -> Verifier:
    from licscan.lock.verify import Verifier, open_cache

    cache, problem = open_cache()
    return Verifier(config, pack, cache, problem, pack.hash, lock.context_digest)


def _trusted(pairs: list[tuple[ModelRef, LockEntry]], pack: RulePack, config: Config,
             lock: Lock, known: set[int]) -> tuple[list[ModelFacts], list[str]]:
    """The facts to decide from (recomputed where the pack determines them, except for the
    entries in `known`), and one line per fact the lockfile states otherwise."""
    if all(id(entry) in known for _ref, entry in pairs):
        return [entry.facts for _ref, entry in pairs], []
    from licscan.lock.trust import disagreements, trusted_facts
    from licscan.policy.facts import FactBuilder

    builder = FactBuilder(pack, config.context)
    facts, edited = [], []
    for _ref, entry in pairs:
        if id(entry) in known:
            facts.append(entry.facts)
            continue
        multimodal = entry.evidence.get("multimodal")
        good = trusted_facts(entry.facts, builder,
                             multimodal if isinstance(multimodal, bool) else None)
        facts.append(good)
        where = f"{lock.file}:{entry.line}" if entry.line else lock.file
        edited += [f"{where}: {entry.facts.id}: {d}"
                   for d in disagreements(entry.facts, good)]
    return facts, list(dict.fromkeys(edited))


def _verify(verifier: Verifier, lock: Lock, pairs: list[tuple[ModelRef, LockEntry]],
            ) -> list[tuple[ModelRef, LockEntry, str]]:
    """Verify each entry's license and findings against its evidence (licscan.lock.verify):
    refuse the lockfile (exit 2) where they differ; return the entries that could not be
    verified offline, with why."""
    from licscan.errors import ConfigError
    from licscan.redact import printable_line

    unverified, differs = [], []
    done: set[int] = set()
    for ref, entry in pairs:
        if entry.facts.status != "ok" or id(entry) in done:
            continue
        done.add(id(entry))
        outcome = verifier.verify(ref, entry)
        where = f"{lock.file}:{entry.line}" if entry.line else lock.file
        if outcome.status == "differs":
            differs += [f"{where}: {entry.facts.id}: {d}" for d in outcome.differences]
        elif outcome.status == "unverified":
            unverified.append((ref, entry, outcome.why or "its evidence is not available"))
    if differs:
        for line in differs:
            click.echo(printable_line(line), err=True)
        raise ConfigError(f"{len(differs)} fact(s) disagree with the evidence they were "
                          "concluded from: the lockfile was edited by hand or by another tool",
                          file=lock.file,
                          hint="regenerate it with licscan lock; check verifies a lockfile's "
                               "license and findings against the evidence it can read offline")
    return unverified


def _unverified_problem(ref: ModelRef, entry: LockEntry, why: str, manifest_file: str,
                        lock_file: str) -> Problem:
    from licscan.lock.file import Problem

    return Problem(manifest_file, ref.origin.line, entry.facts.id,
                   f"unverified: its license and findings are taken from "
                   f"{Path(lock_file).name}; {why} (run licscan lock --check, or any scan of "
                   "it online, on this machine to verify)")


def _unverified_note(unverified: list[tuple[ModelRef, LockEntry, str]], lock_file: str) -> str:
    ids = list(dict.fromkeys(entry.facts.id for _ref, entry, _why in unverified))
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return (f"{lock_file}: {len(ids)} model(s) unverified: their license and findings are "
            "taken from the lockfile, the evidence they were concluded from is not available "
            "offline (licscan lock --check verifies them; --require-verified fails on them): "
            f"{shown}")


def _local_problems(pairs: list[tuple[ModelRef, LockEntry]], manifest_file: str,
                    lock_file: str) -> list[Problem]:
    from licscan.lock.file import Problem

    out = []
    for ref, entry in pairs:
        if ref.kind == "hub" or entry.facts.status != "ok":
            continue
        changes = _disk_changes(ref, entry)
        if changes:
            out.append(Problem(manifest_file, ref.origin.line, entry.facts.id,
                               f"changed since {Path(lock_file).name} was written: "
                               f"{'; '.join(changes)} (run licscan lock)"))
    return out


def _disk_changes(ref: ModelRef, entry: LockEntry) -> list[str]:
    """What changed in a model read from disk since it was locked: a folder's files, a weight
    file's header, an Ollama model's manifest, license layers or model-layer header."""
    from licscan.lock.file import ollama_name
    from licscan.lock.trust import (
        WEIGHT_FORMATS,
        local_changes,
        ollama_changes,
        weight_changes,
    )

    if not ref.path:
        return [f"no path to re-read the {ref.kind} model from"]
    path = Path(ref.path)
    if ref.kind == "local":
        return local_changes(path, entry.evidence.get("local") or {})
    if ref.kind in WEIGHT_FORMATS:
        return weight_changes(ref.kind, path, ref.target, entry.evidence.get("header"))
    if ref.kind == "ollama":
        return ollama_changes(path, ollama_name(ref), entry.evidence.get("ollama"))
    return [f"a {ref.kind} model cannot be verified offline"]


def _decide(config: Config, pairs: list[tuple[ModelRef, LockEntry]], trusted: list[ModelFacts],
            manifest_file: str, today: date) -> tuple[dict[str, int], list[str]]:
    from licscan.policy.decide import decide

    counts = dict.fromkeys(RANK, 0)
    lines = []
    for (ref, entry), facts in zip(pairs, trusted, strict=True):
        decision = decide(facts, config.policy, today)
        counts[decision.verdict] += 1
        if decision.verdict != "allow":
            where = f"{manifest_file}:{ref.origin.line}" if ref.origin.line else manifest_file
            lines.append(f"{where}: {entry.facts.id}: {decision.verdict}: {decision.reason} "
                         f"[{decision.decided_by}]")
    return counts, lines


def _waiver_lines(config: Config, pairs: list[tuple[ModelRef, LockEntry]], manifest_file: str,
                  today: date) -> list[str]:
    ids = {entry.facts.id.lower() for _ref, entry in pairs}
    out = []
    for waiver in config.policy.waivers:
        where = f"{config.file}:{waiver.line}" if waiver.line else str(config.file)
        label = f"waivers[{waiver.index}] {waiver.model}"
        if waiver.expires < today:
            out.append(f"{where}: {label}: expired on {waiver.expires.isoformat()}; "
                       "it no longer applies")
        elif waiver.model.lower() not in ids:
            out.append(f"{where}: {label}: matches no model in {manifest_file}")
    return out
