"""Immutable, precomputed views of a repository: blobs, commits (revisions) and their JSON."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .carddata import JsonDict, derive_tags, parse_card_data
from .specs import FileContent, RepoSpec, RepoType

LFS_EXTENSIONS = (
    ".safetensors",
    ".bin",
    ".gguf",
    ".pt",
    ".pth",
    ".onnx",
    ".ckpt",
    ".h5",
    ".msgpack",
)
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024
_SHA_PREFIX = re.compile(r"[0-9a-f]{7,40}")
_ID_PART = re.compile(r"[\w.\-]{1,96}")


def git_blob_oid(data: bytes) -> str:
    """The git blob sha1 of `data` (what the Hub uses as `oid` and as the `ETag` of small files)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_lfs(path: str, size: int) -> bool:
    return path.lower().endswith(LFS_EXTENSIONS) or size > LFS_SIZE_THRESHOLD


@dataclass(frozen=True)
class Blob:
    """One file. For LFS files `oid` is the blob sha1 of the LFS pointer file."""

    path: str
    data: bytes
    oid: str
    lfs_sha256: str | None = None
    pointer_size: int | None = None

    @classmethod
    def build(cls, path: str, content: FileContent) -> Blob:
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        if not is_lfs(path, len(data)):
            return cls(path, data, git_blob_oid(data))
        sha256 = hashlib.sha256(data).hexdigest()
        pointer = (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {len(data)}\n"
        ).encode()
        return cls(path, data, git_blob_oid(pointer), sha256, len(pointer))

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def etag(self) -> str:
        """What the client stores the blob under: sha256 for LFS files, git sha1 otherwise."""
        return self.lfs_sha256 or self.oid

    def tree_entry(self) -> JsonDict:
        entry: JsonDict = {"type": "file", "oid": self.oid, "size": self.size, "path": self.path}
        if self.lfs_sha256 is not None:
            entry["lfs"] = {"oid": self.lfs_sha256, **self._lfs_sizes()}
        return entry

    def sibling(self, with_blobs: bool) -> JsonDict:
        if not with_blobs:
            return {"rfilename": self.path}
        entry: JsonDict = {"rfilename": self.path, "blobId": self.oid, "size": self.size}
        if self.lfs_sha256 is not None:
            entry["lfs"] = {"sha256": self.lfs_sha256, **self._lfs_sizes()}
        return entry

    def _lfs_sizes(self) -> JsonDict:
        return {"size": self.size, "pointerSize": self.pointer_size}


def normalize_path(path: str) -> str:
    parts = path.replace("\\", "/").strip("/").split("/")
    if not path or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"invalid path in repo: {path!r}")
    return "/".join(parts)


def commit_sha(repo_type: str, repo_id: str, revision: str, files: Mapping[str, Blob]) -> str:
    """Deterministic commit id: sha1 over type, id, revision and the sorted (path, oid) list."""
    digest = hashlib.sha1(f"{repo_type}\n{repo_id}\n{revision}\n".encode())
    for path in sorted(files):
        digest.update(f"{path}\0{files[path].oid}\n".encode())
    return digest.hexdigest()


def _directory_oids(files: Mapping[str, Blob]) -> dict[str, str]:
    lines: dict[str, list[str]] = {}
    for path, blob in files.items():
        parts = path.split("/")
        for depth in range(1, len(parts)):
            lines.setdefault("/".join(parts[:depth]), []).append(f"{path}\0{blob.oid}")
    return {d: hashlib.sha1("\n".join(sorted(v)).encode()).hexdigest() for d, v in lines.items()}


@dataclass(frozen=True)
class Revision:
    """One commit: the full tree of a branch at a point in time."""

    name: str
    sha: str
    files: Mapping[str, Blob]
    card_data: JsonDict | None
    dir_oids: Mapping[str, str]

    @classmethod
    def build(
        cls,
        repo_type: str,
        repo_id: str,
        name: str,
        contents: Mapping[str, FileContent],
        card_data: Mapping[str, Any] | None,
    ) -> Revision:
        blobs = {normalize_path(p): Blob.build(normalize_path(p), c) for p, c in contents.items()}
        files = dict(sorted(blobs.items()))
        if card_data is not None:
            card: JsonDict | None = copy.deepcopy(dict(card_data))
        elif "README.md" in files:
            card = parse_card_data(files["README.md"].data, label=f"{repo_id}@{name}:README.md")
        else:
            card = None
        sha = commit_sha(repo_type, repo_id, name, files)
        return cls(name, sha, files, card, _directory_oids(files))

    def entry(self, path: str) -> JsonDict | None:
        blob = self.files.get(path)
        if blob is not None:
            return blob.tree_entry()
        if path in self.dir_oids:
            return {"type": "directory", "oid": self.dir_oids[path], "size": 0, "path": path}
        return None

    def listing(self, path: str, recursive: bool) -> list[JsonDict] | None:
        """Tree entries under `path` ("" = root); None when `path` is not a directory."""
        if path and path not in self.dir_oids:
            return None
        prefix = f"{path}/" if path else ""
        paths = [p for p in (*self.dir_oids, *self.files) if p.startswith(prefix)]
        if not recursive:
            paths = [p for p in paths if "/" not in p[len(prefix) :]]
        return [entry for p in sorted(paths) if (entry := self.entry(p)) is not None]

    @property
    def used_storage(self) -> int:
        return sum(blob.size for blob in self.files.values())


