"""Local model folders: a plain folder, a Hub snapshot, or a repo inside the HF cache.

Nothing is executed or unpickled; only license-related text files are read, with a size cap,
and never through a symlink that leaves the model's folder (the HF cache's own
snapshot -> blob links stay inside the repo folder and are allowed).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from licscan.card import card_from_readme, decode_text
from licscan.errors import SourceError
from licscan.model import FileBlob, ModelRef, Snapshot
from licscan.sources.files import (
    MAX_FILE_BYTES,
    make_blob,
    select_license_files,
    too_large,
)

MAX_LISTING = 20_000
_SHA = re.compile(r"^[0-9a-f]{40}$")
_CACHE_REPO = re.compile(r"^(models|datasets)--(.+)$")


def _cache_layout(folder: Path) -> tuple[Path, Path, str | None, str | None]:
    """(root that symlinks may point into, folder to read, repo id, revision)."""
    match = _CACHE_REPO.match(folder.name)
    if match and (folder / "snapshots").is_dir():
        repo_id = match.group(2).replace("--", "/")
        ref_file = folder / "refs" / "main"
        sha = ref_file.read_text().strip() if ref_file.is_file() else None
        if not sha or not (folder / "snapshots" / sha).is_dir():
            snapshots = sorted(p.name for p in (folder / "snapshots").iterdir() if p.is_dir())
            if not snapshots:
                raise SourceError("not-found", "HF cache entry has no snapshot")
            sha = snapshots[-1]
        return folder, folder / "snapshots" / sha, repo_id, sha
    parent = folder.parent
    repo_match = _CACHE_REPO.match(parent.parent.name) if parent.name == "snapshots" else None
    if repo_match and _SHA.match(folder.name):
        return parent.parent, folder, repo_match.group(2).replace("--", "/"), folder.name
    return folder, folder, None, None


def _walk(folder: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", ".cache", "__pycache__"))
        rel = Path(dirpath).relative_to(folder)
        for name in sorted(filenames):
            found.append((rel / name).as_posix())
            if len(found) >= MAX_LISTING:
                return found
    return found


def read_capped(root: Path, folder: Path, rel: str, limit: int = MAX_FILE_BYTES,
                head: bool = False) -> FileBlob:
    """Read a file inside `root`; over `limit` it is reported too large (or, with `head`,
    cut to its first `limit` bytes)."""
    path = folder / rel
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return FileBlob(rel, 0, None, None, "unreadable", f"cannot resolve: {exc}")
    if not resolved.is_relative_to(root.resolve()):
        return FileBlob(rel, 0, None, None, "outside-root",
                        "symlink points outside the model folder; not read")
    try:
        info = os.stat(resolved)
        if not stat.S_ISREG(info.st_mode):
            return FileBlob(rel, 0, None, None, "unreadable", "not a regular file")
        if info.st_size > limit and not head:
            return too_large(rel, info.st_size, limit)
        with open(resolved, "rb") as fh:
            data = fh.read(limit if head else limit + 1)
    except OSError as exc:
        return FileBlob(rel, 0, None, None, "unreadable", exc.strerror or str(exc))
    if len(data) > limit:
        return too_large(rel, len(data), limit)
    return make_blob(rel, data)


def _head_text(root: Path, folder: Path, rel: str, limit: int) -> str | None:
    """The first bytes of an over-size README, enough for its front matter."""
    blob = read_capped(root, folder, rel, limit=limit, head=True)
    if blob.status == "ok" and blob.data is not None:
        return decode_text(blob.data)
    return None


def fetch_local(ref: ModelRef, max_file_bytes: int = MAX_FILE_BYTES) -> Snapshot:
    folder = Path(ref.path or ref.target).expanduser()
    if not folder.is_dir():
        raise SourceError("not-found", f"local model folder does not exist: {folder}")
    root, read_from, repo_id, revision = _cache_layout(folder.resolve())
    listing = _walk(read_from)
    notes: list[str] = []
    if len(listing) >= MAX_LISTING:
        notes.append(f"folder has more than {MAX_LISTING} files; only the first were listed")
    readme_name = next((p for p in listing if p.lower() == "readme.md"), None)
    readme = read_capped(root, read_from, readme_name, max_file_bytes) if readme_name else None
    card_data = None
    card_origin = "none"
    problem: tuple[str | None, int | None] = (None, None)
    if readme is not None:
        if readme.status == "ok" and readme.data is not None:
            text = decode_text(readme.data)
        elif readme.status == "too-large":
            text = _head_text(root, read_from, readme.path, 64 << 10)
        else:
            text = None
        read = card_from_readme(readme, text)
        card_data, problem = read.data, (read.problem, read.problem_line)
        card_origin = "README.md" if card_data is not None else "none"
    link = card_data.get("license_link") if card_data else None
    files = tuple(read_capped(root, read_from, p, max_file_bytes)
                  for p in select_license_files(listing, link))
    if repo_id:
        notes.append(f"read from the Hugging Face cache entry of {repo_id} at {revision}")
    return Snapshot(ref=ref, source="local", revision=revision, card_data=card_data,
                    card_data_origin=card_origin, readme=readme, files=files,
                    listing=tuple(listing), notes=tuple(notes), card_problem=problem[0],
                    card_problem_line=problem[1])
