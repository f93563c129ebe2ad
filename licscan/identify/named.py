"""Text that names licenses instead of holding one: "licensed under the Llama 3.1 Community
License", an SPDX-License-Identifier line, a README's License section.

A name identifies a license only when nothing around it adds, removes or qualifies terms
(surroundings.find_qualifiers); a name given to training or third-party data is not the
repository's license, and a family named beside one of its versions gives way to the version.
"""

from __future__ import annotations

from collections.abc import Sequence

from licscan.identify import qualify
from licscan.identify.matches import match
from licscan.identify.normalize import Normalized
from licscan.identify.passages import passage_tokens, prose
from licscan.identify.reference import (
    PHRASE,
    Mention,
    PhraseIndex,
    mentions,
    resolve,
    spdx_identifiers,
)
from licscan.identify.result import IDENTIFIED, Qualifier, TextMatch
from licscan.identify.surroundings import find_qualifiers
from licscan.rulepack import RulePack

SHORT_TEXT = 400  # tokens: a text this short that names a license refers to it
LONG_TEXT_SENTENCES = 200  # an unknown long text is searched this far for license names


def references(pack: RulePack, norm: Normalized, passages: Sequence[Sequence[int]],
               phrases: PhraseIndex, filename: str | None
               ) -> tuple[list[TextMatch], str | None, list[Qualifier]]:
    """Text that names licenses instead of holding one. A name identifies a license only when
    nothing around it adds, removes or qualifies terms; otherwise the qualifying passages
    are returned and nothing is identified."""
    out: dict[str, TextMatch] = {}
    numbers = [n for p in passages for n in p]
    long_text = sum(len(passage_tokens(norm, p)) for p in passages) > SHORT_TEXT
    if long_text and not prose(filename):
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
        return [], None, find_qualifiers(pack, norm, numbers, phrases, None, fail_closed=False)
    qualifiers = find_qualifiers(pack, norm, numbers, phrases,
                             identifiers[0][0] if identifiers else None,
                             fail_closed=not (long_text and not prose(filename)))
    if long_text and not prose(filename):
        ids = sorted({r for m in found for r in m.rule_ids} | {i for i, _l in identifiers})
        return [], "no license text recognised; the text names " + ", ".join(ids[:5]), \
            [q for q in qualifiers if q.base]
    if qualifiers and (found or identifiers):
        return [], None, qualifiers
    for rule_id, line in identifiers:
        out.setdefault(rule_id, match(pack, rule_id, IDENTIFIED, 90, "reference", (line, line)))
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
        out[chosen] = match(pack, chosen, IDENTIFIED, confidence, "reference", (line, line))
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
