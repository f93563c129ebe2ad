"""Validate rule files against the shipped JSON Schema and the pack's own invariants."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from licscan import _resources
from licscan.errors import RulePackError
from licscan.rulepack import derivable_fields

# What each derivable field is derived from, for the messages (licscan.rulepack.derivable_fields).
_FROM = {"flags.commercial_use": "terms.commercial_use.value",
         "flags.modification": "terms.modification.value",
         "flags.distribution": "terms.distribution.value",
         "flags.acceptable_use_policy": "the kind and terms.acceptable_use_policy",
         "use_policy": "terms.acceptable_use_policy.rule", "category": "the kind",
         "spdx_listed": "the expression_id", "needs_text": "the kind"}


def _schema() -> Any:
    return json.loads(_resources.schema_path("rule.schema.json").read_text())


def _stated_derivable(data: Mapping[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(field, stated value, derived value) for each derivable field the file states."""
    derived = derivable_fields(data)
    flags = data.get("flags")
    for key, value in derived["flags"].items():
        if isinstance(flags, Mapping) and key in flags:
            yield f"flags.{key}", flags[key], value
    for key, value in derived.items():
        if key != "flags" and key in data:
            yield key, data[key], value


def redundant_fields(data: Any) -> list[str]:
    """The fields a rule file states although the loader derives the same value."""
    if not isinstance(data, Mapping):
        return []
    return [name for name, stated, derived in _stated_derivable(data) if stated == derived]


def validate_rule(data: Any, name: str) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    problems = [f"{name}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in sorted(validator.iter_errors(data), key=lambda e: list(e.path))]
    if problems or not isinstance(data, dict):
        return problems
    for field, stated, derived in _stated_derivable(data):
        if stated != derived:
            problems.append(f"{name}: {field} ({stated}) differs from {_FROM[field]} "
                            f"({derived}); leave it out, the loader derives it")
    return problems


def _folder(directory: Path) -> Path:
    return directory / "licenses" if (directory / "licenses").is_dir() else directory


def redundant_in_dir(directory: Path) -> list[str]:
    """One note per rule file that states fields the loader derives (they may be left out)."""
    notes = []
    for path in sorted(_folder(directory).glob("*.yaml")):
        try:
            fields = redundant_fields(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError):
            continue  # validate_dir reports it
        if fields:
            notes.append(f"{path}: {', '.join(fields)} may be left out (derived from the "
                         "other fields; docs/terms.md)")
    return notes


def validate_dir(directory: Path) -> list[str]:
    folder = _folder(directory)
    problems: list[str] = []
    files = sorted(folder.glob("*.yaml"))
    if not files:
        return [f"{folder}: no rule files (*.yaml)"]
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        problems += validate_rule(data, str(path))
        if isinstance(data, dict) and data.get("id") != path.stem:
            problems.append(f"{path}: id {data.get('id')!r} differs from the file name")
    return problems


def compiled_problems(directory: Path) -> list[str]:
    """A compiled.json next to the rule files that is not their current compilation. licscan
    reads compiled.json only from its built-in pack; elsewhere it is ignored, but a stale or
    edited one still says something the rule files do not."""
    from licscan.rulepack import COMPILED, compile_pack

    path = directory / COMPILED
    if not path.is_file():
        return []
    try:
        compiled = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        return [f"{path}: cannot read: {exc}"]
    try:
        current = compile_pack(directory)
    except (RulePackError, OSError) as exc:  # validate_dir names the file
        return [f"{path}: cannot compare with the rule files ({exc})"]
    if compiled != current:
        return [f"{path}: does not match the rule files it claims to be compiled from (stale "
                "or edited; licscan ignores compiled.json outside its built-in pack: delete it, "
                "or for the built-in pack run scripts/lock_rules.py)"]
    return []
