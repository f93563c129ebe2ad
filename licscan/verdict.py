"""The built-in default policy: a verdict from the commercial-use flag.

allowed -> allow, conditional -> review, prohibited -> deny, unknown -> review.
A configured policy (licscan.yaml) replaces this.
"""

from __future__ import annotations

from dataclasses import dataclass

from licscan.model import Finding, Flags, LicenseConclusion

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
                     findings: tuple[Finding, ...]) -> Decision:
    if license is None or license.expression is None:
        return Decision("review", "the license could not be determined", "default-policy")
    verdict = _BY_FLAG.get(flags.commercial_use, "review")
    reason = f"commercial use is {flags.commercial_use} under {license.expression}"
    raised = [f for f in findings if RANK.get(f.severity, 0) > RANK[verdict]]
    if raised:
        top = max(raised, key=lambda f: RANK[f.severity])
        verdict, reason = top.severity, f"{top.code}: {top.message}"
    return Decision(verdict, reason, "default-policy")
