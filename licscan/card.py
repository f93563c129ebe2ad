"""Model card front matter: the claims a README makes about its license and lineage."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Mapping
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
    plain, changed = plain_card_data(data)
    if changed:
        return Card(plain, body, body_line, "front matter: " + "; ".join(changed), 2)
    return Card(plain, body, body_line)


_MAX_PLAIN_DEPTH = 64


def plain_card_data(data: Mapping[Any, Any]) -> tuple[dict[str, Any], list[str]]:
    """Card metadata as plain JSON types (str keys; str, int, finite float, bool, None, lists
    and mappings), so that no later stage or report meets a YAML-only type. Binary values,
    sets, non-finite numbers and other objects become strings or lists; dates become ISO
    strings. Returns the data and what was changed (for a `card-invalid` finding)."""
    changed: list[str] = []
    out = _plain(data, "", changed, 0)
    assert isinstance(out, dict)
    return out, changed[:5] + ([f"{len(changed) - 5} more"] if len(changed) > 5 else [])


def _plain(value: Any, where: str, changed: list[str], depth: int) -> Any:
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        changed.append(f"{_where(where)} is not a finite number; read as text")
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if depth >= _MAX_PLAIN_DEPTH:
        changed.append(f"{_where(where)} is nested too deeply; not read")
        return None
    if isinstance(value, (bytes, bytearray)):
        changed.append(f"{_where(where)} is a binary value (!!binary); read as text")
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = key if isinstance(key, str) else str(_plain(key, where, changed, depth + 1))
            if not isinstance(key, str) and where == "":
                changed.append(f"key {name!r} is not a string")
            out[name] = _plain(item, f"{where}.{name}" if where else name, changed, depth + 1)
        return out
    if isinstance(value, (set, frozenset)):
        changed.append(f"{_where(where)} is a set (!!set); read as a list")
        return sorted(str(_plain(v, where, changed, depth + 1)) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]", changed, depth + 1) for i, v in enumerate(value)]
    changed.append(f"{_where(where)} has an unsupported type ({type(value).__name__}); "
                   "read as text")
    return str(value)


def _where(where: str) -> str:
    return f"value of {where!r}" if where else "value"


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


_TERMS_HEADING = re.compile(
    r"^#{1,6}[ \t]*(?P<title>[^\n]*?(?:licen[cs]|terms|usage|\buses?\b|restrict|permitted"
    r"|prohibited|commercial|legal)[^\n]*)$",
    re.IGNORECASE | re.MULTILINE)
MAX_SECTIONS = 12
_CODE_BLOCK = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?^[ \t]*\1[ \t]*$",
                         re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Section:
    title: str
    text: str
    line: int  # 0-based line offset of the text in the body
    cut: bool = False  # longer than max_chars: only its start is in `text`


def terms_sections(body: str, max_chars: int = 8000) -> list[Section]:
    """Sections of a README body whose heading is about licensing, terms, usage or
    restrictions ('## License', '## Terms of Use', '## Usage', '### Out-of-scope use' ...),
    at most MAX_SECTIONS of them (`unread_terms_sections` gives the others).
    Fenced code is blanked out first (a comment in an example is neither heading nor term)."""
    return _terms_sections(body, max_chars, MAX_SECTIONS)


def unread_terms_sections(body: str) -> list[Section]:
    """The license, terms or usage sections past MAX_SECTIONS: `terms_sections` does not
    give them, so a license text or reference there is not identified."""
    return _terms_sections(body, 0, None)[MAX_SECTIONS:]


def _terms_sections(body: str, max_chars: int, limit: int | None) -> list[Section]:
    body = _CODE_BLOCK.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    out: list[Section] = []
    for match in _TERMS_HEADING.finditer(body):
        start = match.end()
        following = _ANY_HEADING.search(body, start)
        end = following.start() if following else len(body)
        text = body[start:end].strip("\n")
        if text.strip():
            out.append(Section(match.group("title").strip()[:120], text[:max_chars],
                               body.count("\n", 0, start) + 1, len(text) > max_chars))
        if limit is not None and len(out) >= limit:
            break
    return out


_RESTRICTION = re.compile(
    r"\bnon[-\s]?commercial\b"
    r"|\bnot\s+(?:be\s+)?(?:used\s+)?(?:for|in)\s+(?:any\s+)?commercial\b"
    r"|\bno\s+commercial\s+(?:use|usage|purposes?)\b"
    r"|\bcommercial\s+(?:use|usage|purposes?|deployment)\s+(?:is|are)\s+(?:strictly\s+)?"
    r"(?:not\s+(?:permitted|allowed)|prohibited|forbidden|not\s+granted)\b"
    r"|\bprohibits?\s+(?:any\s+)?commercial\b"
    r"|\b(?:academic|research|educational|personal|evaluation)"
    r"(?:\s+(?:and|or|&)\s+(?:academic|research|educational|personal|evaluation))?"
    r"\s+(?:purposes?\s+|use\s+|usage\s+)?only\b"
    r"|\bonly\s+(?:for|to\s+be\s+used\s+for)\s+(?:non[-\s]?commercial|academic|research"
    r"|personal|educational|evaluation)\b"
    # "you cannot use these weights commercially", "never use this model commercially"
    r"|\b(?:cannot|can\s*not|can't|may\s+not|must\s+not|shall\s+not|should\s+not|never"
    r"|do\s+not|don't|not\s+to)\s+(?:be\s+)?(?:\w+\s+){0,6}commercially\b"
    r"|\bnot\s+(?:be\s+)?(?:used|deployed|offered|sold|exploited)\s+commercially\b",
    re.IGNORECASE)
_BOTH_WAYS = re.compile(r"\bcommercial\s+(?:and|or|&|as\s+well\s+as)\s+non[-\s]?commercial"
                        r"|\bnon[-\s]?commercial\s+(?:and|or|&|as\s+well\s+as)\s+commercial",
                        re.IGNORECASE)
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[^\s]))*(?:[.!?]+|\n|$)")


def restricts_narrowly(sentence: str) -> bool:
    """Whether a sentence limits commercial use in so many words ("non-commercial",
    "research only", "not for commercial use" ...)."""
    return bool(_RESTRICTION.search(_BOTH_WAYS.sub(" ", " ".join(sentence.split()))))


# A sentence of a card's body restricts use when licscan's qualifier detection
# (licscan.identify.qualify, which finds the passages that make a license custom) finds a
# limit on use in it, and it speaks of a field of use with a limiting word. Other
# prohibitions ("should not be used to generate harmful content") are use policies, not a
# limit on commercial use, and are left to the license's own terms.
_FIELD_HINT = re.compile(r"commerc|research|academic|personal|educational|evaluation|profit",
                         re.IGNORECASE)
_FIELD_WORDS = frozenset({"commercial", "commercially", "noncommercial", "noncommercially",
                          "research", "academic", "personal", "educational", "evaluation",
                          "nonprofit", "profit"})
_LIMIT_WORDS = frozenset({"only", "solely", "exclusively", "not", "no", "never", "cannot",
                          "cant", "dont", "mustnt", "restricted", "limited", "prohibited",
                          "forbidden", "requires", "required", "require"})


_CREDIT_WORDS = frozenset({"attribution", "attribute", "credit", "cite", "citation",
                           "acknowledge", "acknowledgement", "acknowledgment"})
_DUTY_WORDS = frozenset({"requires", "required", "require"})
# (canonical tokens) "use is restricted to research and evaluation"
_LIMITED_TO = re.compile(r"\b(?:restricted|limited|confined) to (?:\w+ ){0,3}(?:research|academic"
                         r"|noncommercial|personal|educational|evaluation|nonprofit)\b")


def restricts_use(sentence: str) -> bool:
    """Whether a sentence of a card's body limits commercial use or the field of use
    ("may only be used for research", "you may not use this model for commercial purposes",
    "commercial use requires a separate license")."""
    if restricts_narrowly(sentence):
        return True
    if not _FIELD_HINT.search(sentence):
        return False
    from licscan.identify import qualify
    from licscan.identify.normalize import words

    tokens = words(sentence)
    present = set(tokens)
    limits = present & _LIMIT_WORDS
    if not present & _FIELD_WORDS or not limits or qualify.is_scope(tokens):
        return False
    if present & _CREDIT_WORDS and not limits - _DUTY_WORDS:
        return False  # "commercial use requires attribution": a duty, not a limit
    reasons = {q.reason for q in qualify.find(tokens)}
    return bool(reasons & _use_limits()) or bool(_LIMITED_TO.search(" ".join(tokens)))


def _use_limits() -> frozenset[str]:
    from licscan.identify import qualify

    return qualify.NONCOMMERCIAL | {qualify.FIELD_OF_USE, "prohibits a use",
                                    "requires another license", "requires permission"}


def mentions_restriction(text: str) -> bool:
    """Whether a text limits commercial use somewhere (non-commercial, research only ...)."""
    return bool(_RESTRICTION.search(_BOTH_WAYS.sub(" ", " ".join(text.split()))))


@dataclass(frozen=True)
class Restriction:
    """A passage of a card that restricts use (non-commercial, research only ...)."""

    section: str
    text: str  # the sentence, quoted
    line: int  # 0-based line offset in the body


def restrictions(body: str) -> list[Restriction]:
    """Sentences of the card's body that limit commercial use: in its license, terms and
    usage sections first, then anywhere else outside fenced code ("Research use only." under
    the title is a restriction too)."""
    found: list[Restriction] = []
    blanked = _CODE_BLOCK.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    for section in [*terms_sections(body), Section("", blanked, 0)]:
        for quote, line in restricting_sentences(section.text, restricts_use):
            if all(r.text != quote for r in found):
                heading = section.title or _heading_above(blanked, line)
                found.append(Restriction(heading, quote, section.line + line))
            if len(found) >= 5:
                return found
    return found


def restricting_sentences(text: str, test: Callable[[str], bool] | None = None,
                          ) -> list[tuple[str, int]]:
    """(quoted sentence, 0-based line) for each sentence of `text` that limits commercial
    use (`test`: default `restricts_narrowly`)."""
    out: list[tuple[str, int]] = []
    for sentence in _SENTENCE.finditer(text):
        value = sentence.group(0)
        if not (test or restricts_narrowly)(value):
            continue
        quote = " ".join(value.split())[:240]
        if quote:
            out.append((quote, text.count("\n", 0, sentence.start())))
    return out


def _heading_above(body: str, line: int) -> str:
    lines = body.splitlines()[:line + 1]
    for text in reversed(lines):
        if _ANY_HEADING.match(text):
            return text.lstrip("#").strip()[:120]
    return ""


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
        return CardRead(card.data, card.problem, card.problem_line)
    if card is not None:
        return CardRead(None, card.problem, card.problem_line)
    if readme.status != "ok":
        return CardRead(None, f"README.md {readme.status}: {readme.reason}")
    return CardRead(None)
