"""Canonical form of a license text, after the SPDX matching guidelines.

Equivalent texts get the same token stream: whitespace, case, punctuation and quote style,
bullets and list numbering, markdown and HTML markup (entities included), copyright
statements, hyphenation and varietal spellings (licence/license ...) do not matter.
Tokens keep the 1-based line they came from, so differences can be shown in the scanned file.

Bump NORMALIZER_VERSION whenever the token stream of some text changes: the hashes in
rules/fingerprints.json are only comparable with texts normalized the same way.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from hashlib import blake2b, sha256
from typing import Any, cast

from licscan.record import Record

NORMALIZER_VERSION = 9
SHINGLE = 5


class _Lazy:
    """A pattern compiled when first used. Compiling the normalizer's patterns is a good part
    of a one-file identification (pre-commit start-up); these serve texts with markup, links,
    entities, mojibake or unusual list markers, which most texts have none of."""

    __slots__ = ("_args", "_pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._pattern: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._pattern is None:
            self._pattern = re.compile(*self._args)
        return getattr(self._pattern, name)


def _lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return cast("re.Pattern[str]", _Lazy(pattern, flags))


_MAGIC = ((b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP archive"), (b"\x1f\x8b", "gzip archive"),
          (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
          (b"\x7fELF", "executable"), (b"\xd0\xcf\x11\xe0", "Office document"))


def decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, None), or (None, reason) for data that is not text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return None, f"binary file ({kind})"
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = data.decode("utf-32", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\0" in data[:8192]:
        encoding = _bomless_utf16(data[:4096])
        text = data.decode(encoding, errors="replace") if encoding else _eight_bit(data)
    else:
        text = _eight_bit(data)
    text = text.lstrip("\ufeff")
    sample = text[:8192]
    controls = len(_CONTROL.findall(sample))
    if sample and controls > len(sample) // 20:
        # NULs or control bytes among text are noise (clean() drops them); data with few
        # words among them is not text
        rest = _CONTROL.sub("", text[:65536])
        wordy = sum(map(len, _WORDISH.findall(rest))) + sum(ch.isspace() for ch in rest)
        if wordy < 0.8 * len(rest) or len(rest) < 200:
            return None, "binary file"
    return text, None


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_WORDISH = _lazy(r"[^\W\d_]{2,}")
# noise that carries no words: control characters, terminal escapes, format characters
# (zero-width spaces and joiners, bidi marks, soft hyphens, BOMs inside the text)
_NOISE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                    r"|[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
                    r"\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def _eight_bit(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark: ASCII-range text has a zero in every other byte."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 8:
        return None
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


# --- cleaning: markup that carries no words --------------------------------------------

_HTML_HINT = _lazy(r"</?(?:p|br|div|span|h[1-6]|li|ul|ol|a|b|i|em|strong|pre|code|html|body"
                   r"|table|tr|td|blockquote|hr)\b[^<>]*>", re.I)
_HTML_DROP = _lazy(r"<!--.*?-->|<![a-zA-Z][^<>]*>|<\?xml[^<>]*\?>"
                   r"|<(script|style|head)\b.*?</\1\s*>", re.I | re.S)
_HTML_BLOCK = _lazy(r"</?(?:p|br|div|h[1-6]|li|ul|ol|dl|dt|dd|table|tr|td|th|thead|tbody"
                    r"|blockquote|pre|hr|section|article|header|footer|html|body)\b[^<>]*>",
                    re.I)
_HTML_TAG = _lazy(r"</?[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>")
# the target may be broken after a hyphen by a re-wrapping tool
_MD_LINK = _lazy(r"!?\[([^\[\]]{0,300})\]\(<?((?:[^()\s<>]|-\n[ \t]*|\([^()\s]*\))*)>?"
                 r"(?:\s+\"[^\"\n]*\")?\)")
_WEB = _lazy(r"^(?:https?://)?(?:www\.)?", re.I)


_GENERIC_LINK_TEXT = frozenset({"link", "here", "click here", "this link", "email", "e-mail",
                                "website", "web site", "page", "url", "site"})


def _link(match: re.Match[str]) -> str:
    """A markdown link reads as its text, and its web address when the text does not show it
    ("[Link](https://example.org/policy)"): a copy may show the address either way."""
    text, target = match.group(1), match.group(2).replace("-\n", "-")
    generic = " ".join(text.lower().split()) in _GENERIC_LINK_TEXT
    if generic and target.lower().startswith("mailto:"):
        return target[7:]  # "[Email](mailto:x@example.org)" shows the address
    if not target.lower().startswith(("http://", "https://", "www.")):
        return text
    if generic:
        return target  # "[Link](https://...)": the text says nothing the address does not
    bare = _WEB.sub("", _MD_ESCAPE.sub(r"\1", target)).rstrip("/").lower()
    # (re-wrapped text; markdown escapes in the shown address: "llama3\_3")
    shown = _WEB.sub("", _MD_ESCAPE.sub(r"\1", "".join(text.split()))).rstrip("/").lower()
    if not bare or bare in shown or ("." in shown and shown in bare):
        return text  # the text is the address, or part of it
    return f"{text} {target}"
_ENTITY = _lazy(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_MD_AUTOLINK = _lazy(r"<((?:https?|mailto):[^<>\s]+)>")
_MD_ESCAPE = _lazy(r"\\([\\`*_{}\[\]()#+\-.!|~>])")


_FENCE = _lazy(r"(?m)^[ \t>]*(?:```|~~~)[\w+.-]*[ \t]*$")


def _newlines_only(match: re.Match[str]) -> str:
    return "\n" * match.group(0).count("\n")


# Quotes and apostrophes whose UTF-8 bytes were read as Windows-1252 or Mac Roman ("â€œ",
# "‚Äú"): an encoding accident, not an edit. Only quotes: they are punctuation either way, so
# no reference text's token stream changes (an SPDX text's own "1982â€“1984" stays as it is).
_MOJIBAKE_QUOTES = {
    "\u00e2\u20ac\u0153": "\u201c", "\u00e2\u20ac\u009d": "\u201d",
    "\u00e2\u20ac\u2122": "\u2019", "\u00e2\u20ac\u02dc": "\u2018",
    "\u201a\u00c4\u00fa": "\u201c", "\u201a\u00c4\u00f9": "\u201d",
    "\u201a\u00c4\u00f4": "\u2019", "\u201a\u00c4\u00f2": "\u2018",
}
_MOJIBAKE = _lazy("|".join(map(re.escape, _MOJIBAKE_QUOTES)))


def _repair_quotes(text: str) -> str:
    if ("\u20ac" in text or "\u00c4" in text) and not text.isascii():
        return _MOJIBAKE.sub(lambda m: _MOJIBAKE_QUOTES[m.group(0)], text)
    return text


def clean(text: str) -> str:
    """Unicode, line ends, noise characters, HTML and markdown markup; keeps the line count of
    plain text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _repair_quotes(text)
    if _NOISE.search(text):
        text = _NOISE.sub("", text)
    if "```" in text or "~~~" in text:
        text = _FENCE.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        if _LOOK_ALIKE_SCRIPTS.search(text):
            # before markup and copyright statements are recognised ("Сopyright")
            text = text.translate(_confusables())
    if "<" in text and _HTML_HINT.search(text):
        # (an autolink "<https://...>" among HTML is a link, not a tag)
        text = _MD_AUTOLINK.sub(r"\1", text)
        text = _HTML_DROP.sub(_newlines_only, text)
        text = _HTML_BLOCK.sub("\n", text)
        text = _HTML_TAG.sub("", text)
    if "&" in text:
        text = _entities(text)
    if "](" in text:
        text = _MD_LINK.sub(_link, text)
    if "<" in text:
        text = _MD_AUTOLINK.sub(r"\1", text)
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    return text


