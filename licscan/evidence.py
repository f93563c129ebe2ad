"""Evidence with provenance, read from a snapshot: card fields, license files, README text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from licscan.card import decode_text, license_section, parse_card
from licscan.model import Evidence, FileBlob, Snapshot
from licscan.rulepack import RulePack

CARD_FIELDS = ("license", "license_name", "license_link")
Identifier = Callable[[bytes, RulePack, str], Any]  # -> licscan.identify.TextIdentification
TextIdentifier = Callable[[str, RulePack, str], Any]


@dataclass(frozen=True)
class FileEvidence:
    blob: FileBlob
    evidence: Evidence
    identification: Any | None  # TextIdentification, None when the file was not readable


def file_kind(path: str) -> str:
    name = PurePosixPath(path).name.lower()
    if name.startswith("notice"):
        return "notice-file"
    if "use_policy" in name or "use-policy" in name or "acceptable" in name:
        return "use-policy-file"
    return "license-file"


def readme_text(snapshot: Snapshot) -> str | None:
    readme = snapshot.readme
    if readme is None or readme.data is None:
        return None
    return decode_text(readme.data)


def _field_lines(text: str | None) -> dict[str, int]:
    """Line numbers of top-level front-matter keys in README text."""
    if not text or not text.lstrip().startswith("---"):
        return {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines()[1:400], start=2):
        if line.strip() == "---":
            break
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def card_evidence(snapshot: Snapshot) -> list[Evidence]:
    data = snapshot.card_data or {}
    text = readme_text(snapshot)
    lines = _field_lines(text)
    out = []
    for name in CARD_FIELDS:
        if name not in data or data[name] in (None, ""):
            continue
        value = data[name]
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        from_readme = snapshot.card_data_origin == "README.md" or name in lines
        out.append(Evidence(
            kind="card-field", source=snapshot.source, revision=snapshot.revision, field=name,
            path="README.md" if from_readme and snapshot.readme else None,
            line=lines.get(name), value=shown[:500],
            detail={"origin": snapshot.card_data_origin}))
    return out


def file_evidence(snapshot: Snapshot, pack: RulePack, identify: Identifier) -> list[FileEvidence]:
    out = []
    for blob in snapshot.files:
        identification = None
        if blob.status == "ok" and blob.data is not None:
            identification = identify(blob.data, pack, blob.path)
            summary = _summary(identification)
        else:
            summary = f"{blob.status}: {blob.reason}"
        out.append(FileEvidence(blob, Evidence(
            kind=file_kind(blob.path), source=snapshot.source, revision=snapshot.revision,
            path=blob.path, value=summary, sha256=blob.sha256,
            detail=identification.to_dict() if identification is not None else
            {"status": blob.status, "reason": blob.reason}), identification))
    return out


def readme_evidence(snapshot: Snapshot, pack: RulePack,
                    identify_text: TextIdentifier) -> FileEvidence | None:
    """The README's 'License' section, identified by reference (weak evidence)."""
    text = readme_text(snapshot)
    if text is None or snapshot.readme is None:
        return None
    card = parse_card(text)
    section = license_section(card.body)
    if section is None:
        return None
    body, offset = section
    identification = identify_text(body, pack, "README.md")
    if not getattr(identification, "matches", ()):
        return None
    return FileEvidence(snapshot.readme, Evidence(
        kind="readme-text", source=snapshot.source, revision=snapshot.revision,
        path="README.md", line=card.body_first_line + offset, value=_summary(identification),
        sha256=snapshot.readme.sha256, detail=identification.to_dict()), identification)


def _summary(identification: Any) -> str:
    matches = getattr(identification, "matches", ())
    if not matches:
        reason = getattr(identification, "reason", None)
        return f"{identification.status}" + (f": {reason}" if reason else "")
    parts = [f"{m.rule_id} ({m.status}, {m.matcher}, {m.confidence})" for m in matches]
    return "; ".join(parts)
