"""licscan.yaml: where the manifest and lockfile are, the context, the policy, the waivers.

Found by walking up from the working directory to the git root (or given with --config).
Documented by docs/schemas/config.schema.json and docs/examples/licscan.yaml; every problem is
a ConfigError naming the file, the key and the line.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode

from licscan import safeyaml
from licscan.errors import ConfigError
from licscan.policy.load import load_policy
from licscan.policy.model import Policy
from licscan.terms.context import Context, context_from_mapping

CONFIG_NAMES = ("licscan.yaml", "licscan.yml")
CONFIG_KEYS = ("manifest", "lockfile", "rules", "context", "policy", "waivers")
DEFAULT_MANIFEST = "models.yaml"
DEFAULT_LOCKFILE = "licscan.lock"
MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class Config:
    file: str | None  # as shown in messages; None: no licscan.yaml, built-in defaults
    root: Path  # paths in the file are relative to its folder
    manifest: Path
    lockfile: Path
    rules: tuple[str, ...] = ()  # extra rule-pack folders
    context: Context | None = None
    policy: Policy = field(default_factory=Policy)
    lines: Mapping[str, int] = field(default_factory=dict)  # top-level key -> line

    @property
    def context_digest(self) -> str | None:
        """Identifies the context the lockfile's answers were evaluated in."""
        if self.context is None:
            return None
        text = json.dumps(self.context.to_dict(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    def where(self, key: str) -> str:
        """`licscan.yaml:12` for a top-level key (for messages)."""
        line = self.lines.get(key)
        return f"{self.file}:{line}" if self.file and line else (self.file or "licscan.yaml")


def display_path(path: Path | str) -> str:
    """Relative to the working directory when below it (messages stay short and clickable)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else Path(relative).as_posix()


def find_config(start: Path | None = None, *, announce: bool = True) -> Path | None:
    """licscan.yaml in the working directory or a parent, stopping at the git root.

    Outside a git repository the walk goes up to the file system's root, so a licscan.yaml
    in a parent folder (a home folder, a shared drive) can apply by surprise: `announce`
    names it on stderr (not with --quiet)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                if announce and folder != here and not _in_git(folder):
                    _note(f"licscan: using {candidate} (found in a parent folder, outside a "
                          "git repository; --config FILE chooses another)")
                return candidate
        if (folder / ".git").exists():
            return None
    return None


def _in_git(folder: Path) -> bool:
    return any((f / ".git").exists() for f in (folder, *folder.parents))


def _note(message: str) -> None:
    from licscan.cli.common import note
    from licscan.redact import printable_line

    note(printable_line(message))


def resolve_config(explicit: str | None = None, *, today: date | None = None) -> Config:
    """--config FILE, else a licscan.yaml found from the working directory, else defaults."""
    path = Path(explicit) if explicit else find_config()
    if path is None:
        root = Path.cwd()
        return Config(file=None, root=root, manifest=root / DEFAULT_MANIFEST,
                      lockfile=root / DEFAULT_LOCKFILE)
    return load_config(path, today=today)


def load_config(path: str | Path, *, today: date | None = None) -> Config:
    from licscan.policy import today_utc

    file = display_path(path)
    data, node = _read(Path(path), file)
    for key in data:
        if key not in CONFIG_KEYS:
            raise ConfigError("unknown key", file=file, key=str(key),
                              line=safeyaml.line_of(safeyaml.mapping_value_node(node, str(key))),
                              hint="licscan.yaml keys: " + ", ".join(CONFIG_KEYS))
    root = Path(path).resolve().parent
    lines = _key_lines(node)
    repo = repository_root(root)

    def inside(key: str, value: str) -> Path:
        return _inside_repository(root / value, repo, key, node, file)

    return Config(
        file=file, root=root,
        manifest=inside("manifest", _path(data, "manifest", DEFAULT_MANIFEST, node, file)),
        lockfile=inside("lockfile", _path(data, "lockfile", DEFAULT_LOCKFILE, node, file)),
        rules=tuple(str(inside("rules", p)) for p in _paths(data, node, file)),
        context=_context(data, node, file),
        policy=load_policy(data.get("policy"), safeyaml.mapping_value_node(node, "policy"),
                           data.get("waivers"), safeyaml.mapping_value_node(node, "waivers"),
                           file=file, today=today or today_utc()),
        lines=lines)


def repository_root(folder: Path) -> Path:
    """The git root above `folder` (a folder with `.git`), else `folder` itself."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def _inside_repository(path: Path, repo: Path, key: str, node: Any, file: str) -> Path:
    """Paths in licscan.yaml stay in the repository (after symlinks): a pull request must not
    point the manifest at /etc/passwd (its lines would be echoed in errors) or the lockfile at
    a file of the user's to overwrite. The path's content is never shown in this error."""
    line = safeyaml.line_of(safeyaml.mapping_value_node(node, key))
    try:
        real = path.resolve()
    except (OSError, ValueError, RuntimeError) as error:  # NUL byte, symlink loop
        raise ConfigError("is not a usable path", file=file, key=key, line=line,
                          hint=str(error)) from error
    if real != repo and repo not in real.parents:
        raise ConfigError("must be a path inside the repository", file=file, key=key,
                          line=line,
                          hint=f"it leads outside {repo} (a '..' or a symbolic link)")
    return path


def _key_lines(node: Any) -> dict[str, int]:
    if not isinstance(node, MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _value in node.value}


def _read(path: Path, file: str) -> tuple[Mapping[str, Any], Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration: {exc.strerror or exc}",
                          file=file) from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"larger than {MAX_CONFIG_BYTES} bytes", file=file)
    try:
        data, node = safeyaml.compose(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError("not UTF-8 text", file=file) from exc
    except safeyaml.YamlProblem as exc:
        raise ConfigError(exc.message, file=file, line=exc.line) from exc
    if data is None:
        return {}, node
    if not isinstance(data, Mapping):
        raise ConfigError("must be a mapping (manifest, context, policy, waivers …)",
                          file=file, line=safeyaml.line_of(node))
    return data, node


def _path(data: Mapping[str, Any], key: str, default: str, node: Any, file: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("must be a file path", file=file, key=key,
                          line=safeyaml.line_of(safeyaml.mapping_value_node(node, key)))
    return value.strip()


def _paths(data: Mapping[str, Any], node: Any, file: str) -> list[str]:
    value = data.get("rules") or []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
        raise ConfigError("must be a folder or a list of rule-pack folders", file=file,
                          key="rules",
                          line=safeyaml.line_of(safeyaml.mapping_value_node(node, "rules")))
    return items


def _context(data: Mapping[str, Any], node: Any, file: str) -> Context | None:
    if "context" not in data:
        return None
    section, section_node = data["context"], safeyaml.mapping_value_node(node, "context")
    if section is None:
        return Context()
    if not isinstance(section, Mapping):
        raise ConfigError("must be a mapping of context keys", file=file, key="context",
                          line=safeyaml.line_of(section_node))
    return context_from_mapping(section, file=file, node=section_node, prefix="context.")


# --- rule packs of the user's own ----------------------------------------------------------

NO_OVERRIDES_ENV = "LICSCAN_NO_RULE_OVERRIDES"


def overrides_forbidden(flag: bool = False) -> bool:
    """`--no-rule-overrides`, or LICSCAN_NO_RULE_OVERRIDES=1 (for CI: set outside the
    repository, so a pull request cannot lift it the way it could edit licscan.yaml)."""
    value = os.environ.get(NO_OVERRIDES_ENV, "").strip().lower()
    return flag or value in ("1", "true", "yes", "on")


def rule_overrides(rules_dirs: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(rule file, what it redefines) for every rule of a user's pack that takes over
    something of the built-in pack (licscan.rulecheck.rule_overrides)."""
    if not rules_dirs:
        return []
    from licscan import rulecheck
    from licscan.rulepack import load_rulepack

    found = rulecheck.rule_overrides(load_rulepack(()), load_rulepack(tuple(rules_dirs)))
    return [(display_path(Path(origin)), what) for origin, what in found]


def check_rule_overrides(rules_dirs: tuple[str, ...] | list[str], *, forbid: bool,
                         where: str) -> list[str]:
    """Warnings naming each overridden rule; a ConfigError instead when overrides are
    forbidden."""
    found = rule_overrides(rules_dirs)
    if found and forbid:
        file, what = found[0]
        raise ConfigError(f"{file} redefines {what}" + (f" (and {len(found) - 1} more)"
                                                          if len(found) > 1 else ""),
                          file=where, key="rules",
                          hint="rule overrides are forbidden here (--no-rule-overrides or "
                               f"{NO_OVERRIDES_ENV}); rename the rule or remove the file")
    return [f"{where}: rules: warning: {file} redefines {what}" for file, what in found]
