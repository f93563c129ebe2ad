"""Compatibility only: the verdict engine is `licscan.policy.decide`."""

from __future__ import annotations

from licscan.policy.decide import UNKNOWN, decide
from licscan.policy.model import BY_ANSWER, RANK

__all__ = ["BY_ANSWER", "RANK", "UNKNOWN", "decide"]
