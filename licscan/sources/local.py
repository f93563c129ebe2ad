"""Local model folders: a plain folder, a Hub snapshot, or a repo inside the HF cache.

Nothing is executed or unpickled; only license-related text files are read, with a size cap,
and never through a symlink that leaves the model's folder (the HF cache's own
snapshot -> blob links stay inside the repo folder and are allowed). Symlinked folders are
never entered. The walk is iterative and breadth-first (shallow files first), bounded in
entries (`MAX_WALK_ENTRIES`) and depth (`MAX_DEPTH`); license files are found by name among
every entry walked, so a folder with many files does not hide them, and what a bound leaves
out is reported (`Snapshot.unread`).
"""

from __future__ import annotations

import os
import re
import stat
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from licscan.errors import SourceError
from licscan.evidence.card import CardRead, card_from_readme, decode_text
from licscan.model import FileBlob, ModelRef, Snapshot
from licscan.sources.files import (
    MAX_FILE_BYTES,
    MAX_LOCAL_PROBES,
    CappedReader,
    cut_note,
    is_license_file,
    make_blob,
    may_hold_terms,
    plan_reads,
    read_planned,
    reader_blob,
    too_large,
)

MAX_LISTING = 20_000  # names kept in the snapshot's listing (license files always are)
MAX_WALK_ENTRIES = 200_000  # folder entries looked at
MAX_DEPTH = 64  # folder levels below the model folder
_SHA = re.compile(r"^[0-9a-f]{40}$")
_CACHE_REPO = re.compile(r"^(models|datasets)--(.+)$")
_SKIP_DIRS = frozenset({".git", ".cache", "__pycache__"})
_CHUNK = 64 << 10


def _cache_layout(folder: Path) -> tuple[Path, Path, str | None, str | None]:
    """(root that symlinks may point into, folder to read, repo id, revision)."""
    match = _CACHE_REPO.match(folder.name)
    if match and (folder / "snapshots").is_dir():
        repo_id = match.group(2).replace("--", "/")
        sha = _read_ref(folder / "refs" / "main")
        if sha is None or not (folder / "snapshots" / sha).is_dir():
            snapshots = sorted(p.name for p in (folder / "snapshots").iterdir()
                               if _SHA.match(p.name) and p.is_dir() and not p.is_symlink())
            if not snapshots:
                raise SourceError("not-found", "HF cache entry has no snapshot")
            sha = snapshots[-1]
        return folder, folder / "snapshots" / sha, repo_id, sha
    parent = folder.parent
    repo_match = _CACHE_REPO.match(parent.parent.name) if parent.name == "snapshots" else None
    if repo_match and _SHA.match(folder.name):
        return parent.parent, folder, repo_match.group(2).replace("--", "/"), folder.name
    return folder, folder, None, None


def _read_ref(ref_file: Path) -> str | None:
    """The commit sha in an HF-cache ref file; SourceError when it holds anything else."""
    if not ref_file.is_file() or ref_file.is_symlink():
        return None
    try:
        with open(ref_file, "rb") as fh:
            raw = fh.read(257)
    except OSError:
        return None
    text = raw.decode("utf-8", errors="replace").strip()
    if not _SHA.match(text):
        raise SourceError("invalid", "refs/main of the HF cache entry does not hold a commit "
                          f"sha: {text[:60]!a}" + (" (cut)" if len(text) > 60 else ""))
    return text


@dataclass
class Walk:
    """What the walk saw: names, sizes of text files, and what a bound stopped."""

    listing: list[str] = field(default_factory=list)
    sizes: dict[str, int | None] = field(default_factory=dict)  # license names + probe files
    entries: int = 0
    listing_cut: bool = False
    stopped: bool = False  # MAX_WALK_ENTRIES reached
    too_deep: list[str] = field(default_factory=list)

    def add_file(self, name: str, entry: os.DirEntry[str]) -> None:
        named = is_license_file(name)
        if len(self.listing) < MAX_LISTING or named:
            self.listing.append(name)
        else:
            self.listing_cut = True
        if named:
            self.sizes[name] = None
        elif may_hold_terms(name, None):
            try:
                self.sizes[name] = entry.stat(follow_symlinks=False).st_size
            except OSError:
                self.sizes[name] = None


