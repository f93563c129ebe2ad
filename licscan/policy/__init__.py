"""The policy stage: which models an organisation may use (docs/policy.md).

    model.py    the policy as data (Policy, Rule, Waiver), the facts it reads, the Decision
    load.py     licscan.yaml's `policy:` and `waivers:` -> Policy
    default.py  the built-in default Policy (no licscan.yaml)
    facts.py    ModelResult + its ContextResult -> ModelFacts (also stored in licscan.lock)
    decide.py   the one verdict engine: ModelFacts + Policy -> Decision
    applied.py  AppliedPolicy: a Policy applied to scanned models (Scanner(policy=...))

Nothing heavy is imported here: `licscan check` imports `licscan.policy.decide` and must stay
fast. The scanner with a configured policy is built by `licscan.scan.configured_scanner`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = ["today_utc"]


def today_utc() -> date:
    return datetime.now(UTC).date()
