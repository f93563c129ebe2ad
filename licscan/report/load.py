"""A saved JSON report read back: validated against the report schema (schema version 1,
`licscan/schemas/report.schema.json`), then turned into the typed ScanResult every format
renders. An invalid report is a ReportError that names the place (a JSON pointer) and the
problem; nothing of it is rendered.

For a report licscan wrote, `json_report.report_dict(load_report(data)) == data`: the round
trip is exact (tests/test_report_loader.py). A report that leaves out what the schema allows
it to leave out is read with the defaults a scan would have written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from licscan import _resources
from licscan.errors import ReportError
from licscan.identify.result import (
    Candidate,
    Difference,
    Qualifier,
    TextIdentification,
    TextMatch,
)
from licscan.model import (
    Answer,
    CardFacts,
    CardOrigin,
    DatasetRow,
    Declared,
    Evidence,
    EvidenceDetail,
    Finding,
    Flags,
    LicenseConclusion,
    Lineage,
    ModelError,
    ModelRef,
    ModelResult,
    Origin,
    ScanResult,
    TermsEvaluation,
    TextRead,
    WaiverNote,
    freeze,
)
from licscan.report.model_view import flag_words, obligation_rows

SCHEMA_VERSION = 1
_HINT = "give a report written by `licscan scan --format json`"


def read_report(path: str, stdin: Any = None) -> ScanResult:
    """The report in the file `path` ("-": standard input), validated and typed."""
    try:
        if path == "-":
            import sys

            raw = (stdin or sys.stdin).read()
        else:
            with open(path, encoding="utf-8") as handle:
                raw = handle.read()
        data = json.loads(raw)
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path} is not JSON: {exc}", hint=_HINT) from exc
    return load_report(data, path)


def load_report(data: Any, name: str = "the report") -> ScanResult:
    """A report dict (parsed JSON) as a ScanResult; ReportError if it is not a valid licscan
    JSON report of schema version 1."""
    validate(data, name)
    return scan_result(data)


def validate(data: Any, name: str = "the report") -> None:
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ReportError(f"{name} is not a licscan JSON report (no `models` list)", hint=_HINT)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(f"{name} has report schema_version {data.get('schema_version')!r}; "
                          f"this licscan reads version {SCHEMA_VERSION}")
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" \
            if len(errors) > 1 else ""
        raise ReportError(f"{_message(first)}{more}", file=name,
                          key=pointer(first.absolute_path),
                          hint="the report does not follow the licscan report schema "
                               "(docs/schemas/report.schema.json): was it edited? "
                               "Scan again to write a new one")


def pointer(path: Any) -> str:
    """A JSON pointer (RFC 6901) to the place: `/models/0/verdict`; `/` for the whole report."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else "/"


def _message(error: Any) -> str:
    # jsonschema quotes the offending value in full; a tampered report may hold a long one
    message = str(error.message)
    return message if len(message) <= 300 else message[:297] + "..."


