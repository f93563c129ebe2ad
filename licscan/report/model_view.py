"""What every report says of one model: its duty flags, its obligations (what the context
triggers, then what applies only once the model is distributed) and what decided its verdict.

Each function takes a ModelResult (a fresh scan, or one read back from a saved report) or the
JSON form of one model (a saved report), so the terminal, HTML, Markdown, SARIF and JSON say
the same thing. Unknown stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from licscan.model import (
    IF_DISTRIBUTED,
    IF_DISTRIBUTED_TEXT,
    TRIGGERED,
    Lineage,
    LineageNode,
    ModelResult,
    ObligationRow,
)
from licscan.terms.typed import FLAGS_CLAUSE
from licscan.vocab import (
    FLAG_VALUES,
    VERDICTS,
    FlagValue,
    Severity,
    Verdict,
)

__all__ = ["DUTY_FLAGS", "FLAG_LABELS", "IF_DISTRIBUTED", "IF_DISTRIBUTED_TEXT", "TRIGGERED",
           "ObligationRow", "Reason", "deciding_reasons", "finding_headline", "flag_scopes",
           "flag_words", "lineage_roots", "main_condition", "obligation_row", "obligation_rows",
           "severity_key", "verdict_rank"]

DUTY_FLAGS = ("attribution", "share_alike", "acceptable_use_policy")
FLAG_LABELS = {"attribution": "Attribution owed", "share_alike": "Derivatives keep the license",
               "acceptable_use_policy": "Acceptable use policy binds"}
# The obligation kinds that carry out each flag; a yes flag without one gets a row of its own.
_FLAG_KINDS = {
    "attribution": frozenset({"keep_notices", "license_copy", "notice_text", "display",
                              "acknowledge_in_publications"}),
    "share_alike": frozenset({"same_license", "pass_restrictions", "non_commercial_derivatives",
                              "research_only_derivatives"}),
    "acceptable_use_policy": frozenset({"use_policy", "pass_use_policy", "pass_restrictions"})}
_FLAG_DUTIES = {
    "attribution": ("Keep the license and attribution notices with every copy.", "distribution"),
    "share_alike": ("Distribute derivatives only under the same license (or with its "
                    "restrictions).", "a derivative is distributed"),
    "acceptable_use_policy": ("Use the model only as its acceptable use policy allows.",
                              "any use")}


@dataclass(frozen=True)
class Reason:
    """One thing that decided a verdict: a short headline in words, and the full text."""

    headline: str
    detail: str
    code: str  # a finding code, "policy" (the verdict reason) or "scan-error"


def flag_words(model: ModelResult | Mapping[str, Any]) -> dict[str, FlagValue]:
    """attribution, share_alike, acceptable_use_policy as "yes" | "no" | "unknown".

    A flag is unknown when the license is undetermined, when no known part of the
    expression sets it and some part is a license licscan has no terms for, or when a base
    model could not be read (its terms may pass the duty down): "no" is then not known."""
    words = _flag_words(model)
    if _ancestor_unread(model):
        words = {k: FlagValue.UNKNOWN if v == FlagValue.NO else v for k, v in words.items()}
    return words


def _ancestor_unread(model: ModelResult | Mapping[str, Any]) -> bool:
    if isinstance(model, ModelResult):
        return any(f.code == "lineage-unresolved" for f in model.findings)
    findings = model.get("findings")
    return isinstance(findings, list) and any(
        isinstance(f, Mapping) and f.get("code") == "lineage-unresolved" for f in findings)


def _flag_words(model: ModelResult | Mapping[str, Any]) -> dict[str, FlagValue]:
    if isinstance(model, ModelResult):
        evaluation = model.evaluation
        if evaluation is not None and evaluation.duty_flags is not None:  # OR, or saved
            return {key: _flag_value(evaluation.duty_flags.get(key)) for key in DUTY_FLAGS}
        if model.status != "ok" or model.license is None or not model.license.expression:
            return dict.fromkeys(DUTY_FLAGS, FlagValue.UNKNOWN)
        partly_unknown = evaluation.partly_unknown if evaluation is not None \
            else not model.license.rule_ids
        return {key: FlagValue.YES if getattr(model.flags, key) is True
                else FlagValue.UNKNOWN if partly_unknown else FlagValue.NO for key in DUTY_FLAGS}
    flags, lic = _as_dict(model.get("flags")), _as_dict(model.get("license"))
    undetermined = model.get("status") == "error" or not lic.get("expression")
    words = {}
    for key in DUTY_FLAGS:
        value = flags.get(key)
        words[key] = FlagValue.YES if value is True else \
            FlagValue.NO if value is False and not undetermined else FlagValue.UNKNOWN
    return words


def _flag_value(word: Any) -> FlagValue:
    """A duty flag's word as stored; anything else (a forged word) is unknown."""
    return FlagValue(word) if word in FLAG_VALUES else FlagValue.UNKNOWN


