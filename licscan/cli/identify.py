"""`licscan identify FILE...`: which license texts files hold, and whether they were edited.

Exit 0 when every file is identified, 1 when any is modified or unknown, 2 on usage errors.
Only the rule pack loader and the matcher are imported: this runs in pre-commit hooks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


@click.command("identify")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--rules", "rules", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="A rule pack folder of your own, layered over the built-in one.")
@click.pass_context
def identify_command(ctx: click.Context, files: tuple[Path, ...], fmt: str,
                     rules: tuple[str, ...]) -> None:
    """Identify the license texts in FILES (LICENSE, NOTICE, README ...): license, version,
    and the passages that differ from the reference text."""
    from licscan.errors import UsageError
    from licscan.identify import identify_bytes
    from licscan.identify.index import pack_index
    from licscan.rulepack import load_rulepack

    pack = load_rulepack(rules)
    stale = pack_index(pack).skipped
    if stale:
        click.echo(f"warning: {len(stale)} fingerprint(s) were made by another licscan version "
                   f"and are ignored ({', '.join(stale[:3])}); add those texts again", err=True)
    results = []

    def run(tick: Callable[[str], None]) -> None:
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
            results.append((path, identify_bytes(data, pack, path.name)))
            tick(str(path))

    if len(files) > 1:
        from licscan.cli.progress import progress

        with progress(len(files), "identifying") as tick:
            run(tick)
    else:  # (one file: the pre-commit case, where start-up is most of the time)
        run(lambda _name: None)
    if fmt == "json":
        payload = {"rulepack": pack.stamp(),
                   "files": [{"file": str(p), **r.to_dict()} for p, r in results]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for path, result in results:
            click.echo(_text(str(path), result.to_dict()))
    ctx.exit(0 if all(r.status == "identified" for _p, r in results) else 1)


def _text(name: str, result: dict[str, Any]) -> str:
    lines = []
    if not result["matches"]:
        lines.append(f"{name}: {result['status']}: {result['reason'] or 'no license text'}")
    for match in result["matches"]:
        version = f", version {match['version']}" if match["version"] else ""
        where = f" (lines {match['lines'][0]}-{match['lines'][1]})" if match["lines"] else ""
        lines.append(f"{name}: {match['status']} {match['rule_id']}: {match['name']}{version}"
                     f" [{match['expression']}] {match['matcher']} {match['confidence']}"
                     f"{where}")
        for diff in match["differences"]:
            mark = "!" if diff["guarded"] else " "
            at = f"line {diff['line']}" if diff["line"] else "start"
            lines.append(f"  {mark} {at}: {diff['kind']}: {diff['reason'] or ''}")
            lines.append(f"      {diff['text']}")
    for qualifier in result.get("qualifiers") or ():
        at = f"line {qualifier['line']}" if qualifier.get("line") else "text"
        base = f" (on {qualifier['base']})" if qualifier.get("base") else ""
        lines.append(f"  qualifier {at}{base}: {qualifier['reason']}")
        lines.append(f"      {qualifier['text']}")
    lines.extend(_closest(result))
    return "\n".join(lines)


def _closest(result: dict[str, Any]) -> list[str]:
    """The most similar texts that were not chosen, best first, after the match: their score
    is word overlap with a reference text, not a confidence, so one can exceed the match's
    confidence without being the better answer. Said so, never left to look like a ranking."""
    candidates = sorted(result["alternatives"], key=lambda c: (-c["score"], c["rule_id"]))
    if not candidates:
        return []
    listed = ", ".join(f"{c['rule_id']} {c['score']:g}%" for c in candidates)
    if not result["matches"]:
        return [f"  closest (similar wording, not a match): {listed}"]
    floor = min(m["confidence"] for m in result["matches"])
    line = f"  also similar (word overlap, not chosen): {listed}"
    if candidates[0]["score"] > floor:
        line += ("; a higher overlap is not a better match: the match above was chosen by "
                 "the text's own title, version line or passages")
    return [line]
