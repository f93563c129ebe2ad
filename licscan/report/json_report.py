"""The JSON report: a public contract, described by docs/schemas/report.schema.json."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import Any

from licscan.model import Evidence, Finding, ModelResult, ScanResult, TermsEvaluation, thaw
from licscan.policy.model import worst
from licscan.report.model_view import deciding_reasons, flag_words, obligation_rows
from licscan.vocab import FlagValue, Verdict

SCHEMA_VERSION = 1
_FLAG_VALUES: dict[str, bool | str] = {FlagValue.YES: True, FlagValue.NO: False,
                                        FlagValue.UNKNOWN: str(FlagValue.UNKNOWN)}


def evidence_dict(ev: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": ev.kind, "source": ev.source, "revision": ev.revision}
    for key in ("field", "path", "line", "value", "sha256"):
        value = getattr(ev, key)
        if value is not None:
            out[key] = value
    detail = ev.detail.to_dict() if ev.detail is not None else None
    if detail:
        out["detail"] = detail
    return out


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {"code": finding.code, "severity": finding.severity, "message": finding.message,
            "evidence": [evidence_dict(e) for e in finding.evidence]}


def model_dict(model: ModelResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": model.id,
        "target": model.ref.target,
        "revision": model.revision,
        "requested_revision": model.ref.revision,
        "source": model.source,
        "status": model.status,
    }
    if model.ref.origin.file:
        out["origin"] = {"file": model.ref.origin.file, "line": model.ref.origin.line}
    if model.error is not None:
        out["error"] = {"kind": model.error.kind, "message": model.error.message}
    out["gated"] = model.gated
    out["declared"] = {**asdict(model.declared),
                       "expression": model.card.declared_expression}
    if model.license is not None:
        lic = model.license
        out["license"] = {"expression": lic.expression, "name": lic.name,
                          "confidence": lic.confidence, "status": lic.status,
                          "reason": lic.reason, "rules": list(lic.rule_ids),
                          "evidence": [evidence_dict(e) for e in lic.evidence]}
    else:
        out["license"] = None
    # attribution, share_alike, acceptable_use_policy: true | false | "unknown"
    words = flag_words(model)
    out["flags"] = asdict(model.flags) | {key: _FLAG_VALUES[word] for key, word in words.items()}
    out["findings"] = [finding_dict(f) for f in model.findings]
    out["verdict"] = model.verdict
    out["verdict_reason"] = model.verdict_reason
    out["decided_by"] = model.decided_by
    reasons = deciding_reasons(model)
    if reasons:
        out["deciding_reasons"] = [asdict(r) for r in reasons]
    evaluation = model.evaluation
    # what the context triggers, then what applies only once the model is distributed
    obligations = [row.to_dict() for row in obligation_rows(model)]
    if evaluation is not None and evaluation.listed:
        out.update(evaluation_fields(evaluation, obligations))
    if model.lineage is not None:
        out["lineage"] = model.lineage.to_dict()
    if model.datasets:
        out["datasets"] = [row.to_dict() for row in model.datasets]
    if model.waivers:
        out["waivers"] = [note.to_dict() for note in model.waivers]
    if obligations and "obligations" not in out:  # from the flags alone
        out["obligations"] = obligations
    if model.notes:
        out["notes"] = list(model.notes)
    return out


def evaluation_fields(evaluation: TermsEvaluation,
                      obligations: list[dict[str, Any]]) -> dict[str, Any]:
    """`conditions`, `context_answers`, `obligations`, `chosen_branch` (an OR) and `terms`,
    for an evaluation that lists them (a license of the expression is in the rule pack)."""
    out: dict[str, Any] = {"conditions": list(evaluation.conditions),
                           "context_answers": [asdict(a) for a in evaluation.answers],
                           "obligations": obligations}
    if evaluation.chosen_branch is not None:
        out["chosen_branch"] = evaluation.chosen_branch
    out["terms"] = thaw(evaluation.terms)
    return out


def summary(result: ScanResult) -> dict[str, Any]:
    verdicts = Counter(m.verdict for m in result.models)
    statuses = Counter(m.status for m in result.models)
    return {
        "models": len(result.models),
        "ok": statuses.get("ok", 0),
        "error": statuses.get("error", 0),
        "verdicts": {str(v): verdicts.get(v, 0) for v in Verdict},
        "worst_verdict": worst([m.verdict for m in result.models]),
    }


def report_dict(result: ScanResult) -> dict[str, Any]:
    from licscan import __version__

    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "licscan", "version": result.tool_version or __version__},
        "rulepack": dict(result.rulepack),
        "generated_at": result.generated_at,
    }
    if result.config_file:
        out["config"] = result.config_file
    if result.context:
        out["context"] = dict(result.context)
    out["models"] = [model_dict(m) for m in result.models]
    out["summary"] = summary(result)
    return out


def render_dict(report: dict[str, Any], **_options: object) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render(result: ScanResult, **_options: object) -> str:
    return render_dict(report_dict(result))