def validate_repo_id(repo_id: str) -> None:
    parts = repo_id.split("/")
    if len(parts) > 2 or not all(_ID_PART.fullmatch(part) for part in parts):
        raise ValueError(f"invalid repo id: {repo_id!r}")


@dataclass(frozen=True)
class Repo:
    """A repository as served: its branches plus every commit it ever had (for pinned shas)."""

    repo_type: RepoType
    spec: RepoSpec
    branches: Mapping[str, Revision]
    history: Mapping[str, Revision]
    created_at: str
    last_modified: str
    approved: frozenset[str] = field(default_factory=frozenset)
    lfs: Mapping[str, Blob] = field(default_factory=dict)

    @property
    def repo_id(self) -> str:
        return self.spec.repo_id

    @property
    def main(self) -> Revision:
        return self.branches["main"]

    def resolve(self, revision: str) -> Revision | None:
        """A branch name, `refs/heads/<branch>`, a full sha or a unique sha prefix (>= 7)."""
        name = revision.removeprefix("refs/heads/")
        if name in self.branches:
            return self.branches[name]
        if revision in self.history:
            return self.history[revision]
        if _SHA_PREFIX.fullmatch(revision):
            found = [rev for sha, rev in self.history.items() if sha.startswith(revision)]
            if len(found) == 1:
                return found[0]
        return None

    def visible_to(self, token: str | None) -> bool:
        return not self.spec.private or token in self.approved

    def gate_open(self, token: str | None, path: str) -> bool:
        return self.spec.gated is None or token in self.approved or path in self.spec.gate_exempt

    def info(
        self,
        revision: Revision,
        *,
        blobs: bool = False,
        security_status: bool = False,
        expand: Collection[str] = (),
    ) -> JsonDict:
        """The `model_info`/`dataset_info` JSON for `revision`."""
        card = revision.card_data
        data: JsonDict = {
            "_id": hashlib.sha1(f"{self.repo_type}/{self.repo_id}".encode()).hexdigest()[:24],
            "id": self.repo_id,
        }
        if self.repo_type == "model":
            data["modelId"] = self.repo_id
        data.update(
            author=self.repo_id.split("/")[0] if "/" in self.repo_id else None,
            sha=revision.sha,
            lastModified=self.last_modified,
            createdAt=self.created_at,
            private=self.spec.private,
            gated=self.spec.gated or False,
            disabled=self.spec.disabled,
            downloads=0,
            likes=0,
            trendingScore=0,
            tags=derive_tags(card, self.repo_type),
        )
        if self.repo_type == "model" and card is not None:
            for key in ("library_name", "pipeline_tag"):
                if isinstance(card.get(key), str):
                    data[key] = card[key]
        if card is not None:
            data["cardData"] = card
        data["siblings"] = [blob.sibling(blobs) for blob in revision.files.values()]
        data["usedStorage"] = revision.used_storage
        if security_status:
            data["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": []}
        data.update(copy.deepcopy(dict(self.spec.info_override or {})))
        if expand:
            data = {key: value for key, value in data.items() if key in {"_id", "id", *expand}}
        return data

    def list_item(self, *, full: bool, card_data: bool, expand: Collection[str]) -> JsonDict:
        """One entry of `GET /api/models` (or datasets)."""
        info = self.info(self.main)
        if expand:
            return {key: value for key, value in info.items() if key in {"_id", "id", *expand}}
        keys = ["_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "createdAt"]
        if self.repo_type == "model":
            keys += ["pipeline_tag", "library_name", "modelId"]
        if full:
            keys += ["author", "sha", "lastModified", "gated", "disabled"]
        if card_data:
            keys.append("cardData")
        item = {key: info[key] for key in keys if key in info}
        if full:
            item["siblings"] = [blob.sibling(False) for blob in self.main.files.values()]
        return item


def build_repo(repo_type: RepoType, spec: RepoSpec, previous: Repo | None, now: str) -> Repo:
    """Precompute a repo from its spec; `previous` keeps the older commits resolvable by sha."""
    validate_repo_id(spec.repo_id)
    for name in ("card_data", "info_override"):
        try:
            json.dumps(getattr(spec, name), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"RepoSpec.{name} must be JSON-serializable: {exc}") from exc
    extra = dict(spec.branches or {})
    if "main" in extra:
        raise ValueError("RepoSpec.branches must not contain 'main' (use RepoSpec.files)")
    trees: dict[str, Mapping[str, FileContent]] = {"main": spec.files, **extra}
    branches = {
        name: Revision.build(repo_type, spec.repo_id, name, tree, spec.card_data)
        for name, tree in trees.items()
    }
    history = dict(previous.history) if previous is not None else {}
    history.update({rev.sha: rev for rev in branches.values()})
    changed = previous is None or previous.main.sha != branches["main"].sha
    return Repo(
        repo_type=repo_type,
        spec=spec,
        branches=branches,
        history=history,
        created_at=previous.created_at if previous is not None else now,
        last_modified=now if changed or previous is None else previous.last_modified,
        approved=frozenset(spec.approved_tokens),
        lfs=_lfs_index(history.values()),
    )


def _lfs_index(revisions: Iterable[Revision]) -> dict[str, Blob]:
    return {
        blob.lfs_sha256: blob
        for rev in revisions
        for blob in rev.files.values()
        if blob.lfs_sha256 is not None
    }
