"""Find reference texts inside a scanned text by shingle similarity, then align sentences.

1. Candidates: reference texts sharing enough 5-token shingles with the scanned text.
2. Regions: a Viterbi pass splits the sentences into runs, each explained by one candidate
   or by none; each run takes the candidate most similar to it. The caller searches again
   what the found texts leave, so a file with several texts yields all of them.
3. Alignment of a region's sentence hashes with the reference's: equal sentences match;
   the rest are added, removed or changed passages, which the guards then judge.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from licscan.identify import guards
from licscan.identify.index import PackIndex, RefText
from licscan.identify.normalize import SHINGLE, Normalized, sentence_hash, shingles, text_hash
from licscan.identify.result import Difference
from licscan.record import Record

CANDIDATE_COVERAGE = 0.2  # share of a reference's shingles the whole text must contain
ACCEPT_COVERAGE = 0.5  # ... and a region must contain to count as that reference
MAX_CANDIDATES = 12
PREFILTER_COVERAGE = 0.1  # estimated from sketches: texts worth counting exactly
PREFILTER_DICE = 0.03
EXACT_LIMIT = 24  # texts counted exactly, by estimated coverage and by estimated similarity
SWITCH = 12.0  # cost, in shingles, of starting another text
MAX_DIFFERENCES = 50


@dataclass(frozen=True, eq=False, repr=False)
class Scan(Record):
    norm: Normalized
    values: tuple[int, ...]  # shingle hash at each token position
    values_set: frozenset[int]
    sentence_values: tuple[frozenset[int], ...]  # shingles starting in each sentence
    sentence_sizes: tuple[int, ...]  # how many shingles start in each sentence
    names: Callable[[int], bool] = lambda _sentence: False  # does a sentence name a license?

    @cached_property
    def addresses(self) -> frozenset[int]:
        """Tokens inside web addresses (a link's target: "[CC0 Public Domain Dedication]
        (https://...)")."""
        norm = self.norm
        if "http" not in norm.cleaned and "www." not in norm.cleaned:
            return frozenset()
        starts = [start for start, _end in norm.offsets]
        inside: set[int] = set()
        for found in _ADDRESS.finditer(norm.cleaned):
            inside.update(range(bisect_left(starts, found.start()),
                                bisect_left(starts, found.end())))
        return frozenset(inside)

    @cached_property
    def addressless(self) -> dict[int, str]:
        """Sentence -> the hash of its tokens outside web addresses, for the sentences whose
        addresses hold no guarded token: a copy may give the address of a document its
        reference only names, but words or numbers in an address are read as the text's
        ("https://example.com/not-for-commercial-use" is an added restriction)."""
        out: dict[int, str] = {}
        if not self.addresses:
            return out
        norm, inside = self.norm, self.addresses
        for number in sorted({norm.sentence_at(t) for t in inside}):
            sentence = norm.sentences[number]
            span = range(sentence.start, sentence.end)
            if not guards.marks(norm.tokens[t] for t in span if t in inside):
                out[number] = sentence_hash([norm.tokens[t] for t in span if t not in inside])
        return out


# a web address, in the characters an address is written with (it ends at a space, a bracket,
# a quote, a '|' or any other character, so that it swallows no following words)
_ADDRESS = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+", re.I)


def prepare(norm: Normalized, names: Callable[[int], bool] | None = None) -> Scan:
    values = tuple(shingles(norm.tokens))
    per_sentence = [values[s.start:min(s.end, len(values))] for s in norm.sentences]
    return Scan(norm, values, frozenset(values), tuple(frozenset(v) for v in per_sentence),
                tuple(len(v) for v in per_sentence), *([names] if names else []))


@dataclass(frozen=True, eq=False, repr=False)
class Similar(Record):
    ref: RefText
    coverage: float  # share of the reference's shingles found in the scanned text
    dice: float  # shingle similarity of the whole scanned text and the reference


def candidates(scan: Scan, index: PackIndex) -> list[Similar]:
    """The reference texts the scanned text resembles, most similar first.

    Every text's sketch (a sample of its shingles) is looked up in the scan to estimate its
    coverage; only the likely ones have their full shingle sets decoded and counted."""
    scanned = scan.values_set
    estimates = []
    for ref in index.texts:
        sample = ref.sketch
        if not sample:
            continue
        hits = len(scanned.intersection(sample))
        if not hits:
            continue
        coverage = hits / len(sample)
        dice = 2 * coverage * ref.size / (len(scanned) + ref.size)
        if coverage >= PREFILTER_COVERAGE or dice >= PREFILTER_DICE:
            estimates.append((coverage, dice, ref))
    by_coverage = sorted(estimates, key=lambda e: (-e[0], -e[1], e[2].key))[:EXACT_LIMIT]
    by_dice = sorted(estimates, key=lambda e: (-e[1], -e[0], e[2].key))[:EXACT_LIMIT]
    out = []
    for ref in dict.fromkeys(e[2] for e in [*by_dice, *by_coverage]):
        shared = len(scanned & ref.shingles)
        if shared:
            out.append(Similar(ref, shared / len(ref.shingles),
                               2 * shared / (len(scanned) + len(ref.shingles))))
    out.sort(key=lambda c: (-c.dice, -c.coverage, c.ref.key))
    return out


@dataclass(frozen=True, eq=False, repr=False)
class Region(Record):
    ref: RefText
    first: int  # first sentence of the scanned text (inclusive)
    last: int  # last sentence (inclusive)
    coverage: float
    dice: float


def find_regions(scan: Scan, found: Sequence[Similar], low: int, high: int) -> list[Region]:
    """Split sentences low..high into runs, each best explained by one reference text or none.

    A Viterbi pass over the sentences: a sentence scores, for each candidate, its shingle
    hits minus half its shingles (none scores 0), and every switch costs SWITCH. Similar
    texts joined in one file (DeepSeek after OpenRAIL-M) split where the evidence turns;
    near-identical versions (Llama 3.1, 3.2) do not split on a few differing words.
    """
    eligible = [c for c in found if c.coverage >= CANDIDATE_COVERAGE]
    # near-duplicate texts (the BSD family) all cover a scan: the most similar ones are
    # kept besides the most covered ones, so the right one is always in the pool
    ranked = [*sorted(eligible, key=lambda c: (-c.coverage, -c.dice, c.ref.key))[:MAX_CANDIDATES],
              *sorted(eligible, key=lambda c: (-c.dice, c.ref.key))[:MAX_CANDIDATES // 2]]
    pool = list(dict.fromkeys(c.ref for c in ranked))
    if not pool:
        return []
    count = high - low + 1
    scores = [_sentence_scores(scan, ref)[low:high + 1] for ref in pool] + [[0.0] * count]
    states = _viterbi(scores, count)
    none = len(pool)
    runs: list[tuple[int, int, int]] = []  # first, last, state
    for number, state in enumerate(states, start=low):
        if runs and runs[-1][2] == state and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number, state)
        else:
            runs.append((number, number, state))
    # one text split only by unexplained sentences (an inserted passage) stays one region
    texts: list[tuple[int, int, int]] = []
    for first, last, state in runs:
        if state == none:
            continue
        if texts and texts[-1][2] == state and all(
                s == none for s in states[texts[-1][1] + 1 - low:first - low]):
            texts[-1] = (texts[-1][0], last, state)
        else:
            texts.append((first, last, state))
    regions = [_best(scan, pool, first, last) for first, last, _state in texts]
    # A run too small to be a text of its own is part of a neighbour: one text can match two
    # near-identical references by turns (LLaMA 1 renamed reads like DeepFloyd IF).
    while len(regions) > 1:
        weak = next((n for n, r in enumerate(regions) if r.coverage < ACCEPT_COVERAGE), None)
        if weak is None:
            break
        options = [n for n in (weak - 1, weak + 1) if 0 <= n < len(regions)]
        merged = [_best(scan, pool, min(regions[weak].first, regions[n].first),
                        max(regions[weak].last, regions[n].last)) for n in options]
        pick = max(range(len(options)), key=lambda i: (merged[i].dice, -options[i]))
        regions[min(weak, options[pick])] = merged[pick]
        del regions[max(weak, options[pick])]
    return [r for r in regions if r.coverage >= ACCEPT_COVERAGE]


def region_of(scan: Scan, ref: RefText, first: int, last: int) -> Region:
    """Sentences first..last as a region explained by `ref`."""
    return _region(frozenset().union(*scan.sentence_values[first:last + 1]), ref, first, last)


def _best(scan: Scan, pool: Sequence[RefText], first: int, last: int) -> Region:
    values = frozenset().union(*scan.sentence_values[first:last + 1])
    return max((_region(values, ref, first, last) for ref in pool),
               key=lambda r: (r.dice, r.coverage, r.ref.key))



def _sentence_scores(scan: Scan, ref: RefText) -> list[float]:
    # one point per shingle found in the reference, minus half a point per shingle
    return [len(values & ref.shingles) - size / 2
            for values, size in zip(scan.sentence_values, scan.sentence_sizes, strict=True)]


def _viterbi(scores: Sequence[Sequence[float]], count: int) -> list[int]:
    states = len(scores)
    total = [scores[k][0] if count else 0.0 for k in range(states)]
    back: list[list[int]] = []
    for number in range(1, count):
        leader = max(range(states), key=lambda k: total[k])
        step = []
        new = []
        for k in range(states):
            # on a tie, switch as late as possible: shared text stays with the earlier text
            if total[k] > total[leader] - SWITCH:
                step.append(k)
                new.append(total[k] + scores[k][number])
            else:
                step.append(leader)
                new.append(total[leader] - SWITCH + scores[k][number])
        back.append(step)
        total = new
    state = max(range(states), key=lambda k: total[k])
    path = [state]
    for step in reversed(back):
        state = step[state]
        path.append(state)
    return path[::-1]


def _region(values: frozenset[int], ref: RefText, first: int, last: int) -> Region:
    shared = len(values & ref.shingles)
    return Region(ref, first, last, shared / len(ref.shingles),
                  2 * shared / (len(values) + len(ref.shingles)) if values else 0.0)


@dataclass
class Comparison:
    """A region aligned with its reference text."""

    region: Region
    attributed: list[int] = field(default_factory=list)  # sentences that belong to the text
    changed: list[int] = field(default_factory=list)  # attributed sentences that differ
    differences: list[Difference] = field(default_factory=list)
    matched_tokens: int = 0  # reference tokens in equal sentences
    reference_tokens: int = 0  # reference tokens a copy must have
    scanned_tokens: int = 0  # tokens of the attributed sentences
    unguarded_tokens: int = 0  # tokens in differences no guard caught
    exact: bool = False
    lines: tuple[int, int] = (0, 0)  # first and last line of the attributed sentences

    @property
    def guarded(self) -> bool:
        return any(d.guarded for d in self.differences)

    @property
    def similarity(self) -> float:
        total = self.reference_tokens + self.scanned_tokens
        return 2 * self.matched_tokens / total if total else 0.0


def compare(scan: Scan, region: Region, low: int, high: int) -> Comparison:
    """Align sentences low..high (the region and the unclaimed text around it) with the ref."""
    from difflib import SequenceMatcher  # not needed on the exact-hash path

    norm, ref = scan.norm, region.ref
    result = Comparison(region)
    # (a copy that leaves out a title the reference runs into its first sentence has that
    # sentence without the title: the same sentence)
    aliases = {h: ref.sentence_hashes[j] for h, j in ref.untitled.items()}
    scanned = [aliases.get(norm.sentences[i].hash, norm.sentences[i].hash)
               for i in range(low, high + 1)]
    if scan.addressless:  # (a web address the reference does not give is a link's target)
        known = set(ref.sentence_hashes)
        scanned = [h if h in known or (bare := scan.addressless.get(i)) not in known else bare
                   for i, h in enumerate(scanned, low)]
    ops = SequenceMatcher(None, scanned, list(ref.sentence_hashes), autojunk=False).get_opcodes()
    equal = [n for n, op in enumerate(ops) if op[0] == "equal"]
    if not equal:
        _changed(scan, result, list(range(region.first, region.last + 1)),
                 [j for j in range(len(ref.sentence_hashes)) if j not in ref.optional])
        return _finish(scan, result)
    first_equal, last_equal = equal[0], equal[-1]
    matched: set[int] = set()
    for number, (tag, i1, i2, j1, j2) in enumerate(ops):
        mine = list(range(low + i1, low + i2))
        theirs = [j for j in range(j1, j2) if j not in ref.optional]
        edge = number < first_equal or number > last_equal
        if tag == "equal":
            result.attributed.extend(mine)
            result.matched_tokens += sum(ref.sentence_tokens[j1:j2])
            matched.update(range(j1, j2))
        elif tag == "insert":
            # a missing title is no edit: the body says which license it is; nor is a
            # sentence that a copyright statement without a full stop ran into
            kept = [j for j in theirs if j in ref.titles or _swallowed(norm, ref, j)]
            _removed(scan, result, [j for j in theirs if j not in kept], low + i1)
            matched.update(kept)
            result.matched_tokens += sum(ref.sentence_tokens[j] for j in kept
                                         if j not in ref.titles)
        elif not theirs:  # scanned text only: around the license (left out), or added inside
            optional = [j for j in range(j1, j2) if j in ref.optional]
            if not edge and optional and guards.compare_marks(
                    guards.marks(norm.tokens[t] for i in mine for t in range(
                        norm.sentences[i].start, norm.sentences[i].end)
                        if t not in scan.addresses),
                    [m for j in optional for m in ref.sentence_marks[j]]) is None:
                # a part a copy may leave out (the appendix, a notice that is no part of the
                # license), re-flowed, its links' targets given: nothing new in it
                result.attributed.extend(mine)
            elif not edge:
                _added(scan, result, mine)
        elif len(mine) == len(theirs) and all(
                _completed(norm, ref, i, j) for i, j in zip(mine, theirs, strict=True)):
            # sentences whose first words went into a copyright statement: a re-wrapped
            # "Copyright (C) 2004 Sam Hocevar / 14 rue de Plaisance, 75014 / Paris, France"
            result.attributed.extend(mine)
            result.matched_tokens += sum(ref.sentence_tokens[j] for j in theirs)
            matched.update(theirs)
        elif edge:
            # next to the license: the sentences nearest to it are the changed ones
            keep = min(len(mine), len(theirs) + 1)
            near = mine[-keep:] if number < first_equal else mine[:keep]
            # a sentence sharing no wording with the reference is around it (a page heading),
            # unless it names a license (a changed title: "LLAMA 3 COMMUNITY LICENSE")
            near = [i for i in near
                    if scan.sentence_values[i] & ref.shingles or scan.names(i)] or (
                near[-1:] if number < first_equal else near[:1])
            if len(near) > 1:
                near = list(range(near[0], near[-1] + 1))
            _changed(scan, result, near, theirs)
        else:
            _changed(scan, result, mine, theirs)
    result.reference_tokens = result.matched_tokens + sum(
        t for j, t in enumerate(ref.sentence_tokens) if j not in ref.optional and j not in matched)
    return _finish(scan, result)


SWALLOWED_LEAD = 3  # tokens of a reference sentence that may belong to its copyright line
SWALLOWED_PREFIX = 20  # words a statement may take from the next sentence (an address)


def _swallowed(norm: Normalized, ref: RefText, sentence: int) -> bool:
    """Are the words of the reference's sentence inside a copyright statement the text left
    out (a replaced copyright line without a full stop, running into the next sentence)?"""
    if not norm.dropped:
        return False
    size, wanted = ref.sentence_tokens[sentence], ref.sentence_hashes[sentence]
    for words in norm.dropped_tokens:
        if len(words) > size and sentence_hash(words[-size:]) == wanted:
            return True
        # the reference sentence may begin with the end of its own copyright line (the
        # FSF's "<https://fsf.org/>" before "Everyone is permitted ..."), which the replaced
        # line does not have: the rest must be the reference's wording, guard words and all
        for lead in range(1, SWALLOWED_LEAD + 1):
            tail = words[len(words) - size + lead:]
            if len(tail) < 2 * SHINGLE or len(tail) != size - lead or len(words) <= len(tail):
                continue
            if set(shingles(tail)) <= ref.shingles and guards.compare_marks(
                    guards.marks(tail), ref.sentence_marks[sentence]) is None:
                return True
    return False


def _completed(norm: Normalized, ref: RefText, mine: int, theirs: int) -> bool:
    """Is the scanned sentence the reference's once the last words of a copyright statement
    left out are put back in front of it? (Where a statement with no full stop ends depends
    on the line breaks: an address after the holder goes with it or with the next
    sentence.)"""
    if not norm.dropped:
        return False
    sentence = norm.sentences[mine]
    size, wanted = ref.sentence_tokens[theirs], ref.sentence_hashes[theirs]
    words = norm.tokens[sentence.start:sentence.end]
    lead = size - len(words)
    if not 0 < lead <= SWALLOWED_PREFIX:
        return False
    return any(len(dropped) > lead and sentence_hash((*dropped[-lead:], *words)) == wanted
               for dropped in norm.dropped_tokens)


def _finish(scan: Scan, result: Comparison) -> Comparison:
    norm = scan.norm
    result.attributed.sort()
    result.scanned_tokens = sum(norm.sentences[i].end - norm.sentences[i].start
                                for i in result.attributed)
    if not result.reference_tokens:
        result.reference_tokens = sum(t for j, t in enumerate(result.region.ref.sentence_tokens)
                                      if j not in result.region.ref.optional)
    if result.attributed:
        first = norm.sentences[result.attributed[0]].start
        last = norm.sentences[result.attributed[-1]].end
        result.exact = text_hash(norm.tokens[first:last]) == result.region.ref.hash
        result.lines = (norm.sentences[result.attributed[0]].first_line,
                        norm.sentences[result.attributed[-1]].last_line)
    result.differences.sort(key=lambda d: d.line or 0)
    if len(result.differences) > MAX_DIFFERENCES:
        rest = result.differences[MAX_DIFFERENCES:]
        del result.differences[MAX_DIFFERENCES:]
        result.differences.append(Difference(
            "changed", f"{len(rest)} more differing passages", rest[0].line,
            any(d.guarded for d in rest), "not listed"))
    return result


def _tokens(norm: Normalized, sentences: Sequence[int]) -> list[str]:
    out: list[str] = []
    for i in sentences:
        out.extend(norm.tokens[norm.sentences[i].start:norm.sentences[i].end])
    return out


def _changed(scan: Scan, result: Comparison, mine: list[int], theirs: list[int]) -> None:
    norm, ref = scan.norm, result.region.ref
    result.attributed.extend(mine)
    result.changed.extend(mine)
    words = _tokens(norm, mine)
    reference_marks = [m for j in theirs for m in ref.sentence_marks[j]]
    why = guards.compare_marks(guards.marks(words), reference_marks)
    if why is not None and theirs and all(j in ref.titles for j in theirs) and \
            not {m for m in guards.marks(words) if not _identifier(m)} - set(reference_marks):
        why = None  # a title left out in part, or repeated by a heading: nothing new
    titles_only = bool(theirs) and all(j in ref.titles for j in theirs)
    novel = novel_tokens(scan, ref, mine)
    if why is None and not titles_only:
        names = _names(norm, novel)
        if names:
            why = "name differs: " + ", ".join(dict.fromkeys(names))[:120]
    if why is None and not (titles_only and not novel):
        # (a title left out in part -- "Version 0, June 2012" without its name -- is no
        # edit: the body says which license it is)
        result.unguarded_tokens += len(novel) or abs(
            len(words) - sum(ref.sentence_tokens[j] for j in theirs))
    changed = " ".join(dict.fromkeys(norm.tokens[t] for t in novel))
    reason = why or (f"changed words: {changed[:120]}" if novel else "words left out")
    result.differences.append(Difference(
        "changed", norm.passage(mine[0], mine[-1]), norm.sentences[mine[0]].first_line,
        why is not None, reason))


def _identifier(token: str) -> bool:
    """A generated name (a workspace or commit id) in a heading, not a number of the text."""
    return len(token) > 8 and any(c.isalpha() for c in token) and any(c.isdigit() for c in token)


def _added(scan: Scan, result: Comparison, mine: list[int]) -> None:
    norm = scan.norm
    result.attributed.extend(mine)
    result.changed.extend(mine)
    words = _tokens(norm, mine)
    guarded = guards.describe(words)
    if not guarded:
        result.unguarded_tokens += len(words)
    result.differences.append(Difference(
        "added", norm.passage(mine[0], mine[-1]), norm.sentences[mine[0]].first_line,
        bool(guarded), f"added text with: {guarded}" if guarded else "added text"))


def _removed(scan: Scan, result: Comparison, theirs: list[int], before: int) -> None:
    if not theirs:
        return
    norm, ref = scan.norm, result.region.ref
    words = sum(ref.sentence_tokens[j] for j in theirs)
    guarded = guards.describe([m for j in theirs for m in ref.sentence_marks[j]])
    if not guarded:
        result.unguarded_tokens += words
    line = norm.sentences[before - 1].last_line if before > 0 else None
    where = f"after line {line}" if line else "at the start"
    count = len(theirs)
    text = (f"{count} sentence{'s' if count > 1 else ''} of the reference text "
            f"(sentence {theirs[0] + 1}{'-' + str(theirs[-1] + 1) if count > 1 else ''}, "
            f"{words} words) missing {where}")
    result.differences.append(Difference(
        "removed", text, line, bool(guarded),
        f"removed text with: {guarded}" if guarded else "removed text"))


def _names(norm: Normalized, tokens: Sequence[int]) -> list[str]:
    """The tokens written like a name (a licensor, a model) in running text.

    A changed party name is the DeepFloyd IF / LLaMA 1 trap: same skeleton, other licensor.
    Sentence-initial words and all-capital sentences (disclaimers) say nothing about names.
    """
    out = []
    for t in tokens:
        sentence = norm.sentences[norm.sentence_at(t)]
        word = norm.original(t)
        if _mixed_case(word):  # "aiXcoder", "iFlytek": a name wherever it stands
            out.append(word)
            continue
        if t == sentence.start:
            continue
        if word[:1].isupper() and not _shouting(norm, sentence.start, sentence.end):
            out.append(word)
    return out


def _mixed_case(word: str) -> bool:
    """A word written with a capital inside and small letters around it."""
    return word[:1].islower() and any(c.isupper() for c in word[1:]) and \
        sum(c.islower() for c in word) >= 2


def _shouting(norm: Normalized, start: int, end: int) -> bool:
    words = [norm.original(t) for t in range(start, end)]
    return sum(w.isupper() for w in words) * 2 > len(words)


def novel_tokens(scan: Scan, ref: RefText, sentences: Sequence[int]) -> list[int]:
    """Tokens (indexes) of the given sentences that no shingle of the reference covers."""
    norm = scan.norm
    values, held = scan.values, ref.shingles
    out = []
    last_position = len(values) - 1
    for i in sentences:
        start, end = norm.sentences[i].start, norm.sentences[i].end
        # token t is covered by the shingles starting at t - SHINGLE + 1 .. t: it is novel
        # when the last shingle the reference holds starts before that (each shingle is
        # looked up once, not once for every token it covers)
        last_held = -SHINGLE
        for p in range(max(0, start - SHINGLE + 1), min(start, last_position + 1)):
            if values[p] in held:
                last_held = p
        for t in range(start, end):
            if t <= last_position and values[t] in held:
                last_held = t
            if t - last_held >= SHINGLE:
                out.append(t)
    return out
