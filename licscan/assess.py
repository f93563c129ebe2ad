"""Compatibility only: the context stage of a scan is `licscan.context_result.ContextStage`."""

from __future__ import annotations

from licscan.context_result import ContextStage as Assessor
from licscan.context_result import multimodal_from_card

__all__ = ["Assessor", "multimodal_from_card"]
