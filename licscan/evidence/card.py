"""Model card front matter: the claims a README makes about its license and lineage."""

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
    """The text under heading `index` up to the next heading, and its first line."""
    heading = md.headings[index]
    end = md.headings[index + 1].first if index + 1 < len(md.headings) else len(md.lines)
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
    "commercial use requires a separate license", "for commercial use, please contact us")."""
    if mentions_restriction(sentence):
        return True
    if not _FIELD_HINT.search(sentence):
        return False
    if asks_for_commercial_terms(sentence):
        return True
    from licscan.identify import qualify
    from licscan.identify.normalize import words

    tokens = tuple(_NO_PERMISSION_NEEDED.sub(" ", " ".join(words(sentence))).split())
    present = set(tokens)
    limits = present & _LIMIT_WORDS
    if not present & _FIELD_WORDS or not limits or qualify.is_scope(tokens):
        return False
    if present & _CREDIT_WORDS and not limits - _DUTY_WORDS:
        return False  # "commercial use requires attribution": a duty, not a limit
    reasons = {q.reason for q in qualify.find(tokens)}
    return bool(reasons & _use_limits()) or bool(_LIMITED_TO.search(" ".join(tokens)))


# "no permission is required", "without asking permission", "you do not need a license": a
# requirement denied, not made (matched on canonical tokens and on plain text, where it is
# taken out before a requirement is looked for)
_NO_PERMISSION_NEEDED = re.compile(
    r"\b(?:no|without|(?:not|dont|don't|doesnt|doesn't)\s+(?:need|require))\s+(?:\w+\s+){0,3}?"
    r"(?:permission|licen[cs]es?|approval|consent|authori[sz]ation|agreement)\b"
    r"(?:\s+(?:is|are)\s+(?:\w+\s+)?(?:required|needed|necessary)\b)?", re.IGNORECASE)

# "For commercial use, please contact us", "commercial licensing inquiries", "contact us for
# a commercial license", "commercial use requires prior authorization": commercial use is on
# terms still to be agreed, so it is not granted. A mention of commercial use (not
# "commercial support", "commercial partners") with a request to ask, or a requirement of
# permission; a sentence that grants commercial use without a "but" is no such request
# ("Commercial use is permitted; for questions, contact us").
_COMMERCIAL_USE = re.compile(
    r"\bcommercially\b|\bcommercial[\s-]+(?:use(?!\s+cases?\b)|usage|uses|purposes?|licen[cs]\w*"
    r"|deployments?|applications?|products?|settings?|contexts?|projects?|exploitation|rights"
    r"|terms|agreements?|access|activit(?:y|ies)|entit(?:y|ies)|users?|organi[sz]ations?"
    r"|companies|redistribution|distribution|offerings? of|inquir(?:y|ies)|enquir(?:y|ies))\b",
    re.IGNORECASE)
_ASK = re.compile(
    r"\b(?:contact(?:ing)?|reach(?:ing)?\s+out|get\s+in\s+touch|(?<!by\s)(?<!via\s)e-?mail(?:ing)?"
    r"|write\s+to"
    r"|talk\s+to|speak\s+(?:to|with)|inquir\w*|enquir\w*|apply\s+for|request(?:ing)?"
    r"|ask(?:ing)?\s+(?:us|for)|on\s+request|upon\s+request|by\s+arrangement)\b"
    r"|\b(?:requires?|required|needs?|subject\s+to|obtain(?:ing)?|purchas\w*|buy(?:ing)?"
    r"|acquir\w*|negotiat\w*|sign(?:s|ed|ing)?)\s+(?:\w+\s+){0,3}?(?:permission|authori[sz]ation|approval|consent"
    r"|agreement|licen[cs]e|contract|arrangement)"
    r"|\b(?:permission|authori[sz]ation|approval|consent)\s+(?:\w+\s+){0,2}?(?:is|are)\s+"
    r"(?:\w+\s+)?(?:required|needed|necessary)"
    r"|\bcommercial\s+licen[cs](?:es?|ing)\s+(?:is|are)\s+(?:\w+\s+)?(?:available|offered)",
    re.IGNORECASE)
_GRANTS_COMMERCIAL = re.compile(
    r"\b(?:can|may|are\s+free\s+to|are\s+welcome\s+to|is\s+free\s+to"
    r"|lets?\s+(?:you|users|anyone))\s+(?:\w+\s+){0,4}?(?:commercially|for\s+commercial)\b"
    r"|\bcommercial\s+(?:use|usage|uses)\s+(?:is\s+|are\s+)?(?:also\s+|fully\s+)?(?:permitted"
    r"|allowed|free|granted|welcome|fine|ok)\b"
    r"|\b(?:permits?|allows?|allowing|permitting|grants?)\s+(?:\w+\s+)?commercial\b"
    r"|(?<!not )(?<!n't )\b(?:free|open|available|licensed|released|suitable|ready|approved"
    r"|usable)\s+(?:\w+\s+){0,2}?for\s+(?:\w+\s+)?commercial\b"
    r"|\b(?:including|even|also)\s+(?:for\s+)?commercial(?:ly)?\b", re.IGNORECASE)
# after a grant, what takes it back: a condition ("only", "after you sign", "with a paid
# license"), or a clause after ";" that requires something ("...; larger companies must
# contact us"), unlike one that merely invites ("...; contact us with any questions")
_UNLESS = re.compile(
    r"\b(?:but|however|provided|only|first|prior|before|unless|subject\s+to)\b"
    r"|\b(?:after|once|upon)\s+(?:you\b|sign\w*|obtain\w*|purchas\w*|buy\w*|pay\w*"
    r"|regist\w*|approv\w*|agree\w*|request\w*|accept\w*)"
    r"|\bwith\s+(?:a|an|our)\s+(?:paid|separate|commercial|enterprise|written|signed|valid"
    r"|purchased)\s+(?:\w+\s+)?(?:licen[cs]e|agreement|contract|subscription|plan)\b"
    r"|;[^;]*?\b(?:must|need\s+to|needs\s+to|have\s+to|has\s+to|required|requires?)\b",
    re.IGNORECASE)


def asks_for_commercial_terms(sentence: str) -> bool:
    """Whether a sentence makes commercial use a matter to ask about ("For commercial use,
    please contact us", "commercial licenses are available on request", "commercial use
    requires prior written authorization"): commercial use is then not granted."""
    text = _NO_PERMISSION_NEEDED.sub(" ", " ".join(sentence.split()))
    if not _COMMERCIAL_USE.search(text) or not _ASK.search(text):
        return False
    grant = _GRANTS_COMMERCIAL.search(text)
    return grant is None or bool(_UNLESS.search(text, grant.end()))


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
    the title is a restriction too). In a license, terms or intended-use section, a statement
    that the model is not meant for commercial use counts too."""
    found: list[Restriction] = []
    md = parse_markdown(body)
    blanked = blank_code(md)
    sections = [(s, _section_test(s.title)) for s in terms_sections(body)]
    for section, test in [*sections, (Section("", blanked, 0), restricts_use)]:
        for quote, line in _restricting(section.text, test):
            if all(r.text != quote for r in found):
                heading = section.title or _heading_above(md, line)
                found.append(Restriction(heading, quote, section.line + line))
            if len(found) >= 5:
                return found
    return found


_NAMED_TERMS = re.compile(r"licen[cs]|terms|legal|restrict|permitted|commercial", re.IGNORECASE)
_INTENDED_USE = re.compile(r"intended", re.IGNORECASE)


def _section_test(title: str) -> Callable[[str], bool]:
    """How a section's sentences are read: under a license or terms heading a disclaimer of
    any commercial field limits use ("not intended for products"); under an intended-use
    heading one of a monetising field does ("not intended for resale"), and one of products,
    services or business unless a safety or device context qualifies it (safety wording there
    disclaims "safety-critical products", "production use without further safety testing",
    "deployment on mobile devices"); elsewhere neither does."""
    if _NAMED_TERMS.search(title):
        return _restricts_in_terms
    if _INTENDED_USE.search(title):
        return _restricts_in_intended_use
    return restricts_use


# "not intended for commercial use", "not designed for production or commercial deployment":
# under a license, terms or intended-use heading this limits the field of use (a commercial
# field is never a disclaimer, unlike "not intended for medical use").
_NOT_MEANT_FOR_COMMERCE = re.compile(
    r"\bnot\s+(?:\w+\s+){0,2}?(?:intended|designed|meant|made|built|suitable|licensed"
    r"|allowed|permitted|authori[sz]ed|approved)\s+(?:to\s+be\s+used\s+)?for\s+"
    r"(?:[\w-]+\s+){0,3}?(?:commercial|monetization|monetisation|monetizing|monetising)",
    re.IGNORECASE)


# (canonical tokens) "not intended for products", "not designed to be used in services", "must
# not be used in paid applications", "not for resale": a use disclaimed or refused, whose
# field (what follows) is a commercial one in the sense of qualify.commercial_field, or,
# read narrowly, a monetising one (_MONETISING)
_NOT_FOR = re.compile(
    r"\bnot (?:\w+ ){0,2}?(?:intended|designed|meant|made|built|suitable|suited|licensed"
    r"|allowed|permitted|authori[sz]ed|approved|cleared)\b"
    r"|\b(?:(?:may|must|shall|can|should|will) not|cannot|cant|mustnt|shouldnt|wont) (?:be )?"
    r"(?:\w+ )?(?:used|deployed|offered|sold|incorporated|integrated|embedded|included|shipped"
    r"|distributed|provided|hosted|marketed)\b"
    r"|\bnot for\b")


# (canonical tokens) a field of selling or earning, not merely of products or deployment
_MONETISING = frozenset({"sale", "sales", "sell", "sells", "selling", "sold", "resale",
                         "resell", "resells", "reselling", "resold", "paid", "fee", "fees",
                         "income", "subscription", "subscriptions"})
_MONETISING_STEMS = ("commerci", "monetiz", "monetis", "revenue", "profit", "forprofit")


def _monetising_field(words: list[str]) -> bool:
    return any(w in _MONETISING or w.startswith(_MONETISING_STEMS) for w in words)


def disclaims_commercial_field(sentence: str, monetising_only: bool = False) -> bool:
    """Whether a sentence says the model is not meant (or not to be used) for a commercial
    field: "not intended for products", "not designed for use in commercial services", "must
    not be used in paid applications". In a license or terms section this limits the field
    of use; "not intended for medical use" names no commercial field. `monetising_only`: only
    a field of selling or earning counts ("not for resale", "paid applications"), not
    products, services or deployment."""
    from licscan.identify import qualify
    from licscan.identify.normalize import words

    text = " ".join(words(sentence))
    refused = _NOT_FOR.search(text)
    if refused is None:
        return False
    field = text[refused.end():].split()
    return _monetising_field(field) if monetising_only else qualify.commercial_field(field)


def _restricts_in_terms(sentence: str) -> bool:
    return restricts_use(sentence) or bool(
        _NOT_MEANT_FOR_COMMERCE.search(" ".join(sentence.split()))) or \
        disclaims_commercial_field(sentence)


def _restricts_in_intended_use(sentence: str) -> bool:
    return restricts_use(sentence) or bool(
        _NOT_MEANT_FOR_COMMERCE.search(" ".join(sentence.split()))) or \
        disclaims_commercial_field(sentence, monetising_only=True) or \
        any(_disclaims_trade_field(clause) for clause in sentence.split(";"))


# (canonical tokens) a field of trade short of selling: products, services, SaaS, business,
# customer-facing use. Production and deployment are not among them: alone they are what
# safety wording disclaims ("not intended for production use without further testing").
_TRADE_FIELD = frozenset({"product", "products", "service", "services", "saas", "business",
                          "businesses"})
_FACING = frozenset({"customer", "customers", "client", "clients"})
# (canonical tokens, joined) a safety, care, device, audience or technical context that makes
# a disclaimed product or service a warning, not a limit: "safety-critical products",
# "products that make hiring decisions", "real-time services", "services ... without review"
_QUALIFIER = re.compile(
    r"\b(?:safety|safetycritical|critical|medical|clinical|healthcare|health|diagnostic"
    r"|diagnosis|risk|highrisk|life|legal|financial|mobile|embedded|edge|devices?|hardware"
    r"|children|child|minors|kids|decisions?|hiring|harm|harmful|autonomous|weapons?|military"
    r"|real time|realtime|latency|testing|tested|evaluation|review|oversight|moderation"
    r"|safeguards|supervision|validation)\b")
_BEFORE, _AFTER = 3, 4  # words read either side of a field word for its qualifier


def _disclaims_trade_field(clause: str) -> bool:
    """Whether a clause disclaims a field of trade ("not intended for use in products or
    services", "not designed for customer-facing services") that no safety or device context
    qualifies: every field word is read with the few words before it and those after it up to
    the next field word, so "products or services, nor for safety-critical systems" still
    limits use while "safety-critical products" and "products aimed at minors" do not."""
    from licscan.identify.normalize import words

    text = " ".join(words(clause))
    refused = _NOT_FOR.search(text)
    if refused is None:
        return False
    field = text[refused.end():].split()
    at = [n for n, w in enumerate(field) if w in _TRADE_FIELD
          or (w in _FACING and field[n + 1:n + 2] == ["facing"])]
    for k, n in enumerate(at):
        end = min(n + 1 + _AFTER, at[k + 1] if k + 1 < len(at) else len(field))
        around = " ".join(field[max(0, n - _BEFORE):n] + field[n + 1:end])
        if not _QUALIFIER.search(around):
            return True
    return False


def restricting_sentences(text: str, test: Callable[[str], bool] | None = None,
                          ) -> list[tuple[str, int]]:
    """(quoted sentence, 0-based line) for each sentence of `text` that limits commercial
    use (`test`: default `mentions_restriction`). The lines of a paragraph are joined first (a
    sentence hard-wrapped over two lines is one sentence; 'non-' at a line end joins the next
    word)."""
    return list(_restricting(text, test or mentions_restriction))


def _restricting(text: str, test: Callable[[str], bool]) -> Iterator[tuple[str, int]]:
    joined = _join_soft_breaks(text)
    question: tuple[str, int] | None = None  # "Interested in commercial use?" (and offset)
    counted, line = 0, 0  # lines are counted on from the last hit: one pass over the text
    for sentence in _SENTENCE.finditer(joined):
        raw = text[sentence.start():sentence.end()]
        if not raw.strip():
            continue
        value = _WRAPPED_HYPHEN.sub("-", raw).replace("\n", " ")
        # its first word: a sentence after a soft line break starts at that break
        start = sentence.start() + len(raw) - len(raw.lstrip())
        if not test(value):
            # a question and its answer are read together ("Interested in commercial use?
            # Contact us."), within one paragraph
            if question is None or "\n" in joined[question[1]:start] or \
                    not test(question[0] + " " + value):
                question = (value, start) if _asks_about_commerce(value) else None
                continue
            value, start = question[0] + " " + value, question[1]
        question = None
        quote = " ".join(value.split())[:240]
        if quote:
            line += text.count("\n", counted, start)
            counted = start
            yield quote, line


def _asks_about_commerce(sentence: str) -> bool:
    """Whether a sentence is a question about commerce ("Interested in commercial use?"):
    it ends with "?" and its last question names it. Only the text after the previous "?"
    is read, so a long paragraph is read once (a regex searching back from each "commerci"
    to the end of the text was quadratic)."""
    text = sentence.rstrip()
    if not text.endswith("?"):
        return False
    return "commerci" in text[text.rfind("?", 0, len(text) - 1) + 1:].lower()


_WRAPPED_HYPHEN = re.compile(r"(?<=\w)-[ \t]*\n[ \t]*(?=\w)")


def _join_soft_breaks(text: str) -> str:
    """`text` with each soft line break (a newline inside a paragraph) made a space; same
    length, so offsets stay those of `text`."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i + 1 < len(lines):
            nxt = lines[i + 1]
            soft = (line.strip() and nxt.strip() and not PARAGRAPH_BREAK.match(nxt)
                    and not SETEXT_RULE.match(nxt) and not ATX.match(line)
                    and not line.lstrip().startswith("|"))
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
