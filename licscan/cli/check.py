"""`licscan check`: the manifest against licscan.lock and the policy, offline and fast.

For pre-commit and CI. No network, no rule pack, no SPDX index: the lockfile carries every
fact the policy needs. One line per problem, each with its file and line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from licscan.cli.common import gate_options
from licscan.verdict import RANK

if TYPE_CHECKING:
    from licscan.config import Config
    from licscan.lockfile import LockEntry
    from licscan.model import ModelRef


@click.command("check")
@gate_options
@click.option("--fail-on", type=click.Choice(["deny", "review"]),
              help="Exit 1 when a verdict is at or above this (default: the config's).")
def check_command(config_path: str | None, manifest: str | None, lockfile: str | None,
                  fail_on: str | None) -> int:
    """Check the manifest against licscan.lock and the policy, without the network."""
    from licscan.config import display_path, resolve_config
    from licscan.lockfile import Problem, compare, read_lock
    from licscan.policy import today_utc
    from licscan.redact import printable
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
    pairs, problems = compare(refs, lock, manifest_file)
    if lock.context_digest != config.context_digest:
        problems.append(Problem(config.where("context"), None, "context",
                                f"differs from the one {lock_file} was evaluated in "
                                "(run licscan lock)"))
    lines = [str(p) for p in problems]
    counts, verdict_lines = _decide(config, pairs, manifest_file, today)
    lines += verdict_lines + _waiver_lines(config, pairs, manifest_file, today)
    for line in lines:
        click.echo(printable(line))
    threshold = RANK[fail_on or config.policy.fail_on]
    failed = bool(problems) or any(n and RANK[v] >= threshold for v, n in counts.items())
    click.echo(f"licscan check: {len(pairs)} model(s): {counts['allow']} allow, "
               f"{counts['review']} review, {counts['deny']} deny; "
               f"{len(problems)} lockfile problem(s): {'FAILED' if failed else 'passed'}")
    return 1 if failed else 0


def _decide(config: Config, pairs: list[tuple[ModelRef, LockEntry]], manifest_file: str,
            today: date) -> tuple[dict[str, int], list[str]]:
    from licscan.policy.evaluate import decide

    counts = dict.fromkeys(RANK, 0)
    lines = []
    for ref, entry in pairs:
        decision = decide(entry.facts, config.policy, today)
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
