"""The block structure of a Markdown card body, as CommonMark renders it, as far as finding
sections and reading their text need it: fenced code (also inside list items and block
quotes), block quotes (their markers taken off the text), ATX, setext and HTML headings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_RULE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_HTML_HEADING = re.compile(r"^ {0,3}<h([1-6])(?:\s[^>]*)?>(.*?)</h\1\s*>",
                           re.IGNORECASE | re.DOTALL)
_HTML_HEADING_OPEN = re.compile(r"^ {0,3}<h([1-6])(?=[\s>]|$)", re.IGNORECASE)
_HTML_HEADING_LINES = 8  # a heading tag split over more lines than this is not read as one
_TAG = re.compile(r"<[^>]*>")
_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
PARAGRAPH_BREAK = re.compile(r"^ {0,3}(?:$|#|[-*+][ \t]|\d{1,9}[.)][ \t]|\||>|<|```|~~~)")
# container blocks: a block quote marker, a list item marker (and the spaces after it)
_QUOTE_MARK = re.compile(r"^ {0,3}> ?")
_LIST_MARK = re.compile(r"^( {0,3})([-*+]|\d{1,9}[.)])(?:( +)|$)")
_MAX_CONTAINERS = 32
_MAY_OPEN = re.compile(r"^ {0,3}[>*+\-\d`~_]")  # a line that may open a container or a fence
_THEMATIC_BREAK = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")


@dataclass(frozen=True)
class Heading:
    line: int  # 0-based last line of the heading (the underline of a setext heading)
    first: int  # 0-based first line of the heading (the text line for a setext heading)
    title: str
    nested: bool = False  # inside a block quote or a list item


@dataclass(frozen=True)
class _Container:
    quote: bool  # a block quote ('>'), else a list item
    indent: int = 0  # a list item: the columns its content is indented by
    serial: int = 0  # which container: two list items of one width are two containers


@dataclass(frozen=True)
class _Fence:
    start: int  # its opening line
    depth: int  # the containers it is in (a list item, a block quote ...)
    char: str
    size: int
    indent: int  # the opening fence's indentation, taken off its content lines


@dataclass(frozen=True)
class _Blocks:
    code: set[int]  # lines inside fenced code (delimiters included)
    delimiters: set[int]  # the fence lines themselves
    shown: list[str]  # each line as read: block quote markers and, in code, the containers'
    #                   indentation taken off ("> This model is ..." reads "This model is ...")
    inner: list[str]  # each line inside its containers (markers and indentation off): a
    #                   heading in a quote or a list item ("> ## License", "- ## License")
    within: list[int]  # the innermost container of each line (its serial: a container's
    #                   ancestors are fixed while it is open, so it names them all; 0 for none,
    #                   -1 for a lazy continuation line, which no setext underline can share)


def _blocks(lines: list[str]) -> _Blocks:
    """Fenced code and block quotes, following CommonMark's containers: a fence opened
    inside a list item or a block quote ('- ```', '> ```', an indented fence under '10. ')
    is closed by its closing fence or where its container ends; its content is that of the
    code block (the quote markers and indentation taken off). A top-level fence is opened by
    3+ backticks or tildes indented at most 3 spaces and closed by a run of the same
    character at least as long. A fence that is never closed is not treated as code: what
    follows it is read (licscan fails closed rather than skip the rest of a card)."""
    scan = _BlockScan(lines)
    for i, raw in enumerate(lines):
        scan.line(i, raw.expandtabs(4) if "\t" in raw else raw)
    return scan.end()


class _BlockScan:
    """The state of `_blocks` as it goes through the lines once."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.closers = [_closer(line) for line in lines]
        # longest closing run of each character at or after each line: a top-level opening
        # no later line can close is found in O(1), so the scan stays linear
        self.longest = {"`": [0] * (len(lines) + 1), "~": [0] * (len(lines) + 1)}
        for i in range(len(lines) - 1, -1, -1):
            for char, runs in self.longest.items():
                run = self.closers[i]
                runs[i] = max(runs[i + 1], run[1] if run and run[0] == char else 0)
        self.blocks = _Blocks(set(), set(), list(lines), list(lines), [0] * len(lines))
        self.stack: list[_Container] = []
        self.serials = 0
        self.fence: _Fence | None = None
        self.lazy = False  # the line before was paragraph text, which a line may continue

    def line(self, i: int, line: str) -> None:
        if not self.stack and self.fence is None and not _MAY_OPEN.match(line):
            self.lazy = bool(line.strip()) and not ATX.match(line)  # plain text: the most
            return  # lines of a card, read without the container machinery
        matched, rest, kept = _continue(self.stack, line)
        if self.fence is not None and self._in_fence(i, matched, rest):
            return
        if matched < len(self.stack):
            if self.lazy and rest.strip() and not _starts_block(rest):
                self.blocks.shown[i] = line.lstrip()  # a paragraph's lazy continuation
                self.blocks.inner[i] = line.lstrip()
                self.blocks.within[i] = -1
                return
            del self.stack[matched:]
        rest, kept, self.serials = _open_containers(self.stack, rest, kept, self.serials)
        if self.stack:
            self.blocks.inner[i] = rest
            self.blocks.within[i] = self.stack[-1].serial
        opening = _FENCE_OPEN.match(rest)
        if opening and not (opening.group(2)[0] == "`" and "`" in opening.group(3)):
            char, size = opening.group(2)[0], len(opening.group(2))
            if self.stack or self.longest[char][i + 1] >= size:
                self.fence = _Fence(i, len(self.stack), char, size, len(opening.group(1)))
                self.lazy = False
                return
        if self.stack:
            self.blocks.shown[i] = kept + rest
        self.lazy = bool(rest.strip()) and not ATX.match(rest) and \
            not _THEMATIC_BREAK.match(rest)

    def _in_fence(self, i: int, matched: int, rest: str) -> bool:
        """Whether line `i` belongs to the open fence (its content or its closing line)."""
        fence = self.fence
        assert fence is not None
        if matched < fence.depth:  # its container ended: so did the fence
            self._close(fence, i - 1, closing=False)
            return False
        run = self.closers[i] if fence.depth == 0 else _closer(rest)
        if run and run[0] == fence.char and run[1] >= fence.size:
            self._close(fence, i, closing=True)
        elif fence.depth:
            spaces = len(rest) - len(rest.lstrip(" "))
            self.blocks.shown[i] = rest[min(spaces, fence.indent):]
        return True

    def _close(self, fence: _Fence, last: int, closing: bool) -> None:
        self.blocks.code.update(range(fence.start, last + 1))
        self.blocks.delimiters.update((fence.start, last) if closing else (fence.start,))
        self.fence = None

    def end(self) -> _Blocks:
        fence = self.fence
        if fence is not None and fence.depth:  # never closed, its container runs to the
            # end: not code, read as it is
            self.blocks.shown[fence.start + 1:] = self.lines[fence.start + 1:]
        return self.blocks


