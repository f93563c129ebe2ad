"""The matcher cascade: exact hash, fingerprints with guards, titles, then references.

Cheap and certain first. A whole-text hash match ends the search. Otherwise each reference
text found by shingle similarity is aligned sentence by sentence and judged by the guards;
text around the licenses is checked for added terms; what no fingerprint claimed is searched
for license titles (a text the pack knows only by name) and, in short texts, for
references such as "licensed under the Llama 3.1 Community License".

This module is the flow; each step is a module of its own:

    comparisons.py   which reference texts the text holds, and whether substantially
    matches.py       a rule's or a comparison's TextMatch; a modified copy's differences
    titles.py        titles in what no fingerprint claimed; use policies in changed titles
    surroundings.py  terms around a license that make it a custom license (qualifiers)
    named.py         text that names licenses instead of holding one
    unknown.py       the alternatives, why a text is unknown, the custom license's answer
    passages.py      runs of sentences, their tokens, README and NOTICE files
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from licscan.identify.index import PackIndex, RefText, pack_index
from licscan.identify.matches import match
from licscan.identify.normalize import decode, normalize
from licscan.identify.reference import resolve
from licscan.identify.result import (
    IDENTIFIED,
    UNKNOWN,
    Candidate,
    Qualifier,
    TextIdentification,
    overall_status,
)
from licscan.rulepack import RulePack

MAX_CHARS = 1_000_000  # larger files are no license text; reading them would slow hooks down


def identify_bytes(data: bytes, pack: RulePack, filename: str | None = None, *,
                   index: PackIndex | None = None) -> TextIdentification:
    """Identify the license texts in a file's content (any common text encoding)."""
    text, problem = decode(data)
    if text is None:
        return TextIdentification(UNKNOWN, reason=problem)
    return identify_text(text, pack, filename, index=index)


def identify_text(text: str, pack: RulePack, filename: str | None = None, *,
                  index: PackIndex | None = None) -> TextIdentification:
    """Identify the license texts in `text`; `filename` (README, NOTICE) says how to read
    text around a license and license names. `index` replaces the pack's fingerprints
    (evaluation: `pack_index(pack).without(...)`)."""
    text = _collapse_padding(text)
    if len(text) > MAX_CHARS:
        return TextIdentification(UNKNOWN, reason=f"too large for a license text ({len(text)} "
                                                  "characters)")
    norm = normalize(text)
    if not norm.tokens:
        return TextIdentification(UNKNOWN, reason="empty")
    if index is None:
        index = pack_index(pack)
    exact = index.by_hash.get(norm.hash)
    if exact is not None:
        return _exact(pack, exact, (norm.lines[0], norm.lines[-1]))
    # (the fuzzy matcher and the steps that read its results are imported only here: an
    # exact copy needs none of them)
    from licscan.identify.comparisons import FRAGMENT, compare_all, substantially, untwin
    from licscan.identify.matches import text_match
    from licscan.identify.named import references
    from licscan.identify.passages import prose, runs
    from licscan.identify.reference import mentions, phrase_index
    from licscan.identify.similarity import candidates, prepare
    from licscan.identify.surroundings import surroundings, without_metadata
    from licscan.identify.titles import policies_in_changes, titled
    from licscan.identify.unknown import custom, nearest, why_unknown

    phrases = phrase_index(pack)
    scan = prepare(norm, lambda number: bool(mentions(norm, [number], phrases)))
    similar = candidates(scan, index)
    compared = compare_all(scan, similar)
    # a text is a modified X only when it is substantially X; a text sharing a template
    # with X (another licensor's license, another version's rewrite) is not X
    comparisons = [c for c in compared if substantially(scan, c)]
    distant = [c for c in compared if c not in comparisons]
    claimed = {i for c in comparisons for i in c.attributed}
    passages = runs([i for i in range(len(norm.sentences)) if i not in claimed])
    matches = [text_match(pack, c) for c in comparisons]
    ambiguous = untwin(pack, scan, similar, comparisons, matches)
    if ambiguous is not None:
        return ambiguous
    known = {m.rule_id for m in matches}
    rest, titles = titled(pack, norm, passages, phrases, index, similar, matches, known)
    reason = None
    qualifiers: list[Qualifier] = []
    if comparisons:
        policies = policies_in_changes(pack, norm, comparisons, phrases, known)
        if not prose(filename) and not policies:
            rest = without_metadata(text, norm, rest)
            qualifiers = surroundings(pack, norm, comparisons, rest, phrases)
        matches += policies
    elif not matches and not distant and not titles and \
            not any(c.coverage >= FRAGMENT for c in similar):
        # (a text resembling a license text without being it is no reference to one)
        matches, reason, qualifiers = references(pack, norm, rest, phrases, filename)
    matches.sort(key=lambda m: m.lines or (0, 0))
    alternatives = nearest(similar, {m.rule_id for m in matches}, norm, phrases, matches,
                           index.rules_with_text)
    if qualifiers:
        return custom(matches, alternatives, qualifiers)
    final = tuple(matches)
    if not final and reason is None:
        reason, part = why_unknown(scan, titles, distant, similar)
        if part is not None:  # the text it is part of comes first, whatever wraps it
            alternatives = (*sorted(alternatives, key=lambda c: c.rule_id != part),)
    return TextIdentification(overall_status(final), final, alternatives, reason)


def _exact(pack: RulePack, refs: Sequence[RefText], lines: tuple[int, int]
           ) -> TextIdentification:
    """A text equal to a reference text; when it equals the texts of several rules (a license
    published under two ids with one text), the family's rule names it, or nothing does."""
    ids = sorted({r.rule_id for r in refs})
    chosen = ids[0] if len(ids) == 1 else resolve(ids, pack)
    if chosen is None:
        return TextIdentification(
            UNKNOWN, alternatives=tuple(Candidate(i, 100.0) for i in ids),
            reason="the text is identical to the reference texts of several licenses: "
                   + ", ".join(ids))
    return TextIdentification(IDENTIFIED, (match(pack, chosen, IDENTIFIED, 100, "exact",
                                                 lines),))


_PADDING = re.compile(r"(?:[ \t\f\v\x00]*+\r?\n){50,}+|[ \t\f\v\x00]{200,}+")


def _collapse_padding(text: str) -> str:
    """Runs of 50+ blank lines or 200+ spaces are padding, not layout: collapsed before the
    size check, so padding cannot push a license text out of reach (the lines before a run
    keep their numbers)."""
    if len(text) < 20_000:
        return text
    return _PADDING.sub(lambda m: "\n\n" if "\n" in m.group(0) else " ", text)
