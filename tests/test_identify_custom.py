"""Custom licenses built on a known one, noise that must not hide a license, version pairs,
and texts the pack does not know (issues 11 and 12).

Every qualifying text below is our own wording. None of them may be identified as the
permissive license it names: each is unknown, with the qualifying passage quoted.
"""

from __future__ import annotations

import pytest

from licscan.identify import identify_bytes, identify_text
from licscan.identify.index import pack_index
from licscan.identify.normalize import decode
from licscan.rulepack import RulePack, load_rulepack
from tests.conftest import corpus_dir


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rulepack()


def read(name: str) -> str:
    text, _problem = decode((corpus_dir() / name).read_bytes())
    assert text is not None
    return text


# (text, the permissive base it must not be concluded as)
QUALIFIED = [
    ("This model is released under the Apache License 2.0, with the following additional "
     "restriction: it may be used for non-commercial research purposes only.", "apache-2.0"),
    ("Licensed under the Apache License, Version 2.0, with the following additional "
     "conditions: any commercial deployment requires a commercial license from Example Labs.",
     "apache-2.0"),
    ("The weights are provided under a modified version of the Apache 2.0 license that adds "
     "use-based restrictions (see Attachment A).", "apache-2.0"),
    ("This license is based on the MIT License. In addition, the Software may not be used to "
     "train competing models.", "mit"),
    ("MIT License, except that the software may not be used by companies with more than "
     "100 employees.", "mit"),
    ("Released under the MIT License for academic use only.", "mit"),
    ("You may use this model under the terms of the Apache License 2.0 provided that you do "
     "not use it in any military application.", "apache-2.0"),
    ("Apache License 2.0. Commercial use is prohibited without our prior written consent.",
     "apache-2.0"),
    ("The code and weights follow the BSD 3-Clause License, excluding the checkpoints in the "
     "private folder, which are not licensed for redistribution.", "bsd-3-clause"),
    ("Use of these weights is governed by the Apache License 2.0 and the additional terms in "
     "ADDENDUM.md.", "apache-2.0"),
    ("This work is licensed under CC BY 4.0. Use for commercial purposes requires a separate "
     "agreement with the authors.", "cc-by-4.0"),
    ("Licensed under the MIT License. The model must not be deployed in production systems.",
     "mit"),
    ("The dataset is available under the Apache License 2.0 for evaluation purposes only.",
     "apache-2.0"),
    ("We release this checkpoint under the MIT License, with the exception of the tokenizer "
     "files.", "mit"),
    ("License: Apache License 2.0 with modifications (see below). Users in the following countries "
     "are not permitted to download the model.", "apache-2.0"),
    ("This model is distributed under an Apache 2.0 license derived from the original; "
     "redistribution is forbidden.", "apache-2.0"),
    ("The software is licensed under the MIT License, subject to the following further "
     "limitations on use.", "mit"),
    ("Code: MIT License. Weights: the MIT License applies only if your service has fewer than "
     "one million monthly active users.", "mit"),
    ("CC0 1.0 Universal dedication applies to the paper figures; for the model, contact us "
     "to obtain a commercial license.", "cc0-1.0"),
    ("The Apache License 2.0 governs this repository. Personal use only; resale of the "
     "outputs is not allowed.", "apache-2.0"),
    ("This fine-tune keeps the Apache 2.0 license of its base model but may only be used "
     "together with the Example Cloud service.", "apache-2.0"),
    ("Released under a custom variant of the BSD 3-Clause License that adds an "
     "attribution requirement for hosted services.", "bsd-3-clause"),
    ("License: Apache 2.0 with Commons Clause (see LICENSE).", "apache-2.0"),
    ("This package is available under the MIT License plus a no-resale rider.", "mit"),
    ("Released under the BSD 3-Clause License. This software is not designed, licensed or "
     "intended for use in any air traffic control system.", "bsd-3-clause"),
    ("license_name: CC BY-NC-SA 4.0 + Example Fleet Data Terms", "cc-by-nc-sa-4.0"),
    ("The checkpoints are licensed under the Apache License 2.0. Do not use the model to "
     "imitate the voice of a living person.", "apache-2.0"),
    ("The weights are released under the MIT License. You must use only recordings that you "
     "are entitled to use as prompts.", "mit"),
]