def _continue(stack: list[_Container], line: str) -> tuple[int, str, str]:
    """How many of the open containers `line` continues, the rest of the line, and what of
    the containers' prefix is kept in the text (a list item's indentation; not '>')."""
    rest, kept = line, ""
    for matched, container in enumerate(stack):
        if container.quote:
            mark = _QUOTE_MARK.match(rest)
            if mark is None:
                return matched, rest, kept
            rest = rest[mark.end():]
        elif not rest.strip():
            rest = ""
        elif len(rest) - len(rest.lstrip(" ")) >= container.indent:
            kept += rest[:container.indent]
            rest = rest[container.indent:]
        else:
            return matched, rest, kept
    return len(stack), rest, kept


def _open_containers(stack: list[_Container], rest: str, kept: str, serials: int
                     ) -> tuple[str, str, int]:
    """Open the block quotes and list items that start on this line ('> - ```'), at most
    _MAX_CONTAINERS deep (past that, markers are text: each line is matched against the open
    containers, so their number bounds the work per line). Each container opened takes the
    next serial number; the last one given is returned."""
    while len(stack) < _MAX_CONTAINERS and not _THEMATIC_BREAK.match(rest):
        serials += 1
        quote = _QUOTE_MARK.match(rest)
        if quote is not None:
            stack.append(_Container(quote=True, serial=serials))
            rest = rest[quote.end():]
            continue
        item = _LIST_MARK.match(rest)
        if item is None:
            break
        spaces = len(item.group(3) or "")
        width = len(item.group(1)) + len(item.group(2)) + (spaces if 1 <= spaces <= 4 else 1)
        stack.append(_Container(quote=False, indent=width, serial=serials))
        kept += rest[:min(width, len(rest))]
        rest = rest[width:]
    return rest, kept, serials


