"""The matcher cascade: exact hash, fingerprints with guards, titles, then references.

Cheap and certain first. A whole-text hash match ends the search. Otherwise each reference
text found by shingle similarity is aligned sentence by sentence and judged by the guards;
text around the licenses is checked for added terms; what no fingerprint claims is searched
for license titles (a text the pack knows only by name) and, in short texts, for
references such as "licensed under the Llama 3.1 Community License".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from licscan.identify import guards, qualify
from licscan.identify.index import PackIndex, RefText, pack_index, rule_facts
from licscan.identify.normalize import Normalized, decode, normalize
from licscan.identify.reference import (
    PHRASE,
    Mention,
    PhraseIndex,
    mentions,
    phrase_index,
    resolve,
    spdx_identifiers,
    title_at,
    with_version_line,
)
from licscan.identify.result import (
    IDENTIFIED,
    MODIFIED,
    UNKNOWN,
    Candidate,
    Difference,
    Qualifier,
    TextIdentification,
    TextMatch,
    overall_status,
)
from licscan.rulepack import RulePack

if TYPE_CHECKING:
    from licscan.identify.similarity import Comparison, Scan, Similar

MODIFIED_SHARE = 0.02  # unguarded differences above this share of the text: modified
SHORT_TEXT = 400  # tokens: a text this short that names a license refers to it
TITLE_TEXT = 100  # tokens: a passage this long that starts with a title is that license
TITLE_SENTENCES = 5  # how far into a passage its title may start
MAX_CHARS = 1_000_000  # larger files are no license text; reading them would slow hooks down
LONG_TEXT_SENTENCES = 200  # an unknown long text is searched this far for license names
ALTERNATIVES = 3
# "Modified X" needs X substantially: 80% of X's wording present, 80% of the text explained
# by X, and 90% on average. Chosen on the corpus (docs/identification.md): single edits of a
# reference (a number, a version, a party, a word, an inserted clause) stay above it in
# 98-100% of cases, while different licenses built on one template (Llama 2 vs 3, DeepSeek
# vs OpenRAIL++, SAM vs DINOv3, Databricks vs Llama 2) fall below it.
SUBSTANTIAL = 0.8
FRAGMENT = 0.2  # a text holding this much of a reference text is a fragment, not a reference
SUBSTANTIAL_SUM = 1.8
PART = 0.95  # a text this much explained by a reference it does not hold enough of is part of it
MIN_ALTERNATIVE = 5.0  # percent: less similar texts are not worth naming
SIBLINGS = 8  # most similar texts tried when the closest one is not a clean copy ...
SIBLING_DICE = 0.03  # ... among those about as similar to the region
CUT_DICE = 0.1  # ... or, for a copy with a part missing, somewhat less similar
TWIN_TOKENS = 60  # texts differing only in their titles differ at most this much in size


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
    # (the fuzzy matcher is imported only here: an exact copy needs none of it)
    from licscan.identify.similarity import candidates, prepare

    phrases = phrase_index(pack)
    scan = prepare(norm, lambda number: bool(mentions(norm, [number], phrases)))
    similar = candidates(scan, index)
    compared = _compare_all(scan, similar)
    # a text is a modified X only when it is substantially X; a text sharing a template
    # with X (another licensor's license, another version's rewrite) is not X
    comparisons = [c for c in compared if _substantially(scan, c)]
    distant = [c for c in compared if c not in comparisons]
    claimed = {i for c in comparisons for i in c.attributed}
    passages = _runs([i for i in range(len(norm.sentences)) if i not in claimed])
    matches = [_text_match(pack, c) for c in comparisons]
    ambiguous = _untwin(pack, scan, similar, comparisons, matches)
    if ambiguous is not None:
        return ambiguous
    known = {m.rule_id for m in matches}
    rest, titles = _titled(pack, norm, passages, phrases, index, similar, matches, known)
    reason = None
    qualifiers: list[Qualifier] = []
    if comparisons:
        policies = _policies_in_changes(pack, norm, comparisons, phrases, known)
        if not _prose(filename) and not policies:
            rest = _without_metadata(text, norm, rest)
            qualifiers = _surroundings(pack, norm, comparisons, rest, phrases)
        matches += policies
    elif not matches and not distant and not titles and \
            not any(c.coverage >= FRAGMENT for c in similar):
        # (a text resembling a license text without being it is no reference to one)
        matches, reason, qualifiers = _references(pack, norm, rest, phrases, filename)
    matches.sort(key=lambda m: m.lines or (0, 0))
    alternatives = _alternatives(similar, {m.rule_id for m in matches}, norm, phrases, matches,
                                 index.rules_with_text)
    if qualifiers:
        return _custom(matches, alternatives, qualifiers)
    final = tuple(matches)
    if not final and reason is None:
        reason, part = _why_unknown(scan, titles, distant, similar)
        if part is not None:  # the text it is part of comes first, whatever wraps it
            alternatives = (*sorted(alternatives, key=lambda c: c.rule_id != part),)
    return TextIdentification(overall_status(final), final, alternatives, reason)


def _titled(pack: RulePack, norm: Normalized, passages: Sequence[list[int]],
            phrases: PhraseIndex, index: PackIndex, similar: Sequence[Similar],
            matches: list[TextMatch], known: set[str]) -> tuple[list[list[int]], list[str]]:
    """Passages no fingerprint claimed: licenses known by title join `matches`; the rest is
    returned, with the titles of known texts that head other wording."""
    rest: list[list[int]] = []
    titles: list[str] = []
    for passage in passages:
        titled = _title_match(pack, norm, passage, phrases, index, similar)
        if titled is None:
            rest.append(passage)
            titles += _known_title(norm, passage, phrases, index)
        elif titled.rule_id not in known:
            matches.append(titled)
            known.add(titled.rule_id)
    return rest, titles


def _custom(matches: Sequence[TextMatch], alternatives: tuple[Candidate, ...],
            qualifiers: Sequence[Qualifier]) -> TextIdentification:
    """A custom license built on a known one: never concluded as that one."""
    bases = list(dict.fromkeys(q.base for q in qualifiers if q.base))
    named = [Candidate(m.rule_id, float(m.confidence)) for m in matches if m.rule_id not in bases]
    kept = tuple(dict.fromkeys([*named, *alternatives]))[:ALTERNATIVES + 2]
    reason = ("custom terms: the text " + ("builds on " + ", ".join(bases) if bases else
                                           "adds terms to a license") + " and "
              + "; ".join(dict.fromkeys(q.reason for q in qualifiers)))
    return TextIdentification(UNKNOWN, (), kept, reason, tuple(qualifiers))


def _why_unknown(scan: Scan, titles: Sequence[str], distant: Sequence[Comparison],
                 similar: Sequence[Similar]) -> tuple[str, str | None]:
    """Why nothing was identified, and the reference the text is part of, if any."""
    best = max(distant, key=lambda c: sum(_resemblance(scan, c))) if distant else None
    present, explained = _resemblance(scan, best) if best is not None else (0.0, 0.0)
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
                return candidate.ref.rule_id, candidate.coverage, explained
    return None, 0.0, 0.0


def _resemblance(scan: Scan, comparison: Comparison) -> tuple[float, float]:
    """(share of the reference's wording present in the region, share of the region's words
    that the reference explains): an insertion lowers the second, a deletion the first, a
    different license sharing a template both."""
    from licscan.identify.similarity import novel_tokens

    region = comparison.region
    sentences = range(region.first, region.last + 1)
    words = sum(scan.norm.sentences[i].end - scan.norm.sentences[i].start for i in sentences)
    novel = len(novel_tokens(scan, region.ref, sentences))
    return region.coverage, 1 - novel / max(words, 1)


def _substantially(scan: Scan, comparison: Comparison) -> bool:
    """Substantially the reference text: see SUBSTANTIAL. Identical and near-identical copies
    pass at once (no differences need weighing)."""
    if comparison.exact or not comparison.differences:
        return True
    present, explained = _resemblance(scan, comparison)
    return min(present, explained) >= SUBSTANTIAL and present + explained >= SUBSTANTIAL_SUM


_PADDING = re.compile(r"(?:[ \t\f\v\x00]*+\r?\n){50,}+|[ \t\f\v\x00]{200,}+")


def _collapse_padding(text: str) -> str:
    """Runs of 50+ blank lines or 200+ spaces are padding, not layout: collapsed before the
    size check, so padding cannot push a license text out of reach (the lines before a run
    keep their numbers)."""
    if len(text) < 20_000:
        return text
    return _PADDING.sub(lambda m: "\n\n" if "\n" in m.group(0) else " ", text)


def _compare_all(scan: Scan, similar: Sequence[Similar]) -> list[Comparison]:
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
            rest = _runs([i for i in range(low, high + 1) if i not in claimed])
            spans += [(run[0], run[-1]) for run in rest]
    return sorted(out, key=lambda c: c.lines)


def _untwin(pack: RulePack, scan: Scan, similar: Sequence[Similar],
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
        matches[number] = _match(pack, chosen, IDENTIFIED, old.confidence, old.matcher,
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
        if not _substantially(scan, candidate):
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
    return TextIdentification(IDENTIFIED, (_match(pack, chosen, IDENTIFIED, 100, "exact",
                                                  lines),))


def _runs(numbers: Sequence[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for number in numbers:
        if runs and runs[-1][-1] == number - 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return runs


def _match(pack: RulePack, rule_id: str, status: str, confidence: int, matcher: str,
           lines: tuple[int, int] | None, differences: Sequence[Difference] = ()) -> TextMatch:
    expression, name, version = rule_facts(pack, rule_id)
    return TextMatch(rule_id, expression, name, version, status, confidence, matcher, lines,
                     tuple(differences))


def _text_match(pack: RulePack, comparison: Comparison) -> TextMatch:
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
    return _match(pack, comparison.region.ref.rule_id, status, confidence, matcher,
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


def _passage_tokens(norm: Normalized, passage: Sequence[int]) -> list[str]:
    first, last = norm.sentences[passage[0]], norm.sentences[passage[-1]]
    return list(norm.tokens[first.start:last.end])


def _title_match(pack: RulePack, norm: Normalized, passage: Sequence[int], phrases: PhraseIndex,
                 index: PackIndex, similar: Sequence[Similar]) -> TextMatch | None:
    """A long passage opening with a license title is that license, or a modified copy."""
    tokens = _passage_tokens(norm, passage)
    if len(tokens) < TITLE_TEXT:
        return None
    for number in passage[:TITLE_SENTENCES]:
        rules = title_at(norm, number, phrases)
        if rules:
            break
    else:
        return None
    lines = (norm.sentences[passage[0]].first_line, norm.sentences[passage[-1]].last_line)
    pool = with_version_line(tokens, rules, phrases) or sorted(rules)
    with_text = index.rules_with_text
    if any(r in with_text for r in pool) or any(s.coverage >= FRAGMENT for s in similar):
        # the pack has the text: a copy would have matched it, so the title heads another
        # text (a custom license under a known title) -- unknown, never "modified X"
        return None
    chosen = resolve(pool, pack)
    if chosen is None:
        return None
    # the pack has no text to compare: title and version line are all the evidence
    versioned = bool(with_version_line(tokens, [chosen], phrases))
    return _match(pack, chosen, IDENTIFIED, 80 if versioned else 70, "title", lines)


def _known_title(norm: Normalized, passage: Sequence[int], phrases: PhraseIndex,
                 index: PackIndex) -> list[str]:
    """Rules with a reference text whose title opens this long passage."""
    if len(_passage_tokens(norm, passage)) < TITLE_TEXT:
        return []
    for number in passage[:TITLE_SENTENCES]:
        rules = title_at(norm, number, phrases)
        if rules:
            return sorted(r for r in rules if r in index.rules_with_text)
    return []


_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(.{0,8000}?\n)---[ \t]*(?:\n|\Z)", re.S)
# the keys of a front matter that claim a license for the content (a model or dataset card)
_CLAIM_KEY = re.compile(r"^\s*-?\s*license(?:_name|_link|_details)?\s*:", re.M)


def _without_metadata(text: str, norm: Normalized, passages: Sequence[Sequence[int]]
                      ) -> list[list[int]]:
    """The passages without a YAML front matter that heads a license text (a license
    database's record: key, name, notes, URLs): it describes the text and adds no terms to
    it. A front matter that claims a license (`license:`, `license_name:`, as a card's does)
    stays: "license_name: CC BY-NC-SA 4.0 + dataset terms" qualifies."""
    match = _FRONT_MATTER.match(text)
    if match is None or _CLAIM_KEY.search(match.group(1)):
        return [list(p) for p in passages]
    last = text.count("\n", 0, match.end(1)) + 1  # the closing '---' line
    kept = [[n for n in p if norm.sentences[n].first_line > last] for p in passages]
    return [p for p in kept if p]


def _surroundings(pack: RulePack, norm: Normalized, comparisons: Sequence[Comparison],
                  passages: Sequence[Sequence[int]], phrases: PhraseIndex) -> list[Qualifier]:
    """Text around the licenses in a license file that adds, removes or qualifies terms (an
    exclusion list in front of MIT, "commercial use needs our approval" after it), or a long
    passage of terms no reference explains: the file is a custom license built on them."""
    out: list[Qualifier] = []
    for passage in passages:
        before = [c for c in comparisons if c.attributed[0] < passage[0]]
        nearest = (before[-1] if before else comparisons[0]).region.ref.rule_id
        found = _qualifiers(pack, norm, passage, phrases, nearest)
        if found:
            out += found
            continue
        first = norm.sentences[passage[0]].start
        names = {t for m in mentions(norm, passage, phrases)
                 for t in range(m.token, m.token + m.length)}
        tokens = [t for n, t in enumerate(_passage_tokens(norm, passage), start=first)
                  if n not in names]
        if len(tokens) < 4:
            continue  # a title or the license's name, as a heading
        # standard notices (the Apache header over the weights) and scope statements ("this
        # license applies to the model artifacts; the code is under MIT") add no terms
        kept = [n for n in passage if not qualify.is_scope(
            norm.tokens[norm.sentences[n].start:norm.sentences[n].end])]
        tokens = qualify.without_boilerplate(
            [t for n in kept for i, t in enumerate(
                norm.tokens[norm.sentences[n].start:norm.sentences[n].end],
                start=norm.sentences[n].start) if i not in names])
        why = guards.outside_flag(tokens)
        if why is not None:
            line = norm.sentences[passage[0]].first_line
            out.append(Qualifier(nearest, norm.passage(passage[0], passage[-1]), line, why))
    return out


def _qualifiers(pack: RulePack, norm: Normalized, sentences: Sequence[int],
                phrases: PhraseIndex, default: str | None, fail_closed: bool = True
                ) -> list[Qualifier]:
    """One qualifier per sentence that qualifies the license it names (or `default`).
    `fail_closed`: a sentence with a restrictive word qualifies even when no known phrase
    does (see qualify.restrictive)."""
    found = mentions(norm, sentences, phrases)
    spans = [(m.token, m.token + m.length) for m in found]
    out: list[Qualifier] = []
    base = default
    everything = [pack.get(r) for m in found if (r := resolve(m.rule_ids, pack)) is not None]
    only_policies = bool(everything) and all(r is not None and r.kind == "use-policy"
                                             for r in everything)
    for number in sentences:
        sentence = norm.sentences[number]
        here = [m for m in found if sentence.start <= m.token < sentence.end]
        named = [r for m in here if (r := resolve(m.rule_ids, pack)) is not None]
        inside = [(a - sentence.start, b - sentence.start) for a, b in spans
                  if sentence.start <= a < sentence.end]
        words = norm.tokens[sentence.start:sentence.end]
        hits = qualify.find(words, inside) + _joined_terms(pack, norm, here, found,
                                                           sentence.end)
        scope = qualify.is_scope(words, inside)
        if fail_closed and not hits and not scope:
            # no known phrase: a sentence that still restricts (a use, a user, a place, a
            # price) qualifies the license all the same
            extra = qualify.restrictive(words, inside)
            hits = [extra] if extra is not None else []
        subject = named[0] if named else base
        if default and named and default not in named:
            # a scope statement: "does not apply to the code, which is under MIT"
            hits = [h for h in hits if h.reason != qualify.EXCEPTION]
        if hits and scope:
            # what the license covers, or the terms of other material (code, data, a base
            # model): only a limit on the model's own use still qualifies the license
            hits = [h for h in hits if h.reason in _MODEL_LIMITS and qualify.about_subject(words)]
        rule = pack.get(subject) if subject else None
        if hits and ((rule is not None and rule.kind == "use-policy") or only_policies):
            # "refer to the acceptable use policy": naming the policy adds no policy to it
            hits = [h for h in hits if h.reason != "adds use restrictions"]
        if hits and rule is not None and rule.flags.commercial_use == "prohibited":
            hits = [h for h in hits if not _restates_noncommercial(h.reason, words)]
        if hits and rule is not None and rule.flags.commercial_use == "conditional":
            hits = [h for h in hits if not (h.reason == qualify.RESTRICTS
                                            and _PERMISSION & set(words))]
        if hits:
            hits = [h for h in hits if not _restates_attribution(h.reason, words)]
        if hits:
            out.append(Qualifier(named[0] if named else base, norm.passage(number, number),
                                 sentence.first_line, "; ".join(h.reason for h in hits)))
        if named and not (base is not None and qualify.about_data(words, inside)):
            # (a license named for other material -- "the training data carry CC BY-SA" --
            # does not become the subject of the sentences that follow)
            base = named[-1]
    return out


def _joined_terms(pack: RulePack, norm: Normalized, here: Sequence[Mention],
                  found: Sequence[Mention], end: int) -> list[qualify.Qualifying]:
    """A license name joined by "+" to terms that are no license ("CC BY-NC-SA 4.0 +
    nuScenes Dataset Terms"): the license with added terms. "Apache-2.0 + MIT" joins two
    licenses and adds nothing."""
    starts = {m.token for m in found}
    for mention in here:
        after = mention.token + mention.length
        if after >= end or after in starts:
            continue
        gap = norm.cleaned[norm.offsets[after - 1][1]:norm.offsets[after][0]]
        written = norm.cleaned[norm.offsets[after][0]:].split(maxsplit=1)
        if gap.strip() == "+" and not (written and pack.get(written[0].lower().rstrip(".,;"))):
            return [qualify.Qualifying(after - norm.sentences[norm.sentence_at(after)].start,
                                       "adds terms")]
    return []


_USE_LIMITS = qualify.NONCOMMERCIAL | {"limits the field of use", "prohibits a use",
                                       "adds a threshold"}
# (a scope sentence that also speaks of the model: "the code is Apache 2.0, but the weights
# are under a special license")
_MODEL_LIMITS = _USE_LIMITS | {"requires another license", "requires permission"}
_ABOUT_USE = frozenset({"commercial", "commercially", "noncommercial", "noncommercially",
                        "research", "academic", "personal", "educational", "evaluation",
                        "profit", "revenue", "sell", "selling", "paid"})
_CREDIT = frozenset({"credit", "attribution", "attribute", "cite", "citation"})
# a license that makes commercial use conditional on a registration or permission: a
# sentence on how to obtain it ("you only need to send an email to get commercial
# permission") restates that condition
_PERMISSION = frozenset({"permission", "register", "registration", "apply", "application",
                         "email", "approval", "authorization", "authorisation"})
_RESTRICTIVE = frozenset({"not", "no", "never", "only", "solely", "exclusively", "commercial",
                          "commercially", "noncommercial", "research", "prohibited", "except",
                          "unless", "without", "approval", "permission", "fee", "fees"})


def _restates_noncommercial(reason: str, words: Sequence[str]) -> bool:
    """A sentence that restates a non-commercial license's own terms: non-commercial or
    research use, no commercial use ("Not permitted: commercial use"), credit or
    non-commercial use as a condition. Other prohibitions (a field of use) still qualify."""
    if reason in qualify.NONCOMMERCIAL or reason == "limits the field of use":
        return True
    if reason == "prohibits a use":
        return len(words) <= 3 or any(w in _ABOUT_USE for w in words)
    if reason == qualify.RESTRICTS:
        # (a limit no phrase names, added to a license that already forbids commercial
        # use, cannot let through what the license stops)
        return True
    if reason == "adds a condition":
        return any(w in _ABOUT_USE or w in _CREDIT for w in words)
    return False


def _restates_attribution(reason: str, words: Sequence[str]) -> bool:
    """"provided that you give appropriate credit": the notice duty every license has."""
    return reason == "adds a condition" and any(w in _CREDIT for w in words) and \
        not any(w in _RESTRICTIVE for w in words)


def _policies_in_changes(pack: RulePack, norm: Normalized, comparisons: Sequence[Comparison],
                         phrases: PhraseIndex, known: set[str]) -> list[TextMatch]:
    """A changed title naming a use policy or addendum (e.g. CC BY-NC 'with Acceptable Use
    Addendum') adds that policy to the file's licenses."""
    out = []
    for comparison in comparisons:
        for number in comparison.changed:
            for rule_id in sorted(title_at(norm, number, phrases)):
                rule = pack.get(rule_id)
                if rule is None or rule.kind != "use-policy" or rule_id in known:
                    continue
                known.add(rule_id)
                line = norm.sentences[number].first_line
                out.append(_match(pack, rule_id, IDENTIFIED, 80, "title", (line, line)))
    return out


def _references(pack: RulePack, norm: Normalized, passages: Sequence[Sequence[int]],
                phrases: PhraseIndex, filename: str | None
                ) -> tuple[list[TextMatch], str | None, list[Qualifier]]:
    """Text that names licenses instead of holding one. A name identifies a license only when
    nothing around it adds, removes or qualifies terms; otherwise the qualifying passages
    are returned and nothing is identified."""
    out: dict[str, TextMatch] = {}
    numbers = [n for p in passages for n in p]
    long_text = sum(len(_passage_tokens(norm, p)) for p in passages) > SHORT_TEXT
    if long_text and not _prose(filename):
        numbers = numbers[:LONG_TEXT_SENTENCES]  # only to say what it names
    found = mentions(norm, numbers, phrases)
    identifiers = spdx_identifiers(norm, pack)
    if not found and not identifiers:
        if long_text or not (filename or "").rsplit("/", 1)[-1].lower().startswith("readme"):
            return [], None, []  # (an unnamed license file is reviewed as unidentified)
        # a README License or Terms section that names no license but limits a use in known
        # words ("Commercial use requires a separate agreement with us.") is terms of its
        # own: a custom license. (Only known phrases: with no license named, the fail-closed
        # reading would take prose -- "we use compatible data only" -- for terms.)
        return [], None, _qualifiers(pack, norm, numbers, phrases, None, fail_closed=False)
    qualifiers = _qualifiers(pack, norm, numbers, phrases,
                             identifiers[0][0] if identifiers else None,
                             fail_closed=not (long_text and not _prose(filename)))
    if long_text and not _prose(filename):
        ids = sorted({r for m in found for r in m.rule_ids} | {i for i, _l in identifiers})
        return [], "no license text recognised; the text names " + ", ".join(ids[:5]), \
            [q for q in qualifiers if q.base]
    if qualifiers and (found or identifiers):
        return [], None, qualifiers
    for rule_id, line in identifiers:
        out.setdefault(rule_id, _match(pack, rule_id, IDENTIFIED, 90, "reference", (line, line)))
    if out:
        return list(out.values()), None, []
    for mention in found:
        chosen = resolve(mention.rule_ids, pack,
                         norm.tokens[mention.token:mention.token + mention.length])
        if chosen is None or chosen in out or _names_data_license(norm, mention, found):
            continue
        confidence = 90 if mention.kind == PHRASE else 85
        if len(mention.rule_ids) > 1:
            confidence -= 10
        line = norm.lines[mention.token]
        out[chosen] = _match(pack, chosen, IDENTIFIED, confidence, "reference", (line, line))
    return _most_specific(pack, list(out.values())), None, []


def _names_data_license(norm: Normalized, mention: Mention, found: Sequence[Mention]) -> bool:
    """Is the name the license of training or third-party data (not of the repository)?"""
    sentence = norm.sentences[norm.sentence_at(mention.token)]
    inside = [(m.token - sentence.start, m.token + m.length - sentence.start) for m in found
              if sentence.start <= m.token < sentence.end]
    return qualify.about_data(norm.tokens[sentence.start:sentence.end], inside)


def _most_specific(pack: RulePack, matches: list[TextMatch]) -> list[TextMatch]:
    """A family rule named next to one of its versions (a title, and a link to the version's
    LICENSE) gives way to the version."""
    versions = {rule.family for m in matches if (rule := pack.get(m.rule_id)) is not None
                and rule.version is not None}
    return [m for m in matches if not ((rule := pack.get(m.rule_id)) is not None
                                       and rule.version is None and rule.id == rule.family
                                       and rule.family in versions)]


def _prose(filename: str | None) -> bool:
    """README and NOTICE files talk about licenses; text around a license there is normal."""
    return (filename or "").rsplit("/", 1)[-1].lower().startswith(("readme", "notice"))


def _alternatives(similar: Sequence[Similar], matched: set[str], norm: Normalized,
                  phrases: PhraseIndex, matches: Sequence[TextMatch],
                  with_text: frozenset[str]) -> tuple[Candidate, ...]:
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
