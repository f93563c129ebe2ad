"""Which files of a model repository carry license evidence, and how much of them to read."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from licscan.model import FileBlob

MAX_FILE_BYTES = 1 << 20  # a license text is a few dozen KiB; anything bigger is reported
MAX_LICENSE_FILES = 16

_LICENSE_NAME = re.compile(
    r"^(licen[cs]e|copying|notice|use[_-]?policy|acceptable[_-]?use|model[_-]?licen[cs]e"
    r"|licen[cs]e[_-].*|.*[_-]licen[cs]e)(\.(md|txt|rst|markdown|html?))?$|"
    r"^(licen[cs]e|copying|notice|use_policy)[._-].*$",
    re.IGNORECASE,
)
_WEIGHT_SUFFIXES = {".safetensors", ".bin", ".gguf", ".pt", ".pth", ".onnx", ".ckpt", ".h5",
                    ".msgpack", ".pkl", ".pickle", ".npz", ".npy", ".tflite", ".mlmodel", ".zip",
                    ".tar", ".gz", ".parquet", ".arrow"}


def is_license_file(path: str) -> bool:
    pure = PurePosixPath(path)
    if pure.suffix.lower() in _WEIGHT_SUFFIXES:
        return False
    return bool(_LICENSE_NAME.match(pure.name))


def _rank(path: str) -> tuple[int, int, str]:
    depth = path.count("/")
    name = PurePosixPath(path).name.lower()
    order = 0 if name.startswith(("license", "licence")) else 1 if "license" in name else 2
    return depth, order, path


def license_link_path(link: object) -> str | None:
    """A repo-relative license_link (e.g. 'LICENSE.md'), or None for URLs and odd values."""
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE) or link.startswith("//"):
        return None
    link = link.lstrip("./")
    if not link or ".." in PurePosixPath(link).parts or link.startswith("/"):
        return None
    return link


def select_license_files(listing: Iterable[str], license_link: object = None) -> list[str]:
    """License-related paths of a repo, most relevant first, capped."""
    paths = set(listing)
    chosen = sorted((p for p in paths if is_license_file(p)), key=_rank)[:MAX_LICENSE_FILES]
    linked = license_link_path(license_link)
    if linked and linked in paths and linked.lower() != "readme.md":
        chosen = [linked, *(p for p in chosen if p != linked)][:MAX_LICENSE_FILES]
    return chosen


def make_blob(path: str, data: bytes, size: int | None = None) -> FileBlob:
    return FileBlob(path=path, size=len(data) if size is None else size,
                    sha256=hashlib.sha256(data).hexdigest(), data=data)


def too_large(path: str, size: int, limit: int = MAX_FILE_BYTES) -> FileBlob:
    return FileBlob(path=path, size=size, sha256=None, data=None, status="too-large",
                    reason=f"{size} bytes exceeds the {limit}-byte limit for license files")