def _starts_block(text: str) -> bool:
    return bool(PARAGRAPH_BREAK.match(text) or _THEMATIC_BREAK.match(text)
                or _FENCE_OPEN.match(text))


_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")


def _closer(line: str) -> tuple[str, int] | None:
    match = _FENCE_CLOSE.match(line)
    return (match.group(1)[0], len(match.group(1))) if match else None


def _headings(lines: list[str], in_code: set[int], within: list[int]) -> list[Heading]:
    """ATX ('## License', indented up to 3 spaces, closing #s), setext ('License' underlined
    with '=' or '-', both lines in the same containers) and HTML (<h1>..<h6>, its tags and
    text over one or several lines, with attributes) headings outside fenced code. `lines` are
    read inside their containers: as CommonMark renders them, '> ## License' and '- ## License'
    are headings (in a block quote, in a list item), and so is '> License' over '> -------'."""
    out: list[Heading] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if i in in_code:
            i += 1
            continue
        atx = ATX.match(line)
        if atx:
            out.append(Heading(i, i, (atx.group(2) or "").strip(), within[i] != 0))
        elif _HTML_HEADING_OPEN.match(line) and \
                (last := _html_heading_end(lines, i, in_code)) is not None:
            html = _HTML_HEADING.match("\n".join(lines[i:last + 1]))
            if html:
                out.append(Heading(last, i, " ".join(_TAG.sub(" ", html.group(2)).split()),
                                   within[i] != 0))
                i = last + 1
                continue
        elif i and SETEXT_RULE.match(line) and (i - 1) not in in_code and \
                within[i] == within[i - 1] != -1:
            above = lines[i - 1]
            if above.strip() and not above.startswith("    ") and \
                    not PARAGRAPH_BREAK.match(above) and not SETEXT_RULE.match(above) and \
                    not (out and out[-1].line == i - 1):
                out.append(Heading(i, i - 1, above.strip(), within[i] != 0))
        i += 1
    return out


def _html_heading_end(lines: list[str], start: int, in_code: set[int]) -> int | None:
    """The line that closes the HTML heading opened on line `start` (`</hN>`), within its
    HTML block (up to a blank line, as CommonMark reads one), or None."""
    level = _HTML_HEADING_OPEN.match(lines[start])
    assert level is not None
    closing = re.compile(rf"</h{level.group(1)}\s*>", re.IGNORECASE)
    for j in range(start, min(len(lines), start + _HTML_HEADING_LINES)):
        if j > start and (not lines[j].strip() or j in in_code):
            return None
        if closing.search(lines[j]):
            return j
    return None


@dataclass(frozen=True)
class Markdown:
    lines: list[str]  # as read (`_Blocks.shown`)
    code: set[int]  # lines inside fenced code (delimiters included)
    delimiters: set[int]  # the fence lines themselves
    headings: list[Heading]


@lru_cache(maxsize=4)  # a card's body is read for its sections, restrictions and cuts
def parse_markdown(body: str) -> Markdown:
    raw = body.split("\n")
    blocks = _blocks(raw)
    return Markdown(blocks.shown, blocks.code, blocks.delimiters,
                    _headings(blocks.inner, blocks.code, blocks.within))


def blank_code(md: Markdown) -> str:
    return "\n".join("" if i in md.code else line for i, line in enumerate(md.lines))