def _walk(folder: Path) -> Walk:
    walk = Walk()
    queue: deque[tuple[Path, str, int]] = deque([(folder, "", 0)])
    while queue:
        path, rel, depth = queue.popleft()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            walk.entries += 1
            if walk.entries > MAX_WALK_ENTRIES:
                walk.stopped = True
                return walk
            name = f"{rel}{entry.name}"
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name in _SKIP_DIRS:
                    continue
                if depth + 1 > MAX_DEPTH:
                    walk.too_deep.append(name + "/")
                    continue
                queue.append((Path(entry.path), name + "/", depth + 1))
                continue
            if not _is_symlinked_dir(entry):
                walk.add_file(name, entry)
    return walk


def _is_symlinked_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink() and entry.is_dir(follow_symlinks=True)
    except OSError:
        return False


def read_capped(root: Path, folder: Path, rel: str, limit: int = MAX_FILE_BYTES,
                head: bool = False) -> FileBlob:
    """Read a file inside `root`. With `head`, an over-size file is cut to its first `limit`
    bytes (for a README's front matter); otherwise it is read with blank padding collapsed
    and cut at `limit` bytes (`truncated`)."""
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
        with open(resolved, "rb") as fh:
            if head:
                data = fh.read(limit + 1)
                if len(data) > limit:
                    return too_large(rel, info.st_size, limit)
                return make_blob(rel, data)
            reader = CappedReader(limit)
            while (chunk := fh.read(_CHUNK)) and reader.feed(chunk):
                pass
    except OSError as exc:
        return FileBlob(rel, 0, None, None, "unreadable", exc.strerror or str(exc))
    blob = reader_blob(rel, reader, info.st_size)
    if not blob.truncated and not reader.compacted:
        return make_blob(rel, blob.data or b"")
    return blob


def _head_text(root: Path, folder: Path, rel: str, limit: int) -> str | None:
    """The first bytes of an over-size README, enough for its front matter."""
    path = folder / rel
    try:
        resolved = path.resolve(strict=True)
        if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
            return None
        with open(resolved, "rb") as fh:
            return decode_text(fh.read(limit))
    except (OSError, RuntimeError):
        return None


def _read_readme(root: Path, read_from: Path, listing: list[str],
                 max_file_bytes: int) -> tuple[FileBlob | None, CardRead]:
    """The README and the card read from it (from its head when it is over the cap)."""
    readme_name = next((p for p in listing if p.lower() == "readme.md"), None)
    if readme_name is None:
        return None, CardRead(None)
    readme = read_capped(root, read_from, readme_name, max_file_bytes, head=True)
    if readme.status == "ok" and readme.data is not None:
        text = decode_text(readme.data)
    elif readme.status == "too-large":
        text = _head_text(root, read_from, readme.path, 64 << 10)
    else:
        text = None
    return readme, card_from_readme(readme, text)


def fetch_local(ref: ModelRef, max_file_bytes: int = MAX_FILE_BYTES) -> Snapshot:
    folder = Path(ref.path or ref.target).expanduser()
    if not folder.is_dir():
        raise SourceError("not-found", f"local model folder does not exist: {str(folder)!a}")
    root, read_from, repo_id, revision = _cache_layout(folder.resolve())
    walk = _walk(read_from)
    listing = walk.listing
    notes: list[str] = []
    unread: list[str] = []
    if walk.listing_cut:
        notes.append(f"folder has more than {MAX_LISTING} files; only the first were listed "
                     "(license files are always listed)")
    if walk.stopped:
        unread.append(f"the folder has more than {MAX_WALK_ENTRIES} entries; the walk stopped "
                      "there and files beyond were not examined for license terms")
    if walk.too_deep:
        unread.append(cut_note("folder(s) deeper than the depth limit", walk.too_deep,
                               f"more than {MAX_DEPTH} levels below the model folder"))
    readme, card = _read_readme(root, read_from, listing, max_file_bytes)
    card_data, card_origin = card.data, "README.md" if card.data is not None else "none"
    problem = (card.problem, card.problem_line)
    link = card_data.get("license_link") if card_data else None
    files, cut = read_planned(plan_reads(walk.sizes, link, MAX_LOCAL_PROBES),
                              lambda path, limit: read_capped(root, read_from, path, limit),
                              max_file_bytes)
    unread.extend(cut)
    if repo_id:
        notes.append(f"read from the Hugging Face cache entry of {repo_id} at {revision}")
    return Snapshot(ref=ref, source="local", revision=revision, card_data=card_data,
                    card_data_origin=card_origin, readme=readme, files=tuple(files),
                    listing=tuple(listing), notes=tuple(notes), card_problem=problem[0],
                    card_problem_line=problem[1], unread=tuple(unread))