@pytest.mark.parametrize(("text", "base"), QUALIFIED)
@pytest.mark.parametrize("filename", ["LICENSE", "README.md"])
def test_qualified_references_are_custom_licenses(text: str, base: str, filename: str,
                                                  pack: RulePack) -> None:
    result = identify_text(text, pack, filename)
    assert result.status == "unknown", result.to_dict()
    assert result.matches == ()
    assert result.qualifiers, result.to_dict()
    quoted = " ".join(text.split())
    for qualifier in result.qualifiers:
        assert qualifier.text.rstrip("…") in quoted  # quoted from the text
        assert qualifier.line == 1 and qualifier.reason
    assert base in {q.base for q in result.qualifiers}, result.to_dict()


def test_at_least_twenty_phrasings() -> None:
    assert len({t for t, _b in QUALIFIED}) >= 20


def _apache_file_notice() -> str:
    """The notice Apache's appendix asks a file to carry, read from the corpus (no copy here)."""
    text = read("apache-2.0.txt")
    start = text.index("Licensed under the Apache License")
    return text[start:text.index("implied.", start) + len("implied.")]


@pytest.mark.parametrize("text", [
    "<apache file notice>",
    "The model weights are released under the Apache License 2.0.",
    "This project is licensed under the MIT License - see the LICENSE file for details.",
])
def test_plain_references_still_identify(text: str, pack: RulePack) -> None:
    if text == "<apache file notice>":
        text = _apache_file_notice()
    result = identify_text(text, pack, "README.md")
    assert result.status == "identified", result.to_dict()
    assert result.qualifiers == ()


def test_an_exclusion_list_in_front_of_mit_is_a_custom_license(pack: RulePack) -> None:
    text = ("The following uses are excluded from this license: surveillance products, "
            "and any service offered in the Example Region.\n\n" + read("mit.txt"))
    result = identify_text(text, pack, "LICENSE")
    assert (result.status, result.matches) == ("unknown", ())
    assert result.qualifiers[0].base == "mit"
    assert result.qualifiers[0].text.startswith("The following uses are excluded")


# a license database's record: YAML metadata (our own wording) over the license text
RECORD = """---
key: example-record
name: Example record of the MIT License
category: Permissive
notes: |
    This entry is a modified version of an older record; the text below is based on the
    MIT License and must not be confused with the X11 variant.
other_urls:
    - https://example.org/licenses/mit
---

"""


def test_a_license_database_record_is_its_license(pack: RulePack) -> None:
    result = identify_text(RECORD + read("mit.txt"), pack, "mit.LICENSE")
    assert [(m.rule_id, m.status) for m in result.matches] == [("mit", "identified")], \
        result.to_dict()


def test_a_front_matter_that_claims_a_qualified_license_still_qualifies(pack: RulePack) -> None:
    front = "---\nlicense: other\nlicense_name: MIT License plus a no-resale rider\n---\n\n"
    result = identify_text(front + read("mit.txt"), pack, "LICENSE")
    assert (result.status, result.matches) == ("unknown", ()), result.to_dict()


@pytest.mark.parametrize(("left", "right"), [("\u00e2\u20ac\u0153", "\u00e2\u20ac\u009d"),
                                             ("\u201a\u00c4\u00fa", "\u201a\u00c4\u00f9")])
def test_quotes_garbled_by_an_encoding_are_no_edit(left: str, right: str,
                                                    pack: RulePack) -> None:
    """UTF-8 quotes read as Windows-1252 or Mac Roman ("â€œAS ISâ€\x9d", "‚ÄúAS IS‚Äù")."""
    text = read("mit.txt")
    assert '"AS IS"' in text
    result = identify_text(text.replace('"AS IS"', f"{left}AS IS{right}"), pack, "LICENSE")
    assert [(m.rule_id, m.status) for m in result.matches] == [("mit", "identified")], \
        result.to_dict()


@pytest.mark.parametrize(("name", "rule_id"), [("spdx/GPL-2.0-only.txt", "gpl-2.0"),
                                              ("spdx/WTFPL.txt", "wtfpl")])
@pytest.mark.parametrize("width", [60, 100])
def test_an_address_after_the_copyright_holder_is_no_edit(name: str, rule_id: str, width: int,
                                                          pack: RulePack) -> None:
    """Re-wrapped, the holder's address goes with the copyright statement (no full stop
    ends it) instead of opening the next sentence: the sentence is the reference's once the
    address is put back."""
    import re
    import textwrap

    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", read(name)) if p.strip()]
    text = "\n\n".join(textwrap.fill(p, width) for p in paragraphs)
    result = identify_text(text, pack, "LICENSE")
    assert [(m.rule_id, m.status) for m in result.matches] == [(rule_id, "identified")], \
        result.to_dict()


