"""Load repos from a fixture directory: `root/<owner>/<name>/...` (models) and
`root/datasets/<owner>/<name>/...` (datasets), each with an optional `_repo.yaml` of RepoSpec
fields (gated, private, disabled, approved_tokens, card_data, info_override, gate_exempt,
renamed_to, branches: {name: {path: text}})."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from .specs import RepoSpec, RepoType

SPEC_FILE = "_repo.yaml"
_SPEC_KEYS = frozenset(f.name for f in fields(RepoSpec)) - {"repo_id", "files"}


def iter_fixture_repos(root: Path) -> Iterator[tuple[RepoType, RepoSpec]]:
    """Every repo below `root`, in a stable order."""
    for owner in _subdirs(root):
        if owner.name == "datasets":
            for ds_owner in _subdirs(owner):
                for repo_dir in _subdirs(ds_owner):
                    yield "dataset", spec_from_dir(f"{ds_owner.name}/{repo_dir.name}", repo_dir)
        else:
            for repo_dir in _subdirs(owner):
                yield "model", spec_from_dir(f"{owner.name}/{repo_dir.name}", repo_dir)


def spec_from_dir(repo_id: str, repo_dir: Path) -> RepoSpec:
    files = {
        path.relative_to(repo_dir).as_posix(): path.read_bytes()
        for path in sorted(repo_dir.rglob("*"))
        if path.is_file()
        and path.relative_to(repo_dir).as_posix() != SPEC_FILE
        and ".git" not in path.relative_to(repo_dir).parts
    }
    options = _read_options(repo_dir / SPEC_FILE)
    return RepoSpec(repo_id=repo_id, files=files, **options)


def _read_options(spec_file: Path) -> dict[str, Any]:
    if not spec_file.is_file():
        return {}
    options = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
    if not isinstance(options, dict):
        raise ValueError(f"{spec_file}: expected a mapping")
    unknown = set(options) - _SPEC_KEYS
    if unknown:
        raise ValueError(f"{spec_file}: unknown keys {sorted(unknown)}")
    for key in ("approved_tokens", "gate_exempt"):
        if key in options:
            options[key] = tuple(options[key] or ())
    return options


def _subdirs(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