def obligation_rows(model: ModelResult | Mapping[str, Any]) -> tuple[ObligationRow, ...]:
    """What the model's license asks: the duties its context triggers, then the distribution
    duties a hosted or internal context does not trigger ("applies only if you distribute the
    model"), then a row for each yes flag no listed duty carries out (derived from the flag)."""
    if isinstance(model, ModelResult):
        evaluation = model.evaluation
        if evaluation is None:
            rows, distribution = [], None
        elif evaluation.complete:
            return evaluation.obligations
        else:
            rows, distribution = list(evaluation.obligations), evaluation.distribution
            rows += evaluation.if_distributed
        rule = ", ".join(model.license.rule_ids) if model.license else ""
        return _unique(rows + _flag_rows(flag_words(model), rows, rule, distribution))
    items = [o for o in _as_list(model.get("obligations")) if isinstance(o, Mapping)]
    rows = [_row(o, str(o.get("applies_when") or TRIGGERED)) for o in items]
    if any("applies_when" in o for o in items):  # written by this licscan: complete already
        return tuple(rows)
    rule = ", ".join(str(r) for r in _as_list(_as_dict(model.get("license")).get("rules")))
    return _unique(rows + _flag_rows(flag_words(model), rows, rule, None))


def obligation_row(item: Mapping[str, Any], applies_when: str = TRIGGERED) -> ObligationRow:
    """A row from an obligation as JSON writes it (untrusted: every field becomes text)."""
    return _row(item, str(item.get("applies_when") or applies_when))


def _row(item: Mapping[str, Any], applies_when: str) -> ObligationRow:
    def text(key: str) -> str:
        value = item.get(key)
        return "" if value is None else str(value)

    when = applies_when if applies_when in (TRIGGERED, IF_DISTRIBUTED) else TRIGGERED
    return ObligationRow(id=text("id"), kind=text("kind"), text=text("text"),
                         trigger=text("trigger"), rule=text("rule"), clause=text("clause"),
                         confidence=text("confidence"), applies_when=when)


def _flag_rows(words: Mapping[str, str], rows: Sequence[ObligationRow], rule: str,
               distribution: str | None) -> list[ObligationRow]:
    kinds = {r.kind for r in rows}
    out = []
    for key in DUTY_FLAGS:
        if words.get(key) != "yes" or kinds & _FLAG_KINDS[key]:
            continue
        text, trigger = _FLAG_DUTIES[key]
        when = IF_DISTRIBUTED if key != "acceptable_use_policy" and \
            distribution in ("hosted", "internal") else TRIGGERED
        out.append(ObligationRow(id=f"{rule or 'license'}/flag-{key}", kind=key, text=text,
                                 trigger=trigger, rule=rule, clause=FLAGS_CLAUSE,
                                 confidence="?", applies_when=when))
    return out


def _unique(rows: Sequence[ObligationRow]) -> tuple[ObligationRow, ...]:
    seen: set[str] = set()
    out = []
    for row in rows:
        rid, n = row.id, 1
        while rid in seen:
            n += 1
            rid = f"{row.id}/{n}"
        seen.add(rid)
        out.append(row if rid == row.id else replace(row, id=rid))
    return tuple(out)


# --- what decided a verdict ----------------------------------------------------------------------

