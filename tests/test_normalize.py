"""Canonical form of license texts (SPDX matching guidelines) and decoding of file bytes."""

from __future__ import annotations

import codecs
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licscan.identify.normalize import decode, normalize, shingles

settings.register_profile("identify-ci", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("identify-dev", max_examples=300, deadline=None)
PROFILE = settings.get_profile("identify-ci" if os.environ.get("CI") else "identify-dev")


def tokens(text: str) -> tuple[str, ...]:
    return normalize(text).tokens


EQUIVALENT = [
    ("whitespace", "You may  use\tthe\n\nModel.", "You may use the Model."),
    ("case", "THE SOFTWARE IS PROVIDED", "the software is provided"),
    ("quotes", "“Agreement” means ‘this’", "\"Agreement\" means 'this'"),
    ("apostrophes", "Meta’s rights", "Meta's rights"),
    ("licence", "This licence is licenced", "This license is licensed"),
    ("hyphenation", "a non-exclusive, non commercial licence",
     "a nonexclusive, noncommercial license"),
    ("line-break hyphen", "non-\ncommercial use", "non-commercial use"),
    ("ampersand", "terms & conditions", "terms and conditions"),
    ("crlf", "line one.\r\nline two.\r\n", "line one.\nline two.\n"),
    ("bullets", "Terms.\n  a. Grant of Rights.\n  b. Use.", "Terms.\n- Grant of Rights.\n- Use."),
    ("numbering", "Scope.\n1.1 Definitions apply.", "Scope.\n(a) Definitions apply."),
    ("markdown", "# Title\n\n**Agreement** means [the site](https://example.com/x).",
     "Title\n\nAgreement means the site https://example.com/x."),
    ("markdown link showing its address", "[https://example.com/x](https://example.com/x)",
     "https://example.com/x"),
    ("code fence", "```text\nAgreement means the site.\n```", "Agreement means the site."),
    ("look-alike letters", "Agrееmеnt mеаns thе sitе", "Agreement means the site"),
    ("zero-width and controls", "Agree\u200bment\x00 means\x1b[1m the site",
     "Agreement means the site"),
    ("placeholder copyright", "Copyright {yyyy} {name of copyright owner}\n\nTerms.",
     "Copyright [year] [fullname]\n\nTerms."),
    # (was a meaningful difference; issue 11: holder lines never change what is granted)
    ("inline copyright notice", "licensed under the License,\nCopyright © Meta Platforms",
     "licensed under the License,\nCopyright © Acme"),
    ("markdown escape", "Rights.\n1\\. License Rights", "Rights.\n1. License Rights"),
    ("html", "<p>“Agreement” &amp; <b>terms</b></p><br>", "“Agreement” and terms"),
    ("html entities", "&ldquo;You&rdquo; &#8212; &copy; it&#39;s", "“You” — (c) it's"),
    ("doctype", "<!DOCTYPE html><html><head><title>x</title></head><body><p>Terms.</p>",
     "Terms."),
    ("url scheme", "see https://www.example.com/terms", "see http://example.com/terms"),
    ("copyright line", "MIT License\n\nCopyright (c) 2024 Jane Doe\n\nPermission is granted.",
     "MIT License\n\nPermission is granted."),
    ("copyright symbol", "Permission.\n© 2023 Acme Inc. All rights reserved.\nTerms.",
     "Permission.\nTerms."),
    ("nfkc", "ﬁne print\u00a0here", "fine print here"),
    # template variables in the standard holder slots (SPDX replaceable text)
    ("holder in the endorsement clause",
     "Neither the name of Example Robotics Ltd. nor the names of its contributors may be used",
     "Neither the name of the copyright holder nor the names of its contributors may be used"),
    ("holder in the disclaimer", "PROVIDED BY EXAMPLE LABS AND CONTRIBUTORS \"AS IS\" AND",
     "PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS \"AS IS\" AND"),
    ("holder in the liability clause", "IN NO EVENT SHALL JANE DOE BE LIABLE FOR",
     "IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR"),
    ("numbering after a heading", "TERMS AND CONDITIONS\n\n1. Definitions.",
     "TERMS AND CONDITIONS\n\nDefinitions."),
    ("numbering after a colon", "You agree not to use the Model:\n1. In any way",
     "You agree not to use the Model:\n\nIn any way"),
    ("numbering with emphasis", "rights.\n\n3**. Disclaimer**. None.",
     "rights.\n\n3. Disclaimer. None."),
    ("escaped address shown as link text",
     "at [https://example.com/a\\_b/policy](https://example.com/a_b/policy))",
     "at https://example.com/a_b/policy)"),
    ("generic link text", "* [Link](https://example.com/report) - Reporting issues.",
     "* https://example.com/report - Reporting issues."),
]

DIFFERENT = [
    ("version", "Llama 3 Community License", "Llama 3.1 Community License"),
    ("version suffix", "License v1.1.1", "License v1.1"),
    ("rail plus", "CreativeML Open RAIL++-M", "CreativeML Open RAIL-M"),
    ("threshold", "greater than 700 million monthly active users",
     "greater than 900 million monthly active users"),
    ("negation", "You may not use it commercially.", "You may use it commercially."),
    ("version after colon", "Version: 2.1", "Version: 2.2"),
    ("number inside text", "subject to Section 2. 3. Disclaimer",
     "subject to Section 4. 3. Disclaimer"),
    ("copyright sentence", "Terms.\nCopyright and Similar Rights means rights.",
     "Terms.\nSimilar Rights means rights."),
    ("version after v.", "EUROPEAN UNION PUBLIC LICENCE v. 1.2",
     "EUROPEAN UNION PUBLIC LICENCE v. 1.1"),
    ("negation in the holder slot", "IN NO EVENT SHALL THE AUTHORS BE LIABLE",
     "IN NO EVENT SHALL THE AUTHORS NOT BE LIABLE"),
    ("numbering after a long paragraph", "x " * 80 + "\n\n11. Terms.", "x " * 80 + "\n\nTerms."),
    ("version after a colon", "Threshold: 1.5 million users", "Threshold: 2.5 million users"),
]


@pytest.mark.parametrize(("name", "left", "right"), EQUIVALENT, ids=[e[0] for e in EQUIVALENT])
def test_equivalent_texts_have_the_same_tokens(name: str, left: str, right: str) -> None:
    assert tokens(left) == tokens(right)


@pytest.mark.parametrize(("name", "left", "right"), DIFFERENT, ids=[d[0] for d in DIFFERENT])
def test_meaningful_differences_survive(name: str, left: str, right: str) -> None:
    assert tokens(left) != tokens(right)


def test_list_markers_only_after_a_full_stop_so_versions_are_kept() -> None:
    assert tokens("Llama 3.1 Version Release Date") == ("llama", "3.1", "version", "release",
                                                        "date")
    assert tokens("FLUX.1 [dev] Non-Commercial License v1.1.1")[-1] == "v1.1.1"
    assert "2.1" in tokens("Yi Series Models Community License Agreement\nVersion: 2.1")


def test_tokens_carry_their_line_and_sentences_their_span() -> None:
    norm = normalize("TITLE LINE\n\nFirst sentence here. Second one\ncontinues.\n")
    assert norm.lines[0] == 1 and norm.lines[-1] == 4
    assert [(s.first_line, s.last_line) for s in norm.sentences] == [(1, 1), (3, 3), (3, 4)]
    assert norm.passage(2, 2) == "Second one continues"


def test_passages_show_the_scanned_text_without_control_characters() -> None:
    norm = normalize("Meta’s terms \x1b[31mapply\x1b[0m here.")
    assert "\x1b" not in norm.passage(0, 0)
    assert norm.passage(0, 0).startswith("Meta’s terms")


def test_cjk_text_is_tokenized_per_character() -> None:
    assert tokens("许可协议 v2") == ("许", "可", "协", "议", "v2")


def test_shingles_cover_short_and_long_texts() -> None:
    assert len(shingles(("a", "b"))) == 1
    assert len(shingles(tuple("abcdefg"))) == 3
    assert shingles(()) == []


@pytest.mark.parametrize(("data", "expected"), [
    (codecs.BOM_UTF8 + "licence ©".encode(), "licence ©"),
    ("licence ©".encode("utf-16"), "licence ©"),
    (codecs.BOM_UTF16_BE + "licence".encode("utf-16-be"), "licence"),
    ("license text here".encode("utf-16-le"), "license text here"),
    ("licence ©".encode("latin-1"), "licence ©"),
    (b"plain ascii", "plain ascii"),
    (b"", ""),
])
def test_decode_text_encodings(data: bytes, expected: str) -> None:
    assert decode(data) == (expected, None)


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file (PNG image)"),
    (b"%PDF-1.7\n", "binary file (PDF)"),
    (b"PK\x03\x04rest", "binary file (ZIP archive)"),
    (bytes(range(256)) * 4, "binary file"),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 20, "binary file"),
])
def test_decode_refuses_binary_data(data: bytes, reason: str) -> None:
    assert decode(data) == (None, reason)


