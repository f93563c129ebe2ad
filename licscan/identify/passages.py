"""Passages of a normalized text: runs of sentence numbers, their tokens, and whether the file
is prose (a README or NOTICE, where text around a license is normal).

Shared by the matchers that read what the fingerprints leave (titles.py, surroundings.py,
named.py) and by the flow in engine.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from licscan.identify.normalize import Normalized


def runs(numbers: Sequence[int]) -> list[list[int]]:
    """Consecutive sentence numbers grouped: [1, 2, 4] -> [[1, 2], [4]]."""
    out: list[list[int]] = []
    for number in numbers:
        if out and out[-1][-1] == number - 1:
            out[-1].append(number)
        else:
            out.append([number])
    return out


def passage_tokens(norm: Normalized, passage: Sequence[int]) -> list[str]:
    """The tokens of a passage (consecutive sentence numbers)."""
    first, last = norm.sentences[passage[0]], norm.sentences[passage[-1]]
    return list(norm.tokens[first.start:last.end])


def prose(filename: str | None) -> bool:
    """README and NOTICE files talk about licenses; text around a license there is normal."""
    return (filename or "").rsplit("/", 1)[-1].lower().startswith(("readme", "notice"))
