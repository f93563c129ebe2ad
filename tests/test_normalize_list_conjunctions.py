"""List items joined by "; and" / "; or": the same tokens and sentences whether a blank line,
a single line break or a space parts the items. (Samples written for these tests.)"""

from __future__ import annotations

from licscan.identify.normalize import normalize


def _sentences(text: str) -> list[tuple[str, ...]]:
    norm = normalize(text)
    return [norm.tokens[s.start:s.end] for s in norm.sentences]


# one list written three ways: items parted by a blank line, by a single line break (as
# markdown renderings often do), and re-flowed onto one line
SPACED = ("The helper may:\n\n  (a) sweep the porch on Mondays; and\n\n"
          "  (b) water the ferns when the soil is dry; or\n\n  (c) rest.\n")
TIGHT = ("The helper may:\n  (a) sweep the porch on Mondays; and\n\t\t(b) water the ferns "
         "when the soil is dry; or\n\t\t(c) rest.\n")
FLOWED = ("The helper may: (a) sweep the porch on Mondays; and (b) water the ferns when the "
          "soil is dry; or (c) rest.\n")


def test_item_after_a_conjunction_reads_the_same_in_every_layout() -> None:
    spaced = _sentences(SPACED)
    assert _sentences(TIGHT) == spaced
    assert _sentences(FLOWED) == spaced
    # the markers are gone and the conjunctions stand alone, as a blank line leaves them
    assert ("and",) in spaced and ("or",) in spaced
    assert not any(token in {"b", "c"} for sentence in spaced for token in sentence)


def test_other_capital_and_dotted_markers_after_a_conjunction() -> None:
    dotted = ("Each party shall keep the key safe; AND\n    B. return it on request; Or\n"
              "    2. pay for a new lock.")
    blank = ("Each party shall keep the key safe; AND\n\n    B. return it on request; Or\n\n"
             "    2. pay for a new lock.")
    assert _sentences(dotted) == _sentences(blank)
    assert "b" not in normalize(dotted).tokens and "2" not in normalize(dotted).tokens
