"""The terminal report: a table that fits the terminal's width, then one explanation per model.

Every field passes through `printable_line` (escaped control and invisible format
characters) before it is measured, wrapped or coloured; cells wrap instead of being cut, and
each thing is said once: the headline reason is not repeated as a bullet.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence

from licscan.model import ModelResult, ScanResult
from licscan.redact import printable_line
from licscan.report.json_report import summary
from licscan.vocab import Permission

DEFAULT_WIDTH = 100
MIN_WIDTH = 60
_SHORT: dict[str, str] = {Permission.ALLOWED: "yes", Permission.CONDITIONAL: "cond.",
                          Permission.PROHIBITED: "NO", Permission.UNKNOWN: "unknown"}
_COLUMNS = ("MODEL", "REV", "LICENSE", "COMMERCIAL", "MODIFY", "DISTRIB", "VERDICT")
_FIXED = {"REV": 7, "COMMERCIAL": 10, "MODIFY": 7, "DISTRIB": 7, "VERDICT": 7}
_GAP = "  "
_COLOURS = {"ALLOW": "green", "REVIEW": "yellow", "DENY": "red", "ERROR": "red", "NO": "red",
            "unknown": "yellow"}
# Prefixes that say nothing a reader needs in a narrow column (the full id is in the details).
_REF_PREFIX = re.compile(r"\bLicenseRef-(?:scancode-|licscan-)?")
_OPERATOR = re.compile(r"\s+(AND|OR|WITH)\s+")


def terminal_width(width: int | None = None) -> int:
    """`width`, else the terminal's (COLUMNS, then the tty), else 100; never below 60."""
    if width is None:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns or DEFAULT_WIDTH
    return max(MIN_WIDTH, width)


def flatten_parentheses(text: str) -> str:
    """`permitted (§2.2 (no user threshold))` -> `permitted (§2.2: no user threshold)`: a
    parenthesis opened after a space inside another becomes a colon. Legal references such as
    `§1(i)` (no space before) are kept."""
    out: list[str] = []
    stack: list[bool] = []  # per open parenthesis: was it flattened?
    for index, char in enumerate(text):
        if char == "(":
            nested = bool(stack) and index > 0 and text[index - 1] == " "
            stack.append(nested)
            if nested:
                if out and out[-1] == " ":
                    out.pop()
                out.append(": ")
            else:
                out.append(char)
        elif char == ")" and stack:
            if not stack.pop():
                out.append(char)
        else:
            out.append(char)
    return "".join(out)


def short_expression(expression: str) -> str:
    return _REF_PREFIX.sub("", expression)


def _terms(expression: str) -> list[str]:
    """`A AND B OR C` -> [`A`, `AND B`, `OR C`]."""
    parts = _OPERATOR.split(expression)
    return [parts[0]] + [f"{parts[i]} {parts[i + 1]}" for i in range(1, len(parts) - 1, 2)]


def _expression_lines(expression: str, width: int) -> list[str]:
    """Wrap at operators so no license id is cut: `A AND` / `B`; an id longer than the column
    is broken at its own hyphens."""
    lines: list[str] = []
    for term in _terms(expression):
        if lines and len(lines[-1]) + 1 + len(term) <= width:
            lines[-1] += " " + term
        else:
            lines.extend(_break_word(term, width))
    return lines or [""]


def _break_word(text: str, width: int) -> list[str]:
    """Wrap an id to `width`, preferring to break after `/`, `-`, `_`, `.` or a space."""
    lines = []
    while len(text) > width:
        cut = max(text.rfind(sep, 0, width) for sep in "/-_. ")
        cut = cut + 1 if cut > 0 else width
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    lines.append(text)
    return lines


