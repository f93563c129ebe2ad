"""What discovery finds: model references with the place they were named, and per-item errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# kinds of reference
HUB = "hub"  # a Hub model id (owner/name, or a legacy one-part name)
OLLAMA = "ollama"  # an Ollama library or registry model (name:tag)
LOCAL = "local"  # a local folder or weight file named in code or config
UNRESOLVED = "unresolved"  # built from variables or calls we cannot evaluate
KINDS = (HUB, OLLAMA, LOCAL, UNRESOLVED)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: path as shown to the user, 1-based line and column (None if unknown)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Reference:
    """One model named somewhere.

    `value` is the repo id (hub), name:tag (ollama), path (local) or the source text of the
    expression (unresolved). `pattern` says how it was found (e.g. "from_pretrained",
    "vllm-serve", "modelfile-from", "hub-url"); `role` is "model", "adapter", "tokenizer" or
    "base-model"."""

    kind: str
    value: str
    origin: Location
    pattern: str
    revision: str | None = None
    subfolder: str | None = None
    role: str = "model"
    notes: tuple[str, ...] = ()
    detail: tuple[tuple[str, str], ...] = ()  # small extra facts (e.g. ("quantization", "Q4_K_M"))

    def sort_key(self) -> tuple[Any, ...]:
        return (self.origin.file, self.origin.line or 0, self.origin.column or 0, self.kind,
                self.value, self.revision or "", self.role, self.pattern)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "value": self.value, "pattern": self.pattern,
                               "role": self.role, "file": self.origin.file,
                               "line": self.origin.line, "column": self.origin.column}
        if self.revision is not None:
            out["revision"] = self.revision
        if self.subfolder is not None:
            out["subfolder"] = self.subfolder
        if self.notes:
            out["notes"] = list(self.notes)
        if self.detail:
            out["detail"] = dict(self.detail)
        return out


@dataclass(frozen=True)
class ItemError:
    """A file (or part of one) that could not be read; the walk went on."""

    origin: Location
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass(frozen=True)
class WeightFile:
    """A weight file found in the tree, with what its header claims (no tensor read)."""

    origin: Location
    format: str  # "gguf" | "safetensors" | "onnx"
    size: int
    claims: tuple[tuple[str, str], ...] = ()  # license, license_name, license_link, name, ...
    base_models: tuple[str, ...] = ()  # Hub ids the header names as base models

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.origin.file, "format": self.format, "size": self.size,
                "claims": dict(self.claims), "base_models": list(self.base_models)}


@dataclass(frozen=True)
class Discovery:
    """Everything one `discover` run found, in a stable order."""

    references: tuple[Reference, ...]
    weights: tuple[WeightFile, ...] = ()
    errors: tuple[ItemError, ...] = ()
    files_read: int = 0
    skipped: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # (path, why)