def _entities(text: str) -> str:
    from html import unescape  # its entity table is large: load it only when needed

    text = unescape(text)
    if "&" in text:
        # entities escaped twice ("&amp;eacute;" in a page showing a text that itself holds
        # "&eacute;", as RPSL-1.0's reference does) read as the character
        text = _ENTITY.sub(lambda m: unescape(m.group(0)), text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "<" in text and _HTML_HINT.search(text):  # markup that was escaped
        text = _HTML_DROP.sub(_newlines_only, text)
        text = _HTML_BLOCK.sub("\n", text)
        text = _HTML_TAG.sub("", text)
    return text


# --- list markers and copyright statements ---------------------------------------------

# A list marker counts only where a new clause starts: after '.' or ';' (closing quotes and
# markup in between), after ':' (a short list number or letter: "the Model:\n1. In any
# way"), after a list item's closing "; and" / "; or", at the start of the text, and at
# the start of a paragraph that follows a heading
# (a paragraph of at most HEADING characters: "DISTRIBUTION\n\n1. Definitions"). The test
# does not look at single line breaks, and a paragraph's length does not change when it is
# re-wrapped, so re-wrapping or adding markdown never changes which markers are dropped;
# version numbers ("Llama 3.1", "Version: 2.1") are never taken for list numbering.
_MARKUP = r"[\s*_#>|+\-•·▪◦‣●○■□►]"
# a number, a letter or a roman numeral in parentheses ("(12)", "(b)", "(xiv)"), not a word:
# "(NO)", "(NOT)", "(ONLY)" in front of a sentence are the sentence's own words
_PARENTHESIZED = (r"\((?:\d{1,3}|[A-Za-z]|(?=[ivxIVX]{2})[xX]{0,3}(?:[iI][xXvV]|[vV]?[iI]{0,3}))"
                  r"\)")
_FORM = (r"(?:\(?\d{1,3}(?:\.\d{1,3})*[*_]{0,2}[.)]|\d{1,3}(?:\.\d{1,3})+|\(?[A-Za-z][.)]"
         r"|\(?(?:[ivxlcIVXLC]{1,6})[.)]|" + _PARENTHESIZED + ")")
_FORMS = _FORM + r"(?=\s)"
# (also after a list number closed by ')' that stands alone: "2)\n   4) states" is "2.\n   4.
# states" in another list style, where '.' already counts)
_MARKER = re.compile(
    rf"((?<!\b[vV])(?<!\b[vV]er)(?<!\b[vV]ersion)(?<!\b[nN]o)[.;][\"'”’)\]*_]*+\s{_MARKUP}*+)"
    + _FORMS)
_PAREN_MARKER = _lazy(rf"((?<![\w(.,])\d{{1,3}}\)[\"'”’)\]*_]*+\s{_MARKUP}*+)" + _FORMS)
_PAREN_HINT = re.compile(r"\d\)\s+\S{0,3}\(?[\dA-Za-z]{1,6}[.)]\s")  # (a cheap test first)
_COLON_MARKER = re.compile(
    rf"((?<!\b[vV]ersion)(?<!\b[dD]ate):[\"'”’)\]*_]*+\s{_MARKUP}*+)"
    r"(?:\(?\d{1,2}[*_]{0,2}[.)]|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)]|" + _PARENTHESIZED
    + r")(?=\s)")
_PARAGRAPH_MARKER = re.compile(rf"((?:\A|\n[ \t]*\n){_MARKUP}*+)" + _FORMS)
# ... and after the "and" or "or" that closes a list item ("...; and\n  (b) ..."): the next
# item starts a clause, and the conjunction ends one, whether a blank line, a single line
# break or nothing but a space parts them. The marker becomes a full stop, so the sentences
# are the same in every layout (the conjunction alone, then the item).
_CONJUNCTION_MARKER = re.compile(
    rf"(;[\"'”’)\]*_]*+\s+(?:and|or|AND|OR|And|Or),?\s{_MARKUP}*?)" + _FORMS)
# ... and at the start of a heading underlined in markdown's other way ("1. Definitions" over
# "-----"), which starts a paragraph even when the blank line before it is missing
# (a list number ends in '.' or ')' there: "3.3 COMMUNITY LICENSE" over "====" is a version)
_UNDERLINED_MARKER = _lazy(r"((?:\A|\n)[ \t]*)(?:\(?\d{1,3}(?:\.\d{1,3})*[.)]|\(?[A-Za-z][.)]"
                           r"|\(?[ivxlcIVXLC]{1,6}[.)]|" + _PARENTHESIZED + ")"
                           + r"(?=[ \t][^\n]*\n[ \t]*(?:={3,}|-{3,})[ \t]*(?:\n|\Z))")
_UNDERLINE = _lazy(r"(?m)^[ \t]*(?:={3,}|-{3,})[ \t]*$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
HEADING = 100
_COPYRIGHT = re.compile(r"copyright\b|©|\(c\)\s*(?:19|20)\d\d|all\s+rights\s+reserved", re.I)
# ... and a statement, not a sentence about copyright: it has a year, (c) or the formula.
_PLACEHOLDER = (r"[\[{<](?:yyyy|year|years|fullname|full name|name|owner|author|authors"
                r"|name of copyright owner|copyright holders?|holder|organi[sz]ation)[\]}>]")
# a statement even inside a sentence: the word followed by a sign, a year or a placeholder
_STATEMENT = re.compile(r"(?:(?:copyright|©)\s*(?:\(c\)|©)?\s*(?:\(c\)|©|(?:19|20)\d\d\b|"
                        + _PLACEHOLDER + r")|(?<![\w(])\(c\)\s*(?:19|20)\d\d\b)", re.I)
_COPYRIGHT_SIGN = re.compile(r"\(c\)|©|\b(?:19|20)\d\d\b|all\s+rights\s+reserved|"
                             + _PLACEHOLDER,
                             re.I)
# what ends a statement on its line: a notice ("Copyright [yyyy] [name of copyright owner]
# Licensed under the ... License, Version 1.0"), or a title's date or version ("Copyright (c)
# 2023 Stability AI CreativeML Open RAIL++-M License dated July 26, 2023")
_DATED_TITLE = re.compile(r"\b((?<![\w-])licensed\s+under\b)|\b(?:license|licence|agreement)\b"
                          r"[\s,]+((?:dated|version|v)\.?\s*(?:\d|(?:jan|feb|mar|apr|may|jun"
                          r"|jul|aug|sep|oct|nov|dec)[a-z]*\s))"
                          r"|\ball\s+rights\s+reserved[\s.,]+(version\s+\d)", re.I)
# (a field of use counts after "for": "Said Research", "Microsoft Research" are holders)
_LIMITING = re.compile(
    r"\b(?:not|no|never|nor|shall|may|must|cannot|only|solely|exclusively|except|unless|use"
    r"|used|uses|using|purposes?|non-?commercial(?:ly)?|prohibited|permitted|permission"
    r"|restricted|required|fees?|paid|terms|conditions|for\s+(?:commercial"
    r"|research|academic|personal|evaluation|internal|production|educational))\b", re.I)
_HOLDER_END = re.compile(r",(?=\s+(?:and\s+)?(?:are|is|was|were|has|have)\s)")
_STATEMENT_END = re.compile(r"[.;:!?](?=[\"'”’)\]]*(?:\s|$))|\n[ \t]*\n")
_LEAD = " \t#>*_|-•"
_NOT_NEWLINE = re.compile(r"[^\n]")
_CLOSERS = "\"'”’)]"


# every marker form ends with '.' or ')' before a space, or is a dotted number ("1.2"): a
# text without either has no marker to drop (most of the rule pack's phrases)
_MARKER_HINT = re.compile(r"[.)]\s|\d\.\d")


def _drop_markers(text: str) -> str:
    if not _MARKER_HINT.search(text):
        return text
    previous = None
    while previous != text:
        previous = text
        text = _MARKER.sub(lambda m: m.group(1) + " ", text)
        if _PAREN_HINT.search(text):
            text = _PAREN_MARKER.sub(lambda m: m.group(1) + " ", text)
        if ":" in text:
            text = _COLON_MARKER.sub(lambda m: m.group(1) + " ", text)
        if ";" in text:
            text = _CONJUNCTION_MARKER.sub(lambda m: m.group(1) + ". ", text)
        text = _PARAGRAPH_MARKER.sub(_paragraph_marker, text)
        if "---" in text or "===" in text:
            # (a heading: what runs before it in its paragraph is as short as a heading)
            text = _UNDERLINED_MARKER.sub(_paragraph_marker, text)
    return text


def _paragraph_marker(match: re.Match[str]) -> str:
    """A list marker opening a paragraph after a heading (or the text) is dropped."""
    start = match.start()
    if start:
        # (indentation counts for nothing: a centred heading is as short as a flush one)
        reach = 4 * HEADING
        window = match.string[max(0, start - reach):start]
        blanks = list(_BLANK_LINE.finditer(window))
        if blanks:
            window = window[blanks[-1].end():]
        if "---" in window or "===" in window:  # a heading's underline is no text
            window = _UNDERLINE.sub("", window)
        if len(" ".join(window.split())) > HEADING:
            return match.group(0)  # the paragraph before is longer than a heading
    return match.group(1) + " "


def _drop_copyright(text: str, dropped: list[str] | None = None) -> str:
    """Blank copyright statements (SPDX: copyright notices are ignored); newlines are kept.

    A statement starts a clause (the text, a paragraph, a sentence, or the line after a
    title) and runs to the end of its sentence or paragraph; a statement without either
    within a line or two ends with its line. The test looks at punctuation and blank lines,
    not at where lines break, so a re-wrapped copy loses the same words as the original.
    """
    out = []
    done = 0
    for found in _COPYRIGHT.finditer(text):
        start = found.start()
        if start < done or not (_starts_clause(text, start) or _STATEMENT.match(text, start)):
            continue
        stop = _STATEMENT_END.search(text, found.end())
        end = stop.start() if stop else len(text)  # the full stop stays: a clause follows
        # a sentence that goes on after the holder with its verb: the statement ends at the
        # comma within its first 12 words ("libpng versions ... are Copyright (c) 1998-2000
        # Glenn Randers-Pehrson, and are distributed ..."), whatever the holder's length and
        # wherever the lines break
        holder_end = _HOLDER_END.search(text, found.end(), end)
        if holder_end is not None and len(text[start:holder_end.start()].split()) <= 12:
            end = holder_end.start()
        elif len(text[start:end].split()) > 30:
            line_end = text.find("\n", start)
            end = len(text) if line_end < 0 else line_end
        # a statement names a holder, never a term: from a word that limits or permits a use
        # on, the words are text ("The Software (c) 2024 may be used for research only")
        limit = _LIMITING.search(text, found.end(), end)
        if limit is not None:
            end = limit.start()
        if not _COPYRIGHT_SIGN.search(text, start, end):
            continue
        # a title on the copyright line keeps its version or date ("Copyright (c) 2023
        # Stability AI CreativeML Open RAIL++-M License dated July 26, 2023")
        dated = _DATED_TITLE.search(text, start, end)
        if dated is not None:
            end = next(dated.start(g) for g in (1, 2, 3) if dated.group(g))
        out.append(text[done:start])
        out.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        if dropped is not None:
            dropped.append(text[start:end])
        done = end
    out.append(text[done:])
    return "".join(out)


# a list marker opening a line ("1)", "(a)", "1."): the clause starts after it, whatever the
# list style (markers are dropped after copyright statements are found)
# ("(c)" is the copyright sign, not item c)
_LINE_MARKER = _lazy(r"\n[ \t]*(?:\(?\d{1,3}\)|\(?(?![cC]\))[A-Za-z]\)"
                     r"|\([ivxIVX]{1,4}\))[ \t]*\Z")


def _starts_clause(text: str, start: int) -> bool:
    before = text[max(0, start - 300):start]  # enough for a title line and a blank line
    if ")" in before[-8:]:
        before = _LINE_MARKER.sub("\n1. ", before)
    core = before.rstrip(_LEAD)
    if not core.strip():
        return True
    if core.endswith("\n"):
        lines = core[:-1].rsplit("\n", 2)
        previous = lines[-1].strip()
        if not previous or previous.rstrip(_CLOSERS)[-1:] in ".;:!?":
            return True
        # the line after a title that opens the text or a paragraph ("MIT License")
        opens = len(lines) < 2 or not lines[-2].strip()
        words = previous.split()
        return opens and len(previous) < 60 and sum(w[:1].isupper() or w[:1].isdigit()
                                                    for w in words) * 2 >= len(words)
    return len(core) < len(before) and core.rstrip(_CLOSERS)[-1:] in ".;:!?"


# --- tokens ----------------------------------------------------------------------------

_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF),
               (0xF900, 0xFAFF))
