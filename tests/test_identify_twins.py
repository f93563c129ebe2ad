"""Reference texts contained in other reference texts (issue 11).

When a reference is part of another (MIT in X11, BSD-3-Clause in BSD-4-Clause, OLDAP 2.6 in
2.5) a copy holding the other's extra part is the other license; a copy without it is never
that other license. Two references that differ only in their titles (CAL-1.0 and CAL-1.0 with
Combined Work Exception share every sentence, section 4.5 on the exception included) cannot
be told apart in a copy without a title: it is none of them, with both as candidates.
Texts are read from the corpus and dressed here (no third-party text in the project).
"""

from __future__ import annotations

import pytest

from licscan.identify import identify_text
from licscan.identify.result import IDENTIFIED, UNKNOWN
from licscan.rulepack import RulePack, load_rulepack
from tests.test_identify import read

CAL = "spdx/CAL-1.0.txt"
CAL_CWE = "spdx/CAL-1.0-Combined-Work-Exception.txt"
# a line of our own over the text: the copy is no longer the reference's canonical hash, so
# the fingerprints (not the exact hash) decide
HEADER = "Third-party notice for the example package\n\n"


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rulepack()


def untitled(name: str) -> str:
    """The text without its title line (the first non-blank line)."""
    lines = read(name).lstrip("\n").splitlines(keepends=True)
    return "".join(lines[1:])


@pytest.mark.parametrize("name", [CAL, CAL_CWE])
@pytest.mark.parametrize("dress", ["", HEADER])
def test_texts_differing_only_in_the_title_are_none_of_them_untitled(
        pack: RulePack, name: str, dress: str) -> None:
    result = identify_text(dress + untitled(name), pack, "LICENSE")
    assert result.status == UNKNOWN and not result.matches, result.to_dict()
    assert {c.rule_id for c in result.alternatives} >= {
        "cal-1.0", "cal-1.0-combined-work-exception"}
    assert len({c.score for c in result.alternatives[:2]}) == 1  # neither is ranked first
    assert "differ only in their titles" in (result.reason or "")


@pytest.mark.parametrize(("name", "rule"), [(CAL, "cal-1.0"),
                                            (CAL_CWE, "cal-1.0-combined-work-exception")])
@pytest.mark.parametrize("dress", ["", HEADER])
def test_the_title_tells_them_apart(pack: RulePack, name: str, rule: str, dress: str) -> None:
    result = identify_text(dress + read(name), pack, "LICENSE")
    assert result.status == IDENTIFIED, result.to_dict()
    assert [m.rule_id for m in result.matches] == [rule]


# (smaller, larger): every sentence of the smaller is in the larger, which has more
CONTAINED = [
    ("spdx/MIT.txt", "mit", "spdx/X11.txt", "x11"),
    ("spdx/MIT.txt", "mit", "spdx/JSON.txt", "json"),
    ("spdx/BSD-3-Clause.txt", "bsd-3-clause", "spdx/BSD-4-Clause.txt", "bsd-4-clause"),
    ("spdx/OLDAP-2.6.txt", "oldap-2.6", "spdx/OLDAP-2.5.txt", "oldap-2.5"),
    ("spdx/HPND-UC.txt", "hpnd-uc", "spdx/HPND-UC-export-US.txt", "hpnd-uc-export-us"),
    ("spdx/cryptsetup-OpenSSL-exception.txt", "cryptsetup-openssl-exception",
     "spdx/x11vnc-openssl-exception.txt", "x11vnc-openssl-exception"),
    ("spdx/Caldera-no-preamble.txt", "caldera-no-preamble", "spdx/Caldera.txt", "caldera"),
    ("spdx/GPL-3.0-only.txt", "gpl-3.0", "spdx/GPL-3.0-or-later.txt", "gpl-3.0-or-later"),
]


@pytest.mark.parametrize(("small", "small_rule", "large", "large_rule"), CONTAINED)
def test_a_copy_with_the_extra_part_is_the_larger_license(
        pack: RulePack, small: str, small_rule: str, large: str, large_rule: str) -> None:
    result = identify_text(HEADER + read(large), pack, "LICENSE")
    assert result.status == IDENTIFIED, result.to_dict()
    assert [m.rule_id for m in result.matches] == [large_rule]


@pytest.mark.parametrize(("small", "small_rule", "large", "large_rule"), CONTAINED)
def test_a_copy_without_the_extra_part_is_never_the_larger_license(
        pack: RulePack, small: str, small_rule: str, large: str, large_rule: str) -> None:
    result = identify_text(HEADER + read(small), pack, "LICENSE")
    assert large_rule not in [m.rule_id for m in result.matches], result.to_dict()
    assert [m.rule_id for m in result.matches] == [small_rule]


# -- a title the reference runs into its first sentence ---------------------------------------

@pytest.mark.parametrize(("name", "rule"), [
    ("spdx/Frameworx-1.0.txt", "frameworx-1.0"), ("spdx/IPL-1.0.txt", "ipl-1.0"),
    ("spdx/O-UDA-1.0.txt", "o-uda-1.0"), ("spdx/Zimbra-1.4.txt", "zimbra-1.4"),
])
def test_a_title_run_into_the_first_sentence_may_be_left_out(pack: RulePack, name: str,
                                                             rule: str) -> None:
    """The reference has no full stop after its title line, so title and first sentence are
    one sentence; a copy without the title line is no edit."""
    result = identify_text(untitled(name), pack, "LICENSE")
    assert result.status == IDENTIFIED, result.to_dict()
    assert [m.rule_id for m in result.matches] == [rule]


def test_a_first_line_that_is_no_title_is_text(pack: RulePack) -> None:
    """LLGPL opens with a sentence over two lines ("... version 2.1 / ("LGPL") has been
    adopted ..."): its first line left out is words of the license gone."""
    result = identify_text(untitled("spdx/LLGPL.txt"), pack, "LICENSE")
    assert result.status != IDENTIFIED, result.to_dict()


def test_the_untitled_sentence_is_still_compared(pack: RulePack) -> None:
    """Leaving the title out does not excuse an edit of the sentence it ran into."""
    text = untitled("spdx/IPL-1.0.txt").replace("ANY USE, REPRODUCTION", "ANY NONCOMMERCIAL "
                                                "USE, REPRODUCTION", 1)
    result = identify_text(text, pack, "LICENSE")
    assert result.status == "modified", result.to_dict()


@pytest.mark.parametrize(("name", "rule"), [("spdx/OLDAP-2.3.txt", "oldap-2.3"),
                                            ("spdx/OLDAP-2.2.2.txt", "oldap-2.2.2")])
def test_a_title_left_in_part_still_tells_twins_apart(pack: RulePack, name: str,
                                                      rule: str) -> None:
    """OLDAP 2.2.2 and 2.3 differ only in their title; without its name line the copy keeps
    "Version 2.3, 28 July 2000", which says which one it is."""
    result = identify_text(untitled(name), pack, "LICENSE")
    assert result.status == IDENTIFIED, result.to_dict()
    assert [m.rule_id for m in result.matches] == [rule]
