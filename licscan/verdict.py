"""The built-in default policy: a verdict from commercial use.

allowed -> allow, conditional -> review, prohibited -> deny, unknown -> review, taken from the
context's answer when the scan has a context, else from the license's commercial-use flag;
a finding raises the verdict to its severity. A configured policy (licscan.yaml) replaces this.
"""

from __future__ import annotations

from dataclasses import dataclass

from licscan.model import Finding, Flags, LicenseConclusion, ModelResult

RANK = {"allow": 0, "review": 1, "deny": 2}
_BY_FLAG = {"allowed": "allow", "conditional": "review", "prohibited": "deny", "unknown": "review"}


@dataclass(frozen=True)
class Decision:
    verdict: str
    reason: str
    decided_by: str  # "default-policy", "policy:<rule>", "waiver:<model>"


def worst(verdicts: list[str]) -> str:
    return max(verdicts, key=RANK.__getitem__) if verdicts else "allow"


def default_decision(license: LicenseConclusion | None, flags: Flags,
                     findings: tuple[Finding, ...], context_answer: str | None = None,
                     context_reason: str | None = None) -> Decision:
    if license is None or license.expression is None:
        return Decision("review", "the license could not be determined", "default-policy")
    if context_answer:
        verdict = _BY_FLAG.get(context_answer, "review")
        reason = f"in your context, commercial use is {context_answer}" + (
            f" ({context_reason})" if context_reason else "")
        decided_by = "context:commercial_use"
    else:
        verdict = _BY_FLAG.get(flags.commercial_use, "review")
        reason = f"commercial use is {flags.commercial_use} under {license.expression}"
        decided_by = "default-policy"
    raised = [f for f in findings if RANK.get(f.severity, 0) > RANK[verdict]]
    if raised:
        top = max(raised, key=lambda f: RANK[f.severity])
        return Decision(top.severity, f"{top.code}: {top.message}", "default-policy")
    return Decision(verdict, reason, decided_by)


def default_policy(model: ModelResult) -> Decision:
    """The policy of a scan without licscan.yaml (the Assessor adds the context's answer)."""
    if model.status == "error":
        reason = model.error.message if model.error else "could not be scanned"
        return Decision("review", f"not scanned: {reason}", "default-policy")
    answer = model.extra.get("context_commercial_use")
    reasons = [a["reason"] for a in model.extra.get("context_answers") or ()
               if answer and a.get("answer") == answer
               and a.get("term") in ("commercial_use", "regional")]
    return default_decision(model.license, model.flags, model.findings,
                            str(answer) if answer else None, reasons[0] if reasons else None)