def test_a_model_name_written_in_mixed_case_is_a_changed_name(pack: RulePack) -> None:
    """The template of one licensor with another's model name in mixed case ("aiXample" for
    "CodeGeeX") is a modified text with the name listed, never the original."""
    text = read("codegeex-license.txt").replace("CodeGeeX", "aiXample")
    result = identify_text(text, pack, "MODEL_LICENSE")
    assert "codegeex" not in [m.rule_id for m in result.matches if m.status == "identified"]
    reasons = [d.reason or "" for m in result.matches for d in m.differences]
    assert any("aiXample" in r for r in reasons), result.to_dict()


def test_a_long_file_that_mentions_apache_is_not_apache(pack: RulePack) -> None:
    body = " ".join(f"Section {n}. The licensee keeps the records of item {n} for the "
                    "provider and reports them yearly." for n in range(1, 60))
    text = body + " Parts of the code were licensed under the Apache License 2.0."
    result = identify_text(text, pack, "LICENSE")
    assert (result.status, result.matches) == ("unknown", ())


def test_a_restated_noncommercial_term_is_no_qualifier(pack: RulePack) -> None:
    text = ("The weights are licensed under CC-BY-NC-4.0 (Creative Commons "
            "Attribution-NonCommercial 4.0 International). You may share and adapt them "
            "for non-commercial purposes.")
    result = identify_text(text, pack, "README.md")
    assert [m.rule_id for m in result.matches] == ["cc-by-nc-4.0"]


# --- noise: NULs, controls, padding, look-alike letters (issue 12) ------------------------

LOOK_ALIKE = str.maketrans("aceopxyACEHKMOPTX", "асеорхуАСЕНКМОРТХ")


@pytest.mark.parametrize("noise", ["nul", "controls", "padding", "look-alikes", "zero-width"])
def test_noise_does_not_hide_a_noncommercial_license(noise: str, pack: RulePack) -> None:
    text = read("cc-by-nc-4.0.txt")
    data = {
        "nul": b"\0" + text.encode(),
        "controls": text.replace(" ", " \x01\x7f", 50).encode(),
        "padding": (text + "\n" * 1_000_000 + " " * 10_000).encode(),
        "look-alikes": text.translate(LOOK_ALIKE).encode(),
        "zero-width": text.replace("Commercial", "Com\u200bmer\u200dcial").encode(),
    }[noise]
    result = identify_bytes(data, pack, "LICENSE")
    assert (result.status, [m.rule_id for m in result.matches]) == (
        "identified", ["cc-by-nc-4.0"]), result.to_dict()


def test_binary_data_is_still_binary(pack: RulePack) -> None:
    assert identify_bytes(bytes(range(256)) * 8, pack).reason == "binary file"


# --- versions told apart, including near-identical ones (issue 11) -------------------------


@pytest.mark.parametrize(("name", "rule_id"), [
    ("yi-license-1.0.txt", "yi-1.0"), ("yi-license-2.0.txt", "yi-2.0"),
    ("yi-community-license-2.1.txt", "yi-community-2.1"),
    ("gemma-tou-2024-02-21.txt", "gemma-2024-02-21"),
    ("gemma-tou-2024-04-01.txt", "gemma-2024-04-01"),
    ("spdx/LPPL-1.1.txt", None), ("spdx/LPPL-1.2.txt", None), ("spdx/LPPL-1.3a.txt", None),
    ("spdx/LPPL-1.3c.txt", None), ("spdx/OFL-1.0.txt", None), ("spdx/OFL-1.1.txt", None),
    ("spdx/ECL-1.0.txt", None), ("spdx/ECL-2.0.txt", None), ("spdx/AGPL-3.0-only.txt", None),
    ("spdx/GPL-3.0-only.txt", None), ("spdx/CC-BY-ND-4.0.txt", None),
    ("spdx/CC-BY-NC-ND-4.0.txt", None), ("spdx/BSD-2-Clause.txt", None),
    ("spdx/BSD-3-Clause.txt", None), ("spdx/ISC.txt", None), ("spdx/Zlib.txt", None),
    ("spdx/Unlicense.txt", None), ("spdx/BSL-1.0.txt", None), ("spdx/EUPL-1.2.txt", None),
    ("spdx/OSL-3.0.txt", None), ("spdx/AFL-3.0.txt", None),
])
def test_each_version_is_identified_exactly(name: str, rule_id: str | None,
                                            pack: RulePack) -> None:
    if rule_id is None:
        spdx_id = name.removeprefix("spdx/").removesuffix(".txt").lower()
        rule = pack.by_expression_id.get(spdx_id)
        rule_id = rule.id if rule else spdx_id
    result = identify_text(read(name), pack, name)
    assert (result.status, [m.rule_id for m in result.matches]) == ("identified", [rule_id])


