"""On-disk cache of Hub snapshots, keyed by repository and commit sha.

License evidence at a commit never changes, so a snapshot read once is good forever (until
pruned). Layout under the cache root (`cache_root()`: `--cache-dir`, else `LICSCAN_CACHE_DIR`,
else `platformdirs.user_cache_dir("licscan")`):

    CACHEDIR.TAG
    v1/repos/<kk>/<key>/snap-<commit sha>.json   one Snapshot (file contents by sha256)
    v1/repos/<kk>/<key>/ref-<hash>.json          requested revision -> sha (mtime: last seen online)
    v1/blobs/<aa>/<sha256>                        file contents, content-addressed
    v1/verified/<kk>/<key>.json                   a lockfile entry concluded on this machine
    v1/.pruned                                    when the cache was last pruned

`key` is a hash of the repo type and id, so nothing a repository names reaches a path.

Trust: the cache is only used when its root, `v1/` and the folders below it belong to the
user running licscan and are not writable by group or others; otherwise the scan says why
(a warning on stderr and a note on each model) and goes on without the cache. Every entry and
blob read is checked the same way (owner, no group/other write, a regular file, not a
symlink). licscan creates its folders 0o700 and its files 0o600 whatever the umask (under
umask 002 a plain mkdir would make them group-writable, and the check would then refuse
licscan's own cache); it never changes the mode of a folder that was already there. Each
entry also carries the sha256 of its payload (`digest`), checked on read, so
a corrupted or half-edited entry is a miss. A plain hash does not stop someone who can write
the folder (they can recompute it): the ownership and permission checks are the guard, the
digest only detects damage. An entry without one (written before digests existed) is a miss
and is fetched again.
Every write goes to a unique temporary file and is renamed into place, so readers (other
threads, a second scan in another process) see a whole file or none. Reads trust nothing:
an entry that does not parse, names another repo, or points at a blob whose sha256 does not
match is ignored (and its blob removed), so the model is simply fetched again. Cache errors
never fail a scan. The token is never written: a snapshot holds only what the repo serves.

Size: at most once a day, at the start of a scan, if the cache holds more than its cap
(`DEFAULT_MAX_BYTES`, 256 MiB: tens of thousands of models), the least recently used files
(a hit touches its entry and blobs) are deleted until it is under three quarters of the cap.
Deleting a blob that a surviving entry needs only turns that entry into a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import Any

from licscan.model import FileBlob, ModelRef, Snapshot

FORMAT = 1
DEFAULT_MAX_BYTES = 256 << 20
PRUNE_EVERY_S = 24 * 3600
STALE_TMP_S = 3600
MAX_ENTRY_BYTES = 64 << 20  # a listing of ~500k files; a bigger entry is ignored
SHA40 = re.compile(r"^[0-9a-f]{40}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n# licscan cache (safe to delete)\n"
#: Snapshot fields stored in an entry; `ref`, `source` and `revision` come from the lookup.
STORED_FIELDS = ("card_data", "card_data_origin", "readme", "files", "listing", "gated",
                 "private", "tags", "notes", "card_problem", "card_problem_line", "unread")
KEYED_FIELDS = ("ref", "source", "revision")


class _Log:
    """The "licscan.cache" logger, imported when first used (`licscan check` reads the cache
    on every commit and logs nothing unless something is wrong)."""

    def debug(self, message: str, *args: object) -> None:
        import logging

        logging.getLogger("licscan.cache").debug(message, *args)


log = _Log()


def cache_root(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("LICSCAN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("licscan", appauthor=False))


def is_full_sha(revision: str | None) -> bool:
    return revision is not None and SHA40.match(revision) is not None


def _iso(seconds: float | None = None) -> str:
    from datetime import UTC, datetime

    moment = datetime.now(UTC) if seconds is None else datetime.fromtimestamp(seconds, UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


class SnapshotCache:
    """Thread- and process-safe by construction (atomic renames, no read-modify-write)."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.base = root / f"v{FORMAT}"
        self.max_bytes = max_bytes
        self.problem: str | None = None  # why the cache is not used (ensure_root)

    # -- paths ----------------------------------------------------------------------------
    def _repo_dir(self, repo_type: str, repo_id: str) -> Path:
        key = hashlib.sha256(f"{repo_type}\0{repo_id}".encode()).hexdigest()[:40]
        return self.base / "repos" / key[:2] / key

    def _blob_path(self, sha256: str) -> Path:
        return self.base / "blobs" / sha256[:2] / sha256

    def _ref_path(self, repo_type: str, repo_id: str, revision: str | None) -> Path:
        name = hashlib.sha256((revision or "").encode()).hexdigest()[:32]
        return self._repo_dir(repo_type, repo_id) / f"ref-{name}.json"

    # -- reading --------------------------------------------------------------------------
    def load(self, ref: ModelRef, sha: str, max_file_bytes: int,
             allow_incomplete: bool = False) -> Snapshot | None:
        """The cached snapshot of `ref`'s repo at `sha`, or None (miss or broken entry)."""
        if not SHA40.match(sha) or ref.repo_id is None:
            return None
        path = self._repo_dir(ref.repo_type, ref.repo_id) / f"snap-{sha}.json"
        raw = self._read_trusted(path, MAX_ENTRY_BYTES)
        if raw is None:
            return None
        try:
            entry = _verified(json.loads(raw))
            if (entry.get("format") != FORMAT or entry.get("repo_type") != ref.repo_type
                    or entry.get("repo_id") != ref.repo_id or entry.get("revision") != sha
                    or entry.get("max_file_bytes") != max_file_bytes):
                return None
            if not entry.get("complete") and not allow_incomplete:
                return None
            snapshot, blob_paths = self._decode(ref, sha, entry["snapshot"], max_file_bytes)
        except _Broken as exc:
            log.debug("cache: ignoring %s: %s", path, exc)
            return None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            log.debug("cache: ignoring unreadable %s: %s", path, exc)
            return None
        for touched in (path, *blob_paths):
            with contextlib.suppress(OSError):
                os.utime(touched)
        return snapshot

    def _decode(self, ref: ModelRef, sha: str, data: dict[str, Any],
                limit: int) -> tuple[Snapshot, list[Path]]:
        blob_paths: list[Path] = []
        readme = self._decode_blob(data["readme"], blob_paths, limit) if data["readme"] else None
        files = tuple(self._decode_blob(b, blob_paths, limit) for b in _list(data["files"]))
        card = data["card_data"]
        snapshot = Snapshot(
            ref=ref, source="hub", revision=sha,
            card_data=card if isinstance(card, dict) else None,
            card_data_origin=_str(data["card_data_origin"]) or "none",
            readme=readme, files=files, listing=_strs(data["listing"]),
            gated=_str(data["gated"]), private=bool(data["private"]), tags=_strs(data["tags"]),
            notes=_strs(data["notes"]), card_problem=_str(data["card_problem"]),
            card_problem_line=_int(data["card_problem_line"]),
            unread=_strs(data.get("unread", [])))
        return snapshot, blob_paths

    def _decode_blob(self, data: Any, blob_paths: list[Path], limit: int) -> FileBlob:
        if not isinstance(data, dict):
            raise _Broken("blob record is not an object")
        path, status, digest = data["path"], data["status"], data["sha256"]
        if not isinstance(path, str) or not isinstance(status, str):
            raise _Broken("blob record has no path or status")
        content = None
        if status == "ok":
            if not isinstance(digest, str) or not _SHA256.match(digest):
                raise _Broken("blob record has no sha256")
            blob_path = self._blob_path(digest)
            content = self._read_trusted(blob_path, limit)
            if content is None or hashlib.sha256(content).hexdigest() != digest:
                with contextlib.suppress(OSError):  # so that the refetch writes it again
                    blob_path.unlink()
                raise _Broken(f"blob {digest} is missing, too large or corrupt")
            blob_paths.append(blob_path)
        return FileBlob(path=path, size=_int(data["size"]) or 0,
                        sha256=digest if isinstance(digest, str) else None, data=content,
                        status=status, reason=_str(data["reason"]),
                        truncated=data.get("truncated") is True,
                        found_by=_str(data.get("found_by")) or "name")

    def resolve(self, ref: ModelRef) -> tuple[str, str] | None:
        """(sha, when) of `ref.revision` (None: default branch) as last seen online."""
        if ref.repo_id is None:
            return None
        path = self._ref_path(ref.repo_type, ref.repo_id, ref.revision)
        raw = self._read_trusted(path, 4096)
        if raw is None:
            return None
        try:
            data = _verified(json.loads(raw))
            sha, revision = data["sha"], data["revision"]
            seen = path.stat().st_mtime
        except (OSError, ValueError, KeyError, TypeError, AttributeError, _Broken):
            return None
        if revision != (ref.revision or "") or not isinstance(sha, str) or not SHA40.match(sha):
            return None
        return sha, _iso(seen)

    def has_snapshot(self, ref: ModelRef, sha: str) -> bool:
        """Whether an entry for `ref`'s repo at `sha` is there (not yet whether it is good)."""
        if not SHA40.match(sha) or ref.repo_id is None:
            return False
        path = self._repo_dir(ref.repo_type, ref.repo_id) / f"snap-{sha}.json"
        return untrusted(path, follow=False, directory=False) is None

    def _verified_path(self, key: str) -> Path:
        return self.base / "verified" / key[:2] / f"{key}.json"

    def was_verified(self, key: str) -> bool:
        """Whether `record_verified(key)` was called on this cache (licscan.lock.verify)."""
        if not _SHA256.match(key):
            return False
        raw = self._read_trusted(self._verified_path(key), 4096)
        try:
            return raw is not None and _verified(json.loads(raw)).get("key") == key
        except (ValueError, _Broken):
            return False

    def record_verified(self, key: str) -> None:
        """Remember that the lockfile entry `key` names was concluded from its evidence
        here (never raises)."""
        if _SHA256.match(key) and not self.was_verified(key):
            with contextlib.suppress(OSError, ValueError, TypeError):
                _write_atomic(self._verified_path(key),
                              json.dumps(_signed({"key": key, "at": _iso()})).encode(),
                              self.base)

    # -- writing --------------------------------------------------------------------------
    def store(self, snapshot: Snapshot, max_file_bytes: int) -> bool:
        """Write `snapshot` (and its blobs); False when it could not be written (never raises)."""
        ref, sha = snapshot.ref, snapshot.revision
        if ref.repo_id is None or sha is None or not SHA40.match(sha):
            return False
        blobs = [b for b in (snapshot.readme, *snapshot.files) if b is not None]
        entry = {"format": FORMAT, "repo_type": ref.repo_type, "repo_id": ref.repo_id,
                 "revision": sha, "max_file_bytes": max_file_bytes, "stored_at": _iso(),
                 "complete": all(b.status in ("ok", "too-large") for b in blobs),
                 "snapshot": _encode(snapshot)}
        try:
            text = json.dumps(_signed(entry), ensure_ascii=False, default=_refuse).encode()
            for blob in blobs:
                if blob.status == "ok" and blob.data is not None and blob.sha256:
                    target = self._blob_path(blob.sha256)
                    if not target.exists():
                        _write_atomic(target, blob.data, self.base)
            _write_atomic(self._repo_dir(ref.repo_type, ref.repo_id) / f"snap-{sha}.json", text,
                          self.base)
        except (OSError, TypeError, ValueError, RecursionError) as exc:
            log.debug("cache: not storing %s@%s: %s", ref.repo_id, sha, exc)
            return False
        return True

    def record_ref(self, ref: ModelRef, sha: str) -> None:
        """Remember what `ref.revision` resolved to, for `--offline` scans. An unchanged
        mapping is only touched (its mtime is when it was last seen)."""
        if ref.repo_id is None or not SHA40.match(sha) or is_full_sha(ref.revision):
            return
        path = self._ref_path(ref.repo_type, ref.repo_id, ref.revision)
        raw = self._read_trusted(path, 4096)
        try:
            if raw is not None and _verified(json.loads(raw)).get("sha") == sha:
                os.utime(path)
                return
        except (OSError, ValueError, AttributeError, TypeError, _Broken):
            pass
        data = {"revision": ref.revision or "", "sha": sha}
        with contextlib.suppress(OSError, ValueError, TypeError):
            _write_atomic(path, json.dumps(_signed(data)).encode(), self.base)

    # -- size -----------------------------------------------------------------------------
    def maybe_prune(self) -> None:
        """Prune if the last prune is more than a day old (cheap check; never raises)."""
        stamp = self.base / ".pruned"
        try:
            if time.time() - stamp.stat().st_mtime < PRUNE_EVERY_S:
                return
        except OSError:
            pass
        try:
            self.prune()
            _write_atomic(stamp, b"")
        except OSError as exc:
            log.debug("cache: prune failed: %s", exc)

    def prune(self) -> int:
        """Delete stale temporaries, then least recently used files down to 3/4 of the cap.
        Returns the bytes left."""
        now = time.time()
        files: list[tuple[float, int, Path]] = []
        for dirpath, _dirs, names in os.walk(self.base):
            for name in names:
                path = Path(dirpath) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if name.endswith(".tmp") and now - info.st_mtime > STALE_TMP_S:
                    with contextlib.suppress(OSError):
                        path.unlink()
                elif name != ".pruned":
                    files.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in files)
        if total <= self.max_bytes:
            return total
        for _, size, path in sorted(files):
            if total <= self.max_bytes * 3 // 4:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
        return total

    def ensure_root(self) -> bool:
        """Create the cache folders; False (with `problem` set) when the cache must not be
        used: it cannot be created, or it belongs to someone else or others can write it."""
        try:
            private_folder(self.base, self.root)
            for sub in ("repos", "blobs"):
                private_folder(self.base / sub, self.root)
        except OSError as exc:
            self.problem = f"cannot create {str(self.base)!a}: {exc.strerror or exc}"
            log.debug("cache: disabled: %s", self.problem)
            return False
        for folder, follow in ((self.root, True), (self.base, False),
                               (self.base / "repos", False), (self.base / "blobs", False)):
            why = untrusted(folder, follow=follow, directory=True)
            if why is not None:
                self.problem = why
                return False
        with contextlib.suppress(OSError):
            tag = self.root / "CACHEDIR.TAG"
            if not tag.exists():
                _write_atomic(tag, _TAG)
        return True

    def _read_trusted(self, path: Path, limit: int) -> bytes | None:
        """A cache file's bytes if it and the folders between it and `v1/` are the user's
        own and not writable by others; None otherwise (a miss)."""
        why = untrusted(path, follow=False, directory=False)  # first: a miss ends here
        if why is not None:
            if not why.endswith("does not exist"):
                log.debug("cache: ignoring %s: %s", path, why)
            return None
        folder = path.parent
        while folder != self.base and self.base in folder.parents:
            if untrusted(folder, follow=False, directory=True) is not None:
                log.debug("cache: ignoring %s: untrusted folder %s", path, folder)
                return None
            folder = folder.parent
        return _read_at_most(path, limit)