@PROFILE
@given(st.text())
def test_normalize_never_crashes_and_is_idempotent(text: str) -> None:
    norm = normalize(text)
    assert len(norm.tokens) == len(norm.lines) == len(norm.offsets)
    assert all(norm.tokens)
    # the canonical form, one token a line, normalizes to itself
    assert normalize("\n".join(norm.tokens)).tokens == norm.tokens
    if norm.sentences:
        assert norm.sentences[0].start == 0 and norm.sentences[-1].end == len(norm.tokens)


@PROFILE
@given(st.text(alphabet=st.characters(blacklist_characters="\r")))
def test_line_ends_do_not_matter(text: str) -> None:
    assert tokens(text.replace("\n", "\r\n")) == tokens(text)


@PROFILE
@given(st.lists(st.from_regex(r"[A-Za-z][a-z0-9]{0,8}", fullmatch=True), min_size=1,
                max_size=40), st.sampled_from([" ", "\n", "  \t", " \n   "]))
def test_spacing_and_case_do_not_matter(words: list[str], gap: str) -> None:
    assert tokens(gap.join(words)) == tokens(" ".join(w.upper() for w in words))


@PROFILE
@given(st.binary())
def test_decode_never_crashes(data: bytes) -> None:
    text, reason = decode(data)
    assert (text is None) != (reason is None)
