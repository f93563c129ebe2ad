"""What is said beside a match, or instead of one: the nearest other license texts (the
alternatives), why a text is unknown (part of a license, a known title over other wording,
a reference not close enough), and the answer for a custom license built on a known one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from licscan.identify.comparisons import SUBSTANTIAL, SUBSTANTIAL_SUM, resemblance
from licscan.identify.normalize import Normalized
from licscan.identify.reference import PhraseIndex, with_version_line
from licscan.identify.result import (
    MODIFIED,
    UNKNOWN,
    Candidate,
    Qualifier,
    TextIdentification,
    TextMatch,
)

if TYPE_CHECKING:
    from licscan.identify.similarity import Comparison, Scan, Similar

ALTERNATIVES = 3
PART = 0.95  # a text this much explained by a reference it does not hold enough of is part of it
MIN_ALTERNATIVE = 5.0  # percent: less similar texts are not worth naming


def nearest(similar: Sequence[Similar], matched: set[str], norm: Normalized,
            phrases: PhraseIndex, matches: Sequence[TextMatch],
            with_text: frozenset[str]) -> tuple[Candidate, ...]:
    """The alternatives: up to ALTERNATIVES license texts the text resembles (at least
    MIN_ALTERNATIVE) and no match names, the rules whose version line it carries first."""
    out: dict[str, float] = {}
    # a rule whose version line the text carries comes first: with its own similarity when
    # it has a reference text (a "Version 1.0" line makes IPL-1.0 no Yi 1.0 candidate), else
    # with the modified match's (the pack has only its title and version line)
    modified = {m.rule_id for m in matches if m.status == MODIFIED}
    if modified:
        lined = with_version_line(list(norm.tokens), phrases.version_lines, phrases)
        own = {s.ref.rule_id: s.dice for s in reversed(similar)}
        for rule_id in lined:
            if rule_id in with_text and rule_id not in matched and \
                    own.get(rule_id, 0.0) * 100 >= MIN_ALTERNATIVE:
                out[rule_id] = round(own[rule_id] * 100, 1)
            elif rule_id not in matched and rule_id not in with_text:
                best = max((s.dice for s in similar if s.ref.rule_id in modified), default=0.0)
                out[rule_id] = round(best * 100, 1)
    for item in similar:
        rule_id = item.ref.rule_id
        if item.dice * 100 < MIN_ALTERNATIVE:
            break
        if rule_id not in matched and rule_id not in out:
            out[rule_id] = round(item.dice * 100, 1)
        if len(out) >= ALTERNATIVES:
            break
    return tuple(Candidate(r, s) for r, s in out.items())


def why_unknown(scan: Scan, titles: Sequence[str], distant: Sequence[Comparison],
                similar: Sequence[Similar]) -> tuple[str, str | None]:
    """Why nothing was identified, and the reference the text is part of, if any."""
    best = max(distant, key=lambda c: sum(resemblance(scan, c))) if distant else None
    present, explained = resemblance(scan, best) if best is not None else (0.0, 0.0)
    part = best.region.ref.rule_id if best is not None and explained >= PART else None
    if part is None and titles:
        # (too little of it for a region: a copy cut off in its definitions)
        part, present, explained = _part_of(scan, titles, similar)
    if part is not None:
        # the wording is the reference's, but what is missing may be what grants or limits
        return (f"the text is part of {part}: its wording is that text's "
                f"({round(explained * 100)}% of the text), but only {round(present * 100)}% "
                f"of {part} is present (a modified text needs {round(SUBSTANTIAL * 100)}%); "
                "a part of a license does not grant what the missing part does"), part
    if titles:
        return (f"the text is titled as {', '.join(dict.fromkeys(titles))} but its wording is "
                "not that license's"), None
    if best is not None:
        return (f"no reference text is close enough: the nearest, {best.region.ref.rule_id}, "
                f"is {round(present * 100)}% present and explains {round(explained * 100)}% "
                f"of the text (a modified text needs {round(SUBSTANTIAL * 100)}% of each, "
                f"{round(SUBSTANTIAL_SUM * 50)}% on average)"), None
    return "no license text recognised", None


def _part_of(scan: Scan, titles: Sequence[str], similar: Sequence[Similar]
             ) -> tuple[str | None, float, float]:
    """(the titled reference, its share present, its share of the text) when that reference
    explains at least PART of the text."""
    from licscan.identify.similarity import novel_tokens

    everything = range(len(scan.norm.sentences))
    for candidate in similar:
        if candidate.ref.rule_id in titles:
            novel = len(novel_tokens(scan, candidate.ref, everything))
            explained = 1 - novel / max(len(scan.norm.tokens), 1)
            if explained >= PART:
                return candidate.ref.rule_id, _present(scan, candidate), explained
    return None, 0.0, 0.0


def _present(scan: Scan, candidate: Similar) -> float:
    """The share of the reference present: its shingle coverage, or, for a reference with
    parts a copy may leave out (CC's preamble), the share of the wording a copy must have
    whose sentences the text holds, when that is higher (the coverage counts the optional
    parts as missing, which would overstate what the text lacks)."""
    ref = candidate.ref
    if not ref.optional:
        return candidate.coverage
    held = {sentence.hash for sentence in scan.norm.sentences}
    needed = [j for j in range(len(ref.sentence_hashes)) if j not in ref.optional]
    total = sum(ref.sentence_tokens[j] for j in needed)
    found = sum(ref.sentence_tokens[j] for j in needed if ref.sentence_hashes[j] in held)
    return max(candidate.coverage, found / max(total, 1))


def custom(matches: Sequence[TextMatch], alternatives: tuple[Candidate, ...],
           qualifiers: Sequence[Qualifier]) -> TextIdentification:
    """A custom license built on a known one: never concluded as that one."""
    bases = list(dict.fromkeys(q.base for q in qualifiers if q.base))
    named = [Candidate(m.rule_id, float(m.confidence)) for m in matches if m.rule_id not in bases]
    kept = tuple(dict.fromkeys([*named, *alternatives]))[:ALTERNATIVES + 2]
    reason = ("custom terms: the text " + ("builds on " + ", ".join(bases) if bases else
                                           "adds terms to a license") + " and "
              + "; ".join(dict.fromkeys(q.reason for q in qualifiers)))
    return TextIdentification(UNKNOWN, (), kept, reason, tuple(qualifiers))
