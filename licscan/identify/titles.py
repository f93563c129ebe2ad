"""License titles in what no fingerprint claimed, and use policies named in changed titles.

A long passage opening with the title of a license the pack has no text for is that license
(the title and its version line are all the evidence there is); the title of a license the
pack has a text for, heading other wording, is only named in the reason a text is unknown.
A changed title of a matched text that names a use policy or addendum ("with Acceptable Use
Addendum") adds that policy to the file's licenses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from licscan.identify.comparisons import FRAGMENT
from licscan.identify.index import PackIndex
from licscan.identify.matches import match
from licscan.identify.normalize import Normalized
from licscan.identify.passages import passage_tokens
from licscan.identify.reference import PhraseIndex, resolve, title_at, with_version_line
from licscan.identify.result import IDENTIFIED, TextMatch
from licscan.rulepack import RulePack

if TYPE_CHECKING:
    from licscan.identify.similarity import Comparison, Similar

TITLE_TEXT = 100  # tokens: a passage this long that starts with a title is that license
TITLE_SENTENCES = 5  # how far into a passage its title may start


def titled(pack: RulePack, norm: Normalized, passages: Sequence[list[int]],
           phrases: PhraseIndex, index: PackIndex, similar: Sequence[Similar],
           matches: list[TextMatch], known: set[str]) -> tuple[list[list[int]], list[str]]:
    """Passages no fingerprint claimed: licenses known by title join `matches`; the rest is
    returned, with the titles of known texts that head other wording."""
    rest: list[list[int]] = []
    titles: list[str] = []
    for passage in passages:
        found = _title_match(pack, norm, passage, phrases, index, similar)
        if found is None:
            rest.append(passage)
            titles += _known_title(norm, passage, phrases, index)
        elif found.rule_id not in known:
            matches.append(found)
            known.add(found.rule_id)
    return rest, titles


def _title_match(pack: RulePack, norm: Normalized, passage: Sequence[int], phrases: PhraseIndex,
                 index: PackIndex, similar: Sequence[Similar]) -> TextMatch | None:
    """A long passage opening with a license title is that license, or a modified copy."""
    tokens = passage_tokens(norm, passage)
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
    return match(pack, chosen, IDENTIFIED, 80 if versioned else 70, "title", lines)


def _known_title(norm: Normalized, passage: Sequence[int], phrases: PhraseIndex,
                 index: PackIndex) -> list[str]:
    """Rules with a reference text whose title opens this long passage."""
    if len(passage_tokens(norm, passage)) < TITLE_TEXT:
        return []
    for number in passage[:TITLE_SENTENCES]:
        rules = title_at(norm, number, phrases)
        if rules:
            return sorted(r for r in rules if r in index.rules_with_text)
    return []


def policies_in_changes(pack: RulePack, norm: Normalized, comparisons: Sequence[Comparison],
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
                out.append(match(pack, rule_id, IDENTIFIED, 80, "title", (line, line)))
    return out