_CJK = "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES)
# Words, numbers ("3.1", "1,000,000"), currency signs, and single CJK characters. A text
# whose letters and digits are all ASCII gets the same tokens from a pattern that is much
# cheaper to compile (pre-commit start-up). A trailing "+" is kept: "RAIL++-M" is not
# "RAIL-M", "GPL-2.0+" is not "GPL-2.0".
_PLAIN_TOKEN = re.compile(r"[$€£¥%&©]|[A-Za-z0-9]+(?:[.,'`][A-Za-z0-9]+)*\+*")


@cache
def _unicode_token() -> re.Pattern[str]:
    return re.compile(rf"[{_CJK}]|[$€£¥%&©]|[^\W_{_CJK}]+(?:[.,'’‘`][^\W_{_CJK}]+)*\+*")


def _token_source(cleaned: str) -> tuple[re.Pattern[str], str]:
    """The token pattern for a cleaned text, and the text to run it on.

    Compiling the Unicode pattern takes ~57 M instructions (its CJK ranges are expanded
    character by character), more than a one-file identification's exact path matches: a
    text whose non-ASCII characters are outside words (quotes, dashes, spaces, the currency
    and copyright signs) or curly apostrophes gets the same tokens from the plain pattern,
    the apostrophes read as "'" (one character for one: the offsets stay those of the text)."""
    if cleaned.isascii():
        return _PLAIN_TOKEN, cleaned
    if _needs_unicode(cleaned):
        return _unicode_token(), cleaned
    return _PLAIN_TOKEN, cleaned.replace("’", "'").replace("‘", "'")


