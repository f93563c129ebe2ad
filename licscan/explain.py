"""Compatibility only: the terms in plain words are `licscan.plain_terms`."""

from __future__ import annotations

from licscan.plain_terms import condition_text, duty_text, explain_rule

__all__ = ["condition_text", "duty_text", "explain_rule"]
