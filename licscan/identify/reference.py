"""Names of licenses in text: titles, reference phrases and URLs from the rule pack.

Used for short texts (a NOTICE line, a README "License" section, an SPDX-License-Identifier
line) that name a license instead of containing it, and for title and version lines of texts
no fingerprint matched.
Phrases are compared as canonical token sequences, so "Llama 3" never matches "Llama 3.1".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from licscan.identify.normalize import NORMALIZER_VERSION, Normalized
from licscan.identify.normalize import words as phrase_tokens
from licscan.record import Record
from licscan.rulepack import Rule, RulePack

PHRASE = "phrase"  # a reference phrase, title or name
URL = "url"


@dataclass(frozen=True, eq=False, repr=False)
class PhraseIndex(Record):
    phrases: Mapping[tuple[str, ...], Mapping[str, frozenset[str]]]  # tokens -> kind -> rules
    lengths: tuple[int, ...]  # phrase lengths, longest first
    titles: Mapping[tuple[str, ...], frozenset[str]]
    title_lengths: tuple[int, ...]
    version_lines: Mapping[str, tuple[tuple[str, ...], ...]]  # rule -> version lines


_CACHE: dict[str, PhraseIndex] = {}
PHRASES = "phrases"  # the index's entry in rules/compiled.jsonl


def phrase_index(pack: RulePack) -> PhraseIndex:
    index = _CACHE.get(pack.hash)
    if index is None:
        index = _CACHE[pack.hash] = (_decoded(pack.compiled(PHRASES))
                                     or _build(pack.rules.values()))
    return index


def compiled_phrases(rules: Iterable[Rule]) -> dict[str, Any]:
    """The phrase index of these rules as `scripts/lock_rules.py` writes it into compiled.jsonl:
    tokenizing ~1,300 phrases costs more than identifying a text, and the index depends only on
    the rule files and the normalizer (its version is kept with it)."""
    index = _build(rules)
    return {"normalizer": NORMALIZER_VERSION,
            "phrases": sorted([list(words), kind, sorted(ids)]
                              for words, kinds in index.phrases.items()
                              for kind, ids in kinds.items()),
            "titles": sorted([list(words), sorted(ids)] for words, ids in index.titles.items()),
            "version_lines": {rule: [list(words) for words in lines]
                              for rule, lines in sorted(index.version_lines.items())}}


def _decoded(data: Any) -> PhraseIndex | None:
    if not isinstance(data, dict) or data.get("normalizer") != NORMALIZER_VERSION:
        return None
    phrases: dict[tuple[str, ...], dict[str, frozenset[str]]] = {}
    for words, kind, ids in data["phrases"]:
        phrases.setdefault(tuple(words), {})[kind] = frozenset(ids)
    titles = {tuple(words): frozenset(ids) for words, ids in data["titles"]}
    return PhraseIndex(phrases, tuple(sorted({len(k) for k in phrases}, reverse=True)), titles,
                       tuple(sorted({len(k) for k in titles}, reverse=True)),
                       {rule: tuple(map(tuple, lines))
                        for rule, lines in data["version_lines"].items()})


def _build(rules: Iterable[Rule]) -> PhraseIndex:
    # a third of the phrases repeat (a rule's name is one of its titles, titles are shared
    # between versions): each distinct one is normalized once
    seen: dict[str, tuple[str, ...]] = {}

    def _words(phrase: str) -> tuple[str, ...]:
        found = seen.get(phrase)
        if found is None:
            found = seen[phrase] = phrase_tokens(phrase)
        return found

    phrases: dict[tuple[str, ...], dict[str, set[str]]] = {}
    titles: dict[tuple[str, ...], set[str]] = {}
    version_lines: dict[str, tuple[tuple[str, ...], ...]] = {}
    for rule in rules:
        named = [(PHRASE, p) for p in (*rule.references, *rule.titles, rule.name)]
        for kind, phrase in [*named, *((URL, u) for u in rule.urls)]:
            words = _words(phrase)
            if len(words) >= 2:
                phrases.setdefault(words, {}).setdefault(kind, set()).add(rule.id)
        for title in rule.titles:
            words = _words(title)
            if len(words) >= 2:
                titles.setdefault(words, set()).add(rule.id)
        lines = tuple(w for w in map(_words, rule.version_lines) if len(w) >= 2)
        if lines:
            version_lines[rule.id] = lines
    return PhraseIndex(
        {k: {kind: frozenset(ids) for kind, ids in v.items()} for k, v in phrases.items()},
        tuple(sorted({len(k) for k in phrases}, reverse=True)),
        {k: frozenset(v) for k, v in titles.items()},
        tuple(sorted({len(k) for k in titles}, reverse=True)), version_lines)


@dataclass(frozen=True, eq=False, repr=False)
class Mention(Record):
    rule_ids: frozenset[str]
    kind: str
    token: int  # where the name starts
    length: int


def mentions(norm: Normalized, sentences: Sequence[int], index: PhraseIndex) -> list[Mention]:
    """Longest non-overlapping phrases found in the given sentences (not on
    SPDX-License-Identifier lines: spdx_identifiers() reads those as ids, and an id such as
    `Apache-2.0` must not read as the phrase "Apache 2.0" on a line that says `MIT OR ...`)."""
    found = []
    tokens = norm.tokens
    skip = _spdx_lines(norm) if "spdx" in tokens else frozenset()
    for number in sentences:
        sentence = norm.sentences[number]
        position = sentence.start
        while position < sentence.end:
            hit = _longest(tokens, position, sentence.end, index)
            if hit is None:
                position += 1
                continue
            length, kinds = hit
            if norm.lines[position] in skip:
                position += length
                continue
            kind = PHRASE if PHRASE in kinds else URL
            found.append(Mention(kinds[kind], kind, position, length))
            position += length
    return found


def _longest(tokens: Sequence[str], position: int, end: int,
             index: PhraseIndex) -> tuple[int, Mapping[str, frozenset[str]]] | None:
    # A phrase may run past a sentence end ("Inc." ends a sentence), not past the text.
    for length in index.lengths:
        if position + length <= len(tokens):
            kinds = index.phrases.get(tuple(tokens[position:position + length]))
            if kinds is not None:
                return length, kinds
    return None


_SPDX_LINE = re.compile(r"SPDX-License-Identifier:[ \t]*([^\n]+)", re.I)
_SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


def _spdx_lines(norm: Normalized) -> frozenset[int]:
    return frozenset(norm.cleaned.count("\n", 0, found.start()) + 1
                     for found in _SPDX_LINE.finditer(norm.cleaned))


def spdx_identifiers(norm: Normalized, pack: RulePack) -> list[tuple[str, int]]:
    """(rule id, line) for each id on an SPDX-License-Identifier line the pack knows.

    Lines with OR or WITH are left out: a match list can only say "all of these"."""
    out = []
    by_expression = pack.by_expression_id
    for found in _SPDX_LINE.finditer(norm.cleaned):
        words = _SPDX_ID.findall(found.group(1))
        if {"OR", "WITH"} & {w.upper() for w in words}:
            continue
        line = norm.cleaned.count("\n", 0, found.start()) + 1
        for word in words:
            rule = by_expression.get(word.lower())
            if rule is not None:
                out.append((rule.id, line))
    return out


def title_at(norm: Normalized, sentence: int, index: PhraseIndex) -> frozenset[str]:
    """Rules whose title starts the sentence (the longest title wins)."""
    start = norm.sentences[sentence].start
    for length in index.title_lengths:
        rules = index.titles.get(tuple(norm.tokens[start:start + length]))
        if rules is not None:
            return rules
    return frozenset()


def with_version_line(tokens: Sequence[str], rule_ids: Iterable[str], index: PhraseIndex,
                      limit: int = 400) -> list[str]:
    """The rules whose version line occurs in the first `limit` tokens."""
    head = " " + " ".join(tokens[:limit]) + " "
    return sorted(r for r in rule_ids
                  if any(f" {' '.join(line)} " in head for line in index.version_lines.get(r, ())))


def resolve(rule_ids: Iterable[str], pack: RulePack, phrase: Sequence[str] = ()) -> str | None:
    """One rule for a phrase several rules share: the family's unversioned rule, if any; else
    the one rule that owns the phrase as a license id (`license_names`: "Tongyi Qianwen
    License Agreement" is the 2023-08-03 rule's `tongyi-qianwen-license-agreement`)."""
    ids = sorted(set(rule_ids))
    if len(ids) == 1:
        return ids[0]
    rules = [r for r in (pack.get(i) for i in ids) if r is not None]
    families = {r.family for r in rules}
    chosen = _family_rule(ids, rules, families, pack)
    if chosen is None and phrase:
        slug = "-".join(phrase)
        owners = [r.id for r in rules if slug in r.license_names]
        chosen = owners[0] if len(owners) == 1 else None
    return chosen


def _family_rule(ids: Sequence[str], rules: Sequence[Rule], families: set[str | None],
                 pack: RulePack) -> str | None:
    if len(families) != 1 or None in families:
        return None
    unversioned = [r.id for r in rules if r.version is None]
    if len(unversioned) == 1:
        return unversioned[0]
    family = next(iter(families))
    rule = pack.get(family) if family is not None else None
    # a family rule is unversioned; a versioned rule bearing the family's name stands for the
    # family only when the phrase names it too (the OpenRAIL++ title): otherwise it is one more
    # version ("qwen", the 2024 Qwen license, for a phrase of the two 2023 Tongyi texts)
    if rule is None or (rule.version is not None and family not in ids):
        return None
    return family
