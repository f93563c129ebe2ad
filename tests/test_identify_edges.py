"""Text at the edge of a known license, and a part of one (issue 11).

- A passage next to a full license text in a license file that states a term the license is
  known by (the governing law, the option of later versions, invariant sections, a reserved
  font name, a duty to include something) makes the file a custom license, however short:
  Xnet is the MIT text plus "governed by the laws of the State of California". Checked as
  leave-one-out: each larger text identified by an index without its own rule must not come
  out as the smaller text it contains.
- A text that is wholly a reference's wording but holds too little of it (an Apache page cut
  off in its definitions, a use policy with a third of it removed) is unknown, and the reason
  says it is part of that reference, which is named first among the candidates.

The texts are read from the corpus (no third-party text in the project); the added passages
are our own words.
"""

from __future__ import annotations

import pytest

from licscan.identify import identify_text
from licscan.identify.guards import outside_flag
from licscan.identify.index import pack_index
from licscan.identify.normalize import normalize
from licscan.identify.result import IDENTIFIED, MODIFIED, UNKNOWN
from licscan.rulepack import RulePack, load_rulepack
from tests.test_identify import read


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rulepack()


# (larger text, its rule, the smaller rule it contains): the larger adds, at its edge, a
# passage that states a term
EDGE_TERMS = [
    ("spdx/AGPL-1.0-or-later.txt", "agpl-1.0-or-later", "agpl-1.0-only"),
    ("spdx/GFDL-1.1-or-later.txt", "gfdl-1.1-or-later", "gfdl-1.1-only"),
    ("spdx/GFDL-1.2-invariants-only.txt", "gfdl-1.2-invariants-only", "gfdl-1.2-only"),
    ("spdx/GFDL-1.3-invariants-or-later.txt", "gfdl-1.3-invariants-or-later", "gfdl-1.3-only"),
    ("spdx/Xnet.txt", "xnet", "mit"),
    ("spdx/OFL-1.1-RFN.txt", "ofl-1.1-rfn", "ofl-1.1"),
    ("spdx/GPL-3.0-linking-source-exception.txt", "gpl-3.0-linking-source-exception",
     "gpl-3.0-linking-exception"),
]


@pytest.mark.parametrize(("name", "rule", "smaller"), EDGE_TERMS)
def test_a_larger_text_unknown_to_the_pack_is_not_the_smaller_one(
        pack: RulePack, name: str, rule: str, smaller: str) -> None:
    index = pack_index(pack).without(frozenset({rule}))
    result = identify_text(read(name), pack, "LICENSE", index=index)
    assert smaller not in [m.rule_id for m in result.matches], result.to_dict()
    assert result.status == UNKNOWN and result.qualifiers, result.to_dict()
    assert result.qualifiers[0].base == smaller
    assert "custom terms" in (result.reason or "")


@pytest.mark.parametrize(("name", "rule", "smaller"), EDGE_TERMS)
def test_with_its_own_reference_the_larger_text_is_itself(
        pack: RulePack, name: str, rule: str, smaller: str) -> None:
    result = identify_text("Notice for the example package\n\n" + read(name), pack, "LICENSE")
    assert result.status == IDENTIFIED, result.to_dict()
    assert [m.rule_id for m in result.matches] == [rule]


OUR_TERMS = [
    "This agreement is governed by the laws of the Republic of Example.",
    "You may use the model under this license or, at your option, any later version of it.",
    "The Work has no Invariant Sections.",
    "The fonts use the Reserved Font Name Examplia.",
    "Every copy of the weights shall include this notice and the model card.",
    "Redistributions must include the file ACKNOWLEDGEMENTS.",
]
HARMLESS = [
    "The model weights in this repository are distributed under the following terms.",
    "Please direct questions about this file to the maintainers.",
    "See the model card for how the weights were trained.",
]


@pytest.mark.parametrize("passage", OUR_TERMS)
def test_a_short_passage_stating_a_term_next_to_mit_is_custom(pack: RulePack,
                                                              passage: str) -> None:
    result = identify_text(read("spdx/MIT.txt") + "\n\n" + passage + "\n", pack, "LICENSE")
    assert result.status == UNKNOWN and not result.matches, result.to_dict()
    assert result.qualifiers and result.qualifiers[0].base == "mit"
    # ... and in a README the same passage is prose around the license
    readme = identify_text(read("spdx/MIT.txt") + "\n\n" + passage + "\n", pack, "README.md")
    assert [m.rule_id for m in readme.matches] == ["mit"]


@pytest.mark.parametrize("passage", HARMLESS)
def test_a_harmless_passage_next_to_mit_leaves_it_identified(pack: RulePack,
                                                             passage: str) -> None:
    result = identify_text(passage + "\n\n" + read("spdx/MIT.txt"), pack, "LICENSE")
    assert result.status == IDENTIFIED, result.to_dict()
    assert [m.rule_id for m in result.matches] == ["mit"]


def test_outside_flag_names_the_term() -> None:
    tokens = normalize(OUR_TERMS[0]).tokens
    assert outside_flag(tokens) == "text next to the license states the governing law"
    assert outside_flag(normalize(HARMLESS[0]).tokens) is None


