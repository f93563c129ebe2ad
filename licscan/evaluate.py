"""Compatibility only: one license's terms in a context are `licscan.terms_in_context`; the
context over a whole expression (AND, OR) is `licscan.context_result`."""

from __future__ import annotations

from licscan.terms_in_context import (
    USE_TERMS,
    Answer,
    ModelEvaluation,
    Obligation,
    evaluate_model,
    with_use_policies,
)

__all__ = ["USE_TERMS", "Answer", "ModelEvaluation", "Obligation", "evaluate_model",
           "with_use_policies"]
