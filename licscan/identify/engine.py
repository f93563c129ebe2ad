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

from licscan.identify import guards
from licscan.identify.index import PackIndex, RefText, pack_index, rule_facts
from licscan.identify.normalize import Normalized, decode, normalize
from licscan.identify.reference import (
    PHRASE,
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
    TextIdentification,
    TextMatch,
    overall_status,
)
from licscan.identify.similarity import (
    Comparison,
    Scan,
    Similar,
    candidates,
    compare,
    find_regions,
    prepare,
)
from licscan.rulepack import RulePack

MODIFIED_SHARE = 0.02  # unguarded differences above this share of the text: modified
SHORT_TEXT = 400  # tokens: a text this short that names a license refers to it
TITLE_TEXT = 100  # tokens: a passage this long that starts with a title is that license
TITLE_SENTENCES = 5  # how far into a passage its title may start
MAX_CHARS = 1_000_000  # larger files are no license text; reading them would slow hooks down
LONG_TEXT_SENTENCES = 200  # an unknown long text is searched this far for license names
ALTERNATIVES = 3
MIN_ALTERNATIVE = 5.0  # percent: less similar texts are not worth naming


def identify_bytes(data: bytes, pack: RulePack, filename: str | None = None
                   ) -> TextIdentification:
    """Identify the license texts in a file's content (any common text encoding)."""
    text, problem = decode(data)
    if text is None:
        return TextIdentification(UNKNOWN, reason=problem)
    return identify_text(text, pack, filename)


def identify_text(text: str, pack: RulePack, filename: str | None = None
                  ) -> TextIdentification:
    """Identify the license texts in `text`; `filename` (README, NOTICE) says how to read
    text around a license and license names."""
    text = _collapse_padding(text)
    if len(text) > MAX_CHARS:
        return TextIdentification(UNKNOWN, reason=f"too large for a license text ({len(text)} "
                                                  "characters)")
    norm = normalize(text)
    if not norm.tokens:
        return TextIdentification(UNKNOWN, reason="empty")
    index = pack_index(pack)
    exact = index.by_hash.get(norm.hash)
    if exact is not None:
        return _exact(pack, exact, (norm.lines[0], norm.lines[-1]))
    scan = prepare(norm)
    similar = candidates(scan, index)
    comparisons = _compare_all(scan, similar)
    claimed = {i for c in comparisons for i in c.attributed}
    passages = _runs([i for i in range(len(norm.sentences)) if i not in claimed])
    phrases = phrase_index(pack)
    matches = [_text_match(pack, c) for c in comparisons]
    known = {m.rule_id for m in matches}
    rest = []
    for passage in passages:
        titled = _title_match(pack, norm, passage, phrases, index, similar)
        if titled is not None and titled.rule_id not in known:
            matches.append(titled)
            known.add(titled.rule_id)
        elif titled is None:
            rest.append(passage)
    reason = None
    if comparisons:
        if not _prose(filename):
            matches = _flag_surroundings(pack, norm, comparisons, rest, matches)
        matches += _policies_in_changes(pack, norm, comparisons, phrases, known)
    elif not matches:
        matches, reason = _references(pack, norm, rest, phrases, filename)
    matches.sort(key=lambda m: m.lines or (0, 0))
    alternatives = _alternatives(similar, {m.rule_id for m in matches}, norm, phrases, matches)
    final = tuple(matches)
    if not final and reason is None:
        reason = "no license text recognised"
    return TextIdentification(overall_status(final), final, alternatives, reason)


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
            out.append(comparison)
            claimed.update(comparison.attributed)
        if len(claimed) > before:  # (each round claims something, so this ends)
            rest = _runs([i for i in range(low, high + 1) if i not in claimed])
            spans += [(run[0], run[-1]) for run in rest]
    return sorted(out, key=lambda c: c.lines)


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
    return _match(pack, comparison.region.ref.rule_id, status, confidence, matcher,
                  comparison.lines, comparison.differences)


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
    compared = [s for s in similar if s.ref.rule_id in pool]
    if any(r in with_text for r in pool):
        best = compared[0].ref.rule_id if compared else sorted(r for r in pool if r in with_text)[0]
        coverage = compared[0].coverage if compared else 0.0
        why = (f"title of {best}, but only {round(coverage * 100)}% of its reference text "
               "is present")
        return _match(pack, best, MODIFIED, max(1, round(coverage * 100)), "title", lines,
                      [Difference("changed", norm.passage(number, number),
                                  norm.sentences[number].first_line, True, why)])
    chosen = resolve(pool, pack)
    if chosen is None:
        return None
    # the pack has no text to compare: title and version line are all the evidence
    versioned = bool(with_version_line(tokens, [chosen], phrases))
    return _match(pack, chosen, IDENTIFIED, 80 if versioned else 70, "title", lines)