def _needs_unicode(text: str) -> bool:
    """Whether a text has letters or digits the plain token pattern does not read."""
    return any(not char.isascii() and char not in "’‘" and (char.isalnum() or any(
        low <= ord(char) <= high for low, high in _CJK_RANGES)) for char in set(text))


_NEWLINE = re.compile(r"\n")
_APOSTROPHES = str.maketrans("", "", "'’‘`")
_WWW = _lazy(r"^(?:www\.)+")
_BOUNDARY = re.compile(r"[.;:!?](?=[\"'”’)\]*_]*(?:\s|$))|[。；！？]|\n[ \t]*\n")

# Varietal spellings (SPDX equivalent words): one canonical form each.
_VARIANTS = {
    "licence": "license", "licences": "licenses", "licenced": "licensed",
    "licencing": "licensing", "acknowledgement": "acknowledgment",
    "acknowledgements": "acknowledgments", "analyse": "analyze", "artefact": "artifact",
    "artefacts": "artifacts", "authorisation": "authorization", "authorise": "authorize",
    "authorised": "authorized", "behaviour": "behavior", "cancelled": "canceled",
    "catalogue": "catalog", "centre": "center", "colour": "color", "defence": "defense",
    "favour": "favor", "fulfil": "fulfill", "fulfilment": "fulfillment",
    "judgement": "judgment", "labour": "labor", "modelled": "modeled", "modelling": "modeling",
    "offence": "offense", "organisation": "organization", "organisations": "organizations",
    "practise": "practice", "programme": "program", "realise": "realize",
    "recognise": "recognize", "utilisation": "utilization", "whilst": "while",
    "wilful": "willful", "&": "and", "©": "c", "http": "", "https": "",
}
# Hyphenated and closed forms are equivalent: "non-commercial" = "non commercial" =
# "noncommercial". These prefixes are joined to the token that follows.
_PREFIXES = frozenset({"non", "sub", "re", "co", "pre", "anti", "multi", "cross"})


