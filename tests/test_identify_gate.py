"""Gate holes in identification (issues 11 and 12): a restriction no known phrase names, a
scope statement whose object is a use, a restriction written into a copyright-holder slot,
and a grant word removed or replaced. Each must keep the text from being concluded as the
plain license. References are our own wording; full texts are read from the corpus and
edited here (no third-party text is stored in the project).
"""

from __future__ import annotations

import re

import pytest

from licscan.identify import identify_text
from licscan.identify.result import MODIFIED, UNKNOWN, TextIdentification
from licscan.rulepack import RulePack, load_rulepack
from tests.test_identify import read


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rulepack()



def replace(text: str, old: str, new: str) -> str:
    """`old` replaced once, whatever the line wrapping of the reference."""
    pattern = re.compile(r"\s+".join(map(re.escape, old.split())))
    assert pattern.search(text), old
    return pattern.sub(new, text, count=1)


def custom(result: TextIdentification, base: str, quoted: str) -> None:
    """Unknown, no match, and a qualifier that quotes `quoted` and builds on `base`."""
    assert result.status == UNKNOWN, (result.status, [m.rule_id for m in result.matches])
    assert not result.matches
    assert result.qualifiers
    assert any(quoted.lower() in q.text.lower() for q in result.qualifiers), result.qualifiers
    assert base in {q.base for q in result.qualifiers}, result.qualifiers


# -- 1. restrictions outside the known phrases fail closed -----------------------------------

UNPHRASED = [
    ("Apache License 2.0. You cannot use this model commercially.", "apache-2.0",
     "commercially"),
    ("Apache-2.0. Commercial users must pay a fee.", "apache-2.0", "pay a fee"),
    ("CC BY 4.0. Not for use in production.", "cc-by-4.0", "production"),
    ("Llama 3.1 Community License. Not for use in the EU.", "llama3.1", "EU"),
    ("CC-BY-4.0; commercial use welcome only after contacting us.", "cc-by-4.0",
     "only after contacting"),
    ("Apache-2.0, free for individuals; businesses need a paid plan.", "apache-2.0",
     "paid plan"),
    ("MIT License. Hospitals and clinics are prohibited from deploying the weights.", "mit",
     "prohibited"),
    ("Released under the MIT License. Users located in sanctioned countries are excluded.",
     "mit", "sanctioned"),
]


@pytest.mark.parametrize(("text", "base", "quoted"), UNPHRASED)
def test_unphrased_restriction_in_a_reference_is_a_custom_license(
        pack: RulePack, text: str, base: str, quoted: str) -> None:
    custom(identify_text(text, pack, "LICENSE"), base, quoted)


@pytest.mark.parametrize("extra", [
    "You cannot use this model commercially.",
    "Not for use in production.",
    "Commercial users must pay a fee.",
    "The weights may be used by universities only.",
])
@pytest.mark.parametrize("name", ["apache-2.0.txt", "mit.txt"])
def test_unphrased_restriction_around_a_full_text_is_a_custom_license(
        pack: RulePack, name: str, extra: str) -> None:
    base = read(name)
    for text in (base + "\n\n" + extra + "\n", extra + "\n\n" + base):
        custom(identify_text(text, pack, "LICENSE"), name.removesuffix(".txt"),
               extra.rstrip("."))


@pytest.mark.parametrize("text", [
    "Licensed under the Apache License 2.0.",
    "This model is released under the MIT License.",
    "Apache 2.0. This license applies to the model weights.",
    "Apache 2.0. The code is released under MIT.",
    "CC BY 4.0. You must give appropriate credit to the authors.",
    "MIT License. The authors are not liable for any damages.",
    "Apache 2.0: you may use the weights for any purpose, even commercially.",
    "CC-BY-4.0. Reason for this choice: openness.",
])
def test_plain_references_and_harmless_sentences_still_identify(pack: RulePack,
                                                                text: str) -> None:
    result = identify_text(text, pack, "LICENSE")
    assert result.status == "identified", (result.reason, result.qualifiers)
    assert not result.qualifiers


def test_harmless_notes_around_a_full_text_still_identify(pack: RulePack) -> None:
    base = read("apache-2.0.txt")
    notes = ("The ablation checkpoints are not distributed as separate files.\n\n"
             "This file governs the model weights only.\n")
    result = identify_text(base + "\n\n" + notes, pack, "LICENSE")
    assert result.status == "identified", (result.reason, result.qualifiers)
    assert [m.rule_id for m in result.matches] == ["apache-2.0"]


def test_a_limit_added_to_a_non_commercial_license_keeps_it(pack: RulePack) -> None:
    """A further limit on a license that already forbids commercial use cannot open the
    gate; the license stays identified (a custom result would weaken deny to review)."""
    result = identify_text("CC BY-NC 4.0. Not for use in production.", pack, "LICENSE")
    assert [m.rule_id for m in result.matches] == ["cc-by-nc-4.0"]


# -- 2. a scope statement whose object is a use is a limit ----------------------------------

@pytest.mark.parametrize(("text", "base", "quoted"), [
    ("Apache 2.0. This license applies only to non-commercial use.", "apache-2.0",
     "non-commercial use"),
    ("Apache License 2.0 does not apply to commercial use.", "apache-2.0", "commercial use"),
    ("MIT License. The license covers only personal projects and research use.", "mit",
     "research use"),
])
def test_scope_of_a_use_in_a_reference_is_a_limit(pack: RulePack, text: str, base: str,
                                                  quoted: str) -> None:
    custom(identify_text(text, pack, "LICENSE"), base, quoted)