def _cells(model: ModelResult) -> dict[str, str]:
    """Every cell escaped: a revision comes from a cache's refs file, ids and expressions
    from cards, and even flags and verdicts from a pack or a saved report."""
    if model.revision:
        rev = printable_line(model.revision)[:7]
    else:
        rev = "local" if model.source == "local" else "-"
    if model.status == "error":
        lic = f"ERROR ({model.error.kind})" if model.error else "ERROR"
        flags: tuple[str, ...] = ("-", "-", "-")
    else:
        expression = model.license.expression if model.license else None
        lic = short_expression(printable_line(expression)) if expression else "unresolved"
        flags = tuple(printable_line(_SHORT.get(v, v)) for v in (
            model.flags.commercial_use, model.flags.modification, model.flags.distribution))
    return dict(zip(_COLUMNS, (printable_line(model.id), rev, lic, *flags,
                               printable_line(model.verdict.upper())), strict=True))


def _widths(rows: Sequence[Mapping[str, str]], width: int) -> dict[str, int]:
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) if rows else len(c)
              for c in _COLUMNS}
    for column, fixed in _FIXED.items():
        widths[column] = max(len(column), min(widths[column], fixed))
    free = width - sum(widths[c] for c in _FIXED) - len(_GAP) * (len(_COLUMNS) - 1)
    model, lic = widths["MODEL"], widths["LICENSE"]
    if model + lic > free:
        # the license column keeps its longest term whole when it can; the model id wraps
        term = max((len(t) for r in rows for t in _terms(r["LICENSE"])), default=0)
        lic = min(lic, max(free // 2, min(term, free - 16)))
        model = max(len("MODEL"), free - lic)
    widths["MODEL"], widths["LICENSE"] = model, lic
    return widths


def _cell_lines(column: str, text: str, width: int) -> list[str]:
    if column == "LICENSE":
        return _expression_lines(text, width)
    if len(text) <= width:
        return [text]
    if column == "MODEL":  # continuation lines indented: they do not read as another model
        first = _break_word(text, width)[0]
        rest = text[len(first):].lstrip()
        if not rest:
            return [first]
        return [first, *("  " + line for line in _break_word(rest, max(8, width - 2)))]
    return [text[: width - 1] + "…"]  # flags and verdicts are short words; a forged one is cut


def _style(text: str, word: str, color: bool, bold: bool = False) -> str:
    if not color or word not in _COLOURS:
        return text
    import click

    return click.style(text, fg=_COLOURS[word], bold=bold)


def _free(width: int) -> int:
    """Columns left for MODEL and LICENSE once the fixed columns and gaps are laid out."""
    return width - sum(max(len(c), w) for c, w in _FIXED.items()) - len(_GAP) * (
        len(_COLUMNS) - 1)


def _list(rows: Sequence[Mapping[str, str]], width: int, color: bool) -> list[str]:
    """A narrow terminal: one entry per model instead of a table."""
    out = []
    for row in rows:
        verdict = row["VERDICT"]
        out.append(_style(verdict.ljust(7), verdict, color, bold=True) + " " + row["MODEL"])
        facts = (f"rev {row['REV']}, license {row['LICENSE']}; commercial {row['COMMERCIAL']}, "
                 f"modify {row['MODIFY']}, distribute {row['DISTRIB']}")
        out.extend(_wrapped(facts, width, "        ", "          "))
    return out


def _table(models: Sequence[ModelResult], width: int, color: bool) -> list[str]:
    rows = [_cells(m) for m in models]
    if _free(width) < 28:
        return _list(rows, width, color)
    widths = _widths(rows, width)
    out = [_GAP.join(c.ljust(widths[c]) for c in _COLUMNS).rstrip()]
    for row in rows:
        cells = {c: _cell_lines(c, row[c], widths[c]) for c in _COLUMNS}
        for index in range(max(len(v) for v in cells.values())):
            parts = []
            for column in _COLUMNS:
                lines = cells[column]
                text = lines[index] if index < len(lines) else ""
                pad = " " * (widths[column] - len(text))
                parts.append(_style(text, text, color, bold=column == "VERDICT") + pad)
            out.append(_GAP.join(parts).rstrip())
    return out


def _norm(text: str) -> str:
    return " ".join(flatten_parentheses(text).split()).rstrip(".").casefold()


def _said(text: str, said: Iterable[str]) -> bool:
    key = _norm(text)
    return bool(key) and any(key in s for s in said)


def _lineage_line(model: ModelResult) -> str | None:
    return f"lineage: {model.lineage.chain}" if model.lineage is not None else None


def _details(model: ModelResult, reason: str) -> list[str]:
    """The bullets under a model's headline, without what the headline already says."""
    said = [_norm(reason)]
    lines: list[str] = []
    for line, key in _candidate_lines(model):
        if not _said(key, said):
            said.append(_norm(key))
            lines.append(line)
    return lines


def _candidate_lines(model: ModelResult) -> Iterator[tuple[str, str]]:
    """(bullet, the words that say the same thing) in the order they are shown."""
    if model.error is not None:
        yield f"error: {model.error.message}", model.error.message
    lic = model.license
    if lic is not None and lic.expression and short_expression(lic.expression) != lic.expression:
        line = f"license: {lic.expression}" + (f" ({lic.name})" if lic.name else "")
        yield line, line
    for finding in model.findings:
        if finding.severity != "info":
            yield f"{finding.severity}: {finding.code}: {finding.message}", finding.message
    lineage = _lineage_line(model)
    if lineage:
        yield lineage, lineage
    evaluation = model.evaluation
    for condition in evaluation.conditions if evaluation else ():
        yield f"condition: {condition}", condition
    for answer in evaluation.answers if evaluation else ():
        if answer.answer != "allowed":
            term = answer.term.replace("_", " ")
            yield (f"in your context, {term} is {answer.answer or 'unknown'}: "
                   f"{answer.reason}", answer.reason)
    yield from _duty_lines(model)


def _duty_lines(model: ModelResult) -> Iterator[tuple[str, str]]:
    """The duty flags (yes, no or unknown, never "no" for unknown) and the obligations; a
    distribution duty in a hosted or internal context says it applies only if you distribute
    the model."""
    from licscan.report.model_view import FLAG_LABELS, flag_scopes, flag_words, obligation_rows

    if model.status == "ok":
        words, scopes = flag_words(model), flag_scopes(model)
        parts = [f"{FLAG_LABELS[key]}: {word}" + (f", {scopes[key]}" if scopes.get(key) else "")
                 for key, word in words.items()]
        line = "; ".join(parts)
        yield line, line
    for row in obligation_rows(model):
        cite = f" [{row.rule} {row.clause}]" if row.clause else ""
        line = f"owe ({row.note}): {row.text}{cite}" if row.note else f"owe: {row.text}{cite}"
        yield line, line


def _wrapped(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False) or [first.rstrip()]


def _explanation(model: ModelResult, width: int, color: bool) -> list[str]:
    reason = flatten_parentheses(printable_line(model.verdict_reason or ""))
    details = [flatten_parentheses(printable_line(d)) for d in _details(model, reason)]
    if not details and not reason:
        return []
    verdict = printable_line(model.verdict.upper())
    head = f"{printable_line(model.id)}: {verdict}"
    out = [""]
    if color:
        out.append(head[: -len(verdict)] + _style(verdict, verdict, True, bold=True))
    else:
        out.append(head)
    if reason:
        out.extend(_wrapped(reason, width, "  ", "  "))
    for line in details:
        out.extend(_wrapped(line, width, "  - ", "    "))
    return out


def render(result: ScanResult, width: int | None = None, color: bool | None = None,
           **_options: object) -> str:
    """The table and the explanations, wrapped to `width` (default: the terminal's).
    `color` None: only when a click context asks for colour (`--color`, a terminal)."""
    width = terminal_width(width)
    if color is None:
        color = _context_colour()
    out = _table(result.models, width, color)
    for model in result.models:
        out.extend(_explanation(model, width, color))
    s = summary(result)
    out.append("")
    out.extend(_wrapped(
        f"{s['models']} model(s): {s['verdicts']['allow']} allow, "
        f"{s['verdicts']['review']} review, {s['verdicts']['deny']} deny, {s['error']} "
        f"error(s); rule pack {printable_line(str(result.rulepack.get('version')))}",
        width, "", ""))
    return "\n".join(out) + "\n"


def _context_colour() -> bool:
    import click

    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.color)
