"""`licscan report SCAN.json`: render a saved JSON report in another format, without scanning.

html and spdx-json render the dict directly; json writes it back as it was read; text rebuilds
typed ModelResults with what the terminal shows (`result_from_dict`): the table's fields, the
findings, the lineage chain, the conditions and answers, and the duty flags and obligations
as every other format reads them from the saved model (`report.model_view`).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from licscan.cli.common import write_output
from licscan.errors import ReportError
from licscan.model import (
    Answer,
    Declared,
    Evidence,
    Finding,
    Flags,
    LicenseConclusion,
    Lineage,
    ModelError,
    ModelRef,
    ModelResult,
    ScanResult,
    TermsEvaluation,
    freeze,
)
from licscan.report import CDX_VERSIONS, FORMATS
from licscan.report.untrusted import as_dict as _dict

FORMAT_CHOICES = list(FORMATS)


def load_report(path: str) -> dict[str, Any]:
    """Read a JSON report written by `licscan scan --format json`; ReportError if it is not."""
    try:
        if path == "-":
            raw = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                raw = handle.read()
        data = json.loads(raw)
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path} is not JSON: {exc}",
                          hint="give a report written by `licscan scan --format json`") from exc
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ReportError(f"{path} is not a licscan JSON report (no `models` list)",
                          hint="give a report written by `licscan scan --format json`")
    if data.get("schema_version") != 1:
        raise ReportError(f"{path} has report schema_version {data.get('schema_version')!r}; "
                          "this licscan reads version 1")
    return data


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _finding(item: Any) -> Finding:
    f = item if isinstance(item, dict) else {}
    return Finding(code=str(f.get("code", "")), severity=str(f.get("severity", "info")),
                   message=str(f.get("message", "")))


def _verdict(value: Any) -> str:
    """A saved report is untrusted: a verdict licscan does not emit reads as review."""
    return value if value in ("allow", "review", "deny") else "review"


def _model(m: dict[str, Any]) -> ModelResult:
    source = "local" if m.get("source") == "local" else "hub"
    mid = str(m.get("id", ""))
    ref = ModelRef(kind=source, target=str(m.get("target") or mid),
                   repo_id=mid if source == "hub" else None,
                   path=mid if source == "local" else None)
    lic, flags, err = _dict(m.get("license")), _dict(m.get("flags")), _dict(m.get("error"))
    return ModelResult(
        ref=ref, status="error" if m.get("status") == "error" else "ok", source=source,
        revision=_str(m.get("revision")), verdict=_verdict(m.get("verdict")),
        declared=Declared(),
        flags=Flags(commercial_use=str(flags.get("commercial_use", "unknown")),
                    modification=str(flags.get("modification", "unknown")),
                    distribution=str(flags.get("distribution", "unknown"))),
        license=None if not lic else LicenseConclusion(
            expression=_str(lic.get("expression")), name=_str(lic.get("name")),
            confidence=_int(lic.get("confidence")), status=str(lic.get("status", "")),
            evidence=tuple[Evidence, ...]()),
        findings=tuple(_finding(f) for f in m.get("findings") or []),
        error=None if not err else ModelError(str(err.get("kind")), str(err.get("message"))),
        verdict_reason=_str(m.get("verdict_reason")), decided_by=_str(m.get("decided_by")),
        evaluation=_evaluation(m), lineage=_lineage(m.get("lineage")))


def _list(value: Any) -> list[Any]:
    """A list from a saved report; anything else (a forged string) is nothing."""
    return value if isinstance(value, list) else []


def _answer(item: dict[str, Any]) -> Answer:
    raw = item.get("answer")
    answer = raw if isinstance(raw, str) else str(raw) if raw else ""
    return Answer(term=str(item.get("term", "")), answer=answer, reason=str(item.get("reason")),
                  rule=str(item.get("rule", "")), clause=str(item.get("clause", "")),
                  confidence=str(item.get("confidence", "")))


def _evaluation(m: dict[str, Any]) -> TermsEvaluation:
    """The model's terms in its context as the report wrote them, with its duty flags and its
    obligations as every report reads them from the saved model (`model_view`)."""
    from licscan.report.model_view import flag_words, obligation_rows

    return TermsEvaluation(
        listed="context_answers" in m, terms=freeze(_dict(m.get("terms"))),
        answers=tuple(_answer(a) for a in _list(m.get("context_answers")) if isinstance(a, dict)),
        conditions=tuple(str(c) for c in _list(m.get("conditions"))),
        obligations=obligation_rows(m), chosen_branch=_str(m.get("chosen_branch")),
        duty_flags=freeze(flag_words(m)), complete=True)


def _lineage(value: Any) -> Lineage | None:
    """The chain line (what the text report shows); the tree stays in the saved report."""
    lineage = _dict(value)
    chain = lineage.get("chain")
    return Lineage(chain, own_license=_str(lineage.get("own_license"))) \
        if isinstance(chain, str) else None


def result_from_dict(report: dict[str, Any]) -> ScanResult:
    """Enough of a ScanResult for the text report (table and explanations); not a full round
    trip of the JSON."""
    tool, pack = _dict(report.get("tool")), _dict(report.get("rulepack"))
    return ScanResult(models=tuple(_model(m) for m in report["models"] if isinstance(m, dict)),
                      tool_version=str(tool.get("version", "")),
                      rulepack={str(k): str(v) for k, v in pack.items()},
                      generated_at=_str(report.get("generated_at")))


def render_report(report: dict[str, Any], fmt: str, *, width: int | None = None,
                  cdx_version: str | None = None) -> str:
    from licscan.report import render_saved

    rendered = render_saved(report, fmt, cdx_version=cdx_version)
    if rendered is not None:
        return rendered
    from licscan.report.text import render

    return render(result_from_dict(report), width=width)


_SUFFIXES = ((".cdx.json", "cyclonedx-json"), (".spdx3.json", "spdx3-json"),
             (".spdx.json", "spdx-json"), (".sarif.json", "sarif"), (".html", "html"),
             (".htm", "html"), (".md", "markdown"), (".markdown", "markdown"),
             (".sarif", "sarif"), (".json", "json"), (".txt", "text"))


def default_format(output: str | None) -> str:
    """text on standard output; for -o FILE the format its suffix names, else html."""
    if output is None or output == "-":
        return "text"
    name = output.lower()
    return next((fmt for suffix, fmt in _SUFFIXES if name.endswith(suffix)), "html")


@click.command("report")
@click.argument("scan", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
              help="Report format. Default: text on standard output; with -o, the format "
                   "the file's suffix names (.html, .md, .sarif, .json, .spdx.json, .spdx3.json, "
                   ".cdx.json, .txt), "
                   "else html.")
@click.option("--cdx-version", type=click.Choice(list(CDX_VERSIONS)), default=None,
              help="CycloneDX spec version of -f cyclonedx-json (default 1.6).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report here instead of standard output.")
@click.option("--width", type=click.IntRange(60, 1000), default=None,
              help="Text format: wrap to this many columns (default: the terminal's, else "
                   "100).")
def report_command(scan: str, fmt: str | None, cdx_version: str | None, output: str | None,
                   width: int | None) -> int:
    """Render a saved JSON report (from `licscan scan --format json`) without scanning again."""
    from licscan.cli.common import note
    from licscan.redact import redact

    report = load_report(scan)
    chosen = fmt or default_format(output)
    rendered = render_report(report, chosen, width=width, cdx_version=cdx_version)
    write_output(redact(rendered), output)
    if output not in (None, "-"):
        note(f"{chosen} report written to {output}")
    return 0
