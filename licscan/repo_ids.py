"""Hub repository ids and revisions: what is valid, checked before anything is fetched.

A leaf module (it imports only the error family), so that targets, discovery and the weight-file
readers can all use it without importing one another.
"""

from __future__ import annotations

import re

from licscan.errors import UsageError

_REPO_PART = re.compile(r"^[A-Za-z0-9_][\w.\-]{0,95}$")
_REVISION = re.compile(r"^[\w.\-/]{1,256}$")


def validate_repo_id(repo_id: str) -> str:
    parts = repo_id.split("/")
    if len(parts) > 2 or not all(_REPO_PART.match(p) for p in parts):
        raise UsageError(f"not a valid Hub repository id: {escaped(repo_id)!r}",
                         hint="expected owner/name with letters, digits, '-', '_' or '.'")
    if "--" in repo_id or ".." in repo_id or repo_id.endswith(".git"):
        raise UsageError(f"not a valid Hub repository id: {escaped(repo_id)!r}",
                         hint="'--', '..' and a '.git' suffix are not allowed in repo ids")
    return repo_id


def is_repo_id(text: str) -> bool:
    try:
        validate_repo_id(text)
    except UsageError:
        return False
    return True


def validate_revision(revision: str) -> str:
    if not _REVISION.match(revision) or ".." in revision or revision.startswith("/"):
        raise UsageError(f"not a valid revision: {escaped(revision)!r}",
                         hint="a branch, tag or commit sha (letters, digits, '.', '-', '_', '/')")
    return revision


def escaped(text: str) -> str:
    """`text` for an error message: control characters as escapes, at most 200 characters."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)[:200]