_HEADLINES = {
    "license-mismatch": "The card contradicts the files",
    "license-unresolved": "The license could not be determined",
    "license-text-modified": "The license text was changed where it matters",
    "license-text-unidentified": "A license file is not a text licscan knows",
    "license-file-unreadable": "A license file could not be read",
    "license-file-missing": "No license file is shipped",
    "declared-license-missing": "The card declares no license",
    "card-invalid": "The model card does not parse",
    "card-missing": "The model has no card metadata",
    "unknown-license-id": "The card names a license id licscan does not know",
    "license-name-unknown": "The card names a license licscan does not know",
    "license-from-link": "The license was read from the card's link only",
    "license-list": "The card lists several licenses; all apply",
    "gpl-version-ambiguous": "The GPL version is ambiguous",
    "gated-repo": "The repository is gated",
    "lineage-unresolved": "A base model could not be scanned",
    "lineage-license-conflict": "An ancestor's license conflicts with the declared one",
    "lineage-naming": "The name breaks the base license's naming rule",
    "lineage-restrictions-not-passed": "The base model's use restrictions are not passed on",
    "dataset-unresolved": "A training dataset could not be scanned",
    "dataset-license": "A training dataset's license restricts use",
    "waiver-expired": "A waiver for the model has expired",
    "license-file-truncated": "A license file was read only in part",
    "card-restricts-use": "The card restricts use beyond its declared license",
    "license-custom": "A custom license applies, not the base license",
    "license-link-restricted": "The card's license link points at a non-commercial license",
    "scan-incomplete": "Part of the model was not read",
}
# Sharper headlines where the message has a known shape; the generic one otherwise.
_SHAPES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("lineage-naming", re.compile(r"derivatives of (?P<base>\S+) \((?P<lic>[^()]+)\) must be "
                                  r"named with the prefix '(?P<prefix>[^']*)'"),
     "The name breaks {lic}'s naming rule (must begin with '{prefix}')"),
    ("lineage-license-conflict", re.compile(r"derives from (?P<base>\S+) \((?P<lic>[^()]+)\)"),
     "An ancestor's license conflicts: {base} is under {lic}"),
    ("dataset-license", re.compile(r"training dataset (?P<ds>\S+): its license \((?P<lic>[^()]+)"
                                   r"\) does not allow commercial use"),
     "Training data is non-commercial: {ds} ({lic})"),
    ("license-mismatch", re.compile(r"the card declares (?P<card>\S+?),? but .*?names "
                                    r"(?P<files>[^;]+)"),
     "The card contradicts the files: the card says {card}, the files name {files}"),
)
_CLAUSE_TAIL = re.compile(r"\s*\((?:§|grant|clause)[^()]*(?:\([^()]*\)[^()]*)*\)\.?$")


def finding_headline(code: str, message: str) -> str:
    """A finding in a few words, e.g. "Training data is non-commercial: acme/x (CC-BY-NC-4.0)"."""
    for shape_code, pattern, template in _SHAPES:
        if code == shape_code:
            found = pattern.search(message)
            if found:
                return template.format(**found.groupdict())
    return _HEADLINES.get(code) or _sentence_case(message) or code


def deciding_reasons(model: ModelResult | Mapping[str, Any]) -> tuple[Reason, ...]:
    """What decided a review or deny verdict (or kept a model from being scanned), in words,
    worst first: the policy's reason unless a finding is it, then every finding that asks for
    review or denial. Empty for an allowed model."""
    view = _model_view(model)
    if view["status"] == "error":
        kind = view["error_kind"] or "error"
        return (Reason(f"Could not be scanned ({kind})", view["error_message"] or kind,
                       "scan-error"),)
    if view["verdict"] not in (Verdict.REVIEW, Verdict.DENY):
        return ()
    findings = sorted((f for f in view["findings"] if f[1] in (Severity.REVIEW, Severity.DENY)),
                      key=lambda f: f[1] != Severity.DENY)
    core = view["reason"]
    expression = view["expression"]
    if expression and " " in expression and core.startswith(f"{expression}: "):
        core = core[len(expression) + 2:]
    reasons: list[Reason] = []
    named = next((f for f in findings if core.startswith(f"{f[0]}: {f[2]}") or core == f[2]),
                 None)
    if core and named is None:
        code = core.split(":", 1)[0]
        headline = finding_headline(code, core[len(code) + 2:]) if code in _HEADLINES \
            else _sentence_case(_CLAUSE_TAIL.sub("", core))
        reasons.append(Reason(headline, core, "policy"))
    elif named is not None:
        findings.remove(named)
        findings.insert(0, named)
    reasons += [Reason(finding_headline(code, message), message, code)
                for code, _severity, message in findings]
    if not reasons:
        reasons.append(Reason("No reason was recorded", "", "policy"))
    return tuple(reasons)