@cache
def _validator() -> Any:
    try:  # lazy: only a saved report needs it
        import jsonschema
    except ImportError as exc:  # fail closed: an unchecked report is not rendered
        raise ReportError("reading a saved report needs the jsonschema package",
                          hint="pip install jsonschema") from exc
    schema = json.loads(_resources.schema_path("report.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


# --- a valid report as typed values -------------------------------------------------------------


def scan_result(data: Mapping[str, Any]) -> ScanResult:
    """A report that passed `validate` as a ScanResult."""
    tool = data.get("tool") or {}
    context = data.get("context")
    return ScanResult(models=tuple(model_result(m) for m in data["models"]),
                      tool_version=str(tool.get("version", "")),
                      rulepack=dict(data.get("rulepack") or {}),
                      generated_at=data.get("generated_at"),
                      context=dict(context) if context else None,
                      config_file=data.get("config"))


def model_result(m: Mapping[str, Any]) -> ModelResult:
    source = m["source"]
    mid = m["id"]
    origin = m.get("origin") or {}
    ref = ModelRef(kind=source, target=m.get("target", mid),
                   repo_id=mid if source == "hub" else None,
                   revision=m.get("requested_revision"),
                   path=mid if source == "local" else None,
                   origin=Origin(origin.get("file"), origin.get("line")))
    declared = m["declared"]
    error = m.get("error")
    lic = m["license"]
    return ModelResult(
        ref=ref, status=m["status"], source=source, revision=m["revision"],
        verdict=m["verdict"],
        declared=Declared(declared["license"], declared["license_name"],
                          declared["license_link"]),
        license=None if lic is None else LicenseConclusion(
            expression=lic["expression"], name=lic["name"], confidence=lic["confidence"],
            status=lic.get("status", "resolved" if lic["expression"] else "unresolved"),
            rule_ids=tuple(lic.get("rules") or ()),
            evidence=tuple(evidence(e) for e in lic.get("evidence") or ()),
            reason=lic.get("reason")),
        flags=_flags(m["flags"]),
        findings=tuple(Finding(f["code"], f["severity"], f["message"],
                               tuple(evidence(e) for e in f.get("evidence") or ()))
                       for f in m["findings"]),
        error=None if error is None else ModelError(error["kind"], error["message"]),
        gated=m.get("gated"), verdict_reason=m.get("verdict_reason"),
        decided_by=m.get("decided_by"),
        waivers=tuple(WaiverNote.of(w) for w in m.get("waivers") or ()),
        card=CardFacts(declared_expression=declared.get("expression")),
        notes=tuple(m.get("notes") or ()),
        evaluation=_evaluation(m),
        lineage=Lineage.of(m.get("lineage")),
        datasets=tuple(_dataset(d) for d in m.get("datasets") or ()))


def _flags(flags: Mapping[str, Any]) -> Flags:
    """commercial_use, modification, distribution as written; the duty flags' words are the
    evaluation's `duty_flags` (true, false or "unknown" as the report wrote them)."""
    return Flags(commercial_use=flags["commercial_use"], modification=flags["modification"],
                 distribution=flags["distribution"],
                 attribution=flags.get("attribution") is True,
                 share_alike=flags.get("share_alike") is True,
                 acceptable_use_policy=flags.get("acceptable_use_policy") is True)


def _evaluation(m: Mapping[str, Any]) -> TermsEvaluation:
    """The terms in the context as the report wrote them; obligations as written (a report
    from before `applies_when` gets the rows every report derives from its flags)."""
    return TermsEvaluation(
        listed="context_answers" in m, terms=freeze(m.get("terms") or {}),
        answers=tuple(Answer(a["term"], a["answer"], a["reason"], a["rule"], a["clause"],
                             a["confidence"]) for a in m.get("context_answers") or ()),
        conditions=tuple(m.get("conditions") or ()),
        obligations=obligation_rows(m), chosen_branch=m.get("chosen_branch"),
        duty_flags=freeze(flag_words(m)), complete=True)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _dataset(d: Mapping[str, Any]) -> DatasetRow:
    declared = d.get("declared")
    return DatasetRow(id=d["id"], status=d["status"], reason=d.get("reason"),
                      revision=d.get("revision"), license=d.get("license"),
                      declared=tuple(declared) if isinstance(declared, list) else declared,
                      commercial_use=d.get("commercial_use"),
                      modification=d.get("modification"))


def evidence(e: Mapping[str, Any]) -> Evidence:
    return Evidence(kind=e["kind"], source=e["source"], revision=e["revision"],
                    field=e.get("field"), path=e.get("path"), line=e.get("line"),
                    value=e.get("value"), sha256=e.get("sha256"),
                    detail=_detail(e["kind"], e.get("detail")))


def _detail(kind: str, detail: Mapping[str, Any] | None) -> EvidenceDetail | None:
    """The schema leaves `detail` open: what does not have the shape licscan writes is read
    leniently (text as text, a missing part as none), never a crash."""
    if not detail:
        return None
    if kind == "card-field" and "origin" in detail:
        return CardOrigin(str(detail["origin"]))
    section = _text(detail.get("section"))
    found_by = _text(detail.get("found_by"))
    truncated = detail.get("truncated") is True
    if "matches" in detail:
        return TextRead(identification(detail), found_by=found_by, truncated=truncated,
                        section=section)
    if "status" in detail:
        return TextRead(status=str(detail["status"]), reason=_text(detail.get("reason")),
                        found_by=found_by, truncated=truncated, section=section)
    return TextRead(found_by=found_by, truncated=truncated, section=section)


def identification(d: Mapping[str, Any]) -> TextIdentification:
    """A TextIdentification from its `to_dict` form."""
    def match(m: Mapping[str, Any]) -> TextMatch:
        lines = m.get("lines")
        span = (_int(lines[0]), _int(lines[1])) if isinstance(lines, list) and len(lines) == 2 \
            else None
        return TextMatch(
            rule_id=str(m.get("rule_id", "")), expression_id=str(m.get("expression", "")),
            name=str(m.get("name", "")), version=_text(m.get("version")),
            status=str(m.get("status", "")), confidence=_int(m.get("confidence")),
            matcher=str(m.get("matcher", "")), lines=span,
            differences=tuple(Difference(str(x.get("kind", "")), str(x.get("text", "")),
                                         _int(x.get("line")) if x.get("line") is not None
                                         else None,
                                         x.get("guarded") is True, _text(x.get("reason")))
                              for x in _dicts(m.get("differences"))))

    return TextIdentification(
        status=str(d.get("status", "")), matches=tuple(match(m) for m in _dicts(d["matches"])),
        alternatives=tuple(Candidate(str(c.get("rule_id", "")), _number(c.get("score")))
                           for c in _dicts(d.get("alternatives"))),
        reason=_text(d.get("reason")),
        qualifiers=tuple(Qualifier(_text(q.get("base")), str(q.get("text", "")),
                                   _int(q.get("line")) if q.get("line") is not None else None,
                                   str(q.get("reason", "")))
                         for q in _dicts(d.get("qualifiers"))))


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] \
        if isinstance(value, list) else []


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _number(value: Any) -> float:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