@dataclass(frozen=True, eq=False, repr=False)
class Sentence(Record):
    start: int  # index of the first token
    end: int  # index after the last token
    first_line: int
    last_line: int
    hash: str


@dataclass(frozen=True, eq=False, repr=False)
class Normalized(Record):
    """A text in canonical form."""

    tokens: tuple[str, ...]
    lines: tuple[int, ...]  # 1-based line of each token
    sentences: tuple[Sentence, ...]
    cleaned: str  # the text the tokens were read from (for showing passages)
    offsets: tuple[tuple[int, int], ...]  # character span of each token in `cleaned`
    dropped: tuple[str, ...] = ()  # the copyright statements left out, as written

    @cached_property
    def dropped_tokens(self) -> tuple[tuple[str, ...], ...]:
        """The canonical tokens of each copyright statement left out: a statement with no
        full stop can run into the sentence after it ("Copyright 2025 Example GmbH" over
        "Everyone is permitted to copy ..."), whose words are then found here."""
        out = []
        for statement in self.dropped:
            pattern, source = _token_source(_drop_markers(statement))
            raw = ((m.group(0), m.start(), m.end()) for m in pattern.finditer(source))
            out.append(tuple(t for t, _s, _e in _canonical_tokens(raw)))
        return tuple(out)

    @property
    def hash(self) -> str:
        return text_hash(self.tokens)

    def original(self, token: int) -> str:
        """A token as written (case and apostrophes kept)."""
        start, end = self.offsets[token]
        return self.cleaned[start:end]

    def sentence_at(self, token: int) -> int:
        return bisect_right(self._starts, token) - 1

    @cached_property
    def _starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    def passage(self, first: int, last: int, limit: int = 300) -> str:
        """The cleaned text of sentences first..last (inclusive), whitespace collapsed."""
        if first > last or not self.sentences:
            return ""
        start = self.offsets[self.sentences[first].start][0]
        end = self.offsets[self.sentences[last].end - 1][1]
        shown = "".join(ch if ch.isprintable() else " " for ch in self.cleaned[start:end])
        shown = " ".join(shown.split())
        return shown if len(shown) <= limit else shown[:limit - 1].rstrip() + "…"