# --- a part of a reference -------------------------------------------------------------


def _first_lines(name: str, share: float) -> str:
    lines = read(name).splitlines(keepends=True)
    return "".join(lines[:max(1, int(len(lines) * share))])


@pytest.mark.parametrize("wrap", ["{}", "## Licence du modèle granite3.3:8b\n\n```\n{}```\n"])
def test_a_copy_cut_off_early_is_part_of_the_license_not_the_license(pack: RulePack,
                                                                     wrap: str) -> None:
    text = wrap.format(_first_lines("apache-2.0.txt", 0.25))
    result = identify_text(text, pack, "LICENSE")
    assert result.status == UNKNOWN and not result.matches, result.to_dict()
    assert (result.reason or "").startswith("the text is part of apache-2.0:"), result.reason
    assert result.alternatives[0].rule_id == "apache-2.0"


@pytest.mark.parametrize(("name", "rule", "share"), [
    ("apache-2.0.txt", "apache-2.0", 0.8), ("apache-2.0.txt", "apache-2.0", 0.85),
    ("spdx/Pixar.txt", "pixar", 0.85), ("spdx/Pixar.txt", "pixar", 0.9),
    ("spdx/ECL-2.0.txt", "ecl-2.0", 0.8), ("spdx/ECL-2.0.txt", "ecl-2.0", 0.85)])
def test_a_copy_cut_off_late_is_a_modified_copy_of_its_own_license(
        pack: RulePack, name: str, rule: str, share: float) -> None:
    """Apache cut off in sections 8-9 is closer to Pixar's text (Apache without its end and
    with another trademark clause) than to Apache's, but it is Apache's wording with a part
    missing: a modified Apache, never a modified Pixar."""
    result = identify_text(_first_lines(name, share), pack, "LICENSE")
    assert result.status == MODIFIED, result.to_dict()
    assert [m.rule_id for m in result.matches] == [rule]


@pytest.mark.parametrize(("name", "rule", "larger"), [
    ("spdx/BSD-2-Clause.txt", "bsd-2-clause", "bsd-3-clause"),
    ("spdx/BSD-3-Clause.txt", "bsd-3-clause", "bsd-3-clause-attribution"),
])
def test_a_license_missing_a_middle_clause_of_another_is_no_cut_copy_of_it(
        pack: RulePack, name: str, rule: str, larger: str) -> None:
    """BSD-2-Clause is BSD-3-Clause's wording without clause 3: not a copy cut off, so not
    chosen for being the other's wording (the issue's "BSD-2-Clause reported as a modified
    BSD-3-Clause")."""
    index = pack_index(pack).without(frozenset({rule}))
    result = identify_text(read(name), pack, "LICENSE", index=index)
    assert larger not in [m.rule_id for m in result.matches], result.to_dict()


def test_a_policy_with_a_third_removed_is_part_of_it(pack: RulePack) -> None:
    paragraphs = read("llama2-aup.txt").split("\n\n")
    kept = paragraphs[:len(paragraphs) * 2 // 3]
    result = identify_text("\n\n".join(kept) + "\n", pack, "USE_POLICY.md")
    assert result.status == UNKNOWN and not result.matches, result.to_dict()
    assert (result.reason or "").startswith("the text is part of llama2-aup:"), result.reason


def test_another_license_on_a_shared_template_is_not_called_a_part(pack: RulePack) -> None:
    """Databricks' license shares Llama 2's template but has wording of its own."""
    result = identify_text(read("databricks-open-model-2024-03-27.txt"), pack, "LICENSE",
                           index=pack_index(pack).without(frozenset({"databricks-open-model"})))
    assert result.status == UNKNOWN, result.to_dict()
    assert "part of" not in (result.reason or ""), result.reason


# --- a reference with a permission of its own ------------------------------------------


def test_a_linking_permission_next_to_a_reference_is_custom_leave_one_out(pack: RulePack
                                                                          ) -> None:
    """vsftpd's exception names GPL v2 and grants linking with OpenSSL: GPL plus a
    permission, not GPL (its own rule left out)."""
    index = pack_index(pack).without(frozenset({"vsftpd-openssl-exception"}))
    result = identify_text(read("spdx/vsftpd-openssl-exception.txt"), pack, "LICENSE",
                           index=index)
    assert result.status == UNKNOWN and not result.matches, result.to_dict()
    assert [q.reason for q in result.qualifiers] == ["adds a permission"]


@pytest.mark.parametrize("text", [
    "This program is licensed under the GNU GPL version 2. We give you permission to link it "
    "with the Example crypto library.",
    "Released under the GNU GPL v2; as the copyright holder I grant permission for the tool "
    "to be combined with non-free plugins.",
])
def test_a_linking_permission_in_our_words_is_custom(pack: RulePack, text: str) -> None:
    result = identify_text(text, pack, "LICENSE")
    assert result.status == UNKNOWN and not result.matches, result.to_dict()
    assert result.qualifiers and result.qualifiers[0].reason == "adds a permission"