class _Broken(Exception):
    """An entry that cannot be used as it is."""


def untrusted(path: Path, follow: bool, directory: bool) -> str | None:
    """Why `path` must not be trusted as part of this user's cache, or None."""
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        return f"{str(path)!a} does not exist"
    except OSError as exc:
        return f"{str(path)!a} cannot be checked: {exc.strerror or exc}"
    kind = "folder" if directory else "file"
    if (stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)) is False:
        return f"{str(path)!a} is not a {kind}" + ("" if follow else " (symlinks are refused)")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return (f"the cache {kind} {str(path)!a} belongs to another user (uid {info.st_uid}); "
                "entries someone else can write are not trusted")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return (f"the cache {kind} {str(path)!a} is writable by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):o}); entries someone else can write are "
                "not trusted")
    return None


def _payload_digest(data: dict[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k != "digest"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=_refuse)
    return hashlib.sha256(text.encode()).hexdigest()


def _signed(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "digest": _payload_digest(data)}


def _verified(data: Any) -> dict[str, Any]:
    """`data` if it carries a digest that matches its content."""
    if not isinstance(data, dict):
        raise _Broken("entry is not an object")
    digest = data.get("digest")
    if not isinstance(digest, str) or digest != _payload_digest(data):
        raise _Broken("entry digest does not match its content")
    return data


def _encode(snapshot: Snapshot) -> dict[str, Any]:
    def blob(b: FileBlob) -> dict[str, Any]:
        return {"path": b.path, "size": b.size, "sha256": b.sha256, "status": b.status,
                "reason": b.reason, "truncated": b.truncated, "found_by": b.found_by}

    return {"card_data": dict(snapshot.card_data) if snapshot.card_data is not None else None,
            "card_data_origin": snapshot.card_data_origin,
            "readme": blob(snapshot.readme) if snapshot.readme else None,
            "files": [blob(b) for b in snapshot.files], "listing": list(snapshot.listing),
            "gated": snapshot.gated, "private": snapshot.private, "tags": list(snapshot.tags),
            "notes": list(snapshot.notes), "card_problem": snapshot.card_problem,
            "card_problem_line": snapshot.card_problem_line, "unread": list(snapshot.unread)}


def _refuse(value: object) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")  # card data that JSON cannot hold


def private_folder(path: Path, top: Path) -> None:
    """Create `path` and the folders between it and `top` (both included) that are missing,
    each 0o700 whatever the umask: under umask 002 a plain mkdir makes them group-writable,
    and `untrusted` then refuses licscan's own cache. A folder that already exists is left as
    it is (one made group-writable by someone else is still refused). Folders above `top`
    are created as `mkdir -p` does."""
    if path != top and top not in path.parents:
        raise ValueError(f"{path} is not inside {top}")
    chain = [path, *path.parents[:len(path.parts) - len(top.parts)]]
    top.parent.mkdir(parents=True, exist_ok=True)
    for folder in reversed(chain):
        try:
            os.mkdir(folder, 0o700)  # never wider than 0o700, so no moment others can write
        except FileExistsError:
            continue  # there already, or made meanwhile by another scan: checked as it is
        os.chmod(folder, 0o700)  # the umask may have taken some of the owner's bits


def _write_atomic(path: Path, data: bytes, top: Path | None = None) -> None:
    """Write `data` to `path` (0o600) through a temporary file; missing folders from `top`
    (default: `path`'s own folder) down are created 0o700."""
    private_folder(path.parent, top or path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask may have taken the owner's bits away
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _read_at_most(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None if it cannot be read or holds more than `limit` bytes."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError:
        return None
    return data if len(data) <= limit else None


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Broken("expected a list")
    return value


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(v for v in _list(value) if isinstance(v, str))


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