def text_hash(tokens: Sequence[str]) -> str:
    return sha256(" ".join(tokens).encode()).hexdigest()


def sentence_hash(tokens: Sequence[str]) -> str:
    return blake2b(" ".join(tokens).encode(), digest_size=6).hexdigest()


def _fold(word: str) -> list[str]:
    """Lower case that is stable: a second pass over the result changes nothing; letters that
    look like Latin ones (Cyrillic 'а', Greek 'ο') are read as those."""
    for _ in range(3):
        folded = unicodedata.normalize("NFKC", word.lower())
        if _LOOK_ALIKE_SCRIPTS.search(folded):  # (lower case of a mapped letter)
            folded = folded.translate(_confusables())
        if folded == word:
            break
        word = folded
    if _needs_unicode(word):
        return _unicode_token().findall(word)
    return _PLAIN_TOKEN.findall(word.replace("’", "'").replace("‘", "'"))


# scripts with letters that look like Latin ones (CJK, Hangul and kana have none)
_LOOK_ALIKE_SCRIPTS = re.compile("[\u0180-\u058f\u10a0-\u10ff\u13a0-\u13ff\u1d00-\u1dbf"
                                 "\u2100-\u218f\u2c00-\u2c7f\u2c80-\u2cff\ua4d0-\ua4ff"
                                 "\ua640-\ua69f\ua720-\ua7ff\uab70-\uabbf]")


