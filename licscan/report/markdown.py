"""Markdown for a pull request or $GITHUB_STEP_SUMMARY: the counts, what needs attention and
why, a table of every model (worst first), and what each model's license asks. Every
model-controlled string is escaped: a model card must not be able to inject links, images or
HTML into the page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from licscan.model import ScanResult
from licscan.report.model_view import (
    IF_DISTRIBUTED,
    IF_DISTRIBUTED_TEXT,
    deciding_reasons,
    flag_scopes,
    flag_words,
    main_condition,
    obligation_rows,
    severity_key,
)
from licscan.terms.typed import FLAGS_CLAUSE
from licscan.vocab import Verdict

MAX_ROWS = 500  # the step summary is capped at 1 MiB
MAX_OBLIGATION_MODELS = 100
MAX_TEXT = 400
_MARK: dict[str, str] = {Verdict.DENY: "❌", Verdict.REVIEW: "⚠️", Verdict.ALLOW: "✅"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_FLAG_SHORT = {"attribution": "attribution", "share_alike": "share-alike",
               "acceptable_use_policy": "use policy"}


def render(result: ScanResult, **options: Any) -> str:
    from licscan.report.json_report import report_dict

    return render_dict(report_dict(result), **options)


def render_dict(report: Mapping[str, Any], **_options: Any) -> str:
    models = sorted((m for m in _list(report.get("models")) if isinstance(m, Mapping)),
                    key=severity_key)  # worst first; stable otherwise
    summary = _dict(report.get("summary"))
    verdicts = _dict(summary.get("verdicts"))
    pack = _dict(report.get("rulepack"))
    worst = summary.get("worst_verdict", "allow")
    unknown = sum(severity_key(m)[1] == 1 for m in models)
    lines = [f"## {_MARK.get(str(worst), '')} licscan: {verdicts.get('deny', 0)} deny, "
             f"{verdicts.get('review', 0)} review, {verdicts.get('allow', 0)} allow",
             "",
             f"{len(models)} model(s), {summary.get('error', 0)} not scanned"
             + (f", {unknown} with an unknown license" if unknown else "")
             + f" · rule pack {esc(str(pack.get('name', '')))} "
               f"{esc(str(pack.get('version', '')))}", ""]
    attention = [m for m in models if m.get("verdict") != "allow" or m.get("status") == "error"]
    if attention:
        lines += ["### Needs attention", ""]
        for model in attention[:MAX_ROWS]:
            lines += _attention(model)
        lines.append("")
    lines += ["### Models", "", "Worst first: deny, then review (models that could not be "
              "scanned or whose license is unknown first), then allow.", "",
              "| | Model | Revision | License | Commercial use | Duties | Verdict | "
              "Why, or the main condition | Decided by |",
              "|---|---|---|---|---|---|---|---|---|"]
    lines += [_row(m) for m in models[:MAX_ROWS]]
    if len(models) > MAX_ROWS:
        lines += ["", f"… and {len(models) - MAX_ROWS} more (see the JSON report)."]
    lines += _obligations(models)
    return "\n".join(lines) + "\n"


def esc(text: str, limit: int = MAX_TEXT) -> str:
    """Plain text inside Markdown: no markup, no HTML, one line."""
    from licscan.redact import printable

    text = printable(" ".join(str(text).split()))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _where(model: Mapping[str, Any]) -> str:
    origin = _dict(model.get("origin"))
    if not origin.get("file"):
        return ""
    line = f":{esc(str(origin['line']))}" if origin.get("line") else ""
    return f" ({esc(str(origin['file']))}{line})"


def _attention(model: Mapping[str, Any]) -> list[str]:
    verdict = str(model.get("verdict"))
    decided = f"(decided by {esc(str(model.get('decided_by') or 'default-policy'))})"
    head = f"- {_MARK.get(verdict, '')} **{esc(str(model.get('id')))}**{_where(model)} — "
    if model.get("status") == "error":
        error = _dict(model.get("error"))
        return [f"{head}not scanned ({esc(str(error.get('kind', 'error')))}): "
                f"{esc(str(error.get('message', '')))} {decided}"]
    out = [f"{head}**{esc(verdict)}** {decided}, because:"]
    for reason in deciding_reasons(model):
        detail = reason.detail
        code = f" \\({esc(reason.code)}\\)" if reason.code not in ("policy", "scan-error") else ""
        if detail and not detail.lower().startswith(reason.headline.lower()):
            out.append(f"  - **{esc(reason.headline)}**: {esc(detail)}{code}")
        else:
            out.append(f"  - **{esc(detail or reason.headline)}**{code}")
    return out


def _duties(model: Mapping[str, Any]) -> str:
    words, scopes = flag_words(model), flag_scopes(model)
    return ", ".join(f"{_FLAG_SHORT[k]}: {w}" + (" if distributed" if scopes[k] else "")
                     for k, w in words.items())


def _row(model: Mapping[str, Any]) -> str:
    license_info = _dict(model.get("license"))
    expression = license_info.get("expression") or (
        "not scanned" if model.get("status") == "error" else "unresolved")
    revision = str(model.get("revision") or model.get("requested_revision") or "-")[:12]
    verdict = str(model.get("verdict"))
    reasons = deciding_reasons(model)
    why = "; ".join(r.headline for r in reasons) if reasons else main_condition(model)
    cells = [_MARK.get(verdict, ""), esc(str(model.get("id")), 120), esc(revision),
             esc(str(expression), 160),
             esc(str(_dict(model.get("flags")).get("commercial_use", "unknown"))),
             esc(_duties(model)), f"**{esc(verdict)}**", esc(why, 300),
             esc(str(model.get("decided_by") or "-"))]
    return "| " + " | ".join(cells) + " |"


def _obligations(models: list[Mapping[str, Any]]) -> list[str]:
    lines = ["", "### Obligations", "",
             f"What each model's license asks. A duty marked *{IF_DISTRIBUTED_TEXT}* is not "
             "triggered by the context (a hosted service or internal use) and applies once you "
             "ship the model to others.", ""]
    shown = 0
    for model in models:
        if model.get("status") == "error":
            continue
        rows = obligation_rows(model)
        if not rows and _dict(model.get("license")).get("expression"):
            continue
        if shown == MAX_OBLIGATION_MODELS:
            lines += ["", "… more in the JSON or HTML report."]
            break
        shown += 1
        lines.append(f"**{esc(str(model.get('id')), 120)}**")
        if not rows:
            lines.append("- unknown: the license could not be determined, so its obligations "
                         "are unknown")
        for row in rows:
            source = "derived from the license's flags, unverified" \
                if row.clause == FLAGS_CLAUSE else f"{row.rule} {row.clause}".strip()
            when = f" — *{IF_DISTRIBUTED_TEXT}*" if row.applies_when == IF_DISTRIBUTED else ""
            lines.append(f"- {esc(row.text)} \\[{esc(source)}\\]{when}")
        lines.append("")
    if not shown:
        lines.append("No model's license lists an obligation.")
    return lines
