"""Walking a source tree: .gitignore respected (with the `pathspec` library), virtualenvs,
node_modules, VCS folders and caches skipped, symlinks never followed out of the tree.

Yields the files discovery reads, classified by name; everything else is not opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from licscan.discover.model import ItemError, Location

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv",
             ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
             ".ipynb_checkpoints", ".cache", ".idea", ".eggs", "bower_components",
             ".terraform", ".gradle", ".next", "__pypackages__", "conda-meta"}
# A folder holding one of these is an environment, whatever its name.
ENV_MARKERS = ("pyvenv.cfg", "conda-meta")
MAX_TEXT_BYTES = 1 << 20  # code and config files larger than this are not parsed
MAX_FILES = 1_000_000

_BY_SUFFIX = {".py": "python", ".ipynb": "notebook", ".yaml": "yaml", ".yml": "yaml",
              ".json": "json", ".toml": "toml", ".sh": "shell", ".bash": "shell",
              ".env": "env", ".dockerfile": "dockerfile", ".modelfile": "modelfile",
              ".gguf": "gguf", ".safetensors": "safetensors", ".onnx": "onnx",
              ".md": "markdown", ".markdown": "markdown"}
WEIGHT_KINDS = ("gguf", "safetensors", "onnx")


def classify_name(name: str) -> str | None:
    lower = name.lower()
    if lower in ("dockerfile", "containerfile") or lower.startswith(("dockerfile.",
                                                                     "containerfile.")):
        return "dockerfile"
    if lower == "modelfile" or lower.startswith("modelfile."):
        return "modelfile"
    if lower == ".env" or lower.startswith(".env."):
        return "env"
    return _BY_SUFFIX.get(os.path.splitext(lower)[1])


@dataclass(frozen=True)
class Found:
    path: Path  # to open
    shown: str  # as reported
    kind: str
    size: int


@dataclass(frozen=True)
class Skipped:
    shown: str
    reason: str


class _Ignore:
    """The .gitignore files met on the way down, each anchored at its own folder."""

    def __init__(self, specs: tuple[tuple[str, pathspec.GitIgnoreSpec], ...] = ()) -> None:
        self.specs = specs

    def child(self, folder: Path, rel: str) -> _Ignore:
        specs = self.specs
        for name in (".gitignore", ".git/info/exclude") if rel == "" else (".gitignore",):
            file = folder / name
            try:
                if file.is_file() and not file.is_symlink():
                    lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
                    specs = (*specs, (rel, pathspec.GitIgnoreSpec.from_lines(lines)))
            except OSError:
                continue
        return self if specs is self.specs else _Ignore(specs)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        verdict = False
        for base, spec in self.specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1:] if base else rel
            result = spec.check_file(sub + "/" if is_dir else sub)
            if result.include is not None:
                verdict = result.include
        return verdict


Item = Found | Skipped | ItemError
_Folder = tuple[Path, str, "_Ignore"]


def walk(root: Path, shown_root: str, max_text_bytes: int = MAX_TEXT_BYTES,
         ) -> Iterator[Item]:
    """Files of interest under `root`, sorted, shown as `shown_root`/relative path."""
    real_root = root.resolve()
    prefix = "" if shown_root in ("", ".") else shown_root.rstrip("/") + "/"
    stack: list[_Folder] = [(root, "", _Ignore().child(root, ""))]
    count = 0
    while stack:
        folder, rel, ignore = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield ItemError(Location(prefix + rel or shown_root),
                            f"cannot list folder: {exc.strerror or exc}")
            continue
        subdirs: list[_Folder] = []
        for entry in entries:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            item = _entry(entry, child_rel, prefix + child_rel, ignore, real_root,
                          max_text_bytes, subdirs)
            if item is None:
                continue
            if isinstance(item, Found):
                count += 1
                if count > MAX_FILES:
                    yield ItemError(Location(shown_root), f"more than {MAX_FILES} files; stopped")
                    return
            yield item
        stack.extend(reversed(subdirs))


def _entry(entry: os.DirEntry[str], rel: str, shown: str, ignore: _Ignore, real_root: Path,
           max_text_bytes: int, subdirs: list[_Folder]) -> Item | None:
    """One folder entry: a file to read, a reason to skip it, an error, or nothing; folders
    to descend into are added to `subdirs`."""
    try:
        is_link = entry.is_symlink()
        is_dir = entry.is_dir(follow_symlinks=False)
    except OSError as exc:
        return ItemError(Location(shown), f"cannot stat: {exc.strerror or exc}")
    if is_dir:
        if entry.name in SKIP_DIRS or ignore.ignored(rel, True):
            return None
        path = Path(entry.path)
        if any((path / marker).exists() for marker in ENV_MARKERS):
            return Skipped(shown, "a Python or conda environment")
        subdirs.append((path, rel, ignore.child(path, rel)))
        return None
    if is_link and entry.is_dir():
        problem = _link_problem(Path(entry.path), real_root)
        if problem is not None and not ignore.ignored(rel, True):
            return ItemError(Location(shown), problem)
        return None  # a folder symlink inside the tree: its target is walked
    kind = classify_name(entry.name)
    if kind is None or ignore.ignored(rel, False):
        return None
    if is_link:
        problem = _link_problem(Path(entry.path), real_root)
        return ItemError(Location(shown), problem) if problem is not None else \
            Skipped(shown, "a symlink to a file inside the tree (read there)")
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        return ItemError(Location(shown), f"cannot stat: {exc.strerror or exc}")
    if not stat.S_ISREG(info.st_mode):
        return None
    if kind not in WEIGHT_KINDS and info.st_size > max_text_bytes:
        return Skipped(shown, f"{info.st_size} bytes: larger than the {max_text_bytes}-byte "
                              "limit for code and config files")
    return Found(Path(entry.path), shown, kind, info.st_size)


def _link_problem(path: Path, real_root: Path) -> str | None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return f"broken symlink: {exc}"
    if not target.is_relative_to(real_root):
        what = "a folder" if target.is_dir() else "a file"
        return f"symlink to {what} outside the tree; not read"
    return None
