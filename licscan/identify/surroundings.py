"""Terms around a license: the passages that add, remove or qualify its terms.

In a license file, text around the licenses found (an exclusion list in front of MIT,
"commercial use needs our approval" after it) makes the file a custom license built on them;
a record's YAML front matter that only describes the text does not. In text that names a
license (named.py), each sentence that qualifies the license it names is one qualifier --
unless it only restates the license's own terms (non-commercial use, credit) or speaks of
other material (the code, the data).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from licscan.identify import guards, qualify
from licscan.identify.normalize import Normalized
from licscan.identify.passages import passage_tokens
from licscan.identify.reference import Mention, PhraseIndex, mentions, resolve
from licscan.identify.result import Qualifier
from licscan.rulepack import RulePack

if TYPE_CHECKING:
    from licscan.identify.similarity import Comparison


_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(.{0,8000}?\n)---[ \t]*(?:\n|\Z)", re.S)
# the keys of a front matter that claim a license for the content (a model or dataset card)
_CLAIM_KEY = re.compile(r"^\s*-?\s*license(?:_name|_link|_details)?\s*:", re.M)


def without_metadata(text: str, norm: Normalized, passages: Sequence[Sequence[int]]
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


def surroundings(pack: RulePack, norm: Normalized, comparisons: Sequence[Comparison],
                 passages: Sequence[Sequence[int]], phrases: PhraseIndex) -> list[Qualifier]:
    """Text around the licenses in a license file that adds, removes or qualifies terms (an
    exclusion list in front of MIT, "commercial use needs our approval" after it), or a long
    passage of terms no reference explains: the file is a custom license built on them."""
    out: list[Qualifier] = []
    for passage in passages:
        before = [c for c in comparisons if c.attributed[0] < passage[0]]
        nearest = (before[-1] if before else comparisons[0]).region.ref.rule_id
        found = find_qualifiers(pack, norm, passage, phrases, nearest)
        if found:
            out += found
            continue
        first = norm.sentences[passage[0]].start
        names = {t for m in mentions(norm, passage, phrases)
                 for t in range(m.token, m.token + m.length)}
        tokens = [t for n, t in enumerate(passage_tokens(norm, passage), start=first)
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


def find_qualifiers(pack: RulePack, norm: Normalized, sentences: Sequence[int],
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
