"""The terminal table. Every field passes through `printable_line`: escaped control and
invisible format characters, one line each."""

from __future__ import annotations

from licscan.model import ModelResult, ScanResult
from licscan.redact import printable_line
from licscan.report.json_report import summary

_SHORT = {"allowed": "yes", "conditional": "cond.", "prohibited": "NO", "unknown": "?"}
_COLUMNS = ("MODEL", "REV", "LICENSE", "COMMERCIAL", "MODIFY", "DISTRIB", "VERDICT")


def _clip(text: str, width: int) -> str:
    text = printable_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _row(model: ModelResult) -> tuple[str, ...]:
    """Every cell escaped: a revision comes from a cache's refs file, ids and expressions
    from cards, and even flags and verdicts from a pack or a saved report."""
    rev = _clip((model.revision or "-")[:7], 16)
    if model.status == "error":
        lic = f"ERROR ({model.error.kind})" if model.error else "ERROR"
        flags: tuple[str, ...] = ("-", "-", "-")
    else:
        lic = (model.license.expression if model.license else None) or "unresolved"
        flags = tuple(_clip(_SHORT.get(v, v), 12) for v in (model.flags.commercial_use,
                                                              model.flags.modification,
                                                              model.flags.distribution))
    return (_clip(model.id, 44), rev, _clip(lic, 48), *flags, _clip(model.verdict.upper(), 8))


def _details(model: ModelResult) -> list[str]:
    lines = []
    if model.error is not None:
        lines.append(f"error: {printable_line(model.error.message)}")
    for finding in model.findings:
        if finding.severity != "info":
            lines.append(printable_line(f"{finding.severity}: {finding.code}: {finding.message}"))
    extra = model.extra.get("text_lines")
    if isinstance(extra, list):
        lines.extend(printable_line(str(x)) for x in extra)
    for condition in model.extra.get("conditions") or ():
        lines.append(f"condition: {printable_line(str(condition))}")
    for answer in model.extra.get("context_answers") or ():
        if answer.get("answer") != "allowed":
            lines.append(printable_line(f"in your context: {answer.get('term')} "
                                        f"{answer.get('answer')}: {answer.get('reason')}"))
    for obligation in model.extra.get("obligations") or ():
        lines.append(printable_line(f"owe: {obligation.get('text')}"
                                    + (f" [{obligation.get('rule')} {obligation.get('clause')}]"
                                       if obligation.get("clause") else "")))
    return lines


def render(result: ScanResult, **_options: object) -> str:
    rows = [_COLUMNS, *(_row(m) for m in result.models)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    out = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
           for row in rows]
    for model in result.models:
        details = _details(model)
        if details:
            out.append("")
            reason = f" ({model.verdict_reason})" if model.verdict_reason else ""
            out.append(printable_line(f"{model.id}: {model.verdict}{reason}"))
            out.extend(f"  - {line}" for line in details)
    s = summary(result)
    out.append("")
    out.append(f"{s['models']} model(s): {s['verdicts']['allow']} allow, "
               f"{s['verdicts']['review']} review, {s['verdicts']['deny']} deny, "
               f"{s['error']} error(s); rule pack "
               f"{printable_line(str(result.rulepack.get('version')))}")
    return "\n".join(out) + "\n"
