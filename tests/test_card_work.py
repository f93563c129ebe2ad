"""How much work reading a card's restrictions does, counted (never timed: the timing of
adversarial cards is bench/card_speed.py): `restrictions()` stops at its fifth passage instead
of testing every sentence of a long card, and the characters tested stay within a small
multiple of the card's length (a sentence is tested alone, and joined to a question before it
or to its answer). The commercial-question check reads only a sentence's last question."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from licscan.evidence import card


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    seen: list[str] = []
    original: Callable[[str], bool] = getattr(card, name)

    def counted(sentence: str) -> bool:
        seen.append(sentence)
        return original(sentence)

    monkeypatch.setattr(card, name, counted)
    return seen


def test_restrictions_stop_at_the_fifth_passage(monkeypatch: pytest.MonkeyPatch) -> None:
    body = "".join(f"Item {i} is for research use only.\n\n" for i in range(2000))
    seen = _counting(monkeypatch, "restricts_use")
    found = card.restrictions(body)
    assert [r.text for r in found] == [f"Item {i} is for research use only." for i in range(5)]
    assert [r.line for r in found] == [0, 2, 4, 6, 8]
    assert len(seen) <= 10, len(seen)  # not one test per line of the card (2,000)


@pytest.mark.parametrize("body", [
    "\n".join("continued commercially line" for _ in range(300)),
    "\n".join(("> a commercial" if i % 2 else "continued commercially line") for i in range(300)),
    "\n".join("Commercial? " * 5 for _ in range(60)),
    "\n".join(" " * (i % 40) + "- item commercially" for i in range(300)),
])
def test_each_sentence_is_tested_at_most_three_times(monkeypatch: pytest.MonkeyPatch,
                                               body: str) -> None:
    seen = _counting(monkeypatch, "restricts_use")
    card.restrictions(body + "\n")
    # alone, and joined as the answer to the question before it or as that question
    assert sum(len(s) for s in seen) <= 4 * len(body) + 100


def test_the_lines_of_many_passages_are_counted_right() -> None:
    """Each passage's line is that of its first word, also when a soft line break (one
    paragraph over several lines) comes before it."""
    text = "".join(f"Part {i} is for research use only.\n" + "Filler line.\n" * (i % 3)
                   for i in range(200))
    lines = text.split("\n")
    found = card.restricting_sentences(text)
    assert len(found) == 200
    for quote, line in found:
        assert lines[line].startswith(quote[:10]), (quote, line)


# the question check as it was written, a regex searched from each "commerci" to the end
_AS_REGEX = re.compile(r"commerci\w*[^?]*\?\s*$", re.IGNORECASE)


@pytest.mark.parametrize("sentence", [
    "Interested in commercial use?", "Commercial?", "COMMERCIALLY? ", "Commercial use? Why?",
    "Why? Commercial use?", "Is it commercial", "What about commercial use?\n", "Questions?",
    "commercial", "?", "", "Commercial! Really?", "Commerciality?  \n ",
])
def test_the_question_check_reads_as_the_regex_did(sentence: str) -> None:
    assert card._asks_about_commerce(sentence) == bool(_AS_REGEX.search(sentence))
