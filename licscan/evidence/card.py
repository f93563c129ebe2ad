"""A model card: its front matter (the claims a README makes about its license and lineage),
the license and terms sections of its body, and the sentences there that limit commercial use
(read sentence by sentence here, a question joined to its answer; what a sentence's wording
says is licscan.evidence.wording's)."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from licscan.model import FileBlob

from licscan import safeyaml
from licscan.evidence.markdown import (
    ATX,
    PARAGRAPH_BREAK,
    SETEXT_RULE,
    Markdown,
    blank_code,
    parse_markdown,
)
from licscan.evidence.wording import answer_denies, answer_to, restricts_use, section_test
from licscan.evidence.wording import (  # mentions_restriction: conclude.py reads it from here
    mentions_restriction as mentions_restriction,
)

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


# --- Sections of the body (licscan.evidence.markdown gives its block structure) ------------


def license_section(body: str, max_chars: int = 65536) -> tuple[str, int] | None:
    """The text under a README 'License' heading and its 0-based line offset in the body."""
    md = parse_markdown(body)
    for i, heading in enumerate(md.headings):
        if _LICENSE_TITLE.match(heading.title):
            section = _section(md, i, read_code=True)
            if section is None:
                return None
            text, line = section
            return text[:max_chars], line
    return None


_LICENSE_TITLE = re.compile(r"(?:licen[cs]e|licensing|terms of use)\b", re.IGNORECASE)
_TERMS_TITLE = re.compile(r"licen[cs]|terms|usage|\buses?\b|restrict|permitted|prohibited"
                          r"|commercial|legal", re.IGNORECASE)
# Sections whose fenced content is read: a license text or terms set in a code block are
# still terms (a '## Usage' section's code examples are not).
_CODE_IS_TERMS = re.compile(r"licen[cs]|terms|legal|commercial|restrict|permitted|prohibited",
                            re.IGNORECASE)
MAX_SECTIONS = 12
MAX_SECTION_CHARS = 1 << 16  # a full license text (CC BY-NC 4.0 is ~17k) fits
MAX_SECTIONS_CHARS = 1 << 18  # all sections together; past it, sections are cut (reported)


@dataclass(frozen=True)
class Section:
    title: str
    text: str
    line: int  # 0-based line offset of the text in the body
    cut: bool = False  # longer than max_chars: only its start is in `text`


def _section(md: Markdown, index: int, read_code: bool) -> tuple[str, int] | None:
    """The text under heading `index` up to the next heading, and its first line. A heading
    inside a quote or a list item ("> ## Note") does not end a section opened outside one:
    what it heads is still that section's ("## License" over "> ## Note" and its text)."""
    heading = md.headings[index]
    after = md.headings[index + 1:]
    if not heading.nested:
        after = [h for h in after if not h.nested]
    end = after[0].first if after else len(md.lines)
    rows = [(i, "" if i in md.delimiters or (i in md.code and not read_code) else md.lines[i])
            for i in range(heading.line + 1, end)]
    while rows and not rows[0][1].strip():
        rows.pop(0)
    while rows and not rows[-1][1].strip():
        rows.pop()
    if not rows:
        return None
    return "\n".join(text for _i, text in rows), rows[0][0]


def terms_sections(body: str, max_chars: int = MAX_SECTION_CHARS) -> list[Section]:
    """Sections of a README body whose heading is about licensing, terms, usage or
    restrictions ('## License', 'Terms of Use' underlined, '<h2>Usage</h2>', '### Out-of-scope
    use' ...), at most MAX_SECTIONS of them (`unread_terms_sections` gives the others).
    Headings inside fenced code are not headings; the fenced content of a license or terms
    section is read as its text (fences dropped), that of other sections is not."""
    return _terms_sections(body, max_chars, MAX_SECTIONS)


def unread_terms_sections(body: str) -> list[Section]:
    """The license, terms or usage sections past MAX_SECTIONS: `terms_sections` does not
    give them, so a license text or reference there is not identified."""
    return _terms_sections(body, 0, None)[MAX_SECTIONS:]


def _terms_sections(body: str, max_chars: int, limit: int | None) -> list[Section]:
    md = parse_markdown(body)
    out: list[Section] = []
    budget = MAX_SECTIONS_CHARS
    for i, heading in enumerate(md.headings):
        if not _TERMS_TITLE.search(heading.title):
            continue
        found = _section(md, i, read_code=bool(_CODE_IS_TERMS.search(heading.title)))
        if found is None:
            continue
        text, line = found
        keep = max(0, min(max_chars, budget))
        budget -= min(len(text), keep)
        out.append(Section(heading.title[:120], text[:keep], line, len(text) > keep))
        if limit is not None and len(out) >= limit:
            break
    return out


_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[^\s]))*(?:[.!?]+|\n|$)")


@dataclass(frozen=True)
class Restriction:
    """A passage of a card that restricts use (non-commercial, research only ...)."""

    section: str
    text: str  # the sentence, quoted
    line: int  # 0-based line offset in the body


