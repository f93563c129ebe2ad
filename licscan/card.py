"""Model card front matter: the claims a README makes about its license and lineage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from licscan.model import FileBlob

from licscan import safeyaml

# Same shape as the Hub's own front-matter regex (huggingface_hub REGEX_YAML_BLOCK).
_FRONT_MATTER = re.compile(
    r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
_UNTERMINATED = re.compile(r"^\s*---[ \t]*(?:\r\n|\r|\n)")


@dataclass(frozen=True)
class Card:
    data: dict[str, Any] | None
    body: str
    body_first_line: int  # 1-based line where the body starts
    problem: str | None = None
    problem_line: int | None = None


def decode_text(data: bytes) -> str | None:
    """Decode a text file the way editors do: BOMs first, then UTF-8; None for binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff")
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_card(text: str) -> Card:
    match = _FRONT_MATTER.match(text)
    if not match:
        if _UNTERMINATED.match(text):
            return Card(None, text, 1, "front matter has no closing '---' line", 1)
        return Card(None, text, 1)
    body_line = text.count("\n", 0, match.end()) + 1
    body = text[match.end():]
    yaml_text = match.group(2)
    try:
        data = safeyaml.load(yaml_text)
    except safeyaml.YamlProblem as exc:
        line = exc.line + 1 if exc.line is not None else None  # +1 for the opening '---'
        return Card(None, body, body_line, f"front matter: {exc.message}", line)
    if data is None:
        return Card({}, body, body_line)
    if not isinstance(data, dict):
        return Card(None, body, body_line, "front matter is not a mapping", 2)
    return Card({str(k): v for k, v in data.items()}, body, body_line)


_LICENSE_HEADING = re.compile(r"^#{1,6}\s*(licen[cs]e|licensing|terms of use)\b.*$",
                              re.IGNORECASE | re.MULTILINE)
_ANY_HEADING = re.compile(r"^#{1,6}\s", re.MULTILINE)


def license_section(body: str, max_chars: int = 8000) -> tuple[str, int] | None:
    """The text under a README 'License' heading and its 0-based line offset in the body."""
    match = _LICENSE_HEADING.search(body)
    if not match:
        return None
    start = match.end()
    following = _ANY_HEADING.search(body, start)
    end = following.start() if following else len(body)
    section = body[start:end].strip("\n")
    if not section.strip():
        return None
    return section[:max_chars], body.count("\n", 0, start) + 1


@dataclass(frozen=True)
class CardRead:
    """The card metadata read from a README, or why there is none."""

    data: dict[str, Any] | None
    problem: str | None = None
    problem_line: int | None = None


def card_from_readme(readme: FileBlob, text: str | None) -> CardRead:
    """`text` is the README's decoded text (or, for an over-size README, its head)."""
    card = parse_card(text) if text is not None else None
    if card is not None and card.data is not None:
        return CardRead(card.data)
    if card is not None:
        return CardRead(None, card.problem, card.problem_line)
    if readme.status != "ok":
        return CardRead(None, f"README.md {readme.status}: {readme.reason}")
    return CardRead(None)
