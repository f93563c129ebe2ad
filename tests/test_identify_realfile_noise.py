"""Noise found in license files real repositories ship (issue 11's holdout, rows 189 and 211
of bench/realfiles.tsv), rebuilt here from the reference texts: a markdown link's address
after a name the reference gives without it, and a stray line where the blank line after an
underlined title was. Neither changes what the license grants; a changed address that the
reference does give still does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from licscan.identify import identify_text


def _read(corpus: Path, name: str) -> str:
    return (corpus / name).read_text(encoding="utf-8")


def test_a_link_address_the_reference_only_names_is_no_edit(corpus: Path, pack) -> None:
    text = _read(corpus, "spdx/CC-BY-SA-4.0.txt")
    name = r"CC0\s+Public\s+Domain\s+Dedication"
    assert len(re.findall(name, text)) == 1
    linked = re.sub(name, "[CC0 Public Domain Dedication]"
                    "(https://creativecommons.org/publicdomain/zero/1.0/legalcode)", text)
    result = identify_text(linked, pack, "LICENSE.md")
    assert result.status == "identified", result
    assert [m.rule_id for m in result.matches] == ["cc-by-sa-4.0"]


def test_a_changed_address_the_reference_gives_is_an_edit(corpus: Path, pack) -> None:
    text = _read(corpus, "llama3.1-license.txt")
    address = "https://llama.meta.com/llama3_1/use-policy"
    assert address in text
    edited = text.replace(address, "https://example.org/another-policy")
    result = identify_text(edited, pack, "LICENSE")
    assert result.status == "modified", result
    assert result.matches[0].rule_id == "llama3.1"


def test_a_stray_line_under_an_underlined_title_keeps_the_list_markers(corpus: Path,
                                                                         pack) -> None:
    text = _read(corpus, "spdx/MPL-2.0.txt")
    lines = text.split("\n")
    underline = next(i for i, line in enumerate(lines) if line.startswith("===="))
    assert not lines[underline + 1].strip() and lines[underline + 2].startswith("1. ")
    lines[underline + 1] = " a stray line"
    result = identify_text("\n".join(lines), pack, "LICENSE")
    assert [m.rule_id for m in result.matches] == ["mpl-2.0"]
    differences = result.matches[0].differences
    # the stray words are the one difference; no list number reads as a changed number
    assert len(differences) == 1 and not differences[0].guarded, differences
    assert "stray line" in differences[0].reason


@pytest.mark.parametrize("marker", ["1.", "2)", "(a)", "IV."])
def test_a_marker_opening_an_underlined_heading_is_dropped(marker: str) -> None:
    from licscan.identify.normalize import normalize

    plain = normalize("Title\n\nSome words here.\n\nDefinitions\n-----------\n\nMore words.")
    marked = normalize(f"Title\nSome words here\n{marker} Definitions\n-----------\n\nMore words.")
    assert "definitions" in marked.tokens
    assert marker.strip("().").lower() not in marked.tokens[marked.tokens.index("definitions") - 1:]
    assert plain.tokens[-3:] == marked.tokens[-3:]


def _mit_with_address(corpus: Path, address: str) -> str:
    """MIT with `address` written into its grant sentence, before the sentence's colon."""
    paragraphs = _read(corpus, "spdx/MIT.txt").strip("\n").split("\n\n")
    cut = paragraphs[0].rindex(":")
    paragraphs[0] = paragraphs[0][:cut] + " " + address + paragraphs[0][cut:]
    return "\n\n".join(paragraphs) + "\n"


@pytest.mark.parametrize("address", [
    "https://example.com/not-for-commercial-use",
    "https://example.com|not|for|commercial|use",
    "https://example.com\u2800not\u2800for\u2800commercial\u2800use",  # braille blanks
    "www.noncommercial-use-only.example",
    "[the terms](https://example.com/research-use-only)",
    "(https://creativecommons.org/licenses/by-nc/4.0/)",
])
def test_words_and_numbers_in_an_address_are_the_texts(corpus: Path, pack, address: str) -> None:
    """An address is not read as a link's target when it holds a guarded word or a number:
    a restriction spelled inside a web address (or pointing at other terms by version) is an
    edit, and an address ends where its characters end."""
    result = identify_text(_mit_with_address(corpus, address), pack, "LICENSE")
    assert result.status != "identified", result
    assert any(d.guarded for m in result.matches for d in m.differences), result


def test_an_address_of_plain_words_is_a_link_target(corpus: Path, pack) -> None:
    result = identify_text(_mit_with_address(corpus, "https://example.com/about"), pack,
                           "LICENSE")
    assert result.status == "identified", result


@pytest.mark.parametrize("word", ["(NOT)", "(NEVER)", "(ONLY)", "(NO)"])
@pytest.mark.parametrize("underline", ["", "-" * 40, "=" * 40])
def test_a_word_in_parentheses_is_no_list_marker(corpus: Path, pack, word: str,
                                                  underline: str) -> None:
    """A word in parentheses opening a line (underlined or not, at the end of a paragraph or
    anywhere) is the text's word: only numbers, letters and roman numerals are list markers."""
    paragraphs = _read(corpus, "spdx/MIT.txt").strip("\n").split("\n\n")
    lines = paragraphs[1].split("\n")
    lines[-1] = f"{word} {lines[-1]}"
    paragraphs[1] = "\n".join(lines) + (f"\n{underline}" if underline else "")
    result = identify_text("\n\n".join(paragraphs) + "\n", pack, "LICENSE")
    assert result.status != "identified", result
    assert any(d.guarded for m in result.matches for d in m.differences), result


def test_a_version_opening_an_underlined_title_line_is_kept(corpus: Path, pack) -> None:
    text = _read(corpus, "llama3.2-license.txt")
    first, rest = text.split("\n", 1)
    words = first.split()
    assert "3.2" in words
    edited = (words[0] + "\n" + " ".join(words[1:]).replace("3.2", "3.3") + "\n" + "=" * 30
              + "\n" + rest)
    result = identify_text(edited, pack, "LICENSE")
    assert result.status == "modified", result
    assert any("3.3" in (d.reason or "") for d in result.matches[0].differences)
