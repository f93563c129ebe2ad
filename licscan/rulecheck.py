"""Validate rule files against the shipped JSON Schema and the pack's own invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from licscan import _resources

TRI = ("commercial_use", "modification", "distribution")


def _schema() -> Any:
    return json.loads(_resources.schema_path("rule.schema.json").read_text())


def validate_rule(data: Any, name: str) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    problems = [f"{name}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in sorted(validator.iter_errors(data), key=lambda e: list(e.path))]
    if problems or not isinstance(data, dict):
        return problems
    terms = data.get("terms") or {}
    for key in TRI:
        if key in terms and terms[key].get("value") != data["flags"][key]:
            problems.append(f"{name}: flags.{key} ({data['flags'][key]}) differs from "
                            f"terms.{key}.value ({terms[key].get('value')})")
    return problems


def validate_dir(directory: Path) -> list[str]:
    folder = directory / "licenses" if (directory / "licenses").is_dir() else directory
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
