"""Compatibility only: the verdict vocabulary moved to `licscan.policy.model`, and the built-in
default policy is `licscan.policy.default.DEFAULT_POLICY`, decided by the one engine
(`licscan.policy.decide`) like any configured policy. New code imports from there.
"""

from __future__ import annotations

from licscan.policy.model import RANK, Decision, worst

__all__ = ["RANK", "Decision", "worst"]
