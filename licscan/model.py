"""Plain data passed between the pipeline stages. Frozen; no behaviour beyond small helpers.

references (ModelRef) -> sources (Snapshot) -> evidence (Evidence) -> conclusion
(LicenseConclusion, Flags, Finding) -> verdict -> report (ModelResult, ScanResult).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VERDICTS = ("allow", "review", "deny")
SEVERITIES = ("info", "review", "deny")


@dataclass(frozen=True)
class Origin:
    """Where a target was named: a manifest file and line, or the command line."""

    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class ModelRef:
    """A model to scan, as the user named it."""

    kind: str  # "hub" | "local"
    target: str  # the text the user gave
    repo_id: str | None = None
    revision: str | None = None  # requested revision (branch, tag or sha); None = default branch
    path: str | None = None  # local directory
    origin: Origin = dataclasses.field(default_factory=Origin)
    repo_type: str = "model"  # "model" | "dataset"

    @property
    def display_id(self) -> str:
        """The Hub id, or the local folder as the user named it."""
        return self.repo_id or self.target or self.path or ""


@dataclass(frozen=True)
class FileBlob:
    """A file read from a snapshot. `text` is None when it could not be decoded or was too large."""

    path: str
    size: int
    sha256: str | None
    data: bytes | None
    status: str = "ok"  # "ok" | "too-large" | "unreadable" | "gated" | "outside-root" | "missing"
    reason: str | None = None
    truncated: bool = False  # status "ok" but only the head of the file was read
    found_by: str = "name"  # "name" (or the card's license_link) | "content" (a probe)


@dataclass(frozen=True)
class Snapshot:
    """Everything licscan reads of one model at one revision."""

    ref: ModelRef
    source: str  # "hub" | "local"
    revision: str | None  # resolved commit sha (hub), snapshot sha or None (local folder)
    card_data: Mapping[str, Any] | None  # Hub cardData (server-side parse) or parsed front matter
    card_data_origin: str  # "model-info" | "README.md" | "none"
    readme: FileBlob | None
    files: tuple[FileBlob, ...]  # license-related files, in a stable order
    listing: tuple[str, ...] = ()  # every path in the repo (names only)
    gated: str | None = None  # None | "auto" | "manual"
    private: bool = False
    tags: tuple[str, ...] = ()  # Hub-derived tags (base_model:..., license:...)
    notes: tuple[str, ...] = ()  # things worth reporting about the fetch itself
    card_problem: str | None = None  # why the README front matter could not be read
    card_problem_line: int | None = None
    #: what a cap (files, bytes, folder entries, depth) left unread: each is a review finding
    unread: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """A fact with its provenance: which field or file, at which revision, which line."""

    kind: str  # "card-field" | "license-file" | "notice-file" | "use-policy-file" | "readme-text"
    source: str  # "hub" | "local"
    revision: str | None
    field: str | None = None  # card field name for card-field evidence
    path: str | None = None  # file path for file evidence
    line: int | None = None
    value: str | None = None  # the field value or a short identification summary
    sha256: str | None = None
    detail: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "info" | "review" | "deny"
    message: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Declared:
    license: str | list[str] | None = None
    license_name: str | None = None
    license_link: str | None = None


@dataclass(frozen=True)
class LicenseConclusion:
    expression: str | None  # SPDX expression; None when nothing could be concluded
    name: str | None
    confidence: int  # 0-100
    status: str  # "resolved" | "unresolved"
    rule_ids: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class Flags:
    commercial_use: str = "unknown"
    modification: str = "unknown"
    distribution: str = "unknown"
    attribution: bool = False
    share_alike: bool = False
    acceptable_use_policy: bool = False


@dataclass(frozen=True)
class ModelError:
    kind: str
    message: str


@dataclass(frozen=True)
class ModelResult:
    ref: ModelRef
    status: str  # "ok" | "error"
    source: str
    revision: str | None
    verdict: str
    declared: Declared = dataclasses.field(default_factory=Declared)
    license: LicenseConclusion | None = None
    flags: Flags = dataclasses.field(default_factory=Flags)
    findings: tuple[Finding, ...] = ()
    error: ModelError | None = None
    gated: str | None = None
    verdict_reason: str | None = None
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        return self.ref.display_id


@dataclass(frozen=True)
class ScanResult:
    models: tuple[ModelResult, ...]
    tool_version: str
    rulepack: Mapping[str, str]
    generated_at: str | None = None  # ISO timestamp (SOURCE_DATE_EPOCH when set)
    context: Mapping[str, Any] | None = None  # the user's context (use, users, regions ...)
    config_file: str | None = None
    stats: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)
