"""Which reference texts a text holds, and whether substantially.

Every region that shingle similarity found is aligned with its reference (similarity.compare),
then what the found ones leave is searched again (a second copy, a neighbouring version). A
region that is no clean copy of the most similar reference may be a clean copy of a sibling
(OFL-1.1 beside OFL-1.1-RFN) or that reference's wording cut short; a clean copy of a text
that other references equal but for their titles is their family's, or unknown (twins).
A comparison counts as a (modified) copy only when it is substantially its reference
(SUBSTANTIAL); the rest are only distant resemblances.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from licscan.identify.index import RefText
from licscan.identify.matches import MODIFIED_SHARE, match
from licscan.identify.passages import runs
from licscan.identify.reference import resolve
from licscan.identify.result import IDENTIFIED, UNKNOWN, Candidate, TextIdentification, TextMatch
from licscan.rulepack import RulePack

if TYPE_CHECKING:
    from licscan.identify.similarity import Comparison, Scan, Similar

# "Modified X" needs X substantially: 80% of X's wording present, 80% of the text explained
# by X, and 90% on average. Chosen on the corpus (docs/identification.md): single edits of a
# reference (a number, a version, a party, a word, an inserted clause) stay above it in
# 98-100% of cases, while different licenses built on one template (Llama 2 vs 3, DeepSeek
# vs OpenRAIL++, SAM vs DINOv3, Databricks vs Llama 2) fall below it.
SUBSTANTIAL = 0.8
FRAGMENT = 0.2  # a text holding this much of a reference text is a fragment, not a reference
SUBSTANTIAL_SUM = 1.8
SIBLINGS = 8  # most similar texts tried when the closest one is not a clean copy ...
SIBLING_DICE = 0.03  # ... among those about as similar to the region
CUT_DICE = 0.1  # ... or, for a copy with a part missing, somewhat less similar
TWIN_TOKENS = 60  # texts differing only in their titles differ at most this much in size


def compare_all(scan: Scan, similar: Sequence[Similar]) -> list[Comparison]:
    """Every reference text found, searching again what the found ones leave: a second copy,
    or a version that differs from its neighbour by a word (OpenMDW 1.0 then 1.1)."""
    from licscan.identify.similarity import compare, find_regions

    out: list[Comparison] = []
    claimed: set[int] = set()
    spans = [(0, len(scan.norm.sentences) - 1)]
    while spans:
        low, high = spans.pop()
        regions = find_regions(scan, similar, low, high)
        before = len(claimed)
        for number, region in enumerate(regions):
            # the block reaches into the neighbours: where two texts meet, each alignment
            # takes the sentences that are in its own order
            start = regions[number - 1].first if number else low
            end = regions[number + 1].last if number + 1 < len(regions) else high
            comparison = compare(scan, region, start, end)
            if not _clean(comparison):
                comparison = _sibling(scan, similar, comparison, start, end) or comparison
            out.append(comparison)
            claimed.update(comparison.attributed)
        if len(claimed) > before:  # (each round claims something, so this ends)
            rest = runs([i for i in range(low, high + 1) if i not in claimed])
            spans += [(run[0], run[-1]) for run in rest]
    return sorted(out, key=lambda c: c.lines)


def substantially(scan: Scan, comparison: Comparison) -> bool:
    """Substantially the reference text: see SUBSTANTIAL. Identical and near-identical copies
    pass at once (no differences need weighing)."""
    if comparison.exact or not comparison.differences:
        return True
    present, explained = resemblance(scan, comparison)
    return min(present, explained) >= SUBSTANTIAL and present + explained >= SUBSTANTIAL_SUM


def resemblance(scan: Scan, comparison: Comparison) -> tuple[float, float]:
    """(share of the reference's wording present in the region, share of the region's words
    that the reference explains): an insertion lowers the second, a deletion the first, a
    different license sharing a template both."""
    from licscan.identify.similarity import novel_tokens

    region = comparison.region
    sentences = range(region.first, region.last + 1)
    words = sum(scan.norm.sentences[i].end - scan.norm.sentences[i].start for i in sentences)
    novel = len(novel_tokens(scan, region.ref, sentences))
    return present(comparison), 1 - novel / max(words, 1)


def present(comparison: Comparison) -> float:
    """The share of the reference's wording present in the region: its shingle coverage, or,
    for a reference with parts a copy may leave out (CC's preamble), the share of the wording
    a copy must have that equal sentences hold, when that is higher (the coverage counts the
    optional parts as missing)."""
    region = comparison.region
    if not region.ref.optional:
        return region.coverage
    return max(region.coverage, comparison.matched_tokens / max(comparison.reference_tokens, 1))


def untwin(pack: RulePack, scan: Scan, similar: Sequence[Similar],
           comparisons: Sequence[Comparison], matches: list[TextMatch]
           ) -> TextIdentification | None:
    """A text identified as a reference that other rules' references equal but for their
    titles, with none of the titles, is their family's rule (in `matches`); without a family
    rule it is none of them: the unknown answer is returned."""
    for number, comparison in enumerate(comparisons):
        if matches[number].status != IDENTIFIED:
            continue
        twins = _twins(scan, similar, comparison)
        if not twins:
            continue
        ids = sorted({comparison.region.ref.rule_id, *twins})
        chosen = resolve(ids, pack)
        if chosen is None:
            # (fail closed: which of them the file holds decides its terms)
            score = float(matches[number].confidence)
            return TextIdentification(
                UNKNOWN, alternatives=tuple(Candidate(i, score) for i in ids),
                reason="the text is the reference text of several licenses, which differ "
                       "only in their titles, and it has none of them: " + ", ".join(ids))
        old = matches[number]
        matches[number] = match(pack, chosen, IDENTIFIED, old.confidence, old.matcher,
                                old.lines, old.differences)
    return None


def _twins(scan: Scan, similar: Sequence[Similar], comparison: Comparison) -> list[str]:
    """Rules whose reference text is the comparison's but for its title, when the scanned text
    holds neither title: nothing in it says which of them it is (CAL-1.0 and CAL-1.0 with
    Combined Work Exception share every sentence, the exception included, but the title)."""
    from licscan.identify.similarity import compare, region_of

    ref = comparison.region.ref
    present = {sentence.hash for sentence in scan.norm.sentences}
    if any(ref.sentence_hashes[j] in present for j in ref.titles):
        return []
    low, high = comparison.attributed[0], comparison.attributed[-1]
    out = []
    for item in similar[:SIBLINGS]:
        other = item.ref
        if other.rule_id == ref.rule_id or item.coverage < SUBSTANTIAL or \
                abs(other.tokens - ref.tokens) > TWIN_TOKENS:
            continue
        if _body(other) != _body(ref) or \
                any(other.sentence_hashes[j] in present for j in other.titles):
            continue
        # a title left in part ("Version 2.3, 28 July 2000" without its name) still tells
        # them apart: the copy must be as clean a copy of the other text
        twin = compare(scan, region_of(scan, other, comparison.region.first,
                                       comparison.region.last), low, high)
        if _clean(twin) and len(twin.differences) <= len(comparison.differences) and \
                twin.unguarded_tokens <= comparison.unguarded_tokens:
            out.append(other.rule_id)
    return out


def _body(ref: RefText) -> tuple[str, ...]:
    """A reference text's sentences but its title and the parts a copy may leave out."""
    return tuple(h for j, h in enumerate(ref.sentence_hashes)
                 if j not in ref.titles and j not in ref.optional)


def _clean(comparison: Comparison) -> bool:
    """A comparison that identifies its reference (no guarded or large difference)."""
    share = comparison.unguarded_tokens / max(comparison.reference_tokens, 1)
    return not comparison.guarded and share <= MODIFIED_SHARE


def _sibling(scan: Scan, similar: Sequence[Similar], comparison: Comparison, start: int,
             end: int) -> Comparison | None:
    """A near-identical reference that the region is a clean copy of, when the most similar
    one is not: OFL 1.1 with its usual preamble is closest to the OFL-1.1-RFN text (which
    has that preamble) but is a copy of OFL-1.1 (which has no Reserved Font Name line)."""
    from licscan.identify.similarity import compare, region_of

    region = comparison.region
    found = []
    cut = []
    for item in similar[:SIBLINGS]:
        if item.ref is region.ref or item.coverage < SUBSTANTIAL:
            continue
        other = region_of(scan, item.ref, region.first, region.last)
        if other.dice < region.dice - CUT_DICE:
            continue
        candidate = compare(scan, other, start, end)
        if not substantially(scan, candidate):
            continue
        if _clean(candidate) and other.dice >= region.dice - SIBLING_DICE:
            found.append(candidate)
        elif _wording_of(scan, candidate):
            cut.append(candidate)
    if not found and cut and not _wording_of(scan, comparison):
        # Apache cut off in section 9 is closer to Pixar's text (Apache without the end,
        # another trademark clause) than to Apache's, but it is Apache's wording with a part
        # missing, not Pixar's with a clause changed
        found = cut
    return max(found, key=lambda c: (c.similarity, c.region.ref.key), default=None)


def _wording_of(scan: Scan, comparison: Comparison) -> bool:
    """The region is the reference's wording cut off: its only differences are its last
    sentence (cut in the middle) and reference text missing after it. (Reference text missing
    elsewhere is not a cut: BSD-2-Clause is BSD-3-Clause's wording without clause 3, and
    another license.)"""
    if not comparison.attributed:
        return False
    last = scan.norm.sentences[comparison.attributed[-1]].first_line
    return all(d.line is not None and d.line >= last and d.kind in ("removed", "changed")
               for d in comparison.differences)