@pytest.mark.parametrize(("name", "other"), [
    ("databricks-open-model-2024-03-27.txt", "llama2"),
    ("kolors-model-license-2024-07-06.txt", "hunyuan-dit-2024-05-14"),
    ("llama2-license.txt", "llama3"),
    ("deepseek-license-1.0.txt", "creativeml-openrail++-m"),
])
def test_a_license_the_pack_does_not_know_is_unknown_with_candidates(
        name: str, other: str, pack: RulePack) -> None:
    # leave-one-out: without its own reference, the text shares a template with `other`
    rule_ids = frozenset(r.rule_id for r in pack_index(pack).texts
                         if r.source == name)
    index = pack_index(pack).without(rule_ids)
    result = identify_text(read(name), pack, name, index=index)
    assert (result.status, result.matches) == ("unknown", ()), result.to_dict()
    assert other in [c.rule_id for c in result.alternatives]


# Scope statements and restated terms (our own wording): they say what the license covers,
# or repeat a non-commercial license's own terms; they add nothing, so the license stands.
SCOPE_AND_RESTATEMENTS = [
    ("This license applies to the published checkpoints only. It does not apply to the "
     "training scripts, which are licensed under the MIT License.\n\nThe checkpoints are "
     "released under the Apache License 2.0.", "apache-2.0"),
    ("The checkpoints are licensed under CC-BY-NC-4.0. Not permitted:\n\n- commercial use "
     "of the checkpoints.\n\nThe annotation corpus is not covered by this license and "
     "remains subject to its owner's terms.", "cc-by-nc-4.0"),
    ("The checkpoints are licensed under CC-BY-NC-4.0. You may share them provided that you "
     "give appropriate credit and do not use them for commercial purposes. Use them for "
     "academic research and personal projects.", "cc-by-nc-4.0"),
    ("The weights are released under the Apache License 2.0. The serving software (binaries "
     "and wrappers) is licensed separately under a proprietary license.", "apache-2.0"),
    # a license of training data is no subject of what follows
    ("The checkpoints are licensed under CC-BY-NC-4.0. Some training datasets (e.g. Corpus-A, "
     "Corpus-B) carry a CC BY-SA 4.0 license. Because other training data is non-commercial, "
     "a share-alike release was not possible.", "cc-by-nc-4.0"),
    # a license said to cover the weights stays the subject of what follows
    ("The code is released under the MIT License. The CC-BY-NC-4.0 license applies to the "
     "weights. You may not use the weights commercially.", "cc-by-nc-4.0"),
    # a sentence that grants commercial use limits no field of use
    ("The source code is licensed under the Apache License 2.0. The models are open for "
     "academic research and free for commercial use once registered.", "apache-2.0"),
]


@pytest.mark.parametrize(("text", "rule_id"), SCOPE_AND_RESTATEMENTS)
def test_scope_statements_and_restated_terms_are_no_qualifiers(text: str, rule_id: str,
                                                               pack: RulePack) -> None:
    result = identify_text(text, pack, "MODEL_LICENSE")
    assert result.qualifiers == (), result.to_dict()
    assert rule_id in [m.rule_id for m in result.matches], result.to_dict()


# ... while a scope statement that also limits the model is still a custom license
@pytest.mark.parametrize("text", [
    "The code is released under the Apache License 2.0, but the pre-trained weights are "
    "under a special license.",
    "The Apache License 2.0 applies to the model weights, which may not be used in "
    "production.",
    "The inputs are subject to their own terms. The model is licensed under the MIT License "
    "for research purposes only.",
])
def test_a_scope_statement_that_limits_the_model_still_qualifies(text: str,
                                                                 pack: RulePack) -> None:
    result = identify_text(text, pack, "LICENSE")
    assert (result.status, result.matches) == ("unknown", ()), result.to_dict()
    assert result.qualifiers


def test_a_license_named_for_training_data_is_not_reported(pack: RulePack) -> None:
    text = SCOPE_AND_RESTATEMENTS[4][0]
    result = identify_text(text, pack, "MODEL_LICENSE")
    assert [m.rule_id for m in result.matches] == ["cc-by-nc-4.0"], result.to_dict()


@pytest.mark.parametrize("text", ["Released under Apache-2.0 + MIT.",
                                  "License: Apache 2.0 + MIT License"])
def test_two_licenses_joined_by_a_plus_add_nothing(text: str, pack: RulePack) -> None:
    result = identify_text(text, pack, "README.md")
    assert result.qualifiers == () and result.status == "identified", result.to_dict()
    assert "apache-2.0" in [m.rule_id for m in result.matches]


