"""What identification returns: one match per license text found, or the closest candidates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from licscan.record import Record

IDENTIFIED = "identified"
MODIFIED = "modified"
UNKNOWN = "unknown"


@dataclass(frozen=True, eq=False, repr=False)
class Difference(Record):
    kind: str  # "added" | "removed" | "changed"
    text: str  # passage of the scanned text (added/changed) or a description (removed)
    line: int | None  # line in the scanned text
    guarded: bool  # touches a version, number or guard word
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "line": self.line,
                "guarded": self.guarded, "reason": self.reason}


@dataclass(frozen=True, eq=False, repr=False)
class Candidate(Record):
    rule_id: str
    score: float  # similarity in percent, 0-100

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "score": self.score}


@dataclass(frozen=True, eq=False, repr=False)
class Qualifier(Record):
    """A passage that adds, removes or qualifies the terms of a license the text refers to
    ("Apache 2.0 with the following additional restrictions: ..."). A text with qualifiers
    is a custom license: it is never concluded as `base`."""

    base: str | None  # rule id of the license referred to, when one is named
    text: str  # the qualifying passage, quoted from the scanned text
    line: int | None  # line of the passage in the scanned text
    reason: str  # what it does, e.g. "adds restrictions: non-commercial, research only"

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "text": self.text, "line": self.line, "reason": self.reason}


@dataclass(frozen=True, eq=False, repr=False)
class TextMatch(Record):
    rule_id: str
    expression_id: str
    name: str
    version: str | None
    status: str  # "identified" | "modified"
    confidence: int  # 0-100
    matcher: str  # "exact" | "fingerprint" | "reference" | "title"
    lines: tuple[int, int] | None  # 1-based line span in the scanned text
    differences: tuple[Difference, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "expression": self.expression_id, "name": self.name,
                "version": self.version, "status": self.status, "confidence": self.confidence,
                "matcher": self.matcher, "lines": list(self.lines) if self.lines else None,
                "differences": [d.to_dict() for d in self.differences]}


@dataclass(frozen=True, eq=False, repr=False)
class TextIdentification(Record):
    status: str  # "identified" | "modified" | "unknown"
    matches: tuple[TextMatch, ...] = ()
    alternatives: tuple[Candidate, ...] = ()
    reason: str | None = None
    # set for a custom license built on a known one; status is then "unknown"
    qualifiers: tuple[Qualifier, ...] = ()

    @property
    def expression(self) -> str | None:
        if not self.matches:
            return None
        return " AND ".join(dict.fromkeys(m.expression_id for m in self.matches))

    @property
    def license(self) -> dict[str, Any] | None:
        """The license(s) found, in one summary: several texts are joined with AND."""
        if not self.matches:
            return None
        first = self.matches[0]
        weakest = min(self.matches, key=lambda m: m.confidence)
        return {"expression": self.expression,
                "name": " AND ".join(dict.fromkeys(m.name for m in self.matches)),
                "version": first.version if len(self.matches) == 1 else None,
                "confidence": weakest.confidence, "matcher": weakest.matcher}

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "expression": self.expression, "license": self.license,
                "matches": [m.to_dict() for m in self.matches],
                "alternatives": [c.to_dict() for c in self.alternatives],
                "reason": self.reason,
                "qualifiers": [q.to_dict() for q in self.qualifiers]}


def overall_status(matches: tuple[TextMatch, ...]) -> str:
    if not matches:
        return UNKNOWN
    return MODIFIED if any(m.status == MODIFIED for m in matches) else IDENTIFIED
