"""A match as identification reports it: a rule's TextMatch, or a comparison's, with the
differences of a modified copy (a guarded passage that restricts what the license grants is
said so first and quoted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from licscan.identify import qualify
from licscan.identify.index import rule_facts
from licscan.identify.normalize import normalize
from licscan.identify.result import IDENTIFIED, MODIFIED, Difference, TextMatch
from licscan.rulepack import RulePack

if TYPE_CHECKING:
    from licscan.identify.similarity import Comparison

MODIFIED_SHARE = 0.02  # unguarded differences above this share of the text: modified


def match(pack: RulePack, rule_id: str, status: str, confidence: int, matcher: str,
          lines: tuple[int, int] | None, differences: Sequence[Difference] = ()) -> TextMatch:
    """The match of a rule, named as the rule pack names it."""
    expression, name, version = rule_facts(pack, rule_id)
    return TextMatch(rule_id, expression, name, version, status, confidence, matcher, lines,
                     tuple(differences))


def text_match(pack: RulePack, comparison: Comparison) -> TextMatch:
    """The match of a reference text the text holds: identified when the comparison is
    clean, else modified (with its differences, restricting ones said so)."""
    share = comparison.unguarded_tokens / max(comparison.reference_tokens, 1)
    if comparison.guarded or share > MODIFIED_SHARE:
        status = MODIFIED
        confidence = max(1, min(99, round(comparison.similarity * 100)))
    else:
        status = IDENTIFIED
        confidence = 100 if comparison.exact or not comparison.differences else \
            max(90, min(99, round((1 - share) * 100) - 1))
    matcher = "exact" if comparison.exact else "fingerprint"
    differences = comparison.differences
    if status == MODIFIED:
        differences = [_restricting(pack, comparison.region.ref.rule_id, d)
                       for d in differences]
    return match(pack, comparison.region.ref.rule_id, status, confidence, matcher,
                 comparison.lines, differences)


_GRANT_LIMITS = frozenset({*qualify.NONCOMMERCIAL, qualify.FIELD_OF_USE,
                           "adds use restrictions"})
QUOTED_TOKENS = 8


def _restricting(pack: RulePack, rule_id: str, difference: Difference) -> Difference:
    """A guarded passage of a modified copy of a license that allows commercial use, where
    the qualifier reads a use limit ("... to deal in the Software for non-commercial purposes
    only"), says so first and quotes it: the copy restricts what the license grants. (The
    reference wording is not at hand, so only limits the base license has not are read.)"""
    rule = pack.get(rule_id)
    if not difference.guarded or difference.kind == "removed" or rule is None or \
            str(rule.flags.commercial_use) != "allowed":
        return difference
    tokens = normalize(difference.text).tokens
    found = [q for q in qualify.find(tokens) if q.reason in _GRANT_LIMITS]
    if not found:
        return difference
    quote = " ".join(tokens[found[0].start:found[0].start + QUOTED_TOKENS])
    why = f"adds a restriction ({found[0].reason}): '{quote}'"
    return replace(difference, reason="; ".join(filter(None, [why, difference.reason])))