@cache
def _confusables() -> dict[int, str]:
    """Letters and digits confusable with an ASCII letter or digit -> that character in the
    letter's case, from the Unicode confusables data (UTS #39 confusables.txt) that the
    confusable-homoglyphs package ships. Loaded only for text with such letters."""
    try:
        from confusable_homoglyphs.confusables import (  # type: ignore[import-untyped]
            confusables_data,
        )
    except ImportError:  # pragma: no cover - a declared dependency
        return {}
    table: dict[int, str] = {}
    for char, homoglyphs in sorted(confusables_data.items()):
        if len(char) != 1 or char.isascii() or not _LOOK_ALIKE_SCRIPTS.match(char):
            continue
        if unicodedata.category(char)[0] not in "LN":
            continue
        for item in homoglyphs:
            target = item.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalnum():
                # (in the look-alike's case: where a statement ends and what is a title or a
                # name read capitals, "Espoo" in Cyrillic letters is still a name)
                table[ord(char)] = target.upper() if char.isupper() else target.lower()
                break
    return table


def _split(raw: Iterable[tuple[str, int, int]]) -> Iterator[tuple[str, int, int]]:
    for word, start, end in raw:
        if word.isascii():
            yield word.lower(), start, end
        else:
            for part in _fold(word):
                yield part, start, end