def restrictions(body: str) -> list[Restriction]:
    """Sentences of the card's body that limit commercial use: in its license, terms and
    usage sections first, then anywhere else outside fenced code ("Research use only." under
    the title is a restriction too). In a license, terms or intended-use section, a statement
    that the model is not meant for commercial use counts too."""
    found: list[Restriction] = []
    md = parse_markdown(body)
    blanked = blank_code(md)
    sections = [(s, section_test(s.title)) for s in terms_sections(body)]
    # a heading ends its line's paragraph, also one in a list item ('- ## License')
    headings = frozenset(h.line for h in md.headings)
    for section, test in [*sections, (Section("", blanked, 0), restricts_use)]:
        for quote, line in _restricting(section.text, test,
                                        frozenset() if section.title else headings):
            if all(r.text != quote for r in found):
                heading = section.title or _heading_above(md, line)
                found.append(Restriction(heading, quote, section.line + line))
            if len(found) >= 5:
                return found
    return found

def restricting_sentences(text: str, test: Callable[[str], bool] | None = None,
                          ) -> list[tuple[str, int]]:
    """(quoted sentence, 0-based line) for each sentence of `text` that limits commercial
    use (`test`: default `mentions_restriction`). The lines of a paragraph are joined first (a
    sentence hard-wrapped over two lines is one sentence; 'non-' at a line end joins the next
    word)."""
    return list(_restricting(text, test or mentions_restriction))


def _restricting(text: str, test: Callable[[str], bool],
                 headings: frozenset[int] = frozenset()) -> Iterator[tuple[str, int]]:
    joined = _join_soft_breaks(text, headings)
    question: tuple[str, int] | None = None  # "Interested in commercial use?" (and offset)
    # a question that reads as a restriction ("Do I need a license for commercial use?"),
    # held until its answer: "No." grants what it asked about
    held: tuple[str, int] | None = None
    counted, line = 0, 0  # lines are counted on from the last hit: one pass over the text
    for sentence in _SENTENCE.finditer(joined):
        raw = text[sentence.start():sentence.end()]
        if not raw.strip():
            continue
        value = _WRAPPED_HYPHEN.sub("-", raw).replace("\n", " ")
        # its first word: a sentence after a soft line break starts at that break
        start = sentence.start() + len(raw) - len(raw.lstrip())
        hits = [held] if held is not None and answer_to(held[0], value) is not False else []
        held = None
        hit = test(value) or _answered_within(value)
        if not hit and question is not None:
            # a question and its answer are read together: within one paragraph as one
            # sentence ("Interested in commercial use? Contact us."), and an FAQ's "no" to
            # whether commercial use is allowed also in the next ("### Commercial use?", "No.")
            asked = question[0] + " " + value
            if answer_denies(question[0], value) or (
                    "\n" not in joined[question[1]:start] and test(asked)):
                value, start, hit = asked, question[1], True
        question = None
        if not hit:
            question = (value, start) if _asks_about_trade(value) else None
        elif answer_to(value, "No.") is False:
            held = (value, start)
        else:
            hits.append((value, start))
        for found, at in hits:
            quote = " ".join(found.split())[:240]
            if quote:
                line += text.count("\n", counted, at)
                counted = at
                yield quote, line
    if held is not None:
        quote = " ".join(held[0].split())[:240]
        yield quote, line + text.count("\n", counted, held[1])


def _asks_about_commerce(sentence: str) -> bool:
    """Whether a sentence is a question about commerce ("Interested in commercial use?"):
    it ends with "?" and its last question names it. Only the text after the previous "?"
    is read, so a long paragraph is read once (a regex searching back from each "commerci"
    to the end of the text was quadratic)."""
    return "commerci" in _last_question(sentence).lower()


# a question about trade: commerce, or production, business or company use ("Interested in
# production use?" before "Contact us for a license.")
_TRADE_QUESTION = re.compile(r"production|business|compan(?:y|ies)|enterprise|corporat"
                             r"|for[-\s]?profit|monetis|monetiz|\bsell", re.IGNORECASE)


def _asks_about_trade(sentence: str) -> bool:
    question = _last_question(sentence)
    return "commerci" in question.lower() or bool(_TRADE_QUESTION.search(question))


def _last_question(sentence: str) -> str:
    """The sentence's last question (the text after the "?" before its final one), or ""
    when it does not end with "?"."""
    text = sentence.rstrip()
    if not text.endswith("?"):
        return ""
    return text[text.rfind("?", 0, len(text) - 1) + 1:]


def _answered_within(sentence: str) -> bool:
    """An FAQ question and its answer read as one sentence ("**Can I use it commercially?**
    No.": a "?" followed by no space does not end a sentence)."""
    at = sentence.rfind("?")
    return 0 <= at < len(sentence.rstrip()) - 1 and answer_denies(sentence[:at + 1],
                                                                   sentence[at + 1:])


_WRAPPED_HYPHEN = re.compile(r"(?<=\w)-[ \t]*\n[ \t]*(?=\w)")


def _join_soft_breaks(text: str, headings: frozenset[int] = frozenset()) -> str:
    """`text` with each soft line break (a newline inside a paragraph) made a space; same
    length, so offsets stay those of `text`. `headings`: lines that are headings (a heading
    line is no paragraph's)."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i + 1 < len(lines):
            nxt = lines[i + 1]
            soft = (line.strip() and nxt.strip() and not PARAGRAPH_BREAK.match(nxt)
                    and not SETEXT_RULE.match(nxt) and not ATX.match(line)
                    and not line.lstrip().startswith("|") and i not in headings)
            out.append(" " if soft else "\n")
    return "".join(out)


def _heading_above(md: Markdown, line: int) -> str:
    above = [h for h in md.headings if h.line <= line]
    return above[-1].title[:120] if above else ""


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