def main_condition(model: ModelResult | Mapping[str, Any]) -> str:
    """The one thing a reader should know first about using a model: why it is denied, its
    first condition, else its first duty (marked when it applies only once the model is
    distributed). Read from `obligation_rows`, so it never disagrees with the obligations."""
    view = _model_view(model)
    if view["status"] == "error":
        return f"Could not be scanned ({view['error_kind'] or 'error'})"
    if view["verdict"] == "deny" and view["reason"]:
        return str(view["reason"])
    conditions: Sequence[Any] = (model.evaluation.conditions if model.evaluation else ()) \
        if isinstance(model, ModelResult) else _as_list(model.get("conditions"))
    for condition in conditions[:1]:
        text = condition.get("text") if isinstance(condition, Mapping) else condition
        if text:
            return _str(text)
    rows = obligation_rows(model)
    now = next((r for r in rows if r.applies_when != IF_DISTRIBUTED), None)
    if now is not None:
        return now.text
    if not view["expression"]:
        return "License unknown: review the evidence"
    if rows:
        return f"{rows[0].text} ({IF_DISTRIBUTED_TEXT})"
    return "None found"


def verdict_rank(word: Any) -> int:
    """A verdict word's rank (`Verdict.rank`, from the most permissive); anything else, a
    missing or unknown verdict, ranks as review: it is never read as allow."""
    return Verdict(word).rank if word in VERDICTS else Verdict.REVIEW.rank


def severity_key(model: ModelResult | Mapping[str, Any]) -> tuple[int, int]:
    """Worst first: deny, review, allow; within each, a model that could not be scanned, then
    one whose license is unknown, then the rest (a gate must never hide the unknown)."""
    view = _model_view(model)
    order = Verdict.DENY.rank - verdict_rank(view["verdict"])
    known = 0 if view["status"] == "error" else 1 if not view["expression"] else 2
    return order, known


def _model_view(model: ModelResult | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(model, ModelResult):
        return {"status": model.status, "verdict": model.verdict,
                "reason": model.verdict_reason or "",
                "expression": model.license.expression if model.license else None,
                "error_kind": model.error.kind if model.error else "",
                "error_message": model.error.message if model.error else "",
                "findings": [(f.code, f.severity, f.message) for f in model.findings]}
    error, lic = _as_dict(model.get("error")), _as_dict(model.get("license"))
    findings = [_as_dict(f) for f in _as_list(model.get("findings"))]
    verdict = model.get("verdict")
    return {"status": "error" if model.get("status") == "error" else "ok",
            "verdict": verdict if verdict in VERDICTS else "review",
            "reason": _str(model.get("verdict_reason")),
            "expression": _str(lic.get("expression")) or None,
            "error_kind": _str(error.get("kind")), "error_message": _str(error.get("message")),
            "findings": [(_str(f.get("code")), _str(f.get("severity")), _str(f.get("message")))
                         for f in findings]}


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def flag_scopes(model: ModelResult | Mapping[str, Any]) -> dict[str, str]:
    """Per yes flag: IF_DISTRIBUTED_TEXT when every duty carrying it out applies only once the
    model is distributed (a hosted or internal context), else ""; "" for no and unknown."""
    words, rows = flag_words(model), obligation_rows(model)
    scopes = {}
    for key in DUTY_FLAGS:
        carried = [r for r in rows if r.kind in _FLAG_KINDS[key] or r.kind == key]
        scopes[key] = IF_DISTRIBUTED_TEXT if words[key] == "yes" and carried and all(
            r.applies_when == IF_DISTRIBUTED for r in carried) else ""
    return scopes


def lineage_roots(lineage: Lineage | None) -> tuple[LineageNode, ...]:
    """The model's direct base models, each with its own (the SBOM formats relate a model to
    these)."""
    return lineage.parents if lineage is not None else ()
