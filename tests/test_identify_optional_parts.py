"""CC texts without their optional preamble and closing notice: identified when the list
items are laid out differently, and a part of one reported with the share of the legal code
present (the optional parts not counted as missing).

The CC text comes from the shared corpus at run time (nothing of it is kept here).
"""

from __future__ import annotations

import re

from licscan.identify.engine import identify_text
from licscan.identify.normalize import normalize
from licscan.rulepack import load_rulepack
from tests.conftest import corpus_dir


def _cc_parts() -> tuple[list[str], str]:
    """The CC BY-NC 4.0 legal code's lines from its title up to the closing notice (the
    parts the fingerprints mark optional left out), and the whole text."""
    whole = (corpus_dir() / "cc-by-nc-4.0.txt").read_text(encoding="utf-8")
    lines = whole.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.strip().startswith("Creative Commons Attribution"))
    end = next(i for i, line in enumerate(lines) if "Creative Commons is not a party" in line)
    return lines[start:end], whole


def test_cc_without_optional_parts_and_with_tight_list_items_is_identified() -> None:
    body, _whole = _cc_parts()
    # the blank line after every "; and" / "; or" item dropped, the next marker in capitals
    tight = re.sub(r"(;\s+(?:and|or))\n[ \t]*\n[ \t]*([a-z])\.",
                   lambda m: m.group(1) + "\n\t\t" + m.group(2).upper() + ".",
                   "\n".join(body))
    assert tight != "\n".join(body)
    result = identify_text(tight, load_rulepack())
    assert [(m.rule_id, m.status) for m in result.matches] == [("cc-by-nc-4.0", "identified")]
    assert not result.matches[0].differences


def test_part_of_cc_does_not_count_the_optional_preamble_as_missing() -> None:
    body, whole = _cc_parts()
    kept = body[:int(len(body) * 0.6)]
    result = identify_text("\n".join(kept), load_rulepack())
    assert result.status == "unknown" and result.reason is not None
    found = re.search(r"only (\d+)% of cc-by-nc-4\.0 is present", result.reason)
    assert found is not None, result.reason
    # the figure is the share of the legal code (what a copy must hold), not of the legal
    # code and the preamble and notice a copy may leave out
    share = len(normalize("\n".join(kept)).tokens) / len(normalize("\n".join(body)).tokens)
    assert abs(int(found.group(1)) - share * 100) <= 3
    with_optional = len(normalize("\n".join(kept)).tokens) / len(normalize(whole).tokens)
    assert int(found.group(1)) > with_optional * 100 + 3
