"""Guards: the words and numbers whose change alters what a license permits.

A difference that adds, removes or replaces one of them is never shown as the original
license: the text is reported as modified. "Marks" are the guarded tokens of a sentence,
stored per reference sentence in the fingerprints (as tokens, never the sentence itself).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

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
    # grant, fees and termination
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
CURRENCY = frozenset("$€£¥%")
_SHOWN = {"noncommercial": "non-commercial", "noncommercially": "non-commercially",
          "noderivatives": "NoDerivatives", "eu": "EU",
          "eea": "EEA", "uk": "UK", "sharealike": "ShareAlike", "nonproduction": "non-production"}
_VERSION = re.compile(r"^v?\d+(?:\.\d+)+$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def is_number(token: str) -> bool:
    return token in CURRENCY or any(ch.isdigit() for ch in token)


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
    return None


# Words of the grant itself: who gets it, where, for how long, and what they may do. A copy
# that drops or replaces one ("and/or sell" gone, "any individual" for "any person", no
# "worldwide") grants less. The fingerprints keep only the guard words of each sentence, so
# these are probed in the reference's shingles instead (see grant_changes).
GRANT_WORDS = frozenset({
    "sell", "sublicense", "distribute", "publish", "modify", "merge", "copy", "person",
    "individual", "worldwide", "perpetual", "irrevocable", "royalty", "nonexclusive",
})
_REACH = 4  # words on each side of a probed word (a shingle is 5 words)
_AGREE = 3  # shingles of the reference a probe must find to say the word stood there


def grant_changes(tokens: Sequence[str], start: int, end: int,
                  known: Callable[[int], bool]) -> tuple[list[str], list[str]]:
    """(grant words added, grant words removed) in tokens[start:end], a passage that differs
    from its reference. `known(crc)` says whether a 5-token shingle is the reference's.

    A word was removed (or replaced) at a position when putting it back there recreates
    shingles of the reference; a grant word was added when none of the shingles around it
    is the reference's. Only positions where the copy breaks the reference's shingles are
    probed."""
    from licscan.identify.normalize import shingles

    low = max(0, start - _REACH)
    intact = {i: known(shingles(tokens[i:i + 5])[0])
              for i in range(low, min(end + _REACH, len(tokens) - 4))}

    def broken(first: int, last: int) -> bool:  # no intact shingle starts in first..last
        return not any(intact.get(i, False) for i in range(max(low, first), last + 1))

    def agree(window: list[str], at: int) -> int:
        grams = [window[i:i + 5] for i in range(max(0, at - 4), min(at, len(window) - 5) + 1)]
        return sum(known(shingles(g)[0]) for g in grams)

    added = [tokens[p] for p in range(start, end)
             if tokens[p] in GRANT_WORDS and broken(p - 4, p)]
    removed: list[str] = []
    for p in range(start, end + 1):
        insert, swap = broken(p - 4, p - 1), p < end and broken(p - 4, p)
        if not insert and not swap:
            continue
        before = list(tokens[max(0, p - _REACH):p])
        for word in sorted(GRANT_WORDS):
            if word in removed or word in tokens[max(0, p - 1):p + 1] or \
                    word in ("".join(tokens[p:p + 2]), "".join(tokens[p:p + 3])):
                continue
            if (insert and agree([*before, word, *tokens[p:p + _REACH]], len(before))
                    >= _AGREE) or \
                    (swap and agree([*before, word, *tokens[p + 1:p + 1 + _REACH]],
                                    len(before)) >= _AGREE):
                removed.append(word)
    return added, removed
