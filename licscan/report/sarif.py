"""SARIF 2.1.0 for code scanning: violations only, pointing at the manifest lines.

One rule per finding code and one per policy outcome (`licscan/deny`, `licscan/review`,
`licscan/scan-error`); results only for models that are denied, need review or could not be
scanned (an inventory of allowed models is noise). A clean scan is a valid log with no results.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from licscan.model import ScanResult
from licscan.policy.findings import CATALOGUE
from licscan.report.model_view import deciding_reasons, flag_words, obligation_rows
from licscan.report.untrusted import as_dict, as_list
from licscan.vocab import Verdict

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "https://github.com/licscan/licscan/blob/main/docs/"
LEVELS: dict[str, str] = {Verdict.DENY: "error", Verdict.REVIEW: "warning"}
POLICY_RULES = {
    "licscan/deny": (Verdict.DENY, "The policy denies this model.",
                     "The model's license, a finding or a rule in licscan.yaml denies it. The "
                     "message names the rule or waiver that decided (decided_by).",
                     "policy.md#precedence"),
    "licscan/review": (Verdict.REVIEW, "This model needs a review before use.",
                       "The policy asks for a human decision: a conditional license, a finding, "
                       "an unknown license or a review rule. Approve it with an allow rule or a "
                       "time-bounded waiver.", "policy.md#precedence"),
    "licscan/scan-error": (Verdict.DENY, "This model could not be scanned.",
                           "licscan could not read the model (not found, gated, network). The "
                           "gate fails closed until it can.", "policy.md#unknown-licenses"),
}


def render(result: ScanResult, **options: Any) -> str:
    from licscan.report.json_report import report_dict

    return render_dict(report_dict(result), **options)


def render_dict(report: Mapping[str, Any], *, root: str | None = None, **_options: Any) -> str:
    return json.dumps(sarif_dict(report, root=root), indent=2, ensure_ascii=False) + "\n"


def sarif_dict(report: Mapping[str, Any], *, root: str | None = None) -> dict[str, Any]:
    rules = _rules(report)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for model in _models(report):
        results += _results(model, index, root)
    tool = as_dict(report.get("tool"))
    driver = {"name": "licscan", "version": str(tool.get("version", "")),
              "informationUri": DOCS.removesuffix("docs/"), "rules": rules}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results,
        "properties": {"rulepack": as_dict(report.get("rulepack"))}}]}


def _models(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [m for m in as_list(report.get("models")) if isinstance(m, dict)]


def _findings(model: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The findings of a saved, possibly edited, report that can be shown: objects with a
    string code."""
    return [f for f in as_list(model.get("findings"))
            if isinstance(f, dict) and isinstance(f.get("code"), str)]


def _rules(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = [_rule(rule_id, short, full, anchor, level)
             for rule_id, (level, short, full, anchor) in POLICY_RULES.items()]
    seen = {f["code"] for m in _models(report) for f in _findings(m)}
    for code in sorted(set(CATALOGUE) | seen):
        text = CATALOGUE.get(code, f"The finding {code}.")
        rules.append(_rule(code, text, text, f"findings.md#{code}", "warning"))
    return rules


def _rule(rule_id: str, short: str, full: str, anchor: str, level: str) -> dict[str, Any]:
    level = LEVELS.get(level, level)
    return {"id": rule_id, "name": "".join(p.title() for p in rule_id.replace("/", "-")
                                           .split("-")),
            "shortDescription": {"text": short}, "fullDescription": {"text": full},
            "help": {"text": f"{full} See {DOCS}{anchor}",
                     "markdown": f"{full} See [the documentation]({DOCS}{anchor})."},
            "helpUri": DOCS + anchor, "defaultConfiguration": {"level": level},
            "properties": {"tags": ["license", "compliance", "ml-model"]}}


def _results(model: Mapping[str, Any], index: Mapping[str, int], root: str | None,
             ) -> list[dict[str, Any]]:
    verdict = model.get("verdict")
    model_id = str(model.get("id"))
    if model.get("status") == "error":
        error = as_dict(model.get("error"))
        return [_result("licscan/scan-error", "error", f"{model_id} could not be scanned "
                        f"({error.get('kind', 'error')}): {error.get('message', '')}",
                        model, index, root)]
    if verdict not in LEVELS:
        return []
    license_text = as_dict(model.get("license")).get("expression") or "unresolved"
    # What decided, in words: the policy's reason in full, a finding by its headline (each
    # finding has its own result with the whole message).
    why = "; ".join(r.detail.rstrip(".") if r.code == "policy" and r.detail else r.headline
                    for r in deciding_reasons(model)) or str(model.get("verdict_reason"))
    result = _result(f"licscan/{verdict}", LEVELS[verdict],
                     f"{model_id} ({license_text}): {verdict}: {why} "
                     f"[decided by {model.get('decided_by')}]", model, index, root)
    # Unknown stays "unknown"; a duty the context does not trigger says it applies only once
    # the model is distributed.
    result["properties"]["duties"] = flag_words(model)
    result["properties"]["obligations"] = [
        {"id": row.id, "text": row.text, "appliesWhen": row.applies_when}
        | ({"note": row.note} if row.note else {}) for row in obligation_rows(model)]
    out = [result]
    for finding in _findings(model):
        level = LEVELS.get(str(finding.get("severity")))
        if level:
            out.append(_result(finding["code"], level,
                               f"{model_id}: {finding.get('message', '')}", model, index, root))
    return out


def _result(rule_id: str, level: str, text: str, model: Mapping[str, Any],
            index: Mapping[str, int], root: str | None) -> dict[str, Any]:
    key = f"{rule_id}|{model.get('id')}|{model.get('requested_revision') or ''}"
    result: dict[str, Any] = {
        "ruleId": rule_id, "ruleIndex": index[rule_id], "level": level,
        "message": {"text": text},
        "partialFingerprints": {"licscanModel/v1": hashlib.sha256(key.encode()).hexdigest()},
        "properties": {"model": model.get("id"), "revision": model.get("revision"),
                       "verdict": model.get("verdict"), "decidedBy": model.get("decided_by")}}
    origin = as_dict(model.get("origin"))
    if origin.get("file"):
        region = {"startLine": origin["line"]} if origin.get("line") else None
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(origin["file"], root),
                                                         "uriBaseId": "%SRCROOT%"}}
        if region:
            physical["region"] = region
        result["locations"] = [{"physicalLocation": physical}]
    else:
        result["locations"] = [{"logicalLocations": [{"name": str(model.get("id")),
                                                      "kind": "module"}]}]
    return result


def _uri(file: str, root: str | None) -> str:
    """The manifest's path relative to the repository root (GITHUB_WORKSPACE or `root`)."""
    path = Path(file) if Path(file).is_absolute() else Path.cwd() / file
    try:
        relative = os.path.relpath(path, Path(root) if root else Path.cwd())
    except ValueError:  # another drive
        return path.as_uri()
    return quote(Path(relative).as_posix(), safe="/")