def _canonical_tokens(raw: Iterable[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    pending: tuple[str, int, int] | None = None
    for word, start, end in _split(raw):
        word = word.translate(_APOSTROPHES)
        if word.startswith("www."):
            word = _WWW.sub("", word)
        word = _VARIANTS.get(word, word)
        if not word:
            continue
        if pending is not None:
            word, start = pending[0] + word, pending[1]
            pending = None
        if word in _PREFIXES:
            pending = (word, start, end)
            continue
        out.append((word, start, end))
    if pending is not None:
        out.append(pending)
    return out


# Template variables in the standard slots of permissive licenses: the holder a BSD text
# names ("Neither the name of Salesforce.com nor the names of its contributors", "PROVIDED
# BY THE REGENTS AND CONTRIBUTORS "AS IS"", "IN NO EVENT SHALL ACME BE LIABLE") is filled in
# by every licensor (SPDX: replaceable text). The words between the slot's opening and
# closing words become one token, so a filled-in holder is no edit. (opening, closing)
_SLOTS: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = {
    "neither": ((("neither", "the", "name", "of"), ("nor",)),
                (("neither", "the", "names", "of"), ("nor",))),
    "provided": ((("provided", "by"), ("as", "is")),),
    "in": ((("in", "no", "event", "shall"), ("be", "liable")),),
}
SLOT_TOKEN = "holder"
_SLOT_WORDS = 10  # longest holder a slot takes, in tokens
# A holder is a name: a filling with words that limit or qualify a use is a restriction
# written into the slot ("PROVIDED BY THE COPYRIGHT HOLDERS FOR NONCOMMERCIAL RESEARCH USE
# ONLY", "THE COPYRIGHT HOLDERS (WHO PERMIT ACADEMIC USE ONLY)"), not a holder
_SLOT_NEVER = frozenset({
    "not", "no", "never", "nor", "neither", "shall", "may", "must", "will", "be", "cannot",
    "only", "solely", "exclusively", "except", "unless", "without", "use", "used", "uses",
    "usage", "using", "purpose", "purposes", "commercial", "commercially", "noncommercial",
    "noncommercially", "permit", "permits", "permitted", "permission", "allowed", "allow",
    "allows", "prohibited", "prohibit", "prohibits", "restricted", "restrict", "restricts",
    "restriction", "required", "require", "requires", "license", "licensed", "licensee",
    "licensees", "fee", "fees", "paid", "pay", "user", "users", "terms", "conditions",
})
# ... and a field of use or a place after "for" ("FOR RESEARCH", "FOR EU"); a name may hold
# them otherwise ("EU DataGrid", "Microsoft Research", "UK Research and Innovation")
_SLOT_FIELD = frozenset({
    "research", "academic", "scientific", "personal", "educational", "evaluation",
    "internal", "production", "nonproduction", "nonprofit", "profit", "eu", "european", "eea",
    "uk", "china", "military", "weapons", "surveillance",
})

def _fill_slots(canon: list[tuple[str, int, int]], cleaned: str) -> list[tuple[str, int, int]]:
    if not any(t in _SLOTS for t, _s, _e in canon):
        return canon
    out: list[tuple[str, int, int]] = []
    index = 0
    count = len(canon)
    while index < count:
        word = canon[index][0]
        filled = None
        for opening, closing in _SLOTS.get(word, ()):
            stop = index + len(opening)
            if tuple(t for t, _s, _e in canon[index:stop]) != opening:
                continue
            for end in range(stop + 1, min(stop + _SLOT_WORDS, count - len(closing)) + 1):
                if tuple(t for t, _s, _e in canon[end:end + len(closing)]) == closing:
                    holder = canon[stop:end]
                    first, last = holder[0][1], holder[-1][2]
                    if not _restricts(holder) \
                            and "\n\n" not in cleaned[first:last].replace(" ", ""):
                        filled = (stop, end)
                    break
            if filled:
                break
        if filled is None:
            out.append(canon[index])
            index += 1
            continue
        stop, end = filled
        out.extend(canon[index:stop])
        out.append((SLOT_TOKEN, canon[stop][1], canon[end - 1][2]))
        index = end
    return out


def _restricts(holder: Sequence[tuple[str, int, int]]) -> bool:
    """Is a slot's filling a restriction (or a number) rather than a holder's name?"""
    tokens = [t for t, _s, _e in holder]
    return any(t in _SLOT_NEVER or t.isdigit() for t in tokens) or \
        ("for" in tokens and any(t in _SLOT_FIELD for t in tokens))


def words(text: str) -> tuple[str, ...]:
    """The canonical tokens of a short phrase (a license name, a title, a URL): the tokens
    normalize() gives, without the sentence bookkeeping a full text needs."""
    cleaned = _drop_markers(_drop_copyright(clean(text)))
    pattern, source = _token_source(cleaned)
    if pattern is _PLAIN_TOKEN:
        # (card sentences, read by evidence/wording.py, and a user's rule pack's phrases:
        # ASCII ones without a slot's opening word take this shorter way to the same tokens)
        tokens = _canonical_words(pattern.findall(source.lower()))
        if not any(t in _SLOTS for t in tokens):
            return tuple(tokens)
    raw = ((m.group(0), m.start(), m.end()) for m in pattern.finditer(source))
    return tuple(t for t, _s, _e in _fill_slots(_canonical_tokens(raw), cleaned))


def _canonical_words(lowered: list[str]) -> list[str]:
    """_canonical_tokens() of lower-case ASCII words, without their offsets."""
    out: list[str] = []
    pending = ""
    for word in lowered:
        if "'" in word or "`" in word:
            word = word.translate(_APOSTROPHES)
        if word.startswith("www."):
            word = _WWW.sub("", word)
        word = _VARIANTS.get(word, word)
        if not word:
            continue
        if pending:
            word, pending = pending + word, ""
        if word in _PREFIXES:
            pending = word
            continue
        out.append(word)
    if pending:
        out.append(pending)
    return out


def normalize(text: str) -> Normalized:
    dropped: list[str] = []
    cleaned = _drop_markers(_drop_copyright(clean(text), dropped))
    newlines = [m.start() for m in _NEWLINE.finditer(cleaned)]
    pattern, source = _token_source(cleaned)
    raw = ((m.group(0), m.start(), m.end()) for m in pattern.finditer(source))
    canon = _fill_slots(_canonical_tokens(raw), cleaned)
    tokens = tuple(t for t, _s, _e in canon)
    offsets = tuple((s, e) for _t, s, e in canon)
    token_lines = tuple(bisect_right(newlines, s) + 1 for s, _e in offsets)
    sentences = _sentences(cleaned, tokens, offsets, token_lines)
    return Normalized(tokens, token_lines, sentences, cleaned, offsets, tuple(dropped))


def _sentences(cleaned: str, tokens: tuple[str, ...], offsets: tuple[tuple[int, int], ...],
               lines: tuple[int, ...]) -> tuple[Sentence, ...]:
    cuts = [m.start() for m in _BOUNDARY.finditer(cleaned)]
    out: list[Sentence] = []
    start = 0
    cut_index = 0
    for index in range(len(tokens)):
        # a boundary between this token and the next one closes the sentence
        end_char = offsets[index][1]
        while cut_index < len(cuts) and cuts[cut_index] < end_char:
            cut_index += 1
        next_start = offsets[index + 1][0] if index + 1 < len(tokens) else len(cleaned) + 1
        if index + 1 == len(tokens) or (cut_index < len(cuts) and cuts[cut_index] < next_start):
            words = tokens[start:index + 1]
            out.append(Sentence(start, index + 1, lines[start], lines[index],
                                sentence_hash(words)))
            start = index + 1
    return tuple(out)


def shingles(tokens: Sequence[str], size: int = SHINGLE) -> list[int]:
    """crc32 of every run of `size` tokens (one run for shorter texts), in token order."""
    if not tokens:
        return []
    if len(tokens) <= size:
        return [zlib.crc32(" ".join(tokens).encode())]
    return [zlib.crc32(" ".join(tokens[i:i + size]).encode())
            for i in range(len(tokens) - size + 1)]
