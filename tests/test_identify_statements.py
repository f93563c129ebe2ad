"""Formatting that used to read as an edit (issue 11, normalizer 6).

- a copyright statement inside a paragraph ("OSET Public License / (c) 2015 ALL RIGHTS RESERVED
  VERSION 2.1"; libpng's "... are / Copyright (c) 1998-2000 Glenn Randers-Pehrson, are derived
  from ..."): where it ends must not depend on where the lines break;
- a list number closed by ')' standing alone over a nested item ("2)" over "4) states ..."):
  the same list as "2." over "4." in another style;
- entities escaped twice in an HTML page showing a text that itself holds entities (RPSL-1.0's
  reference has "exig&eacute;").

The corpus cases are chosen at test time by what the texts hold (no third-party text in the
project); the phrases in the unit tests are our own.
"""

from __future__ import annotations

import re

import pytest

from licscan.identify import identify_bytes
from licscan.identify.normalize import normalize
from licscan.rulepack import RulePack, load_rulepack
from tests.conftest import CORPUS
from tests.test_identify import BENCH, EXPECTED, NAMES, ids, read


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rulepack()


# a statement after a word with no sentence end before it, on its line or the line above
IN_PARAGRAPH = re.compile(r"[^\s.;:!?]\s*\n?[ \t]*(?:Copyright\s*(?:\(c\)|©)?\s*|\(c\)\s*)"
                          r"(?:19|20)\d\d", re.I)
NESTED_MARKERS = re.compile(r"(?m)^[ \t]*\d{1,3}\.[ \t]*\n[ \t]*\d{1,3}\.[ \t]")
ENTITIES = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,5});")
# the texts whose variants were reported modified before normalizer 6
FIXED = {("spdx/OSET-PL-2.1.txt", "rewrap-60"), ("spdx/OSET-PL-2.1.txt", "rewrap-100"),
         ("spdx/libpng-1.6.35.txt", "rewrap-60"), ("spdx/libpng-1.6.35.txt", "rewrap-100"),
         ("spdx/IPL-1.0.txt", "renumbered"), ("spdx/RPSL-1.0.txt", "html-entities")}


def _cases() -> list[object]:
    if not CORPUS.is_dir():
        return [pytest.param(None, None, id="corpus-missing")]  # read() skips, or fails in CI
    out: list[object] = []
    for name in NAMES:
        text = read(name)
        variants = []
        if IN_PARAGRAPH.search(text):
            variants += ["rewrap-60", "rewrap-100"]
        if NESTED_MARKERS.search(text):
            variants.append("renumbered")
        if ENTITIES.search(text):
            variants.append("html-entities")
        out += [pytest.param(name, v, id=f"{name}-{v}") for v in variants]
    return out


CASES = _cases()


def test_the_selection_holds_the_fixed_cases() -> None:
    if not CORPUS.is_dir():
        read(NAMES[0])  # skips, or fails in CI
    chosen = {tuple(case.values) for case in CASES}  # type: ignore[attr-defined]
    assert chosen >= FIXED
    assert len(chosen) > 300  # every text with a statement inside a paragraph, twice


@pytest.mark.parametrize(("name", "variant"), CASES)
def test_variants_of_texts_with_statements_markers_and_entities(
        name: str | None, variant: str | None, pack: RulePack) -> None:
    if name is None or variant is None:
        read("")  # skips, or fails in CI
        return
    result = identify_bytes(BENCH.VARIANTS[variant](read(name)), pack, name)
    assert result.status == "identified", result.to_dict()
    assert sorted(ids(result)) == sorted(EXPECTED[name])


# --- the normalizer itself, on words of our own ----------------------------------------


def tokens(text: str) -> tuple[str, ...]:
    return normalize(text).tokens


def test_a_statement_after_a_title_ends_where_the_version_starts() -> None:
    lines = "Example Public License\n(c) 2015 ALL RIGHTS RESERVED VERSION 2.1\n\nYou may copy.\n"
    joined = "Example Public License (c) 2015 ALL RIGHTS RESERVED VERSION 2.1\n\nYou may copy.\n"
    assert tokens(lines) == tokens(joined)
    assert tokens(joined)[:5] == ("example", "public", "license", "version", "2.1")
    # the version is text: another version is another token stream
    assert tokens(joined.replace("2.1", "2.0")) != tokens(joined)


def test_a_statement_inside_a_sentence_ends_with_its_holder() -> None:
    words = ("Widget releases 1.0, May 2001, until 2.4, June 2019 are Copyright (c) "
             "2001-2019 Jane Roe, are derived from widget-0.9, and are shared under the "
             "terms widget-0.9 came with, and these people join the authors named "
             "there:")
    narrow = re.sub(r"(.{1,50})(?: |$)", "\\1\n", words)
    wide = re.sub(r"(.{1,95})(?: |$)", "\\1\n", words)
    assert narrow != wide
    assert tokens(narrow) == tokens(wide)
    assert "roe" not in tokens(wide)
    assert tokens(wide)[8:12] == ("2019", "are", "are", "derived")


