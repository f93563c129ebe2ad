"""Evidence with provenance, read from a snapshot: card fields, license files, README text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from licscan.evidence.card import decode_text, parse_card, restrictions, terms_sections
from licscan.model import CardOrigin, Evidence, FileBlob, Snapshot, TextRead
from licscan.rulepack import RulePack

if TYPE_CHECKING:  # the identification engine is passed in (`Identifier`), not imported
    from licscan.identify.result import TextIdentification

CARD_FIELDS = ("license", "license_name", "license_link")
Identifier = Callable[[bytes, RulePack, str], "TextIdentification"]
TextIdentifier = Callable[[str, RulePack, str], "TextIdentification"]


@dataclass(frozen=True)
class FileEvidence:
    blob: FileBlob
    evidence: Evidence
    identification: TextIdentification | None  # None when the file was not readable
    #: a README section: `terms_digest` of its text (what the LicenseRef of the terms it holds
    #: is named by, so that conclude never reads the README again); None for a file, and for
    #: a section too long to be read whole (its terms are then named by the whole README)
    section_digest: str | None = None


def text_digest(text: str) -> str:
    """The SHA-256 (hex) of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def terms_digest(text: str) -> str:
    """The digest of a text with its whitespace collapsed: the same terms however wrapped."""
    return text_digest(" ".join(text.split()))


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
            detail=CardOrigin(snapshot.card_data_origin)))
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
        detail = TextRead(identification) if identification is not None else \
            TextRead(status=blob.status, reason=blob.reason)
        if blob.found_by != "name" or blob.truncated:
            detail = replace(detail, found_by=blob.found_by, truncated=blob.truncated)
        out.append(FileEvidence(blob, Evidence(
            kind=file_kind(blob.path), source=snapshot.source, revision=snapshot.revision,
            path=blob.path, value=summary, sha256=blob.sha256, detail=detail), identification))
    return out


_LICENSE_TITLE = re.compile(r"licen[cs]|terms|legal|commercial|restrict", re.IGNORECASE)


def readme_evidence(snapshot: Snapshot, pack: RulePack,
                    identify_text: TextIdentifier) -> list[FileEvidence]:
    """The README's license and terms sections ('License', 'Terms of Use', ...), each
    identified (a reference is weak evidence; a full text or a custom license counts)."""
    text = readme_text(snapshot)
    if text is None or snapshot.readme is None:
        return []
    card = parse_card(text)
    out = []
    for section in terms_sections(card.body):
        if not _LICENSE_TITLE.search(section.title):
            continue
        identification = identify_text(section.text, pack, "README.md")
        if not identification.matches and not identification.qualifiers:
            continue
        out.append(FileEvidence(snapshot.readme, Evidence(
            kind="readme-text", source=snapshot.source, revision=snapshot.revision,
            path="README.md", line=card.body_first_line + section.line,
            value=_summary(identification), sha256=snapshot.readme.sha256,
            detail=TextRead(identification, section=section.title)), identification,
            None if section.cut else terms_digest(section.text)))
    return out


def card_restrictions(snapshot: Snapshot) -> list[Evidence]:
    """Passages of the card body that limit commercial use (its license, terms and usage
    sections first, then the rest outside fenced code), as evidence quoting each passage."""
    text = readme_text(snapshot)
    if text is None or snapshot.readme is None:
        return []
    card = parse_card(text)
    return [Evidence(kind="readme-text", source=snapshot.source, revision=snapshot.revision,
                     path="README.md", line=card.body_first_line + r.line, value=r.text,
                     sha256=snapshot.readme.sha256, detail=TextRead(section=r.section))
            for r in restrictions(card.body)]


def _summary(identification: TextIdentification) -> str:
    matches = identification.matches
    if not matches:
        reason = identification.reason
        return f"{identification.status}" + (f": {reason}" if reason else "")
    parts = [f"{m.rule_id} ({m.status}, {m.matcher}, {m.confidence})" for m in matches]
    return "; ".join(parts)