def _flag_surroundings(pack: RulePack, norm: Normalized, comparisons: Sequence[Comparison],
                       passages: Sequence[Sequence[int]], matches: list[TextMatch]
                       ) -> list[TextMatch]:
    """Text around the licenses that adds terms makes the nearest license modified."""
    changed: dict[int, list[Difference]] = {}
    for passage in passages:
        why = guards.outside_flag(_passage_tokens(norm, passage))
        if why is None:
            continue
        before = [n for n, c in enumerate(comparisons) if c.attributed[0] < passage[0]]
        nearest = before[-1] if before else 0
        changed.setdefault(nearest, []).append(Difference(
            "added", norm.passage(passage[0], passage[-1]),
            norm.sentences[passage[0]].first_line, True, why))
    if not changed:
        return matches
    out = list(matches)
    for number, extra in changed.items():
        comparison = comparisons[number]
        comparison.differences.extend(extra)
        comparison.differences.sort(key=lambda d: d.line or 0)
        out[number] = _text_match(pack, comparison)
    return out


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
                phrases: PhraseIndex, filename: str | None) -> tuple[list[TextMatch], str | None]:
    out: dict[str, TextMatch] = {}
    for rule_id, line in spdx_identifiers(norm, pack):
        out.setdefault(rule_id, _match(pack, rule_id, IDENTIFIED, 90, "reference", (line, line)))
    if out:
        return list(out.values()), None
    numbers = [n for p in passages for n in p]
    long_text = sum(len(_passage_tokens(norm, p)) for p in passages) > SHORT_TEXT
    if long_text and not _prose(filename):
        numbers = numbers[:LONG_TEXT_SENTENCES]  # only to say what it names
    found = mentions(norm, numbers, phrases)
    if not found:
        return [], None
    if long_text and not _prose(filename):
        ids = sorted({r for m in found for r in m.rule_ids})
        return [], "no license text recognised; the text names " + ", ".join(ids[:5])
    for mention in found:
        chosen = resolve(mention.rule_ids, pack)
        if chosen is None or chosen in out:
            continue
        confidence = 90 if mention.kind == PHRASE else 85
        if len(mention.rule_ids) > 1:
            confidence -= 10
        line = norm.lines[mention.token]
        out[chosen] = _match(pack, chosen, IDENTIFIED, confidence, "reference", (line, line))
    return list(out.values()), None


def _prose(filename: str | None) -> bool:
    """README and NOTICE files talk about licenses; text around a license there is normal."""
    return (filename or "").rsplit("/", 1)[-1].lower().startswith(("readme", "notice"))


def _alternatives(similar: Sequence[Similar], matched: set[str], norm: Normalized,
                  phrases: PhraseIndex, matches: Sequence[TextMatch]) -> tuple[Candidate, ...]:
    out: dict[str, float] = {}
    # a rule whose version line the text carries, but that has no reference text to compare
    modified = {m.rule_id for m in matches if m.status == MODIFIED}
    if modified:
        lined = with_version_line(list(norm.tokens), phrases.version_lines, phrases)
        for rule_id in lined:
            if rule_id not in matched:
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
