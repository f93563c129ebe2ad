"""Markdown for a pull request or $GITHUB_STEP_SUMMARY: the counts, what needs attention, and
a table of every model. Every model-controlled string is escaped: a model card must not be
able to inject links, images or HTML into the page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from licscan.model import ScanResult

MAX_ROWS = 500  # the step summary is capped at 1 MiB
MAX_TEXT = 400
LEVELS = ("review", "deny")
_MARK = {"deny": "❌", "review": "⚠️", "allow": "✅"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def render(result: ScanResult, **options: Any) -> str:
    from licscan.report.json_report import report_dict

    return render_dict(report_dict(result), **options)


def render_dict(report: Mapping[str, Any], **_options: Any) -> str:
    models = list(report.get("models", ()))
    summary = report.get("summary") or {}
    verdicts = summary.get("verdicts") or {}
    pack = report.get("rulepack") or {}
    worst = summary.get("worst_verdict", "allow")
    lines = [f"## {_MARK.get(worst, '')} licscan: {verdicts.get('deny', 0)} deny, "
             f"{verdicts.get('review', 0)} review, {verdicts.get('allow', 0)} allow",
             "",
             f"{len(models)} model(s), {summary.get('error', 0)} not scanned · rule pack "
             f"{esc(str(pack.get('name', '')))} {esc(str(pack.get('version', '')))}", ""]
    attention = [m for m in models if m.get("verdict") != "allow" or m.get("status") == "error"]
    if attention:
        lines += ["### Needs attention", ""]
        for model in attention:
            lines += _attention(model)
        lines.append("")
    lines += ["### Models", "", "| | Model | Revision | License | Commercial use | Verdict | "
              "Decided by |", "|---|---|---|---|---|---|---|"]
    lines += [_row(m) for m in models[:MAX_ROWS]]
    if len(models) > MAX_ROWS:
        lines += ["", f"… and {len(models) - MAX_ROWS} more (see the JSON report)."]
    return "\n".join(lines) + "\n"


def esc(text: str, limit: int = MAX_TEXT) -> str:
    """Plain text inside Markdown: no markup, no HTML, one line."""
    from licscan.redact import printable

    text = printable(" ".join(str(text).split()))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _where(model: Mapping[str, Any]) -> str:
    origin = model.get("origin") or {}
    if not origin.get("file"):
        return ""
    line = f":{origin['line']}" if origin.get("line") else ""
    return f" ({esc(origin['file'])}{line})"


def _attention(model: Mapping[str, Any]) -> list[str]:
    verdict = str(model.get("verdict"))
    if model.get("status") == "error":
        error = model.get("error") or {}
        why = f"not scanned ({esc(str(error.get('kind', 'error')))}): " \
              f"{esc(str(error.get('message', '')))}"
    else:
        why = f"{verdict}: {esc(str(model.get('verdict_reason') or ''))}"
    out = [f"- {_MARK.get(verdict, '')} **{esc(str(model.get('id')))}**{_where(model)} — {why} "
           f"(decided by {esc(str(model.get('decided_by') or 'default-policy'))})"]
    out += [f"  - {esc(finding['severity'])} {esc(finding['code'])}: {esc(finding['message'])}"
            for finding in model.get("findings", ()) if finding.get("severity") in LEVELS]
    return out


def _row(model: Mapping[str, Any]) -> str:
    license_info = model.get("license") or {}
    expression = license_info.get("expression") or (
        "not scanned" if model.get("status") == "error" else "unresolved")
    revision = (model.get("revision") or model.get("requested_revision") or "-")[:12]
    verdict = str(model.get("verdict"))
    cells = [_MARK.get(verdict, ""), esc(str(model.get("id")), 120), esc(revision),
             esc(expression, 160), esc(str((model.get("flags") or {}).get("commercial_use", "-"))),
             f"**{esc(verdict)}**", esc(str(model.get("decided_by") or "-"))]
    return "| " + " | ".join(cells) + " |"