def test_a_negated_commercial_grant_still_limits_the_field_of_use(pack: RulePack) -> None:
    text = ("The model is not free for commercial use; it is licensed under the MIT License "
            "for academic research only.")
    result = identify_text(text, pack, "README.md")
    assert (result.status, result.matches) == ("unknown", ()), result.to_dict()


def test_a_notice_that_grants_nothing_is_not_the_license_it_mentions(pack: RulePack) -> None:
    text = ("# Model weights: licensing status\n\nAccess to this repository does not grant "
            "permission to redistribute or deploy the fine-tuned weights. A separate written "
            "license is required for any use outside the project.\n\nThe upstream toolkit is "
            "published under the MIT License.")
    result = identify_text(text, pack, "MODEL_LICENSE.md")
    assert (result.status, result.matches) == ("unknown", ()), result.to_dict()
    assert result.qualifiers


@pytest.mark.parametrize(("text", "rule_id"), [
    ("License: Apache 2.0", "apache-2.0"),
    ("See https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/LICENSE",
     "llama3.1"),
    ("Use is governed by https://github.com/facebookresearch/llama/blob/main/LICENSE", "llama2"),
    ("Released under the Tencent Hunyuan Community License Agreement.",
     "tencent-hunyuan-community"),
    ("This model is licensed under the EXAONE AI Model License Agreement.", "exaone"),
])
def test_reference_phrases_urls_and_family_rules(text: str, rule_id: str,
                                                 pack: RulePack) -> None:
    result = identify_text(text, pack, "README.md")
    assert [m.rule_id for m in result.matches] == [rule_id], result.to_dict()


def test_family_rules_name_their_versions(pack: RulePack) -> None:
    family = pack.get("tencent-hunyuan-community")
    assert family is not None and family.version is None
    versions = [r for r in pack.rules.values()
                if r.family == "tencent-hunyuan-community" and r.version is not None]
    assert len(versions) == 5
    assert pack.get("exaone") is not None
    assert pack.get("exaone-1.1-nc").family == "exaone"  # type: ignore[union-attr]


def test_a_phrase_two_versions_share_is_never_another_version(pack: RulePack) -> None:
    """"Tongyi Qianwen License Agreement" names two 2023 texts; the family has no unversioned
    rule, and the rule named like the family ("qwen") is the 2024 license: not that."""
    result = identify_text("Qwen is licensed under the Tongyi Qianwen License Agreement.", pack,
                           "README.md")
    assert "qwen" not in [m.rule_id for m in result.matches], result.to_dict()
    # ... it is the version that owns the name as a license id (the 2023-08-03 rule's
    # `tongyi-qianwen-license-agreement`), reported below the confidence of a unique name
    owner = pack.get("tongyi-qianwen")
    assert owner is not None and "tongyi-qianwen-license-agreement" in owner.license_names
    assert [(m.rule_id, m.confidence) for m in result.matches] == [("tongyi-qianwen", 80)]


def test_an_attribution_notice_several_licenses_require_names_none(pack: RulePack) -> None:
    """"Built with Qwen" is the display duty of the Qwen and the Qwen RESEARCH licenses: next
    to a link to the research license it adds no second license."""
    result = identify_text("Built with Qwen. The base model is under the [Qwen RESEARCH LICENSE "
                           "AGREEMENT](https://example.org/LICENSE).", pack, "README.md")
    assert [m.rule_id for m in result.matches] == ["qwen-research"], result.to_dict()
    assert identify_text("Built with Qwen.", pack, "README.md").matches == ()


def test_a_version_linked_under_its_family_title_is_that_version(pack: RulePack) -> None:
    text = ("### License Agreement\n\n[TENCENT HUNYUAN COMMUNITY LICENSE AGREEMENT]"
            "(https://github.com/Tencent/HunyuanDiT/blob/main/LICENSE.txt)\n")
    result = identify_text(text, pack, "README.md")
    assert [m.rule_id for m in result.matches] == ["hunyuan-dit-2024-05-14"], result.to_dict()


def test_pointing_at_a_use_policy_is_no_qualifier(pack: RulePack) -> None:
    text = ("Please refer to the acceptable use policy: "
            "https://github.com/facebookresearch/llama/blob/main/USE_POLICY.md\n")
    result = identify_text(text, pack, "USE_POLICY.md")
    assert [m.rule_id for m in result.matches] == ["llama2-aup"], result.to_dict()
    # ... but naming an acceptable use policy next to a permissive license still qualifies it
    added = identify_text("Licensed under the MIT License, subject to our acceptable use "
                          "policy.", pack, "LICENSE")
    assert (added.status, added.matches) == ("unknown", ())
