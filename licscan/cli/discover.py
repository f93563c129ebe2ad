"""`licscan discover`: every model a source tree uses, as a manifest or JSON with origins;
`--check` fails when the code uses a model the manifest or lockfile does not list."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from licscan.cli.common import write_output
from licscan.discover.model import HUB, LOCAL, OLLAMA, UNRESOLVED, Discovery, Reference
from licscan.errors import SourceError, UsageError
from licscan.targets import OLLAMA_PREFIX, WEIGHT_SUFFIXES

_LINEAGE_ROLES = ("base-model", "source")
SCANNED_WEIGHTS = frozenset(WEIGHT_SUFFIXES.values())  # formats `licscan scan` reads


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


def _entry(ref: Reference, base: Path) -> tuple[tuple[int, str, str], tuple[str, ...]] | None:
    """(sort key, manifest lines) of the entry that lists `ref`; None if a manifest cannot."""
    from licscan.targets import is_repo_id, validate_revision

    if ref.role in _LINEAGE_ROLES or from_docs(ref):
        return None
    if ref.kind == HUB and is_repo_id(ref.value):
        if ref.revision is None:
            return (0, ref.value.lower(), ""), (f"- id: {_plain(ref.value)}",)
        try:
            validate_revision(ref.revision)
        except UsageError:
            return None
        return (0, ref.value.lower(), ref.revision), (
            f"- id: {_plain(ref.value)}", f"  revision: {_plain(ref.revision)}")
    if ref.kind == LOCAL and (folder := _folder(ref, base)) is not None:
        return (1, str(folder), ""), (f"- path: {json.dumps(str(folder))}",)
    if ref.kind == OLLAMA and _ollama_name(ref.value):
        name = OLLAMA_PREFIX + ref.value.removeprefix(OLLAMA_PREFIX)
        return (2, name, ""), (f"- {json.dumps(name)}",)
    return None


def from_docs(ref: Reference) -> bool:
    """Named in Markdown: a code example or a link, not a dependency by itself."""
    return any(key == "markdown" for key, _value in ref.detail)


def render_manifest(found: Discovery, base: Path) -> str:
    """A manifest `licscan scan --manifest` reads: one entry per model (Hub id and revision,
    folder, weight file, Ollama name) with every place it was named as comments; what a
    manifest cannot list (unresolved, not found here, lineage), as comments below."""
    entries: dict[tuple[int, str, str], tuple[tuple[str, ...], list[str]]] = {}
    others: list[Reference] = []
    for ref in found.references:
        entry = _entry(ref, base)
        if entry is None:
            others.append(ref)
        else:
            entries.setdefault(entry[0], (entry[1], []))[1].append(_origin(ref))
    folders = [Path(key[1]) for key in entries if key[0] == 1]
    for weight in found.weights:
        where = os.path.relpath(Path(weight.origin.file).resolve(), base.resolve())
        if weight.format in SCANNED_WEIGHTS \
                and not any(f in Path(where).parents for f in folders):  # in a listed model
            entries.setdefault((1, where, ""), ((f"- path: {json.dumps(where)}",), []))[1] \
                .append(f"{weight.origin} {weight.format} header")
    lines = [_comment(f"licscan discover: {len(found.references)} reference(s) in "
                      f"{found.files_read} file(s) read; {len(found.errors)} error(s)"),
             "models:" if entries else "models: []"]
    for _key, (entry_lines, origins) in sorted(entries.items()):
        lines += [f"  {_comment(o)}" for o in origins]
        lines += [f"  {line}" for line in entry_lines]
    if others:
        lines.append(_comment("not listed above (unresolved, not found here, named in "
                              "documentation, or followed as lineage):"))
        for ref in others:
            extra = f" @ {ref.revision}" if ref.revision else ""
            lines.append(_comment(f"  {ref.kind}: {ref.value}{extra}  <- {_origin(ref)}"))
    for error in found.errors:
        lines.append(_comment(f"error: {error}"))
    return "\n".join(lines) + "\n"


def _ollama_name(value: str) -> bool:
    from licscan.targets import parse_target

    try:
        parse_target(OLLAMA_PREFIX + value.removeprefix(OLLAMA_PREFIX))
    except UsageError:
        return False
    return True


def _existing(ref: Reference) -> Path | None:
    """A local reference that names an existing folder or a weight file scan reads."""
    file_dir = Path(ref.origin.file).parent
    for candidate in (file_dir / ref.value, Path(ref.value)):
        try:
            if candidate.is_dir() or (candidate.suffix.lower() in WEIGHT_SUFFIXES
                                      and candidate.is_file()):
                return candidate.resolve()
        except (OSError, ValueError):
            return None
    return None


def _folder(ref: Reference, base: Path) -> Path | None:
    """A local reference that is an existing folder or weight file, relative to where the
    manifest goes."""
    found = _existing(ref)
    return Path(os.path.relpath(found, base.resolve())) if found is not None else None


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


@dataclass
class Listed:
    """What the manifest and lockfile list."""

    hub: dict[str, set[str | None]] = field(default_factory=dict)  # id (lower): revisions
    ollama: set[str] = field(default_factory=set)  # NAME:TAG (the tag defaulted)
    local: set[Path] = field(default_factory=set)  # folders and weight files, resolved
    sources: list[str] = field(default_factory=list)

    def has_local(self, path: Path) -> bool:
        """The path or a folder holding it is listed (a weight file inside a listed model)."""
        return path in self.local or any(p in self.local for p in path.parents)


def _ollama_key(name: str) -> str:
    from licscan.weights.ollama import parse_name

    try:
        host, namespace, model, tag = parse_name(name.removeprefix(OLLAMA_PREFIX))
    except SourceError:
        return name
    return f"{host}/{namespace}/{model}:{tag}"


def listed_models(manifests: Iterable[str], lockfile: str | None) -> Listed:
    from licscan.lock.file import read_lock
    from licscan.targets import load_manifest

    listed = Listed()
    for manifest in manifests:
        listed.sources.append(Path(manifest).name)
        for ref in load_manifest(manifest):
            if ref.kind == "hub" and ref.repo_id:
                listed.hub.setdefault(ref.repo_id.lower(), set()).add(ref.revision)
            elif ref.kind == "ollama":
                listed.ollama.add(_ollama_key(ref.target))
            elif ref.path:
                listed.local.add(Path(ref.path).resolve())
    if lockfile:
        listed.sources.append(Path(lockfile).name)
        for entry in read_lock(Path(lockfile), lockfile).entries:
            if entry.facts.source == "hub":
                revisions = listed.hub.setdefault(entry.facts.id.lower(), set())
                revisions.add(entry.facts.requested_revision)
                if entry.facts.revision:
                    revisions.add(entry.facts.revision)
            elif entry.facts.id.startswith(OLLAMA_PREFIX):
                listed.ollama.add(_ollama_key(entry.facts.id))
            else:  # a local path as the manifest wrote it, usually next to the lockfile
                listed.local.add((Path(lockfile).parent / entry.facts.id).resolve())
    return listed


def check(found: Discovery, listed: Listed, *, allow_unresolved: bool, strict: bool,
          ) -> tuple[list[str], list[str]]:
    """(problems, notes): a problem for every model the code uses that is not listed."""
    problems: list[str] = []
    notes: list[str] = []
    for ref in found.references:
        if ref.role in _LINEAGE_ROLES:
            continue  # followed as lineage of the file that names it
        problem, note = _check_ref(ref, listed, allow_unresolved=allow_unresolved,
                                   strict=strict)
        problems += [problem] if problem else []
        notes += [note] if note else []
    _check_weights(found, listed, strict, problems, notes)
    problems += [f"{e}" for e in found.errors]
    return problems, notes


def _check_ref(ref: Reference, listed: Listed, *, allow_unresolved: bool, strict: bool,
               ) -> tuple[str | None, str | None]:
    """(problem, note) about one reference."""
    at = f"{ref.origin}: {ref.value}"
    where = " or ".join(listed.sources)
    if from_docs(ref) and not strict:
        if _is_listed(ref, listed):
            return None, None
        return None, f"{at}: named in documentation, not listed in {where} ({ref.pattern})"
    if ref.kind == HUB:
        revisions = listed.hub.get(ref.value.lower())
        if revisions is None:
            return f"{at}: not listed in {where} ({ref.pattern})", None
        if ref.revision not in revisions and not _same_commit(ref.revision, revisions):
            shown = ", ".join(sorted(r or "the default branch" for r in revisions))
            return (f"{at}: the code uses revision {ref.revision or 'of the default branch'} "
                    f"but {where} lists {shown} ({ref.pattern})"), None
        return None, None
    if ref.kind == UNRESOLVED:
        message = f"{at}: cannot tell which model this names ({ref.pattern})" + \
            (f"; {'; '.join(ref.notes)}" if ref.notes else "")
        return (None, message) if allow_unresolved else (message, None)
    if ref.kind == OLLAMA:
        if _ollama_key(ref.value) in listed.ollama:
            return None, None
        return f"{at}: Ollama model not listed in {where} ({ref.pattern})", None
    if ref.kind == LOCAL and (path := _existing(ref)) is not None:
        if listed.has_local(path):
            return None, None
        return f"{at}: local model not listed in {where} ({ref.pattern})", None
    message = f"{at}: {ref.kind} model not checked: no such folder or weight file here"
    return (message, None) if strict else (None, message)


def _is_listed(ref: Reference, listed: Listed) -> bool:
    if ref.kind == HUB:
        return ref.value.lower() in listed.hub
    if ref.kind == OLLAMA:
        return _ollama_key(ref.value) in listed.ollama
    path = _existing(ref) if ref.kind == LOCAL else None
    return path is not None and listed.has_local(path)


def _check_weights(found: Discovery, listed: Listed, strict: bool, problems: list[str],
                   notes: list[str]) -> None:
    """A weight file in the tree is a model too: listed itself or inside a listed folder."""
    where = " or ".join(listed.sources)
    for weight in found.weights:
        if listed.has_local(Path(weight.origin.file).resolve()):
            continue
        if weight.format in SCANNED_WEIGHTS:
            problems.append(f"{weight.origin}: {weight.format} weight file not listed in {where}")
        else:
            message = f"{weight.origin}: {weight.format} weight file not checked: scan does " \
                      "not read this format"
            (problems if strict else notes).append(message)


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
              help="With --check: also fail on models named in Markdown and local paths that "
                   "do not exist here.")
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
    problems, notes = check(found, listed_models(manifests, lockfile),
                            allow_unresolved=allow_unresolved, strict=strict)
    for line in problems:
        click.echo(_line(line))
    for line in notes:
        click.echo(_line(f"note: {line}"))
    click.echo(f"licscan discover --check: {len(found.references)} reference(s) in "
               f"{found.files_read} file(s); {len(problems)} problem(s): "
               f"{'FAILED' if problems else 'passed'}")
    return 1 if problems else 0