@pytest.mark.parametrize("name", ["apache-2.0.txt", "mit.txt"])
def test_scope_of_a_use_after_a_full_text_is_a_limit(pack: RulePack, name: str) -> None:
    text = read(name) + "\n\nThis license applies only to research use.\n"
    custom(identify_text(text, pack, "LICENSE"), name.removesuffix(".txt"), "research use")


def test_scope_of_material_is_still_no_limit(pack: RulePack) -> None:
    text = ("Apache 2.0. This license does not apply to the training code, which is under "
            "MIT.")
    result = identify_text(text, pack, "LICENSE")
    assert result.status == "identified", (result.reason, result.qualifiers)


# -- 3. the copyright-holder slot takes names, not restrictions ------------------------------

@pytest.mark.parametrize(("name", "old", "new"), [
    ("bsd-3-clause.txt", "PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS",
     "PROVIDED BY THE COPYRIGHT HOLDERS FOR NONCOMMERCIAL RESEARCH USE ONLY"),
    ("bsd-3-clause.txt", "IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS",
     "IN NO EVENT SHALL COMMERCIAL USERS OR THE COPYRIGHT HOLDER"),
    ("mit.txt", "IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE",
     "IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS (WHO PERMIT ACADEMIC USE ONLY) BE "
     "LIABLE"),
])
def test_restriction_in_a_holder_slot_is_a_modification(pack: RulePack, name: str, old: str,
                                                         new: str) -> None:
    result = identify_text(replace(read(name), old, new), pack, "LICENSE")
    assert result.status == MODIFIED
    match, = result.matches
    assert match.rule_id == name.removesuffix(".txt") and match.matcher != "exact"
    assert any(d.guarded for d in match.differences)


@pytest.mark.parametrize("holder", ["THE EU DATAGRID AND CONTRIBUTORS",
                                    "MICROSOFT RESEARCH AND CONTRIBUTORS"])
def test_a_holder_named_after_a_place_or_field_still_fills_the_slot(pack: RulePack,
                                                                    holder: str) -> None:
    text = replace(read("bsd-3-clause.txt"), "PROVIDED BY THE COPYRIGHT HOLDERS AND "
                   "CONTRIBUTORS", "PROVIDED BY " + holder)
    result = identify_text(text, pack, "LICENSE")
    assert result.status == "identified", result.matches


# -- 4. a grant word removed or replaced is a modification -----------------------------------

@pytest.mark.parametrize(("name", "old", "new", "word"), [
    ("mit.txt", "to any person obtaining", "to any individual obtaining", "person"),
    # (the word gone is "sell": the probe this replaced reported "sublicense" as added)
    ("mit.txt", "publish, distribute, sublicense, and/or sell", "publish, distribute, and "
     "sublicense", "sell"),
    ("mit.txt", "copy, modify, merge", "copy, merge", "modify"),
    ("mit.txt", "merge, publish, distribute", "merge, distribute", "publish"),
    ("apache-2.0.txt", "worldwide, non-exclusive", "non-exclusive", "worldwide"),
    ("apache-2.0.txt", "perpetual, worldwide, non-exclusive", "worldwide, non-exclusive",
     "perpetual"),
    ("bsd-3-clause.txt", "Redistribution and use in source and binary forms",
     "Redistribution and use in source and binary forms by any person", "person"),
])
def test_a_grant_word_removed_or_replaced_is_a_modification(pack: RulePack, name: str,
                                                            old: str, new: str,
                                                            word: str) -> None:
    result = identify_text(replace(read(name), old, new), pack, "LICENSE")
    assert result.status == MODIFIED
    match, = result.matches
    assert match.rule_id == name.removesuffix(".txt")
    assert any(d.guarded and word in (d.reason or "") for d in match.differences), \
        match.differences


@pytest.mark.parametrize(("old", "new"), [
    ("to any person obtaining", "to any Person obtaining"),
    ("copy, modify, merge, publish", "copy,  modify,\nmerge, publish"),
])
def test_a_grant_in_other_dress_is_no_modification(pack: RulePack, old: str,
                                                   new: str) -> None:
    result = identify_text(replace(read("mit.txt"), old, new), pack, "LICENSE")
    assert result.status == "identified", [m.differences for m in result.matches]


# -- a README section that restricts without naming a license -------------------------------

@pytest.mark.parametrize("text", [
    "These weights may be used for non-commercial research only.",
    "Commercial use requires a separate agreement with us.",
    "Copyright 2026 Example Labs. You cannot use these weights commercially.",
])
def test_an_unnamed_restriction_in_a_readme_is_a_custom_license(pack: RulePack,
                                                                text: str) -> None:
    result = identify_text(text, pack, "README.md")
    assert result.status == UNKNOWN and not result.matches
    assert result.qualifiers and result.qualifiers[0].base is None
    assert result.qualifiers[0].text in text


@pytest.mark.parametrize("text", ["Please cite our paper if you find the model useful.",
                                  "The model was trained on public data."])
def test_an_unnamed_harmless_note_is_no_license(pack: RulePack, text: str) -> None:
    result = identify_text(text, pack, "README.md")
    assert result.status == UNKNOWN and not result.qualifiers
