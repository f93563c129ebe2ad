"""Guards: the words and numbers whose change alters what a license permits.

A difference that adds, removes or replaces one of them is never shown as the original
license: the text is reported as modified. "Marks" are the guarded tokens of a sentence,
stored per reference sentence in the fingerprints (as tokens, never the sentence itself).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

GUARD_WORDS = frozenset({
    # field of use
    "commercial", "commercially", "noncommercial", "noncommercially", "research", "evaluation",
    "academic",
    "scientific", "personal", "nonprofit", "production", "nonproduction", "internal",
    # derivatives, share-alike, outputs
    "derivative", "derivatives", "noderivatives", "sharealike", "adapted", "outputs", "output",
    "distillation", "train", "training",
    # geography
    "eu", "european", "eea", "switzerland", "uk", "china", "territory", "domiciled",
    # harmful uses
    "military", "weapons", "surveillance", "biometric",
    # obligations and their negation
    "not", "no", "never", "nor", "neither", "without", "except", "unless", "only", "solely",
    "exclusively", "must", "shall", "may", "cannot", "prohibited", "permitted", "allowed",
    "required", "requires", "notwithstanding",
    # the grant itself: who gets it, where, for how long, and what they may do (a copy that
    # drops or replaces one -- "and/or sell" gone, "any individual" for "any person", no
    # "worldwide" -- grants something else)
    "sell", "sublicense", "distribute", "publish", "modify", "merge", "copy", "person",
    "individual", "worldwide", "nonexclusive",
    # fees and termination
    "irrevocable", "revocable", "perpetual", "terminate", "terminates", "termination",
    "royalty", "royalties", "free", "fee", "fees", "paid", "charge", "patent", "copyright",
    "trademark",
    # thresholds
    "million", "billion", "thousand", "users", "revenue", "monthly", "daily", "annual",
    "annually",
    # incorporated policies
    "acceptable", "policy", "addendum", "attachment", "restriction", "restrictions",
    # dates
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december",
})
# Text around a license (a header or footer) is flagged when it says one of these.
OUTSIDE_WORDS = frozenset({
    "commercial", "noncommercial", "research", "prohibited", "addendum", "restriction",
    "restrictions", "military", "noderivatives", "nonproduction",
})
# ... or is a long passage with words that grant, oblige or forbid (a passage that only
# names licenses, sources or patents does not add terms)
DUTY_WORDS = frozenset({
    "not", "no", "never", "nor", "without", "except", "unless", "only", "solely",
    "exclusively", "must", "shall", "may", "cannot", "prohibited", "permitted", "allowed",
    "required", "requires", "notwithstanding", "irrevocable", "revocable", "terminate",
    "terminates", "termination", "royalty", "royalties", "fee", "fees", "paid", "charge",
})
# ... or, however short, states a term a license is known by: the law that governs it, the
# option of later versions, invariant sections, a reserved font name, a duty to include
# something (a copy of a license that adds one of these is another license: Xnet is MIT
# plus "governed by the laws of the State of California", AGPL-1.0-or-later the -only text
# plus "either version 1 or (at your option) any later version")
TERM_PHRASES: dict[tuple[str, ...], str] = {
    ("laws", "of"): "the governing law", ("law", "of"): "the governing law",
    ("later", "version"): "later versions", ("invariant", "sections"): "invariant sections",
    ("reserved", "font", "name"): "a reserved font name", ("shall", "include"): "a duty",
    ("must", "include"): "a duty",
}
CURRENCY = frozenset("$€£¥%")
_SHOWN = {"noncommercial": "non-commercial", "noncommercially": "non-commercially",
          "noderivatives": "NoDerivatives", "eu": "EU",
          "eea": "EEA", "uk": "UK", "sharealike": "ShareAlike", "nonproduction": "non-production"}
_VERSION = re.compile(r"^v?\d+(?:\.\d+)+$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def is_number(token: str) -> bool:
    return not token.isalpha() and (token in CURRENCY or any(ch.isdigit() for ch in token))


def marks(tokens: Iterable[str]) -> list[str]:
    """The guarded tokens of a passage, sorted, with repeats."""
    return sorted(t for t in tokens if t in GUARD_WORDS or is_number(t))


def shown(token: str) -> str:
    return _SHOWN.get(token, token)


def compare_marks(scanned: Sequence[str], reference: Sequence[str]) -> str | None:
    """Why a changed passage is guarded, or None when its guarded tokens are unchanged."""
    added = Counter(scanned) - Counter(reference)
    removed = Counter(reference) - Counter(scanned)
    if not added and not removed:
        return None
    new_numbers = sorted(t for t in added if is_number(t))
    old_numbers = sorted(t for t in removed if is_number(t))
    reasons = []
    if new_numbers or old_numbers:
        kind = _number_kind([*new_numbers, *old_numbers], [*scanned, *reference])
        reasons.append(f"{kind} differs: {' '.join(new_numbers) or '(none)'} vs "
                       f"{' '.join(old_numbers) or '(none)'}")
    words_in = sorted(t for t in added if not is_number(t))
    words_out = sorted(t for t in removed if not is_number(t))
    if words_in:
        reasons.append("guard word added: " + ", ".join(map(shown, words_in)))
    if words_out:
        reasons.append("guard word removed: " + ", ".join(map(shown, words_out)))
    return "; ".join(reasons)


def _number_kind(numbers: Sequence[str], context: Sequence[str]) -> str:
    if any(_VERSION.match(n) for n in numbers):
        return "version"
    if any(_YEAR.match(n) for n in numbers):
        return "date"
    days = all(n.isdigit() and int(n) <= 31 for n in numbers)
    return "date" if days and any(t in _MONTHS for t in context) else "number"


# ("may" is left out: it is mostly the verb)
_MONTHS = frozenset({"january", "february", "march", "april", "june", "july", "august",
                     "september", "october", "november", "december"})


def describe(tokens: Sequence[str]) -> str:
    """Guarded tokens of a passage for a description, e.g. 'non-commercial, 700'."""
    seen = dict.fromkeys(shown(t) for t in marks(tokens))
    return ", ".join(list(seen)[:8])


def outside_flag(tokens: Sequence[str]) -> str | None:
    """Why text around a license changes its meaning, or None for a harmless header/footer."""
    strong = sorted({t for t in tokens if t in OUTSIDE_WORDS})
    if strong:
        return "text next to the license mentions " + ", ".join(map(shown, strong))
    if len(tokens) >= 40 and any(t in DUTY_WORDS for t in tokens):
        return "long passage next to the license adds terms"
    terms = [what for phrase, what in TERM_PHRASES.items() if _holds(tokens, phrase)]
    if terms:
        return "text next to the license states " + ", ".join(dict.fromkeys(terms))
    return None


def _holds(tokens: Sequence[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(tokens[i:i + size]) == phrase for i in range(len(tokens) - size + 1)
               if tokens[i] == phrase[0])
