"""`licscan discover`: every model a source tree uses, as a manifest or JSON with origins;
`--check` fails when the code uses a model the manifest or lockfile does not list."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from licscan.cli.common import write_output
from licscan.discover.model import HUB, LOCAL, OLLAMA, UNRESOLVED, Discovery, Reference
from licscan.errors import UsageError

_LINEAGE_ROLES = ("base-model", "source")


def _line(text: str) -> str:
    from licscan.redact import printable_line

    return printable_line(text)


def _comment(text: str) -> str:
    return "# " + _line(text)


def _origin(ref: Reference) -> str:
    return f"{ref.origin} {ref.pattern}" + (f" ({ref.role})" if ref.role != "model" else "")


def _plain(text: str) -> str:
    """A YAML scalar: plain when it is a safe id or revision, else JSON-quoted."""
    return text if re.match(r"^[A-Za-z0-9_][\w.\-/]*$", text) else json.dumps(text)


def render_manifest(found: Discovery, base: Path) -> str:
    """A manifest `licscan scan --manifest` reads: one entry per (id, revision) with every
    place it was named as comments; what a manifest cannot list yet, as comments below."""
    from licscan.targets import is_repo_id, validate_revision

    entries: dict[tuple[str, str | None], list[Reference]] = {}
    folders: dict[str, list[Reference]] = {}
    others: list[Reference] = []
    for ref in found.references:
        if ref.kind == HUB and ref.role not in _LINEAGE_ROLES and is_repo_id(ref.value):
            revision = ref.revision
            if revision is not None:
                try:
                    validate_revision(revision)
                except UsageError:
                    others.append(ref)
                    continue
            entries.setdefault((ref.value, revision), []).append(ref)
        elif ref.kind == LOCAL and _folder(ref, base) is not None:
            folders.setdefault(str(_folder(ref, base)), []).append(ref)
        else:
            others.append(ref)
    lines = [_comment(f"licscan discover: {len(found.references)} reference(s) in "
                      f"{found.files_read} file(s) read; {len(found.errors)} error(s)"),
             "models:" if entries or folders else "models: []"]
    for (repo_id, revision), refs in sorted(entries.items(), key=lambda e: (e[0][0].lower(),
                                                                            e[0][1] or "")):
        lines += [f"  {_comment(_origin(r))}" for r in refs]
        lines.append(f"  - id: {_plain(repo_id)}")
        if revision:
            lines.append(f"    revision: {_plain(revision)}")
    for folder, refs in sorted(folders.items()):
        lines += [f"  {_comment(_origin(r))}" for r in refs]
        lines.append(f"  - path: {json.dumps(folder)}")
    if others:
        lines.append(_comment("not listed above (a manifest cannot name these, or they are "
                              "followed as lineage):"))
        for ref in others:
            extra = f" @ {ref.revision}" if ref.revision else ""
            lines.append(_comment(f"  {ref.kind}: {ref.value}{extra}  <- {_origin(ref)}"))
    for error in found.errors:
        lines.append(_comment(f"error: {error}"))
    return "\n".join(lines) + "\n"


def _folder(ref: Reference, base: Path) -> Path | None:
    """A local reference that is an existing folder, relative to where the manifest goes."""
    import os

    file_dir = Path(ref.origin.file).parent
    for candidate in (file_dir / ref.value, Path(ref.value)):
        if candidate.is_dir():
            return Path(os.path.relpath(candidate.resolve(), base.resolve()))
    return None


def render_json(found: Discovery) -> str:
    data: dict[str, Any] = {
        "references": [r.to_dict() for r in found.references],
        "weights": [w.to_dict() for w in found.weights],
        "errors": [{"file": e.origin.file, "line": e.origin.line, "reason": e.reason}
                   for e in found.errors],
        "summary": {"references": len(found.references), "files_read": found.files_read,
                    "errors": len(found.errors),
                    "by_kind": {k: sum(1 for r in found.references if r.kind == k)
                                for k in (HUB, OLLAMA, LOCAL, UNRESOLVED)}},
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- --check ------------------------------------------------------------------------------


def listed_models(manifests: Iterable[str], lockfile: str | None,
                  ) -> tuple[dict[str, set[str | None]], set[str], list[str]]:
    """({repo id (lower case): revisions listed}, ollama names listed, sources read)."""
    from licscan.lockfile import read_lock
    from licscan.targets import load_manifest

    hub: dict[str, set[str | None]] = {}
    ollama: set[str] = set()
    sources = []
    for manifest in manifests:
        sources.append(Path(manifest).name)
        for ref in load_manifest(manifest):
            if ref.kind == "hub" and ref.repo_id:
                hub.setdefault(ref.repo_id.lower(), set()).add(ref.revision)
            elif ref.kind == "ollama":
                ollama.add(ref.target.removeprefix("ollama:"))
    if lockfile:
        sources.append(Path(lockfile).name)
        for entry in read_lock(Path(lockfile), lockfile).entries:
            if entry.facts.source == "hub":
                revisions = hub.setdefault(entry.facts.id.lower(), set())
                revisions.add(entry.facts.requested_revision)
                if entry.facts.revision:
                    revisions.add(entry.facts.revision)
            elif entry.facts.source == "ollama":
                ollama.add(entry.facts.id.removeprefix("ollama:"))
    return hub, ollama, sources


def check(found: Discovery, hub: dict[str, set[str | None]], ollama: set[str], where: str,
          *, allow_unresolved: bool, strict: bool) -> tuple[list[str], list[str]]:
    """(problems, notes): a problem for every model the code uses that is not listed."""
    problems: list[str] = []
    notes: list[str] = []
    for ref in found.references:
        at = f"{ref.origin}: {ref.value}"
        if ref.role in _LINEAGE_ROLES:
            continue  # followed as lineage of the file that names it
        if ref.kind == HUB:
            revisions = hub.get(ref.value.lower())
            if revisions is None:
                problems.append(f"{at}: not listed in {where} ({ref.pattern})")
            elif ref.revision not in revisions and not _same_commit(ref.revision, revisions):
                shown = ", ".join(sorted(r or "the default branch" for r in revisions))
                problems.append(f"{at}: the code uses revision "
                                f"{ref.revision or 'of the default branch'} but {where} lists "
                                f"{shown} ({ref.pattern})")
        elif ref.kind == UNRESOLVED:
            message = f"{at}: cannot tell which model this names ({ref.pattern})" + \
                (f"; {'; '.join(ref.notes)}" if ref.notes else "")
            (notes if allow_unresolved else problems).append(message)
        elif ref.kind == OLLAMA and ref.value.removeprefix("ollama:") in ollama:
            continue
        else:
            message = f"{at}: {ref.kind} model not checked: a manifest cannot list it yet"
            (problems if strict else notes).append(message)
    problems += [f"{e}" for e in found.errors]
    return problems, notes


def _same_commit(revision: str | None, listed: set[str | None]) -> bool:
    """A short sha in the code matches the full sha the lockfile resolved."""
    if revision is None or len(revision) < 7 or not re.match(r"^[0-9a-f]+$", revision):
        return False
    return any(r is not None and len(r) == 40 and r.startswith(revision) for r in listed)


def _check_sources(manifests: tuple[str, ...], lockfile: str | None,
                   ) -> tuple[tuple[str, ...], str | None]:
    if manifests or lockfile:
        return manifests, lockfile
    from licscan.config import display_path, resolve_config

    config = resolve_config()
    found_manifest = (display_path(config.manifest),) if config.manifest.is_file() else ()
    found_lock = display_path(config.lockfile) if config.lockfile.is_file() else None
    if not found_manifest and found_lock is None:
        raise UsageError("--check needs a manifest or a lockfile",
                         hint="give --manifest FILE or --lockfile FILE, or run it where "
                              "licscan.yaml, models.yaml or licscan.lock is")
    return found_manifest, found_lock


@click.command("discover")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True, help="A manifest for `scan --manifest`, or JSON with origins.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write here instead of standard output.")
@click.option("--check", "check_mode", is_flag=True,
              help="Compare with the manifest and/or lockfile; exit 1 on a model they do "
                   "not list.")
@click.option("-m", "--manifest", "manifests", multiple=True, type=click.Path(dir_okay=False),
              help="With --check: the manifest (default: the config's, else models.yaml).")
@click.option("--lockfile", type=click.Path(dir_okay=False),
              help="With --check: licscan.lock (default: next to the config, if present).")
@click.option("--allow-unresolved", is_flag=True,
              help="With --check: report references built from variables without failing.")
@click.option("--strict", is_flag=True,
              help="With --check: also fail on Ollama models and local weight files, which a "
                   "manifest cannot list yet.")
@click.option("--no-weights", is_flag=True, help="Do not read GGUF/safetensors/ONNX headers.")
def discover_command(paths: tuple[str, ...], fmt: str, output: str | None, check_mode: bool,
                     manifests: tuple[str, ...], lockfile: str | None, allow_unresolved: bool,
                     strict: bool, no_weights: bool) -> int:
    """Find the models a project uses: code, configs and weight files under PATHS
    (default: the current folder), with the file and line of each."""
    from licscan.discover import discover

    found = discover(paths or (".",), weights=not no_weights)
    if not check_mode:
        base = Path(output).parent if output else Path.cwd()
        text = render_json(found) if fmt == "json" else render_manifest(found, base)
        write_output(text, output)
        for error in found.errors:
            click.echo(f"licscan: {_line(str(error))}", err=True)
        return 0
    manifests, lockfile = _check_sources(manifests, lockfile)
    hub, ollama, sources = listed_models(manifests, lockfile)
    problems, notes = check(found, hub, ollama, " or ".join(sources),
                            allow_unresolved=allow_unresolved, strict=strict)
    for line in problems:
        click.echo(_line(line))
    for line in notes:
        click.echo(_line(f"note: {line}"))
    click.echo(f"licscan discover --check: {len(found.references)} reference(s) in "
               f"{found.files_read} file(s); {len(problems)} problem(s): "
               f"{'FAILED' if problems else 'passed'}")
    return 1 if problems else 0
