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
import re
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
from licscan.report.json_report import SCHEMA_VERSION
from licscan.report.model_view import flag_words, obligation_rows

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
    except ValueError as exc:  # an integer past Python's digit limit (not a JSONDecodeError)
        raise ReportError(f"{path} is not a licscan report: {str(exc).split(':')[0]}",
                          hint=_HINT) from exc
    except RecursionError as exc:
        raise ReportError(f"{path} is nested too deeply to be a licscan report",
                          hint=_HINT) from exc
    return load_report(data, "standard input" if path == "-" else path)


def load_report(data: Any, name: str = "the report") -> ScanResult:
    """A report dict (parsed JSON) as a ScanResult; ReportError if it is not a valid licscan
    JSON report of schema version 1."""
    try:
        validate(data, name)
        return scan_result(data)
    except RecursionError as exc:  # a lineage tree nested past Python's recursion limit
        raise ReportError(f"{name} is nested too deeply to be a licscan report",
                          hint=_HINT) from exc


def validate(data: Any, name: str = "the report") -> None:
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ReportError(f"{name} is not a licscan JSON report (no `models` list)", hint=_HINT)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(f"{name} has report schema_version {data.get('schema_version')!r}; "
                          f"this licscan reads version {SCHEMA_VERSION}")
    problems = sorted(schema_problems(data), key=lambda p: _order(p[0]))
    if problems:
        where, message = problems[0]
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" \
            if len(problems) > 1 else ""
        raise ReportError(f"{_short(message)}{more}", file=name, key=pointer(where),
                          hint="the report does not follow the licscan report schema "
                               "(docs/schemas/report.schema.json): was it edited? "
                               "Scan again to write a new one")


def pointer(path: Any) -> str:
    """A JSON pointer (RFC 6901) to the place: `/models/0/verdict`; `/` for the whole report."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else "/"


def _order(path: tuple[str | int, ...]) -> tuple[tuple[int, str | int], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in path)


def _short(message: str) -> str:
    # the message quotes the offending value in full; a tampered report may hold a long one
    return message if len(message) <= 300 else message[:297] + "..."


# --- the report schema, checked without a dependency ----------------------------------------------
# The schema (JSON Schema 2020-12) uses $ref to its own $defs, type, enum, const, required,
# properties, additionalProperties, items, oneOf, pattern, minimum and maximum; this checks
# exactly those. jsonschema is not a dependency of licscan, and its import costs a second or
# more where its format extras are installed. tests/test_report_loader.py holds the two to
# the same verdicts.

Where = tuple[str | int, ...]  # a place in the report: keys and list indexes


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        _resources.schema_path("report.schema.json").read_text(encoding="utf-8"))
    return schema


def schema_problems(data: Any) -> list[tuple[Where, str]]:
    """Every place `data` breaks the report schema, with what is wrong (none: it is valid)."""
    out: list[tuple[Where, str]] = []
    _check(data, _schema(), (), out)
    return out


_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _check(value: Any, schema: Mapping[str, Any], path: Where,
           out: list[tuple[Where, str]]) -> None:
    ref = schema.get("$ref")
    if ref is not None:
        target: Any = _schema()
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        _check(value, target, path, out)
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_TYPES[t](value) for t in names):
            shown = repr(names[0]) if len(names) == 1 else repr(names)
            out.append((path, f"{value!r} is not of type {shown}"))
            return
    out.extend((path, message) for message in _value_problems(value, schema, path))
    if isinstance(value, dict):
        _check_object(value, schema, path, out)
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            _check(item, schema["items"], (*path, index), out)


def _value_problems(value: Any, schema: Mapping[str, Any], path: Where) -> list[str]:
    """enum, const, oneOf, pattern, minimum, maximum."""
    out = []
    if "enum" in schema and not any(_same(value, v) for v in schema["enum"]):
        out.append(f"{value!r} is not one of {schema['enum']!r}")
    if "const" in schema and not _same(value, schema["const"]):
        out.append(f"{schema['const']!r} was expected")
    if "oneOf" in schema:
        valid = sum(not _errors(value, option, path) for option in schema["oneOf"])
        if valid != 1:
            out.append(f"{value!r} is not valid under any of the given schemas" if valid == 0
                       else f"{value!r} is valid under each of the given schemas")
    if isinstance(value, str) and "pattern" in schema and \
            not _pattern(schema["pattern"]).search(value):
        out.append(f"{value!r} does not match {schema['pattern']!r}")
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{value!r} is less than the minimum of {schema['minimum']!r}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{value!r} is greater than the maximum of {schema['maximum']!r}")
    return out


def _check_object(value: dict[str, Any], schema: Mapping[str, Any], path: Where,
                  out: list[tuple[Where, str]]) -> None:
    for key in schema.get("required", ()):
        if key not in value:
            out.append((path, f"{key!r} is a required property"))
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    unexpected = []
    for key, item in value.items():
        if key in properties:
            _check(item, properties[key], (*path, key), out)
        elif extra is False:
            unexpected.append(key)
        elif isinstance(extra, Mapping):
            _check(item, extra, (*path, key), out)
    if unexpected:
        out.append((path, "Additional properties are not allowed "
                          f"({', '.join(map(repr, unexpected))} "
                          f"{'was' if len(unexpected) == 1 else 'were'} unexpected)"))


def _errors(value: Any, schema: Mapping[str, Any], path: Where) -> bool:
    found: list[tuple[Where, str]] = []
    _check(value, schema, path, found)
    return bool(found)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    # ECMA-262's `$` matches only at the end; Python's also before a final newline
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


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
