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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the compatibility names below, typed for their importers
    from licscan.policy.applied import AppliedPolicy as ConfiguredPolicy
    from licscan.scan import build_policy, configured_scanner

__all__ = ["ConfiguredPolicy", "build_policy", "configured_scanner", "today_utc"]


def today_utc() -> date:
    return datetime.now(UTC).date()


def __getattr__(name: str) -> Any:
    """Compatibility for importers of the former names (cli/scan.py, cli/lock.py, action.py);
    new code imports them from their homes. To be removed with them: it is the only path from
    this package back to the scanner and licscan.yaml's Config."""
    if name in ("build_policy", "configured_scanner"):
        from licscan import scan

        return getattr(scan, name)
    if name == "ConfiguredPolicy":
        from licscan.policy.applied import AppliedPolicy

        return AppliedPolicy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