def test_where_a_statement_ends_does_not_depend_on_the_holders_length() -> None:
    """Replacing the holder keeps the sentence's own words ("..., and are shared ...")
    whether the statement then runs past 30 words or not."""
    sentence = ("Widget releases 1.2, until 1.3, are\nCopyright (c) {} and are\n"
                "shared under the terms widget-1.1 came with, and this person joins the "
                "authors named there\n\n  Jane Roe\n")
    short = tokens(sentence.format("2004 Jane Roe,"))
    long = tokens(sentence.format("2019-2025 Example Robotics GmbH and all its contributors,"))
    assert short == long
    assert short[5:9] == ("are", "and", "are", "shared")


def test_a_long_statement_without_a_holder_end_still_ends_with_its_line() -> None:
    # the address and the grant after an FSF-style statement are text, not the holder
    text = (" Copyright (C) 1989 Example Foundation, Inc.,\n 1 Main Street, Springfield, "
            "Example County 12345 USA\n Anybody may pass on exact copies of this\n document, "
            "in any language, but nobody may change it.\n")
    assert tokens(text)[:4] == ("1", "main", "street", "springfield")
    assert "anybody" in tokens(text)


def test_a_nested_marker_after_a_lone_number_is_a_marker_in_either_style() -> None:
    # (after a paragraph longer than a heading: a marker opening it is not dropped as such)
    dots = ("whatever terms a sender adds to these are offered by that sender on its own "
            "account and by nobody else; and\n\n   2.\n         4. states that the "
            "source is there.\n")
    parens = dots.replace("2.", "2)").replace("4.", "4)")
    assert tokens(dots) == tokens(parens)
    assert "4" not in tokens(parens)
    # a number in a sentence is no list marker
    assert "4" in tokens("section 2) 4 states apply.")


def test_entities_escaped_twice_read_as_the_character() -> None:
    plain = "Les parties ont exig&eacute; que le contrat soit r&eacute;dig&eacute;.\n"
    page = ("<html><body><p>" + plain.replace("&", "&amp;") + "</p></body></html>\n")
    assert tokens(page) == tokens(plain)
    assert "exigé" in tokens(page)
    # an ampersand in words stays a word
    assert "and" in tokens("<p>R&amp;D only</p>")


def test_look_alike_letters_keep_their_case() -> None:
    """A Cyrillic capital read as a Latin capital: "Espoo" stays a name, so a statement ends
    where it does in the Latin text (a comma before a lower-case word ends a holder)."""
    latin = ("Copyright (c) 1995 Jane Roe <roe@example.org>, Espoo, Finland\n All rights "
             "reserved\n\n What I wrote here may serve any aim at all. A changed copy "
             "has to say that it was changed.\n")
    cyrillic = latin.replace("Espoo", "\u0415spoo")
    assert tokens(cyrillic) == tokens(latin)


# --- a statement names a holder, never a term ------------------------------------------

HIDDEN = [
    ("spdx/MIT.txt", "The above copyright notice",
     "The Software (c) 2024 may be used for non-commercial research only. "),
    ("spdx/MIT.txt", "The above copyright notice",
     "The Software Copyright 2024 Example Corp may be used for evaluation only. "),
    ("apache-2.0.txt", "2. Grant of Copyright License.",
     "2. Grant of Copyright License. This Work (c) 2024 is for non-commercial use only."),
    ("spdx/BSD-3-Clause.txt", "Redistribution and use",
     "Copyright (c) 2024 Example Corp, and is not licensed for production use. "),
]


@pytest.mark.parametrize(("name", "anchor", "inserted"), HIDDEN)
def test_a_restriction_after_a_copyright_sign_is_never_dropped(
        pack: RulePack, name: str, anchor: str, inserted: str) -> None:
    """"(c) 2024" or "Copyright 2024" in front of a restriction does not make it part of a
    dropped copyright statement: the copy is modified with the restriction listed, or (in
    front of the text) a custom license quoting it."""
    text = read(name)
    assert anchor in text
    edited = text.replace(anchor, inserted if inserted.startswith(anchor) else inserted + anchor,
                          1)
    result = identify_bytes(edited.encode("utf-8"), pack, "LICENSE")
    assert result.status != "identified", result.to_dict()
    quoted = [d.text for m in result.matches for d in m.differences if d.guarded] + [
        q.text for q in result.qualifiers]
    assert any("only" in q or "not" in q for q in quoted), result.to_dict()


@pytest.mark.parametrize("holder", ["Copyright 2025-2026 Example Research (example.org)",
                                    "Copyright (c) 2001 Corporation for National Research "
                                    "Initiatives", "(c) 2024 Example Academic Press"])
def test_a_field_word_in_a_holders_name_is_the_name(pack: RulePack, holder: str) -> None:
    text = read("spdx/MIT.txt") + "\n\n" + holder + "\n"
    result = identify_bytes(text.encode("utf-8"), pack, "LICENSE")
    assert result.status == "identified", result.to_dict()


def test_a_statement_ends_before_a_limiting_word() -> None:
    assert tokens("Portions (c) 2001 Jane Roe, used with permission.\n") == (
        "portions", "used", "with", "permission")
    assert tokens("Copyright (c) 2001 Jane Roe. All rights reserved except as noted.\n") == (
        "except", "as", "noted")
